"""A real Celery worker in a subprocess, for the few tests that need one."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def test_database_url() -> str:
    """The URL of pytest-django's test database, so the worker reads what the test wrote."""
    db = connection.settings_dict
    if connection.vendor != "postgresql":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def empty_broker() -> None:
    """Drop the jobs an earlier test left in Redis, queued or taken by a worker that is gone."""
    import redis

    from citiesalliance.celery import app

    app.control.purge()
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        client.delete("unacked", "unacked_index")
    finally:
        client.close()


def children_of(pid: int) -> list[int]:
    """The processes `pid` started (Linux): a prefork worker's pool."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # ended meanwhile
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


@contextmanager
def celery_worker(
    timeout: float = 120,
    *,
    name: str = "worker",
    pool: str = "solo",
    slow_first_report: float = 0,
    **environment: str,
):
    """Start `celery worker` against REDIS_URL and the test database; stop it on the way out.

    `pool="prefork"` runs tasks in a child process, as in production. `slow_first_report` pauses each
    donor report's first attempt for that many seconds (tests/slow_worker.py), so that a test can catch the
    worker making it; `environment` adds to the worker's environment (e.g. CELERY_VISIBILITY_TIMEOUT).
    """
    from citiesalliance.celery import app

    hostname = f"{name}-{os.getpid()}@{socket.gethostname()}"
    env = {**os.environ, "DATABASE_URL": test_database_url(), "REDIS_URL": settings.REDIS_URL, **environment}
    command = [sys.executable, "-m", "celery"]
    if slow_first_report:
        env["SLOW_FIRST_REPORT_SECONDS"] = str(slow_first_report)
        command = [sys.executable, "-m", "tests.slow_worker"]
    process = subprocess.Popen(
        [
            *command,
            "-A",
            "citiesalliance",
            "worker",
            f"--pool={pool}",
            "--concurrency=1",
            "--loglevel=warning",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "--hostname",
            hostname,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    app.conf.task_always_eager = False
    try:
        deadline = time.monotonic() + timeout
        while not app.control.ping(destination=[hostname], timeout=0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"the Celery worker did not start:\n{process.communicate()[0]}")
        yield process
    finally:
        app.conf.task_always_eager = True
        stop(process)
        process.stdout.close()


def stop(process: subprocess.Popen) -> None:
    """End a server the test started: asked to stop, then killed if it has not within 15 s."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
