"""The results suite of `manage.py bench`: project results, portfolio figures and report approval.

It seeds `--projects` generated projects (200 by default) with results for each, reports approved
except a few kept for approving, and times a project's results section and page, the portfolio
figures (whole, by country, by donor), approving a report and the public results page.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from devtools.bench.harness import Options, Prepared, Scenario, Suite, Target, Unavailable, analyze, get_page, url_of
from devtools.generators.portfolio import generate_portfolio
from devtools.generators.results import generate_results
from grants.models import Allocation, Project, ProjectCountry, Transaction
from members.models import User
from members.roles import PROGRAMME_OFFICER, role_group
from results.models import (
    IndicatorPeriod,
    ProgressReport,
    ProjectIndicator,
    ProjectResult,
    ReportedPlace,
    ReportedValue,
    ReportingPeriod,
    ReportStatus,
    ValueSplit,
)
from results.selectors import Scope, portfolio_progress, project_results
from results.services import report_approve

PROJECTS = 200  # the portfolio's size unless --projects says otherwise
PERIODS = 8  # reporting periods per generated project
SAMPLE = 20  # projects whose results and pages are read in turn
REVIEWER_EMAIL = "bench-reviewer@example.org"


@dataclass(frozen=True)
class Seeded:
    """What the scenarios work on."""

    seed: int
    projects: list[Project]  # a sample of projects with approved reports, read in turn
    country: str  # the country with the most projects
    donor: int | None  # the donor organisation funding the most projects
    reports_to_approve: list[int]  # submitted reports, one for each run, warm-up runs included
    reviewer: User
    sizes: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def _project_results(seeded: Seeded) -> Prepared:
    projects = seeded.projects
    return Prepared(lambda run: project_results(projects[run % len(projects)]), f"{len(projects)} projects in turn")


def _project_page(seeded: Seeded) -> Prepared:
    urls = [url_of("grants:project-detail", code=project.code) for project in seeded.projects]
    client = Client()
    title = ProjectResult.objects.filter(project=seeded.projects[0]).values_list("title", flat=True).first() or ""
    shown = bool(title) and escape(title) in get_page(client, urls[0]).content.decode()
    note = "with its results section" if shown else "WITHOUT a results section"
    return Prepared(lambda run: get_page(client, urls[run % len(urls)]), f"{len(urls)} projects in turn, {note}")


def _portfolio(scope: Callable[[Seeded], Scope]) -> Callable[[Seeded], Prepared]:
    def prepare(seeded: Seeded) -> Prepared:
        chosen = scope(seeded)
        return Prepared(lambda run: portfolio_progress(scope=chosen))

    return prepare


def _donor_scope(seeded: Seeded) -> Scope:
    if seeded.donor is None:
        raise Unavailable("no donor's contribution is allocated to a project")
    return Scope(donor=seeded.donor)


def _report_approve(seeded: Seeded) -> Prepared:
    reports = ProgressReport.objects.in_bulk(seeded.reports_to_approve)
    queue = [reports[pk] for pk in seeded.reports_to_approve]
    return Prepared(
        lambda run: report_approve(report=queue[run], user=seeded.reviewer),
        f"a different submitted report each run, {len(queue)} in all",
    )


def _results_page(seeded: Seeded) -> Prepared:
    url = url_of("results:portfolio")
    client = Client()
    return Prepared(lambda run: get_page(client, url))


# What the issue asks of the figures a public page computes.
PAGE_FIGURES = Target(median_ms=30, constant_queries=True)

SCENARIOS: list[Scenario] = [
    Scenario(
        "project_results", "project_results(project): a project page's results section", _project_results, PAGE_FIGURES
    ),
    Scenario("project_page", "GET /projects/<code>/ (public project page)", _project_page),
    Scenario("portfolio", "portfolio_progress(): the whole portfolio", _portfolio(lambda s: Scope()), PAGE_FIGURES),
    Scenario(
        "portfolio_country",
        "portfolio_progress(): scoped to one country",
        _portfolio(lambda s: Scope(country=s.country)),
        PAGE_FIGURES,
    ),
    Scenario("portfolio_donor", "portfolio_progress(): scoped to one donor", _portfolio(_donor_scope), PAGE_FIGURES),
    Scenario(
        "report_approve",
        "report_approve(): approving a submitted report",
        _report_approve,
        Target(constant_queries=True),
    ),
    Scenario("results_page", "GET /results/ (public results page)", _results_page),
]


def _check_results(options: Options) -> None:
    queued = reports_kept_for_approval(runs=options.runs, warmup=options.warmup)
    if options.size("projects", PROJECTS) <= queued:
        raise ValueError(
            f"--projects must be more than {queued}: the reports of {queued} projects are kept for approving."
        )


SUITE = Suite(
    "results",
    "the results framework: project results, portfolio figures and report approval",
    seed=lambda options: seed_benchmark(
        projects=options.size("projects", PROJECTS), seed=options.seed, runs=options.runs, warmup=options.warmup
    ),
    scenarios=SCENARIOS,
    check=_check_results,
)


def reports_kept_for_approval(*, runs: int, warmup: int) -> int:
    """How many projects' reports are left submitted, so that every run approves a fresh one."""
    return math.ceil((runs + warmup) / PERIODS)


def seed_benchmark(*, projects: int, seed: int, runs: int, warmup: int) -> Seeded:
    """A portfolio of `projects` projects whose reports are approved, except a few left for approving."""
    started = time.perf_counter()
    generate_portfolio(projects=projects, seed=seed)
    portfolio = list(Project.objects.order_by("code"))
    # Only a period that has ended has a submitted report: keep projects that have ended for approving.
    today = timezone.localdate()
    wanted = reports_kept_for_approval(runs=runs, warmup=warmup)
    ended = [project for project in portfolio if project.end_date < today]
    if len(ended) < wanted or len(portfolio) <= wanted:
        raise ValueError(f"Too few projects to keep {wanted} that have ended for approving: seed more.")
    queued = ended[-wanted:]
    reporting = [project for project in portfolio if project not in queued]
    seeded_portfolio = time.perf_counter()
    generated = [
        generate_results(projects=reporting, seed=seed, today=today),
        generate_results(projects=queued, seed=seed, approve=False, today=today),
    ]
    seeded_results = time.perf_counter()
    analyze()

    rng = random.Random(seed)  # noqa: S311 (choosing a sample, not a secret)
    country = (
        ProjectCountry.objects.values("country").annotate(projects=Count("project")).order_by("-projects", "country")
    ).first()
    donor = (
        Allocation.objects.values("contribution__donor")
        .annotate(projects=Count("project", distinct=True))
        .order_by("-projects", "contribution__donor")
    ).first()
    reports = ProgressReport.objects.filter(status=ReportStatus.SUBMITTED).order_by(
        "project__code", "period__start_date"
    )
    reviewer, _ = User.objects.get_or_create(email=REVIEWER_EMAIL, defaults={"is_staff": True})
    reviewer.groups.add(role_group(PROGRAMME_OFFICER))  # the role that approves reports
    rows = sum(summary.rows for summary in generated)
    return Seeded(
        seed=seed,
        projects=rng.sample(reporting, min(SAMPLE, len(reporting))),
        country=str(country["country"]) if country else "",
        donor=donor["contribution__donor"] if donor else None,
        reports_to_approve=list(reports.values_list("pk", flat=True)[: runs + warmup]),
        reviewer=reviewer,
        sizes=database_sizes(),
        seconds={
            "portfolio": round(seeded_portfolio - started, 2),
            "results": round(seeded_results - seeded_portfolio, 2),
            "results_rows_per_second": round(rows / max(seeded_results - seeded_portfolio, 1e-9)),
        },
    )


def database_sizes() -> dict[str, int]:
    return {
        "projects": Project.objects.count(),
        "projects_reporting": ProgressReport.objects.filter(status=ReportStatus.APPROVED)
        .values("project")
        .distinct()
        .count(),
        "transactions": Transaction.objects.count(),
        "project_results": ProjectResult.objects.count(),
        "indicators": ProjectIndicator.objects.count(),
        "periods": ReportingPeriod.objects.count(),
        "indicator_periods": IndicatorPeriod.objects.count(),
        "reports": ProgressReport.objects.count(),
        "reports_approved": ProgressReport.objects.filter(status=ReportStatus.APPROVED).count(),
        "values": ReportedValue.objects.count(),
        "value_splits": ValueSplit.objects.count(),
        "places": ReportedPlace.objects.count(),
    }
