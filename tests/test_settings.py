"""Settings come from the environment only, with safe fallbacks for development."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import S3_BUCKET, s3_storage

ROOT = Path(__file__).resolve().parent.parent
CONFIG_VARIABLES = [
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "EMAIL_URL",
    "MEDIA_ROOT",
    "REPORTING_CURRENCY",
    "PUBLIC_CURRENCIES",
    "DONOR_REPORT_TIME_LIMIT",
    "CELERY_VISIBILITY_TIMEOUT",
    "DONOR_REPORT_HEARTBEAT",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "STORAGE_BACKEND",
    "S3_BUCKET",
    "S3_ENDPOINT_URL",
    "S3_REGION",
    "S3_ACCESS_KEY_ID",
    "S3_SECRET_ACCESS_KEY",
    "S3_PREFIX",
    "DATABASE_REPLICA_URLS",
]
PRINT_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
from citiesalliance.celery import app
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "name": str(settings.DATABASES["default"]["NAME"]),
    "eager": bool(app.conf.task_always_eager),
    "broker": app.conf.broker_url,
    "email": settings.EMAIL_BACKEND,
    "debug": settings.DEBUG,
    "media": str(settings.MEDIA_ROOT),
    "currency": settings.REPORTING_CURRENCY,
    "use_tz": settings.USE_TZ,
    "user_model": settings.AUTH_USER_MODEL,
    "cache": settings.CACHES["default"]["BACKEND"],
    "database_options": settings.DATABASES["default"].get("OPTIONS", {}),
    "health_checks": settings.DATABASES["default"].get("CONN_HEALTH_CHECKS"),
    "visibility_timeout": app.conf.broker_transport_options["visibility_timeout"],
    "storage": settings.STORAGES["default"],
    "sessions": settings.SESSION_ENGINE,
    "replicas": {alias: settings.DATABASES[alias] for alias in settings.DATABASE_REPLICAS},
}, default=str))
"""


def run_python(code: str, **environment: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in CONFIG_VARIABLES}
    env.update(DJANGO_SETTINGS_MODULE="citiesalliance.settings", **environment)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def settings_with(**environment: str) -> dict:
    result = run_python(PRINT_SETTINGS, **environment)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_with_nothing_set_the_site_runs_on_sqlite_in_var_with_tasks_in_process_and_mail_to_the_console():
    configured = settings_with()

    assert configured["engine"] == "django.db.backends.sqlite3"
    assert Path(configured["name"]) == ROOT / "var" / "db.sqlite3"
    assert configured["eager"] is True
    assert configured["broker"] == "memory://"
    assert configured["email"] == "django.core.mail.backends.console.EmailBackend"
    assert configured["debug"] is True
    assert configured["currency"] == "USD"
    assert configured["use_tz"] is True
    assert configured["user_model"] == "members.User"


def test_with_database_and_redis_urls_the_site_uses_postgresql_and_a_worker_over_redis(tmp_path):
    configured = settings_with(
        DATABASE_URL="postgres://portfolio@db.internal:5432/portfolio",
        REDIS_URL="redis://cache.internal:6379/0",
        EMAIL_URL="smtp://mailer.internal:25",
        MEDIA_ROOT=str(tmp_path),
        REPORTING_CURRENCY="eur",
    )

    assert configured["engine"] == "django.db.backends.postgresql"
    assert configured["name"] == "portfolio"
    assert configured["eager"] is False
    assert configured["broker"] == "redis://cache.internal:6379/0"
    assert configured["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert configured["media"] == str(tmp_path)
    assert configured["currency"] == "EUR"
    # Faults: a Redis outage lets throttles allow, a dead connection is replaced, a dead worker's task returns.
    assert configured["cache"] == "common.cache.ForgivingRedisCache"
    assert configured["health_checks"] is True and configured["database_options"] == {
        "connect_timeout": 5,
        "options": "-c jit=off",
    }
    assert configured["visibility_timeout"] == 600


PRODUCTION = {"DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(64), "ALLOWED_HOSTS": "portfolio.example.org"}


@pytest.mark.parametrize(
    "times",
    [
        {"DONOR_REPORT_TIME_LIMIT": "900", "CELERY_VISIBILITY_TIMEOUT": "600"},
        {"DONOR_REPORT_HEARTBEAT": "150", "CELERY_VISIBILITY_TIMEOUT": "600"},  # a dead worker's claim: 600 s
    ],
    ids=["a task runs longer", "a claim goes stale later"],
)
def test_production_refuses_a_visibility_timeout_shorter_than_a_task_may_run_or_wait(times):
    result = run_python(PRINT_SETTINGS, **PRODUCTION, **times)

    assert result.returncode != 0
    assert "CELERY_VISIBILITY_TIMEOUT must exceed the longest task time limit by 2 minutes" in result.stderr


def test_development_takes_a_visibility_timeout_of_seconds_as_the_tests_workers_do():
    assert settings_with(CELERY_VISIBILITY_TIMEOUT="10")["visibility_timeout"] == 10


def test_a_heartbeat_of_zero_seconds_is_refused():
    result = run_python(PRINT_SETTINGS, DONOR_REPORT_HEARTBEAT="0")

    assert result.returncode != 0
    assert "DONOR_REPORT_HEARTBEAT must be a number of seconds above 0" in result.stderr


@pytest.mark.parametrize("secret", ["", "short", "django-insecure-" + "x" * 60])
def test_production_refuses_to_start_without_a_real_secret_key(secret):
    result = run_python(PRINT_SETTINGS, DEBUG="0", SECRET_KEY=secret, ALLOWED_HOSTS="portfolio.example.org")

    assert result.returncode != 0
    assert "SECRET_KEY must be set to a random value" in result.stderr


def test_an_unknown_reporting_currency_is_refused():
    result = run_python(PRINT_SETTINGS, REPORTING_CURRENCY="XYZ")

    assert result.returncode != 0
    assert "REPORTING_CURRENCY 'XYZ' is not an ISO 4217 code" in result.stderr


def test_production_settings_pass_the_deployment_checks_without_warnings():
    env = {key: value for key, value in os.environ.items() if key not in CONFIG_VARIABLES}
    env.update(DEBUG="0", SECRET_KEY=secrets.token_urlsafe(64), ALLOWED_HOSTS="portfolio.example.org")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_uploads_go_to_the_filesystem_by_default_and_sessions_to_the_database_any_web_process_reads():
    configured = settings_with()

    assert configured["storage"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert configured["sessions"] == "django.contrib.sessions.backends.db"
    assert configured["replicas"] == {}


S3 = {
    "STORAGE_BACKEND": "s3",
    "S3_BUCKET": S3_BUCKET,
    "S3_ENDPOINT_URL": "https://s3.example.org",
    "S3_REGION": "eu-west-3",
    "S3_ACCESS_KEY_ID": "AKIDEXAMPLE",
    "S3_SECRET_ACCESS_KEY": "secret-example",
}


def test_production_keeps_uploads_in_a_private_s3_bucket_when_told_to():
    configured = settings_with(**PRODUCTION, **S3, S3_PREFIX="media")

    # The tests' bucket (tests/conftest.py) is this storage, on moto's endpoint.
    assert configured["storage"] == s3_storage(
        endpoint_url="https://s3.example.org",
        region_name="eu-west-3",
        access_key="AKIDEXAMPLE",
        secret_key="secret-example",
    )


def test_without_keys_the_bucket_is_reached_with_the_machines_own_credentials():
    configured = settings_with(**PRODUCTION, STORAGE_BACKEND="s3", S3_BUCKET="portfolio-uploads")

    assert configured["storage"]["OPTIONS"]["access_key"] is None
    assert configured["storage"]["OPTIONS"]["endpoint_url"] is None


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({**S3, "S3_BUCKET": ""}, "STORAGE_BACKEND=s3 needs S3_BUCKET"),
        ({**S3, "S3_SECRET_ACCESS_KEY": ""}, "Set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither"),
        ({**S3, "S3_ACCESS_KEY_ID": ""}, "Set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither"),
        ({"S3_BUCKET": "portfolio-uploads"}, "S3_BUCKET set but STORAGE_BACKEND is filesystem"),
        ({"STORAGE_BACKEND": "nfs"}, "STORAGE_BACKEND 'nfs' is neither filesystem nor s3"),
    ],
    ids=["no bucket", "no secret", "no key id", "bucket without the backend", "unknown backend"],
)
def test_production_refuses_to_start_on_half_configured_object_storage(environment, message):
    result = run_python(PRINT_SETTINGS, **PRODUCTION, **environment)

    assert result.returncode != 0
    assert message in result.stderr


def test_read_replicas_are_named_after_the_primary_and_mirror_it_in_tests():
    configured = settings_with(
        DATABASE_URL="postgres://portfolio@primary.internal:5432/portfolio",
        DATABASE_REPLICA_URLS="postgres://reader@replica-a.internal:5432/portfolio,"
        "postgres://reader@replica-b.internal:5432/portfolio",
    )

    assert list(configured["replicas"]) == ["replica1", "replica2"]
    first = configured["replicas"]["replica1"]
    assert (first["HOST"], first["USER"], first["NAME"]) == ("replica-a.internal", "reader", "portfolio")
    assert first["TEST"]["MIRROR"] == "default"
    assert first["CONN_HEALTH_CHECKS"] is True and first["OPTIONS"] == {"connect_timeout": 5, "options": "-c jit=off"}


def test_a_replica_of_another_engine_is_refused():
    result = run_python(
        PRINT_SETTINGS,
        DATABASE_URL="postgres://portfolio@primary.internal:5432/portfolio",
        DATABASE_REPLICA_URLS="sqlite:////tmp/replica.sqlite3",
    )

    assert result.returncode != 0
    assert "DATABASE_REPLICA_URLS must name replicas of DATABASE_URL's database engine" in result.stderr


WRITE_AFTER_READ_WHILE_ANOTHER_WRITES = """
import threading, time, django
django.setup()
from django.db import connection, transaction

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE job (id INTEGER PRIMARY KEY, done TEXT)")
writing = threading.Event()


def long_write():  # a demo portfolio loading in one transaction
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO job (done) VALUES ('portfolio')")
        writing.set()
        time.sleep(1)
    connection.close()


def read_then_write():  # a background job: reads what waits, then writes it
    writing.wait()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM job")
            cursor.execute("INSERT INTO job (done) VALUES ('located')")
    connection.close()


failures = []
def recorded(job):
    def run():
        try:
            job()
        except Exception as error:
            failures.append(repr(error))
    return threading.Thread(target=run)


threads = [recorded(long_write), recorded(read_then_write)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
with connection.cursor() as cursor:
    cursor.execute("SELECT done FROM job ORDER BY id")
    print(failures, [done for (done,) in cursor.fetchall()])
"""


def test_on_sqlite_a_job_that_writes_while_another_transaction_writes_waits_for_it_instead_of_failing(tmp_path):
    """The embedded setup: a background job (locating cities) reads, then writes, while the demo portfolio
    loads in one transaction; it used to fail at once with "database is locked"."""
    result = run_python(WRITE_AFTER_READ_WHILE_ANOTHER_WRITES, DATABASE_URL=f"sqlite:///{tmp_path / 'site.sqlite3'}")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[] ['portfolio', 'located']"
