"""Secretariat staff change reference data and records through the API, and the ledger through its
services; nobody else writes, and what the models or the ledger refuse changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from grants.models import FundingWindow, Project, Theme, Transaction, TransactionKind
from tests.factories import PartnerUserFactory, StaffFactory

API = "/api/v1"


@pytest.fixture
def staff(api, db):
    api.force_authenticate(StaffFactory())
    return api


def test_staff_create_a_theme_and_get_it_back_as_read(staff):
    response = staff.post(
        f"{API}/themes/", {"code": "housing", "name": "Housing", "start_year": 2020, "end_year": 2025}, format="json"
    )

    assert response.status_code == 201
    theme = Theme.objects.get(code="housing")
    assert response.json() == {
        "id": theme.pk,
        "code": "housing",
        "name": "Housing",
        "description": "",
        "start_year": 2020,
        "end_year": 2025,
    }


def test_only_staff_write(api, portfolio):
    payload = {"code": "housing", "name": "Housing"}
    anonymous = api.post(f"{API}/themes/", payload, format="json")
    api.force_authenticate(PartnerUserFactory(organisation=portfolio["jinja"]))
    partner = api.post(f"{API}/themes/", payload, format="json")
    renamed = api.patch(f"{API}/projects/{portfolio['uganda'].pk}/", {"title": "Mine now"}, format="json")

    assert anonymous.status_code == 401
    assert partner.status_code == renamed.status_code == 403
    assert partner.json()["error"]["message"] == "Only secretariat staff change this."
    assert not Theme.objects.filter(code="housing").exists()
    portfolio["uganda"].refresh_from_db()
    assert portfolio["uganda"].title == "Uganda country programme"


def test_what_the_model_refuses_is_refused_field_by_field_and_nothing_is_saved(staff, portfolio):
    taken = staff.post(f"{API}/themes/", {"code": "gender", "name": "Another"}, format="json")
    backwards = staff.post(
        f"{API}/themes/", {"code": "late", "name": "Late", "start_year": 2025, "end_year": 2020}, format="json"
    )

    assert taken.status_code == 400
    assert taken.json()["error"]["fields"] == {"code": ["theme with this code already exists."]}
    assert backwards.status_code == 400
    assert backwards.json()["error"]["message"].startswith("Invalid input: ")
    assert not Theme.objects.filter(code="late").exists()


def test_a_window_in_use_cannot_be_deleted_and_an_unused_one_can(staff, portfolio):
    in_use = staff.delete(f"{API}/windows/{portfolio['country_window'].pk}/")
    unused = FundingWindow.objects.create(code="spare", name="Spare window")
    deleted = staff.delete(f"{API}/windows/{unused.pk}/")

    assert in_use.status_code == 409
    assert in_use.json()["error"]["message"] == "Still in use by facilities: it cannot be deleted."
    assert FundingWindow.objects.filter(pk=portfolio["country_window"].pk).exists()
    assert deleted.status_code == 204
    assert not FundingWindow.objects.filter(pk=unused.pk).exists()


def test_a_project_update_changes_the_fields_sent_and_never_its_running_totals(staff, portfolio):
    uganda = Project.objects.get(pk=portfolio["uganda"].pk)
    stale_committed, stale_disbursed = uganda.committed_total, uganda.disbursed_total
    # Money moves after the record was read: the update must not write the old totals back.
    Project.objects.filter(pk=uganda.pk).update(disbursed_total=stale_disbursed + 1)

    response = staff.patch(f"{API}/projects/{uganda.pk}/", {"title": "Uganda programme, phase 2"}, format="json")

    assert response.status_code == 200
    assert response.json()["title"] == "Uganda programme, phase 2"
    uganda.refresh_from_db()
    assert uganda.title == "Uganda programme, phase 2"
    assert (uganda.committed_total, uganda.disbursed_total) == (stale_committed, stale_disbursed + 1)


def test_a_project_with_money_booked_keeps_its_currency(staff, portfolio):
    uganda = portfolio["uganda"]

    response = staff.patch(f"{API}/projects/{uganda.pk}/", {"currency": "EUR"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "currency": [f"Money is already booked in {uganda.currency}: the currency cannot change."]
    }


def test_no_project_takes_the_code_of_the_pooled_fund(staff, portfolio):
    response = staff.patch(f"{API}/projects/{portfolio['uganda'].pk}/", {"code": "fund"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "code": ["fund names the pooled fund in the open data files; choose another code."]
    }
    assert Project.objects.get(pk=portfolio["uganda"].pk).code == portfolio["uganda"].code


def test_a_project_is_never_deleted(staff, portfolio):
    response = staff.delete(f"{API}/projects/{portfolio['uganda'].pk}/")

    assert response.status_code == 405
    assert Project.objects.filter(pk=portfolio["uganda"].pk).exists()


def test_staff_record_a_disbursement_and_the_project_total_follows(staff, portfolio):
    uganda = portfolio["uganda"]
    payload = {"kind": 3, "project": uganda.pk, "amount": "25000.00", "value_date": "2016-06-30", "reference": "D-2"}

    response = staff.post(f"{API}/transactions/", payload, format="json")

    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["amount"], body["currency"], body["reference"]) == (
        3,
        "25000.00",
        uganda.currency,
        "D-2",
    )
    uganda.refresh_from_db()
    assert uganda.disbursed_total == Decimal("65000.00")


def test_a_disbursement_beyond_the_commitment_is_refused_and_nothing_is_written(staff, portfolio):
    uganda = portfolio["uganda"]
    before = Transaction.objects.count()

    response = staff.post(
        f"{API}/transactions/",
        {"kind": 3, "project": uganda.pk, "amount": "60000.01", "value_date": "2016-06-30"},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["amount"]
    assert Transaction.objects.count() == before
    uganda.refresh_from_db()
    assert uganda.disbursed_total == Decimal("40000.00")


def test_a_receipt_needs_its_contribution_and_counts_against_the_pledge(staff, portfolio):
    seco = portfolio["seco_phase"]
    missing = staff.post(
        f"{API}/transactions/", {"kind": 1, "amount": "100.00", "value_date": "2014-01-10"}, format="json"
    )
    received = staff.post(
        f"{API}/transactions/",
        {"kind": 1, "contribution": seco.pk, "amount": "1000000.00", "value_date": "2014-01-10", "currency": "CHF"},
        format="json",
    )

    assert missing.status_code == 400
    assert missing.json()["error"]["fields"] == {"contribution": ["This kind of transaction needs it."]}
    assert received.status_code == 201
    seco.refresh_from_db()
    assert seco.received_total == Decimal("1000000.00")


def test_commitments_are_not_recorded_through_the_api(staff, portfolio):
    response = staff.post(
        f"{API}/transactions/",
        {"kind": 2, "project": portfolio["uganda"].pk, "amount": "1.00", "value_date": "2016-01-01"},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["kind"]


def test_a_reversal_nets_the_row_to_zero_once(staff, portfolio):
    uganda = portfolio["uganda"]
    payment = Transaction.objects.get(project=uganda, kind=TransactionKind.DISBURSEMENT)
    url = f"{API}/transactions/{payment.pk}/reverse/"

    first = staff.post(url, {"reason": "Paid to the wrong account", "value_date": "2016-03-02"}, format="json")
    second = staff.post(url, {"reason": "Again"}, format="json")

    assert first.status_code == 201
    assert first.json()["amount"] == "-40000.00" and first.json()["reverses"] == payment.pk
    assert second.status_code == 400
    assert second.json()["error"]["message"] == "Invalid input: This transaction is already reversed."
    uganda.refresh_from_db()
    assert uganda.disbursed_total == Decimal("0.00")


def test_partners_cannot_record_or_reverse_money(api, portfolio):
    api.force_authenticate(PartnerUserFactory(organisation=portfolio["jinja"]))
    payment = Transaction.objects.get(project=portfolio["uganda"], kind=TransactionKind.DISBURSEMENT)

    recorded = api.post(
        f"{API}/transactions/",
        {"kind": 3, "project": portfolio["uganda"].pk, "amount": "1.00", "value_date": dt.date(2016, 6, 1)},
        format="json",
    )
    reversed_ = api.post(f"{API}/transactions/{payment.pk}/reverse/", {"reason": "Mine"}, format="json")

    assert recorded.status_code == reversed_.status_code == 403
    assert not Transaction.objects.filter(reverses=payment).exists()


def test_staff_create_an_organisation_and_an_indicator(staff, portfolio):
    organisation = staff.post(
        f"{API}/organisations/", {"name": "City of Kisumu", "kind": "local_government", "country": "KE"}, format="json"
    )
    unknown_kind = staff.post(f"{API}/organisations/", {"name": "Somebody", "kind": "club"}, format="json")

    assert organisation.status_code == 201
    assert organisation.json()["country"] == "KE"
    assert unknown_kind.status_code == 400
    assert list(unknown_kind.json()["error"]["fields"]) == ["kind"]
