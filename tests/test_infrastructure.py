"""The services the site stands on in production: PostgreSQL, Redis and a Celery worker."""

from __future__ import annotations

import gc
import importlib
import time

import pytest
import requests
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from citiesalliance.celery import ping
from tests.factories import ContributionFactory
from tests.worker import celery_worker

pytestmark = pytest.mark.django_db


@pytest.mark.postgres
def test_postgresql_enforces_the_money_constraints_itself():
    contribution = ContributionFactory()

    assert connection.vendor == "postgresql"
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE grants_contribution SET amount = -1 WHERE id = %s", [contribution.pk])


@pytest.mark.redis
def test_the_health_check_reports_database_and_broker(client):
    response = client.get(reverse("health"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True, "broker": True}


def test_the_health_check_fails_when_the_broker_is_unreachable(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = client.get(reverse("health"))

    assert response.status_code == 503
    assert response.json()["broker"] is False


def test_without_a_broker_tasks_run_in_process():
    assert ping.delay().get(timeout=1) == "pong"


@pytest.mark.redis
def test_a_celery_worker_over_redis_runs_tasks():
    with celery_worker():
        result = ping.delay()

        assert result.get(timeout=60) == "pong"


def test_the_web_server_process_freezes_what_it_loaded_out_of_full_garbage_collections():
    gc.unfreeze()
    try:
        module = importlib.reload(importlib.import_module("citiesalliance.wsgi"))

        assert callable(module.application)
        assert gc.get_freeze_count() > 10_000  # the modules, settings and URL patterns, at least
    finally:
        gc.unfreeze()


def database_clock():
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        return cursor.fetchone()[0]


def other_database_sessions(*, since) -> int:
    """Sessions on the test database opened since `since`, other than this thread's own (a process an
    earlier test started may still be ending: its session is older and is not this test's concern)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND backend_start >= %s",
            [since],
        )
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_request_served_by_another_thread_leaves_no_database_connection_open(live_server):
    # A client that keeps its connection alive keeps the server's thread for it alive too.
    started = database_clock()
    with requests.Session() as browser:
        assert browser.get(f"{live_server.url}/").status_code == 200

        # The server's thread closes its connection just after the response, and the database's
        # process then ends: allow for that, but far less than a kept connection's minute.
        deadline = time.monotonic() + 30
        while other_database_sessions(since=started) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert other_database_sessions(since=started) == 0
