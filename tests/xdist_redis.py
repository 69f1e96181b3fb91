"""Each test worker of pytest-xdist its own Redis database: one worker's broker purge or cache flush never
touches another's queue. Loaded with `-p` (pyproject.toml), before Django reads its settings."""

from __future__ import annotations

import os
import re

worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # gw0, gw1, ...
url = os.environ.get("REDIS_URL", "")
numbered = re.fullmatch(r"(?P<server>redis://[^/]+)/(?P<db>\d+)", url)
if worker.startswith("gw") and numbered:
    # The session's own database stays unused; its workers take the ones after it (16 by Redis's default).
    database = int(numbered["db"]) + 1 + int(worker[2:])
    os.environ["REDIS_URL"] = f"{numbered['server']}/{database}"
