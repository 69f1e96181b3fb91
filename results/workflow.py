"""The progress-report workflow: the one place that says which step is allowed for whom.

draft → submitted → approved, or → returned (with a comment) → submitted again.
Only approved reports count in any figure.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from common.workflow import Workflow

from .models import ReportStatus

S = ReportStatus


class Actor(StrEnum):
    REPORTER = "reporter"  # a partner user of an organisation taking part in the project
    STAFF = "staff"  # secretariat staff


TRANSITIONS: dict[tuple[str, str], Actor] = {
    (S.DRAFT, S.SUBMITTED): Actor.REPORTER,
    (S.RETURNED, S.SUBMITTED): Actor.REPORTER,
    (S.SUBMITTED, S.APPROVED): Actor.STAFF,
    (S.SUBMITTED, S.RETURNED): Actor.STAFF,
}

WORKFLOW = Workflow(TRANSITIONS, refusal=_("A report that is %(status)s cannot be moved to %(to)s by you."))
is_allowed = WORKFLOW.is_allowed
next_steps = WORKFLOW.next_steps
