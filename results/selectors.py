"""Read queries of the results framework, each in a constant number of queries.

Only values of approved reports count. How values add up is the indicator's aggregation:
sums add every period of every project; the highest takes the largest value; the latest takes
each project's most recent value and adds them (averages them for percentages); distinct counts
count each city or country named once, however many projects or periods name it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from common.figures import cached_figures, cached_query
from common.permissions import may
from grants.models import GrantBudgetLine, PartnerRole, Project, ProjectPartner
from grants.selectors import public_projects
from grants.selectors.closeout import ChecklistItem, Owner
from members.models import Organisation, Role, User
from members.selectors import organisations_of

from .models import (
    Aggregation,
    Evidence,
    ExpenditureLine,
    Indicator,
    IndicatorPeriod,
    Outcome,
    PortfolioTarget,
    ProgressReport,
    ProjectIndicator,
    ProjectResult,
    ReportedPlace,
    ReportingPeriod,
    ReportKind,
    ReportStatus,
    SexCategory,
    Unit,
)
from .portfolio_figures import LatestYear, PortfolioFigures, figures_from_kept_sums, figures_from_values, kept_sums_hold

ZERO = Decimal(0)


@dataclass(frozen=True)
class Scope:
    """A slice of the portfolio: every field left empty means all of it."""

    window: int | None = None
    facility: int | None = None
    theme: int | None = None
    country: str = ""
    donor: int | None = None

    def projects(self, projects: QuerySet[Project]) -> QuerySet[Project]:
        if self.window:
            projects = projects.filter(facility__window_id=self.window)
        if self.facility:
            projects = projects.filter(facility_id=self.facility)
        if self.theme:
            projects = projects.filter(themes__id=self.theme)
        if self.country:
            projects = projects.filter(countries__country=self.country)
        if self.donor:
            projects = projects.filter(allocations__contribution__donor_id=self.donor)
        return projects

    @property
    def is_whole_portfolio(self) -> bool:
        return not (self.window or self.facility or self.theme or self.country or self.donor)


@dataclass(frozen=True)
class YearPoint:
    year: int
    in_year: Decimal
    to_date: Decimal


@dataclass(frozen=True)
class IndicatorProgress:
    indicator: Indicator
    target: PortfolioTarget | None
    achieved: Decimal
    trend: list[YearPoint]
    splits: dict[str, Decimal] = field(default_factory=dict)

    @property
    def percent(self) -> Decimal | None:
        if self.target is None or not self.target.value:
            return None
        return (self.achieved * 100 / self.target.value).quantize(Decimal(1), ROUND_HALF_UP)

    @property
    def has_data(self) -> bool:
        return bool(self.trend)

    @property
    def women(self) -> Decimal | None:
        return self.splits.get(SexCategory.FEMALE)


@dataclass(frozen=True)
class OutcomeProgress:
    outcome: Outcome
    indicators: list[IndicatorProgress]


def _years(first: int, last: int) -> list[int]:
    return list(range(first, last + 1))


def _trend_sum(per_year: dict[int, Decimal]) -> list[YearPoint]:
    if not per_year:
        return []
    points, running = [], ZERO
    for year in _years(min(per_year), max(per_year)):
        running += per_year.get(year, ZERO)
        points.append(YearPoint(year, per_year.get(year, ZERO), running))
    return points


def _trend_max(per_year: dict[int, Decimal]) -> list[YearPoint]:
    if not per_year:
        return []
    points, running = [], ZERO
    for year in _years(min(per_year), max(per_year)):
        running = max(running, per_year.get(year, ZERO))
        points.append(YearPoint(year, per_year.get(year, ZERO), running))
    return points


def _trend_latest(years: dict[int, LatestYear], average: bool) -> list[YearPoint]:
    """`years` sums each project's last value of each year, and how the projects' latest values moved."""
    if not years:
        return []
    points, total, reported = [], ZERO, 0
    for year in _years(min(years), max(years)):
        summed = years.get(year, LatestYear())
        total, reported = total + summed.change, reported + summed.new
        to_date, in_year = total, summed.total
        if average:
            to_date = total / reported
            in_year = in_year / summed.projects if summed.projects else ZERO
        points.append(YearPoint(year, in_year.quantize(Decimal("0.01")), to_date.quantize(Decimal("0.01"))))
    return points


def _carry_forward(points: list[YearPoint], last_year: int) -> list[YearPoint]:
    """Extend a trend to the last year anything was reported, so a quiet year still shows."""
    extra = [YearPoint(year, ZERO, points[-1].to_date) for year in range(points[-1].year + 1, last_year + 1)]
    return points + extra


def _trend_distinct(named_first: dict[int, int]) -> list[YearPoint]:
    """From how many places were named for the first time each year."""
    return _trend_sum({year: Decimal(count) for year, count in named_first.items()})


def public_progress(*, scope: Scope) -> list[OutcomeProgress]:
    """`portfolio_progress` of the public projects, sliced by `scope`: read from every approved value (or the sums
    kept of them), so kept in the cache until a row it is made of changes (common.figures)."""
    return cached_figures(f"results:public:{scope!r}", lambda: portfolio_progress(scope=scope, public=True))


def donor_progress(*, donor: int) -> list[OutcomeProgress]:
    """`portfolio_progress` of the projects a donor funds, kept as `public_progress` is."""
    return cached_figures(f"results:donor:{donor}", lambda: portfolio_progress(scope=Scope(donor=donor)))


def portfolio_progress(*, scope: Scope | None = None, public: bool = False) -> list[OutcomeProgress]:
    """Progress on every corporate indicator against its final target, in a constant number of queries.

    `public` limits the figures to the public projects; `scope` slices them further. Scoped to a country,
    distinct counts count only places in that country. Read from the sums PostgreSQL keeps where they hold the
    slice (results/portfolio_figures.py), else from the approved values.
    """
    scope = scope or Scope()
    if kept_sums_hold(scope):
        figures = figures_from_kept_sums(window=scope.window, facility=scope.facility, public=public)
    else:
        projects = public_projects() if public else None
        if not scope.is_whole_portfolio:
            projects = scope.projects(projects if projects is not None else Project.objects.all())
        figures = figures_from_values(projects=projects, country=scope.country)
    return _progress(figures)


def _progress(figures: PortfolioFigures) -> list[OutcomeProgress]:
    # The final target of each indicator: the one of the latest year (read in order, the last one wins).
    final_target = {target.indicator_id: target for target in PortfolioTarget.objects.order_by("year")}
    indicators = Indicator.objects.select_related("outcome")
    by_outcome: dict[int, OutcomeProgress] = {}
    for indicator in indicators:
        rule = indicator.aggregation
        if rule == Aggregation.SUM:
            trend = _trend_sum(figures.sums.get(indicator.pk, {}))
        elif rule == Aggregation.MAXIMUM:
            trend = _trend_max(figures.highest.get(indicator.pk, {}))
        elif rule == Aggregation.LATEST:
            trend = _trend_latest(figures.latest.get(indicator.pk, {}), average=indicator.unit == Unit.PERCENTAGE)
        elif rule == Aggregation.DISTINCT_CITIES:
            trend = _trend_distinct(figures.new_cities.get(indicator.pk, {}))
        else:
            trend = _trend_distinct(figures.new_countries.get(indicator.pk, {}))
        reported_years = figures.sums.get(indicator.pk)
        if trend and reported_years:
            trend = _carry_forward(trend, max(reported_years))
        progress = IndicatorProgress(
            indicator=indicator,
            target=final_target.get(indicator.pk),
            achieved=trend[-1].to_date if trend else ZERO,
            trend=trend,
            splits=figures.splits.get(indicator.pk, {}) if rule == Aggregation.SUM else {},
        )
        outcome = by_outcome.setdefault(indicator.outcome_id, OutcomeProgress(indicator.outcome, []))
        outcome.indicators.append(progress)
    return list(by_outcome.values())


@dataclass(frozen=True)
class PeriodCell:
    period: ReportingPeriod
    target: Decimal | None
    actual: Decimal | None  # approved values only


@dataclass(frozen=True)
class IndicatorRow:
    project_indicator: ProjectIndicator
    cells: list[PeriodCell]
    places: list[str]

    @property
    def indicator(self) -> Indicator:
        return self.project_indicator.indicator

    @property
    def target(self) -> Decimal | None:
        """Period targets of a sum add up; for the other rules a period's target is a level to reach."""
        targets = [cell.target for cell in self.cells if cell.target is not None]
        if not targets:
            return None
        return sum(targets, ZERO) if self.indicator.aggregation == Aggregation.SUM else max(targets)

    @property
    def achieved(self) -> Decimal | None:
        actuals = [cell.actual for cell in self.cells if cell.actual is not None]
        rule = self.indicator.aggregation
        if rule in Aggregation.distinct():
            return Decimal(len(self.places)) if actuals else None
        if not actuals:
            return None
        if rule == Aggregation.SUM:
            return sum(actuals, ZERO)
        if rule == Aggregation.MAXIMUM:
            return max(actuals)
        return actuals[-1]

    @property
    def percent(self) -> Decimal | None:
        if self.achieved is None or not self.target:
            return None
        return (self.achieved * 100 / self.target).quantize(Decimal(1), ROUND_HALF_UP)


@dataclass(frozen=True)
class ResultBlock:
    result: ProjectResult
    rows: list[IndicatorRow]


@dataclass(frozen=True)
class ProjectResults:
    blocks: list[ResultBlock]
    periods: list[ReportingPeriod]

    @property
    def is_empty(self) -> bool:
        return not self.blocks


def project_results(project: Project) -> ProjectResults:
    """A project's results framework with targets and approved actuals per period, in five queries."""
    return projects_results([project])[project.pk]


def projects_results(projects: Iterable[Project]) -> dict[int, ProjectResults]:
    """`project_results` of many projects at once, by project id, in five queries whatever their number.

    A donor report has a page per funded project: hundreds of them. Targets and values are read
    as plain rows, not as model instances.
    """
    ids = [project.pk for project in projects]
    periods: dict[int, list[ReportingPeriod]] = defaultdict(list)
    for period in (
        ReportingPeriod.objects.filter(project_id__in=ids, kind=ReportKind.PROGRESS)
        .select_related("report")
        .order_by("project_id", "start_date")
    ):
        periods[period.project_id].append(period)
    approved = {period.pk for rows in periods.values() for period in rows if _status(period) == ReportStatus.APPROVED}
    cells_by_indicator: dict[int, dict[int, tuple[Decimal | None, Decimal | None]]] = defaultdict(dict)
    rows = IndicatorPeriod.objects.filter(project_indicator__project_id__in=ids).values_list(
        "project_indicator_id", "period_id", "target_value", "reported__value"
    )
    for project_indicator_id, period_id, target, value in rows.order_by():
        cells_by_indicator[project_indicator_id][period_id] = (target, value if period_id in approved else None)
    places: dict[int, set[str]] = defaultdict(set)
    named = (
        ReportedPlace.objects.filter(
            reported__report__project_id__in=ids, reported__report__status=ReportStatus.APPROVED
        )
        .select_related("city")
        .annotate(project_indicator_id=F("reported__indicator_period__project_indicator_id"))
        .order_by()
    )
    for place in named:
        places[place.project_indicator_id].add(str(place))
    blocks: dict[int, dict[int, ResultBlock]] = defaultdict(dict)
    results = ProjectResult.objects.filter(project_id__in=ids).select_related("outcome").order_by("order", "pk")
    for result in results:
        blocks[result.project_id][result.pk] = ResultBlock(result, [])
    indicators = ProjectIndicator.objects.filter(project_id__in=ids).select_related("indicator").order_by("order", "pk")
    for project_indicator in indicators:
        cells = cells_by_indicator.get(project_indicator.pk, {})
        row = [
            PeriodCell(period, *cells.get(period.pk, (None, None))) for period in periods[project_indicator.project_id]
        ]
        block = blocks[project_indicator.project_id][project_indicator.result_id]
        block.rows.append(IndicatorRow(project_indicator, row, sorted(places.get(project_indicator.pk, ()))))
    return {
        pk: ProjectResults(blocks=[block for block in blocks[pk].values() if block.rows], periods=periods.get(pk, []))
        for pk in ids
    }


def _status(period: ReportingPeriod) -> str | None:
    report = getattr(period, "report", None)
    return report.status if report is not None else None


def reporter_projects(user: User) -> QuerySet[Project]:
    """Projects the user's organisations take part in, with their periods and reports."""
    periods = ReportingPeriod.objects.select_related("report").order_by("start_date", "kind")
    return (
        _reporting_projects(user)
        .distinct()
        .select_related("facility")
        .prefetch_related(Prefetch("reporting_periods", queryset=periods))
        .order_by("-start_date", "code")
    )


def reporter_period(user: User, pk: int) -> ReportingPeriod:
    """A period of one of the user's projects; DoesNotExist otherwise."""
    projects = _reporting_projects(user)
    return ReportingPeriod.objects.select_related("project").get(pk=pk, project__in=projects)


def reporter_report(user: User, pk: int) -> ProgressReport:
    """A report on one of the user's projects; DoesNotExist otherwise, whatever the id."""
    projects = _reporting_projects(user)
    return (
        ProgressReport.objects.select_related("project", "period")
        .prefetch_related("evidence")
        .get(pk=pk, project__in=projects)
    )


def reporter_evidence(user: User, pk: int) -> Evidence:
    """A file of a report on one of the user's projects; DoesNotExist otherwise, whatever the id."""
    return Evidence.objects.select_related("report__project", "report__period").get(
        pk=pk, report__project__in=_reporting_projects(user)
    )


def _reporting_projects(user: User) -> QuerySet[Project]:
    return Project.objects.filter(partners__organisation__in=organisations_of(user=user, role=Role.PARTNER))


def visible_reports(user: User) -> QuerySet[ProgressReport]:
    """Staff see every report; a partner the reports on its organisations' projects; anyone else none."""
    if may(user, "results.view_progressreport"):
        return ProgressReport.objects.all()
    if not user.is_authenticated:
        return ProgressReport.objects.none()
    return ProgressReport.objects.filter(project__in=_reporting_projects(user))


def reportable_periods(user: User) -> QuerySet[ReportingPeriod]:
    """Reporting periods of the projects the user's organisations take part in (staff: all)."""
    if may(user, "results.view_reportingperiod"):
        return ReportingPeriod.objects.all()
    if not user.is_authenticated:
        return ReportingPeriod.objects.none()
    return ReportingPeriod.objects.filter(project__in=_reporting_projects(user))


def report_rows(report: ProgressReport) -> list[IndicatorPeriod]:
    """The indicators a report answers, with their targets and the values given so far."""
    return list(
        IndicatorPeriod.objects.filter(period_id=report.period_id)
        .select_related("project_indicator__indicator", "project_indicator__result", "reported")
        .prefetch_related(
            "reported__splits", Prefetch("reported__places", queryset=ReportedPlace.objects.select_related("city"))
        )
        .order_by("project_indicator__result__order", "project_indicator__result_id", "project_indicator__order", "pk")
    )


def report_history(report: ProgressReport):
    return report.transitions.select_related("by").order_by("at", "pk")


def review_queue() -> QuerySet[ProgressReport]:
    """Submitted reports, the longest waiting first."""
    return (
        ProgressReport.objects.filter(status=ReportStatus.SUBMITTED)
        .select_related("project", "period")
        .order_by("submitted_at", "pk")
    )


# A period whose report is not sent in: none started, a draft, or returned for changes (the flag the database
# keeps from the report's status, `ReportingPeriod.report_sent`).
REPORT_NOT_SENT = Q(report_sent=False)


def reports_due(*, on: dt.date) -> QuerySet[ReportingPeriod]:
    """Periods whose report is due by `on` and not yet submitted or approved."""
    return (
        ReportingPeriod.objects.filter(REPORT_NOT_SENT, due_date__lte=on).select_related("project").order_by("due_date")
    )


def periods_overdue(today: dt.date) -> Q:
    """Periods whose report was due before today and is not sent in."""
    return REPORT_NOT_SENT & Q(due_date__lt=today)


def periods_of_partner(organisation_id: int) -> Q:
    """Periods of the projects an organisation implements (the partners who report)."""
    projects = ProjectPartner.objects.filter(organisation_id=organisation_id, role=PartnerRole.IMPLEMENTING)
    return Q(project_id__in=projects.values("project_id"))


@dataclass(frozen=True)
class PartnerOverdue:
    organisation_id: int
    name: str
    overdue: int


def reports_to_review_count() -> int:
    return ProgressReport.objects.filter(status=ReportStatus.SUBMITTED).count()


def overdue_report_count(*, today: dt.date) -> int:
    """Kept (the day is in the query) until a row of the periods' table changes."""
    overdue = ReportingPeriod.objects.filter(periods_overdue(today))
    return cached_query("overdue-reports", overdue, overdue.count)


def partners_most_overdue(*, today: dt.date, limit: int = 5) -> list[PartnerOverdue]:
    """The implementing partners owing the most overdue reports, most first, in one query.

    A report is owed by each organisation implementing its project, so a project with two implementing
    partners counts for both. Kept (the day is in the query) until a row of a table it reads changes: the work
    queue reads it on every visit, and at 50,000 projects it is the queue's slowest query."""
    partner = "project__partners__organisation"
    rows = (
        ReportingPeriod.objects.filter(periods_overdue(today), project__partners__role=PartnerRole.IMPLEMENTING)
        .values(f"{partner}_id", f"{partner}__name")
        .annotate(overdue=Count("pk"))
        .order_by("-overdue", f"{partner}__name")[:limit]
    )
    return cached_query(
        "partners-most-overdue",
        rows,
        lambda: [PartnerOverdue(row[f"{partner}_id"], row[f"{partner}__name"], row["overdue"]) for row in rows],
    )


def donors() -> QuerySet[Organisation]:
    return Organisation.objects.filter(contributions__isnull=False).distinct().order_by("name")


@dataclass(frozen=True)
class FinancialRow:
    """One budget line of a financial report: its budget, what was spent before, in the period, and what is left."""

    line: GrantBudgetLine
    before: Decimal
    amount: Decimal | None
    comment: str

    @property
    def key(self) -> str:
        return f"spent-{self.line.pk}"

    @property
    def cumulative(self) -> Decimal:
        return self.before + (self.amount or ZERO)

    @property
    def remaining(self) -> Decimal:
        return self.line.amount - self.cumulative

    @property
    def is_over(self) -> bool:
        return self.remaining < 0


@dataclass(frozen=True)
class FinancialStatement:
    currency: str
    rows: list[FinancialRow]

    @property
    def budget(self) -> Decimal:
        return sum((row.line.amount for row in self.rows), ZERO)

    @property
    def before(self) -> Decimal:
        return sum((row.before for row in self.rows), ZERO)

    @property
    def amount(self) -> Decimal:
        return sum((row.amount or ZERO for row in self.rows), ZERO)

    @property
    def cumulative(self) -> Decimal:
        return self.before + self.amount

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.cumulative


def budget_lines_of(project_id: int) -> list[GrantBudgetLine]:
    return list(GrantBudgetLine.objects.filter(agreement__project_id=project_id).order_by("order", "pk"))


def spent_before(report: ProgressReport) -> dict[int, Decimal]:
    """What approved financial reports of the project, other than this one, say was spent, by budget line."""
    rows = (
        ExpenditureLine.objects.filter(report__project_id=report.project_id, report__status=ReportStatus.APPROVED)
        .exclude(report_id=report.pk)
        .values("budget_line_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {row["budget_line_id"]: row["total"] for row in rows}


def financial_statement(report: ProgressReport) -> FinancialStatement:
    """A financial report against the grant's budget, in three queries whatever the number of lines."""
    given = {row.budget_line_id: row for row in ExpenditureLine.objects.filter(report=report)}
    before = spent_before(report)
    rows = [
        FinancialRow(
            line,
            before.get(line.pk, ZERO),
            given[line.pk].amount if line.pk in given else None,
            given[line.pk].comment if line.pk in given else "",
        )
        for line in budget_lines_of(report.project_id)
    ]
    return FinancialStatement(report.project.currency, rows)


class Standing(models.TextChoices):
    """Where a report the partner owes stands, as the agreement's list shows it."""

    NOT_STARTED = "not_started", _("Not started")
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for changes")
    APPROVED = "approved", _("Approved")
    OVERDUE = "overdue", _("Overdue")


@dataclass(frozen=True)
class Requirement:
    period: ReportingPeriod
    standing: str
    days_overdue: int

    @property
    def report(self) -> ProgressReport | None:
        return getattr(self.period, "report", None)

    @property
    def standing_name(self) -> str:
        return Standing(self.standing).label


def requirement_of(period: ReportingPeriod, today: dt.date) -> Requirement:
    status = _status(period)
    late = (today - period.due_date).days
    if status not in (ReportStatus.SUBMITTED, ReportStatus.APPROVED) and late > 0:
        return Requirement(period, Standing.OVERDUE, late)
    return Requirement(period, status or Standing.NOT_STARTED, 0)


def requirements_of(project: Project, *, today: dt.date) -> list[Requirement]:
    """What the project owes, by due date, each with where it stands; one query."""
    periods = ReportingPeriod.objects.filter(project=project).select_related("report", "releases_tranche")
    return [requirement_of(period, today) for period in periods.order_by("due_date", "kind", "pk")]


@dataclass(frozen=True)
class PartnerOverdueReports:
    organisation: Organisation
    requirements: list[Requirement]


def overdue_by_partner(*, today: dt.date) -> list[PartnerOverdueReports]:
    """Overdue reports grouped by the organisations implementing their projects, the partner owing most first; two
    queries whatever the number of partners or reports. A project with two implementing partners shows under both."""
    periods = list(
        ReportingPeriod.objects.filter(periods_overdue(today))
        .select_related("project", "report")
        .order_by("due_date", "project__code", "pk")
    )
    by_project: dict[int, list[Requirement]] = defaultdict(list)
    for period in periods:
        by_project[period.project_id].append(requirement_of(period, today))
    partners = (
        ProjectPartner.objects.filter(role=PartnerRole.IMPLEMENTING, project_id__in=by_project)
        .select_related("organisation")
        .order_by("organisation__name", "project_id")
    )
    groups: dict[int, PartnerOverdueReports] = {}
    for partner in partners:
        group = groups.setdefault(partner.organisation_id, PartnerOverdueReports(partner.organisation, []))
        group.requirements.extend(by_project[partner.project_id])
    for group in groups.values():
        group.requirements.sort(key=lambda item: (-item.days_overdue, item.period.project.code))
    return sorted(groups.values(), key=lambda group: (-len(group.requirements), group.organisation.name))


def closeout_report_items(project: Project) -> list[ChecklistItem]:
    """The reports' part of a project's closeout checklist (registered with `grants.selectors.closeout`): the final
    narrative and financial reports approved, and every report approved (the results final). One query."""
    periods = list(ReportingPeriod.objects.filter(project=project).select_related("report").order_by("due_date"))

    def status(period: ReportingPeriod) -> str:
        report = getattr(period, "report", None)
        return report.status if report else ""

    def missing(period: ReportingPeriod) -> str:
        report = getattr(period, "report", None)
        state = report.get_status_display().lower() if report else _("not started")
        return _("%(kind)s due %(due)s: %(state)s.") % {
            "kind": period.get_kind_display(),
            "due": date_format(period.due_date),
            "state": state,
        }

    def final(kinds: set[str], key: str, label: str, none: str) -> ChecklistItem:
        finals = [period for period in periods if period.is_final and period.kind in kinds]
        met = any(status(period) == ReportStatus.APPROVED for period in finals)
        lacking = [] if met else [missing(period) for period in finals] or [none]
        return ChecklistItem(key=key, label=label, met=met, missing=lacking, owner=Owner.PARTNER)

    unapproved = [period for period in periods if status(period) != ReportStatus.APPROVED]
    return [
        final(
            {ReportKind.NARRATIVE, ReportKind.PROGRESS},
            "final_narrative",
            _("Final narrative report approved"),
            _("No final narrative report is scheduled: add one to the reporting periods."),
        ),
        final(
            {ReportKind.FINANCIAL},
            "final_financial",
            _("Final financial report approved"),
            _("No final financial report is scheduled: add one to the reporting periods."),
        ),
        ChecklistItem(
            key="results_final",
            label=_("Results final: every report approved"),
            met=not unapproved,
            missing=[missing(period) for period in unapproved],
            owner=Owner.PARTNER,
        ),
    ]
