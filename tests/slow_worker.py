"""`celery` (same arguments), but the first attempt at each donor report first waits SLOW_FIRST_REPORT_SECONDS.

A test starts this worker to catch it in the middle of a report: to kill it there, or to see that a second
delivery of the job leaves the report to it. A later attempt (another worker taking the job over) is not
slowed.
"""

from __future__ import annotations

import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citiesalliance.settings")
django.setup()

from celery.__main__ import main  # noqa: E402 - Django must be set up before the donors app loads

from donors import services  # noqa: E402

_render = services.render_report_pdf


def _slow_first_attempt(report):
    if report.attempts == 1:
        time.sleep(float(os.environ["SLOW_FIRST_REPORT_SECONDS"]))
    return _render(report)


services.render_report_pdf = _slow_first_attempt

if __name__ == "__main__":
    sys.exit(main())
