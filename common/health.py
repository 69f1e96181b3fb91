"""A health check for load balancers and container orchestration: database and broker.

Each check gives up after `TIMEOUT_SECONDS`, so that a database where every query hangs is
reported as failing (503) instead of holding the check, and the answer says which failed.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, InterfaceError, connection, transaction
from django.http import HttpRequest, JsonResponse

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 2


def _probe_query() -> str:
    """A read of the table every sign-in reads: a database that answers `SELECT 1` may still fail those."""
    table = connection.ops.quote_name(get_user_model()._meta.db_table)
    return f"SELECT EXISTS (SELECT 1 FROM {table})"  # noqa: S608 - the name of a model's table, quoted


def _database_ok() -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                timeout = f"{int(TIMEOUT_SECONDS * 1000)}ms"
                cursor.execute("SELECT set_config('statement_timeout', %s, true)", [timeout])
            cursor.execute(_probe_query())
        return True
    except (DatabaseError, InterfaceError) as error:
        logger.warning("Health check: the database fails: %s", error)
        return False


def _broker_ok() -> bool:
    if not settings.REDIS_URL:
        return True
    import redis

    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS
    )
    try:
        return bool(client.ping())
    except redis.RedisError as error:
        logger.warning("Health check: Redis fails: %s", error)
        return False
    finally:
        client.close()


def health(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    healthy = all(checks.values())
    return JsonResponse({"status": "ok" if healthy else "failing", **checks}, status=200 if healthy else 503)
