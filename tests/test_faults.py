"""Faults the site survives, injected: Redis unreachable (cache and broker), a database that hangs."""

from __future__ import annotations

import datetime as dt
import io
import logging
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from decimal import Decimal
from unittest import mock

import psycopg
import pytest
import requests
from django.core import mail
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
from django.core.management import call_command
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse
from kombu.exceptions import OperationalError as BrokerError
from rest_framework.test import APIClient

from citiesalliance.models import OutboxJob
from citiesalliance.tasks import flush_outbox
from common import cache as forgiving_cache
from common import health
from grants.models import Theme
from results import tasks as results_tasks
from results.models import ProgressReport, ReportStatus
from results.services import period_targets_set, project_indicator_add, project_result_add
from tests import webserver, worker
from tests.factories import (
    IndicatorFactory,
    OutcomeFactory,
    ProjectFactory,
    ReportingPeriodFactory,
    StaffFactory,
    VerifiedUserFactory,
    totp_code,
    with_totp,
)
from tests.results.helpers import submitted
from tests.test_settings import run_python

pytestmark = pytest.mark.django_db

API = "/api/v1"
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"  # nobody listens on port 1: connections are refused at once


# Redis unreachable: the cache (API throttles, sign-in rate limits)


@pytest.fixture
def cache_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "common.cache.ForgivingRedisCache",
            "LOCATION": UNREACHABLE_REDIS,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    forgiving_cache.outage.ongoing = False
    cache.fallback.clear()  # the counts an earlier test left in this process's memory
    yield
    forgiving_cache.outage.ongoing = False


def outage_warnings(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "common.cache"]


def test_with_the_cache_down_the_api_reads_and_writes_and_the_log_says_so_once(cache_down, caplog):
    caplog.set_level(logging.WARNING, logger="common.cache")
    staff = APIClient()
    staff.force_authenticate(StaffFactory())

    listed = APIClient().get(f"{API}/themes/")
    again = APIClient().get(f"{API}/themes/")
    written = staff.post(f"{API}/themes/", {"code": "water", "name": "Water"}, format="json")

    assert (listed.status_code, again.status_code, written.status_code) == (200, 200, 201)
    assert Theme.objects.filter(code="water").exists()
    [warning] = outage_warnings(caplog)
    assert "redis://127.0.0.1:1/0 does not answer" in warning and "count in each web process's memory" in warning


def test_with_the_cache_down_a_person_signs_in_and_sees_the_public_pages(cache_down, client):
    VerifiedUserFactory(email="planner@example.org")

    signed_in = client.post(
        reverse("account_login"), {"login": "planner@example.org", "password": "a-long-test-password"}
    )
    home = client.get(reverse("home"))
    projects = client.get("/projects/")

    assert signed_in.status_code == 302 and "_auth_user_id" in client.session
    assert (home.status_code, projects.status_code) == (200, 200)


def test_with_the_cache_down_staff_sign_in_with_their_second_factor(cache_down, client, settings):
    settings.MFA_REQUIRED_FOR_STAFF = True
    staff = StaffFactory(email="staff@example.org")
    VerifiedUserFactory(email=staff.email)
    secret = with_totp(staff)

    asked = client.post(reverse("account_login"), {"login": staff.email, "password": "a-long-test-password"})
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})

    assert asked["Location"] == reverse("mfa_authenticate")
    assert client.get("/admin/").status_code == 200


def test_with_the_cache_down_a_wrong_password_is_still_refused(cache_down, client):
    VerifiedUserFactory(email="planner@example.org")

    refused = client.post(reverse("account_login"), {"login": "planner@example.org", "password": "wrong"})

    assert refused.status_code == 200 and "_auth_user_id" not in client.session


def sign_in(client, password: str, ip: str):
    return client.post(reverse("account_login"), {"login": "planner@example.org", "password": password}, REMOTE_ADDR=ip)


def test_with_the_cache_down_failed_sign_ins_are_still_counted_without_locking_the_owner_out(cache_down, client):
    VerifiedUserFactory(email="planner@example.org")
    for _ in range(5):  # ACCOUNT_RATE_LIMITS["login_failed"]: 5 in 5 minutes for one account from one address
        wrong = sign_in(client, "wrong-guess-123", ip="192.0.2.1")
        assert "correct email address and password" in wrong.content.decode()

    refused = sign_in(client, "a-long-test-password", ip="192.0.2.1")

    assert "Too many failed login attempts" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    assert sign_in(client, "a-long-test-password", ip="198.51.100.7").status_code == 302  # the owner, elsewhere
    assert "_auth_user_id" in client.session


def test_with_the_cache_down_an_address_that_tries_many_accounts_is_still_slowed(cache_down, client):
    VerifiedUserFactory(email="planner@example.org")
    for n in range(10):  # ACCOUNT_RATE_LIMITS["login_failed"]: 10 a minute from one address
        client.post(reverse("account_login"), {"login": f"someone{n}@example.org", "password": "wrong-guess-123"})

    refused = client.post(
        reverse("account_login"), {"login": "planner@example.org", "password": "a-long-test-password"}
    )

    assert "Too many failed login attempts" in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_with_the_cache_down_the_api_still_throttles_each_client(cache_down, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "2/min", "user": "9/min"}}

    answers = [APIClient().get(f"{API}/themes/", REMOTE_ADDR="192.0.2.1").status_code for _ in range(3)]
    other = APIClient().get(f"{API}/themes/", REMOTE_ADDR="198.51.100.7")

    assert answers == [200, 200, 429]
    assert other.status_code == 200


def test_the_log_says_when_the_cache_answers_again(cache_down, caplog):
    caplog.set_level(logging.WARNING, logger="common.cache")
    APIClient().get(f"{API}/themes/")

    with mock.patch.object(RedisCache, "get", return_value=[]), mock.patch.object(RedisCache, "set"):
        answered = APIClient().get(f"{API}/themes/")

    assert answered.status_code == 200
    down, back = outage_warnings(caplog)
    assert down.startswith("The cache at redis://127.0.0.1:1/0 does not answer")
    assert back == "The cache at redis://127.0.0.1:1/0 answers again: throttles and rate limits count there again."


# Redis unreachable: the broker. An act that committed succeeds; its e-mail waits in the outbox.


@pytest.fixture
def report(db) -> ProgressReport:
    """A progress report a partner submitted, waiting for the secretariat."""
    project = ProjectFactory(code="CP-UGA-2024", start_date=dt.date(2024, 1, 1), end_date=dt.date(2026, 12, 31))
    period = ReportingPeriodFactory(
        project=project, start_date=dt.date(2024, 1, 1), end_date=dt.date(2024, 12, 31), due_date=dt.date(2025, 1, 31)
    )
    result = project_result_add(project=project, outcome=OutcomeFactory(), title="Residents shape upgrading plans")
    people = project_indicator_add(result=result, indicator=IndicatorFactory(name="People reached"))
    period_targets_set(period=period, targets={people.pk: Decimal("100")})
    return submitted(period, {people: "120"})


def broker_down():
    return mock.patch.object(
        results_tasks.notify_report_decided, "apply_async", side_effect=BrokerError("Error 111 connecting to redis")
    )


def approve_in_the_admin(report: ProgressReport, client) -> int:
    client.force_login(StaffFactory())
    url = reverse("admin:results_progressreport_approve", args=[report.pk])
    return client.post(url, {"comment": "Well evidenced."}).status_code


def approve_through_the_api(report: ProgressReport, client) -> int:
    api = APIClient()
    api.force_authenticate(StaffFactory())
    return api.post(f"{API}/reports/{report.pk}/approve/", {"comment": "Well evidenced."}, format="json").status_code


@pytest.mark.parametrize(
    ("approve", "success"), [(approve_in_the_admin, 302), (approve_through_the_api, 200)], ids=["admin", "api"]
)
def test_an_approval_made_while_the_broker_is_down_succeeds_and_its_email_is_sent_when_it_is_back(
    approve, success, report, client, caplog, django_capture_on_commit_callbacks
):
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        status = approve(report, client)

    report.refresh_from_db()
    assert status == success and report.status == ReportStatus.APPROVED
    job = OutboxJob.objects.get()
    assert (job.task, job.args) == ("results.tasks.notify_report_decided", [report.pk])
    assert mail.outbox == []
    assert "kept in the outbox" in caplog.text

    call_command("flush_outbox", stdout=io.StringIO())

    assert not OutboxJob.objects.exists()
    [message] = mail.outbox
    assert "CP-UGA-2024" in message.subject and "approved" in message.subject.lower()


def test_the_periodic_flush_sends_the_kept_jobs_once_the_broker_is_back(report, django_capture_on_commit_callbacks):
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        approve_through_the_api(report, None)

    assert flush_outbox.delay().get() == 1

    assert not OutboxJob.objects.exists() and len(mail.outbox) == 1


def test_a_flush_while_the_broker_is_still_down_keeps_the_job_and_counts_the_attempt(
    report, django_capture_on_commit_callbacks
):
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        approve_through_the_api(report, None)

    with broker_down():
        assert flush_outbox.delay().get() == 0

    job = OutboxJob.objects.get()
    assert job.attempts == 2 and "Error 111" in job.last_error
    assert mail.outbox == []


def test_the_flush_command_says_how_many_jobs_were_sent_and_left(report, django_capture_on_commit_callbacks):
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        approve_through_the_api(report, None)
    output = io.StringIO()

    with broker_down():
        call_command("flush_outbox", stdout=output)

    assert output.getvalue() == "0 job(s) sent, 1 still waiting.\n"


SEND_WITH_REDIS_UNREACHABLE = """
import django
django.setup()
from citiesalliance.celery import ping
from common.outbox import enqueue
enqueue(ping)
print("answered")
"""


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_process_whose_redis_refuses_connections_keeps_the_job_in_the_outbox_and_carries_on():
    # A real process and a real refused connection: the publish, and the result store Celery would subscribe
    # to for the job's result, both fail; the job must land in the outbox instead of an error.
    result = run_python(
        SEND_WITH_REDIS_UNREACHABLE, DATABASE_URL=worker.test_database_url(), REDIS_URL=UNREACHABLE_REDIS
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "answered"
    assert list(OutboxJob.objects.values_list("task", "args")) == [("citiesalliance.ping", [])]
    assert "kept in the outbox" in result.stderr


# /health/ with a short timeout on each check


def test_the_health_check_says_the_database_fails_when_its_query_fails(client):
    with mock.patch("common.health._probe_query", side_effect=OperationalError("canceling statement due to timeout")):
        response = client.get(reverse("health"))

    assert response.status_code == 503
    assert response.json() == {"status": "failing", "database": False, "broker": True}


@pytest.mark.postgres
def test_the_health_check_gives_up_on_a_database_whose_queries_hang(client, monkeypatch):
    monkeypatch.setattr(health, "TIMEOUT_SECONDS", 0.2)
    monkeypatch.setattr(health, "_probe_query", lambda: "SELECT pg_sleep(5)")

    response = client.get(reverse("health"))

    assert response.status_code == 503 and response.json()["database"] is False


def test_the_health_check_says_ok_when_the_users_table_answers(client):
    response = client.get(reverse("health"))

    assert response.status_code == 200 and response.json()["database"] is True


# PostgreSQL restarting during traffic. The stand-in for a restart is pg_terminate_backend on the web server's
# sessions: each ends as in a restart ("terminating connection due to administrator command"), a request in
# flight sees its query fail, and an idle kept connection is dead when next used. (A real restart also refuses
# new connections for its few seconds; that is not simulated here.)


@pytest.mark.parametrize(
    ("failure", "status", "says"),
    [
        (OperationalError("terminating connection due to administrator command"), 503, "unavailable for a moment"),
        (RuntimeError("a bug"), 500, "Something went wrong on our side"),
    ],
    ids=["database gone", "bug"],
)
def test_a_page_whose_database_fails_asks_to_try_again_and_a_bug_says_so(failure, status, says):
    browser = Client(raise_request_exception=False)
    browser.force_login(VerifiedUserFactory())

    with mock.patch("grants.views.selectors.project_list", side_effect=failure):
        page = browser.get("/projects/")

    assert page.status_code == status and says in page.content.decode()
    assert "administrator command" not in page.content.decode() and "a bug" not in page.content.decode()


# The test's own web server's sessions: on its test database, not another xdist worker's server's.
WEB_SESSIONS = "FROM pg_stat_activity WHERE application_name = %s AND datname = current_database()"


def terminate_web_sessions() -> int:
    """End every database session of the test's web server, waiting until each is gone; how many there were."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(pg_terminate_backend(pid, 5000)) {WEB_SESSIONS}", [webserver.APPLICATION_NAME])
        return cursor.fetchone()[0]


def web_sessions_waiting_for_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) {WEB_SESSIONS} AND wait_event_type = 'Lock'", [webserver.APPLICATION_NAME])
        return cursor.fetchone()[0]


@contextmanager
def table_locked(table: str):
    """Another session holds the table, so that a request reading it waits there: a request in flight."""
    with psycopg.connect(worker.test_database_url()) as locker:
        locker.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        yield
        locker.rollback()


def in_flight_when_postgresql_restarts(url: str, **options) -> requests.Response:
    with table_locked("grants_project"), ThreadPoolExecutor(max_workers=1) as pool:
        answer = pool.submit(requests.get, url, timeout=60, **options)
        deadline = time.monotonic() + 30
        while not web_sessions_waiting_for_a_lock():
            assert time.monotonic() < deadline, "the request never reached the database"
            time.sleep(0.1)
        assert terminate_web_sessions() == 1
        return answer.result()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_connection_postgresql_ended_between_requests_is_replaced_and_the_next_requests_succeed(tmp_path):
    ProjectFactory(code="CP-UGA-2024")

    with webserver.gunicorn_server(tmp_path) as server:
        first = requests.get(f"{server.url}/projects/", timeout=30)
        kept = terminate_web_sessions()  # the connection the server keeps between requests (CONN_MAX_AGE)
        page = requests.get(f"{server.url}/projects/", timeout=30)
        assert terminate_web_sessions() == 1
        listed = requests.get(f"{server.url}{API}/projects/", timeout=30)

    assert (first.status_code, kept) == (200, 1)
    assert page.status_code == 200 and "CP-UGA-2024" in page.text
    assert listed.status_code == 200 and listed.json()["results"][0]["code"] == "CP-UGA-2024"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_requests_in_flight_when_postgresql_restarts_fail_cleanly_and_the_next_ones_succeed(tmp_path, client, settings):
    ProjectFactory(code="CP-UGA-2024")
    settings.SECRET_KEY = secrets.token_urlsafe(64)  # the web server's, so that it reads this test's session
    client.force_login(VerifiedUserFactory())
    signed_in = {"cookies": {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}}

    with webserver.gunicorn_server(tmp_path, SECRET_KEY=settings.SECRET_KEY) as server:
        page = in_flight_when_postgresql_restarts(f"{server.url}/projects/")
        page_after = requests.get(f"{server.url}/projects/", timeout=30)
        own_page = in_flight_when_postgresql_restarts(f"{server.url}/projects/", **signed_in)
        own_page_after = requests.get(f"{server.url}/projects/", timeout=30, **signed_in)
        api = in_flight_when_postgresql_restarts(f"{server.url}{API}/projects/")
        api_after = requests.get(f"{server.url}{API}/projects/", timeout=30)
        log = server.output()

    assert page.status_code == 503 and page.headers["Content-Type"].startswith("text/html")
    assert "unavailable for a moment" in page.text and "try again" in page.text
    assert "Traceback" not in page.text and "administrator command" not in page.text
    assert page_after.status_code == 200 and "CP-UGA-2024" in page_after.text
    assert own_page.status_code == 503 and own_page.text == page.text
    assert own_page_after.status_code == 200 and "Log out" in own_page_after.text
    assert api.status_code == 503
    assert api.json()["error"]["code"] == "unavailable" and "administrator command" not in api.text
    assert api_after.status_code == 200 and api_after.json()["results"][0]["code"] == "CP-UGA-2024"
    # Logged with its cause, for the people who run the site.
    assert "Service Unavailable: /projects/" in log and "Service Unavailable: /api/v1/projects/" in log
    assert "terminating connection due to administrator command" in log
