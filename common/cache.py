"""The cache over Redis, which a Redis outage does not turn into server errors.

The site keeps nothing in the cache that it cannot lose: the API's throttles and the sign-in
rate limits count requests there. While Redis does not answer, reads miss and writes act as
if they were kept, so every request is allowed, not refused with a 500; the log says so once
when the outage starts and once when it ends.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from typing import Any

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
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
            "The cache at %s does not answer (%s): throttles and sign-in rate limits allow every request "
            "until it does.",
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
        logger.warning("The cache at %s answers again: throttles and rate limits count requests again.", location)


outage = _Outage()


def _forgiving(fallback: Callable[..., Any]) -> Callable:
    """Run the cache method; if Redis fails, log the outage and answer `fallback(*args)` instead."""

    def decorate(method: Callable) -> Callable:
        @functools.wraps(method)
        def wrapper(self: ForgivingRedisCache, *args: Any, **kwargs: Any) -> Any:
            try:
                result = method(self, *args, **kwargs)
            except redis.RedisError as error:
                outage.started(self._server_label, error)
                return fallback(*args, **kwargs)
            outage.ended(self._server_label)
            return result

        return wrapper

    return decorate


def _nothing(*args: Any, **kwargs: Any) -> None:
    return None


def _kept(*args: Any, **kwargs: Any) -> bool:
    return True


def _missed(*args: Any, **kwargs: Any) -> bool:
    return False


class ForgivingRedisCache(RedisCache):
    """Django's Redis cache, but a Redis that does not answer reads as a miss and writes as kept.

    `add` answers True: a lock taken in the cache (as allauth's rate limits take one) is granted.
    """

    @property
    def _server_label(self) -> str:
        # The address without a password, for the log.
        return ", ".join(server.rpartition("@")[2] for server in self._servers)

    @_forgiving(lambda key, default=None, version=None: default)
    def get(self, key, default=None, version=None):
        return super().get(key, default, version)

    @_forgiving(lambda keys, version=None: {})
    def get_many(self, keys, version=None):
        return super().get_many(keys, version)

    @_forgiving(_kept)
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return super().add(key, value, timeout, version)

    @_forgiving(_nothing)
    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return super().set(key, value, timeout, version)

    @_forgiving(lambda data, timeout=DEFAULT_TIMEOUT, version=None: [])
    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return super().set_many(data, timeout, version)

    @_forgiving(_missed)
    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return super().touch(key, timeout, version)

    @_forgiving(_missed)
    def delete(self, key, version=None):
        return super().delete(key, version)

    @_forgiving(_nothing)
    def delete_many(self, keys, version=None):
        return super().delete_many(keys, version)

    @_forgiving(_missed)
    def has_key(self, key, version=None):
        return super().has_key(key, version)
