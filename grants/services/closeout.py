"""Closing a project: cancelling what is left of its tranches, the grantee's refund, a write-off, the evaluation,
and closing (which locks its ledger) or reopening it, with a reason.

A cancellation and a refund are ledger rows that take back part of an earlier one (`Transaction.takes_back`): a
negative commitment against the agreement's commitment (IATI's decommitment) and a negative disbursement against
the payment refunded. Like every ledger row they go through `project_lock`, so a closed project takes none.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import DomainError
from common.money import format_money
from common.outbox import enqueue
from common.permissions import may
from common.uploads import upload_type
from common.workflow import Workflow
from members.models import User

from .. import tasks
from ..models import (
    AgreementStatus,
    Closeout,
    CloseoutStatus,
    GrantAgreement,
    Project,
    ProjectStatus,
    Tranche,
    Transaction,
    TransactionKind,
)
from ..selectors.closeout import ChecklistItem, closeout_state
from .ledger import LedgerError, _require_currency, _require_open_period, _require_positive, _save, project_lock

# Office documents and PDF: an evaluation is a report, not a picture.
EVALUATION_TYPES = {
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# Whoever holds `grants.close_project` takes both steps (the services check it); every step is logged.
CLOSER = "closer"
CLOSEOUT_WORKFLOW = Workflow(
    {(CloseoutStatus.OPEN, CloseoutStatus.CLOSED): CLOSER, (CloseoutStatus.CLOSED, CloseoutStatus.OPEN): CLOSER},
    refusal=_("The project's closeout is %(status)s: it cannot be %(to)s now."),
)


class CloseoutError(LedgerError):
    """A closeout step was refused; `unmet` lists the checklist items that stand in the way of closing."""

    def __init__(self, message: str, *, field: str | None = None, unmet: list[ChecklistItem] | None = None) -> None:
        super().__init__(message, field=field)
        self.unmet = unmet or []


def _require(user: User | None, permission: str, message: str) -> None:
    """A person takes the act only with its permission; `None` is the system itself (the demo, an import), as for
    the ledger's other services, whose doors always pass the person asking."""
    if user is not None and not may(user, permission):
        raise CloseoutError(message)


def _require_reason(reason: str) -> str:
    if not (reason or "").strip():
        raise CloseoutError(_("Give the reason."), field="reason")
    return reason.strip()


def _closeout(project: Project) -> Closeout:
    closeout, _created = Closeout.objects.get_or_create(project=project)
    return Closeout.objects.select_for_update().get(pk=closeout.pk)


def _take_back(original: Transaction, amount: Decimal, **fields) -> Transaction:
    """A row that takes back `amount` of `original`: of its kind, between the same parties, negative."""
    row = Transaction(
        kind=original.kind,
        amount=-amount,
        currency=original.currency,
        provider_id=original.provider_id,
        receiver_id=original.receiver_id,
        project_id=original.project_id,
        takes_back=original,
        **fields,
    )
    _save(row)
    return row


@transaction.atomic
def tranche_cancel(*, tranche: Tranche, reason: str, by: User | None, value_date: dt.date | None = None) -> Transaction:
    """Cancel what is left to pay of a tranche: a negative commitment that takes back that much of the agreement's
    commitment (IATI's decommitment), lowering the project's commitment; what was paid stays paid."""
    _require(by, "grants.cancel_tranche", _("Only the grants committee cancels a tranche."))
    reason = _require_reason(reason)
    value_date = value_date or timezone.localdate()
    project = project_lock(tranche.agreement.project)
    tranche = Tranche.objects.select_for_update().select_related("agreement").get(pk=tranche.pk)
    amount = tranche.remaining
    if amount <= 0:
        raise CloseoutError(_("%(tranche)s has nothing left to pay to cancel.") % {"tranche": tranche})
    if project.committed_total - amount < project.disbursed_total:
        raise CloseoutError(
            _("More has been paid outside the tranches than would stay committed: reverse those payments first.")
        )
    commitment = (
        Transaction.objects.filter(
            project=project, kind=TransactionKind.COMMITMENT, reverses__isnull=True, takes_back__isnull=True
        )
        .exclude(reversed_by__isnull=False)
        .order_by("value_date", "pk")
        .first()
    )
    if commitment is None:
        raise CloseoutError(_("%(code)s has no commitment left to reduce.") % {"code": project.code})
    _require_open_period(value_date)
    row = _take_back(
        commitment,
        amount,
        value_date=value_date,
        tranche=tranche,
        reference=tranche.agreement.reference,
        description=_("Tranche %(number)s cancelled: %(reason)s") % {"number": tranche.number, "reason": reason},
        recorded_by=by,
    )
    Project.objects.filter(pk=project.pk).update(committed_total=F("committed_total") - amount)
    Tranche.objects.filter(pk=tranche.pk).update(cancelled_amount=F("cancelled_amount") + amount)
    return row


@transaction.atomic
def refund_record(
    *,
    project: Project,
    amount: Decimal,
    value_date: dt.date,
    currency: str | None = None,
    reference: str = "",
    description: str = "",
    recorded_by: User | None = None,
) -> list[Transaction]:
    """Record money the grantee returned: negative disbursements, each taking back part of a payment (the latest
    first), lowering what the project was paid. Never more than was paid and not yet refunded."""
    _require_positive(amount)
    project = project_lock(project)
    _require_currency(currency, books=project.currency, subject=project.code)
    _require_open_period(value_date)
    payments = list(
        Transaction.objects.filter(
            project=project,
            kind=TransactionKind.DISBURSEMENT,
            reverses__isnull=True,
            takes_back__isnull=True,
            reversed_by__isnull=True,
        )
        .annotate(refunded=Coalesce(Sum("taken_back_by__amount"), Decimal(0)))
        .order_by("-value_date", "-pk")
    )
    refundable = sum((payment.amount + payment.refunded for payment in payments), Decimal(0))
    if amount > refundable:
        raise LedgerError(
            _("%(code)s was paid %(refundable)s not yet refunded: a refund of %(amount)s is too much.")
            % {
                "code": project.code,
                "refundable": format_money(refundable, project.currency),
                "amount": format_money(amount, project.currency),
            },
            field="amount",
        )
    rows, left = [], amount
    for payment in payments:
        part = min(left, payment.amount + payment.refunded)
        if part <= 0:
            continue
        row = _take_back(
            payment,
            part,
            value_date=value_date,
            reference=reference or payment.reference,
            description=description or _("Refund of unspent funds"),
            recorded_by=recorded_by,
        )
        rows.append(row)
        left -= part
        if left <= 0:
            break
    Project.objects.filter(pk=project.pk).update(disbursed_total=F("disbursed_total") - amount)
    return rows


@transaction.atomic
def balance_write_off(*, project: Project, amount: Decimal, reason: str, by: User | None) -> Closeout:
    """Record the decision not to recover part of the unspent balance; no money moves."""
    _require(by, "grants.write_off_balance", _("Only finance writes off a balance."))
    _require_positive(amount)
    reason = _require_reason(reason)
    project = project_lock(project)
    closeout = _closeout(project)
    left = project.disbursed_total - project.spent_total - closeout.written_off
    if amount > left:
        raise CloseoutError(
            _("%(left)s is unspent and neither refunded nor written off: %(amount)s is too much.")
            % {
                "left": format_money(max(left, Decimal(0)), project.currency),
                "amount": format_money(amount, project.currency),
            },
            field="amount",
        )
    closeout.written_off += amount
    closeout.write_off_reason = f"{closeout.write_off_reason}\n{reason}".strip()
    closeout.written_off_at, closeout.written_off_by = timezone.now(), by
    _save(closeout)
    return closeout


@transaction.atomic
def evaluation_upload(*, project: Project, upload: UploadedFile, by: User | None) -> Closeout:
    """Keep the project's evaluation (a PDF or an office document, checked by its content) with its closeout."""
    _require(by, "grants.change_closeout", _("Only the secretariat uploads the evaluation."))
    try:
        content_type = upload_type(upload)
    except DomainError as error:
        raise CloseoutError(error.message, field="evaluation") from None
    if content_type not in EVALUATION_TYPES:
        raise CloseoutError(_("%(name)s is not a PDF, DOCX or XLSX file.") % {"name": upload.name}, field="evaluation")
    project = Project.objects.select_for_update().get(pk=project.pk)
    closeout = _closeout(project)
    if closeout.is_closed:
        raise CloseoutError(_("%(code)s is closed: reopen it to change its evaluation.") % {"code": project.code})
    closeout.evaluation = upload
    closeout.evaluation_name = upload.name[:200]
    closeout.evaluation_type = content_type
    closeout.evaluation_uploaded_at = timezone.now()
    closeout.save()
    return closeout


def unmet_message(unmet: list[ChecklistItem]) -> str:
    return _("Not ready to close: %(items)s.") % {"items": "; ".join(str(item.label) for item in unmet)}


@transaction.atomic
def project_close(
    *, project: Project, by: User | None, actual_end: dt.date | None = None, comment: str = ""
) -> Closeout:
    """Close a project whose checklist is all met: its status closed, its actual end date set, its agreement closed
    and its ledger locked. Refused with the items still unmet."""
    _require(by, "grants.close_project", _("Only the grants committee closes a project."))
    project = Project.objects.select_for_update().get(pk=project.pk)
    closeout = _closeout(project)
    if closeout.is_closed:
        raise CloseoutError(_("%(code)s is already closed.") % {"code": project.code})
    state = closeout_state(project)
    if not state.is_ready:
        raise CloseoutError(unmet_message(state.unmet), unmet=state.unmet)
    actual_end = actual_end or timezone.localdate()
    if actual_end < project.start_date:
        raise CloseoutError(_("A project cannot end before it starts."), field="actual_end")
    CLOSEOUT_WORKFLOW.move(
        closeout,
        CloseoutStatus.CLOSED,
        actor=CLOSER,
        by=by,
        comment=comment.strip(),
        error=CloseoutError,
        checklist=[item.snapshot() for item in state.items],
        status_before=project.status,
        closed_at=timezone.now(),
        closed_by=by,
    )
    project.status, project.actual_end_date = ProjectStatus.CLOSED, actual_end
    project.save(update_fields=["status", "actual_end_date", "updated_at"])
    GrantAgreement.objects.filter(project=project).update(status=AgreementStatus.CLOSED)
    enqueue(tasks.notify_closeout_step, closeout.pk)
    return closeout


@transaction.atomic
def project_reopen(*, project: Project, by: User | None, reason: str) -> Closeout:
    """Reopen a closed project, with a reason: its ledger takes rows again and it is back in its earlier status."""
    _require(by, "grants.close_project", _("Only the grants committee reopens a project."))
    reason = _require_reason(reason)
    project = Project.objects.select_for_update().get(pk=project.pk)
    closeout = _closeout(project)
    status_before = closeout.status_before or ProjectStatus.IMPLEMENTATION
    CLOSEOUT_WORKFLOW.move(
        closeout,
        CloseoutStatus.OPEN,
        actor=CLOSER,
        by=by,
        comment=reason,
        error=CloseoutError,
        reopened_at=timezone.now(),
        reopened_by=by,
        reopen_reason=reason,
    )
    project.status, project.actual_end_date = status_before, None
    project.save(update_fields=["status", "actual_end_date", "updated_at"])
    GrantAgreement.objects.filter(project=project).update(status=AgreementStatus.SIGNED)
    enqueue(tasks.notify_closeout_step, closeout.pk)
    return closeout
