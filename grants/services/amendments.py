"""Amendments of a signed grant agreement: requested, withdrawn, declined, or approved and applied.

requested → approved | declined (by the committee, with the act `grants.decide_amendment`, never by the staff
member who requested it) | withdrawn (by whoever requested it: the staff member, or the grantee's partners).
Approval applies every change in one transaction with the agreement and its project locked: the budget lines
replaced, the end date moved (and the reports owed with it, through the apps that keep them), more money
committed through the ledger with its new tranches, and a new version of the agreement kept. An approved
amendment then awaits both sides' signatures (grants/services/amendment_signatures.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from django.db import transaction
from django.db.models import Max, ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.errors import DomainError, validate
from common.money import format_money
from common.outbox import enqueue
from common.permissions import may
from common.workflow import Workflow
from members.models import Role, User
from members.selectors import organisations_of

from .. import tasks
from ..hooks import end_date_moved
from ..models import (
    AgreementStatus,
    Amendment,
    AmendmentBudgetLine,
    AmendmentKind,
    AmendmentStatus,
    AmendmentTranche,
    GrantAgreement,
    GrantBudgetLine,
    Project,
)
from ..selectors.ledger import fund_unallocated_balance
from .ledger import (
    BudgetLineInput,
    LedgerError,
    TrancheSpec,
    agreement_commitment_increase,
    budget_lines_check,
    project_lock,
    tranche_schedule,
)
from .versions import agreement_version_make


class AmendmentError(DomainError):
    """An amendment rule refused the operation."""


class Actor(StrEnum):
    REQUESTER = "requester"  # the staff member who asked, or the grantee's partners for a request of theirs
    COMMITTEE = "committee"  # staff holding grants.decide_amendment


S = AmendmentStatus
TRANSITIONS = {
    (S.REQUESTED, S.APPROVED): Actor.COMMITTEE,
    (S.REQUESTED, S.DECLINED): Actor.COMMITTEE,
    (S.REQUESTED, S.WITHDRAWN): Actor.REQUESTER,
}
WORKFLOW = Workflow(TRANSITIONS, refusal=gettext_lazy("An amendment that is %(status)s cannot be %(to)s."))


@dataclass(frozen=True)
class AmendmentTerms:
    """What an amendment proposes. Budget lines: for a revision they add up to the current amount, for a cost
    extension to the new one; a no-cost extension may re-arrange them too (then they add up to the current
    amount). Tranches: a cost extension's new ones, adding up to the additional amount."""

    kind: str
    reason: str
    new_end_date: dt.date | None = None
    additional_amount: Decimal | None = None
    budget_lines: Sequence[BudgetLineInput] = field(default_factory=tuple)
    tranches: Sequence[TrancheSpec] = field(default_factory=tuple)


def is_grantee_partner(user: User, agreement: GrantAgreement) -> bool:
    return organisations_of(user=user, role=Role.PARTNER).filter(pk=agreement.grantee_id).exists()


def may_request(user: User, agreement: GrantAgreement) -> bool:
    return may(user, "grants.add_amendment") or is_grantee_partner(user, agreement)


def _actor(user: User, amendment: Amendment, to_status: str) -> Actor | None:
    if to_status == S.WITHDRAWN:
        if amendment.requested_by_id == user.pk:
            return Actor.REQUESTER
        if amendment.by_partner and is_grantee_partner(user, amendment.agreement):
            return Actor.REQUESTER
        return None
    return Actor.COMMITTEE if may(user, "grants.decide_amendment") else None


def next_steps(amendment: Amendment, user: User) -> list[str]:
    return [to for (frm, to) in TRANSITIONS if frm == amendment.status and _actor(user, amendment, to)]


def _terms_check(*, agreement: GrantAgreement, project: Project, terms: AmendmentTerms) -> list[TrancheSpec]:
    """Refuse terms that cannot be applied as they stand; the schedule of new tranches, resolved."""
    if not terms.reason.strip():
        raise AmendmentError(_("Say why the agreement should change."), field="reason")
    if terms.kind not in AmendmentKind.values:
        raise AmendmentError(_("Choose what kind of amendment this is."), field="kind")
    currency = agreement.currency
    if terms.kind == AmendmentKind.BUDGET_REVISION and terms.new_end_date is not None:
        raise AmendmentError(_("A budget revision does not move the end date."), field="new_end_date")
    if terms.kind == AmendmentKind.NO_COST_EXTENSION and terms.new_end_date is None:
        raise AmendmentError(_("Give the new end date."), field="new_end_date")
    if terms.new_end_date is not None and terms.new_end_date <= project.end_date:
        raise AmendmentError(
            _("The new end date must be after the current end, %(end)s.") % {"end": project.end_date.isoformat()},
            field="new_end_date",
        )
    if terms.kind != AmendmentKind.COST_EXTENSION:
        if terms.additional_amount is not None:
            raise AmendmentError(_("Only a cost extension adds money."), field="additional_amount")
        if terms.tranches:
            raise AmendmentError(_("Only a cost extension adds tranches."), field="tranches")
    if terms.kind == AmendmentKind.BUDGET_REVISION and not terms.budget_lines:
        raise AmendmentError(_("Give the revised budget lines."), field="budget_lines")
    new_amount = agreement.amount
    schedule: list[TrancheSpec] = []
    if terms.kind == AmendmentKind.COST_EXTENSION:
        if terms.additional_amount is None or terms.additional_amount <= 0:
            raise AmendmentError(_("The additional amount must be more than zero."), field="additional_amount")
        if not terms.budget_lines:
            raise AmendmentError(
                _("Give the budget lines of the new amount, %(amount)s.")
                % {"amount": format_money(agreement.amount + terms.additional_amount, currency)},
                field="budget_lines",
            )
        if not terms.tranches:
            raise AmendmentError(_("Schedule the tranches that pay the additional amount."), field="tranches")
        free = fund_unallocated_balance(currency=currency)
        if terms.additional_amount > free:
            raise AmendmentError(
                _("The fund has %(free)s received and not yet committed: %(amount)s more cannot be committed.")
                % {"free": format_money(free, currency), "amount": format_money(terms.additional_amount, currency)},
                field="additional_amount",
            )
        new_amount = agreement.amount + terms.additional_amount
        try:
            schedule = tranche_schedule(amount=terms.additional_amount, currency=currency, tranches=terms.tranches)
        except LedgerError as error:
            raise AmendmentError(
                error.message.replace(_("the agreement commits"), _("the amendment adds")), field=error.field
            ) from error
    try:
        budget_lines_check(amount=new_amount, currency=currency, lines=terms.budget_lines)
    except LedgerError as error:
        raise AmendmentError(error.message, field=error.field) from error
    return schedule


@transaction.atomic
def amendment_request(*, agreement: GrantAgreement, user: User, terms: AmendmentTerms) -> Amendment:
    """Ask to change a signed agreement: the grantee's partners (in the portal) or staff who may add amendments.
    One request at a time per agreement, so each is decided on the terms it was made against."""
    agreement = GrantAgreement.objects.select_for_update().get(pk=agreement.pk)
    by_partner = is_grantee_partner(user, agreement)
    if not by_partner and not may(user, "grants.add_amendment"):
        raise AmendmentError(_("You may not request an amendment of this agreement."))
    if agreement.status != AgreementStatus.SIGNED:
        raise AmendmentError(_("Only an agreement in force can be amended."))
    if Amendment.objects.filter(agreement=agreement, status=S.REQUESTED).exists():
        raise AmendmentError(_("An amendment of this agreement is already waiting for a decision."))
    project = Project.objects.get(pk=agreement.project_id)
    schedule = _terms_check(agreement=agreement, project=project, terms=terms)
    last = Amendment.objects.filter(agreement=agreement).aggregate(last=Max("number"))["last"] or 0
    amendment = Amendment(
        agreement=agreement,
        number=last + 1,
        kind=terms.kind,
        reason=terms.reason.strip(),
        requested_by=user,
        by_partner=by_partner,
        new_end_date=terms.new_end_date,
        additional_amount=terms.additional_amount,
        currency=agreement.currency,
    )
    validate(amendment, error=AmendmentError)
    amendment.save()
    AmendmentBudgetLine.objects.bulk_create(
        AmendmentBudgetLine(
            amendment=amendment, category=line.category, description=line.description, amount=line.amount, order=order
        )
        for order, line in enumerate(terms.budget_lines)
    )
    AmendmentTranche.objects.bulk_create(
        AmendmentTranche(
            amendment=amendment,
            planned_date=spec.planned_date,
            amount=spec.amount,
            condition_kind=spec.kind,
            condition=spec.condition,
            release_on=spec.release_on,
        )
        for spec in schedule
    )
    enqueue(tasks.notify_amendment_requested, amendment.pk)
    return amendment


def _locked(amendment: Amendment) -> Amendment:
    return Amendment.objects.select_for_update().select_related("agreement").get(pk=amendment.pk)


def _move(amendment: Amendment, to_status: str, *, user: User, comment: str = "", **changes) -> None:
    WORKFLOW.move(
        amendment,
        to_status,
        actor=_actor(user, amendment, to_status),
        by=user,
        comment=comment,
        error=AmendmentError,
        **changes,
    )


@transaction.atomic
def amendment_withdraw(*, amendment: Amendment, user: User, reason: str = "") -> Amendment:
    amendment = _locked(amendment)
    _move(amendment, S.WITHDRAWN, user=user, comment=reason.strip())
    return amendment


@transaction.atomic
def amendment_decline(*, amendment: Amendment, user: User, reason: str) -> Amendment:
    if not reason.strip():
        raise AmendmentError(_("Say why the amendment is declined: the partner is told."), field="reason")
    amendment = _locked(amendment)
    _move(
        amendment,
        S.DECLINED,
        user=user,
        comment=reason.strip(),
        decided_by=user,
        decided_at=timezone.now(),
        decision_reason=reason.strip(),
    )
    enqueue(tasks.notify_amendment_decided, amendment.pk)
    return amendment


def _terms_of(amendment: Amendment) -> AmendmentTerms:
    return AmendmentTerms(
        kind=amendment.kind,
        reason=amendment.reason,
        new_end_date=amendment.new_end_date,
        additional_amount=amendment.additional_amount,
        budget_lines=[
            BudgetLineInput(line.category, line.amount, line.description) for line in amendment.budget_lines.all()
        ],
        tranches=[
            TrancheSpec(
                planned_date=tranche.planned_date,
                amount=tranche.amount,
                condition=tranche.condition,
                kind=tranche.condition_kind,
                release_on=tranche.release_on,
            )
            for tranche in amendment.tranches.all()
        ],
    )


def _budget_lines_replace(agreement: GrantAgreement, lines: Sequence[BudgetLineInput]) -> None:
    """The agreement's lines become `lines`: a line of the same category and description keeps its row (what is
    reported against it stays linked), the others are added, and the lines left out are removed."""
    existing = {(row.category, row.description): row for row in GrantBudgetLine.objects.filter(agreement=agreement)}
    kept = []
    for order, line in enumerate(lines):
        row = existing.pop((line.category, line.description), None) or GrantBudgetLine(
            agreement=agreement, category=line.category, description=line.description
        )
        row.amount, row.order = line.amount, order
        validate(row, error=AmendmentError)
        row.save()
        kept.append(row.pk)
    try:
        GrantBudgetLine.objects.filter(agreement=agreement).exclude(pk__in=kept).delete()
    except ProtectedError as error:
        raise AmendmentError(
            _("Something is recorded against a budget line the amendment removes: keep that line, at a lower amount.")
        ) from error


@transaction.atomic
def amendment_approve(*, amendment: Amendment, user: User, comment: str = "") -> Amendment:
    """Approve and apply the amendment, all or nothing; the terms are checked again against the agreement as it
    stands, and more money is committed only within the fund's unallocated balance."""
    amendment = _locked(amendment)
    if amendment.status == S.REQUESTED and amendment.requested_by_id == user.pk:
        raise AmendmentError(_("You requested this amendment: another member of the committee decides it."))
    project = project_lock(amendment.agreement.project)  # a closed project takes no amendment
    agreement = GrantAgreement.objects.select_for_update().get(pk=amendment.agreement_id)
    _move(
        amendment,
        S.APPROVED,
        user=user,
        comment=comment.strip(),
        decided_by=user,
        decided_at=timezone.now(),
        decision_reason=comment.strip(),
    )
    terms = _terms_of(amendment)
    _terms_check(agreement=agreement, project=project, terms=terms)
    today = timezone.localdate()
    if terms.new_end_date is not None:
        project.end_date = terms.new_end_date
        validate(project, error=AmendmentError)
        project.save(update_fields=["end_date", "updated_at"])
        end_date_moved.run(project)  # the reports owed cover the new end (results/apps.py registers it)
    if terms.kind == AmendmentKind.COST_EXTENSION:
        tranches_before = set(agreement.tranches.values_list("pk", flat=True))
        try:
            agreement_commitment_increase(
                agreement=agreement,
                amount=terms.additional_amount,
                value_date=today,
                tranches=terms.tranches,
                description=_("Amendment %(number)s: cost extension") % {"number": amendment.number},
                recorded_by=user,
            )
        except LedgerError as error:
            raise AmendmentError(error.message, field=error.field) from error
        # Its tranches wait for the amendment's signatures (grants/services/amendment_signatures.py).
        agreement.tranches.exclude(pk__in=tranches_before).update(amendment=amendment)
        agreement.refresh_from_db()
    if terms.budget_lines:
        _budget_lines_replace(agreement, terms.budget_lines)
    agreement_version_make(agreement=agreement, amendment=amendment)
    enqueue(tasks.notify_amendment_decided, amendment.pk)
    return amendment
