"""Reads of the public and donor pages from a read replica, when DATABASE_REPLICA_URLS names one.

The pages anyone reads most (home, projects, results, calls, IATI files, the donors' dashboards) make the
heaviest queries and change nothing: they may read from a replica that lags a moment behind. Everything
else reads from the primary, and so does, for the rest of its request, any page once it has written or
while a transaction is open; a browser that posted something reads from the primary for
DATABASE_REPLICA_PIN_SECONDS, so that it sees its own change. Accounts, sessions and memberships always
come from the primary: who someone is and what they may see is never read from a copy that lags.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

# The portfolio's own data; other apps (accounts, sessions, permissions, memberships) read from the primary.
REPLICA_APPS = frozenset({"grants", "results", "donors", "opendata"})
# Pages read from a replica on GET and HEAD: the home page, the public projects, results, calls (not
# applying) and IATI files (not staff's import), and the donors' pages but their report jobs, which are read
# where workers write them, or a report just made could answer 404 on a replica that lags.
REPLICA_PAGES = re.compile(r"^/(?:$|projects/|results/$|calls/(?:[\w-]+/)?$|iati/(?!import/)|donors/(?!\d+/reports/))")
PIN_COOKIE = "primary_reads"


@dataclass
class _Reads:
    alias: str
    wrote: bool = False


_reads: ContextVar[_Reads | None] = ContextVar("replica_reads", default=None)


def replicas() -> list[str]:
    return list(settings.DATABASE_REPLICAS)


@contextmanager
def reads_from_replica() -> Iterator[str | None]:
    """Within the block, reads of the portfolio's data go to one replica (its alias), until something is
    written; without a replica, to the primary (None)."""
    available = replicas()
    if not available:
        yield None
        return
    token = _reads.set(_Reads(alias=random.choice(available)))  # noqa: S311 (spreads load, guards nothing)
    try:
        yield _reads.get().alias
    finally:
        _reads.reset(token)


class ReplicaRouter:
    """Writes, migrations and every read outside `reads_from_replica` use the primary."""

    def db_for_read(self, model, **hints) -> str:
        reads = _reads.get()
        if (
            reads is None
            or reads.wrote
            or model._meta.app_label not in REPLICA_APPS
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return DEFAULT_DB_ALIAS
        return reads.alias

    def db_for_write(self, model, **hints) -> str:
        reads = _reads.get()
        if reads is not None:
            reads.wrote = True  # the rest of the request reads what it wrote
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # replicas hold the primary's rows: an object read from one relates to any other

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS


class ReadsFromReplica:
    """Serves the public and donor pages' GET requests from a replica, unless the browser just wrote."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not replicas():
            return self.get_response(request)
        if request.method not in {"GET", "HEAD"}:
            response = self.get_response(request)
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.DATABASE_REPLICA_PIN_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
            return response
        if PIN_COOKIE in request.COOKIES or not REPLICA_PAGES.match(request.path_info):
            return self.get_response(request)
        with reads_from_replica():
            return self.get_response(request)
