"""The application workflow: the one place that says which step is allowed for whom.

draft → submitted → screening → in review → approved / rejected
(a concept note of a two-stage call: in review → shortlisted / rejected; its full proposal starts as a draft)
(the applicant may withdraw until a decision; staff may reject at screening)
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from common.workflow import Workflow

from .models import ApplicationStatus

S = ApplicationStatus


class Actor(StrEnum):
    APPLICANT = "applicant"  # a partner user of the applying organisation
    STAFF = "staff"  # secretariat staff


TRANSITIONS: dict[tuple[str, str], Actor] = {
    (S.DRAFT, S.SUBMITTED): Actor.APPLICANT,
    (S.DRAFT, S.WITHDRAWN): Actor.APPLICANT,
    (S.SUBMITTED, S.WITHDRAWN): Actor.APPLICANT,
    (S.SCREENING, S.WITHDRAWN): Actor.APPLICANT,
    (S.IN_REVIEW, S.WITHDRAWN): Actor.APPLICANT,
    (S.SUBMITTED, S.SCREENING): Actor.STAFF,
    (S.SCREENING, S.IN_REVIEW): Actor.STAFF,
    (S.SCREENING, S.REJECTED): Actor.STAFF,
    (S.IN_REVIEW, S.SHORTLISTED): Actor.STAFF,  # a concept note: its full proposal is invited
    (S.IN_REVIEW, S.APPROVED): Actor.STAFF,
    (S.IN_REVIEW, S.REJECTED): Actor.STAFF,
}

DECIDED = {S.APPROVED, S.REJECTED, S.WITHDRAWN, S.SHORTLISTED}

WORKFLOW = Workflow(TRANSITIONS, refusal=_("An application that is %(status)s cannot be moved to %(to)s by you."))
is_allowed = WORKFLOW.is_allowed
next_steps = WORKFLOW.next_steps
