"""Closeout: the checklist, tranche cancellation, refunds and write-offs, closing (which locks the ledger at every
door) and reopening, with IATI showing the project closed and when it ended."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from lxml import etree
from rest_framework.test import APIClient

from grants.models import (
    AgreementStatus,
    Closeout,
    CloseoutStatus,
    Project,
    ProjectStatus,
    Tranche,
    TrancheStatus,
    Transaction,
    TransactionKind,
)
from grants.selectors.closeout import closeout_state
from grants.services import (
    CloseoutError,
    LedgerError,
    balance_write_off,
    disbursement_record,
    evaluation_upload,
    expenditure_record,
    grant_agreement_sign,
    project_close,
    project_reopen,
    refund_record,
    tranche_cancel,
    transaction_reverse,
)
from members.roles import ADMINISTRATOR, FINANCE_OFFICER, GRANTS_COMMITTEE, PROGRAMME_OFFICER
from results.models import ProgressReport, ReportKind, ReportStatus
from tests.factories import (
    PDF,
    OrganisationFactory,
    PartnerUserFactory,
    ProjectFactory,
    ProjectPartnerFactory,
    ReportingPeriodFactory,
    project_at_closeout,
    staff_in_role,
)
from tests.opendata.test_iati import assert_follows_the_rules, assert_valid, export, projects_of

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture
def committee(db):
    return staff_in_role(GRANTS_COMMITTEE)


@pytest.fixture
def finance(db):
    return staff_in_role(FINANCE_OFFICER)


@pytest.fixture
def officer(db):
    return staff_in_role(PROGRAMME_OFFICER)


def items(project: Project) -> dict[str, tuple[bool, list[str]]]:
    return {item.key: (item.met, item.missing) for item in closeout_state(project).items}


def second_tranche(project: Project) -> Tranche:
    return Tranche.objects.get(agreement__project=project, number=2)


# -- The checklist ---------------------------------------------------------------------------------------------


def test_the_checklist_says_what_is_missing_item_by_item():
    project = project_at_closeout()
    checklist = items(project)
    assert list(checklist) == [
        "final_narrative",
        "final_financial",
        "results_final",
        "tranches",
        "balance",
        "evaluation",
    ]
    assert checklist["final_narrative"] == (True, [])
    assert checklist["final_financial"] == (True, [])
    assert checklist["results_final"] == (True, [])
    assert checklist["tranches"] == (False, ["Tranche 2: USD\xa040,000.00 left to pay: pay it or cancel it."])
    assert checklist["balance"][0] is False
    assert "USD\xa010,000.00 disbursed and not reported as spent" in checklist["balance"][1][0]
    assert checklist["evaluation"] == (False, ["No evaluation is uploaded yet."])


def test_a_project_without_final_reports_is_told_to_schedule_them():
    project = ProjectFactory()
    checklist = items(project)
    assert checklist["final_narrative"] == (
        False,
        ["No final narrative report is scheduled: add one to the reporting periods."],
    )
    assert checklist["final_financial"][0] is False


def test_a_report_not_approved_keeps_the_results_from_being_final():
    project = project_at_closeout()
    ProgressReport.objects.filter(project=project, period__kind="financial").update(status=ReportStatus.SUBMITTED)
    checklist = items(project)
    assert checklist["final_financial"][0] is False
    assert checklist["final_financial"][1] == ["Financial report due 30 Jan 2023: submitted."]
    assert checklist["results_final"] == (False, ["Financial report due 30 Jan 2023: submitted."])
    assert checklist["final_narrative"][0] is True


def test_a_ready_project_meets_every_item():
    state = closeout_state(project_at_closeout(ready=True))
    assert state.is_ready
    assert state.unmet == []


def test_the_checklist_takes_the_same_queries_whatever_the_project_holds(django_assert_num_queries):
    small = ProjectFactory()
    with django_assert_num_queries(5):
        closeout_state(small)
    large = project_at_closeout(ready=True)
    with django_assert_num_queries(5):
        closeout_state(large)


# -- Cancelling a tranche ----------------------------------------------------------------------------------------


def test_cancelling_a_tranche_books_a_negative_commitment_that_takes_back_the_agreements(committee):
    project = project_at_closeout()
    tranche = second_tranche(project)
    row = tranche_cancel(tranche=tranche, reason="Phase 2 dropped", by=committee, value_date=dt.date(2023, 1, 10))
    commitment = Transaction.objects.get(project=project, kind=TransactionKind.COMMITMENT, amount__gt=0)
    assert (row.kind, row.amount, row.takes_back, row.tranche) == (
        TransactionKind.COMMITMENT,
        Decimal("-40000.00"),
        commitment,
        tranche,
    )
    assert row.description == "Tranche 2 cancelled: Phase 2 dropped"
    project.refresh_from_db()
    tranche.refresh_from_db()
    assert project.committed_total == Decimal("60000.00")
    assert (tranche.cancelled_amount, tranche.remaining) == (Decimal("40000.00"), Decimal("0.00"))
    assert tranche.get_status_display() == "Cancelled"
    assert items(project)["tranches"] == (True, [])


def test_cancelling_takes_only_what_is_left_to_pay(committee):
    project = project_at_closeout()
    tranche = second_tranche(project)
    disbursement_record(project=project, tranche=tranche, amount=Decimal("15000"), value_date=dt.date(2020, 3, 2))
    row = tranche_cancel(tranche=tranche, reason="Rest not needed", by=committee)
    assert row.amount == Decimal("-25000.00")
    tranche.refresh_from_db()
    assert (tranche.disbursed_total, tranche.cancelled_amount, tranche.remaining) == (
        Decimal("15000.00"),
        Decimal("25000.00"),
        Decimal("0.00"),
    )
    with pytest.raises(CloseoutError, match="nothing left to pay"):
        tranche_cancel(tranche=tranche, reason="Again", by=committee)


def test_a_cancelled_tranche_takes_no_payment(committee):
    project = project_at_closeout()
    tranche = second_tranche(project)
    tranche_cancel(tranche=tranche, reason="Dropped", by=committee)
    with pytest.raises(LedgerError, match=re.escape("has USD\xa00.00 left to pay")):
        disbursement_record(project=project, tranche=tranche, amount=Decimal("1"), value_date=dt.date(2020, 3, 2))


@pytest.mark.parametrize("reason", ["", "   "])
def test_cancelling_needs_a_reason(committee, reason):
    project = project_at_closeout()
    with pytest.raises(CloseoutError, match="Give the reason"):
        tranche_cancel(tranche=second_tranche(project), reason=reason, by=committee)
    assert Transaction.objects.filter(takes_back__isnull=False).count() == 0


def test_only_the_committee_cancels_a_tranche(finance, officer):
    project = project_at_closeout()
    for user in (finance, officer):
        with pytest.raises(CloseoutError, match="Only the grants committee"):
            tranche_cancel(tranche=second_tranche(project), reason="No", by=user)


def test_the_database_refuses_a_positive_row_that_takes_back_another():
    project = project_at_closeout()
    commitment = Transaction.objects.get(project=project, kind=TransactionKind.COMMITMENT)
    row = Transaction(
        kind=TransactionKind.COMMITMENT,
        value_date=dt.date(2023, 1, 1),
        amount=Decimal("10"),
        currency="USD",
        project=project,
        takes_back=commitment,
    )
    with pytest.raises(IntegrityError, match="transaction_amount_sign"), transaction.atomic():
        Transaction.save(row)


def test_the_database_refuses_a_cancellation_beyond_what_is_left_to_pay():
    project = project_at_closeout()
    with pytest.raises(IntegrityError, match="tranche_not_overpaid"), transaction.atomic():
        Tranche.objects.filter(agreement__project=project, number=1).update(cancelled_amount=Decimal("1"))


def test_the_database_refuses_an_expenditure_that_takes_back_a_row():
    project = project_at_closeout()
    spent = Transaction.objects.get(project=project, kind=TransactionKind.EXPENDITURE)
    row = Transaction(
        kind=TransactionKind.EXPENDITURE,
        value_date=dt.date(2023, 1, 1),
        amount=Decimal("-10"),
        currency="USD",
        project=project,
        takes_back=spent,
    )
    refused = pytest.raises(IntegrityError, match="transaction_takes_back_commitment_or_disbursement")
    with refused, transaction.atomic():
        Transaction.save(row)


# -- Refunds and write-offs --------------------------------------------------------------------------------------


def test_a_refund_is_a_negative_disbursement_taking_back_the_latest_payments_first():
    project = project_at_closeout()
    later = disbursement_record(
        project=project, tranche=second_tranche(project), amount=Decimal("4000"), value_date=dt.date(2020, 3, 2)
    )
    first = Transaction.objects.get(project=project, kind=TransactionKind.DISBURSEMENT, value_date=dt.date(2019, 3, 15))
    rows = refund_record(project=project, amount=Decimal("9000"), value_date=dt.date(2023, 2, 1), reference="RF-1")
    assert [(row.amount, row.takes_back) for row in rows] == [(Decimal("-4000"), later), (Decimal("-5000"), first)]
    assert all(row.kind == TransactionKind.DISBURSEMENT and row.tranche is None for row in rows)
    project.refresh_from_db()
    assert project.disbursed_total == Decimal("55000.00")
    # The tranches stay paid: the money came back as unspent funds, not as a payment undone.
    assert second_tranche(project).disbursed_total == Decimal("4000.00")
    assert "USD\xa05,000.00 disbursed and not reported as spent" in items(project)["balance"][1][0]


def test_a_refund_is_never_more_than_was_paid_and_not_refunded():
    project = project_at_closeout()
    refund_record(project=project, amount=Decimal("50000"), value_date=dt.date(2023, 2, 1))
    with pytest.raises(LedgerError, match=re.escape("not yet refunded: a refund of USD\xa010,000.01 is too much")):
        refund_record(project=project, amount=Decimal("10000.01"), value_date=dt.date(2023, 2, 1))
    project.refresh_from_db()
    assert project.disbursed_total == Decimal("10000.00")


def test_a_refunded_payment_is_not_reversed_whole_nor_the_refund_itself(finance):
    project = project_at_closeout()
    (refund,) = refund_record(project=project, amount=Decimal("100"), value_date=dt.date(2023, 2, 1))
    with pytest.raises(LedgerError, match="cannot be reversed whole"):
        transaction_reverse(original=refund.takes_back, reason="Wrong", recorded_by=finance)
    with pytest.raises(LedgerError, match="A cancellation or a refund cannot be reversed"):
        transaction_reverse(original=refund, reason="Wrong", recorded_by=finance)


def test_finance_writes_off_an_unspent_balance_with_a_reason(finance):
    project = project_at_closeout()
    closeout = balance_write_off(project=project, amount=Decimal("10000"), reason="Lost to a bank failure", by=finance)
    assert (closeout.written_off, closeout.write_off_reason, closeout.written_off_by) == (
        Decimal("10000"),
        "Lost to a bank failure",
        finance,
    )
    assert Transaction.objects.filter(project=project, takes_back__isnull=False).count() == 0
    assert items(project)["balance"] == (True, [])
    with pytest.raises(CloseoutError, match=re.escape("USD\xa00.00 is unspent")):
        balance_write_off(project=project, amount=Decimal("1"), reason="More", by=finance)


def test_a_write_off_needs_the_finance_permission_and_a_reason(committee, finance):
    project = project_at_closeout()
    with pytest.raises(CloseoutError, match="Only finance"):
        balance_write_off(project=project, amount=Decimal("1"), reason="x", by=committee)
    with pytest.raises(CloseoutError, match="Give the reason"):
        balance_write_off(project=project, amount=Decimal("1"), reason=" ", by=finance)


# -- The evaluation ----------------------------------------------------------------------------------------------


def test_the_evaluation_is_checked_by_its_content(officer):
    project = project_at_closeout()
    with pytest.raises(CloseoutError, match="is not a PDF, DOCX or XLSX file"):
        evaluation_upload(project=project, upload=SimpleUploadedFile("evaluation.pdf", PNG), by=officer)
    with pytest.raises(CloseoutError, match="is not a PDF, XLSX, DOCX, PNG or JPEG file"):
        evaluation_upload(project=project, upload=SimpleUploadedFile("evaluation.pdf", b"<html>"), by=officer)
    closeout = evaluation_upload(project=project, upload=SimpleUploadedFile("final.pdf", PDF), by=officer)
    assert (closeout.evaluation_name, closeout.evaluation_type) == ("final.pdf", "application/pdf")
    assert items(project)["evaluation"] == (True, [])


# -- Closing and reopening ---------------------------------------------------------------------------------------


def test_closing_is_refused_with_the_items_still_unmet(committee):
    project = project_at_closeout()
    with pytest.raises(CloseoutError) as refusal:
        project_close(project=project, by=committee)
    assert refusal.value.message == (
        "Not ready to close: Every tranche paid or cancelled; Unspent balance refunded or written off; "
        "Evaluation uploaded."
    )
    assert [item.key for item in refusal.value.unmet] == ["tranches", "balance", "evaluation"]
    project.refresh_from_db()
    assert project.status == ProjectStatus.IMPLEMENTATION
    assert not Closeout.objects.filter(project=project, status=CloseoutStatus.CLOSED).exists()


def test_closing_a_ready_project_closes_it_its_agreement_and_keeps_the_checklist(committee):
    project = project_at_closeout(ready=True)
    closeout = project_close(project=project, by=committee, actual_end=dt.date(2023, 3, 31), comment="All done")
    project.refresh_from_db()
    assert (project.status, project.actual_end_date) == (ProjectStatus.CLOSED, dt.date(2023, 3, 31))
    assert project.agreement.status == AgreementStatus.CLOSED
    assert (closeout.status, closeout.closed_by) == (CloseoutStatus.CLOSED, committee)
    assert all(item["met"] for item in closeout.checklist) and len(closeout.checklist) == 6
    step = closeout.transitions.get()
    assert (step.from_status, step.to_status, step.by, step.comment) == ("open", "closed", committee, "All done")
    with pytest.raises(CloseoutError, match="already closed"):
        project_close(project=project, by=committee)


def test_only_the_committee_closes_and_reopens(finance, officer):
    project = project_at_closeout(ready=True)
    for user in (finance, officer):
        with pytest.raises(CloseoutError, match="Only the grants committee closes"):
            project_close(project=project, by=user)


def _every_ledger_write(project: Project, finance) -> dict:
    tranche = Tranche.objects.filter(agreement__project=project).first()
    day = dt.date(2023, 5, 1)
    return {
        "disbursement": lambda: disbursement_record(project=project, amount=Decimal("1"), value_date=day),
        "tranche payment": lambda: disbursement_record(
            project=project, tranche=tranche, amount=Decimal("1"), value_date=day
        ),
        "expenditure": lambda: expenditure_record(project=project, amount=Decimal("1"), value_date=day),
        "refund": lambda: refund_record(project=project, amount=Decimal("1"), value_date=day),
        "reversal": lambda: transaction_reverse(
            original=Transaction.objects.filter(project=project, kind=TransactionKind.EXPENDITURE).first(),
            reason="x",
            recorded_by=finance,
        ),
        "write-off": lambda: balance_write_off(project=project, amount=Decimal("1"), reason="x", by=finance),
        "cancellation": lambda: tranche_cancel(tranche=tranche, reason="x", by=staff_in_role(GRANTS_COMMITTEE)),
    }


@pytest.mark.parametrize(
    "door",
    ["disbursement", "tranche payment", "expenditure", "refund", "reversal", "write-off", "cancellation"],
)
def test_a_closed_project_takes_no_ledger_row_at_any_service(committee, finance, door):
    project = project_at_closeout(ready=True)
    project_close(project=project, by=committee)
    rows = Transaction.objects.count()
    with pytest.raises(LedgerError, match=f"{project.code} is closed: nothing more is recorded on its ledger"):
        _every_ledger_write(project, finance)[door]()
    assert Transaction.objects.count() == rows


def test_a_project_closed_without_an_agreement_signs_none(committee, officer):
    project = ProjectFactory(end_date=dt.date(2019, 12, 31))
    for kind in (ReportKind.NARRATIVE, ReportKind.FINANCIAL):
        period = ReportingPeriodFactory(project=project, kind=kind, is_final=True, start_date=project.start_date)
        ProgressReport.objects.create(project=project, period=period, status=ReportStatus.APPROVED)
    evaluation_upload(project=project, upload=SimpleUploadedFile("e.pdf", PDF), by=officer)
    project_close(project=project, by=committee)
    with pytest.raises(LedgerError, match="is closed"):
        grant_agreement_sign(
            project=project,
            reference="GA-LATE",
            grantee=OrganisationFactory(),
            signed_on=dt.date(2019, 6, 1),
            amount=Decimal("1000"),
        )


def test_reopening_needs_a_reason_unlocks_and_logs(committee, finance):
    project = project_at_closeout(ready=True)
    project_close(project=project, by=committee)
    with pytest.raises(CloseoutError, match="Give the reason"):
        project_reopen(project=project, by=committee, reason="")
    closeout = project_reopen(project=project, by=committee, reason="A late invoice came in")
    project.refresh_from_db()
    assert (project.status, project.actual_end_date) == (ProjectStatus.IMPLEMENTATION, None)
    assert project.agreement.status == AgreementStatus.SIGNED
    assert (closeout.status, closeout.reopened_by, closeout.reopen_reason) == (
        CloseoutStatus.OPEN,
        committee,
        "A late invoice came in",
    )
    assert [(step.to_status, step.comment) for step in closeout.transitions.all()] == [
        ("closed", ""),
        ("open", "A late invoice came in"),
    ]
    expenditure_record(project=project, amount=Decimal("5"), value_date=dt.date(2023, 5, 1))
    with pytest.raises(CloseoutError, match="closeout is open: it cannot be open now"):
        project_reopen(project=project, by=committee, reason="Again")


# -- IATI --------------------------------------------------------------------------------------------------------


def test_iati_shows_a_closed_project_its_actual_end_and_the_decommitment_and_stays_valid(client, committee):
    project = project_at_closeout(ready=True)
    project_close(project=project, by=committee, actual_end=dt.date(2023, 3, 31))
    document = export(client)
    assert_valid(document)
    assert_follows_the_rules(document)
    (activity,) = projects_of(document).values()
    assert activity.find("activity-status").get("code") == "4"
    assert activity.find("activity-date[@type='4']").get("iso-date") == "2023-03-31"
    values = [
        (row.find("transaction-type").get("code"), row.findtext("value")) for row in activity.iterfind("transaction")
    ]
    assert ("2", "-40000.00") in values
    assert ("3", "-10000.00") in values


def test_reopening_takes_the_actual_end_out_of_iati(client, committee):
    project = project_at_closeout(ready=True)
    project_close(project=project, by=committee, actual_end=dt.date(2023, 3, 31))
    project_reopen(project=project, by=committee, reason="Late invoice")
    (activity,) = projects_of(export(client)).values()
    assert activity.find("activity-status").get("code") == "2"
    assert activity.find("activity-date[@type='4']") is None


# -- The admin ---------------------------------------------------------------------------------------------------


def closeout_url(project: Project) -> str:
    return reverse("admin:grants_project_closeout", args=[project.pk])


def test_the_record_page_leads_to_the_closeout_page_and_it_lists_each_item_with_its_fix(client):
    project = project_at_closeout()
    client.force_login(staff_in_role(ADMINISTRATOR))
    record = client.get(reverse("admin:grants_project_record", args=[project.pk])).content.decode()
    assert f'href="{closeout_url(project)}"' in record

    page = client.get(closeout_url(project)).content.decode()
    assert "Every tranche paid or cancelled" in page and "Tranche 2: USD\xa040,000.00 left to pay" in page
    tranche = second_tranche(project)
    assert reverse("admin:grants_tranche_cancel", args=[tranche.pk]) in page
    assert reverse("admin:grants_tranche_disburse", args=[tranche.pk]) in page
    assert reverse("admin:grants_project_refund", args=[project.pk]) in page
    assert reverse("admin:grants_project_write_off", args=[project.pk]) in page
    assert "Not ready to close" in page
    assert reverse("admin:grants_project_close", args=[project.pk]) not in page


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        (PROGRAMME_OFFICER, ["grants_project_evaluation"], ["grants_tranche_cancel", "grants_project_refund"]),
        (FINANCE_OFFICER, ["grants_project_refund", "grants_project_write_off"], ["grants_tranche_cancel"]),
        (GRANTS_COMMITTEE, ["grants_tranche_cancel"], ["grants_project_refund", "grants_project_evaluation"]),
    ],
)
def test_the_closeout_page_offers_each_role_its_own_acts(client, role, shown, hidden):
    project = project_at_closeout()
    tranche = second_tranche(project)
    client.force_login(staff_in_role(role))
    page = client.get(closeout_url(project)).content.decode()

    def url(name: str) -> str:
        return reverse(f"admin:{name}", args=[tranche.pk if "tranche" in name else project.pk])

    assert all(url(name) in page for name in shown), role
    assert not any(url(name) in page for name in hidden), role


def test_the_closeout_page_takes_the_same_queries_however_many_refunds_and_tranches(client):
    client.force_login(staff_in_role(ADMINISTRATOR))
    few, many = project_at_closeout(ready=True), project_at_closeout()
    for day in range(1, 11):
        refund_record(project=many, amount=Decimal("1000"), value_date=dt.date(2023, 2, day))
    evaluation_upload(project=many, upload=SimpleUploadedFile("e.pdf", PDF), by=staff_in_role(PROGRAMME_OFFICER))
    counted = []
    for project in (few, many):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(closeout_url(project)).status_code == 200
        counted.append(len(queries))
    assert counted[0] == counted[1]


def test_closing_in_the_admin_is_refused_with_the_items_unmet_and_nothing_changes(client, committee):
    project = project_at_closeout()
    client.force_login(committee)
    response = client.post(reverse("admin:grants_project_close", args=[project.pk]), {"actual_end": "2023-03-31"})
    assert response.status_code == 400
    assert "Not ready to close: Every tranche paid or cancelled" in response.content.decode()
    project.refresh_from_db()
    assert project.status == ProjectStatus.IMPLEMENTATION


def test_the_committee_cancels_a_tranche_closes_and_reopens_in_the_admin(client, committee):
    project = project_at_closeout()
    refund_record(project=project, amount=Decimal("10000"), value_date=dt.date(2023, 2, 1))
    evaluation_upload(project=project, upload=SimpleUploadedFile("e.pdf", PDF), by=staff_in_role(PROGRAMME_OFFICER))
    client.force_login(committee)
    cancel = reverse("admin:grants_tranche_cancel", args=[second_tranche(project).pk])
    assert client.get(cancel).status_code == 200
    refused = client.post(cancel, {"reason": "", "value_date": "2023-01-10"})
    assert refused.status_code == 400 and "This field is required." in refused.content.decode()
    done = client.post(cancel, {"reason": "Phase 2 dropped", "value_date": "2023-01-10"})
    assert done.status_code == 302 and done.url == closeout_url(project)
    assert second_tranche(project).status == TrancheStatus.CANCELLED

    closed = client.post(
        reverse("admin:grants_project_close", args=[project.pk]), {"actual_end": "2023-03-31", "comment": "Done"}
    )
    assert closed.status_code == 302
    page = client.get(closeout_url(project)).content.decode()
    assert "ledger locked" in page and "Reopen the project" in page
    project.refresh_from_db()
    assert (project.status, project.actual_end_date) == (ProjectStatus.CLOSED, dt.date(2023, 3, 31))

    reopen = reverse("admin:grants_project_reopen", args=[project.pk])
    assert client.post(reopen, {"reason": ""}).status_code == 400
    assert client.post(reopen, {"reason": "Late invoice"}).status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStatus.IMPLEMENTATION


def test_finance_records_a_refund_and_a_write_off_in_the_admin(client, finance):
    project = project_at_closeout()
    client.force_login(finance)
    refund = reverse("admin:grants_project_refund", args=[project.pk])
    assert client.get(refund).status_code == 200
    too_much = client.post(refund, {"amount": "60000.01", "value_date": "2023-02-01"})
    assert too_much.status_code == 400 and "is too much" in too_much.content.decode()
    assert client.post(refund, {"amount": "6000", "value_date": "2023-02-01", "reference": "RF"}).status_code == 302
    write_off = reverse("admin:grants_project_write_off", args=[project.pk])
    assert client.post(write_off, {"amount": "4000", "reason": ""}).status_code == 400
    assert client.post(write_off, {"amount": "4000", "reason": "Bank charges"}).status_code == 302
    assert items(project)["balance"] == (True, [])


def test_the_evaluation_is_uploaded_and_downloaded_in_the_admin(client, officer):
    project = project_at_closeout()
    client.force_login(officer)
    upload = reverse("admin:grants_project_evaluation", args=[project.pk])
    client.post(upload, {"evaluation": SimpleUploadedFile("picture.pdf", PNG)})
    assert not Closeout.objects.filter(project=project).exclude(evaluation="").exists()
    client.post(upload, {"evaluation": SimpleUploadedFile("final evaluation.pdf", PDF)})
    download = client.get(reverse("admin:grants_project_evaluation_file", args=[project.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF


# -- Every door is locked once the project is closed ------------------------------------------------------------


@pytest.fixture
def closed(committee):
    project = project_at_closeout(ready=True)
    project_close(project=project, by=committee)
    return project


def test_the_admin_pay_form_refuses_a_payment_on_a_closed_project(client, closed):
    client.force_login(staff_in_role(FINANCE_OFFICER))
    tranche = Tranche.objects.get(agreement__project=closed, number=1)
    response = client.post(
        reverse("admin:grants_tranche_disburse", args=[tranche.pk]), {"amount": "1", "value_date": "2023-05-01"}
    )
    assert f"{closed.code} is closed: nothing more is recorded on its ledger" in response.content.decode()


def test_the_admin_ledger_import_refuses_a_row_on_a_closed_project(closed):
    from grants.resources import LedgerImportResource

    from .test_ledger_admin import ledger_rows

    rows = ledger_rows(["disbursement", "2023-05-01", "1.00", "USD", closed.code, "", "", "PAY-9"])
    result = LedgerImportResource().import_data(
        rows, dry_run=False, use_transactions=True, user=staff_in_role(ADMINISTRATOR)
    )
    (row,) = result.invalid_rows
    assert f"{closed.code} is closed" in " ".join(row.error.messages)


def test_the_api_refuses_a_transaction_on_a_closed_project(closed):
    api = APIClient()
    api.force_authenticate(staff_in_role(FINANCE_OFFICER))
    response = api.post(
        "/api/v1/transactions/",
        {"kind": 4, "project": closed.pk, "amount": "1.00", "value_date": "2023-05-01"},
        format="json",
    )
    assert response.status_code == 400
    assert f"{closed.code} is closed" in str(response.json())


def test_the_iati_import_refuses_a_new_transaction_on_a_closed_project(client, closed):
    from opendata.importer import import_activities

    document = export(client)
    (activity,) = projects_of(document).values()
    new = etree.SubElement(activity, "transaction")
    etree.SubElement(new, "transaction-type", code="4")
    etree.SubElement(new, "transaction-date", {"iso-date": "2023-05-01"})
    value = etree.SubElement(new, "value", {"value-date": "2023-05-01", "currency": "USD"})
    value.text = "5.00"
    activity.find("transaction").addprevious(new)
    rows = Transaction.objects.count()
    report = import_activities(etree.tostring(document))
    (outcome,) = report.outcomes
    assert outcome.action == "refused" and f"{closed.code} is closed" in outcome.reason
    assert Transaction.objects.count() == rows


# -- The API -----------------------------------------------------------------------------------------------------


def test_the_api_reads_the_closeout_for_staff_and_the_projects_partners_only():
    project = project_at_closeout(is_public=True)
    api = APIClient()
    url = f"/api/v1/projects/{project.pk}/closeout/"
    assert api.get(url).status_code == 404
    api.force_authenticate(PartnerUserFactory())
    assert api.get(url).status_code == 404
    api.force_authenticate(PartnerUserFactory(organisation=project.agreement.grantee))
    body = api.get(url).json()
    assert (body["status"], body["is_ready"], body["to_settle"]) == ("open", False, "10000.00")
    assert [item["key"] for item in body["items"] if not item["met"]] == ["tranches", "balance", "evaluation"]
    api.force_authenticate(staff_in_role(PROGRAMME_OFFICER))
    assert api.get(url).status_code == 200


def test_the_api_closes_and_reopens_with_the_committees_permission(committee):
    project = project_at_closeout(ready=True)
    api = APIClient()
    api.force_authenticate(staff_in_role(FINANCE_OFFICER))
    assert api.post(f"/api/v1/projects/{project.pk}/close/", {}, format="json").status_code == 403
    api.force_authenticate(committee)
    closed = api.post(f"/api/v1/projects/{project.pk}/close/", {"actual_end": "2023-03-31"}, format="json")
    assert closed.status_code == 200
    assert (closed.json()["status"], closed.json()["actual_end_date"]) == ("closed", "2023-03-31")
    assert api.post(f"/api/v1/projects/{project.pk}/reopen/", {}, format="json").status_code == 400
    reopened = api.post(f"/api/v1/projects/{project.pk}/reopen/", {"reason": "Late invoice"}, format="json")
    assert reopened.json()["status"] == "open" and reopened.json()["reopen_reason"] == "Late invoice"


def test_the_api_refuses_to_close_with_the_items_unmet(committee):
    project = project_at_closeout()
    api = APIClient()
    api.force_authenticate(committee)
    response = api.post(f"/api/v1/projects/{project.pk}/close/", {}, format="json")
    assert response.status_code == 400
    assert "Not ready to close: Every tranche paid or cancelled" in str(response.json())


# -- The portal --------------------------------------------------------------------------------------------------


def test_the_partner_sees_what_is_still_needed_then_that_the_project_is_closed(client, committee):
    project = project_at_closeout()
    partner = PartnerUserFactory(organisation=project.agreement.grantee)
    client.force_login(partner)
    url = reverse("grants:project-closeout", args=[project.code])
    assert url in client.get(reverse("grants:dashboard")).content.decode()
    page = client.get(url).content.decode()
    assert "What the secretariat still needs from you" in page
    assert "Unspent balance refunded or written off" in page
    assert "Every tranche paid or cancelled" not in page  # the secretariat's own item

    ready = project_at_closeout(ready=True)
    ProjectPartnerFactory(project=ready, organisation=project.agreement.grantee)
    project_close(project=ready, by=committee, actual_end=dt.date(2023, 3, 31))
    closed_page = client.get(reverse("grants:project-closeout", args=[ready.code])).content.decode()
    assert "This project is closed." in closed_page and "31 Mar 2023" in closed_page


def test_another_partner_is_told_the_closeout_does_not_exist(client):
    project = project_at_closeout()
    client.force_login(PartnerUserFactory())
    assert client.get(reverse("grants:project-closeout", args=[project.code])).status_code == 404


def test_a_closed_projects_status_is_not_edited_in_its_form(client, closed):
    client.force_login(staff_in_role(ADMINISTRATOR))
    form = client.get(reverse("admin:grants_project_change", args=[closed.pk])).content.decode()
    assert 'name="status"' not in form
    open_one = project_at_closeout()
    assert 'name="status"' in client.get(reverse("admin:grants_project_change", args=[open_one.pk])).content.decode()


def test_the_partners_are_told_by_email_when_the_project_is_closed_and_reopened(
    committee, mailoutbox, django_capture_on_commit_callbacks
):
    project = project_at_closeout(ready=True)
    partner = PartnerUserFactory(organisation=project.agreement.grantee)
    with django_capture_on_commit_callbacks(execute=True):
        project_close(project=project, by=committee, actual_end=dt.date(2023, 3, 31))
    with django_capture_on_commit_callbacks(execute=True):
        project_reopen(project=project, by=committee, reason="A late invoice came in.")
    assert [(message.to, message.subject) for message in mailoutbox] == [
        ([partner.email], f"{project.code} is closed"),
        ([partner.email], f"{project.code} is reopened"),
    ]
    assert "nothing more is paid or recorded on it" in mailoutbox[0].body and "31 Mar 2023" in mailoutbox[0].body
    assert mailoutbox[1].body.strip().endswith("A late invoice came in.")
