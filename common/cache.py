"""The cache over Redis, which a Redis outage does not turn into server errors nor into open doors.

The site keeps nothing in the cache that it cannot lose: the API's throttles and the sign-in
rate limits count requests there. While Redis does not answer, the cache is this process's
memory instead, so requests are neither refused with a 500 nor let through uncounted: failed
sign-ins and API requests still count, though per web process rather than for the whole site
(with three gunicorn workers, a client gets at most three times its limit). The log says so
once when the outage starts and once when it ends; the counts kept meanwhile are dropped.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from typing import Any

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)


class _Outage:
    """Whether the last cache call failed, so that an outage is logged once, not on every request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.ongoing = False

    def started(self, location: str, error: Exception) -> None:
        with self._lock:
            if self.ongoing:
                return
            self.ongoing = True
        logger.warning(
            "The cache at %s does not answer (%s): throttles and sign-in rate limits count in each web process's "
            "memory until it does.",
            location,
            error,
        )

    def ended(self, location: str) -> None:
        if not self.ongoing:  # the usual case, read without the lock
            return
        with self._lock:
            if not self.ongoing:
                return
            self.ongoing = False
        logger.warning("The cache at %s answers again: throttles and rate limits count there again.", location)


outage = _Outage()


def _forgiving(method: Callable) -> Callable:
    """Run the cache method; if Redis fails, log the outage and run it on this process's memory instead."""

    @functools.wraps(method)
    def wrapper(self: ForgivingRedisCache, *args: Any, **kwargs: Any) -> Any:
        try:
            result = method(self, *args, **kwargs)
        except redis.RedisError as error:
            outage.started(self._server_label, error)
            return getattr(self.fallback, method.__name__)(*args, **kwargs)
        outage.ended(self._server_label)
        return result

    return wrapper


class ForgivingRedisCache(RedisCache):
    """Django's Redis cache, but a Redis that does not answer makes it a cache in this process's memory."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        # LocMemCache instances of one name share their data: one cache per process, whichever thread asks.
        self.fallback = LocMemCache(f"redis-outage:{server}", {"OPTIONS": {"MAX_ENTRIES": 100_000}})

    @property
    def _server_label(self) -> str:
        # The address without a password, for the log.
        return ", ".join(server.rpartition("@")[2] for server in self._servers)

    @_forgiving
    def get(self, key, default=None, version=None):
        return super().get(key, default, version)

    @_forgiving
    def get_many(self, keys, version=None):
        return super().get_many(keys, version)

    @_forgiving
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return super().add(key, value, timeout, version)

    @_forgiving
    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return super().set(key, value, timeout, version)

    @_forgiving
    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return super().set_many(data, timeout, version)

    @_forgiving
    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return super().touch(key, timeout, version)

    @_forgiving
    def delete(self, key, version=None):
        return super().delete(key, version)

    @_forgiving
    def delete_many(self, keys, version=None):
        return super().delete_many(keys, version)

    @_forgiving
    def has_key(self, key, version=None):
        return super().has_key(key, version)

    @_forgiving
    def incr(self, key, delta=1, version=None):
        return super().incr(key, delta, version)

    @_forgiving
    def clear(self):
        return super().clear()
