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


def validate(instance: Model, *, error: type[DomainError] = DomainError, built_by_code: bool = False) -> None:
    """`full_clean()`, with its first problem raised as `error` on the field concerned (none for the whole record).

    `built_by_code`: a service built the row from rows it has just read (a ledger row, say), so what only the
    database could tell is not asked of it again, a round trip each: that a related row it holds exists, and
    that the row meets its check constraints, which are that code's own invariants (the database enforces them
    again on insert). Its fields, its `clean()` and its uniqueness are checked as always.
    """
    try:
        if built_by_code:
            held = [field.name for field in instance._meta.concrete_fields if _holds_stored_row(instance, field)]
            instance.full_clean(exclude=held, validate_unique=False, validate_constraints=False)
            instance.validate_unique()
        else:
            instance.full_clean()
    except ValidationError as refusal:
        if hasattr(refusal, "error_dict"):
            field, messages = next(iter(refusal.message_dict.items()))
        else:
            field, messages = NON_FIELD_ERRORS, refusal.messages
        raise error(" ".join(messages), field=None if field == NON_FIELD_ERRORS else field) from refusal


def _holds_stored_row(instance: Model, field) -> bool:
    """Whether `instance` holds, in relation `field`, a row read from the database (not only its id)."""
    if not field.is_relation or not field.is_cached(instance):
        return False
    related = field.get_cached_value(instance)
    return related is not None and not related._state.adding
