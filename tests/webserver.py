"""The site served by gunicorn in a subprocess, as in production, against the test database."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.worker import ROOT, stop, test_database_url

# The web server's database sessions carry this name, so that a test can find them in pg_stat_activity.
APPLICATION_NAME = "portfolio-test-web"


@dataclass
class Server:
    url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn_server(log_dir: Path, timeout: float = 60, **environment: str):
    """One gunicorn worker with production's settings (DEBUG off, connections kept for CONN_MAX_AGE and
    checked before reuse), so that one process serves every request of the test, on one connection."""
    port = _free_port()
    log = log_dir / "gunicorn.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.live_settings",
        "DATABASE_URL": f"{test_database_url()}?application_name={APPLICATION_NAME}",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        **environment,
    }
    command = [sys.executable, "-m", "gunicorn", "citiesalliance.wsgi:application", "--workers", "1"]
    with log.open("w") as output:
        process = subprocess.Popen(
            [*command, "--bind", f"127.0.0.1:{port}", "--timeout", "60"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = Server(url=f"http://127.0.0.1:{port}", log=log)
    try:
        deadline = time.monotonic() + timeout
        while not _answers(server.url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start:\n{server.output()}")
            time.sleep(0.2)
        yield server
    finally:
        stop(process)


def _answers(url: str) -> bool:
    """Whether the server answers at all (the health check's answer also depends on Redis). A first request that
    is slow to answer (a worker still loading Django on a busy machine) is asked again, up to the start's deadline."""
    try:
        requests.get(f"{url}/health/", timeout=30)
    except (requests.ConnectionError, requests.Timeout):
        return False
    return True
