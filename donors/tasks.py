"""Donor reports made by Celery workers; tasks take ids, claim their job and call a service."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from django.utils.translation import gettext as _

from common.dates import date_span
from common.mail import send_each
from members.models import Role
from members.selectors import emails_about

logger = logging.getLogger(__name__)

# Errors that may go away on their own: a lost connection, a lock that timed out.
TRANSIENT = (OperationalError, InterfaceError, ConnectionError, TimeoutError)
RETRY_COUNTDOWN = 30


def took_too_long(seconds: float) -> str:
    return _("Making the report took longer than %(seconds)d s, so it was stopped.") % {"seconds": seconds}


class ReportTask(Task):
    long_running = True  # without a broker, made in a background thread, not in the request (common.background)

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        """The hard time limit killed the process making the report (its soft limit did not stop it in
        time): the worker's main process records the job as failed, or it would stay "being made"."""
        if isinstance(exc, TimeLimitExceeded) and args:
            from . import services

            services.report_fail(report_id=args[0], reason=took_too_long(self.time_limit))


@shared_task(
    base=ReportTask,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=3,
    soft_time_limit=settings.DONOR_REPORT_TIME_LIMIT - 30,
    time_limit=settings.DONOR_REPORT_TIME_LIMIT,
)
def make_donor_report(self, report_id: int) -> str:
    """Make one donor report's PDF; a second delivery of a finished job does nothing."""
    from . import services
    from .models import DonorReport, ReportJobStatus

    if not services.report_claim(report_id=report_id, worker=self.request.hostname or ""):
        held = DonorReport.objects.filter(pk=report_id, status=ReportJobStatus.RUNNING).exists()
        if held and self.request.retries < self.max_retries:
            # Delivered again while a worker holds the job, as when the process making it died: look again
            # once that worker counts as gone, or the job would stay "being made" for ever.
            raise self.retry(countdown=services.STALE_AFTER.total_seconds() + 1)
        return "skipped"
    try:
        services.report_build(report_id=report_id)
    except TRANSIENT as error:
        services.report_release(report_id=report_id)
        if self.request.retries >= self.max_retries:
            services.report_fail(report_id=report_id, reason=_("The database or network kept failing: %s") % error)
            return "failed"
        raise self.retry(exc=error, countdown=RETRY_COUNTDOWN) from error
    except SoftTimeLimitExceeded:
        services.report_fail(report_id=report_id, reason=took_too_long(self.soft_time_limit))
        return "failed"
    except Exception as error:  # any other failure is recorded on the job, for people to read
        logger.exception("Donor report %s failed", report_id)
        services.report_fail(report_id=report_id, reason=_("The report could not be made: %s") % error)
        return "failed"
    return "ready"


@shared_task(autoretry_for=(ConnectionError, TimeoutError), retry_backoff=30, max_retries=5)
def notify_report_ready(report_id: int) -> int:
    from .models import DonorReport

    report = DonorReport.objects.select_related("donor", "requested_by").get(pk=report_id)
    emails = emails_about(organisations=[report.donor], role=Role.DONOR)
    if report.requested_by is not None:
        emails.append(report.requested_by.email)
    return send_each(
        subject=lambda: (
            _("Your donor report is ready: %(period)s") % {"period": date_span(report.period_start, report.period_end)}
        ),
        template="donors/email/report_ready.txt",
        context={"report": report},
        recipients=emails,
    )


@shared_task
def requeue_stuck_reports() -> int:
    """Celery beat, every ten minutes: send again the jobs that no worker has."""
    from common.outbox import enqueue

    from . import services

    stuck = services.stuck_reports()
    for report_id in stuck:
        enqueue(make_donor_report, report_id)
    return len(stuck)


@shared_task
def make_quarterly_reports() -> int:
    """Celery beat, the first day of each quarter: a report for each donor with an agreement running then."""
    from . import selectors, services

    start, end = selectors.last_quarter(timezone.localdate())
    made = 0
    for donor in selectors.donors_active_between(start, end):
        # The part of the quarter within the donor's agreements: one that began or ended in it reports on its days.
        first, last = selectors.agreement_span(donor)
        services.report_request(
            donor=donor, period_start=max(start, first), period_end=min(end, last), user=None, scheduled=True
        )
        made += 1
    return made
