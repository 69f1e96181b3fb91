from __future__ import annotations

import ctypes.util
import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import translation

from citiesalliance.celery import app as celery_app
from tests import quick_flush
from tests.live_server_gate import gate_of

IN_CI = bool(os.environ.get("CI"))


def require_service(condition: bool, reason: str) -> None:
    """Skip locally, but fail in CI, when a service a test needs is missing."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI is set, so a missing service is a failure)", pytrace=False)
    pytest.skip(reason)


# The system tools some tests need, what happens to those tests without them, and how each is found.
# `make test` installs them (scripts/system-packages test).
SYSTEM_TOOLS = {
    "chromium": ("browser tests skip", lambda: shutil.which("chromium")),
    "libatomic": ("browser tests fail (Playwright's Node.js needs it)", lambda: ctypes.util.find_library("atomic")),
    "pdftoppm": ("PDF page image tests skip", lambda: shutil.which("pdftoppm")),
    "libharfbuzz-subset": ("PDF tests fail (WeasyPrint warns)", lambda: ctypes.util.find_library("harfbuzz-subset")),
    "msgfmt": ("French pages stay English (the translations are not compiled)", lambda: shutil.which("msgfmt")),
}


@functools.cache
def missing_system_tools() -> tuple[str, ...]:
    return tuple(name for name, (_, found) in SYSTEM_TOOLS.items() if not found())


def require_tool(name: str) -> None:
    require_service(name not in missing_system_tools(), f"needs {name}: run `make system-packages`")


def compile_translations() -> None:
    """The .mo files `make messages` compiles, compiled here too when a catalogue is newer: a run of pytest
    alone tests the translations as committed."""
    for catalogue in Path(__file__).resolve().parent.parent.glob("locale/*/LC_MESSAGES/*.po"):
        compiled = catalogue.with_suffix(".mo")
        if not compiled.exists() or compiled.stat().st_mtime < catalogue.stat().st_mtime:
            subprocess.run(["msgfmt", "--check", "--output-file", compiled, catalogue], check=True)


def pytest_sessionstart(session):
    """One line at the top of every run (even with -q) naming the system tools missing here."""
    missing = missing_system_tools()
    if "msgfmt" not in missing and not os.environ.get("PYTEST_XDIST_WORKER"):  # once, before workers start
        compile_translations()
    if missing:
        effects = "; ".join(f"{name}: {SYSTEM_TOOLS[name][0]}" for name in missing)
        ci = " (CI is set: skips are failures)" if IN_CI else ""
        line = f"Missing system tools{ci}: {effects}. `make system-packages` installs them."
    else:
        line = f"System tools: all present ({', '.join(SYSTEM_TOOLS)})."
    session.config.pluginmanager.get_plugin("terminalreporter").write_line(line)


def redis_available() -> bool:
    from django.conf import settings

    if not settings.REDIS_URL:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


# The longest tests, a minute or more each on CI's machine: started first, so that the test workers do not end with
# one of them running alone while the others wait. The load test uses no test database: first of all.
TESTS = Path(__file__).resolve().parent
LONGEST_FIRST = (TESTS / "api/test_schemathesis.py", TESTS / "donors/test_worker.py", TESTS / "test_scale_out.py")
LOAD_TEST = TESTS / "test_load.py"


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(items):
    longest = {path: place for place, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: longest.get(item.path, len(longest)))
    # pytest-django orders the tests by how they use the database (transactional ones after the others), keeping
    # the order above among tests of each kind.
    result = yield
    items.sort(key=lambda item: item.path != LOAD_TEST)
    return result


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres"):
        require_service(connection.vendor == "postgresql", "needs PostgreSQL: set DATABASE_URL")
    if item.get_closest_marker("redis"):
        require_service(redis_available(), "needs Redis: set REDIS_URL to a running server")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings):
    """Every connection closes at the end of its request. The site keeps connections for a minute
    (CONN_MAX_AGE), which in tests kept them open in the live server's threads after their test, until
    dropping the test database failed: "database test_... is being accessed by other users"."""
    from django.db import connections

    for alias in connections:
        connections.settings[alias]["CONN_MAX_AGE"] = 0
    # A read replica as DATABASE_REPLICA_URLS would name one: here the test database itself (a mirror), so
    # that tests see which alias the router chose. Only tests that set DATABASE_REPLICAS read from it.
    default = connections.settings["default"]
    connections.settings.setdefault("replica", {**default, "TEST": {**default["TEST"], "MIRROR": "default"}})


@pytest.fixture(scope="session", autouse=True)
def _quick_flush():
    """A transactional test's flush deletes rows instead of truncating every table (tests/quick_flush.py)."""
    if connection.vendor == "postgresql":
        quick_flush.install()


@pytest.fixture(scope="session", autouse=True)
def _test_database_left_alone(django_db_setup, django_db_blocker):
    """Before the test database is dropped, this process closes its connections (the replica alias, a mirror,
    holds one of its own), and any session still open on it is ended and named on stderr: a test server or
    worker that outlived its test would otherwise fail the drop ("is being accessed by other users")."""
    yield
    from django.db import connections

    connections.close_all()
    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, application_name, state, left(query, 120) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        left = cursor.fetchall()
        for pid, *_ in left:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    connection.close()
    for pid, application, state, query in left:
        sys.stderr.write(f"Ended a session left on the test database: {pid} {application!r} {state} {query!r}\n")


@pytest.fixture(scope="session")
def _media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _test_settings(settings, _media_root):
    settings.MEDIA_ROOT = _media_root
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # A job run in another thread could not see a test's uncommitted rows: tests run long jobs at commit too,
    # and the test of the background thread turns it on for itself.
    settings.LONG_JOBS_IN_THREAD = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _english_at_the_start():
    """Each test starts in the site's language: a request leaves its language active in the thread (as in a
    worker's, where the next request sets its own), and a test that asked for French would pass it on."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


S3_BUCKET = "portfolio-uploads"


def s3_storage(**options) -> dict:
    """The default storage STORAGE_BACKEND=s3 gives (citiesalliance/settings.py), on S3_BUCKET."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "region_name": "us-east-1",
            "access_key": "test",
            "secret_key": "test",
            "location": "media",
            "default_acl": "private",
            "custom_domain": None,
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
            **options,
        },
    }


@pytest.fixture
def s3_bucket(settings, tmp_path, monkeypatch):
    """Uploads kept in an empty S3 bucket, moto's, in-process (no network): yields a boto3 client on it.
    MEDIA_ROOT is a folder that does not exist, and must stay so."""
    import boto3
    from moto import mock_aws

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    settings.MEDIA_ROOT = tmp_path / "media"
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
        client.create_bucket(Bucket=S3_BUCKET)
        settings.STORAGES = {**settings.STORAGES, "default": s3_storage()}
        yield client


@pytest.fixture(autouse=True, scope="session")
def _eager_celery():
    """Unit tests run tasks in-process; the worker tests switch this off for themselves."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield


@pytest.fixture(autouse=True)
def _live_server_idle_before_flush(request):
    """A test using the live server hands the database back only once the server is idle (see
    tests/live_server_gate.py): set up after the database, so torn down before its flush."""
    if "live_server" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("transactional_db")
    gate = gate_of(request.getfixturevalue("live_server"))
    gate.open()
    yield
    gate.close_when_idle()


@pytest.fixture(autouse=True)
def _figures_of_this_test_only():
    """The portfolio's cached figures (common.figures) of an earlier test, whose rows were rolled back, are
    not this test's: each test starts with none."""
    from common.figures import forget_figures

    forget_figures()


@pytest.fixture
def staff_client(client):
    from tests.factories import StaffFactory

    client.force_login(StaffFactory())
    return client


@pytest.fixture
def staff_without_permissions(db):
    """A staff account with staff status and no permission at all."""
    from tests.factories import StaffWithoutPermissionsFactory

    return StaffWithoutPermissionsFactory(email="no-permissions@example.org")
