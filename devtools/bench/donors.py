"""The donors suite of `manage.py bench`: a donor's pages and report, and the application lists, at size.

It seeds a portfolio of 5,000 projects (more than 100,000 transactions), results for every project
of the major donor (the one funding the most projects, about one in ten) and 5,000 applications to
one call. Then it times the donor dashboard for the major donor and for a donor funding few
projects (the same number of queries, whatever the donor funds), the donor's project list, the
donor report PDF on everything the major donor funds, the staff list of applications in the admin
and a partner's portal dashboard.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Min
from django.test import Client
from django.utils import timezone

from devtools.bench.harness import (
    Options,
    Prepared,
    Scenario,
    Suite,
    Target,
    Unavailable,
    analyze,
    get_page,
    url_of,
)
from devtools.generators.portfolio import generate_applications, generate_portfolio
from devtools.generators.results import generate_results
from donors import selectors, services
from donors.models import DonorReport
from grants.models import Allocation, Application, Contribution, FundingWindow, Project, Transaction
from members.models import Organisation, OrganisationRole, Role, User
from results.models import ReportedValue

logger = logging.getLogger(__name__)

# Disbursements per tranche: about 22 transactions a project, so that 5,000 projects make the
# 100,000 transactions the issue times the dashboard with.
PAYMENTS_PER_TRANCHE = (6, 10)
WANTED_TRANSACTIONS = 100_000
PAGE_ROWS = 25  # the donor's project list, a page
APPLICATIONS = 5000  # unless --applications says otherwise


@dataclass(frozen=True)
class Seeded:
    """What the scenarios work on."""

    major: Organisation  # the donor funding the most projects
    small: Organisation  # the donor funding the fewest
    major_user: User
    small_user: User
    staff: User
    partner: User  # the partner with the most applications
    report: DonorReport  # the major donor's, on a period covering every transaction
    window: FundingWindow | None  # the window most of the major donor's projects are in, for a filtered list
    sizes: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def check(options: Options) -> None:
    if options.donor_projects < 2:
        raise ValueError("--donor-projects must be at least 2: the suite compares a major and a small donor.")
    if options.size("applications", APPLICATIONS) < 1:
        raise ValueError("--applications must be at least 1.")


def _donor_user(donor: Organisation, email: str) -> User:
    user = User.objects.create_user(email=email, password=None)
    OrganisationRole.objects.create(user=user, organisation=donor, role=Role.DONOR)
    return user


def donors_by_projects() -> list[dict]:
    """Donors (`contribution__donor`) with the number of projects they fund (`projects`), the most first."""
    funders = list(
        Allocation.objects.values("contribution__donor")
        .annotate(projects=Count("project", distinct=True))
        .order_by("-projects", "contribution__donor")
    )
    if len(funders) < 2:
        raise ValueError("Fewer than two donors fund a project: seed more projects.")
    return funders


def seed(options: Options) -> Seeded:
    """A portfolio with its ledger, results for the major donor's projects, and applications to one call."""
    started = time.perf_counter()
    generate_portfolio(projects=options.donor_projects, seed=options.seed, payments_per_tranche=PAYMENTS_PER_TRANCHE)
    seeded_portfolio = time.perf_counter()
    funders = donors_by_projects()
    major = Organisation.objects.get(pk=funders[0]["contribution__donor"])
    small = Organisation.objects.get(pk=funders[-1]["contribution__donor"])
    generate_results(projects=selectors.funded_projects(major).order_by("code"), seed=options.seed)
    seeded_results = time.perf_counter()
    applications = generate_applications(count=options.size("applications", APPLICATIONS), seed=options.seed)
    seeded_applications = time.perf_counter()
    analyze()
    transactions = Transaction.objects.count()
    if options.donor_projects >= 5000 and transactions < WANTED_TRANSACTIONS:
        logger.warning("Only %s transactions; the dashboard's target is set at %s.", transactions, WANTED_TRANSACTIONS)

    today = timezone.localdate()
    first = Transaction.objects.aggregate(first=Min("value_date"))["first"] or today
    window = (
        selectors.funded_projects(major)
        .values("facility__window")
        .annotate(projects=Count("pk"))
        .order_by("-projects", "facility__window")
        .first()
    )
    return Seeded(
        major=major,
        small=small,
        major_user=_donor_user(major, "bench-major-donor@example.org"),
        small_user=_donor_user(small, "bench-small-donor@example.org"),
        staff=User.objects.create_superuser(email="bench-staff@example.org", password=None),
        partner=applications.busiest_partner,
        report=DonorReport.objects.create(donor=major, period_start=first, period_end=max(first, today)),
        window=FundingWindow.objects.get(pk=window["facility__window"]) if window else None,
        sizes={
            "projects": Project.objects.count(),
            "transactions": transactions,
            "contributions": Contribution.objects.count(),
            "allocations": Allocation.objects.count(),
            "major_donor_projects": funders[0]["projects"],
            "small_donor_projects": funders[-1]["projects"],
            "reported_values": ReportedValue.objects.count(),
            "applications": Application.objects.count(),
            "busiest_partner_applications": Application.objects.filter(
                organisation__user_roles__user=applications.busiest_partner
            ).count(),
        },
        seconds={
            "portfolio": round(seeded_portfolio - started, 2),
            "results": round(seeded_results - seeded_portfolio, 2),
            "applications": round(seeded_applications - seeded_results, 2),
        },
    )


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _dashboard(which: str):
    def prepare(seeded: Seeded) -> Prepared:
        donor, user = (seeded.major, seeded.major_user) if which == "major" else (seeded.small, seeded.small_user)
        client, url = _client(user), url_of("donors:dashboard", pk=donor.pk)
        projects = seeded.sizes[f"{which}_donor_projects"]
        return Prepared(lambda run: get_page(client, url), f"{donor.name}, projects funded: {projects:,}")

    return prepare


def _project_list(*, filtered: bool):
    def prepare(seeded: Seeded) -> Prepared:
        client, url = _client(seeded.major_user), url_of("donors:project-list", pk=seeded.major.pk)
        note = f"{seeded.sizes['major_donor_projects']:,} projects, page 1"
        if filtered:
            if seeded.window is None:
                raise Unavailable("the major donor funds no project")
            url += "?" + urlencode({"window": seeded.window.pk, "ordering": "-disbursed", "page": 2})
            note = f"window {seeded.window.name}, by disbursements, page 2"
        return Prepared(lambda run: get_page(client, url), note)

    return prepare


def _report_pdf(seeded: Seeded) -> Prepared:
    report = seeded.report
    return Prepared(
        lambda run: services.render_report_pdf(report),
        f"projects funded: {seeded.sizes['major_donor_projects']:,}, {report.period_start} to {report.period_end}",
        outcome=lambda made: f"{made[1]:,} pages, {len(made[0]) / 2**20:.1f} MB",
    )


def _staff_applications(seeded: Seeded) -> Prepared:
    client, url = _client(seeded.staff), url_of("admin:grants_application_changelist")
    return Prepared(lambda run: get_page(client, url), f"{seeded.sizes['applications']:,} applications")


def _partner_dashboard(seeded: Seeded) -> Prepared:
    client, url = _client(seeded.partner), url_of("grants:dashboard")
    return Prepared(lambda run: get_page(client, url), f"{seeded.sizes['busiest_partner_applications']:,} applications")


# What the issue asks of a donor's dashboard, its report and the application lists.
DASHBOARD = Target(p95_ms=300, constant_queries=True)
APPLICATION_LIST = Target(median_ms=50, max_queries=15)

SCENARIOS: list[Scenario] = [
    Scenario("donor_dashboard", "GET /donors/<pk>/ as the major donor", _dashboard("major"), DASHBOARD),
    Scenario(
        "donor_dashboard_small",
        "GET /donors/<pk>/ as a donor funding few projects",
        _dashboard("small"),
        Target(constant_queries=True, same_queries_as="donor_dashboard"),
    ),
    Scenario(
        "donor_projects",
        "GET /donors/<pk>/projects/ (the donor's project list)",
        _project_list(filtered=False),
        Target(constant_queries=True),
    ),
    Scenario(
        "donor_projects_filtered",
        "GET /donors/<pk>/projects/?window=…&ordering=…&page=2",
        _project_list(filtered=True),
        Target(constant_queries=True),
    ),
    # A whole report takes seconds: three runs say enough, and the first is a worker's first too.
    Scenario(
        "donor_report_pdf",
        "render_report_pdf(): the major donor's report, a page per funded project",
        _report_pdf,
        Target(median_ms=30_000),
        runs=3,
        warmup=0,
    ),
    Scenario(
        "staff_applications",
        "GET /admin/grants/application/ (the staff list of applications)",
        _staff_applications,
        APPLICATION_LIST,
    ),
    Scenario("partner_dashboard", "GET /portal/ as the busiest partner", _partner_dashboard, APPLICATION_LIST),
]

SUITE = Suite(
    "donors",
    "a portfolio with its ledger, the major donor's results and applications to one call",
    seed=seed,
    scenarios=SCENARIOS,
    check=check,
)
