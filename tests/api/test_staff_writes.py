"""Secretariat staff change reference data and records through the API, and the ledger through its
services; nobody else writes, and what the models or the ledger refuse changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from grants.models import (
    Call,
    Contribution,
    FundingWindow,
    GrantAgreement,
    Project,
    Theme,
    Transaction,
    TransactionKind,
)
from tests.factories import ApplicationFactory, CallFactory, PartnerUserFactory, ProjectFactory, StaffFactory

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
    assert partner.json()["error"]["message"] == "You do not have the permission this act needs."
    assert not Theme.objects.filter(code="housing").exists()
    portfolio["uganda"].refresh_from_db()
    assert portfolio["uganda"].title == "Uganda country programme"


def test_what_the_model_refuses_is_refused_field_by_field_and_nothing_is_saved(staff, portfolio):
    taken = staff.post(f"{API}/themes/", {"code": "gender", "name": "Another"}, format="json")
    backwards = staff.post(
        f"{API}/themes/", {"code": "late", "name": "Late", "start_year": 2025, "end_year": 2020}, format="json"
    )

    assert taken.status_code == 400
    assert taken.json()["error"]["fields"] == {"code": ["Theme with this Code already exists."]}
    assert backwards.status_code == 400
    assert backwards.json()["error"]["message"].startswith("Invalid input: ")
    assert not Theme.objects.filter(code="late").exists()


def test_a_window_in_use_cannot_be_deleted_and_an_unused_one_can(staff, portfolio):
    in_use = staff.delete(f"{API}/windows/{portfolio['country_window'].pk}/")
    unused = FundingWindow.objects.create(code="spare", name="Spare window")
    deleted = staff.delete(f"{API}/windows/{unused.pk}/")

    assert in_use.status_code == 409
    message = "“Country/City Window” is still used by 1 facility: it cannot be deleted."
    assert in_use.json()["error"]["message"] == message
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


CALL = {
    "reference": "innovation-2031",
    "title": "Innovation Fund 2031",
    "description": "Grants for new ideas in secondary cities.",
    "eligible_countries": ["UG", "GH"],
    "eligible_kinds": ["local_government", "ngo"],
    "opens_at": "2031-01-01T00:00:00Z",
    "closes_at": "2031-03-31T00:00:00Z",
    "time_zone": "Africa/Kampala",
    "currency": "USD",
    "ceiling": "100000.00",
    "envelope": "1000000.00",
}


def test_staff_open_a_call_that_anyone_sees_once_published(staff, api, portfolio):
    created = staff.post(
        f"{API}/calls/",
        {**CALL, "facility": portfolio["innovation"].pk, "themes": [portfolio["gender"].pk]},
        format="json",
    )
    call_url = f"{API}/calls/{created.json()['id']}/"
    api.force_authenticate(None)
    unpublished = api.get(call_url)
    staff.force_authenticate(StaffFactory())
    published = staff.patch(call_url, {"is_published": True}, format="json")
    api.force_authenticate(None)
    seen = api.get(call_url)

    assert created.status_code == 201, created.json()
    assert created.json()["eligible_countries"] == ["GH", "UG"]
    assert created.json()["themes"] == [{"id": portfolio["gender"].pk, "code": "gender", "name": "Gender equality"}]
    assert unpublished.status_code == 404
    assert published.status_code == 200
    assert seen.status_code == 200 and seen.json()["title"] == "Innovation Fund 2031"
    assert Call.objects.get(reference="innovation-2031").eligible_kinds == ["local_government", "ngo"]


def test_a_call_the_rules_refuse_is_named_field_by_field_and_not_saved(staff, portfolio):
    not_competitive = staff.post(f"{API}/calls/", {**CALL, "facility": portfolio["programmes"].pk}, format="json")
    unknown_kind = staff.post(
        f"{API}/calls/", {**CALL, "facility": portfolio["innovation"].pk, "eligible_kinds": ["pirates"]}, format="json"
    )
    backwards = staff.post(
        f"{API}/calls/",
        {**CALL, "facility": portfolio["innovation"].pk, "closes_at": "2030-12-31T00:00:00Z"},
        format="json",
    )

    assert not_competitive.status_code == 400
    assert not_competitive.json()["error"]["fields"] == {"facility": ["Calls are for competitive facilities only."]}
    assert unknown_kind.status_code == 400 and set(unknown_kind.json()["error"]["fields"]) == {"eligible_kinds.0"}
    assert backwards.status_code == 400 and "A call closes after it opens." in backwards.json()["error"]["message"]
    assert not Call.objects.filter(reference="innovation-2031").exists()


def test_a_call_with_applications_cannot_be_deleted(staff, portfolio):
    answered = CallFactory(facility=portfolio["innovation"])
    ApplicationFactory(call=answered)
    unanswered = CallFactory(facility=portfolio["innovation"])

    in_use = staff.delete(f"{API}/calls/{answered.pk}/")
    deleted = staff.delete(f"{API}/calls/{unanswered.pk}/")

    assert in_use.status_code == 409 and Call.objects.filter(pk=answered.pk).exists()
    assert deleted.status_code == 204 and not Call.objects.filter(pk=unanswered.pk).exists()


def test_staff_allocate_a_contribution_to_a_project_and_never_beyond_the_pledge(staff, api, portfolio):
    seco = portfolio["seco_phase"]
    before = Contribution.objects.get(pk=seco.pk).allocated_total
    url = f"{API}/contributions/{seco.pk}/allocate/"

    first = staff.post(url, {"project": portfolio["ghana"].pk, "amount": "300000.00", "note": "Accra"}, format="json")
    changed = staff.post(url, {"project": portfolio["ghana"].pk, "amount": "250000.00"}, format="json")
    too_much = staff.post(url, {"project": portfolio["ghana"].pk, "amount": str(seco.amount + 1)}, format="json")
    api.force_authenticate(PartnerUserFactory(organisation=portfolio["jinja"]))
    partner = api.post(url, {"project": portfolio["uganda"].pk, "amount": "1.00"}, format="json")

    assert first.status_code == 200
    assert first.json()["amount"] == "300000.00" and first.json()["currency"] == "CHF"
    assert first.json()["project"]["code"] == "IF-GHA" and first.json()["note"] == "Accra"
    assert changed.status_code == 200 and changed.json()["amount"] == "250000.00"
    assert too_much.status_code == 400 and set(too_much.json()["error"]["fields"]) == {"amount"}
    assert partner.status_code == 403
    seco.refresh_from_db()
    assert seco.allocated_total == before + Decimal("250000.00")
    assert portfolio["ghana"].allocations.get(contribution=seco).amount == Decimal("250000.00")


def test_staff_sign_a_projects_agreement_which_books_the_commitment_and_anyone_reads_it(staff, api, portfolio):
    project = ProjectFactory(code="CP-NEW", facility=portfolio["programmes"], approved_budget=Decimal("300000.00"))
    url = f"{API}/projects/{project.pk}/agreement/"
    payload = {
        "reference": "GA-CP-NEW",
        "grantee": portfolio["jinja"].pk,
        "signed_on": "2026-09-01",
        "amount": "250000.00",
        "tranches": [
            {"planned_date": "2027-03-01", "amount": "100000.00", "condition": "Inception report approved"},
            {"planned_date": "2026-10-01", "amount": "150000.00"},
        ],
    }
    none_yet = staff.get(url)

    signed = staff.post(url, payload, format="json")
    twice = staff.post(url, {**payload, "reference": "GA-CP-NEW-2"}, format="json")
    api.force_authenticate(None)  # `staff` is this same client, signed in
    read = api.get(url)
    hidden = api.get(f"{API}/projects/{portfolio['hidden'].pk}/agreement/")

    assert none_yet.status_code == 404 and none_yet.json()["error"]["message"] == "CP-NEW has no grant agreement yet."
    assert signed.status_code == 201, signed.json()
    body = signed.json()
    assert (body["reference"], body["amount"], body["currency"], body["grantee"]["id"]) == (
        "GA-CP-NEW",
        "250000.00",
        "USD",
        portfolio["jinja"].pk,
    )
    assert [(t["number"], t["planned_date"], t["amount"]) for t in body["tranches"]] == [
        (1, "2026-10-01", "150000.00"),
        (2, "2027-03-01", "100000.00"),
    ]
    assert twice.status_code == 400 and twice.json()["error"]["message"].endswith(
        "CP-NEW already has a grant agreement."
    )
    project.refresh_from_db()
    assert project.committed_total == Decimal("250000.00")
    commitment = Transaction.objects.get(project=project, kind=TransactionKind.COMMITMENT)
    assert (commitment.amount, commitment.reference) == (Decimal("250000.00"), "GA-CP-NEW")
    assert (body["status"], body["is_fully_signed"], body["signatories"]) == ("awaiting", False, [])
    assert body["documents"]["en"].endswith(f"/api/v1/projects/{project.pk}/agreement/document/?language=en")
    # Public project: its schedule is public; its signatories and documents are the grantee's and staff's.
    assert read.status_code == 200 and read.json() == {**body, "signatories": [], "documents": None}
    assert hidden.status_code == 404


def test_an_agreement_the_ledger_refuses_writes_nothing_and_only_staff_sign(staff, api, portfolio):
    project = ProjectFactory(code="CP-NEW", facility=portfolio["programmes"], approved_budget=Decimal("300000.00"))
    url = f"{API}/projects/{project.pk}/agreement/"
    payload = {"reference": "GA-CP-NEW", "grantee": portfolio["jinja"].pk, "signed_on": "2026-09-01"}

    over_budget = staff.post(url, {**payload, "amount": "300000.01"}, format="json")
    unbalanced = staff.post(
        url,
        {**payload, "amount": "200000.00", "tranches": [{"planned_date": "2026-10-01", "amount": "150000.00"}]},
        format="json",
    )
    api.force_authenticate(PartnerUserFactory(organisation=portfolio["jinja"]))
    partner = api.post(url, {**payload, "amount": "1.00"}, format="json")

    assert over_budget.status_code == 400 and set(over_budget.json()["error"]["fields"]) == {"amount"}
    assert unbalanced.status_code == 400 and set(unbalanced.json()["error"]["fields"]) == {"tranches"}
    assert partner.status_code == 403
    assert not GrantAgreement.objects.filter(project=project).exists()
    assert not Transaction.objects.filter(project=project).exists()
