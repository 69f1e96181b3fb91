"""Deterministic synthetic results for a portfolio of any size, for tests and benchmarks.

Written in bulk for speed, so it keeps by hand what the services check one by one: periods
split each project's dates without overlapping, every value passes the checks a reporter's
input goes through (`services._check_values`), splits never add up to more than their total
and distinct counts are the places named.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from devtools.generators.bulk import insert_rows
from grants.models import Project
from members.models import User
from results.models import (
    Aggregation,
    Counted,
    Disaggregation,
    Indicator,
    IndicatorPeriod,
    Outcome,
    PortfolioTarget,
    ProgressReport,
    ProjectIndicator,
    ProjectResult,
    ReportedPlace,
    ReportedValue,
    ReportingPeriod,
    ReportStatus,
    ReportTransition,
    ResultType,
    SexCategory,
    Unit,
    ValueSplit,
)

BATCH = 2000
# Projects written per round, so that memory stays flat whatever the portfolio's size.
CHUNK = 250
DUE_AFTER = dt.timedelta(days=30)
GENERATOR_EMAIL = "results-generator@example.org"
ONE, CENT, HUNDRED = Decimal(1), Decimal("0.01"), Decimal(100)

OUTCOMES = [
    ("O1", "National policy frameworks for cities developed"),
    ("O2", "Cities plan and manage their growth inclusively"),
    ("O3", "Citizens take part in how their city is run"),
    ("O4", "Investment in services for the urban poor increased"),
]

# (outcome, code, name, unit, counted, aggregation, disaggregation, final portfolio target)
INDICATORS = [
    ("O1", "O1.1", "National urban policies and strategies adopted", Unit.COUNT, Counted.PLANS, "sum", "", 120),
    ("O1", "O1.2", "Countries supported on national urban policy", Unit.COUNT, Counted.COUNTRIES, "countries", "", 40),
    ("O1", "O1.3", "Share of public spending transferred to cities", Unit.PERCENTAGE, Counted.OTHER, "latest", "", 30),
    ("O2", "O2.1", "Cities with a city development strategy", Unit.COUNT, Counted.CITIES, "cities", "", 150),
    ("O2", "O2.2", "Planning forums and mechanisms in operation", Unit.COUNT, Counted.MECHANISMS, "max", "", 300),
    ("O2", "O2.3", "Local institutions with more capacity", Unit.COUNT, Counted.INSTITUTIONS, "latest", "", 500),
    ("O3", "O3.1", "People taking part in planning forums", Unit.COUNT, Counted.PEOPLE, "sum", "sex", 1_000_000),
    ("O3", "O3.2", "Women leading community organisations", Unit.COUNT, Counted.WOMEN, "max", "", 5000),
    ("O3", "O3.3", "Households in target areas with secure tenure", Unit.PERCENTAGE, Counted.OTHER, "max", "", 60),
    ("O4", "O4.1", "People with better access to basic services", Unit.COUNT, Counted.PEOPLE, "sum", "sex", 2_000_000),
    ("O4", "O4.2", "Households in target areas with safe water", Unit.PERCENTAGE, Counted.OTHER, "latest", "", 80),
    ("O4", "O4.3", "Investment leveraged for upgrading", Unit.AMOUNT, Counted.MONEY, "sum", "", 500_000_000),
]

# What one period adds at most, by what is counted: people by the thousand, plans by the unit.
STEP = {
    Counted.PEOPLE: 2000,
    Counted.WOMEN: 40,
    Counted.MONEY: 250_000,
    Counted.PLANS: 3,
    Counted.MECHANISMS: 3,
    Counted.INSTITUTIONS: 4,
    Counted.PROJECTS: 1,
}


@dataclass(frozen=True)
class GeneratedResults:
    projects: int = 0
    results: int = 0
    indicators: int = 0
    periods: int = 0
    indicator_periods: int = 0
    reports: int = 0
    transitions: int = 0
    values: int = 0
    splits: int = 0
    places: int = 0
    framework_created: bool = False

    @property
    def rows(self) -> int:
        """Rows written for the projects, the framework aside."""
        return sum(getattr(self, f.name) for f in fields(self) if f.name not in ("projects", "framework_created"))


@dataclass
class _Series:
    """What one project indicator targets and reports, period by period."""

    baseline: Decimal | None
    targets: list[Decimal]
    values: list[Decimal]
    splits: list[dict[str, Decimal]]
    places: list[list[tuple[int | None, str]]]


@transaction.atomic
def generate_results(
    *,
    projects: QuerySet[Project] | Iterable[Project],
    seed: int,
    results_per_project: int = 3,
    indicators_per_result: int = 3,
    periods: int = 8,
    approve: bool = True,
    today: dt.date | None = None,
) -> GeneratedResults:
    """Give each project results, indicators, reporting periods with targets, and one report per period.

    The report of a period that ended before `today` is approved (or left submitted, awaiting
    review, with `approve=False`); a period still to end has a draft, since reports are submitted
    only once their period is over. The corporate framework is created when there is none. A
    project that already has results or reporting periods is left as it is. Each project's
    figures depend only on the seed, its code and, for the reports' status, `today`.
    """
    today = today or timezone.localdate()
    framework_created = not Indicator.objects.exists()
    if framework_created:
        _create_framework()
    indicators = list(Indicator.objects.select_related("outcome").order_by("code"))
    wanted = results_per_project * indicators_per_result
    if wanted > len(indicators):
        raise ValueError(f"{wanted} indicators per project, but the framework has only {len(indicators)}.")
    user = _generator_user()
    if isinstance(projects, QuerySet):
        pks = list(projects.order_by("code").values_list("pk", flat=True))
    else:
        pks = [project.pk for project in projects]

    counts: Counter[str] = Counter()
    for start in range(0, len(pks), CHUNK):
        chunk = (
            Project.objects.filter(pk__in=pks[start : start + CHUNK])
            .exclude(pk__in=ProjectResult.objects.values("project_id"))
            .exclude(pk__in=ReportingPeriod.objects.values("project_id"))
            .prefetch_related("cities", "countries")
            .order_by("code")
        )
        counts.update(
            _generate_chunk(
                list(chunk),
                indicators,
                seed=seed,
                user=user,
                results_per_project=results_per_project,
                indicators_per_result=indicators_per_result,
                periods=periods,
                approve=approve,
                today=today,
            )
        )
    names = [f.name for f in fields(GeneratedResults) if f.name != "framework_created"]
    return GeneratedResults(**{name: counts[name] for name in names}, framework_created=framework_created)


def _create_framework() -> None:
    outcomes = {}
    for order, (code, title) in enumerate(OUTCOMES, start=1):
        outcomes[code], _ = Outcome.objects.get_or_create(
            code=code, defaults={"title": title, "order": order, "description": "Generated for tests and benchmarks."}
        )
    indicators, targets = [], []
    for order, (outcome, code, name, unit, counted, aggregation, disaggregation, target) in enumerate(INDICATORS):
        indicator = Indicator(
            outcome=outcomes[outcome],
            code=code,
            name=name,
            unit=unit,
            currency="USD" if unit == Unit.AMOUNT else "",
            counted=counted,
            aggregation=aggregation,
            disaggregation=disaggregation,
            order=order,
        )
        indicators.append(indicator)
        targets += [
            PortfolioTarget(indicator=indicator, year=2025, value=Decimal(target) / 2, source="Generated"),
            PortfolioTarget(indicator=indicator, year=2030, value=Decimal(target), source="Generated"),
        ]
    Indicator.objects.bulk_create(indicators)
    PortfolioTarget.objects.bulk_create(targets)


def _generator_user() -> User:
    """The author and reviewer of generated reports: staff, so it may approve, and unable to sign in."""
    user, created = User.objects.get_or_create(
        email=GENERATOR_EMAIL, defaults={"full_name": "Results generator", "is_staff": True, "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _generate_chunk(
    projects: list[Project],
    indicators: list[Indicator],
    *,
    seed: int,
    user: User,
    results_per_project: int,
    indicators_per_result: int,
    periods: int,
    approve: bool,
    today: dt.date,
) -> Counter[str]:
    results, project_indicators, reporting_periods, indicator_periods = [], [], [], []
    reports, transitions, values, splits, places = [], [], [], [], []
    for project in projects:
        # Seeded by the code, so a project's figures do not depend on which others are generated with it.
        rng = random.Random(f"results-{seed}-{project.code}")
        cities = sorted(project.cities.all(), key=lambda city: (str(city.country), city.name))
        countries = sorted({str(row.country) for row in project.countries.all()})
        dates = _split(project.start_date, project.end_date, periods)
        project_periods = [
            ReportingPeriod(project=project, start_date=start, end_date=end, due_date=end + DUE_AFTER)
            for start, end in dates
        ]
        reporting_periods += project_periods
        project_reports = []
        for period in project_periods:
            report, steps = _report(period, rng=rng, user=user, approve=approve, today=today)
            project_reports.append(report)
            transitions += steps
        reports += project_reports

        chosen = rng.sample(indicators, results_per_project * indicators_per_result)
        for number in range(results_per_project):
            group = chosen[number * indicators_per_result : (number + 1) * indicators_per_result]
            result = ProjectResult(
                project=project,
                outcome=group[0].outcome,
                title=f"{group[0].outcome.title} ({project.code}, result {number + 1})",
                type=rng.choice([ResultType.OUTPUT, ResultType.OUTCOME]),
                order=number,
            )
            results.append(result)
            for order, indicator in enumerate(group):
                known_places = (
                    [(city.pk, str(city.country)) for city in cities]
                    if indicator.aggregation == Aggregation.DISTINCT_CITIES
                    else [(None, code) for code in countries]
                )
                series = _series(indicator, rng, len(project_periods), known_places)
                project_indicator = ProjectIndicator(
                    result=result,
                    project=project,
                    indicator=indicator,
                    baseline_value=series.baseline,
                    baseline_date=project.start_date if series.baseline is not None else None,
                    order=order,
                )
                project_indicators.append(project_indicator)
                for k, (period, report) in enumerate(zip(project_periods, project_reports, strict=True)):
                    row = IndicatorPeriod(
                        project_indicator=project_indicator, period=period, target_value=series.targets[k]
                    )
                    indicator_periods.append(row)
                    reported = ReportedValue(
                        report=report,
                        indicator_period=row,
                        value=series.values[k],
                        indicator=indicator,
                        project=project,
                        period_end=period.end_date,
                        is_approved=report.status == ReportStatus.APPROVED,
                    )
                    values.append(reported)
                    splits += [
                        ValueSplit(reported=reported, dimension=Disaggregation.SEX, category=category, value=part)
                        for category, part in series.splits[k].items()
                    ]
                    places += [
                        ReportedPlace(reported=reported, city_id=city_id, country=country)
                        for city_id, country in series.places[k]
                    ]

    # Parents first: bulk_create fills in each child's key from its parent once the parent has one.
    for model, rows in [
        (ProjectResult, results),
        (ProjectIndicator, project_indicators),
        (ReportingPeriod, reporting_periods),
        (IndicatorPeriod, indicator_periods),
        (ProgressReport, reports),
        (ReportedValue, values),
    ]:
        model.objects.bulk_create(rows, batch_size=BATCH)
    # Rows no other row points to: written without reading their keys back.
    for model, rows in [(ReportTransition, transitions), (ValueSplit, splits), (ReportedPlace, places)]:
        insert_rows(model, rows)
    return Counter(
        projects=len(projects),
        results=len(results),
        indicators=len(project_indicators),
        periods=len(reporting_periods),
        indicator_periods=len(indicator_periods),
        reports=len(reports),
        transitions=len(transitions),
        values=len(values),
        splits=len(splits),
        places=len(places),
    )


def _report(
    period: ReportingPeriod, *, rng: random.Random, user: User, approve: bool, today: dt.date
) -> tuple[ProgressReport, list[ReportTransition]]:
    """The period's report with the steps it went through; a draft while the period has not ended."""
    # Drawn whatever the status, so that the values that follow do not depend on `today`.
    submitted = _moment(period.end_date + dt.timedelta(days=rng.randint(1, 30)))
    approved = submitted + dt.timedelta(days=rng.randint(1, 20))
    project = period.project
    report = ProgressReport(
        project=project,
        period=period,
        narrative=f"What {project.code} did from {period.start_date:%d %B %Y} to {period.end_date:%d %B %Y}.",
        created_by=user,
    )
    if period.end_date >= today:
        return report, []
    # Submitted and approved before today, even for a period that ended only days ago.
    cutoff = dt.datetime.combine(today, dt.time(0), tzinfo=dt.UTC)
    report.status, report.submitted_at = ReportStatus.SUBMITTED, min(submitted, cutoff)
    steps = [ReportTransition(report=report, from_status=ReportStatus.DRAFT, to_status=ReportStatus.SUBMITTED, by=user)]
    if approve:
        report.status, report.approved_at = ReportStatus.APPROVED, min(approved, cutoff)
        steps.append(
            ReportTransition(
                report=report, from_status=ReportStatus.SUBMITTED, to_status=ReportStatus.APPROVED, by=user
            )
        )
    return report, steps


def _split(start: dt.date, end: dt.date, periods: int) -> list[tuple[dt.date, dt.date]]:
    """`periods` consecutive periods of (nearly) equal length covering start to end, both included."""
    days = (end - start).days + 1
    periods = max(1, min(periods, days))
    bounds = [start + dt.timedelta(days=days * k // periods) for k in range(periods + 1)]
    return [(bounds[k], bounds[k + 1] - dt.timedelta(days=1)) for k in range(periods)]


def _moment(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)


def _quantum(indicator: Indicator) -> Decimal:
    return ONE if indicator.unit in (Unit.COUNT, Unit.YES_NO) else CENT


def _draw(rng: random.Random, up_to: int, indicator: Indicator) -> Decimal:
    """A value from 0 to `up_to` in the indicator's unit: whole for counts, cents for amounts."""
    if indicator.unit == Unit.AMOUNT:
        return Decimal(rng.randrange(0, up_to * 100 + 1)).scaleb(-2)
    return Decimal(rng.randint(0, up_to))


def _part(rng: random.Random, whole: Decimal, indicator: Indicator) -> Decimal:
    return (whole * rng.randint(0, 100) / HUNDRED).quantize(_quantum(indicator), ROUND_DOWN)


def _series(
    indicator: Indicator, rng: random.Random, periods: int, known_places: Sequence[tuple[int | None, str]]
) -> _Series:
    rule, unit = indicator.aggregation, indicator.unit
    named: list[list[tuple[int | None, str]]] = [[] for _ in range(periods)]
    baseline: Decimal | None = None
    if rule in Aggregation.distinct():
        # Distinct counts are the places named: a value is how many places its period names.
        named = [sorted(rng.sample(known_places, rng.randint(0, len(known_places))), key=str) for _ in range(periods)]
        values = [Decimal(len(places)) for places in named]
        targets = [Decimal(len(known_places))] * periods
    elif unit == Unit.PERCENTAGE:
        baseline = level = Decimal(rng.randrange(500, 4000)).scaleb(-2)
        values = []
        for _ in range(periods):
            level = min(HUNDRED, level + Decimal(rng.randrange(0, 800)).scaleb(-2))
            values.append(level)
        goal = min(HUNDRED, baseline + 40)
        targets = [(baseline + (goal - baseline) * (k + 1) / periods).quantize(CENT) for k in range(periods)]
    elif unit == Unit.YES_NO:
        baseline = Decimal(0)
        turns_yes = rng.randint(0, periods)
        values = [Decimal(int(k >= turns_yes)) for k in range(periods)]
        targets = [Decimal(int(k == periods - 1)) for k in range(periods)]
    elif rule == Aggregation.SUM:
        step = STEP.get(indicator.counted, 10)
        values = [_draw(rng, step, indicator) for _ in range(periods)]
        targets = [(Decimal(step) / 2).quantize(_quantum(indicator))] * periods
    else:
        # Highest and latest values are levels: what exists at the end of the period, growing.
        step = STEP.get(indicator.counted, 10)
        baseline = level = _draw(rng, 2 * step, indicator)
        values = []
        for _ in range(periods):
            level += _draw(rng, step, indicator)
            values.append(level)
        targets = [(baseline + Decimal(step) * (k + 1) * 3 / 4).quantize(_quantum(indicator)) for k in range(periods)]
    splits: list[dict[str, Decimal]] = [{} for _ in range(periods)]
    if indicator.disaggregation == Disaggregation.SEX:
        for k, value in enumerate(values):
            if unit in (Unit.COUNT, Unit.AMOUNT):
                # Some people are not recorded by sex: women and men add up to the total or less.
                women = _part(rng, value, indicator)
                splits[k] = {SexCategory.FEMALE: women, SexCategory.MALE: _part(rng, value - women, indicator)}
            else:
                splits[k] = {SexCategory.FEMALE: value, SexCategory.MALE: value}
    return _Series(baseline, targets, values, splits, named)
