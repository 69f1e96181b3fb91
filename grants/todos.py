"""What a partner has to do, for the portal's home page: apps built on grants add their kinds of to-do at
start-up (results: the reports owed), without grants importing them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from members.models import User


@dataclass(frozen=True)
class Todo:
    title: str
    detail: str
    url: str
    due: dt.date | None = None
    overdue: bool = False


TodoSource = Callable[[User, dt.date], list[Todo]]
_sources: list[TodoSource] = []


def register_todos(source: TodoSource) -> TodoSource:
    """Called from an app's `ready()`; each source answers a constant number of queries."""
    if source not in _sources:
        _sources.append(source)
    return source


def todos_for(user: User, today: dt.date) -> list[Todo]:
    """Everything the user's organisations owe, the overdue first, then by date."""
    found = [todo for source in _sources for todo in source(user, today)]
    return sorted(found, key=lambda todo: (not todo.overdue, todo.due or dt.date.max, todo.title))
