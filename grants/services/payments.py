"""Payment requests and payment runs: every change of their state, one transaction each.

A request holds part of its tranche from the moment it is made until it is approved (then the disbursement
holds it) or ends otherwise; the agreement's row is locked while a request is made, so two requests made at
once on the same tranche are taken one after the other and the second sees the first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import DomainError, validate
from common.money import CENT, format_money
from common.outbox import enqueue
from common.permissions import may
from members.models import BankAccount, Role, User
from members.selectors import organisations_of

from .. import tasks
from ..models import (
    OPEN_PAYMENT_STATUSES,
    GrantAgreement,
    PaymentRequest,
    PaymentRequestStatus,
    PaymentRun,
    PaymentRunStatus,
    Tranche,
    TrancheStatus,
)
from ..payment_workflow import PERMISSIONS, WORKFLOW, Actor
from .amendment_signatures import tranche_unsigned_refusal
from .ledger import disbursement_record

S = PaymentRequestStatus


class PaymentError(DomainError):
    """A payment rule refused the operation."""


def _acts_for(user: User, organisation_id: int) -> bool:
    return organisations_of(user=user, role=Role.PARTNER).filter(pk=organisation_id).exists()


def tranche_open_requests(tranche: Tranche) -> Decimal:
    """What requests not yet decided hold of the tranche."""
    held = tranche.payment_requests.filter(status__in=OPEN_PAYMENT_STATUSES).aggregate(total=Sum("amount"))["total"]
    return held or Decimal(0)


def tranche_requestable(tranche: Tranche) -> Decimal:
    """What a new request on the tranche may ask for: what is left to pay, less what open requests hold."""
    return max(tranche.remaining - tranche_open_requests(tranche), Decimal(0))


def _require_released(tranche: Tranche, today: dt.date) -> None:
    unsigned = tranche_unsigned_refusal(tranche)
    if unsigned:
        raise PaymentError(unsigned, field="tranche")
    status = tranche.status_on(today)
    if status == TrancheStatus.PAID:
        raise PaymentError(_("Tranche %(number)s is paid in full.") % {"number": tranche.number}, field="tranche")
    if status == TrancheStatus.PLANNED:
        raise PaymentError(
            _("Tranche %(number)s is not due before %(date)s.")
            % {"number": tranche.number, "date": tranche.planned_date.isoformat()},
            field="tranche",
        )
    if not tranche.condition_met_by(today):
        raise PaymentError(
            _("Tranche %(number)s is not released yet: %(condition)s.")
            % {"number": tranche.number, "condition": tranche.release_condition},
            field="tranche",
        )


def _require_signed(agreement: GrantAgreement) -> None:
    # A request waits for the signatures too, so a partner is not told it may ask for money it cannot receive.
    if not agreement.is_fully_signed:
        raise PaymentError(
            _("The grant agreement %(reference)s is not yet signed by both sides: nothing can be paid before it is.")
            % {"reference": agreement.reference}
        )


def _require_payable_account(account: BankAccount, agreement: GrantAgreement) -> None:
    if account.organisation_id != agreement.grantee_id or not account.is_active:
        raise PaymentError(_("Choose one of your organisation's bank accounts in use."), field="bank_account")
    if not account.is_verified:
        raise PaymentError(
            _("%(account)s is not verified yet: the secretariat's finance team verifies it before it is paid.")
            % {"account": account},
            field="bank_account",
        )
    if account.currency != agreement.currency:
        raise PaymentError(
            _("The grant is paid in %(currency)s: choose an account in %(currency)s.")
            % {"currency": agreement.currency},
            field="bank_account",
        )


@transaction.atomic
def payment_request_create(
    *, tranche: Tranche, amount: Decimal, bank_account: BankAccount, requested_by: User, note: str = ""
) -> PaymentRequest:
    """A partner asks to be paid (part of) a released tranche into its organisation's verified account."""
    if amount is None or amount <= 0:
        raise PaymentError(_("The amount must be more than zero."), field="amount")
    if amount != amount.quantize(CENT):
        raise PaymentError(_("Give the amount in cents at most."), field="amount")
    agreement = GrantAgreement.objects.select_for_update().get(pk=tranche.agreement_id)
    if not _acts_for(requested_by, agreement.grantee_id):
        raise PaymentError(_("Only the grantee's partners can request its payments."))
    tranche = Tranche.objects.select_for_update(of=("self",)).select_related("amendment").get(pk=tranche.pk)
    _require_signed(agreement)
    _require_released(tranche, timezone.localdate())
    _require_payable_account(bank_account, agreement)
    requestable = tranche_requestable(tranche)
    if amount > requestable:
        held = tranche_open_requests(tranche)
        message = _("Tranche %(number)s has %(left)s left to request.") % {
            "number": tranche.number,
            "left": format_money(requestable, agreement.currency),
        }
        if held:
            message += " " + _("Requests not yet decided hold %(held)s of it.") % {
                "held": format_money(held, agreement.currency)
            }
        raise PaymentError(message, field="amount")
    count = PaymentRequest.objects.filter(tranche__agreement=agreement).count()
    request = PaymentRequest(
        number=f"{agreement.reference}-P{count + 1:02d}",
        tranche=tranche,
        amount=amount,
        currency=agreement.currency,
        bank_account=bank_account,
        requested_by=requested_by,
        note=note.strip(),
    )
    validate(request, error=PaymentError)
    request.save()
    enqueue(tasks.notify_payment_requested, request.pk)
    return request


def _locked(request: PaymentRequest) -> PaymentRequest:
    return PaymentRequest.objects.select_for_update().select_related("tranche__agreement").get(pk=request.pk)


def _staff_actor(request: PaymentRequest, to: str, by: User) -> Actor | None:
    """The actor the table names for this step, when `by` holds its permission."""
    actor = WORKFLOW.transitions.get((request.status, to))
    return actor if actor in PERMISSIONS and may(by, PERMISSIONS[actor]) else None


def _require_step(request: PaymentRequest, to: str, by: User) -> None:
    if not WORKFLOW.is_allowed(request, to, _staff_actor(request, to, by)):
        WORKFLOW.move(request, to, actor=None, by=by, error=PaymentError)  # refused: raises the table's message


def _staff_step(request: PaymentRequest, to: str, by: User, *, comment: str = "", **changes) -> None:
    WORKFLOW.move(
        request, to, actor=_staff_actor(request, to, by), by=by, comment=comment, error=PaymentError, **changes
    )


@transaction.atomic
def payment_request_check(*, request: PaymentRequest, by: User) -> PaymentRequest:
    """A programme officer confirms the request fits the project (the report, the work done)."""
    request = _locked(request)
    if by.pk == request.requested_by_id:
        raise PaymentError(_("You made this request: someone else must check it."))
    _staff_step(request, S.CHECKED, by, checked_by=by, checked_at=timezone.now())
    return request


@transaction.atomic
def payment_request_approve(*, request: PaymentRequest, by: User) -> PaymentRequest:
    """A finance officer approves a checked request: the disbursement is recorded in the ledger now, dated today,
    with the request's number as its reference. Never by the person who checked or made the request."""
    request = _locked(request)
    if request.status == S.CHECKED and by.pk == request.checked_by_id:
        raise PaymentError(_("You checked this request: another person must approve it."))
    if by.pk == request.requested_by_id:
        raise PaymentError(_("You made this request: someone else must approve it."))
    _require_step(request, S.APPROVED, by)
    agreement = request.tranche.agreement
    _require_signed(agreement)
    _require_payable_account(BankAccount.objects.get(pk=request.bank_account_id), agreement)
    disbursement = disbursement_record(
        project=request.tranche.agreement.project,
        tranche=request.tranche,
        amount=request.amount,
        currency=request.currency,
        value_date=timezone.localdate(),
        receiver=request.tranche.agreement.grantee,
        reference=request.number,
        description=_("Payment request %(number)s") % {"number": request.number},
        recorded_by=by,
    )
    _staff_step(request, S.APPROVED, by, approved_by=by, approved_at=timezone.now(), disbursement=disbursement)
    enqueue(tasks.notify_payment_decided, request.pk)
    return request


@transaction.atomic
def payment_request_refuse(*, request: PaymentRequest, by: User, to: str, reason: str) -> PaymentRequest:
    """Return a request (the partner may ask again, corrected) or decline it, saying why; at the check by a
    programme officer, at the approval by a finance officer."""
    if to not in (S.RETURNED, S.DECLINED):
        raise PaymentError(_("A request is refused by returning or declining it."))
    if not reason.strip():
        raise PaymentError(_("Say why: the partner reads it."), field="reason")
    request = _locked(request)
    _staff_step(request, to, by, comment=reason.strip(), reason=reason.strip())
    enqueue(tasks.notify_payment_decided, request.pk)
    return request


@transaction.atomic
def payment_request_withdraw(*, request: PaymentRequest, by: User) -> PaymentRequest:
    """The partner takes back a request nobody has checked yet."""
    request = _locked(request)
    actor = Actor.PARTNER if _acts_for(by, request.tranche.agreement.grantee_id) else None
    WORKFLOW.move(request, S.WITHDRAWN, actor=actor, by=by, error=PaymentError)
    return request


@transaction.atomic
def payment_run_create(*, requests: Iterable[PaymentRequest], by: User) -> PaymentRun:
    """Put approved requests not yet in a run into a new run, for the treasury's file."""
    if not may(by, "grants.add_paymentrun"):
        raise PaymentError(_("You may not make payment runs."))
    ids = sorted({request.pk for request in requests})
    locked = list(PaymentRequest.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if not locked:
        raise PaymentError(_("Choose the approved requests to pay."))
    refused = [request.number for request in locked if request.status != S.APPROVED or request.run_id]
    if refused:
        raise PaymentError(
            _("Only approved requests not yet in a run can be paid in a new run: %(numbers)s.")
            % {"numbers": ", ".join(refused)}
        )
    now = timezone.now()
    today = timezone.localdate(now)
    count = PaymentRun.objects.filter(reference__startswith=f"RUN-{today:%Y%m%d}-").count()
    run = PaymentRun(reference=f"RUN-{today:%Y%m%d}-{count + 1:02d}", created_by=by, created_at=now)
    validate(run, error=PaymentError)
    run.save()
    PaymentRequest.objects.filter(pk__in=[request.pk for request in locked]).update(run=run)
    return run


@transaction.atomic
def payment_run_send(*, run: PaymentRun, by: User) -> PaymentRun:
    """The run's file is handed to the bank: the run no longer changes."""
    if not may(by, "grants.add_paymentrun"):
        raise PaymentError(_("You may not send payment runs."))
    run = PaymentRun.objects.select_for_update().get(pk=run.pk)
    if run.status != PaymentRunStatus.DRAFT:
        raise PaymentError(_("%(run)s is already sent.") % {"run": run.reference})
    run.status, run.sent_at = PaymentRunStatus.SENT, timezone.now()
    run.save(update_fields=["status", "sent_at"])
    return run


@transaction.atomic
def payment_run_confirm(*, run: PaymentRun, by: User, value_date: dt.date) -> PaymentRun:
    """The bank confirms it paid the run on `value_date`: each of its requests is paid."""
    if not may(by, "grants.confirm_paymentrun"):
        raise PaymentError(_("You may not confirm payment runs."))
    run = PaymentRun.objects.select_for_update().get(pk=run.pk)
    if run.status != PaymentRunStatus.SENT:
        raise PaymentError(
            _("%(run)s is %(status)s: only a run sent to the bank is confirmed paid.")
            % {"run": run.reference, "status": run.get_status_display().lower()}
        )
    if value_date is None or value_date > timezone.localdate():
        raise PaymentError(_("Give the value date the bank paid on, not a day still to come."), field="value_date")
    if value_date < timezone.localdate(run.created_at):
        raise PaymentError(_("The bank cannot have paid before the run was made."), field="value_date")
    for request in PaymentRequest.objects.select_for_update().filter(run=run).order_by("pk"):
        _staff_step(request, S.PAID, by, paid_on=value_date)
        enqueue(tasks.notify_payment_decided, request.pk)
    run.status, run.value_date, run.confirmed_at, run.confirmed_by = (
        PaymentRunStatus.CONFIRMED,
        value_date,
        timezone.now(),
        by,
    )
    run.save(update_fields=["status", "value_date", "confirmed_at", "confirmed_by"])
    return run
