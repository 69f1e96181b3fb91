"""Reads of payment requests and runs, scoped to the user: a guessed id answers 404."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from common.permissions import may
from members.models import BankAccount, Role, User
from members.selectors import organisations_of

from ..models import (
    OPEN_PAYMENT_STATUSES,
    GrantAgreement,
    PaymentRequest,
    PaymentRequestStatus,
    PaymentRun,
    Tranche,
    TrancheStatus,
)

REQUEST_RELATED = ("tranche__agreement__project", "tranche__agreement__grantee", "bank_account", "run")


def visible_payment_requests(user: User) -> QuerySet[PaymentRequest]:
    """Staff who view payment requests see all; a partner its organisations' ones; anyone else none."""
    requests = PaymentRequest.objects.select_related(*REQUEST_RELATED)
    if may(user, "grants.view_paymentrequest"):
        return requests
    if not user.is_authenticated:
        return requests.none()
    return requests.filter(tranche__agreement__grantee__in=organisations_of(user=user, role=Role.PARTNER))


def visible_payment_runs(user: User) -> QuerySet[PaymentRun]:
    return PaymentRun.objects.all() if may(user, "grants.view_paymentrun") else PaymentRun.objects.none()


def payment_requests_to_check() -> Q:
    return Q(status=PaymentRequestStatus.REQUESTED)


def payment_requests_to_approve() -> Q:
    return Q(status=PaymentRequestStatus.CHECKED)


def payment_requests_to_pay() -> Q:
    """Approved and in no run yet: what the next payment run takes."""
    return Q(status=PaymentRequestStatus.APPROVED, run__isnull=True)


@dataclass(frozen=True)
class TrancheToRequest:
    tranche: Tranche
    status: str
    held: Decimal  # by requests not yet decided
    requestable: Decimal

    @property
    def can_request(self) -> bool:
        return self.status in (TrancheStatus.DUE, TrancheStatus.PARTLY_PAID) and self.requestable > 0


@dataclass(frozen=True)
class PartnerPayments:
    """A grant's payments as its grantee sees them: tranches, requests, and the accounts it may be paid into."""

    agreement: GrantAgreement
    tranches: list[TrancheToRequest]
    requests: list[PaymentRequest]
    accounts: list[BankAccount]  # verified, in use, in the grant's currency


def partner_agreement(user: User, code: str) -> GrantAgreement:
    """The grant agreement of project `code`, for a partner of its grantee only (DoesNotExist otherwise)."""
    return GrantAgreement.objects.select_related("project", "grantee").get(
        project__code=code, grantee__in=organisations_of(user=user, role=Role.PARTNER)
    )


def partner_payments(agreement: GrantAgreement) -> PartnerPayments:
    today = timezone.localdate()
    tranches = list(
        agreement.tranches.annotate(
            held=Sum("payment_requests__amount", filter=Q(payment_requests__status__in=OPEN_PAYMENT_STATUSES))
        ).order_by("number")
    )
    rows = []
    for tranche in tranches:
        held = tranche.held or Decimal(0)
        rows.append(TrancheToRequest(tranche, tranche.status_on(today), held, max(tranche.remaining - held, 0)))
    requests = list(
        PaymentRequest.objects.filter(tranche__agreement=agreement)
        .select_related("tranche", "bank_account")
        .order_by("-requested_at", "-pk")
    )
    accounts = list(
        BankAccount.objects.filter(
            organisation=agreement.grantee_id, is_active=True, verified_at__isnull=False, currency=agreement.currency
        ).order_by("-created_at")
    )
    return PartnerPayments(agreement, rows, requests, accounts)


def run_requests(run: PaymentRun) -> list[PaymentRequest]:
    return list(
        run.requests.select_related(
            "bank_account", "tranche__agreement__grantee", "tranche__agreement__project"
        ).order_by("currency", "pk")
    )


def project_payment_requests(project_id: int) -> list[PaymentRequest]:
    return list(
        PaymentRequest.objects.filter(tranche__agreement__project_id=project_id)
        .select_related("tranche", "run", "bank_account")
        .order_by("-requested_at", "-pk")
    )


def partner_payment_request(user: User, pk: int) -> PaymentRequest:
    """One of the partner's organisations' requests (DoesNotExist for any other, staff's too: staff act in the
    admin)."""
    return PaymentRequest.objects.select_related(*REQUEST_RELATED).get(
        pk=pk, tranche__agreement__grantee__in=organisations_of(user=user, role=Role.PARTNER)
    )
