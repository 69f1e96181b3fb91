"""The benchmark harness: time what must stay fast as the portfolio grows, on throw-away databases.

`manage.py bench` never reads or writes the configured database: like the test runner, it creates
a database of its own for each suite (`bench_<suite>_<database>` on PostgreSQL, in memory on SQLite), seeds
it, times every scenario of the suite and drops the database.

A suite is a name, a `seed` function and its scenarios (`devtools/bench/<suite>.py`, listed in
`devtools.bench.suites`). A scenario is a name, a `prepare` function that receives the seeded
data and returns the call to time (which gets the run's number, counting warm-up runs), and
optional targets. To time something new, append a `Scenario` to a suite's scenarios.
"""

from __future__ import annotations

import gc
import logging
import math
import os
import platform
import statistics
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import django
from celery.app.task import Task
from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import NoReverseMatch, reverse

from grants.models import Project

logger = logging.getLogger(__name__)


class Unavailable(Exception):
    """What a scenario times does not exist (yet): it is reported, not failed."""


@dataclass(frozen=True)
class Prepared:
    call: Callable[[int], object]
    note: str = ""
    # What the last run returned, said in a few words for the note (a PDF's pages, say).
    outcome: Callable[[Any], str] | None = None
    # Done before each run, untimed and its queries not counted (a payment recorded, say), given the run's number.
    before: Callable[[int], object] | None = None


@dataclass(frozen=True)
class Target:
    median_ms: float | None = None
    p95_ms: float | None = None
    max_queries: int | None = None
    constant_queries: bool = False
    same_queries_as: str | None = None  # another scenario of the suite, which must make as many queries
    # The page's median within this many times its floor (suites with `floors`), where the floor takes at least
    # `floor_counts_from_ms`: below it, what a page adds to its main query is Django's own rendering, which no
    # page does in three times a millisecond, and the time targets say enough.
    floor_ratio: float | None = None
    floor_counts_from_ms: float = 10
    max_memory_growth_mb: float | None = None  # the process's peak resident memory over its size at the start

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
        if self.floor_ratio:
            parts.append(f"median within {self.floor_ratio:g}x a floor of {_limit(self.floor_counts_from_ms)} or more")
        if self.max_memory_growth_mb is not None:
            parts.append(f"memory grows under {self.max_memory_growth_mb:g} MB")
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
    # Sizes left out (None) take each suite's own default, read with `size`.
    projects: int | None = None  # the results suite's portfolio (200) and the scale suite's (50,000)
    donor_projects: int = 5000  # the donors and open data suites' portfolio
    applications: int | None = None  # the donors suite's (5,000) and the scale suite's (one a project)
    transactions: int | None = None  # the scale suite's (20 a project)
    indicator_values: int | None = None  # the scale suite's (10 a project)
    donors: int | None = None  # the scale suite's (one for every 250 projects)

    def size(self, name: str, default: int) -> int:
        value = getattr(self, name)
        return default if value is None else value


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
    # Also time each scenario's floor: its slowest SELECT alone, re-executed bare (see `floor`).
    floors: bool = False
    # Reads what the scenarios need from a database `seed` filled before (kept by --keep-database), or None when
    # the suite can only time what it has just seeded.
    describe: Callable[[Options], Any] | None = None


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
    # The floor (suites with `floors`): the last run's slowest SELECT, re-executed alone on a bare cursor.
    floor_ms: float | None = None
    floor_sql: str = ""
    page_over_floor: float | None = None  # the median over the floor: what the page adds to its main query
    # The process's resident memory: its peak while the timed runs ran, and how far above the start that is.
    peak_rss_mb: float | None = None
    rss_growth_mb: float | None = None


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


def _p95(timings: Sequence[float]) -> float:
    ordered = sorted(timings)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


def measure(scenario: Scenario, seeded: Any, *, runs: int, warmup: int, floors: bool = False) -> Measurement:
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
    if floors:
        floor(measurement, runs=min(runs, FLOOR_RUNS))
    return measurement


FLOOR_RUNS = 5


def floor(measurement: Measurement, *, runs: int) -> None:
    """Time the scenario's main query alone: the slowest SELECT of its last run, as it was sent (Django binds
    parameters on the client, so the captured text is the statement itself), on the driver's own cursor, rows
    fetched. What a page takes beyond it is Python's: the ORM, templates, serialising."""
    selects = [query for query in measurement.sql if query["sql"].lstrip().upper().startswith(("SELECT", "WITH"))]
    if not selects:
        return
    slowest = max(selects, key=lambda query: query["ms"])
    timings = []
    with connection.cursor() as cursor:
        for _ in range(max(1, runs)):
            started = time.perf_counter_ns()
            cursor.cursor.execute(slowest["sql"])
            cursor.cursor.fetchall()
            timings.append((time.perf_counter_ns() - started) / 1e6)
    measurement.floor_ms = round(statistics.median(timings), 2)
    measurement.floor_sql = slowest["sql"]
    if measurement.median_ms is not None and measurement.floor_ms > 0:
        measurement.page_over_floor = round(measurement.median_ms / measurement.floor_ms, 1)


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
        if prepared.before:
            prepared.before(run)
        prepared.call(run)
    timings, counts = [], []
    with _resident_memory() as memory:
        for run in range(warmup, warmup + runs):
            if prepared.before:
                prepared.before(run)
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter_ns()
                returned = prepared.call(run)
                timings.append((time.perf_counter_ns() - started) / 1e6)
            counts.append(len(queries))
    if memory.peak:
        measurement.peak_rss_mb = round(memory.peak / 2**20, 1)
        measurement.rss_growth_mb = round((memory.peak - memory.start) / 2**20, 1)
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
    scenarios: Sequence[Scenario],
    seeded: Any,
    *,
    runs: int,
    warmup: int,
    floors: bool = False,
    progress: Callable[[Measurement], None] | None = None,
) -> list[tuple[Scenario, Measurement]]:
    """Measure every scenario; one that fails is reported as an error and the others still run.

    `progress` hears of each measurement as soon as it is taken (a long run says where it is)."""
    measured = []
    with _tasks_held(), override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
        for scenario in scenarios:
            try:
                measurement = measure(scenario, seeded, runs=runs, warmup=warmup, floors=floors)
            except Exception as error:
                logger.exception("Scenario %s failed", scenario.name)
                measurement = Measurement(scenario.name, scenario.description, status="error", note=repr(error))
            measured.append((scenario, measurement))
            if progress:
                progress(measurement)
    return measured


class _Sampler:
    start: int = 0
    peak: int = 0


@contextmanager
def _resident_memory(every: float = 0.01) -> Iterator[_Sampler]:
    """The process's resident set size, sampled by a thread while the block runs (Linux; nothing elsewhere)."""
    sampler = _Sampler()
    statm = Path("/proc/self/statm")
    if not statm.exists():
        yield sampler
        return
    page = os.sysconf("SC_PAGE_SIZE")

    def resident() -> int:
        return int(statm.read_text().split()[1]) * page

    done = threading.Event()

    def sample() -> None:
        while not done.wait(every):
            sampler.peak = max(sampler.peak, resident())

    sampler.start = sampler.peak = resident()
    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield sampler
    finally:
        done.set()
        thread.join()
        sampler.peak = max(sampler.peak, resident())


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
    near_floor = (
        target.floor_ratio is None
        or measurement.floor_ms is None
        or measurement.floor_ms < target.floor_counts_from_ms
        or measurement.median_ms <= target.floor_ratio * measurement.floor_ms
    )
    lean = target.max_memory_growth_mb is None or (
        measurement.rss_growth_mb is not None and measurement.rss_growth_mb < target.max_memory_growth_mb
    )
    return "PASS" if fast and few and steady and near_floor and lean else "FAIL"


def duration(ms: float) -> str:
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
def throwaway_database(suite: str, *, keep: bool = False) -> Iterator[bool]:
    """A database of the benchmark's own for `suite`, dropped at the end, as the test runner makes one. With
    `keep` it is left for the next run of the same suite, which finds it again; says whether the database already
    held a portfolio. Each suite's has a name of its own: one suite kept never receives another's rows."""
    creation = connection.creation
    configured = connection.settings_dict["NAME"]
    test_settings = connection.settings_dict.setdefault("TEST", {})
    test_name = test_settings.get("NAME")
    if connection.vendor != "sqlite":  # SQLite's is in memory
        # A name of its own, so that it never clobbers the test suite's database nor another suite's.
        test_settings["NAME"] = throwaway_name(suite, configured)
    keep = keep and connection.vendor != "sqlite"
    try:
        creation.create_test_db(verbosity=0, autoclobber=True, keepdb=keep, serialize=False)
        if connection.settings_dict["NAME"] == configured:
            raise CommandError("The throw-away database is the configured one; refusing to go on.")
        yield keep and Project.objects.exists()
    finally:
        if connection.settings_dict["NAME"] != configured:
            creation.destroy_test_db(configured, verbosity=0, keepdb=keep)
        test_settings["NAME"] = test_name


def throwaway_name(suite: str, configured: str) -> str:
    return f"bench_{suite}_{configured}"


def section(suite: Suite, seeded: Any, measured: list[tuple[Scenario, Measurement]], load: Sequence[float]) -> dict:
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


def listed(figures: dict) -> str:
    return ", ".join(f"{name.replace('_', ' ')} {value:,}" for name, value in figures.items())
