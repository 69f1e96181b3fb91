"""Reporting requirements: what a grant owes (planned), financial reports against the budget (booked in the ledger
on approval), reminders of every kind, overdue reports by partner, and tranches released by a named report."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from grants.models import BudgetCategory, ReleaseCondition, Tranche, Transaction, TransactionKind
from grants.services import BudgetLineInput, TrancheSpec, accounting_period_close
from results import tasks
from results.models import ExpenditureLine, ProgressReport, ReportingPeriod, ReportKind, ReportStatus
from results.requirements import reporting_requirements_plan
from results.selectors import financial_statement, overdue_by_partner, requirements_of
from results.services import (
    ExpenditureInput,
    ReportInvalid,
    ResultsError,
    report_approve,
    report_return,
    report_save,
    report_start,
    report_submit,
    reporting_period_add,
)
from tests.factories import (
    AccountingPeriodFactory,
    GrantAgreementFactory,
    OrganisationFactory,
    PartnerUserFactory,
    ProjectFactory,
    ProjectPartnerFactory,
    StaffFactory,
    StaffWithoutPermissionsFactory,
)
from tests.results.helpers import evidence, reporter_of, secretariat

pytestmark = pytest.mark.django_db

USD = "USD\xa0"


@pytest.fixture
def grant():
    """A two-year grant of USD 100,000: staff 60,000 and works 40,000; tranche 2 waits for a report."""
    project = ProjectFactory(start_date=dt.date(2019, 1, 1), end_date=dt.date(2020, 12, 31))
    GrantAgreementFactory(
        project=project,
        amount=Decimal("100000.00"),
        budget_lines=[
            BudgetLineInput(BudgetCategory.STAFF, Decimal("60000.00"), "Project team"),
            BudgetLineInput(BudgetCategory.WORKS, Decimal("40000.00"), "Drainage works"),
        ],
        tranches=[
            TrancheSpec(dt.date(2019, 2, 1), amount=Decimal("50000.00")),
            TrancheSpec(
                dt.date(2020, 3, 1), amount=Decimal("50000.00"), kind=ReleaseCondition.REPORT, condition="Report 2019"
            ),
        ],
    )
    reporter_of(project)
    return project


def lines(project):
    staff, works = project.agreement.budget_lines.order_by("order")
    return staff, works


def period_of(project, kind, *, year=2019, tranche=None, is_final=False) -> ReportingPeriod:
    return reporting_period_add(
        project=project,
        kind=kind,
        is_final=is_final,
        start_date=dt.date(year, 1, 1),
        end_date=dt.date(year, 12, 31),
        due_date=dt.date(year + 1, 2, 28),
        releases_tranche=tranche,
    )


def financial_draft(project, spent: dict, *, year=2019, tranche=None, with_file=True) -> ProgressReport:
    period = period_of(project, ReportKind.FINANCIAL, year=year, tranche=tranche)
    user = reporter_of(project)
    report = report_start(period=period, user=user)
    report = report_save(
        report=report,
        user=user,
        narrative="",
        expenditure={
            line.pk: ExpenditureInput(*given) if isinstance(given, tuple) else ExpenditureInput(given)
            for line, given in spent.items()
        },
    )
    if with_file:
        evidence(report, by=user)
    return report


def financial_submitted(project, spent: dict, **kwargs) -> ProgressReport:
    report = financial_draft(project, spent, **kwargs)
    return report_submit(report=report, user=reporter_of(project))


# The plan -------------------------------------------------------------------------------------------------------


def test_planning_adds_a_progress_and_a_financial_report_each_year_and_the_final_reports(grant):
    added = reporting_requirements_plan(project=grant)

    owed = [(p.kind, p.start_date, p.end_date, p.due_date, p.is_final) for p in added]
    assert owed == [
        ("progress", dt.date(2019, 1, 1), dt.date(2019, 12, 31), dt.date(2020, 2, 29), False),
        ("financial", dt.date(2019, 1, 1), dt.date(2019, 12, 31), dt.date(2020, 2, 29), False),
        ("progress", dt.date(2020, 1, 1), dt.date(2020, 12, 31), dt.date(2021, 3, 1), False),
        ("financial", dt.date(2020, 1, 1), dt.date(2020, 12, 31), dt.date(2021, 3, 31), True),
        ("narrative", dt.date(2019, 1, 1), dt.date(2020, 12, 31), dt.date(2021, 3, 31), True),
    ]
    assert [p.report_name for p in added][-2:] == ["Final financial report", "Final narrative report"]


def test_planning_again_never_owes_a_report_twice(grant):
    existing = period_of(grant, ReportKind.PROGRESS, year=2019)

    added = reporting_requirements_plan(project=grant)
    again = reporting_requirements_plan(project=grant)

    assert again == []
    assert existing.pk not in [p.pk for p in added]
    assert ReportingPeriod.objects.filter(project=grant).count() == 5
    assert ReportingPeriod.objects.filter(project=grant, kind="progress").count() == 2


def test_an_award_plans_the_requirements(grant):
    from grants.hooks import awarded

    project = ProjectFactory(start_date=dt.date(2021, 1, 1), end_date=dt.date(2021, 12, 31))
    awarded.run(project)

    assert sorted(ReportingPeriod.objects.filter(project=project).values_list("kind", "is_final")) == [
        ("financial", True),
        ("narrative", True),
        ("progress", False),
    ]


def test_the_agreement_lists_what_is_owed_with_where_each_report_stands(grant):
    reporting_requirements_plan(project=grant)
    financial = ReportingPeriod.objects.get(project=grant, kind="financial", is_final=False)
    report_start(period=financial, user=reporter_of(grant))

    standing = {
        (item.period.kind, item.period.start_date.year): (item.standing, item.days_overdue)
        for item in requirements_of(grant, today=dt.date(2020, 3, 10))
    }

    assert standing[("progress", 2019)] == ("overdue", 10)
    assert standing[("financial", 2019)] == ("overdue", 10)
    assert standing[("progress", 2020)] == ("not_started", 0)
    assert standing[("narrative", 2019)] == ("not_started", 0)


def test_staff_plan_from_the_record_page_with_the_permission_only(client, grant):
    url = reverse("admin:results_reportingperiod_plan", args=[grant.pk])
    client.force_login(StaffWithoutPermissionsFactory())
    assert client.post(url).status_code == 403
    assert not ReportingPeriod.objects.filter(project=grant).exists()

    client.force_login(StaffFactory())
    response = client.post(url, follow=True)

    assert "5 reports are now owed." in response.content.decode()
    page = client.get(reverse("admin:grants_project_record", args=[grant.pk])).content.decode()
    assert "Reporting requirements" in page and "Final narrative report" in page
    assert "Plan the reporting requirements" in page
    assert client.get(url).status_code == 405


# Financial reports ---------------------------------------------------------------------------------------------


def test_the_financial_statement_adds_up_against_the_budget(grant):
    staff, works = lines(grant)
    first = financial_submitted(grant, {staff: "20000", works: "5,000.50"})
    report_approve(report=first, user=secretariat())
    second = financial_draft(grant, {staff: "30000"}, year=2020)

    statement = financial_statement(second)

    rows = {
        row.line.pk: (row.line.amount, row.before, row.amount, row.cumulative, row.remaining) for row in statement.rows
    }
    assert rows[staff.pk] == (Decimal("60000"), Decimal("20000"), Decimal("30000"), Decimal("50000"), Decimal("10000"))
    assert rows[works.pk] == (Decimal("40000"), Decimal("5000.50"), None, Decimal("5000.50"), Decimal("34999.50"))
    assert (statement.budget, statement.before, statement.amount, statement.remaining) == (
        Decimal("100000"),
        Decimal("25000.50"),
        Decimal("30000"),
        Decimal("44999.50"),
    )


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5", "Expenditure cannot be negative."),
        ("12,5", "Use a dot for decimals; a comma only separates thousands (1,250.50)."),
        ("10.555", "Use at most two decimal places."),
        ("lots", "Enter an amount, for example 1250 or 1250.50."),
    ],
)
def test_a_bad_amount_is_refused_and_nothing_is_saved(grant, typed, message):
    staff, works = lines(grant)
    report = financial_draft(grant, {staff: "100"})

    with pytest.raises(ReportInvalid) as refusal:
        report_save(
            report=report,
            user=reporter_of(grant),
            narrative="",
            expenditure={staff.pk: ExpenditureInput("200"), works.pk: ExpenditureInput(typed)},
        )

    assert refusal.value.errors == {f"spent-{works.pk}": [message]}
    assert list(ExpenditureLine.objects.filter(report=report).values_list("amount", flat=True)) == [Decimal("100")]


def test_over_spending_a_line_needs_an_explanation(grant):
    staff, works = lines(grant)
    report = financial_draft(grant, {staff: "1"})

    with pytest.raises(ReportInvalid) as refusal:
        report_save(
            report=report, user=reporter_of(grant), narrative="", expenditure={works.pk: ExpenditureInput("45000")}
        )
    assert refusal.value.errors[f"spent-{works.pk}"] == [
        "This takes the line beyond its budget: explain the over-spending in the comment."
    ]

    report_save(
        report=report,
        user=reporter_of(grant),
        narrative="",
        expenditure={works.pk: ExpenditureInput("45000", "Flood damage repaired; revision requested.")},
    )
    assert financial_statement(report).rows[1].is_over


def test_submission_needs_every_line_and_a_supporting_file(grant):
    staff, works = lines(grant)
    report = financial_draft(grant, {staff: "100"}, with_file=False)

    with pytest.raises(ReportInvalid) as refusal:
        report_submit(report=report, user=reporter_of(grant))

    assert refusal.value.errors == {
        f"spent-{works.pk}": ["Give the amount spent on every line (0 if nothing)."],
        "evidence": ["Add at least one supporting file (statement, ledger extract, receipts)."],
    }
    assert ProgressReport.objects.get(pk=report.pk).status == ReportStatus.DRAFT


def test_only_a_financial_report_accounts_for_expenditure(grant):
    staff, _works = lines(grant)
    period = period_of(grant, ReportKind.NARRATIVE)
    report = report_start(period=period, user=reporter_of(grant))

    with pytest.raises(ResultsError, match=r"Only a financial report accounts for expenditure\."):
        report_save(report=report, user=reporter_of(grant), narrative="", expenditure={staff.pk: ExpenditureInput("1")})


def test_the_database_refuses_negative_expenditure(grant):
    staff, _works = lines(grant)
    report = financial_draft(grant, {})

    with pytest.raises(IntegrityError), transaction.atomic():
        ExpenditureLine.objects.create(report=report, budget_line=staff, amount=Decimal("-1"))


def test_approving_a_financial_report_books_its_total_as_expenditure_of_the_period(grant):
    staff, works = lines(grant)
    report = financial_submitted(grant, {staff: "20000", works: "5000.50"})

    report_approve(report=report, user=secretariat())

    row = Transaction.objects.get(kind=TransactionKind.EXPENDITURE, project=grant)
    assert (row.amount, row.currency, row.value_date, row.reference) == (
        Decimal("25000.50"),
        "USD",
        dt.date(2019, 12, 31),
        f"report-{report.pk}",
    )
    grant.refresh_from_db()
    assert grant.spent_total == Decimal("25000.50")


def test_a_report_of_nothing_spent_books_nothing(grant):
    staff, works = lines(grant)
    report = financial_submitted(grant, {staff: "0", works: "0"})

    report_approve(report=report, user=secretariat())

    assert ProgressReport.objects.get(pk=report.pk).status == ReportStatus.APPROVED
    assert not Transaction.objects.filter(kind=TransactionKind.EXPENDITURE).exists()


def test_a_closed_accounting_period_refuses_the_approval(grant):
    staff, works = lines(grant)
    report = financial_submitted(grant, {staff: "100", works: "0"})
    accounting_period_close(
        period=AccountingPeriodFactory(name="FY2019", start_date=dt.date(2019, 1, 1)), closed_by=None
    )

    with pytest.raises(ResultsError) as refusal:
        report_approve(report=report, user=secretariat())

    assert refusal.value.message == (
        "The report cannot be approved: The accounting period FY2019 is closed: nothing dated 2019-12-31 can be "
        "recorded."
    )
    assert ProgressReport.objects.get(pk=report.pk).status == ReportStatus.SUBMITTED
    assert not Transaction.objects.filter(kind=TransactionKind.EXPENDITURE).exists()


# Tranches released by a named report ---------------------------------------------------------------------------


def _waiting_tranche(project) -> Tranche:
    return project.agreement.tranches.get(number=2)


@pytest.mark.parametrize("kind", ReportKind.values)
def test_approving_the_report_a_tranche_names_releases_it_whatever_its_kind(grant, kind):
    tranche = _waiting_tranche(grant)
    period = period_of(grant, kind, tranche=tranche)
    user = reporter_of(grant)
    report = report_start(period=period, user=user)
    staff, works = lines(grant)
    if kind == ReportKind.FINANCIAL:
        report_save(
            report=report,
            user=user,
            narrative="",
            expenditure={staff.pk: ExpenditureInput("10"), works.pk: ExpenditureInput("0")},
        )
        evidence(report, by=user)
    else:
        report_save(report=report, user=user, narrative="The forums met monthly.")
    report = report_submit(report=report, user=user)

    report_approve(report=report, user=secretariat())

    tranche.refresh_from_db()
    assert tranche.condition_met_on is not None


def test_returning_the_financial_report_does_not_release_the_tranche(grant):
    tranche = _waiting_tranche(grant)
    staff, works = lines(grant)
    report = financial_submitted(grant, {staff: "10", works: "0"}, tranche=tranche)

    report_return(report=report, user=secretariat(), comment="Attach the bank statement.")

    tranche.refresh_from_db()
    assert tranche.condition_met_on is None
    assert not Transaction.objects.filter(kind=TransactionKind.EXPENDITURE).exists()


def test_the_tranche_shows_which_report_releases_it(staff_client, grant):
    period_of(grant, ReportKind.FINANCIAL, tranche=_waiting_tranche(grant))

    record = staff_client.get(reverse("admin:grants_project_record", args=[grant.pk])).content.decode()
    tranches = staff_client.get(reverse("admin:grants_tranche_changelist")).content.decode()

    assert "released by approving the Financial report for 1 Jan 2019 to 31 Dec 2019" in record
    assert "Financial report · 1 Jan 2019 to 31 Dec 2019" in tranches


# Reminders -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "is_final", "subject"),
    [
        ("progress", False, "Progress report due on 2020-02-28"),
        ("narrative", True, "Final narrative report due on 2020-02-28"),
        ("financial", False, "Financial report due on 2020-02-28"),
    ],
)
@pytest.mark.parametrize("today", [dt.date(2020, 2, 14), dt.date(2020, 2, 28), dt.date(2020, 3, 6)])
def test_reminders_name_the_kind_and_go_once_a_day(grant, kind, is_final, subject, today):
    period_of(grant, kind, is_final=is_final)

    with time_machine.travel(dt.datetime(today.year, today.month, today.day, 9), tick=False):
        tasks.remind_reports_due()
        tasks.remind_reports_due()

    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == f"{subject}: {grant.code}"
    assert subject.split(" due")[0] in mail.outbox[0].body


def test_the_next_day_reminds_again_only_when_it_is_a_reminder_day(grant):
    period_of(grant, ReportKind.FINANCIAL)
    for day in (dt.date(2020, 2, 28), dt.date(2020, 2, 29), dt.date(2020, 3, 6)):
        with time_machine.travel(dt.datetime(day.year, day.month, day.day, 9), tick=False):
            tasks.remind_reports_due()

    assert len(mail.outbox) == 2
    assert "overdue" in mail.outbox[1].body


# Overdue by partner --------------------------------------------------------------------------------------------


def _overdue_grant(name: str, reports: int):
    organisation = OrganisationFactory(name=name)
    project = ProjectFactory(start_date=dt.date(2019, 1, 1), end_date=dt.date(2022, 12, 31))
    ProjectPartnerFactory(project=project, organisation=organisation)
    for year in range(2019, 2019 + reports):
        period_of(project, ReportKind.NARRATIVE, year=year)
    return project


def test_overdue_reports_are_grouped_by_partner_with_the_days_late():
    _overdue_grant("Kampala Capital City Authority", 2)
    _overdue_grant("Slum Dwellers International", 1)

    groups = overdue_by_partner(today=dt.date(2021, 3, 2))

    assert [(g.organisation.name, [r.days_overdue for r in g.requirements]) for g in groups] == [
        ("Kampala Capital City Authority", [368, 2]),
        ("Slum Dwellers International", [368]),
    ]


def test_the_overdue_page_reads_in_a_constant_number_of_queries(client, django_assert_max_num_queries):
    client.force_login(StaffFactory())
    url = reverse("admin:results_reportingperiod_overdue")
    _overdue_grant("Kampala Capital City Authority", 1)
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for number in range(6):
        _overdue_grant(f"Partner {number}", 3)

    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url).content.decode()

    assert "Partner 0" in page and "Days overdue" in page and "Narrative report" in page


def test_the_overdue_page_needs_the_permission_to_view_periods(client):
    client.force_login(StaffWithoutPermissionsFactory())
    assert client.get(reverse("admin:results_reportingperiod_overdue")).status_code == 403


# Portal --------------------------------------------------------------------------------------------------------


def test_a_partner_fills_in_a_financial_report_and_sees_the_totals(client, grant):
    staff, works = lines(grant)
    period = period_of(grant, ReportKind.FINANCIAL)
    user = reporter_of(grant)
    report = report_start(period=period, user=user)
    client.force_login(user)
    url = reverse("results:report", args=[report.pk])

    page = client.get(url).content.decode()
    assert "Expenditure by budget line (USD)" in page and "Staff: Project team" in page

    response = client.post(url, {f"spent-{staff.pk}": "20,000", f"spent-{works.pk}": "-3", "action": "save"})
    assert response.status_code == 400
    assert "Expenditure cannot be negative." in response.content.decode()
    assert list(ExpenditureLine.objects.values_list("budget_line_id", "amount")) == [(staff.pk, 20000)]  # kept

    client.post(url, {f"spent-{staff.pk}": "20,000", f"spent-{works.pk}": "500", "action": "save"})
    page = client.get(url).content.decode()
    assert f"{USD}20,500.00" in page and f"{USD}79,500.00" in page

    response = client.post(url, {f"spent-{staff.pk}": "20000", f"spent-{works.pk}": "500", "action": "submit"})
    assert "Add at least one supporting file" in response.content.decode()
    evidence(report, by=user)
    client.post(url, {f"spent-{staff.pk}": "20000", f"spent-{works.pk}": "500", "action": "submit"})
    assert ProgressReport.objects.get(pk=report.pk).status == ReportStatus.SUBMITTED


def test_a_narrative_report_asks_for_the_narrative_only(client, grant):
    period = period_of(grant, ReportKind.NARRATIVE, is_final=True)
    user = reporter_of(grant)
    report = report_start(period=period, user=user)
    client.force_login(user)

    page = client.get(reverse("results:report", args=[report.pk])).content.decode()

    assert "Final narrative report · " in page and "This is the final report of its kind" in page
    assert "Indicators" not in page


def test_the_partner_sees_what_each_grant_owes(client, grant):
    reporting_requirements_plan(project=grant)
    client.force_login(reporter_of(grant))

    page = client.get(reverse("results:reports")).content.decode()

    assert page.count('data-kind="financial"') == 2 and "Final narrative report" in page


def test_a_partner_of_another_organisation_gets_404(client, grant):
    report = financial_draft(grant, {})
    client.force_login(PartnerUserFactory(organisation=OrganisationFactory()))

    assert client.get(reverse("results:report", args=[report.pk])).status_code == 404


# API -----------------------------------------------------------------------------------------------------------


def test_the_api_gives_the_kind_and_the_expenditure_and_saves_a_draft(client, grant):
    staff, works = lines(grant)
    report = financial_draft(grant, {staff: "100"})
    client.force_login(reporter_of(grant))
    url = f"/api/v1/reports/{report.pk}/"

    answer = client.get(url).json()
    assert (answer["kind"], answer["is_final"], answer["currency"]) == ("financial", False, "USD")
    assert answer["expenditure"][0]["amount"] == "100.00" and answer["expenditure"][1]["amount"] is None

    refused = client.patch(url, {"expenditure": [{"budget_line": works.pk, "amount": "-1"}]}, "application/json")
    assert refused.status_code == 400, refused.json()
    assert refused.json()["error"]["fields"][f"expenditure.{works.pk}"] == ["Expenditure cannot be negative."]

    saved = client.patch(url, {"expenditure": [{"budget_line": works.pk, "amount": "250"}]}, "application/json")
    assert [line["amount"] for line in saved.json()["expenditure"]] == ["100.00", "250.00"]


def test_an_approved_application_owes_the_standard_reports_of_its_term():
    from tests.factories import CallFactory, reviewed
    from tests.grants.test_award import TODAY, approve, in_review

    with time_machine.travel(TODAY, tick=False):
        project = approve(reviewed(in_review(call=CallFactory(reviews_required=1))))

    owed = ReportingPeriod.objects.filter(project=project)
    assert owed.filter(kind="narrative", is_final=True, start_date=project.start_date).count() == 1
    assert owed.filter(kind="financial", is_final=True, end_date=project.end_date).count() == 1
    assert owed.filter(kind="progress").count() == owed.filter(kind="financial").count() >= 1
