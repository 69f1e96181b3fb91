"""The scale suite of `manage.py bench --suite scale`: every page that grows with the portfolio, at ten times
the other suites' size.

It seeds (sizes are flags) 50,000 projects with about 1,000,000 transactions among 200 donors, 500,000
reported indicator values (every project reports on two indicators over five periods) and 50,000
applications, with COPY where rows need not be read back (`devtools/generators/bulk.py`), and says how long
each part took. Then it times, as the people who see them: the public home, project list (searched and
filtered, page 100) and project page, the results page; the dashboard and project list of the donor funding
the most projects and of the one funding the fewest; the admin's work queue and its project, transaction and
application lists, searched and filtered; the API's project and transaction lists; one project's IATI
activity and the whole IATI file, streamed; the PDF report of a donor funding 500 projects; approving a
progress report and recording a disbursement. For each it also times the floor (the slowest SELECT of the
last run, alone) and the process's peak resident memory.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, F, Min
from django.test import Client
from django.utils import timezone

from common.figures import portfolio_changed
from devtools.bench.donors import donors_by_projects
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
from donors import selectors as donor_selectors
from donors.models import DonorReport
from donors.services import render_report_pdf
from grants.filters import PublicProjectFilter
from grants.models import (
    AgreementStatus,
    Allocation,
    Application,
    ApplicationStatus,
    Contribution,
    FundingWindow,
    GrantAgreement,
    Project,
    ProjectStatus,
    ReleaseCondition,
    Tranche,
    Transaction,
    TransactionKind,
)
from grants.selectors import project_list
from grants.services import disbursement_record, project_publish, project_unpublish
from members.models import Organisation, OrganisationRole, Role, User
from members.roles import PROGRAMME_OFFICER, role_group
from results.models import ProgressReport, ReportedValue, ReportStatus
from results.services import report_approve

PROJECTS = 50_000
TRANSACTIONS_PER_PROJECT = 20  # 1,000,000 at 50,000 projects
VALUES_PER_PROJECT = 10  # 500,000
PROJECTS_PER_DONOR = 250  # 200 donors
PDF_PROJECTS = 500  # the donor report's projects
# Every project with results reports on one result's two indicators over five periods: ten values.
RESULT_SHAPE = {"results_per_project": 1, "indicators_per_result": 2, "periods": 5}
VALUES_PER_RESULTS_PROJECT = 10
SAMPLE = 20  # project pages read in turn
PAGE = 100  # the public project list's page, or its last if it has fewer
# The public list as a visitor narrows it: searched (every generated title says "Synthetic project …", so the
# search ranks thousands of matches) in the window with the most projects.
LIST_SEARCH = "synthetic"


@dataclass(frozen=True)
class Sizes:
    """What to seed, from the options: each size a flag, the others scaled from the projects."""

    projects: int
    transactions: int
    indicator_values: int
    donors: int
    applications: int

    @classmethod
    def of(cls, options: Options) -> Sizes:
        projects = options.size("projects", PROJECTS)
        return cls(
            projects=projects,
            transactions=options.size("transactions", projects * TRANSACTIONS_PER_PROJECT),
            indicator_values=options.size("indicator_values", projects * VALUES_PER_PROJECT),
            donors=options.size("donors", max(2, projects // PROJECTS_PER_DONOR)),
            applications=options.size("applications", projects),
        )

    def payments_per_tranche(self) -> tuple[int, int]:
        """Disbursements per tranche that give about `transactions`: a project has a commitment, an expenditure
        and three tranches, of which about 2.5 are paid by the time it is seeded (measured on the generator)."""
        per_tranche = max(1.0, (self.transactions / self.projects - 2) / 2.5)
        fewest = max(1, math.floor(per_tranche) - 2)
        return fewest, max(fewest, round(2 * per_tranche) - fewest)


@dataclass(frozen=True)
class Seeded:
    """What the scenarios work on."""

    projects: list[str]  # codes of public projects with results, read in turn
    list_page: int
    list_filters: dict[str, object]
    window: FundingWindow
    major: Organisation
    small: Organisation
    major_user: User
    small_user: User
    staff: User
    reviewer: User
    report: DonorReport  # the PDF donor's, on a period covering every transaction
    pdf_projects: int
    reports_to_approve: list[int]
    reports_needed: int  # one a run: an approved report cannot be approved again
    tranche: int | None  # a tranche with money left to pay, for recording disbursements
    sizes: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def check(options: Options) -> None:
    sizes = Sizes.of(options)
    if sizes.projects < 10:
        raise ValueError("--projects must be at least 10 for the scale suite.")
    if sizes.donors < 2 or sizes.donors > sizes.projects:
        raise ValueError(
            "--donors must be at least 2 and at most --projects: the suite compares a major and a small donor."
        )
    if sizes.transactions < 3 * sizes.projects:
        raise ValueError("--transactions must be at least 3 a project: a commitment, a payment, an expenditure.")
    if sizes.applications < 1 or sizes.indicator_values < VALUES_PER_RESULTS_PROJECT:
        raise ValueError(f"--applications must be at least 1 and --indicator-values {VALUES_PER_RESULTS_PROJECT}.")


def _reports_to_keep(options: Options) -> int:
    return options.runs + options.warmup


def seed(options: Options) -> Seeded:
    sizes = Sizes.of(options)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    generate_portfolio(
        projects=sizes.projects,
        seed=options.seed,
        payments_per_tranche=sizes.payments_per_tranche(),
        donors=sizes.donors,
    )
    seconds["portfolio"] = _since(started)

    started = time.perf_counter()
    today = timezone.localdate()
    with_results = min(sizes.projects, math.ceil(sizes.indicator_values / VALUES_PER_RESULTS_PROJECT))
    last = list(Project.objects.order_by("code").values_list("code", flat=True)[:with_results])[-1]
    # Projects whose periods have all ended leave their reports submitted: one is approved each run.
    ended = Project.objects.filter(code__lte=last, end_date__lt=today).order_by("-code")
    queued = list(ended.values_list("code", flat=True)[: math.ceil(_reports_to_keep(options) / 5) + 1])
    reporting = Project.objects.filter(code__lte=last).exclude(code__in=queued)
    generate_results(projects=reporting, seed=options.seed, today=today, **RESULT_SHAPE)
    generate_results(
        projects=Project.objects.filter(code__in=queued), seed=options.seed, approve=False, today=today, **RESULT_SHAPE
    )
    seconds["results"] = _since(started)

    started = time.perf_counter()
    generate_applications(count=sizes.applications, seed=options.seed)
    seconds["applications"] = _since(started)

    started = time.perf_counter()
    major, small = _major_and_small()
    _top_up_pdf_donor(exclude=[major.pk, small.pk], wanted=min(PDF_PROJECTS, sizes.projects))
    seconds["the scenarios' own rows"] = _since(started)
    started = time.perf_counter()
    analyze()
    seconds["analyze"] = _since(started)
    return describe(options, seconds=seconds)


def describe(options: Options, *, seconds: dict[str, float] | None = None) -> Seeded:
    """What the scenarios work on, read from a seeded database: after `seed`, or from the database a run with
    --keep-database left. The few rows of the scenarios' own (users, the PDF's report) are made once."""
    sizes = Sizes.of(options)
    today = timezone.localdate()
    major, small = _major_and_small()
    pdf_donor, pdf_projects = _pdf_donor(exclude=[major.pk, small.pk], wanted=min(PDF_PROJECTS, sizes.projects))
    first = Transaction.objects.aggregate(first=Min("value_date"))["first"] or today
    public = Project.objects.filter(is_public=True)
    reviewer, _ = User.objects.get_or_create(email="bench-scale-reviewer@example.org", defaults={"is_staff": True})
    reviewer.groups.add(role_group(PROGRAMME_OFFICER))
    staff = User.objects.filter(email="bench-scale-staff@example.org").first() or User.objects.create_superuser(
        email="bench-scale-staff@example.org", password=None
    )
    submitted = ProgressReport.objects.filter(status=ReportStatus.SUBMITTED).order_by(
        "project__code", "period__start_date"
    )
    window = public.values("facility__window").annotate(rows=Count("pk")).order_by("-rows", "facility__window").first()
    list_filters = {"q": LIST_SEARCH, "window": window["facility__window"]}
    listed = PublicProjectFilter(list_filters, queryset=project_list()).qs
    with_results = public.filter(results__isnull=False).distinct()
    report, _ = DonorReport.objects.get_or_create(donor=pdf_donor, period_start=first, period_end=max(first, today))
    return Seeded(
        projects=_sample(with_results),
        list_page=min(PAGE, max(1, math.ceil(listed.count() / 25))),
        list_filters=list_filters,
        window=FundingWindow.objects.get(pk=window["facility__window"]),
        major=major,
        small=small,
        major_user=_donor_user(major, "bench-scale-major@example.org"),
        small_user=_donor_user(small, "bench-scale-small@example.org"),
        staff=staff,
        reviewer=reviewer,
        report=report,
        pdf_projects=pdf_projects,
        reports_to_approve=list(submitted.values_list("pk", flat=True)[: _reports_to_keep(options)]),
        reports_needed=_reports_to_keep(options),
        tranche=_tranche_to_pay(today),
        sizes={
            "projects": Project.objects.count(),
            "transactions": Transaction.objects.count(),
            "indicator_values": ReportedValue.objects.count(),
            "donors": Contribution.objects.values("donor").distinct().count(),
            "applications": Application.objects.count(),
            "major_donor_projects": donor_selectors.funded_projects(major).count(),
            "small_donor_projects": donor_selectors.funded_projects(small).count(),
            "pdf_donor_projects": pdf_projects,
        },
        seconds={**seconds, "total": round(sum(seconds.values()), 2)} if seconds else {},
    )


def _sample(projects) -> list[str]:
    """SAMPLE codes spread over the projects."""
    codes = list(projects.order_by("code").values_list("code", flat=True))
    return codes[:: max(1, len(codes) // SAMPLE)][:SAMPLE]


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 2)


def _major_and_small() -> tuple[Organisation, Organisation]:
    funders = donors_by_projects()
    return (
        Organisation.objects.get(pk=funders[0]["contribution__donor"]),
        Organisation.objects.get(pk=funders[-1]["contribution__donor"]),
    )


def _pdf_donor(*, exclude: list[int], wanted: int) -> tuple[Organisation, int]:
    """The donor funding the number of projects nearest to `wanted` (after `_top_up_pdf_donor`, `wanted`), and
    that number."""
    every = Allocation.objects.values("contribution__donor").annotate(projects=Count("project", distinct=True))
    # Another donor than the two whose dashboards are timed, unless there are only those two.
    funders = [row for row in every if row["contribution__donor"] not in exclude] or list(every)
    chosen = min(funders, key=lambda row: (abs(row["projects"] - wanted), row["contribution__donor"]))
    return Organisation.objects.get(pk=chosen["contribution__donor"]), chosen["projects"]


def _top_up_pdf_donor(*, exclude: list[int], wanted: int) -> None:
    """The PDF's donor topped up to `wanted` projects by small allocations from its largest contribution to
    projects it does not fund yet."""
    donor, funding = _pdf_donor(exclude=exclude, wanted=wanted)
    missing = wanted - funding
    if missing <= 0:
        return
    contribution = Contribution.objects.filter(donor=donor).order_by("-amount", "pk").first()
    funded = donor_selectors.funded_projects(donor).values("pk")
    projects = list(Project.objects.exclude(pk__in=funded).order_by("code")[:missing])
    amount = Decimal("1.00")
    Allocation.objects.bulk_create(
        [
            Allocation(contribution=contribution, project=project, amount=amount, allocated_on=project.start_date)
            for project in projects
        ]
    )
    # The agreement grows by what is added, so that it is never allocated beyond its amount.
    added = amount * len(projects)
    Contribution.objects.filter(pk=contribution.pk).update(
        amount=F("amount") + added, allocated_total=F("allocated_total") + added
    )


def _tranche_to_pay(today) -> int | None:
    """A tranche whose condition is met with money left to pay, its agreement signed by both sides."""
    tranche = (
        Tranche.objects.filter(planned_date__lt=today, amount__gt=F("disbursed_total") + 1000)
        .filter(condition_kind=ReleaseCondition.NONE)
        .order_by("agreement__project__code", "number")
        .first()
    )
    if tranche is None:
        return None
    GrantAgreement.objects.filter(pk=tranche.agreement_id).update(status=AgreementStatus.SIGNED)
    return tranche.pk


def _donor_user(donor: Organisation, email: str) -> User:
    user = User.objects.filter(email=email).first() or User.objects.create_user(email=email, password=None)
    OrganisationRole.objects.get_or_create(user=user, organisation=donor, role=Role.DONOR)
    return user


def _client(user: User | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _page(url: str | callable, *, as_user=None, note=lambda seeded: "", forgotten=False, after=None, **request):
    """A GET timed as the user `as_user(seeded)` picks (anonymous when None); `forgotten`: each run after a change
    to the portfolio, so that the figures the page keeps (common/figures.py) are computed again; `after(seeded)`:
    what each run does first, untimed, given the run's number."""

    def prepare(seeded: Seeded) -> Prepared:
        client = _client(as_user(seeded) if as_user else None)
        address = url(seeded) if callable(url) else url

        def run(number: int):
            if forgotten:
                portfolio_changed()
            return get_page(client, address, **request)

        return Prepared(run, note(seeded), before=after(seeded) if after else None)

    return prepare


def _query(name: str, params=lambda seeded: {}, **kwargs):
    def url(seeded: Seeded) -> str:
        address = url_of(name, **{key: value(seeded) for key, value in kwargs.items()})
        query = params(seeded)
        return f"{address}?{urlencode(query)}" if query else address

    return url


def _project_page(seeded: Seeded) -> Prepared:
    client = Client()
    urls = [url_of("grants:project-detail", code=code) for code in seeded.projects]
    if not urls:
        raise Unavailable("no public project with results")
    return Prepared(lambda run: get_page(client, urls[run % len(urls)]), f"{len(urls)} projects in turn")


def _api(name: str):
    def prepare(seeded: Seeded) -> Prepared:
        client, url = Client(), url_of(f"api:{name}-list")
        # Each run from an address of its own, so that the anonymous throttle never answers 429.
        return Prepared(
            lambda run: get_page(client, url, REMOTE_ADDR=f"10.{run // 65536 % 256}.{run // 256 % 256}.{run % 256}")
        )

    return prepare


def _streamed(client: Client, url: str) -> int:
    return sum(len(piece) for piece in get_page(client, url).streaming_content)


def _activities_file(seeded: Seeded) -> Prepared:
    client, url = Client(), url_of("opendata:activities")
    return Prepared(
        lambda run: _streamed(client, url),
        f"{seeded.sizes['projects']:,} activities",
        outcome=lambda size: f"{size / 2**20:.0f} MB of XML",
    )


def _report_pdf(seeded: Seeded) -> Prepared:
    report = seeded.report
    return Prepared(
        lambda run: render_report_pdf(report),
        f"{seeded.report.donor.name}, {seeded.pdf_projects:,} projects",
        outcome=lambda made: f"{made[1]:,} pages, {len(made[0]) / 2**20:.1f} MB",
    )


def _report_approve(seeded: Seeded) -> Prepared:
    reports = ProgressReport.objects.in_bulk(seeded.reports_to_approve)
    queue = [reports[pk] for pk in seeded.reports_to_approve]
    if len(queue) < seeded.reports_needed:
        # Each run of a kept database (--keep-database) approves some: seeding again makes more.
        raise Unavailable(f"{len(queue)} submitted reports left to approve, {seeded.reports_needed} needed")
    return Prepared(
        lambda run: report_approve(report=queue[run % len(queue)], user=seeded.reviewer),
        f"a different submitted report each run, {len(queue)} in all",
    )


def _paying(seeded: Seeded, reference: str) -> tuple[callable, str]:
    """`(pay, described)`: `pay(run)` records a disbursement of 1.00 on the seeded tranche, referenced `reference`
    and the run's number."""
    if seeded.tranche is None:
        raise Unavailable("no tranche has money left to pay")
    tranche = Tranche.objects.select_related("agreement__project").get(pk=seeded.tranche)
    project, today = tranche.agreement.project, timezone.localdate()

    def pay(run: int):
        return disbursement_record(
            project=project, tranche=tranche, amount=Decimal("1.00"), value_date=today, reference=f"{reference}{run}"
        )

    return pay, f"1.00 {project.currency} on {project.code}, tranche {tranche.number}"


def _disbursement(seeded: Seeded) -> Prepared:
    return Prepared(*_paying(seeded, "BENCH-"))


def _payments(seeded: Seeded):
    """Records a disbursement the admin's ledger search meets, each run: staff working the list while payments
    are made."""
    return _paying(seeded, "BENCH-P2-")[0]


def _publishing(seeded: Seeded):
    """Withdraws a project from the public and publishes it again, each run, through the services: a change of
    columns the ledger's list does not read."""
    project = Project.objects.get(code=seeded.projects[0])

    def republish(run: int):
        project_unpublish(project=project, user=seeded.staff)
        return project_publish(project=project, user=seeded.staff)

    return republish


def _donor(which: str):
    return lambda seeded: getattr(seeded, which).pk


def _donor_user_of(which: str):
    return lambda seeded: getattr(seeded, f"{which}_user")


def _donor_note(which: str):
    return lambda seeded: f"{getattr(seeded, which).name}, {seeded.sizes[f'{which}_donor_projects']:,} projects"


def _staff(seeded: Seeded) -> User:
    return seeded.staff


# The targets at full size on two cores: a page's 95th percentile under 300 ms and its median within 3x its
# floor, the same queries on every run; the streamed file's memory flat; the PDF under 30 s; a write under 50 ms.
A_PAGE = Target(p95_ms=300, constant_queries=True, floor_ratio=3)
STREAMED = Target(constant_queries=True, max_memory_growth_mb=100)
REPORT = Target(p95_ms=30_000)
WRITE = Target(p95_ms=50, constant_queries=True)

SCENARIOS: list[Scenario] = [
    Scenario("home", "GET / (public home, its figures kept)", _page("/"), target=A_PAGE),
    Scenario("home_after_change", "GET / after the portfolio changed", _page("/", forgotten=True), target=A_PAGE),
    Scenario(
        "project_list",
        "GET /projects/?q=synthetic&window=…&page=100 (the public list searched and filtered)",
        _page(
            _query("grants:project-list", lambda seeded: {**seeded.list_filters, "page": seeded.list_page}),
            note=lambda seeded: f"page {seeded.list_page}",
        ),
        target=A_PAGE,
    ),
    Scenario("project_page", "GET /projects/<code>/ (public project page)", _project_page, target=A_PAGE),
    Scenario("results_page", "GET /results/ (its figures kept)", _page(_query("results:portfolio")), target=A_PAGE),
    Scenario(
        "results_page_after_change",
        "GET /results/ after the portfolio changed",
        _page(_query("results:portfolio"), forgotten=True),
        target=A_PAGE,
    ),
    *[
        Scenario(
            f"donor_{page}_{which}",
            f"GET {path} as the donor funding the {'most' if which == 'major' else 'fewest'} projects",
            _page(
                _query(f"donors:{url_name}", pk=_donor(which)),
                as_user=_donor_user_of(which),
                note=_donor_note(which),
            ),
            target=A_PAGE,
        )
        for page, url_name, path in [
            ("dashboard", "dashboard", "/donors/<pk>/"),
            ("projects", "project-list", "/donors/<pk>/projects/"),
        ]
        for which in ("major", "small")
    ],
    Scenario(
        "admin_work_queue",
        "GET /admin/ (the work queue, as a superuser)",
        _page("/admin/", as_user=_staff),
        target=A_PAGE,
    ),
    Scenario(
        "admin_projects",
        "GET /admin/grants/project/?q=…&status=…&window=…",
        _page(
            _query(
                "admin:grants_project_changelist",
                lambda seeded: {
                    "q": "Synthetic project 12",
                    "status__exact": ProjectStatus.IMPLEMENTATION,
                    "facility__window__id__exact": seeded.window.pk,
                },
            ),
            as_user=_staff,
        ),
        target=A_PAGE,
    ),
    *[
        Scenario(
            f"admin_transactions{suffix}",
            f"GET /admin/grants/transaction/?q=…&kind=…&window=…{described}",
            _page(
                _query(
                    "admin:grants_transaction_changelist",
                    lambda seeded: {
                        "q": "-P2-",
                        "kind__exact": TransactionKind.DISBURSEMENT,
                        "project__facility__window__id__exact": seeded.window.pk,
                    },
                ),
                as_user=_staff,
                forgotten=forgotten,
                after=after,
            ),
            target=A_PAGE,
        )
        # Its count and totals are kept: also timed after a payment was recorded, when they are brought up to date
        # (common/appended_sums.py), after a project was published, which writes no column they read, and after a
        # change the figures cannot place (a whole row saved, a write around the signals), when they are read again
        # in full.
        for suffix, described, forgotten, after in [
            ("", "", False, None),
            ("_after_payment", " after a disbursement was recorded", False, _payments),
            ("_after_publishing", " after a project was withdrawn and published again", False, _publishing),
            ("_after_change", " after a change the figures cannot place", True, None),
        ]
    ],
    Scenario(
        "admin_applications",
        "GET /admin/grants/application/?q=…&status=…",
        _page(
            _query(
                "admin:grants_application_changelist",
                lambda seeded: {"q": "Synthetic application 1", "status__exact": ApplicationStatus.SUBMITTED},
            ),
            as_user=_staff,
        ),
        target=A_PAGE,
    ),
    Scenario("api_projects", "GET /api/v1/projects/ (page 1, anonymous)", _api("project"), target=A_PAGE),
    Scenario("api_transactions", "GET /api/v1/transactions/ (page 1, anonymous)", _api("transaction"), target=A_PAGE),
    Scenario(
        "iati_activity",
        "GET /iati/activities/<code>.xml (a project with results)",
        _page(
            _query("opendata:activity", code=lambda seeded: seeded.projects[0]), note=lambda seeded: seeded.projects[0]
        ),
        target=A_PAGE,
    ),
    # The whole file takes minutes at full size: one run says enough.
    Scenario(
        "iati_file", "GET /iati/activities.xml, streamed to the end", _activities_file, STREAMED, runs=1, warmup=0
    ),
    Scenario(
        "donor_report_pdf",
        "render_report_pdf(): a donor's report on 500 projects",
        _report_pdf,
        REPORT,
        runs=2,
        warmup=0,
    ),
    Scenario("report_approve", "report_approve(): approving a submitted progress report", _report_approve, WRITE),
    Scenario("disbursement_record", "disbursement_record(): recording a disbursement", _disbursement, WRITE),
]

SUITE = Suite(
    "scale",
    "50,000 projects, 1,000,000 transactions, 500,000 indicator values, 200 donors and 50,000 applications "
    "(or the sizes given)",
    seed=seed,
    describe=describe,
    scenarios=SCENARIOS,
    check=check,
    floors=True,
)
