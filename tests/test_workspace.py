"""The admin's home page is each person's work queue: counts of what waits on their role, each linking to the
list of exactly those rows, read in a constant number of queries; the lists of every kind of record stay below.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from citiesalliance.workspace import work_queue
from common.figures import forget_figures
from devtools.generators.portfolio import generate_applications, generate_portfolio
from devtools.generators.results import generate_results
from donors.models import DonorReport, ReportJobStatus
from grants.models import ApplicationStatus, PartnerRole, Project, ProjectStatus, ReviewAssignment, Tranche
from grants.selectors.queue import projects_to_close
from grants.services import TrancheSpec, disbursement_record, project_close, tranche_cancel, tranche_condition_meet
from grants.services.amendments import AmendmentTerms, amendment_request, amendment_withdraw
from members.roles import ADMINISTRATOR, FINANCE_OFFICER, GRANTS_COMMITTEE, PROGRAMME_OFFICER
from results.models import ProgressReport, ReportStatus
from results.services import report_save, report_submit
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    GrantAgreementFactory,
    OrganisationFactory,
    PartnerUserFactory,
    ProjectFactory,
    ProjectPartnerFactory,
    ReportingPeriodFactory,
    UserFactory,
    project_at_closeout,
    staff_in_role,
)
from tests.results.helpers import NARRATIVE, inputs, reporter_of

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 15, 9, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
DAY = dt.timedelta(days=1)

SCREEN = "Applications to screen"
OUTSTANDING = "Reviews outstanding"
REVIEWS_OVERDUE = "Reviews overdue"
CLOSING = "Calls closing within 14 days"
DECIDE = "Applications reviewed, awaiting a decision"
SHORTLIST = "Concept notes reviewed, to shortlist"
REPORTS = "Progress reports to review"
AMENDMENTS = "Amendments to decide"
DUE = "Tranches due in the next 30 days"
TRANCHES_OVERDUE = "Tranches overdue"
CONDITIONS = "Release conditions pending, tranche due within 30 days or late"
PARTNER_REPORTS = "Partner reports overdue"
DONOR_REPORTS = "Donor reports that failed"
PAYMENTS_TO_CHECK = "Payments to check"
PAYMENTS_TO_APPROVE = "Payments to approve"
PAYMENTS_TO_RUN = "Payments approved, for the next payment run"
CLOSEOUTS = "Projects past their end, not closed"
UPDATES = "Project updates to moderate"

EVERY_LINE = [SCREEN, OUTSTANDING, REVIEWS_OVERDUE, CLOSING, DECIDE, REPORTS, DUE, TRANCHES_OVERDUE, CONDITIONS]
EVERY_LINE += [PARTNER_REPORTS, DONOR_REPORTS, PAYMENTS_TO_CHECK, PAYMENTS_TO_APPROVE, PAYMENTS_TO_RUN, CLOSEOUTS]
EVERY_LINE += [AMENDMENTS, SHORTLIST, UPDATES]


@pytest.fixture(autouse=True)
def _on_a_working_day():
    with time_machine.travel(NOW, tick=False):
        yield


def counts(sections) -> dict[str, int]:
    return {str(line.label): line.count for section in sections for line in section.lines}


def every_line(sections):
    for section in sections:
        for line in section.lines:
            yield line
            yield from line.details


def _review(application, *, due_on: dt.date, submitted: bool = False) -> ReviewAssignment:
    return ReviewAssignment.objects.create(
        application=application,
        reviewer=UserFactory(),
        assigned_by=UserFactory(),
        due_on=due_on,
        submitted_at=NOW - DAY if submitted else None,
    )


def _applications_and_reviews() -> None:
    """Four to screen, one reviewed and awaiting a decision, two reviews outstanding of which one is late."""
    S = ApplicationStatus
    for status in [S.SUBMITTED, S.SUBMITTED, S.SCREENING, S.DRAFT, S.APPROVED, S.REJECTED, S.IN_REVIEW]:
        ApplicationFactory(complete=True, status=status)  # the last: in review without a reviewer yet
    reviewed = ApplicationFactory(complete=True, status=S.IN_REVIEW)
    _review(reviewed, due_on=TODAY - 3 * DAY, submitted=True)
    waiting = ApplicationFactory(complete=True, status=S.IN_REVIEW)
    _review(waiting, due_on=TODAY - DAY)
    _review(waiting, due_on=TODAY + 7 * DAY)
    _review(waiting, due_on=TODAY - 9 * DAY, submitted=True)
    # Assigned during screening: the reviewer cannot score yet, so nothing is outstanding.
    _review(ApplicationFactory(complete=True, status=S.SCREENING), due_on=TODAY - DAY)


def _calls() -> None:
    """One open call closes within two weeks; the others are later, closed, not open yet or unpublished."""
    CallFactory(opens_at=NOW - 30 * DAY, closes_at=NOW + 5 * DAY)
    CallFactory(opens_at=NOW - 30 * DAY, closes_at=NOW + 5 * DAY, is_published=False)
    CallFactory(opens_at=NOW - 30 * DAY, closes_at=NOW + 20 * DAY)
    CallFactory(opens_at=NOW - 30 * DAY, closes_at=NOW - DAY)
    CallFactory(opens_at=NOW + DAY, closes_at=NOW + 10 * DAY)


def _tranches() -> None:
    """Two due within 30 days, two overdue and free to pay, two waiting for their condition."""
    project = ProjectFactory(start_date=dt.date(2025, 1, 1), end_date=dt.date(2028, 12, 31))
    amount = Decimal("10000.00")
    schedule = [
        TrancheSpec(dt.date(2026, 3, 1), amount),  # 1: paid in full
        TrancheSpec(dt.date(2026, 4, 1), amount * 4, "Inception report approved"),  # 2: met, partly paid, overdue
        TrancheSpec(dt.date(2026, 5, 1), amount),  # 3: overdue
        TrancheSpec(dt.date(2026, 5, 1), amount, "Baseline survey approved"),  # 4: condition pending
        TrancheSpec(TODAY + 10 * DAY, amount),  # 5: due soon
        TrancheSpec(TODAY + 20 * DAY, amount, "Midterm report approved"),  # 6: due soon, condition pending
        TrancheSpec(TODAY + 80 * DAY, amount, "Final report approved"),  # 7: later
    ]
    agreement = GrantAgreementFactory(
        project=project, amount=amount * 10, signed_on=dt.date(2025, 1, 10), tranches=schedule
    )
    first, second = agreement.tranches.order_by("number")[:2]
    disbursement_record(project=project, tranche=first, amount=amount, value_date=dt.date(2026, 3, 5))
    tranche_condition_meet(tranche=second, on=dt.date(2026, 3, 20))
    disbursement_record(project=project, tranche=second, amount=amount, value_date=dt.date(2026, 4, 5))
    # One amendment waits for the committee; one withdrawn does not.
    officer = staff_in_role(PROGRAMME_OFFICER)
    longer = AmendmentTerms(kind="no_cost_extension", reason="More time.", new_end_date=dt.date(2029, 6, 30))
    amendment_withdraw(amendment=amendment_request(agreement=agreement, user=officer, terms=longer), user=officer)
    amendment_request(agreement=agreement, user=officer, terms=longer)


def _partner_reports() -> tuple:
    """Six overdue reports: four owed by one partner, three by another (one project has both), none by a funder."""
    first, second, funder = (OrganisationFactory(name=name) for name in ["Jinja", "Monrovia", "SECO"])

    def project(*implementers):
        made = ProjectFactory(start_date=dt.date(2024, 1, 1), end_date=dt.date(2027, 12, 31))
        for organisation in implementers:
            ProjectPartnerFactory(project=made, organisation=organisation)
        ProjectPartnerFactory(project=made, organisation=funder, role=PartnerRole.FUNDING)
        return made

    def period(project, start: dt.date, end: dt.date, due: dt.date, status: str | None = None):
        made = ReportingPeriodFactory(project=project, start_date=start, end_date=end, due_date=due)
        if status is not None:
            ProgressReport.objects.create(project=project, period=made, status=status)

    one, both, other = project(first), project(first, second), project(second)
    period(one, dt.date(2024, 1, 1), dt.date(2024, 12, 31), dt.date(2025, 1, 30))  # overdue, not started
    period(one, dt.date(2025, 1, 1), dt.date(2025, 6, 30), dt.date(2025, 7, 30), ReportStatus.DRAFT)  # overdue
    period(one, dt.date(2025, 7, 1), dt.date(2025, 12, 31), dt.date(2026, 1, 30), ReportStatus.SUBMITTED)
    period(one, dt.date(2026, 1, 1), dt.date(2026, 5, 31), TODAY + 15 * DAY)  # not due yet
    period(both, dt.date(2024, 1, 1), dt.date(2024, 12, 31), dt.date(2025, 1, 30), ReportStatus.RETURNED)  # overdue
    period(both, dt.date(2025, 1, 1), dt.date(2025, 12, 31), dt.date(2026, 1, 30), ReportStatus.APPROVED)
    period(both, dt.date(2026, 1, 1), dt.date(2026, 3, 31), dt.date(2026, 4, 30), ReportStatus.SUBMITTED)
    period(other, dt.date(2024, 1, 1), dt.date(2024, 6, 30), dt.date(2024, 7, 30))  # overdue
    period(other, dt.date(2024, 7, 1), dt.date(2024, 12, 31), dt.date(2025, 1, 30))  # overdue
    period(other, dt.date(2025, 1, 1), dt.date(2025, 12, 31), TODAY - DAY)  # overdue since yesterday
    period(other, dt.date(2026, 1, 1), dt.date(2026, 5, 31), TODAY)  # due today: not late yet
    return first, second


def _closeouts() -> None:
    """One project past its end and not closed; one closed, one still running and one without an agreement (their
    last tranches cancelled, so that no tranche of theirs is waiting to be paid)."""
    committee = staff_in_role(GRANTS_COMMITTEE)
    for project in (project_at_closeout(), project_at_closeout(end_date=dt.date(2027, 12, 31))):
        tranche_cancel(tranche=project.agreement.tranches.get(number=2), reason="Not needed", by=committee)
    project_close(project=project_at_closeout(ready=True), by=committee)
    ProjectFactory(end_date=dt.date(2022, 12, 31))


def _donor_reports() -> None:
    donor = OrganisationFactory()
    for status in [ReportJobStatus.FAILED, ReportJobStatus.READY, ReportJobStatus.QUEUED]:
        DonorReport.objects.create(
            donor=donor, period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 3, 31), status=status
        )


def _updates() -> None:
    """Two updates waiting for moderation, one published."""
    from grants.services.updates import update_post, update_publish

    partner = PartnerUserFactory()
    project = ProjectFactory()
    ProjectPartnerFactory(project=project, organisation=partner.organisation_roles.get().organisation)
    waiting = [update_post(project=project, author=partner, title=f"Update {n}", text="News.") for n in range(3)]
    update_publish(update=waiting[0], user=staff_in_role(PROGRAMME_OFFICER))


@pytest.fixture
def known_work():
    _applications_and_reviews()
    _calls()
    _tranches()
    partners = _partner_reports()
    _donor_reports()
    _closeouts()
    _updates()
    return partners


@pytest.fixture
def administrator():
    return staff_in_role(ADMINISTRATOR)


# What each line counts


def test_each_line_counts_the_work_waiting_in_the_portfolio(known_work, administrator):
    sections = work_queue(administrator)

    assert counts(sections) == {
        SCREEN: 4,
        OUTSTANDING: 2,
        REVIEWS_OVERDUE: 1,
        CLOSING: 1,
        DECIDE: 1,
        SHORTLIST: 0,
        REPORTS: 2,
        AMENDMENTS: 1,
        DUE: 2,
        TRANCHES_OVERDUE: 2,
        CONDITIONS: 2,
        PARTNER_REPORTS: 6,
        DONOR_REPORTS: 1,
        PAYMENTS_TO_CHECK: 0,
        PAYMENTS_TO_APPROVE: 0,
        PAYMENTS_TO_RUN: 0,
        CLOSEOUTS: 1,
        UPDATES: 2,
    }
    assert [str(section.title) for section in sections] == [
        "Calls and applications",
        "Awaiting approval",
        "Payments",
        "Partner reporting",
        "Closeout",
        "Donor reports",
    ]


def test_the_partners_owing_the_most_overdue_reports_come_first_without_the_funders(known_work, administrator):
    first, second = known_work
    (overdue,) = [line for line in every_line(work_queue(administrator)) if line.label == PARTNER_REPORTS]

    assert [(detail.label, detail.count) for detail in overdue.details] == [("Monrovia", 4), ("Jinja", 3)]
    assert [detail.url.rsplit("partner=", 1)[1] for detail in overdue.details] == [str(second.pk), str(first.pk)]


def test_time_moves_work_from_due_soon_to_overdue(known_work, administrator):
    today = counts(work_queue(administrator))  # kept for the day
    with time_machine.travel(NOW + 12 * DAY, tick=False):
        later = counts(work_queue(administrator))

    assert (today[DUE], today[TRANCHES_OVERDUE], today[REVIEWS_OVERDUE]) == (2, 2, 1)

    # Tranche 5 is now past its date; tranche 7 is not within 30 days yet; a second review is late.
    assert (later[DUE], later[TRANCHES_OVERDUE], later[REVIEWS_OVERDUE]) == (1, 3, 2)


def test_the_kept_counts_follow_the_work_as_it_is_done(known_work, administrator):
    """The counts over thousands of rows are kept, and each change of a row they read shows at once."""
    first, _second = known_work
    before = counts(work_queue(administrator))
    ApplicationFactory(status=ApplicationStatus.SUBMITTED)
    pending = Tranche.objects.get(condition="Baseline survey approved")
    tranche_condition_meet(tranche=pending, on=TODAY - DAY)
    waiting = Project.objects.get(projects_to_close(TODAY))
    waiting.status = ProjectStatus.CANCELLED
    waiting.save()
    owing = ProjectFactory(start_date=dt.date(2024, 1, 1), end_date=dt.date(2027, 12, 31))
    ProjectPartnerFactory(project=owing, organisation=first)
    ReportingPeriodFactory(
        project=owing, start_date=dt.date(2025, 1, 1), end_date=dt.date(2025, 6, 30), due_date=TODAY - DAY
    )

    after = counts(work_queue(administrator))

    assert (before[SCREEN], before[CONDITIONS], before[TRANCHES_OVERDUE], before[CLOSEOUTS]) == (4, 2, 2, 1)
    assert (after[SCREEN], after[CONDITIONS], after[TRANCHES_OVERDUE], after[CLOSEOUTS]) == (5, 1, 3, 0)
    assert (before[PARTNER_REPORTS], after[PARTNER_REPORTS]) == (6, 7)
    (overdue,) = [line for line in every_line(work_queue(administrator)) if line.label == PARTNER_REPORTS]
    assert [(detail.label, detail.count) for detail in overdue.details] == [("Jinja", 4), ("Monrovia", 4)]


def test_a_report_sent_in_leaves_the_kept_overdue_reports_at_once(known_work, administrator):
    """Sending a report in marks its period sent in the database, not through the period's save: the overdue count
    and the partners owing most, kept for the day, are forgotten by the report's own save."""
    returned = ProgressReport.objects.get(status=ReportStatus.RETURNED)  # owed by both partners
    partner = reporter_of(returned.project)
    before = work_queue(administrator)

    saved = report_save(report=returned, user=partner, narrative=NARRATIVE, values=inputs(returned.period, {}))
    report_submit(report=saved, user=partner)

    after = work_queue(administrator)
    assert (counts(before)[PARTNER_REPORTS], counts(after)[PARTNER_REPORTS]) == (6, 5)
    (overdue,) = [line for line in every_line(after) if line.label == PARTNER_REPORTS]
    assert [(detail.label, detail.count) for detail in overdue.details] == [("Monrovia", 3), ("Jinja", 2)]


# Each line leads to the list of exactly the rows it counts


def test_each_link_lists_exactly_the_rows_counted(client, known_work, administrator):
    client.force_login(administrator)

    listed = {}
    for line in every_line(work_queue(administrator)):
        response = client.get(line.url)
        assert response.status_code == 200, line.url
        listed[str(line.label)] = (response.context["cl"].result_count, line.count)

    assert len(listed) == len(EVERY_LINE) + 2  # and the two partners
    assert {label: shown for label, (shown, counted) in listed.items()} == {
        label: counted for label, (shown, counted) in listed.items()
    }


def test_the_home_page_shows_the_queue_above_the_lists_of_records(client, known_work, administrator):
    client.force_login(administrator)

    page = client.get(reverse("admin:index")).content.decode()

    assert page.index("Your work") < page.index(SCREEN) < page.index("All records")
    assert page.index("All records") < page.index(f'href="{reverse("admin:grants_project_changelist")}"')
    assert '<th scope="row"><a href="/admin/grants/tranche/?due=overdue">Tranches overdue</a></th>' in page


# Each role sees its own work, and nobody else's

ROLE_LINES = {
    PROGRAMME_OFFICER: {SCREEN, OUTSTANDING, REVIEWS_OVERDUE, CLOSING, REPORTS, CONDITIONS, PARTNER_REPORTS}
    | {DONOR_REPORTS, PAYMENTS_TO_CHECK, UPDATES},
    FINANCE_OFFICER: {DUE, TRANCHES_OVERDUE, DONOR_REPORTS, PAYMENTS_TO_APPROVE, PAYMENTS_TO_RUN},
    GRANTS_COMMITTEE: {DECIDE, SHORTLIST, CLOSEOUTS, AMENDMENTS},
    ADMINISTRATOR: set(EVERY_LINE),
}


@pytest.mark.parametrize("role", list(ROLE_LINES))
def test_each_role_sees_the_lines_of_its_own_acts(client, role):
    user = staff_in_role(role)
    client.force_login(user)

    page = client.get(reverse("admin:index")).content.decode()

    assert set(counts(work_queue(user))) == ROLE_LINES[role]
    assert {label for label in EVERY_LINE if f">{label}</a>" in page} == ROLE_LINES[role]


def test_staff_without_a_role_see_no_work_and_are_told_why(client, staff_without_permissions, known_work):
    client.force_login(staff_without_permissions)

    page = client.get(reverse("admin:index")).content.decode()

    assert work_queue(staff_without_permissions) == []
    assert "You have no work queue: your account holds none of the permissions its lines need." in page
    assert not [label for label in EVERY_LINE if label in page]


def test_a_line_is_hidden_from_those_who_may_act_but_not_open_its_list(staff_without_permissions):
    blind = Group.objects.create(name="Screens without seeing the applications")
    blind.permissions.add(Permission.objects.get(codename="screen_application"))
    staff_without_permissions.groups.add(blind)

    assert work_queue(staff_without_permissions) == []


# Constant queries


def _portfolio(*, projects: int, seed: int) -> None:
    generate_portfolio(projects=projects, seed=seed)
    generated = Project.objects.filter(code__startswith=f"G{seed}-")
    generate_results(
        projects=generated, seed=seed, results_per_project=1, indicators_per_result=1, periods=4, approve=False
    )
    generate_applications(count=projects * 3, seed=seed)
    _applications_and_reviews()
    _calls()
    _tranches()
    _donor_reports()


def _home_page_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("admin:index")).status_code == 200
    return len(queries)


def test_the_queue_takes_as_many_queries_for_a_large_portfolio_as_for_a_small_one(
    client, administrator, django_assert_num_queries
):
    client.force_login(administrator)
    _portfolio(projects=4, seed=1)
    few = _home_page_queries(client)
    small = counts(work_queue(staff_in_role(ADMINISTRATOR)))

    _portfolio(projects=60, seed=2)
    many = _home_page_queries(client)
    large = counts(work_queue(staff_in_role(ADMINISTRATOR)))

    assert many == few
    assert all(large[label] >= small[label] for label in EVERY_LINE)
    assert large[SCREEN] > small[SCREEN] and large[REPORTS] > small[REPORTS]
    # Two to read the user's permissions, then one per table: applications, reviews, calls, progress
    # reports, amendments, tranches, reporting periods (overdue, and by partner), donor reports, payment requests,
    # projects to close and project updates.
    someone = staff_in_role(ADMINISTRATOR)
    forget_figures()
    with django_assert_num_queries(14):
        work_queue(someone)
    # The counts over thousands of rows (applications, tranches, projects to close, the periods owed and the partners
    # owing most) are kept until a row of a table they read changes; the user's permissions were read by the first
    # call. A report sent in changes its period's flag in the database (`report_sent`), and the report's own save
    # forgets what was kept (test_a_report_sent_in_leaves_the_kept_overdue_reports_at_once).
    with django_assert_num_queries(7):
        work_queue(someone)


def test_payment_requests_wait_on_a_check_an_approval_and_a_run(client, administrator):
    from grants.services import payment_request_check
    from tests.grants.payments import approved, paying_grant, requested

    grant = paying_grant()
    requested(grant, "100.00")
    payment_request_check(request=requested(grant, "200.00"), by=grant.officer)
    approved(grant, "300.00")
    client.force_login(administrator)
    lines = {str(line.label): line for line in every_line(work_queue(administrator))}

    assert [lines[label].count for label in (PAYMENTS_TO_CHECK, PAYMENTS_TO_APPROVE, PAYMENTS_TO_RUN)] == [1, 1, 1]
    for label in (PAYMENTS_TO_CHECK, PAYMENTS_TO_APPROVE, PAYMENTS_TO_RUN):
        assert client.get(lines[label].url).context["cl"].result_count == 1


# Filters reached by hand


def test_an_unreadable_partner_in_the_address_is_refused_not_an_error(client, administrator):
    client.force_login(administrator)

    response = client.get(reverse("admin:results_reportingperiod_changelist") + "?partner=first")

    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")
