"""The demo projects' results, on the corporate results framework (`results.reference`).

The framework's outcomes, indicators and targets are the published ones; the projects' results,
periods and reports here are illustrative and belong to the demo projects.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from common.records import ensure
from devtools.demo.closeout_reports import load_demo_closeout_reports
from devtools.demo.reporting import load_demo_reporting
from grants.models import City, Project, Tranche
from results.models import (
    Disaggregation,
    Indicator,
    IndicatorPeriod,
    Outcome,
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
    ValueSplit,
)
from results.reference import load_framework

D = Decimal
Value = str | tuple[str, str, str] | tuple[str, ...]


@dataclass(frozen=True)
class Measure:
    code: str
    targets: dict[int, str]
    values: dict[int, Value]
    baseline: str = "0"


@dataclass(frozen=True)
class DemoResult:
    outcome: str
    title: str
    measures: tuple[Measure, ...]
    type: int = ResultType.OUTCOME


@dataclass(frozen=True)
class DemoResults:
    project: str
    results: tuple[DemoResult, ...]
    reports: dict[int, str | None] = field(default_factory=dict)  # year → status (None: no report yet)
    releases: dict[int, int] = field(default_factory=dict)  # year → tranche number its report releases


PROJECT_RESULTS = [
    DemoResults(
        "CP-GHA-2014",
        (
            DemoResult(
                "NPF",
                "Ghana's national urban policy put into practice",
                (
                    Measure("NPF-1", {2014: "1"}, {2014: ("GH",)}),
                    Measure("NPF-3", {2016: "1"}, {2016: ("GH",)}),
                ),
            ),
            DemoResult(
                "LPS",
                "Secondary cities plan their growth and mobilise investment",
                (
                    Measure("LPS-1", {2015: "2", 2016: "3"}, {2015: ("Tamale", "Ho"), 2016: ("Kumasi",)}),
                    Measure(
                        "LPS-2",
                        {2015: "15000000", 2016: "30000000", 2017: "30000000"},
                        {2015: "20000000", 2016: "40000000", 2017: "25000000"},
                    ),
                ),
            ),
            DemoResult(
                "CIT",
                "Slum dwellers take part in municipal forums",
                (
                    Measure("CIT-1", {2015: "3"}, {2015: ("Tamale", "Ho", "Kumasi")}),
                    Measure(
                        "CIT-4",
                        {2014: "1", 2015: "3", 2016: "5", 2017: "6"},
                        {2014: "1", 2015: "3", 2016: "5", 2017: "6"},
                    ),
                    Measure(
                        "CAP-3",
                        {2015: "500", 2016: "800", 2017: "500"},
                        {2015: ("600", "250", "350"), 2016: ("900", "400", "500"), 2017: ("500", "240", "260")},
                    ),
                ),
            ),
            DemoResult(
                "IMP",
                "Better services in the slums of three cities",
                (
                    Measure(
                        "IMP-1",
                        {2016: "100000", 2017: "200000"},
                        {2016: ("120000", "63000", "57000"), 2017: ("180000", "95000", "85000")},
                    ),
                ),
                ResultType.IMPACT,
            ),
        ),
    ),
    DemoResults(
        "CP-UGA-2014",
        (
            DemoResult(
                "NPF",
                "Uganda adopts and applies a national urban policy",
                (
                    Measure("NPF-1", {2014: "1"}, {2014: ("UG",)}),
                    Measure("NPF-2", {2017: "1"}, {2017: ("UG",)}),
                    Measure("NPF-3", {2017: "1"}, {2017: ("UG",)}),
                ),
            ),
            DemoResult(
                "LPS",
                "Municipal development plans in five municipalities",
                (
                    Measure(
                        "LPS-1", {2015: "3", 2016: "5"}, {2015: ("Jinja", "Mbale", "Arua"), 2016: ("Kabale", "Mbarara")}
                    ),
                    Measure(
                        "LPS-2",
                        {2015: "40000000", 2016: "50000000", 2017: "40000000"},
                        {2015: "50000000", 2016: "60000000", 2017: "40000000"},
                    ),
                ),
            ),
            DemoResult(
                "CIT",
                "Municipal Development Forums become statutory bodies",
                (
                    Measure("CIT-1", {2015: "5"}, {2015: ("Jinja", "Mbale", "Arua", "Kabale", "Mbarara")}),
                    Measure("CIT-2", {2017: "1"}, {2017: ("UG",)}),
                    Measure(
                        "CIT-4",
                        {2014: "2", 2015: "5", 2016: "5", 2017: "5", 2018: "5"},
                        {2014: "2", 2015: "5", 2016: "5", 2017: "5", 2018: "5"},
                    ),
                ),
            ),
            DemoResult(
                "CAP",
                "Municipal staff plan and manage their towns",
                (
                    Measure("CAP-1", {2016: "5"}, {2016: ("Jinja", "Mbale", "Arua", "Kabale", "Mbarara")}),
                    Measure(
                        "CAP-3",
                        {2015: "1000", 2016: "1500", 2017: "800"},
                        {2015: ("1200", "500", "700"), 2016: ("1500", "700", "800"), 2017: ("800", "400", "400")},
                    ),
                ),
                ResultType.OUTPUT,
            ),
            DemoResult(
                "IMP",
                "Slum dwellers' settlements transformed",
                (
                    Measure(
                        "IMP-1",
                        {2016: "200000", 2017: "300000"},
                        {2016: ("250000", "130000", "120000"), 2017: ("300000", "160000", "140000")},
                    ),
                ),
                ResultType.IMPACT,
            ),
        ),
    ),
    DemoResults(
        "CP-VNM-2015",
        (
            DemoResult(
                "NPF",
                "A national urban development agenda",
                (
                    Measure("NPF-1", {2015: "1"}, {2015: ("VN",)}),
                    Measure("NPF-2", {2017: "1"}, {2017: ("VN",)}),
                ),
            ),
            DemoResult(
                "LPS",
                "Citywide upgrading plans in two secondary cities",
                (
                    Measure("LPS-1", {2016: "1", 2017: "2"}, {2016: ("Hai Phong",), 2017: ("Can Tho",)}),
                    Measure("LPS-2", {2016: "50000000", 2017: "50000000"}, {2016: "60000000", 2017: "60000000"}),
                ),
            ),
            DemoResult(
                "CAP",
                "Training institutions serve local governments",
                (
                    Measure("CAP-2", {2017: "1"}, {2017: ("VN",)}),
                    Measure(
                        "CAP-3", {2016: "800", 2017: "800"}, {2016: ("900", "450", "450"), 2017: ("900", "430", "470")}
                    ),
                ),
                ResultType.OUTPUT,
            ),
        ),
    ),
    DemoResults(
        "CUF-UGA-2016",
        (
            DemoResult(
                "CIT",
                "Communities choose and run their own projects",
                (
                    Measure("CIT-1", {2016: "1"}, {2016: ("Jinja",)}),
                    Measure("CIT-3", {2016: "3", 2017: "3", 2018: "3"}, {2016: "3", 2017: "4", 2018: "3"}),
                ),
            ),
            DemoResult(
                "IMP",
                "Safer water and sanitation in Jinja's settlements",
                (
                    Measure(
                        "IMP-1",
                        {2017: "20000", 2018: "20000"},
                        {2017: ("20000", "11000", "9000"), 2018: ("25000", "14000", "11000")},
                    ),
                    Measure("IMP-2", {2017: "1"}, {2017: ("Jinja",)}),
                    Measure("IMP-3", {2017: "1"}, {2017: ("UG",)}),
                ),
                ResultType.IMPACT,
            ),
        ),
    ),
    DemoResults(
        "CUF-LBR-2019",
        (
            DemoResult(
                "CIT",
                "Communities choose and run their own projects",
                (
                    Measure("CIT-1", {2020: "1"}, {2020: ("Monrovia",)}),
                    Measure(
                        "CIT-3",
                        {2019: "2", 2020: "3", 2021: "3", 2022: "3", 2023: "3", 2024: "3", 2025: "2", 2026: "2"},
                        {2019: "2", 2020: "3", 2021: "4", 2022: "3", 2023: "3", 2024: "2", 2025: "2"},
                    ),
                ),
            ),
            DemoResult(
                "IMP",
                "Water kiosks and drainage for Monrovia's informal settlements",
                (
                    Measure(
                        "IMP-1",
                        {
                            2020: "10000",
                            2021: "20000",
                            2022: "20000",
                            2023: "20000",
                            2024: "20000",
                            2025: "20000",
                            2026: "10000",
                        },
                        {
                            2020: ("15000", "8000", "7000"),
                            2021: ("22000", "12000", "10000"),
                            2022: ("18000", "9500", "8500"),
                            2023: ("21000", "11000", "10000"),
                            2024: ("19000", "10000", "9000"),
                            2025: ("16000", "8500", "7500"),
                        },
                    ),
                    Measure("IMP-2", {2021: "1"}, {2021: ("Monrovia",)}),
                    Measure("IMP-3", {2021: "1"}, {2021: ("LR",)}),
                ),
                ResultType.IMPACT,
            ),
        ),
        reports={2025: ReportStatus.SUBMITTED},
        releases={2025: 3},
    ),
    DemoResults(
        "IF-BFA-2021",
        (
            DemoResult(
                "CIT",
                "Women's groups decide part of the municipal budget",
                (
                    Measure("CIT-1", {2022: "1"}, {2022: ("Tenkodogo",)}),
                    Measure("CIT-3", {2022: "1"}, {2022: "1"}),
                ),
            ),
            DemoResult(
                "IMP",
                "Women shape public spending in Tenkodogo",
                (
                    Measure(
                        "IMP-1",
                        {2022: "5000", 2023: "5000"},
                        {2022: ("8000", "5000", "3000"), 2023: ("4000", "2500", "1500")},
                    ),
                    Measure("IMP-2", {2022: "1"}, {2022: ("Tenkodogo",)}),
                    Measure("IMP-3", {2022: "1"}, {2022: ("BF",)}),
                ),
                ResultType.IMPACT,
            ),
        ),
    ),
    DemoResults(
        "JWP-GLB-2022",
        (
            DemoResult(
                "CAP",
                "Secondary cities plan for the migrants they receive",
                (
                    Measure("CAP-1", {2023: "1", 2024: "2", 2025: "2"}, {2023: ("Jinja",), 2024: ("Tamale",)}),
                    Measure("LPS-1", {2024: "2", 2025: "2"}, {2024: ("Jinja", "Tamale")}),
                    Measure(
                        "CAP-3",
                        {2022: "100", 2023: "200", 2024: "200", 2025: "200", 2026: "100"},
                        {2022: ("120", "60", "60"), 2023: ("200", "110", "90"), 2024: ("180", "95", "85")},
                    ),
                ),
                ResultType.OUTPUT,
            ),
        ),
        reports={2025: None},
        releases={2026: 3},
    ),
]


def _year_periods(project: Project) -> dict[int, tuple[dt.date, dt.date]]:
    """Calendar years, cut to the project's dates."""
    return {
        year: (max(project.start_date, dt.date(year, 1, 1)), min(project.end_date, dt.date(year, 12, 31)))
        for year in range(project.start_date.year, project.end_date.year + 1)
    }


def _load_project(spec: DemoResults, indicators: dict[str, Indicator], today: dt.date) -> None:
    project = Project.objects.prefetch_related("cities").get(code=spec.project)
    cities = {city.name: city for city in City.objects.filter(projects=project)}
    tranches = {t.number: t for t in Tranche.objects.filter(agreement__project=project)}
    periods = {}
    for year, (start, end) in _year_periods(project).items():
        periods[year] = ensure(
            ReportingPeriod,
            {"project": project, "start_date": start},
            {
                "end_date": end,
                "due_date": dt.date(year + 1, 3, 31),
                "releases_tranche": tranches.get(spec.releases.get(year)),
            },
        )
    values_by_year: dict[int, list[tuple[IndicatorPeriod, Value]]] = {year: [] for year in periods}
    for order, demo_result in enumerate(spec.results, start=1):
        result = ensure(
            ProjectResult,
            {"project": project, "title": demo_result.title},
            {"outcome_id": Outcome.objects.get(code=demo_result.outcome).pk, "type": demo_result.type, "order": order},
        )
        for position, measure in enumerate(demo_result.measures, start=1):
            project_indicator = ensure(
                ProjectIndicator,
                {"project": project, "indicator": indicators[measure.code]},
                {
                    "result": result,
                    "baseline_value": D(measure.baseline),
                    "baseline_date": project.start_date,
                    "order": position,
                },
            )
            for year, period in periods.items():
                target = measure.targets.get(year)
                row = ensure(
                    IndicatorPeriod,
                    {"project_indicator": project_indicator, "period": period},
                    {"target_value": D(target) if target is not None else None},
                )
                if year in measure.values or period.due_date < today:
                    values_by_year[year].append((row, measure.values.get(year, "0")))
    for year, period in periods.items():
        status = spec.reports.get(year, ReportStatus.APPROVED if period.due_date < today else None)
        if status is not None:
            _load_report(project, period, status, values_by_year[year], cities)


def _load_report(project, period, status, values, cities) -> None:
    if ProgressReport.objects.filter(period=period).exists():
        return
    at = timezone.make_aware(dt.datetime.combine(period.due_date, dt.time(12)))
    report = ProgressReport.objects.create(
        project=project,
        period=period,
        status=status,
        narrative="Illustrative progress report loaded with the demo portfolio.",
        submitted_at=at,
        approved_at=at if status == ReportStatus.APPROVED else None,
    )
    ReportTransition.objects.create(report=report, from_status=ReportStatus.DRAFT, to_status=ReportStatus.SUBMITTED)
    if status == ReportStatus.APPROVED:
        ReportTransition.objects.create(
            report=report, from_status=ReportStatus.SUBMITTED, to_status=ReportStatus.APPROVED
        )
    copied = {
        "project": project,
        "period_end": period.end_date,
        "is_approved": status == ReportStatus.APPROVED,
    }
    for row, value in values:
        indicator = row.project_indicator.indicator
        if indicator.is_distinct_count:
            places = value if isinstance(value, tuple) else ()
            reported = ReportedValue.objects.create(
                report=report, indicator_period=row, value=len(places), indicator=indicator, **copied
            )
            for place in places:
                city = cities.get(place)
                ReportedPlace.objects.create(reported=reported, city=city, country=city.country if city else place)
        elif isinstance(value, tuple):
            total, women, men = value
            reported = ReportedValue.objects.create(
                report=report, indicator_period=row, value=D(total), indicator=indicator, **copied
            )
            for category, part in ((SexCategory.FEMALE, women), (SexCategory.MALE, men)):
                ValueSplit.objects.create(
                    reported=reported, dimension=Disaggregation.SEX, category=category, value=D(part)
                )
        else:
            ReportedValue.objects.create(
                report=report, indicator_period=row, value=D(value), indicator=indicator, **copied
            )
    if status == ReportStatus.APPROVED and period.releases_tranche_id:
        Tranche.objects.filter(pk=period.releases_tranche_id, condition_met_on__isnull=True).update(
            condition_met_on=period.due_date
        )


@transaction.atomic
def load_demo_results(today: dt.date | None = None) -> None:
    """The framework and the demo projects' results; a second run changes nothing."""
    load_framework()
    today = today or dt.date(2026, 6, 30)
    indicators = {indicator.code: indicator for indicator in Indicator.objects.all()}
    for spec in PROJECT_RESULTS:
        _load_project(spec, indicators, today)
    load_demo_closeout_reports()
    load_demo_reporting()
