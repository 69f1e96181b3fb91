from __future__ import annotations


class DomainError(Exception):
    """A business rule refused an operation; `message` is shown to the person who asked."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class RecordInUse(DomainError):
    """A record that others still use cannot be deleted (the API answers 409 Conflict)."""
