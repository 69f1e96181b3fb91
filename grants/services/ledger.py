"""Every change to the ledger: one database transaction each, refused with a clear message.

Money rows lock their parent (`select_for_update`) before checking a total, so concurrent
requests are serialised and exactly the ones that fit are recorded; check constraints on the
running totals make the database refuse anything that slips past.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import DomainError, validate
from common.money import CENT, format_money, is_known_currency
from members.models import Organisation, User

from ..models import (
    AccountingPeriod,
    Allocation,
    BudgetCategory,
    Closeout,
    CloseoutStatus,
    Contribution,
    GrantAgreement,
    GrantBudgetLine,
    PartnerRole,
    Project,
    ReleaseCondition,
    Tranche,
    Transaction,
    TransactionKind,
)
from ..models.ledger import RECORDED_CONDITIONS, condition_problem
from ..selectors.ledger import fund_unallocated_balance
from .agreements import SignatureInput, sides_awaited, signatures_record
from .amendment_signatures import tranche_unsigned_refusal
from .versions import agreement_version_make


class LedgerError(DomainError):
    """A ledger rule refused the operation."""


@dataclass(frozen=True)
class TrancheSpec:
    """A tranche of a schedule: due on `planned_date`, for `amount` or for `percentage` of the agreement.

    `kind` says what releases it (a `ReleaseCondition`); left blank, it is none for a tranche without a
    `condition` and "another condition, recorded by staff" for one with it. `release_on` is the date of a date
    condition.
    """

    planned_date: dt.date
    amount: Decimal | None = None
    condition: str = ""
    kind: str = ""
    release_on: dt.date | None = None
    percentage: Decimal | None = None


@dataclass(frozen=True)
class BudgetLineInput:
    """A line of a budget: an application's or a grant's."""

    category: str
    amount: Decimal
    description: str = ""


def budget_lines_check(*, amount: Decimal, currency: str, lines: Sequence[BudgetLineInput]) -> None:
    """A grant's budget lines are of known categories, not negative, and add up to the agreement's amount."""
    for index, line in enumerate(lines):
        if line.category not in BudgetCategory.values:
            raise LedgerError(
                _("Budget line %(number)s: choose a category.") % {"number": index + 1},
                field=f"budget_lines.{index}.category",
            )
        if line.amount is None or line.amount < 0:
            raise LedgerError(
                _("Budget line %(number)s: the amount cannot be less than zero.") % {"number": index + 1},
                field=f"budget_lines.{index}.amount",
            )
    budgeted = sum((line.amount for line in lines), Decimal(0))
    if lines and budgeted != amount:
        raise LedgerError(
            _("The budget lines add up to %(budgeted)s but the agreement commits %(amount)s.")
            % {"budgeted": format_money(budgeted, currency), "amount": format_money(amount, currency)},
            field="budget_lines",
        )


def _tranche_problem(spec: TrancheSpec, kind: str) -> tuple[str, str] | None:
    """What is wrong with one line of a schedule, as (field, message), before any money is summed."""
    if spec.planned_date is None:
        return "planned_date", _("Give the date it falls due.")
    if spec.amount is None and spec.percentage is None:
        return "amount", _("Give an amount or a percentage of the grant.")
    if spec.amount is not None and spec.percentage is not None:
        return "amount", _("Give an amount or a percentage of the grant, not both.")
    if spec.amount is not None and spec.amount <= 0:
        return "amount", _("The amount must be more than zero.")
    if spec.percentage is not None and not 0 < spec.percentage <= 100:
        return "percentage", _("A percentage is more than 0 and at most 100.")
    if kind != ReleaseCondition.DATE and spec.release_on is not None:
        return "release_on", _("Only a date condition takes a release date.")
    problem = condition_problem(kind, spec.condition, spec.release_on)
    if problem:
        field = {"condition_kind": "kind", "condition_met_on": "release_on"}.get(problem[0], problem[0])
        return field, problem[1]
    return None


def tranche_schedule(*, amount: Decimal, currency: str, tranches: Sequence[TrancheSpec]) -> list[TrancheSpec]:
    """Check a schedule line by line and resolve it: each line's kind, and its amount from its percentage.

    The lines add up to `amount` exactly. Percentages are of `amount`,
    rounded to the cent; when the lines cover the whole amount, the last line given as a percentage takes the
    rounding, so they add up. A refusal names the line (field `tranches.<index>.<field>`, "Tranche <n>" counted
    as given) or the schedule as a whole (`tranches`).
    """
    resolved: list[TrancheSpec] = []
    for index, spec in enumerate(tranches):
        kind = spec.kind or (ReleaseCondition.OTHER if spec.condition.strip() else ReleaseCondition.NONE)
        problem = _tranche_problem(spec, kind)
        if problem:
            field, message = problem
            raise LedgerError(
                _("Tranche %(number)s: %(problem)s") % {"number": index + 1, "problem": message},
                field=f"tranches.{index}.{field}",
            )
        share = None if spec.percentage is None else (amount * spec.percentage / 100).quantize(CENT)
        resolved.append(replace(spec, amount=spec.amount if share is None else share, percentage=None, kind=kind))
    shares = [index for index, spec in enumerate(tranches) if spec.percentage is not None]
    fixed = sum((spec.amount for spec in tranches if spec.amount is not None), Decimal(0))
    exact = sum((amount * spec.percentage / 100 for spec in tranches if spec.percentage is not None), Decimal(0))
    if shares and fixed + exact == amount:
        last = shares[-1]
        rounding = amount - sum((spec.amount for spec in resolved), Decimal(0))
        resolved[last] = replace(resolved[last], amount=resolved[last].amount + rounding)
    scheduled = sum((spec.amount for spec in resolved), Decimal(0))
    if resolved and scheduled != amount:
        raise LedgerError(
            _("The tranches add up to %(scheduled)s but the agreement commits %(amount)s.")
            % {"scheduled": format_money(scheduled, currency), "amount": format_money(amount, currency)},
            field="tranches",
        )
    return resolved


def _require_positive(amount: Decimal, *, field: str = "amount") -> None:
    if amount is None or amount <= 0:
        raise LedgerError(_("The amount must be more than zero."), field=field)


def _require_currency(currency: str | None, *, books: str, subject: str) -> None:
    if currency is None:
        return
    if not is_known_currency(currency):
        raise LedgerError(_("%(code)s is not an ISO 4217 currency code in use.") % {"code": currency}, field="currency")
    if currency != books:
        raise LedgerError(
            _("%(subject)s keeps its books in %(books)s; record the amount in %(books)s.")
            % {"subject": subject, "books": books},
            field="currency",
        )


def _require_open_period(value_date: dt.date) -> None:
    closed = AccountingPeriod.objects.filter(
        closed_at__isnull=False, start_date__lte=value_date, end_date__gte=value_date
    ).first()
    if closed:
        raise LedgerError(
            _("The accounting period %(period)s is closed: nothing dated %(date)s can be recorded.")
            % {"period": closed.name, "date": value_date.isoformat()},
            field="value_date",
        )


def project_lock(project: Project) -> Project:
    """The project, locked for a change of its ledger; refused while it is closed.

    Every service that writes a project's ledger row takes the project through here, so a closed project is
    locked at every door (admin, API, spreadsheet and IATI imports) until it is reopened, with a reason."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    if Closeout.objects.filter(project=project, status=CloseoutStatus.CLOSED).exists():
        raise LedgerError(
            _("%(code)s is closed: nothing more is recorded on its ledger unless it is reopened, with a reason.")
            % {"code": project.code}
        )
    return project


def _require_fully_signed(project: Project) -> GrantAgreement | None:
    """THE rule of signing: nothing is disbursed before both sides signed the agreement. Returns the agreement
    (with its grantee), locked."""
    agreement = (
        GrantAgreement.objects.select_for_update(of=("self",)).select_related("grantee").filter(project=project).first()
    )
    if agreement is not None and not agreement.is_fully_signed:
        raise LedgerError(
            _("%(reference)s is not signed by both sides yet: waiting for the signature of %(sides)s.")
            % {"reference": agreement.reference, "sides": _(" and ").join(sides_awaited(agreement))},
            field="project",
        )
    return agreement


def _save(instance) -> None:
    validate(instance, error=LedgerError)
    instance.save()


def _record(row: Transaction) -> None:
    """Save a ledger row this module built: the rules above were checked on the rows it read (common.errors)."""
    validate(row, error=LedgerError, built_by_code=True)
    row.save()


def _accountable_partner(project: Project) -> Organisation | None:
    partner = project.partners.filter(role=PartnerRole.ACCOUNTABLE).select_related("organisation").first()
    return partner.organisation if partner else None


@transaction.atomic
def contribution_receive(
    *,
    contribution: Contribution,
    amount: Decimal,
    value_date: dt.date,
    currency: str | None = None,
    reference: str = "",
    description: str = "",
    recorded_by: User | None = None,
) -> Transaction:
    """Record a donor's payment into the fund (IATI incoming funds) against its contribution."""
    _require_positive(amount)
    contribution = Contribution.objects.select_for_update().get(pk=contribution.pk)
    _require_currency(currency, books=contribution.currency, subject=contribution.reference)
    _require_open_period(value_date)
    if contribution.received_total + amount > contribution.amount:
        raise LedgerError(
            _("%(reference)s pledged %(pledged)s and %(received)s is already received: %(amount)s is too much.")
            % {
                "reference": contribution.reference,
                "pledged": format_money(contribution.amount, contribution.currency),
                "received": format_money(contribution.received_total, contribution.currency),
                "amount": format_money(amount, contribution.currency),
            },
            field="amount",
        )
    row = Transaction(
        kind=TransactionKind.INCOMING_FUNDS,
        value_date=value_date,
        amount=amount,
        currency=contribution.currency,
        provider=contribution.donor,
        receiver=contribution.contract_partner,
        contribution=contribution,
        reference=reference,
        description=description,
        recorded_by=recorded_by,
    )
    _record(row)
    Contribution.objects.filter(pk=contribution.pk).update(received_total=F("received_total") + amount)
    return row


def _tranches_add(agreement: GrantAgreement, tranches: Sequence[TrancheSpec], *, first: int) -> None:
    """Save a resolved schedule as the agreement's tranches, numbered by date from `first`."""
    for number, spec in enumerate(sorted(tranches, key=lambda spec: spec.planned_date), start=first):
        _save(
            Tranche(
                agreement=agreement,
                number=number,
                planned_date=spec.planned_date,
                amount=spec.amount,
                condition_kind=spec.kind,
                condition=spec.condition,
                condition_met_on=spec.release_on,
            )
        )


@transaction.atomic
def grant_agreement_sign(
    *,
    project: Project,
    reference: str,
    grantee: Organisation,
    signed_on: dt.date,
    amount: Decimal,
    tranches: Sequence[TrancheSpec] = (),
    budget_lines: Sequence[BudgetLineInput] = (),
    signatures: Sequence[SignatureInput] = (),
    recorded_by: User | None = None,
) -> GrantAgreement:
    """Make a project's grant agreement: the ledger's commitment, its schedule of tranches and its budget.

    It awaits the signatures of both sides (given here or recorded later with `agreement_signature_record`);
    nothing is paid under it before both sides have signed."""
    _require_positive(amount)
    project = project_lock(project)
    if GrantAgreement.objects.filter(project=project).exists():
        raise LedgerError(_("%(code)s already has a grant agreement.") % {"code": project.code})
    if amount > project.approved_budget:
        raise LedgerError(
            _("The commitment cannot exceed the approved budget of %(budget)s.")
            % {"budget": format_money(project.approved_budget, project.currency)},
            field="amount",
        )
    tranches = tranche_schedule(amount=amount, currency=project.currency, tranches=tranches)
    budget_lines_check(amount=amount, currency=project.currency, lines=budget_lines)
    _require_open_period(signed_on)
    agreement = GrantAgreement(
        project=project,
        reference=reference,
        grantee=grantee,
        signed_on=signed_on,
        amount=amount,
        currency=project.currency,
    )
    _save(agreement)
    _tranches_add(agreement, tranches, first=1)
    for order, line in enumerate(budget_lines):
        _save(
            GrantBudgetLine(
                agreement=agreement,
                category=line.category,
                description=line.description,
                amount=line.amount,
                order=order,
            )
        )
    _record(
        Transaction(
            kind=TransactionKind.COMMITMENT,
            value_date=signed_on,
            amount=amount,
            currency=project.currency,
            provider=_accountable_partner(project),
            receiver=grantee,
            project=project,
            reference=reference,
            description=_("Grant agreement signed"),
            recorded_by=recorded_by,
        )
    )
    Project.objects.filter(pk=project.pk).update(committed_total=F("committed_total") + amount)
    agreement_version_make(agreement=agreement)
    if signatures:
        signatures_record(agreement=agreement, signatures=signatures, recorded_by=recorded_by)
    return agreement


@transaction.atomic
def agreement_commitment_increase(
    *,
    agreement: GrantAgreement,
    amount: Decimal,
    value_date: dt.date,
    tranches: Sequence[TrancheSpec],
    description: str = "",
    recorded_by: User | None = None,
) -> Transaction:
    """Commit more money to a signed agreement (a cost extension): a new commitment row, the agreement's amount,
    the project's approved budget and commitment raised together, and the new tranches that pay it.

    Refused when the fund's unallocated balance in the agreement's currency (`fund_unallocated_balance`) is
    smaller than the amount; the contributions of that currency are locked so two increases cannot both spend
    the same money.
    """
    _require_positive(amount)
    project = project_lock(agreement.project)
    agreement = GrantAgreement.objects.select_for_update().get(pk=agreement.pk)
    _require_open_period(value_date)
    list(Contribution.objects.select_for_update().filter(currency=agreement.currency).values_list("pk", flat=True))
    free = fund_unallocated_balance(currency=agreement.currency)
    if amount > free:
        raise LedgerError(
            _("The fund has %(free)s received and not yet committed: %(amount)s more cannot be committed.")
            % {"free": format_money(free, agreement.currency), "amount": format_money(amount, agreement.currency)},
            field="additional_amount",
        )
    tranches = tranche_schedule(amount=amount, currency=agreement.currency, tranches=tranches)
    if not tranches:
        raise LedgerError(_("Schedule the tranches that pay the additional amount."), field="tranches")
    last = Tranche.objects.filter(agreement=agreement).order_by("-number").values_list("number", flat=True).first()
    _tranches_add(agreement, tranches, first=(last or 0) + 1)
    row = Transaction(
        kind=TransactionKind.COMMITMENT,
        value_date=value_date,
        amount=amount,
        currency=agreement.currency,
        provider=_accountable_partner(project),
        receiver=agreement.grantee,
        project=project,
        reference=agreement.reference,
        description=description or _("Grant agreement amended: more money committed"),
        recorded_by=recorded_by,
    )
    _record(row)
    Project.objects.filter(pk=project.pk).update(
        approved_budget=F("approved_budget") + amount, committed_total=F("committed_total") + amount
    )
    GrantAgreement.objects.filter(pk=agreement.pk).update(amount=F("amount") + amount)
    return row


@transaction.atomic
def disbursement_record(
    *,
    project: Project,
    amount: Decimal,
    value_date: dt.date,
    tranche: Tranche | None = None,
    currency: str | None = None,
    receiver: Organisation | None = None,
    reference: str = "",
    description: str = "",
    recorded_by: User | None = None,
) -> Transaction:
    """Pay money to a project partner, against a tranche if given; never beyond what was committed."""
    _require_positive(amount)
    project = project_lock(project)
    _require_currency(currency, books=project.currency, subject=project.code)
    _require_open_period(value_date)
    agreement = _require_fully_signed(project)
    if tranche is not None:
        tranche = (
            Tranche.objects.select_for_update(of=("self", "agreement"))
            .select_related("agreement", "amendment")
            .get(pk=tranche.pk)
        )
        if tranche.agreement.project_id != project.pk:
            raise LedgerError(_("That tranche belongs to another project."), field="tranche")
        unsigned = tranche_unsigned_refusal(tranche)
        if unsigned:
            raise LedgerError(unsigned, field="tranche")
        if not tranche.condition_met_by(value_date):
            raise LedgerError(
                _("Tranche %(number)s waits for its condition: %(condition)s.")
                % {"number": tranche.number, "condition": tranche.release_condition},
                field="tranche",
            )
        if amount > tranche.remaining:
            raise LedgerError(
                _("Tranche %(number)s has %(remaining)s left to pay.")
                % {"number": tranche.number, "remaining": format_money(tranche.remaining, project.currency)},
                field="amount",
            )
    available = project.committed_total - project.disbursed_total
    if amount > available:
        raise LedgerError(
            _("%(code)s has %(available)s committed and not yet disbursed: %(amount)s would overshoot.")
            % {
                "code": project.code,
                "available": format_money(available, project.currency),
                "amount": format_money(amount, project.currency),
            },
            field="amount",
        )
    if receiver is None:
        receiver = agreement.grantee if agreement else None
    row = Transaction(
        kind=TransactionKind.DISBURSEMENT,
        value_date=value_date,
        amount=amount,
        currency=project.currency,
        provider=_accountable_partner(project),
        receiver=receiver,
        project=project,
        tranche=tranche,
        reference=reference,
        description=description,
        recorded_by=recorded_by,
    )
    _record(row)
    Project.objects.filter(pk=project.pk).update(disbursed_total=F("disbursed_total") + amount)
    if tranche is not None:
        Tranche.objects.filter(pk=tranche.pk).update(disbursed_total=F("disbursed_total") + amount)
    return row


@transaction.atomic
def expenditure_record(
    *,
    project: Project,
    amount: Decimal,
    value_date: dt.date,
    currency: str | None = None,
    reference: str = "",
    description: str = "",
    recorded_by: User | None = None,
) -> Transaction:
    """Record what a partner reports it spent on the project."""
    _require_positive(amount)
    project = project_lock(project)
    _require_currency(currency, books=project.currency, subject=project.code)
    _require_open_period(value_date)
    agreement = GrantAgreement.objects.filter(project=project).select_related("grantee").first()
    row = Transaction(
        kind=TransactionKind.EXPENDITURE,
        value_date=value_date,
        amount=amount,
        currency=project.currency,
        provider=agreement.grantee if agreement else None,
        project=project,
        reference=reference,
        description=description,
        recorded_by=recorded_by,
    )
    _record(row)
    Project.objects.filter(pk=project.pk).update(spent_total=F("spent_total") + amount)
    return row


_TOTAL_OF_KIND = {
    TransactionKind.COMMITMENT: "committed_total",
    TransactionKind.DISBURSEMENT: "disbursed_total",
    TransactionKind.EXPENDITURE: "spent_total",
}


@transaction.atomic
def transaction_reverse(
    *, original: Transaction, value_date: dt.date | None = None, reason: str, recorded_by: User | None = None
) -> Transaction:
    """Correct a ledger row with a new row of the opposite amount; the two net to zero."""
    if not reason.strip():
        raise LedgerError(_("Say why the transaction is reversed."), field="reason")
    value_date = value_date or timezone.localdate()
    original = Transaction.objects.select_for_update().get(pk=original.pk)
    if original.reverses_id is not None:
        raise LedgerError(_("A reversal cannot itself be reversed; record a new transaction instead."))
    if original.takes_back_id is not None:
        raise LedgerError(_("A cancellation or a refund cannot be reversed; record a new transaction instead."))
    if Transaction.objects.filter(reverses=original).exists():
        raise LedgerError(_("This transaction is already reversed."))
    if Transaction.objects.filter(takes_back=original).exists():
        raise LedgerError(_("Part of this transaction was cancelled or refunded: it cannot be reversed whole."))
    _require_open_period(value_date)
    if original.kind == TransactionKind.INCOMING_FUNDS:
        Contribution.objects.select_for_update().get(pk=original.contribution_id)
        Contribution.objects.filter(pk=original.contribution_id).update(
            received_total=F("received_total") - original.amount
        )
    else:
        project = project_lock(original.project)
        if original.kind == TransactionKind.COMMITMENT and (
            project.committed_total - original.amount < project.disbursed_total
        ):
            raise LedgerError(
                _("More has been disbursed than would stay committed: reverse disbursements first."), field="reason"
            )
        field = _TOTAL_OF_KIND[original.kind]
        Project.objects.filter(pk=project.pk).update(**{field: F(field) - original.amount})
        if original.tranche_id:
            Tranche.objects.filter(pk=original.tranche_id).update(
                disbursed_total=F("disbursed_total") - original.amount
            )
    reversal = Transaction(
        kind=original.kind,
        value_date=value_date,
        amount=-original.amount,
        currency=original.currency,
        provider=original.provider,
        receiver=original.receiver,
        contribution=original.contribution,
        project=original.project,
        tranche=original.tranche,
        reverses=original,
        reference=original.reference,
        description=_("Reversal: %(reason)s") % {"reason": reason.strip()},
        recorded_by=recorded_by,
    )
    _record(reversal)
    return reversal


@transaction.atomic
def allocation_set(
    *, contribution: Contribution, project: Project, amount: Decimal, allocated_on: dt.date, note: str = ""
) -> Allocation:
    """Fund a project from a contribution, or change how much; never beyond what was pledged."""
    _require_positive(amount)
    contribution = Contribution.objects.select_for_update().get(pk=contribution.pk)
    allocation = Allocation.objects.select_for_update().filter(contribution=contribution, project=project).first()
    previous = allocation.amount if allocation else Decimal(0)
    free = contribution.amount - contribution.allocated_total + previous
    if amount > free:
        raise LedgerError(
            _("%(reference)s has %(free)s left to allocate.")
            % {"reference": contribution.reference, "free": format_money(free, contribution.currency)},
            field="amount",
        )
    allocation = allocation or Allocation(contribution=contribution, project=project)
    allocation.amount, allocation.allocated_on, allocation.note = amount, allocated_on, note
    _save(allocation)
    Contribution.objects.filter(pk=contribution.pk).update(allocated_total=F("allocated_total") + amount - previous)
    return allocation


@transaction.atomic
def accounting_period_close(*, period: AccountingPeriod, closed_by: User | None) -> AccountingPeriod:
    period = AccountingPeriod.objects.select_for_update().get(pk=period.pk)
    if period.is_closed:
        raise LedgerError(_("%(period)s is already closed.") % {"period": period.name})
    period.closed_at, period.closed_by = timezone.now(), closed_by
    period.save(update_fields=["closed_at", "closed_by"])
    return period


@transaction.atomic
def tranche_condition_meet(*, tranche: Tranche, on: dt.date) -> Tranche:
    """Record that a tranche's release condition is met (a report approved, a document received).

    A condition met earlier keeps its first date, and a tranche released by its date alone, or by nothing,
    has nothing to record: both are returned unchanged. A date still to come is refused."""
    if on > timezone.localdate():
        raise LedgerError(_("A condition cannot be met on a day still to come."), field="on")
    tranche = Tranche.objects.select_for_update().get(pk=tranche.pk)
    if tranche.condition_kind in RECORDED_CONDITIONS and tranche.condition_met_on is None:
        tranche.condition_met_on = on
        tranche.save(update_fields=["condition_met_on"])
    return tranche
