from __future__ import annotations

import os

import pytest
from django.db import connection

from citiesalliance.celery import app as celery_app

IN_CI = bool(os.environ.get("CI"))


def require_service(condition: bool, reason: str) -> None:
    """Skip locally, but fail in CI, when a service a test needs is missing."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI is set, so a missing service is a failure)", pytrace=False)
    pytest.skip(reason)


def redis_available() -> bool:
    from django.conf import settings

    if not settings.REDIS_URL:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres"):
        require_service(connection.vendor == "postgresql", "needs PostgreSQL: set DATABASE_URL")
    if item.get_closest_marker("redis"):
        require_service(redis_available(), "needs Redis: set REDIS_URL to a running server")


@pytest.fixture(scope="session")
def _media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _test_settings(settings, _media_root):
    settings.MEDIA_ROOT = _media_root
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True, scope="session")
def _eager_celery():
    """Unit tests run tasks in-process; the worker tests switch this off for themselves."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield


@pytest.fixture
def staff_client(client):
    from tests.factories import StaffFactory

    client.force_login(StaffFactory())
    return client
