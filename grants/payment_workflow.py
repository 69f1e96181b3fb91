"""The payment request workflow: the one place that says which step is allowed for whom.

requested → checked (programme officer) → approved (finance officer) → paid (the run it was paid in confirmed);
the checker returns or declines a request it has not checked, the approver one it has not approved, each saying
why; the partner withdraws a request nobody has checked yet.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from common.workflow import Workflow

from .models import PaymentRequestStatus

S = PaymentRequestStatus


class Actor(StrEnum):
    PARTNER = "partner"  # a partner user of the grantee
    CHECKER = "checker"  # a programme officer (grants.check_paymentrequest)
    APPROVER = "approver"  # a finance officer (grants.approve_paymentrequest)
    TREASURY = "treasury"  # a finance officer confirming a payment run (grants.confirm_paymentrun)


TRANSITIONS: dict[tuple[str, str], Actor] = {
    (S.REQUESTED, S.WITHDRAWN): Actor.PARTNER,
    (S.REQUESTED, S.CHECKED): Actor.CHECKER,
    (S.REQUESTED, S.RETURNED): Actor.CHECKER,
    (S.REQUESTED, S.DECLINED): Actor.CHECKER,
    (S.CHECKED, S.APPROVED): Actor.APPROVER,
    (S.CHECKED, S.RETURNED): Actor.APPROVER,
    (S.CHECKED, S.DECLINED): Actor.APPROVER,
    (S.APPROVED, S.PAID): Actor.TREASURY,
}

# The permission each staff actor needs.
PERMISSIONS = {
    Actor.CHECKER: "grants.check_paymentrequest",
    Actor.APPROVER: "grants.approve_paymentrequest",
    Actor.TREASURY: "grants.confirm_paymentrun",
}

WORKFLOW = Workflow(TRANSITIONS, refusal=_("A payment request that is %(status)s cannot be %(to)s by you."))
is_allowed = WORKFLOW.is_allowed
next_steps = WORKFLOW.next_steps
