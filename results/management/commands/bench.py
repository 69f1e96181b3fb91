"""Time what must stay fast as the portfolio grows, on throw-away databases seeded for the purpose.

`manage.py bench` never reads or writes the configured database: like the test runner, it creates
a database of its own for each suite (`bench_<name>` on PostgreSQL, in memory on SQLite), seeds
it, times every scenario of the suite and drops the database.

A suite is a name, a `seed` function and its scenarios. The results suite is here; an app adds
its own as `SUITE` in a `bench` module of its package (`donors/bench.py`), so that this app never
imports the apps built on it. A scenario is a name, a `prepare` function that receives the seeded
data and returns the call to time (which gets the run's number, counting warm-up runs), and
optional targets. To time something new, append a `Scenario` to a suite's scenarios.
"""

from __future__ import annotations

import gc
import json
import logging
import math
import os
import platform
import random
import statistics
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any
from unittest import mock

import django
from celery.app.task import Task
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.module_loading import module_has_submodule

from grants.generator import generate_portfolio
from grants.models import Allocation, Project, ProjectCountry, Transaction
from members.models import User
from members.roles import PROGRAMME_OFFICER, role_group
from results.generator import generate_results
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

logger = logging.getLogger(__name__)

PERIODS = 8  # reporting periods per generated project
SAMPLE = 20  # projects whose results and pages are read in turn
REVIEWER_EMAIL = "bench-reviewer@example.org"


class Unavailable(Exception):
    """What a scenario times does not exist (yet): it is reported, not failed."""


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


@dataclass(frozen=True)
class Prepared:
    call: Callable[[int], object]
    note: str = ""
    # What the last run returned, said in a few words for the note (a PDF's pages, say).
    outcome: Callable[[Any], str] | None = None


@dataclass(frozen=True)
class Target:
    median_ms: float | None = None
    p95_ms: float | None = None
    max_queries: int | None = None
    constant_queries: bool = False
    same_queries_as: str | None = None  # another scenario of the suite, which must make as many queries

    def __str__(self) -> str:
        parts = [f"median under {_limit(self.median_ms)}"] if self.median_ms else []
        if self.p95_ms:
            parts.append(f"95th percentile under {_limit(self.p95_ms)}")
        if self.max_queries is not None:
            parts.append(f"at most {self.max_queries} queries")
        if self.constant_queries:
            parts.append("same query count on every run")
        if self.same_queries_as:
            parts.append(f"as many queries as {self.same_queries_as}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    prepare: Callable[[Any], Prepared]  # gets its suite's seeded data; raises Unavailable when there is nothing to time
    target: Target | None = None
    # A slow scenario (a whole PDF) is timed fewer times than --runs, and may skip the warm-up.
    runs: int | None = None
    warmup: int | None = None


@dataclass(frozen=True)
class Options:
    """The command's options, for every suite's checks and seeding."""

    runs: int
    warmup: int
    seed: int
    projects: int  # the results suite's portfolio
    donor_projects: int  # the donors and open data suites' portfolio
    applications: int


@dataclass(frozen=True)
class Suite:
    """Scenarios timed on one throw-away database, seeded for them.

    `seed` returns the data the scenarios prepare from, with `sizes` and `seconds` attributes
    (what was seeded, and how long it took); `check` refuses options the suite cannot run with
    (ValueError), before any database is created.
    """

    name: str
    description: str
    seed: Callable[[Options], Any]
    scenarios: list[Scenario]
    check: Callable[[Options], None] = lambda options: None


@dataclass
class Measurement:
    scenario: str
    description: str
    status: str = "ok"  # "ok", "not available" or "error"
    note: str = ""
    runs: int = 0
    median_ms: float | None = None
    p95_ms: float | None = None
    max_ms: float | None = None
    queries: int | None = None  # the most any run made
    queries_constant: bool | None = None
    query_counts: list[int] = field(default_factory=list)  # every distinct count seen
    sql: list[dict] = field(default_factory=list)  # the last run's queries with their times, to EXPLAIN


def get_page(client: Client, url: str, **request) -> HttpResponse:
    """A GET that must answer 200: a redirect to the login page would time the wrong page."""
    response = client.get(url, **request)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    return response


def url_of(name: str, **kwargs) -> str:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        raise Unavailable(f"no URL named {name}") from None


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
    if options.projects <= queued:
        raise ValueError(
            f"--projects must be more than {queued}: the reports of {queued} projects are kept for approving."
        )


RESULTS = Suite(
    "results",
    "the results framework: project results, portfolio figures and report approval",
    seed=lambda options: seed_benchmark(
        projects=options.projects, seed=options.seed, runs=options.runs, warmup=options.warmup
    ),
    scenarios=SCENARIOS,
    check=_check_results,
)


def suites() -> dict[str, Suite]:
    """The results suite and those of other apps, from the `SUITE` of their `bench` module, in app order."""
    found = {RESULTS.name: RESULTS}
    for config in apps.get_app_configs():
        if config.name != "results" and module_has_submodule(config.module, "bench"):
            suite = import_module(f"{config.name}.bench").SUITE
            found[suite.name] = suite
    return found


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


def analyze() -> None:
    """Bulk-loaded tables have no statistics yet and, on PostgreSQL, wait for autovacuum; production's do not.

    VACUUM cannot run in a transaction, as in a test: ANALYZE alone does there.
    """
    statement = {"postgresql": "VACUUM ANALYZE", "sqlite": "ANALYZE"}.get(connection.vendor)
    if statement and connection.in_atomic_block:
        statement = "ANALYZE"
    if statement:
        with connection.cursor() as cursor:
            cursor.execute(statement)


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


def _p95(timings: Sequence[float]) -> float:
    ordered = sorted(timings)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


def measure(scenario: Scenario, seeded: Any, *, runs: int, warmup: int) -> Measurement:
    measurement = Measurement(scenario.name, scenario.description)
    try:
        prepared = scenario.prepare(seeded)
    except Unavailable as reason:
        measurement.status, measurement.note = "not available", str(reason)
        return measurement
    if scenario.runs is not None:
        runs = min(runs, scenario.runs)
    if scenario.warmup is not None:
        warmup = min(warmup, scenario.warmup)
    with _frozen_heap():
        _time(prepared, measurement, runs=runs, warmup=warmup)
    return measurement


@contextmanager
def _frozen_heap() -> Iterator[None]:
    """Time as a web server process serves: what it loaded before its first request is frozen out of
    the garbage collector's full collections (`citiesalliance/wsgi.py`), and here, what seeding left."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _time(prepared: Prepared, measurement: Measurement, *, runs: int, warmup: int) -> None:
    for run in range(warmup):
        prepared.call(run)
    timings, counts = [], []
    for run in range(warmup, warmup + runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter_ns()
            returned = prepared.call(run)
            timings.append((time.perf_counter_ns() - started) / 1e6)
        counts.append(len(queries))
    outcome = prepared.outcome(returned) if prepared.outcome else ""
    measurement.note = ", ".join(part for part in (prepared.note, outcome) if part)
    measurement.runs = runs
    measurement.median_ms = round(statistics.median(timings), 2)
    measurement.p95_ms = round(_p95(timings), 2)
    measurement.max_ms = round(max(timings), 2)
    measurement.queries = max(counts)
    measurement.query_counts = sorted(set(counts))
    measurement.queries_constant = len(measurement.query_counts) == 1
    measurement.sql = [{"ms": float(query["time"]) * 1000, "sql": query["sql"]} for query in queries.captured_queries]


def run_scenarios(
    scenarios: Sequence[Scenario], seeded: Any, *, runs: int, warmup: int
) -> list[tuple[Scenario, Measurement]]:
    """Measure every scenario; one that fails is reported as an error and the others still run."""
    measured = []
    with _tasks_held(), override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
        for scenario in scenarios:
            try:
                measurement = measure(scenario, seeded, runs=runs, warmup=warmup)
            except Exception as error:
                logger.exception("Scenario %s failed", scenario.name)
                measurement = Measurement(scenario.name, scenario.description, status="error", note=repr(error))
            measured.append((scenario, measurement))
    return measured


@contextmanager
def _tasks_held() -> Iterator[None]:
    """Queue no Celery task: no worker can see the throw-away database, and no one should get its mail."""
    with mock.patch.object(Task, "apply_async", return_value=None):
        yield


def verdict(
    scenario: Scenario, measurement: Measurement, others: Mapping[str, Measurement] | None = None
) -> str | None:
    """PASS or FAIL against the scenario's target; `others` are the suite's measurements, by scenario."""
    target = scenario.target
    if target is None:
        return None
    if measurement.status == "not available":
        return "N/A"
    if measurement.status != "ok":
        return "FAIL"
    fast = (target.median_ms is None or measurement.median_ms < target.median_ms) and (
        target.p95_ms is None or measurement.p95_ms < target.p95_ms
    )
    few = target.max_queries is None or measurement.queries <= target.max_queries
    steady = not target.constant_queries or measurement.queries_constant
    if target.same_queries_as:
        other = (others or {}).get(target.same_queries_as)
        steady = steady and other is not None and other.query_counts == measurement.query_counts
    return "PASS" if fast and few and steady else "FAIL"


def _duration(ms: float) -> str:
    return f"{ms / 1000:.2f} s" if ms >= 10_000 else f"{ms:.2f} ms"


def _limit(ms: float) -> str:
    return f"{ms / 1000:g} s" if ms >= 1000 else f"{ms:g} ms"


def machine(*, load_average: Sequence[float]) -> dict:
    return {
        "cpu_count": os.cpu_count(),
        # Figures taken while something else keeps the CPUs busy are not comparable.
        "load_average_at_start": [round(load, 2) for load in load_average],
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": {
            "vendor": connection.vendor,
            "version": ".".join(str(part) for part in connection.get_database_version()),
            "name": str(connection.settings_dict["NAME"]),
        },
    }


@contextmanager
def throwaway_database() -> Iterator[None]:
    """A database of the benchmark's own, dropped at the end, as the test runner makes one."""
    creation = connection.creation
    configured = connection.settings_dict["NAME"]
    test_settings = connection.settings_dict.setdefault("TEST", {})
    test_name = test_settings.get("NAME")
    if connection.vendor != "sqlite":  # SQLite's is in memory
        # A name of its own, so that it never clobbers the test suite's database.
        test_settings["NAME"] = f"bench_{configured}"
    try:
        creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False, serialize=False)
        if connection.settings_dict["NAME"] == configured:
            raise CommandError("The throw-away database is the configured one; refusing to go on.")
        yield
    finally:
        if connection.settings_dict["NAME"] != configured:
            creation.destroy_test_db(configured, verbosity=0, keepdb=False)
        test_settings["NAME"] = test_name


class Command(BaseCommand):
    help = (
        "Seed throw-away databases with synthetic portfolios, time the results, donor and application pages, "
        "selectors, services and the donor report PDF, and write the figures to a JSON file. The configured "
        "database is never touched."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--suite",
            choices=[*suites(), "all"],
            default="all",
            help="The suite to run, each on a database of its own (default all).",
        )
        parser.add_argument("--projects", type=int, default=200, help="Projects of the results suite (default 200).")
        parser.add_argument(
            "--donor-projects",
            type=int,
            default=5000,
            help="Projects of the donors and open data suites (default 5000).",
        )
        parser.add_argument(
            "--applications", type=int, default=5000, help="Applications of the donors suite (default 5000)."
        )
        parser.add_argument("--runs", type=int, default=50, help="Timed runs per scenario (default 50).")
        parser.add_argument("--warmup", type=int, default=5, help="Untimed runs first (default 5).")
        parser.add_argument("--seed", type=int, default=1, help="Seed of the generated data (default 1).")
        parser.add_argument(
            "--output",
            type=Path,
            default=settings.VAR_DIR / "bench" / "results.json",
            help="Where to write the figures (default var/bench/results.json).",
        )

    def handle(
        self,
        *args,
        suite: str,
        projects: int,
        donor_projects: int,
        applications: int,
        runs: int,
        warmup: int,
        seed: int,
        output: Path,
        **options,
    ):
        load_average = os.getloadavg()
        if runs < 1 or warmup < 0:
            raise CommandError("--runs must be at least 1 and --warmup at least 0.")
        known = suites()
        chosen = list(known.values()) if suite == "all" else [known[suite]]
        given = Options(
            runs=runs,
            warmup=warmup,
            seed=seed,
            projects=projects,
            donor_projects=donor_projects,
            applications=applications,
        )
        for each in chosen:
            try:
                each.check(given)
            except ValueError as error:
                raise CommandError(str(error)) from None
        if connection.vendor != "postgresql":
            self.stderr.write(
                self.style.WARNING(
                    f"{'=' * 78}\nWARNING: the database is {connection.vendor}, not PostgreSQL. These figures say\n"
                    f"little about production: run `make bench` for the figures to report.\n{'=' * 78}"
                )
            )
        report = {
            "timestamp": timezone.now().isoformat(timespec="seconds"),
            "machine": {},
            "settings": {**asdict(given), "suites": [each.name for each in chosen]},
            "suites": {},
        }
        measured_by_suite = {}
        for each in chosen:
            with throwaway_database():
                report["machine"] = report["machine"] or machine(load_average=load_average)
                seeded, measured, load = self._run(each, given)
            measured_by_suite[each.name] = measured
            report["suites"][each.name] = _section(each, seeded, measured, load)
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(report, indent=2) + "\n")
        self._print_machine(report)
        for name, measured in measured_by_suite.items():
            self._print(name, report["suites"][name], measured)
        self.stdout.write(f"\nWritten to {output}")
        failed = [m.scenario for measured in measured_by_suite.values() for _, m in measured if m.status == "error"]
        if failed:
            raise CommandError(f"These scenarios failed: {', '.join(failed)} (see the log above).")

    def _run(self, suite: Suite, given: Options) -> tuple[Any, list[tuple[Scenario, Measurement]], Sequence[float]]:
        """Seed the suite's database and time its scenarios; also the load average when timing started."""
        self.stdout.write(
            f"{suite.name}: seeding {suite.description}, in the throw-away database {connection.settings_dict['NAME']}"
        )
        try:
            seeded = suite.seed(given)
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{suite.name}: seeded {_listed(seeded.sizes)} (seconds: {_listed(seeded.seconds)})")
        self.stdout.write(
            f"{suite.name}: timing {len(suite.scenarios)} scenarios, {given.runs} runs each after {given.warmup} "
            "warm-up runs, fewer where a scenario says so"
        )
        load = os.getloadavg()
        return seeded, run_scenarios(suite.scenarios, seeded, runs=given.runs, warmup=given.warmup), load

    def _print_machine(self, report: dict) -> None:
        database = report["machine"]["database"]
        self.stdout.write(
            f"\n{database['vendor']} {database['version']}, {report['machine']['cpu_count']} CPUs, "
            f"Python {report['machine']['python']}, load {report['machine']['load_average_at_start'][0]:g} at start"
        )

    def _print(self, name: str, section: dict, measured: list[tuple[Scenario, Measurement]]) -> None:
        self.stdout.write(f"\n{name}: {_listed(section['sizes'])}\n")
        header = f"{'scenario':<24} {'median':>10} {'p95':>10} {'max':>10} {'queries':>8} {'same':>5}  note"
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for _, m in measured:
            if m.status != "ok":
                self.stdout.write(f"{m.scenario:<24} {m.status:>50}  {m.note}")
                continue
            same = "yes" if m.queries_constant else "NO"
            queries = str(m.queries) if m.queries_constant else "-".join(str(n) for n in m.query_counts)
            self.stdout.write(
                f"{m.scenario:<24} {_duration(m.median_ms):>10} {_duration(m.p95_ms):>10} {_duration(m.max_ms):>10} "
                f"{queries:>8} {same:>5}  {m.note}"
            )
        self.stdout.write(f"\nTargets ({name}, load {section['load_average_before_timing'][0]:g} before timing)")
        for target in section["targets"]:
            result = target["result"]
            style = {"PASS": self.style.SUCCESS, "FAIL": self.style.ERROR}.get(result, self.style.WARNING)
            self.stdout.write(f"  {style(result):<4} {target['scenario']}: {target['target']}")


def _section(suite: Suite, seeded: Any, measured: list[tuple[Scenario, Measurement]], load: Sequence[float]) -> dict:
    """A suite's part of the JSON file: what it seeded, every measurement and the verdict on each target."""
    by_name = {m.scenario: m for _, m in measured}
    return {
        "description": suite.description,
        "sizes": seeded.sizes,
        "seeding_seconds": seeded.seconds,
        # Figures taken while something else keeps the CPUs busy are not comparable.
        "load_average_before_timing": [round(figure, 2) for figure in load],
        "scenarios": [asdict(measurement) for _, measurement in measured],
        "targets": [
            {"scenario": scenario.name, "target": str(scenario.target), "result": verdict(scenario, m, by_name)}
            for scenario, m in measured
            if scenario.target is not None
        ],
    }


def _listed(figures: dict) -> str:
    return ", ".join(f"{name.replace('_', ' ')} {value:,}" for name, value in figures.items())
