from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Model


class DomainError(Exception):
    """A business rule refused an operation; `message` is shown to the person who asked."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class RecordInUse(DomainError):
    """A record that others still use cannot be deleted (the API answers 409 Conflict)."""


def validate(instance: Model, *, error: type[DomainError] = DomainError) -> None:
    """`full_clean()`, with its first problem raised as `error` on the field concerned (none for the whole record)."""
    try:
        instance.full_clean()
    except ValidationError as refusal:
        if hasattr(refusal, "error_dict"):
            field, messages = next(iter(refusal.message_dict.items()))
        else:
            field, messages = NON_FIELD_ERRORS, refusal.messages
        raise error(" ".join(messages), field=None if field == NON_FIELD_ERRORS else field) from refusal
