"""Ledger rows from IATI transactions, recorded through the ledger services and never twice.

A row already in the ledger (same type, date, amount, currency and reference) is left alone;
a negative row reverses the earlier row it mirrors, or else is a tranche's cancellation or a refund;
donors' payments are matched to the contribution they pay into.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from grants import services as ledger
from grants.models import (
    Contribution,
    ContributionStatus,
    PartnerRole,
    Project,
    SignatorySide,
    Tranche,
    Transaction,
    TransactionKind,
)
from members.models import Organisation

from . import reading
from .reading import ActivityOutcome, ActivityRefused, LedgerRow


def project_transactions(project: Project, element, outcome: ActivityOutcome) -> bool:
    changed = False
    for transaction in element.iterfind("transaction"):
        row = LedgerRow.read(transaction, project.currency)
        booked = Transaction.objects.filter(project=project)
        lookup = row.lookup()
        if row.kind == TransactionKind.COMMITMENT and not row.reference:
            lookup["reference"] = _agreement_reference(project)  # as the agreement was recorded
        if booked.filter(**lookup).exists():
            continue
        if row.kind == TransactionKind.INCOMING_FUNDS:
            outcome.notes.append(
                _("Incoming funds of %(date)s left out: donors' payments belong to the pooled fund's activity.")
                % {"date": row.value_date.isoformat()}
            )
            continue
        if row.amount < 0:
            changed |= _reverse(booked, row, outcome, project=project)
            continue
        receiver = reading.organisation(transaction.find("receiver-org"))
        if row.kind == TransactionKind.COMMITMENT:
            ledger.grant_agreement_sign(
                project=project,
                reference=row.reference or _agreement_reference(project),
                grantee=receiver or _implementing(project),
                signed_on=row.value_date,
                amount=row.amount,
                tranches=_schedule(element, project, row.amount),
                signatures=_signed_by_both_sides(row.value_date),
            )
        elif row.kind == TransactionKind.DISBURSEMENT:
            tranche = _settled_tranche(project, row.amount)
            ledger.disbursement_record(project=project, receiver=receiver, tranche=tranche, **row.booking())
        else:
            ledger.expenditure_record(project=project, **row.booking())
        changed = True
    return changed


def _agreement_reference(project: Project) -> str:
    return f"{project.code}-GA"


def _signed_by_both_sides(on) -> list[ledger.SignatureInput]:
    """A commitment in our own IATI file is an agreement both sides signed, on the commitment's date: the file does
    not name the signatories, so they are recorded as such (a commitment dated ahead counts as signed today)."""
    name = _("Signed, as the IATI commitment records")
    on = min(on, timezone.localdate())
    return [ledger.SignatureInput(side=side, name=name, signed_on=on) for side in SignatorySide.values]


def _schedule(element, project: Project, committed: Decimal) -> list[ledger.TrancheSpec]:
    """The agreement's tranches, one per yearly budget, when the budgets add up to the commitment;
    none (an agreement paid as it goes) when they do not."""
    tranches = [
        ledger.TrancheSpec(planned_date=reading.date(budget, "period-start"), amount=amount)
        for budget in element.iterfind("budget")
        if (budget.find("value").get("currency") or project.currency) == project.currency
        and (amount := reading.decimal(budget.findtext("value"), _("A budget"))) > 0
    ]
    return tranches if sum((t.amount for t in tranches), Decimal(0)) == committed else []


def _settled_tranche(project: Project, amount: Decimal) -> Tranche | None:
    """The first tranche due that the payment fits in: payments settle the schedule in order."""
    for tranche in Tranche.objects.filter(agreement__project=project).order_by("number"):
        if tranche.condition_met and tranche.remaining >= amount:
            return tranche
    return None


def _implementing(project: Project) -> Organisation:
    partner = project.partners.filter(role=PartnerRole.IMPLEMENTING).select_related("organisation").first()
    if partner is None:
        raise ActivityRefused(_("A commitment needs a receiver organisation or an implementing partner."))
    return partner.organisation


def fund_receipts(element, outcome: ActivityOutcome, default_currency: str) -> bool:
    """Donors' payments into the pooled fund, each against the contribution it pays."""
    changed = False
    for transaction in element.iterfind("transaction"):
        row = LedgerRow.read(transaction, default_currency)
        if row.kind != TransactionKind.INCOMING_FUNDS:
            outcome.notes.append(
                _("A transaction of type %(kind)s on %(date)s left out: the fund's activity only receives money.")
                % {"kind": row.kind, "date": row.value_date.isoformat()}
            )
            continue
        provider = transaction.find("provider-org")
        donor = reading.known_organisation(provider) if provider is not None else None
        if donor is None:
            outcome.notes.append(
                _("The payment of %(date)s left out: its donor %(name)r has no contribution here.")
                % {
                    "date": row.value_date.isoformat(),
                    "name": reading.text(provider, ".") if provider is not None else "",
                }
            )
            continue
        booked = Transaction.objects.filter(provider=donor, contribution__isnull=False)
        if booked.filter(**row.lookup()).exists():
            continue
        if row.amount < 0:
            changed |= _reverse(booked, row, outcome)
            continue
        contribution = _paid_contribution(donor, row)
        if contribution is None:
            outcome.notes.append(
                _("The payment of %(date)s left out: no single contribution of %(donor)s in %(currency)s matches it.")
                % {"date": row.value_date.isoformat(), "donor": donor.name, "currency": row.currency}
            )
            continue
        ledger.contribution_receive(contribution=contribution, **row.booking())
        changed = True
    return changed


def _paid_contribution(donor: Organisation, row: LedgerRow) -> Contribution | None:
    """The donor's one contribution in the payment's currency, narrowed by reference, then by dates."""
    candidates = list(
        Contribution.objects.filter(donor=donor, currency=row.currency).exclude(status=ContributionStatus.CANCELLED)
    )
    narrowings = (
        lambda c: bool(row.reference) and row.reference.startswith(c.reference),
        lambda c: c.start_date <= row.value_date <= c.end_date,
    )
    for narrowing in narrowings:
        if len(candidates) <= 1:
            break
        candidates = [c for c in candidates if narrowing(c)] or candidates
    return candidates[0] if len(candidates) == 1 else None


def _reverse(
    booked: QuerySet[Transaction], row: LedgerRow, outcome: ActivityOutcome, *, project: Project | None = None
) -> bool:
    original = (
        booked.filter(
            kind=row.kind,
            amount=-row.amount,
            currency=row.currency,
            reference=row.reference,
            value_date__lte=row.value_date,
            reverses__isnull=True,
            reversed_by__isnull=True,
        )
        .order_by("value_date", "pk")
        .first()
    )
    if original is None:
        return _take_back(project, row, outcome)
    prefix = _("Reversal: %(reason)s") % {"reason": ""}
    reason = row.description.removeprefix(prefix) or _("Reversed in the imported IATI file.")
    ledger.transaction_reverse(original=original, value_date=row.value_date, reason=reason)
    return True


def _take_back(project: Project | None, row: LedgerRow, outcome: ActivityOutcome) -> bool:
    """A negative row of a project that mirrors no whole one: a tranche cancelled (a negative commitment, the last
    tranche with exactly that much left to pay) or a refund (a negative disbursement), as closeout records them."""
    amount = -row.amount
    if project is not None and row.kind == TransactionKind.COMMITMENT:
        tranche = next(
            (
                t
                for t in Tranche.objects.filter(agreement__project=project).order_by("-number")
                if t.remaining == amount
            ),
            None,
        )
        if tranche is not None:
            reason = row.description.split(": ", 1)[-1] or _("Cancelled in the imported IATI file.")
            ledger.tranche_cancel(tranche=tranche, reason=reason, by=None, value_date=row.value_date)
            return True
    elif project is not None and row.kind == TransactionKind.DISBURSEMENT:
        ledger.refund_record(
            project=project,
            amount=amount,
            value_date=row.value_date,
            reference=row.reference,
            description=row.description,
        )
        return True
    outcome.notes.append(
        _("The correction of %(date)s left out: it reverses no transaction recorded here.")
        % {"date": row.value_date.isoformat()}
    )
    return False
