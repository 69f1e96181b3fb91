"""The open data suite of `manage.py bench`: the API's lists and the IATI file, at size.

It seeds a portfolio of 5,000 projects (more than 100,000 transactions; `--donor-projects`) with
results for a tenth of them, then times, as an anonymous client: the API's project list (page 1,
and filtered by window and country), the transaction list (page 1, and a donor's payments after a
date), one project's IATI activity, and the whole IATI activity file, streamed. Lists page by
cursor, so their query count and time must not grow with the table; the file is written an
activity at a time, so the memory it takes must not grow with the portfolio either: its note
gives the peak of Python's memory while the whole file is made.
"""

from __future__ import annotations

import time
import tracemalloc
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count
from django.test import Client

from devtools.bench.harness import Options, Prepared, Scenario, Suite, Target, analyze, get_page, url_of
from devtools.generators.portfolio import generate_portfolio
from devtools.generators.results import generate_results
from grants.models import Allocation, Project, ProjectCountry, Transaction

PAYMENTS_PER_TRANCHE = (6, 10)  # as in the donors suite: about 22 transactions a project
RESULTS_SHARE = 10  # one project in ten reports results


@dataclass(frozen=True)
class Seeded:
    project_code: str  # a project with results, for its own IATI activity
    window: int
    country: str
    donor: int
    sizes: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def check(options: Options) -> None:
    if options.donor_projects < RESULTS_SHARE:
        raise ValueError(f"--donor-projects must be at least {RESULTS_SHARE} for the open data suite.")


def seed(options: Options) -> Seeded:
    started = time.perf_counter()
    generate_portfolio(projects=options.donor_projects, seed=options.seed, payments_per_tranche=PAYMENTS_PER_TRANCHE)
    seeded_portfolio = time.perf_counter()
    with_results = list(Project.objects.order_by("code")[::RESULTS_SHARE])
    generate_results(projects=with_results, seed=options.seed)
    seeded_results = time.perf_counter()
    analyze()
    return Seeded(
        project_code=with_results[0].code,
        window=_most_common(Project.objects.all(), "facility__window"),
        country=str(_most_common(ProjectCountry.objects.all(), "country")),
        donor=_most_common(Allocation.objects.all(), "contribution__donor"),
        sizes={
            "projects": Project.objects.count(),
            "public_projects": Project.objects.filter(is_public=True).count(),
            "transactions": Transaction.objects.count(),
            "projects_with_results": len(with_results),
        },
        seconds={
            "portfolio": round(seeded_portfolio - started, 2),
            "results": round(seeded_results - seeded_portfolio, 2),
        },
    )


def _most_common(rows, key: str):
    """The value of `key` the most rows share: filters that select a large share of the table."""
    return rows.values(key).annotate(rows=Count("pk")).order_by("-rows", key).values_list(key, flat=True).first()


def _api_list(name: str, query=lambda seeded: {}):
    def prepare(seeded: Seeded) -> Prepared:
        client = Client()
        url = url_of(f"api:{name}-list")
        params = query(seeded)
        if params:
            url += "?" + urlencode(params)
        sizes = seeded.sizes
        note = f"{sizes['projects']:,} projects, {sizes['transactions']:,} transactions; {url}"
        return Prepared(lambda run: get_page(client, url, REMOTE_ADDR=_visitor(run)), note)

    return prepare


def _visitor(run: int) -> str:
    """Each run's own address: one visitor would be throttled after 60 requests a minute, while
    many keep the throttle's own work in the figures."""
    return f"10.{run // 65536 % 256}.{run // 256 % 256}.{run % 256}"


def _activity(seeded: Seeded) -> Prepared:
    client, url = Client(), url_of("opendata:activity", code=seeded.project_code)
    return Prepared(lambda run: get_page(client, url), f"{seeded.project_code}, with its results")


def _streamed(client: Client, url: str) -> int:
    return sum(len(piece) for piece in get_page(client, url).streaming_content)


def _activities_file(seeded: Seeded) -> Prepared:
    client, url = Client(), url_of("opendata:activities")
    tracemalloc.start()
    size = _streamed(client, url)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    note = (
        f"{seeded.sizes['public_projects']:,} public activities and the fund's, {size / 2**20:.0f} MB of XML; "
        f"peak Python memory while writing it {peak / 2**20:.1f} MB"
    )
    return Prepared(lambda run: _streamed(client, url), note)


API_LIST = Target(median_ms=100, constant_queries=True)

SCENARIOS = [
    Scenario("api_projects", "GET /api/v1/projects/ (page 1, anonymous)", _api_list("project"), API_LIST),
    Scenario(
        "api_projects_filtered",
        "GET /api/v1/projects/?window=…&country=…",
        _api_list("project", lambda s: {"window": s.window, "country": s.country}),
        API_LIST,
    ),
    Scenario("api_transactions", "GET /api/v1/transactions/ (page 1, anonymous)", _api_list("transaction"), API_LIST),
    Scenario(
        "api_transactions_filtered",
        "GET /api/v1/transactions/?donor=…&kind=3&date_after=…&ordering=-amount",
        _api_list(
            "transaction",
            lambda s: {"donor": s.donor, "kind": 3, "date_after": "2018-01-01", "ordering": "-amount"},
        ),
        API_LIST,
    ),
    Scenario(
        "iati_activity", "GET /iati/activities/<code>.xml", _activity, Target(median_ms=100, constant_queries=True)
    ),
    Scenario(
        "iati_activities",
        "GET /iati/activities.xml, streamed to the end",
        _activities_file,
        Target(constant_queries=True),
        runs=3,
        warmup=0,
    ),
]

SUITE = Suite(
    "opendata",
    "the API's lists and the IATI activity file on a portfolio with its ledger and results",
    seed=seed,
    scenarios=SCENARIOS,
    check=check,
)
