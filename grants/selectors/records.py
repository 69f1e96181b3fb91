"""The staff's record of a project or a contribution: everything about it on one page, in a constant number of
queries however many tranches, transactions, allocations, receipts or changes it has."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.charts import StackedBar, stacked_bar
from common.money import format_money, quantize

from ..currency import RateTable
from ..models import (
    RECORDED_CONDITIONS,
    Allocation,
    Application,
    Contribution,
    GrantAgreement,
    PledgeInstalment,
    Project,
    ProjectPartner,
    Tranche,
    TrancheStatus,
    Transaction,
    TransactionKind,
)
from .calls import ApplicationScores, application_scores
from .history import HistorySource, TimelineEntry, timeline
from .ledger import AllocationWeights, ContributionFigures, contribution_figures

ZERO = Decimal(0)


def _admin_url(record, view: str = "change") -> str:
    opts = record._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[record.pk])


# A project


@dataclass(frozen=True)
class TrancheRow:
    """A tranche with the payments against it, its status today and the acts it waits for."""

    tranche: Tranche
    payments: list[Transaction]
    status: str

    @property
    def status_label(self) -> str:
        return TrancheStatus(self.status).label

    @property
    def payable(self) -> bool:
        return self.status in {TrancheStatus.DUE, TrancheStatus.PARTLY_PAID}

    @property
    def awaits_condition(self) -> bool:
        """A condition people record (a report, a document) that is not recorded yet; a date condition meets
        itself on its date."""
        return self.tranche.condition_kind in RECORDED_CONDITIONS and self.tranche.condition_met_on is None


@dataclass(frozen=True)
class FunderShare:
    """A funder's part of the project's money, in the project's currency; `allocation` None is the part no
    allocation covers, paid from the fund's unearmarked resources."""

    allocation: Allocation | None
    share: Decimal | None
    committed: Decimal | None
    disbursed: Decimal | None
    spent: Decimal | None

    @property
    def balance(self) -> Decimal | None:
        return None if self.share is None else self.committed - self.disbursed


@dataclass(frozen=True)
class ProjectRecord:
    project: Project
    agreement: GrantAgreement | None
    tranches: list[TrancheRow]
    transactions: list[Transaction]
    funders: list[FunderShare]
    missing_rates: list[str]
    application: Application | None
    scores: ApplicationScores | None
    timeline: list[TimelineEntry]
    bars: list[StackedBar]
    today: dt.date

    @property
    def currency(self) -> str:
        return self.project.currency

    @property
    def budget(self) -> Decimal:
        return self.project.approved_budget

    @property
    def committed(self) -> Decimal:
        return self.project.committed_total

    @property
    def disbursed(self) -> Decimal:
        return self.project.disbursed_total

    @property
    def spent(self) -> Decimal:
        return self.project.spent_total

    @property
    def balance(self) -> Decimal:
        """Committed and not yet paid."""
        return self.committed - self.disbursed

    @property
    def uncommitted(self) -> Decimal:
        return self.budget - self.committed


def project_record(project: Project) -> ProjectRecord:
    """Everything about one project for the secretariat, in a constant number of queries whatever its size
    (tests/grants/test_project_record.py counts them)."""
    partners = ProjectPartner.objects.select_related("organisation").order_by("role", "organisation__name")
    project = (
        Project.objects.select_related(
            "facility__window", "agreement__grantee", "application__call", "application__organisation"
        )
        .prefetch_related("themes", "cities", "countries", Prefetch("partners", queryset=partners))
        .get(pk=project.pk)
    )
    agreement = project.agreement if _has(project, "agreement") else None
    application = project.application if _has(project, "application") else None
    allocations = list(
        Allocation.objects.filter(project=project).select_related("contribution__donor").order_by("allocated_on", "pk")
    )
    transactions = list(
        Transaction.objects.filter(project=project)
        .select_related("provider", "receiver", "tranche", "recorded_by", "reverses", "reversed_by")
        .order_by("-value_date", "-pk")
    )
    payments: dict[int, list[Transaction]] = defaultdict(list)
    for row in reversed(transactions):
        if row.tranche_id:
            payments[row.tranche_id].append(row)
    today = timezone.localdate()
    tranches = [
        TrancheRow(tranche, payments[tranche.pk], tranche.status_on(today))
        # A report of the results app may release a tranche (its reverse one-to-one): read with the tranche.
        for tranche in (agreement.tranches.select_related("releasing_period").order_by("number") if agreement else [])
    ]
    funders, missing = _funders(project, allocations)
    return ProjectRecord(
        project=project,
        agreement=agreement,
        tranches=tranches,
        transactions=transactions,
        funders=funders,
        missing_rates=missing,
        application=application,
        scores=application_scores(application) if application else None,
        timeline=_project_timeline(project, agreement, allocations),
        bars=_project_bars(project),
        today=today,
    )


def _has(project: Project, relation: str) -> bool:
    """Whether a reverse one-to-one read with select_related holds a row (asking costs no query)."""
    try:
        getattr(project, relation)
    except ObjectDoesNotExist:
        return False
    return True


def _funders(project: Project, allocations: list[Allocation]) -> tuple[list[FunderShare], list[str]]:
    """Each allocation's share of the project's money, as contribution figures attribute it; the rows add
    up to the project's totals, the last row taking the cents that rounding leaves."""
    if not allocations:
        return [], []
    currencies = {project.currency} | {allocation.contribution.currency for allocation in allocations}
    table = RateTable.load(quote=settings.REPORTING_CURRENCY, currencies=currencies)
    weights = AllocationWeights.of(
        [(a.pk, project.pk, a.amount, a.contribution.currency, a.allocated_on) for a in allocations], table
    )
    shares = [weights.share(allocation.pk, project) for allocation in allocations]
    if any(share is None for share, _lacking in shares):
        missing = sorted(set().union(*(lacking for _share, lacking in shares)))
        return [FunderShare(allocation, None, None, None, None) for allocation in allocations], missing
    unearmarked = Decimal(1) - sum((share for share, _lacking in shares), ZERO)
    rows: list[tuple[Allocation | None, Decimal]] = [
        (a, share) for a, (share, _lacking) in zip(allocations, shares, strict=True)
    ]
    if quantize(unearmarked * 100) > 0:
        rows.append((None, unearmarked))
    totals = (project.committed_total, project.disbursed_total, project.spent_total)
    amounts = [[quantize(total * share) for total in totals] for _allocation, share in rows]
    for column, total in enumerate(totals):  # what rounding leaves goes to the last row
        amounts[-1][column] += total - sum(row[column] for row in amounts)
    return [
        FunderShare(allocation, share, *money) for (allocation, share), money in zip(rows, amounts, strict=True)
    ], []


def _project_bars(project: Project) -> list[StackedBar]:
    def text(amount: Decimal) -> str:
        return format_money(amount, project.currency, whole=True)

    budget, committed = project.approved_budget, project.committed_total
    disbursed, spent = project.disbursed_total, project.spent_total
    return [
        stacked_bar(
            _("Approved budget"),
            [
                (_("disbursed"), disbursed, "paid"),
                (_("committed, not yet disbursed"), committed - disbursed, "committed"),
                (_("not yet committed"), budget - committed, "free"),
            ],
            whole=budget,
            text=text,
        ),
        stacked_bar(
            _("Spent"),
            [(_("spent"), spent, "spent"), (_("rest of the budget"), budget - spent, "free")],
            whole=budget,
            text=text,
        ),
    ]


def _project_timeline(
    project: Project, agreement: GrantAgreement | None, allocations: list[Allocation]
) -> list[TimelineEntry]:
    currency = project.currency
    record_url = _admin_url(project, "record")
    funding = {allocation.contribution_id: allocation.contribution for allocation in allocations}
    sources = [
        HistorySource(
            Project.history.filter(id=project.pk),
            subject=lambda row: _("Project %(code)s") % {"code": row.code},
            url=lambda row: record_url,
            currency=lambda row: row.currency,
        ),
        HistorySource(
            Allocation.history.filter(project_id=project.pk),
            subject=lambda row: (
                _("Allocation from %(contribution)s")
                % {"contribution": funding[row.contribution_id].reference if row.contribution_id in funding else "—"}
            ),
            url=lambda row: reverse("admin:grants_allocation_change", args=[row.id]),
            exclude=("project", "contribution"),
            currency=lambda row: funding[row.contribution_id].currency if row.contribution_id in funding else None,
        ),
        HistorySource(
            Transaction.history.filter(project_id=project.pk),
            subject=_transaction_subject,
            url=lambda row: reverse("admin:grants_transaction_change", args=[row.id]),
            fields_on_create=False,
        ),
    ]
    if agreement is not None:
        sources += [
            HistorySource(
                GrantAgreement.history.filter(project_id=project.pk),
                subject=lambda row: _("Grant agreement %(reference)s") % {"reference": row.reference},
                url=lambda row: reverse("admin:grants_grantagreement_change", args=[row.id]),
                exclude=("project",),
                currency=lambda row: row.currency,
            ),
            HistorySource(
                Tranche.history.filter(agreement_id=agreement.pk),
                subject=lambda row: _("Tranche %(number)s") % {"number": row.number},
                url=lambda row: reverse("admin:grants_tranche_change", args=[row.id]),
                exclude=("agreement",),
                currency=lambda row: currency,
            ),
        ]
    return timeline(sources)


def _transaction_subject(row) -> str:
    kind = TransactionKind(row.kind).label
    money = format_money(row.amount, row.currency)
    reference = f" · {row.reference}" if row.reference else ""
    return f"{kind} {money} ({date_format(row.value_date)}){reference}"


# A contribution


class InstalmentState(models.TextChoices):
    RECEIVED = "received", gettext_lazy("Received")
    LATE = "late", gettext_lazy("Received late")
    OVERDUE = "overdue", gettext_lazy("Overdue")
    EXPECTED = "expected", gettext_lazy("Expected")


@dataclass(frozen=True)
class InstalmentLine:
    """An instalment of the pledge schedule against the receipts, taken in order: it is covered once the
    receipts add up to the instalments due until it."""

    instalment: PledgeInstalment
    due_to_date: Decimal  # this instalment and those before it
    received_by_due_date: Decimal
    covered_on: dt.date | None
    outstanding: Decimal  # of this instalment
    state: InstalmentState

    @property
    def state_label(self) -> str:
        return self.state.label


@dataclass(frozen=True)
class ReceiptLine:
    transaction: Transaction
    received_to_date: Decimal


@dataclass(frozen=True)
class ContributionRecord:
    contribution: Contribution
    figures: ContributionFigures
    schedule: list[InstalmentLine]
    receipts: list[ReceiptLine]
    timeline: list[TimelineEntry]
    bars: list[StackedBar]

    @property
    def currency(self) -> str:
        return self.contribution.currency

    @property
    def scheduled(self) -> Decimal:
        return sum((line.instalment.amount for line in self.schedule), ZERO)

    @property
    def unscheduled(self) -> Decimal:
        return self.contribution.amount - self.scheduled

    @property
    def to_receive(self) -> Decimal:
        return self.contribution.amount - self.contribution.received_total

    @property
    def allocated_balance(self) -> Decimal | None:
        """Allocated and not yet paid out to the projects through the allocations."""
        disbursed = self.figures.disbursed
        return None if disbursed is None else self.figures.allocated - disbursed


def contribution_record(contribution: Contribution) -> ContributionRecord:
    """Everything about one donor agreement for the secretariat, in a constant number of queries whatever
    its size."""
    contribution = (
        Contribution.objects.select_related("donor", "contract_partner", "earmarked_window", "earmarked_facility")
        .prefetch_related("phases", "instalments")
        .get(pk=contribution.pk)
    )
    receipts = list(
        Transaction.objects.filter(contribution=contribution, kind=TransactionKind.INCOMING_FUNDS)
        .select_related("recorded_by", "reverses", "reversed_by")
        .order_by("value_date", "pk")
    )
    figures = contribution_figures([contribution])[0]
    today = timezone.localdate()
    lines, running = [], ZERO
    for row in receipts:
        running += row.amount
        lines.append(ReceiptLine(row, running))
    return ContributionRecord(
        contribution=contribution,
        figures=figures,
        schedule=_schedule(list(contribution.instalments.all()), lines, today),
        receipts=lines,
        timeline=_contribution_timeline(contribution, figures),
        bars=_contribution_bars(figures),
    )


def _schedule(instalments: list[PledgeInstalment], receipts: list[ReceiptLine], today: dt.date) -> list[InstalmentLine]:
    received = receipts[-1].received_to_date if receipts else ZERO
    lines, due_before = [], ZERO
    for instalment in sorted(instalments, key=lambda i: i.due_date):
        due_to_date = due_before + instalment.amount
        by_due_date = ZERO
        for receipt in receipts:
            if receipt.transaction.value_date > instalment.due_date:
                break
            by_due_date = receipt.received_to_date
        covered_on = next(
            (r.transaction.value_date for r in receipts if r.received_to_date >= due_to_date),
            None,
        )
        if covered_on is not None:
            state = InstalmentState.RECEIVED if covered_on <= instalment.due_date else InstalmentState.LATE
        else:
            state = InstalmentState.OVERDUE if instalment.due_date < today else InstalmentState.EXPECTED
        outstanding = due_to_date - min(max(received, due_before), due_to_date)
        lines.append(InstalmentLine(instalment, due_to_date, by_due_date, covered_on, outstanding, state))
        due_before = due_to_date
    return lines


def _contribution_bars(figures: ContributionFigures) -> list[StackedBar]:
    def text(amount: Decimal) -> str:
        return format_money(amount, figures.currency, whole=True)

    pledged, received, allocated = figures.pledged, figures.received, figures.allocated
    allocated_parts = [(_("not yet allocated"), pledged - allocated, "free")]
    if figures.disbursed is not None:
        allocated_parts[:0] = [
            (_("disbursed through its allocations"), figures.disbursed, "paid"),
            (_("allocated, not yet disbursed"), allocated - figures.disbursed, "committed"),
        ]
    else:
        allocated_parts.insert(0, (_("allocated"), allocated, "committed"))
    return [
        stacked_bar(
            _("Received"),
            [(_("received"), received, "paid"), (_("not yet received"), pledged - received, "free")],
            whole=pledged,
            text=text,
        ),
        stacked_bar(_("Allocated"), allocated_parts, whole=pledged, text=text),
    ]


def _contribution_timeline(contribution: Contribution, figures: ContributionFigures) -> list[TimelineEntry]:
    record_url = _admin_url(contribution, "record")
    currency = contribution.currency
    funded = {part.allocation.project_id: part.allocation.project.code for part in figures.allocations}
    return timeline(
        [
            HistorySource(
                Contribution.history.filter(id=contribution.pk),
                subject=lambda row: _("Contribution %(reference)s") % {"reference": row.reference},
                url=lambda row: record_url,
                currency=lambda row: row.currency,
            ),
            HistorySource(
                PledgeInstalment.history.filter(contribution_id=contribution.pk),
                subject=lambda row: _("Instalment due %(date)s") % {"date": date_format(row.due_date)},
                exclude=("contribution",),
                currency=lambda row: currency,
            ),
            HistorySource(
                Allocation.history.filter(contribution_id=contribution.pk),
                subject=lambda row: _("Allocation to %(project)s") % {"project": funded.get(row.project_id, "—")},
                url=lambda row: reverse("admin:grants_allocation_change", args=[row.id]),
                exclude=("contribution", "project"),
                currency=lambda row: currency,
            ),
            HistorySource(
                Transaction.history.filter(contribution_id=contribution.pk),
                subject=_transaction_subject,
                url=lambda row: reverse("admin:grants_transaction_change", args=[row.id]),
                fields_on_create=False,
            ),
        ]
    )
