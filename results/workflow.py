"""The progress-report workflow: the one place that says which step is allowed for whom.

draft → submitted → approved, or → returned (with a comment) → submitted again.
Only approved reports count in any figure.
"""

from __future__ import annotations

from enum import StrEnum

from .models import ProgressReport, ReportStatus

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


def is_allowed(report: ProgressReport, to_status: str, actor: Actor | None) -> bool:
    return actor is not None and TRANSITIONS.get((report.status, to_status)) == actor


def next_steps(report: ProgressReport, actor: Actor | None) -> list[str]:
    """The statuses `actor` may move the report to now, for buttons and admin actions."""
    return [to for (frm, to), who in TRANSITIONS.items() if frm == report.status and who == actor]
