"""The donor report PDF: what its pages show beyond the statement, arranged for print.

Presentation only. The figures come from `selectors.donor_statement`; this module adds what a
printed report needs on top: the period's totals for the summary, every exchange rate a figure
used (and what it was used for), chart geometry, and a page per funded project with its results.
It takes a few queries, and five for the results of all the funded projects together.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.charts import BarChart, bar_chart, compact
from common.images import data_uri
from common.money import format_money, quantize
from grants.currency import AppliedRate, MissingRate, RateTable
from grants.map_pages import drawn
from grants.models import Allocation, Contribution, Project, ProjectUpdate, Transaction, TransactionKind, UpdatePhoto
from grants.selectors import AllocationFigures, ContributionFigures
from grants.selectors.maps import MapFilter
from grants.selectors.updates import updates_on
from results.models import Outcome
from results.selectors import IndicatorProgress, ProjectResults, projects_results

from . import selectors
from .models import DonorReport
from .selectors import DonorStatement, ShareBreakdown, ShareRow, StatementLine

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
EN_DASH = "\u2013"
# A breakdown this short is kept on one page with its chart rather than split.
KEEP_ROWS = 10
# Beyond this many years, the year chart names every other year only, so labels never collide.
LABELLED_YEARS = 14
# Beyond this many uses of a kind, a rate's uses are counted rather than listed.
LISTED_USES = 3
USE_KINDS = {
    "pledge": (lambda: _("Pledge"), lambda n: ngettext("%(count)d pledge", "%(count)d pledges", n)),
    "allocation": (lambda: _("Allocation"), lambda n: ngettext("%(count)d allocation", "%(count)d allocations", n)),
    "attribution": (
        lambda: _("Attributed payments of"),
        lambda n: ngettext("Attributed payments of %(count)d project", "Attributed payments of %(count)d projects", n),
    ),
    "commitment": (lambda: _("Commitment of"), lambda n: ngettext("%(count)d commitment", "%(count)d commitments", n)),
    "receipt": (lambda: _("Receipt"), lambda n: ngettext("%(count)d receipt", "%(count)d receipts", n)),
    "payment": (
        lambda: _("Payment to"),
        lambda n: ngettext("%(count)d payment to projects", "%(count)d payments to projects", n),
    ),
}
# Projects listed one by one in the contents; more are listed, with their pages, in the projects' chapter.
CONTENTS_PROJECTS = 20
# The latest updates of the period the report shows, with their photos.
REPORT_UPDATES = 12


def _date(day: dt.date) -> str:
    return date_format(day)


def _sum(amounts: Iterable[Decimal | None]) -> Decimal | None:
    """The total of amounts in one currency, or None when one of them is unknown (a missing rate)."""
    amounts = list(amounts)
    return None if None in amounts else quantize(sum(amounts, ZERO))


@dataclass(frozen=True)
class ContributionRow:
    """An agreement in its own currency and in the reporting currency."""

    figures: ContributionFigures
    received_reporting: Decimal | None
    allocated_reporting: Decimal | None
    disbursed_reporting: Decimal | None

    @property
    def balance_reporting(self) -> Decimal | None:
        if self.received_reporting is None or self.disbursed_reporting is None:
            return None
        return self.received_reporting - self.disbursed_reporting


@dataclass(frozen=True)
class ReceiptRow:
    transaction: Transaction
    rate: AppliedRate | None
    reporting: Decimal | None


@dataclass(frozen=True)
class AllocationRow:
    allocation: Allocation
    contribution: Contribution
    reporting: Decimal | None
    share_percent: Decimal | None  # of the project's payments attributed to this allocation


@dataclass(frozen=True)
class PaymentRow:
    line: StatementLine
    share_percent: Decimal


@dataclass(frozen=True)
class RateUse:
    kind: str  # one of USE_KINDS
    codes: tuple[str, ...]  # the agreement or project references it concerns
    on: dt.date
    is_earlier: bool


@dataclass(frozen=True)
class RateUseGroup:
    """What a rate was used for: a few uses one by one, many of a kind counted over their dates.

    The references are kept apart so that the PDF never breaks a line inside one.
    """

    text: str
    codes: tuple[str, ...]
    dates: str
    is_earlier: bool


@dataclass
class RateRow:
    """One recorded rate and every figure of the report that used it."""

    currency: str
    quote: str
    rate: Decimal
    rate_date: dt.date
    source: str = ""
    legs: tuple[AppliedRate, ...] = ()  # the recorded rates a cross rate is made of
    uses: list[RateUse] = field(default_factory=list)

    @property
    def stood_in(self) -> bool:
        return any(use.is_earlier for use in self.uses)

    @property
    def groups(self) -> list[RateUseGroup]:
        groups = []
        for kind, (one, counted) in USE_KINDS.items():
            uses = sorted((use for use in self.uses if use.kind == kind), key=lambda use: (use.on, use.codes))
            if len(uses) <= LISTED_USES:
                groups += [RateUseGroup(one(), use.codes, _date(use.on), use.is_earlier) for use in uses]
            else:
                groups.append(
                    RateUseGroup(
                        counted(len(uses)) % {"count": len(uses)},
                        (),
                        f"{_date(uses[0].on)} {EN_DASH} {_date(uses[-1].on)}",
                        any(use.is_earlier for use in uses),
                    )
                )
        return groups


@dataclass(frozen=True)
class HBar:
    """One row of a horizontal chart: its label's lines, an allocated bar and, below it, a disbursed bar."""

    labels: list[tuple[float, str]]  # (baseline, text) of each line
    allocated_y: float
    disbursed_y: float
    allocated_width: float
    disbursed_width: float
    allocated_text: str
    disbursed_text: str
    allocated_text_x: float
    disbursed_text_x: float

    @property
    def allocated_text_y(self) -> float:
        return round(self.allocated_y + 8.5, 1)

    @property
    def disbursed_text_y(self) -> float:
        return round(self.disbursed_y + 8.5, 1)


@dataclass(frozen=True)
class HBarChart:
    width: int
    height: int
    left: float
    bars: list[HBar]
    bar_height: float

    @property
    def label_x(self) -> float:
        return self.left - 8


@dataclass(frozen=True)
class BreakdownSection:
    dimension: str
    breakdown: ShareBreakdown
    chart: HBarChart | BarChart
    vertical: bool
    hidden_rows: int  # rows in the table but not in the chart

    @property
    def keep_together(self) -> bool:
        return len(self.breakdown.rows) <= KEEP_ROWS


@dataclass(frozen=True)
class FunnelRow:
    """A step from pledge to projects, as a bar in proportion to the largest step."""

    label: str
    amount: Decimal | None
    width: Decimal  # percent of the track


@dataclass(frozen=True)
class ResultRow:
    progress: IndicatorProgress
    bar: Decimal  # the part of the target reached, 0 to 100, for the little bar


@dataclass(frozen=True)
class ResultGroup:
    outcome: Outcome
    rows: list[ResultRow]


@dataclass(frozen=True)
class ProjectPage:
    project: Project
    funding: list[AllocationRow]
    paid_in_period: StatementLine | None
    results: ProjectResults


@dataclass(frozen=True)
class ReportDocument:
    report: DonorReport
    statement: DonorStatement
    made_on: dt.date
    currency: str
    contributions: list[ContributionRow]
    received_in_period: Decimal | None
    allocated_in_period: Decimal | None
    receipts: list[ReceiptRow]
    allocations: list[AllocationRow]
    payments: list[PaymentRow]
    rates: list[RateRow]
    missing_rates: list[str]
    country_count: int
    funnel: list[FunnelRow]
    breakdowns: list[BreakdownSection]
    results: list[ResultGroup]
    projects: list[ProjectPage]

    @property
    def projects_in_contents(self) -> bool:
        return len(self.projects) <= CONTENTS_PROJECTS

    @property
    def has_rates_standing_in(self) -> bool:
        return any(row.stood_in for row in self.rates)


def hbar_chart(rows: list[ShareRow], *, width: int = 640) -> HBarChart:
    """Paired horizontal bars, allocated over disbursed, for rows with long labels (themes, countries).

    Labels wrap onto two lines at most; values are written at the end of each bar, so no axis is needed.
    """
    left, value_room, pitch, top, bar_height, line_height = 196.0, 60.0, 36.0, 4.0, 11.0, 12.5
    highest = max([max(row.allocated, row.disbursed) for row in rows] + [ZERO])
    room = width - left - value_room

    def length(value: Decimal) -> float:
        return round(room * float(value / highest), 1) if highest > 0 else 0.0

    bars = []
    for index, row in enumerate(rows):
        lines = textwrap.wrap(row.label, 30) or ["—"]
        if len(lines) > 2:
            lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), 30, placeholder="…")]
        y = top + pitch * index
        middle = y + bar_height + 1
        first = middle + 4 - line_height * (len(lines) - 1) / 2
        bars.append(
            HBar(
                labels=[(round(first + line_height * number, 1), line) for number, line in enumerate(lines)],
                allocated_y=round(y, 1),
                disbursed_y=round(y + bar_height + 2, 1),
                allocated_width=length(row.allocated),
                disbursed_width=length(row.disbursed),
                allocated_text=compact(row.allocated),
                disbursed_text=compact(row.disbursed),
                allocated_text_x=round(left + length(row.allocated) + 4, 1),
                disbursed_text_x=round(left + length(row.disbursed) + 4, 1),
            )
        )
    height = int(top + pitch * len(rows))
    return HBarChart(width=width, height=height, left=left, bars=bars, bar_height=bar_height)


def _breakdowns(statement: DonorStatement) -> list[BreakdownSection]:
    sections = []
    currency = statement.currency
    for dimension, breakdown in statement.figures.breakdowns.items():
        if not breakdown.rows:
            continue
        if dimension == "year":
            chart = bar_chart(
                _every_year(breakdown),
                text=lambda value: format_money(value, currency, whole=True),
                width=640,
                height=220,
            )
            sections.append(BreakdownSection(dimension, breakdown, chart, True, 0))
            continue
        shown = breakdown.charted
        chart = hbar_chart(shown)
        sections.append(BreakdownSection(dimension, breakdown, chart, False, len(breakdown.rows) - len(shown)))
    return sections


def _every_year(breakdown: ShareBreakdown) -> list[tuple[str, Decimal]]:
    """Payments per year with the quiet years in between, so the axis is a true time line."""
    paid = {int(row.label): row.disbursed for row in breakdown.rows}
    years = range(min(paid), max(paid) + 1)
    step = 1 if len(years) <= LABELLED_YEARS else 2
    return [(str(year) if (year - years[0]) % step == 0 else "", paid.get(year, ZERO)) for year in years]


def _funnel(statement: DonorStatement) -> list[FunnelRow]:
    totals = statement.figures.totals
    steps = [
        (_("Pledged"), totals.pledged),
        (_("Received"), totals.received),
        (_("Allocated to projects"), totals.allocated),
        (_("Disbursed, your share"), totals.disbursed),
    ]
    largest = max([amount for _label, amount in steps if amount is not None] + [ZERO])
    return [
        FunnelRow(label, amount, ZERO if not amount or not largest else (amount * HUNDRED / largest).quantize(ONE))
        for label, amount in steps
    ]


def _results(statement: DonorStatement) -> list[ResultGroup]:
    """Indicators with approved data or a portfolio target; the others say nothing to a donor."""
    groups = []
    for outcome in statement.results:
        rows = [
            ResultRow(progress, min(progress.percent or ZERO, HUNDRED))
            for progress in outcome.indicators
            if progress.has_data or progress.target is not None
        ]
        if rows:
            groups.append(ResultGroup(outcome.outcome, rows))
    return groups


def _rates(
    *,
    quote: str,
    contributions: list[ContributionFigures],
    receipts: list[tuple[str, dt.date, str, tuple[str, ...]]],
    payments: list[tuple[str, dt.date, str, tuple[str, ...]]],
) -> tuple[list[RateRow], list[str]]:
    """Every rate the report's figures used, found the way the selectors found it, with its uses.

    A need is (currency, date, kind, references).
    """
    needs: list[tuple[str, dt.date, str, tuple[str, ...]]] = []
    for item in contributions:
        contribution = item.contribution
        needs.append((contribution.currency, contribution.start_date, "pledge", (contribution.reference,)))
        for part in item.allocations:
            allocation, project = part.allocation, part.allocation.project
            needs += [
                (contribution.currency, allocation.allocated_on, "allocation", (contribution.reference, project.code)),
                (project.currency, allocation.allocated_on, "attribution", (project.code,)),
                (project.currency, project.start_date, "commitment", (project.code,)),
            ]
    needs += receipts + payments
    needs = [need for need in needs if need[0] != quote]
    table = RateTable.load(quote=quote, currencies={need[0] for need in needs})
    rows: dict[tuple, RateRow] = {}
    missing: set[str] = set()
    for currency, on, kind, codes in needs:
        try:
            applied = table.rate(currency, on)
        except MissingRate:
            missing.add(currency)
            continue
        row = rows.setdefault(
            applied.key,
            RateRow(currency, quote, applied.rate, applied.rate_date, applied.source, applied.legs),
        )
        use = RateUse(kind, codes, on, applied.is_earlier)
        if use not in row.uses:
            row.uses.append(use)
    return sorted(rows.values(), key=lambda row: (row.currency, row.rate_date, row.rate)), sorted(missing)


def report_document(
    report: DonorReport, statement: DonorStatement, *, made_on: dt.date | None = None
) -> ReportDocument:
    """Everything the report's templates show, from the donor's statement for the report's period."""
    quote = statement.currency
    figures = statement.figures
    contributions = {item.contribution.pk: item.contribution for item in figures.contributions}
    parts: dict[int, AllocationFigures] = {
        part.allocation.pk: part for item in figures.contributions for part in item.allocations
    }
    # As the donor's figures added them up: each contribution's receipts and its allocations' figures.
    contribution_rows = [
        ContributionRow(
            figures=item,
            received_reporting=figures.received_reporting[item.contribution.pk],
            allocated_reporting=figures.allocated_reporting[item.contribution.pk],
            disbursed_reporting=figures.disbursed_reporting[item.contribution.pk],
        )
        for item in figures.contributions
    ]

    table = RateTable.load(quote=quote, currencies={receipt.currency for receipt in statement.receipts})
    receipts = []
    for receipt in statement.receipts:
        try:
            applied = table.rate(receipt.currency, receipt.value_date)
        except MissingRate:
            applied = None
        reporting = None if receipt.rate is None else quantize(receipt.amount * receipt.rate)
        receipts.append(ReceiptRow(receipt, applied if receipt.rate is not None else None, reporting))

    def allocation_row(allocation: Allocation) -> AllocationRow:
        part = parts.get(allocation.pk)
        share = part.share if part is not None else None
        return AllocationRow(
            allocation=allocation,
            contribution=contributions.get(allocation.contribution_id, allocation.contribution),
            reporting=part.allocated_reporting if part is not None else None,
            share_percent=None if share is None else (share * HUNDRED).quantize(Decimal("0.1"), ROUND_HALF_UP),
        )

    allocations = [allocation_row(allocation) for allocation in statement.allocations]

    all_receipts = Transaction.objects.filter(
        contribution_id__in=list(contributions), kind=TransactionKind.INCOMING_FUNDS
    ).values_list("currency", "value_date", "reference", "contribution__reference")
    paid = Transaction.objects.filter(
        project_id__in=[line.project.pk for line in statement.lines],
        kind=TransactionKind.DISBURSEMENT,
        value_date__range=(statement.period_start, statement.period_end),
    ).values_list("currency", "value_date", "project__code")
    rates, missing = _rates(
        quote=quote,
        contributions=figures.contributions,
        receipts=[
            (currency, on, "receipt", (reference or contribution,))
            for currency, on, reference, contribution in all_receipts
        ],
        payments=[(currency, on, "payment", (code,)) for currency, on, code in paid],
    )

    lines = {line.project.pk: line for line in statement.lines}
    results = projects_results(statement.projects)
    projects = [
        ProjectPage(
            project=project,
            funding=[allocation_row(allocation) for allocation in project.donor_allocations],
            paid_in_period=lines.get(project.pk),
            results=results[project.pk],
        )
        for project in statement.projects
    ]
    countries = {share.country.code for project in statement.projects for share in project.countries.all()}
    return ReportDocument(
        report=report,
        statement=statement,
        made_on=made_on or timezone.localdate(),
        currency=quote,
        contributions=contribution_rows,
        received_in_period=_sum(row.reporting for row in receipts),
        allocated_in_period=_sum(row.reporting for row in allocations),
        receipts=receipts,
        allocations=allocations,
        payments=[
            PaymentRow(line, (line.share * HUNDRED).quantize(Decimal("0.1"), ROUND_HALF_UP)) for line in statement.lines
        ],
        rates=rates,
        missing_rates=sorted(set(missing) | set(figures.missing_rates) | set(statement.missing_rates)),
        country_count=len(countries),
        funnel=_funnel(statement),
        breakdowns=_breakdowns(statement),
        results=_results(statement),
        projects=projects,
    )


@dataclass(frozen=True)
class UpdatePhotoInline:
    src: str  # a data: URI: the PDF fetches nothing
    caption: str


@dataclass(frozen=True)
class UpdateEntry:
    update: ProjectUpdate
    photos: list[UpdatePhotoInline]


def _thumbnail(photo: UpdatePhoto) -> UpdatePhotoInline | None:
    try:
        with photo.thumbnail.open("rb") as handle:
            return UpdatePhotoInline(src=data_uri(handle.read()), caption=photo.caption)
    except (FileNotFoundError, OSError):
        return None  # a file the storage lost: the update is still told, without it


def report_updates(statement: DonorStatement) -> list[UpdateEntry]:
    """The updates partners published on the funded projects during the report's period, with their thumbnails
    inlined; three queries, and one read of the storage per photo."""
    projects = Project.objects.filter(pk__in=[project.pk for project in statement.projects])
    updates = updates_on(projects, REPORT_UPDATES, start=statement.period_start, end=statement.period_end)
    return [
        UpdateEntry(update, [inline for inline in map(_thumbnail, update.photos.all()) if inline is not None])
        for update in updates
    ]


def report_context(report: DonorReport, statement: DonorStatement) -> dict:
    """The context of `donors/pdf/report.html`."""
    money = selectors.donor_map(statement.donor, MapFilter())  # to date, as the other breakdowns
    return {
        "report": report,
        "statement": statement,
        "doc": report_document(report, statement),
        "updates": report_updates(statement),
        "money_map": money,
        "drawing": drawn(money),
    }
