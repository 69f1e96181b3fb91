"""API writes need the permission of their act: staff status alone writes nothing, and each role writes
what its acts are and is refused the others' (403, with nothing saved)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from grants.models import Allocation, ApplicationStatus, GrantAgreement, Transaction
from members.roles import FINANCE_OFFICER, GRANTS_COMMITTEE, PROGRAMME_OFFICER
from tests.factories import ApplicationFactory, ProjectFactory, staff_in_role

API = "/api/v1"
REFUSED = "You do not have the permission this act needs."


def writes(api, portfolio) -> dict[str, int]:
    """The money and project writes found open to a staff account without permissions, with their answers."""
    seco, uganda = portfolio["seco_phase"], portfolio["uganda"]
    answers = {
        "allocate": api.post(
            f"{API}/contributions/{seco.pk}/allocate/",
            {"project": portfolio["ghana"].pk, "amount": "1.00"},
            format="json",
        ),
        "transaction": api.post(
            f"{API}/transactions/",
            {"kind": 1, "contribution": seco.pk, "amount": "100.00", "value_date": "2014-01-10", "currency": "CHF"},
            format="json",
        ),
        "project": api.patch(f"{API}/projects/{uganda.pk}/", {"title": "Renamed"}, format="json"),
    }
    return {name: response.status_code for name, response in answers.items()}


def test_staff_without_permissions_write_nothing_through_the_api(api, portfolio, staff_without_permissions):
    allocations, transactions = Allocation.objects.count(), Transaction.objects.count()
    api.force_authenticate(staff_without_permissions)

    answers = writes(api, portfolio)
    reversal = api.post(
        f"{API}/transactions/{Transaction.objects.first().pk}/reverse/",
        {"reason": "Mine", "value_date": "2014-02-01"},
        format="json",
    )

    assert answers == {"allocate": 403, "transaction": 403, "project": 403}
    assert reversal.status_code == 403 and reversal.json()["error"]["message"] == REFUSED
    assert (Allocation.objects.count(), Transaction.objects.count()) == (allocations, transactions)
    portfolio["uganda"].refresh_from_db()
    assert portfolio["uganda"].title == "Uganda country programme"


def test_the_finance_officer_records_money_and_cannot_change_a_project(api, portfolio):
    api.force_authenticate(staff_in_role(FINANCE_OFFICER))

    assert writes(api, portfolio) == {"allocate": 200, "transaction": 201, "project": 403}


def test_the_programme_officer_changes_a_project_and_records_no_money(api, portfolio):
    api.force_authenticate(staff_in_role(PROGRAMME_OFFICER))

    assert writes(api, portfolio) == {"allocate": 403, "transaction": 403, "project": 200}


def test_the_committee_signs_an_agreement_and_the_finance_officer_cannot(api, portfolio):
    project = ProjectFactory(code="CP-NEW", facility=portfolio["programmes"], approved_budget=Decimal("300000.00"))
    url = f"{API}/projects/{project.pk}/agreement/"
    signing = {
        "reference": "GA-CP-NEW",
        "grantee": portfolio["jinja"].pk,
        "signed_on": "2026-09-01",
        "amount": "1000.00",
    }
    api.force_authenticate(staff_in_role(FINANCE_OFFICER))
    refused = api.post(url, signing, format="json")
    api.force_authenticate(staff_in_role(GRANTS_COMMITTEE))
    signed = api.post(url, signing, format="json")

    assert refused.status_code == 403
    assert signed.status_code == 201, signed.json()
    assert GrantAgreement.objects.get(project=project).amount == Decimal("1000.00")


@pytest.mark.parametrize(
    ("role", "from_status", "to_status", "answer"),
    [
        (PROGRAMME_OFFICER, ApplicationStatus.SUBMITTED, ApplicationStatus.SCREENING, 200),
        (PROGRAMME_OFFICER, ApplicationStatus.SCREENING, ApplicationStatus.REJECTED, 200),
        (PROGRAMME_OFFICER, ApplicationStatus.IN_REVIEW, ApplicationStatus.REJECTED, 400),
        (GRANTS_COMMITTEE, ApplicationStatus.IN_REVIEW, ApplicationStatus.REJECTED, 200),
        (GRANTS_COMMITTEE, ApplicationStatus.SUBMITTED, ApplicationStatus.SCREENING, 400),
        (FINANCE_OFFICER, ApplicationStatus.SUBMITTED, ApplicationStatus.SCREENING, 403),
    ],
)
def test_programme_officers_screen_and_the_committee_rejects_in_review(api, db, role, from_status, to_status, answer):
    application = ApplicationFactory(complete=True, status=from_status)
    api.force_authenticate(staff_in_role(role))

    response = api.post(f"{API}/applications/{application.pk}/screen/", {"to_status": to_status}, format="json")

    assert response.status_code == answer
    application.refresh_from_db()
    assert application.status == (to_status if answer == 200 else from_status)


def test_staff_who_read_a_partners_draft_are_refused_its_steps_and_it_stays_as_it_was(api, db):
    """A partner's draft is edited, given files, submitted and withdrawn by its organisation's partners: staff,
    who read every application, are refused those steps (403), not told the draft is incomplete."""
    draft = ApplicationFactory(complete=True, title="As the partner wrote it")
    url = f"{API}/applications/{draft.pk}/"
    api.force_authenticate(staff_in_role(PROGRAMME_OFFICER))

    read = api.get(url)
    answers = {
        "save": api.patch(url, {"title": "Rewritten by staff"}, format="json"),
        "submit": api.post(f"{url}submit/"),
        "withdraw": api.post(f"{url}withdraw/", {"comment": "Staff"}, format="json"),
        "attach": api.post(f"{url}attachments/", {}, format="multipart"),
    }

    assert read.status_code == 200
    assert {step: answer.status_code for step, answer in answers.items()} == dict.fromkeys(answers, 403)
    assert answers["save"].json()["error"]["message"] == REFUSED
    draft.refresh_from_db()
    assert (draft.title, draft.status) == ("As the partner wrote it", ApplicationStatus.DRAFT)
