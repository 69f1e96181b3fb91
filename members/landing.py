"""Where people land after logging in: apps built on members register their landing, without members importing them."""

from __future__ import annotations

from collections.abc import Callable

from .models import User

# A landing answers the address of its page for a user who belongs there, or None.
Landing = Callable[[User], str | None]
_landings: list[Landing] = []


def register_landing(landing: Landing) -> Landing:
    """Called from an app's `ready()`; the first landing that answers for a user wins."""
    if landing not in _landings:
        _landings.append(landing)
    return landing


def landing_for(user: User) -> str | None:
    return next((url for url in (landing(user) for landing in _landings) if url), None)
