"""The load test's runner (`make load`), for a few seconds on a tiny portfolio: gunicorn with production's
settings on a throw-away database, Locust's anonymous, partner, donor and staff users, and their figures.
Only the static files' storage is not production's (tests/live_settings.py, as for the other tests' gunicorn):
production's compresses every file as the runner collects them, half the test's time on a busy machine, and
no request of the run reads a static file (CI's production smoke collects and serves them as production does).

It needs PostgreSQL (the runner makes a database of its own next to DATABASE_URL's) and Redis (the cache
of throttles and sign-in limits, as in production). No duration is asserted: only that every kind of
request was made and none failed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[1]

# Every kind of user, its sign-in and its writes.
EXPECTED = {
    "anonymous: home",
    "anonymous: project list, a page",
    "anonymous: project page",
    "anonymous: results",
    "anonymous: calls",
    "api: projects",
    "api: projects, filtered",
    "api: transactions",
    "iati: one activity",
    "sign in: password",
    "sign in: code",
    "partner: portal home",
    "partner: save report draft (write)",
    "donor: dashboard",
    "donor: project list",
    "donor: contributions CSV",
    "staff: work queue",
    "staff: admin projects, searched",
    "staff: add city (write)",
}


def test_the_load_runner_reports_every_kind_of_request_without_an_error(tmp_path):
    database = settings.DATABASES["default"]
    command = [
        sys.executable,
        "devtools/load/run.py",
        "--projects=5",
        "--workers=1",
        # Weights 6:2:2:1 give eleven users one staff member; each makes each of its requests first.
        "--users=11",
        "--spawn-rate=11",
        "--duration=20",
        "--wait",
        "0.1",
        "0.3",
        "--each-task-first",
        f"--database-name=load_test_{database['NAME']}",
        f"--output={tmp_path}",
    ]
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.live_settings"}
    finished = subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=900, check=False
    )
    output = finished.stdout[-3000:] + finished.stderr[-3000:]
    assert (tmp_path / "results.json").exists(), output

    results = json.loads((tmp_path / "results.json").read_text())
    (run,) = results["runs"]
    made = {row["name"]: row for row in run["requests"]}
    assert made.keys() >= EXPECTED, f"missing: {EXPECTED - made.keys()}\n{output}"
    assert [row["name"] for row in run["requests"] if row["failures"]] == [], run["failures"]
    assert run["total"]["failures"] == 0
    assert run["total"]["error_rate"] == 0
    assert run["total"]["requests"] == sum(row["requests"] for row in run["requests"])
    assert {"rps", "p50_ms", "p95_ms", "p99_ms"} <= run["total"].keys()
    assert run["workers"] == 1
    assert run["portfolio"]["projects"] >= 5
    assert finished.returncode == 0, output
    assert "| req/s |" in (tmp_path / "results.md").read_text()
