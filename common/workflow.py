"""A status workflow as one table: which step is allowed for whom, and taking a step.

Each app keeps its own table, (from status, to status) → the one actor who may take that step,
in its `workflow.py`; the record has a `status` field and its steps are kept as `transitions`
(a reverse relation with `from_status`, `to_status`, `by` and `comment`).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from django.db.models import Model

from .errors import DomainError


class Workflow:
    def __init__(self, transitions: Mapping[tuple[str, str], Hashable], *, refusal: str) -> None:
        """`refusal` is the message of a step refused, with `%(status)s` and `%(to)s` in it."""
        self.transitions = transitions
        self.refusal = refusal

    def is_allowed(self, record: Model, to_status: str, actor: Hashable | None) -> bool:
        return actor is not None and self.transitions.get((record.status, to_status)) == actor

    def next_steps(self, record: Model, actor: Hashable | None) -> list[str]:
        """The statuses `actor` may move the record to now, for buttons and admin actions."""
        return [to for (frm, to), who in self.transitions.items() if frm == record.status and who == actor]

    def move(
        self,
        record: Model,
        to_status: str,
        *,
        actor: Hashable | None,
        by: Model,
        comment: str = "",
        error: type[DomainError] = DomainError,
        **changes: Any,
    ) -> None:
        """Take one step: keep it in the record's history and save the status with `changes`, or raise `error`.

        The caller holds the record locked (`select_for_update`) in its transaction.
        """
        if not self.is_allowed(record, to_status, actor):
            labels = dict(record._meta.get_field("status").flatchoices)
            to = str(labels.get(to_status, to_status))
            raise error(self.refusal % {"status": record.get_status_display().lower(), "to": to.lower()})
        record.transitions.create(from_status=record.status, to_status=to_status, by=by, comment=comment)
        record.status = to_status
        for name, value in changes.items():
            setattr(record, name, value)
        touched = [field.name for field in record._meta.concrete_fields if getattr(field, "auto_now", False)]
        record.save(update_fields=["status", *changes, *touched])
