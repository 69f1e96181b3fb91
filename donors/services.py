"""Donor reports: requesting one, a worker claiming and making it, and recording how it ended."""

from __future__ import annotations

import datetime as dt
import gc
import io
import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DatabaseError, connections, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from common.errors import DomainError
from common.outbox import enqueue
from common.pdf import inline_only_fetcher
from common.permissions import may
from members.models import Organisation, User

from . import pdf, selectors, tasks
from .models import DonorReport, ReportJobStatus

logger = logging.getLogger(__name__)

# A running job whose worker gave no sign of life for this long was abandoned (its worker died): another
# worker may take it over. The worker making a report gives one every DONOR_REPORT_HEARTBEAT seconds.
STALE_AFTER = dt.timedelta(seconds=settings.DONOR_REPORT_STALE_AFTER)
REQUEUE_AFTER = dt.timedelta(minutes=10)
IN_FLIGHT = [ReportJobStatus.QUEUED, ReportJobStatus.RUNNING]
# A report whose process died this many times (out of memory, say) fails instead of being handed out again.
MAX_ATTEMPTS = 3


class DonorReportError(DomainError):
    """A donor report cannot be requested or made as asked."""


def _check_period(donor: Organisation, start: dt.date, end: dt.date, today: dt.date) -> None:
    """Any period within the donor's agreements, from the first one's start to the last one's end (so a
    report since inception is allowed), that has begun."""
    if end < start:
        raise DonorReportError(_("The period must end on or after its start."), field="period_end")
    if start > today:
        raise DonorReportError(_("The period cannot start in the future."), field="period_start")
    span = selectors.agreement_span(donor)
    if span is None:
        raise DonorReportError(_("%(donor)s has no agreement to report on.") % {"donor": donor})
    first, last = span
    if start < first or end > last:
        raise DonorReportError(
            _(
                "Choose a period within the agreements of %(donor)s, from %(first)s to %(last)s: "
                "%(start)s to %(end)s is outside them."
            )
            % {
                "donor": donor,
                "first": date_format(first),
                "last": date_format(last),
                "start": date_format(start),
                "end": date_format(end),
            },
            field="period_start" if start < first else "period_end",
        )


def _stuck(report: DonorReport, now: dt.datetime) -> bool:
    if report.status == ReportJobStatus.QUEUED:
        return report.requested_at < now - REQUEUE_AFTER
    return (
        report.status == ReportJobStatus.RUNNING
        and report.heartbeat_at is not None
        and (report.heartbeat_at < now - STALE_AFTER)
    )


@transaction.atomic
def report_request(
    *,
    donor: Organisation,
    period_start: dt.date,
    period_end: dt.date,
    user: User | None,
    currency: str | None = None,
    scheduled: bool = False,
    today: dt.date | None = None,
) -> DonorReport:
    """Queue a donor report, with its totals in `currency` (one of `selectors.donor_currencies`; the donor's own
    currency unless said); the worker starts once this transaction has committed.

    Staff holding the request permission may request one for any donor, a donor user for the donors it
    acts for. A request for a period whose report is already queued or being made returns that job (a
    second click queues nothing; the donor's row is locked so that two requests at once find each other),
    sending it again if no worker has it; a scheduled report for a period is made once.
    """
    if user is not None and not (may(user, "donors.request_donorreport") or selectors.acts_for_donor(user, donor)):
        raise DonorReportError(_("You cannot request reports for this donor."))
    Organisation.objects.select_for_update().filter(pk=donor.pk).first()
    _check_period(donor, period_start, period_end, today or timezone.localdate())
    offered = selectors.donor_currencies(donor)
    currency = currency or offered[0]
    if currency not in offered:
        raise DonorReportError(
            _("A report on %(donor)s can be made in %(offered)s, not %(currency)s.")
            % {"donor": donor, "offered": " or ".join(offered), "currency": currency},
            field="currency",
        )
    period = {"donor": donor, "period_start": period_start, "period_end": period_end}
    if scheduled:
        report, created = DonorReport.objects.get_or_create(
            **period, is_scheduled=True, defaults={"currency": currency}
        )
        if not created:
            return report
    else:
        # In the language of the page that asked (the user's own when signed in): the same period in another
        # language is another report.
        language = translation.get_language() or settings.LANGUAGE_CODE
        period["language"] = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        report = (
            DonorReport.objects.filter(**period, currency=currency, status__in=IN_FLIGHT)
            .order_by("requested_at", "pk")
            .first()
        )
        if report is not None:
            if _stuck(report, timezone.now()):
                enqueue(tasks.make_donor_report, report.pk)
            return report
        report = DonorReport.objects.create(**period, currency=currency, requested_by=user)
    enqueue(tasks.make_donor_report, report.pk)
    return report


@transaction.atomic
def reports_retry(*, report_ids: Iterable[int]) -> list[int]:
    """Queue failed reports again, each made afresh by a worker once this transaction commits; reports that
    did not fail are left as they are. Returns the ids queued again."""
    failed = list(
        DonorReport.objects.select_for_update()
        .filter(pk__in=list(report_ids), status=ReportJobStatus.FAILED)
        .values_list("pk", flat=True)
    )
    DonorReport.objects.filter(pk__in=failed).update(status=ReportJobStatus.QUEUED, failure_reason="")
    for report_id in failed:
        enqueue(tasks.make_donor_report, report_id)
    return failed


def stuck_reports(*, now: dt.datetime | None = None) -> list[int]:
    """Jobs no worker has: queued for a while (the broker lost the message) or held by a worker that died."""
    now = now or timezone.now()
    waiting = Q(status=ReportJobStatus.QUEUED, requested_at__lt=now - REQUEUE_AFTER)
    return list(DonorReport.objects.filter(waiting | _abandoned(now)).values_list("pk", flat=True))


def _abandoned(now: dt.datetime) -> Q:
    return Q(status=ReportJobStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER)


def report_claim(*, report_id: int, now: dt.datetime | None = None, worker: str = "") -> bool:
    """Take the job for this worker (named by its Celery hostname, for the operators): True for exactly one
    worker, however many got the message.

    A conditional UPDATE does it: queued jobs, or running ones whose worker died (no sign of life
    for STALE_AFTER), move to running; a job whose worker lives, or a finished one, is left alone. A job
    abandoned MAX_ATTEMPTS times fails with the reason instead of being handed out for ever.
    """
    now = now or timezone.now()
    DonorReport.objects.filter(_abandoned(now), pk=report_id, attempts__gte=MAX_ATTEMPTS).update(
        status=ReportJobStatus.FAILED,
        failure_reason=_(
            "The process making this report stopped %(attempts)s times before it was done (it may need more "
            "memory than the worker has). Try a shorter period, or ask the operators."
        )
        % {"attempts": MAX_ATTEMPTS},
    )
    claimable = Q(status=ReportJobStatus.QUEUED) | _abandoned(now)
    updated = DonorReport.objects.filter(claimable, pk=report_id).update(
        status=ReportJobStatus.RUNNING,
        started_at=now,
        heartbeat_at=now,
        attempts=F("attempts") + 1,
        failure_reason="",
        worker=worker[:200],
    )
    return updated == 1


def report_heartbeat(*, report_id: int) -> bool:
    """The worker making the report lives; False once the report is no longer being made."""
    being_made = DonorReport.objects.filter(pk=report_id, status=ReportJobStatus.RUNNING)
    return being_made.update(heartbeat_at=timezone.now()) == 1


@contextmanager
def _signs_of_life(report_id: int) -> Iterator[None]:
    """Give a sign of life every DONOR_REPORT_HEARTBEAT seconds while the block runs.

    From a thread of its own, on a connection of its own, as the PDF is made in one long call. The
    block does not wait for a sign being given: the thread is left to finish it.
    """
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(settings.DONOR_REPORT_HEARTBEAT):
                try:
                    if not report_heartbeat(report_id=report_id):
                        return
                except DatabaseError as error:  # the next one may pass; if none does, another worker takes over
                    logger.warning("Donor report %s: no sign of life given (%s)", report_id, error)
        finally:
            connections.close_all()  # this thread's

    thread = threading.Thread(target=beat, name=f"donor-report-{report_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()


def report_release(*, report_id: int) -> None:
    """Give a running job back to the queue, for a retry after an error that may go away."""
    DonorReport.objects.filter(pk=report_id, status=ReportJobStatus.RUNNING).update(status=ReportJobStatus.QUEUED)


def report_fail(*, report_id: int, reason: str) -> None:
    DonorReport.objects.filter(pk=report_id).exclude(status=ReportJobStatus.READY).update(
        status=ReportJobStatus.FAILED, finished_at=timezone.now(), failure_reason=reason[:2000]
    )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a report is made.

    The figures, the HTML and above all WeasyPrint's boxes of every page stay alive until the PDF
    is written: millions of objects, which the collector would scan again and again as they pile up
    (a third of the time of a long report) without freeing any. They are freed by reference
    counting once the PDF is made, and one collection afterwards picks up what cycles there are.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


def _html_to_pdf(html: str) -> tuple[bytes, int]:
    from weasyprint import HTML  # heavy: loaded by workers only

    # Nothing is fetched: the report's styles are inline and its photos come as `data:` URIs.
    document = HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=inline_only_fetcher()).render()
    buffer = io.BytesIO()
    document.write_pdf(buffer)
    return buffer.getvalue(), len(document.pages)


def render_report_pdf(report: DonorReport) -> tuple[bytes, int]:
    """The PDF of a donor report and its number of pages, from the same HTML as a web page."""
    with _collector_paused():
        return _html_to_pdf(report_html(report))


def report_html(report: DonorReport) -> str:
    """The HTML WeasyPrint prints a donor report from, in the active language."""
    statement = selectors.donor_statement(
        report.donor, start=report.period_start, end=report.period_end, quote=report.shown_currency
    )
    return render_to_string("donors/pdf/report.html", pdf.report_context(report, statement))


def report_build(*, report_id: int) -> DonorReport:
    """Make the PDF of a claimed report and mark it ready; the same period gives the same figures."""
    report = DonorReport.objects.select_related("donor").get(pk=report_id)
    if report.status != ReportJobStatus.RUNNING:
        raise DonorReportError(_("This report is not being made by this worker."))
    with _signs_of_life(report_id), translation.override(report.language):
        content, pages = render_report_pdf(report)
    with transaction.atomic():
        report = DonorReport.objects.select_for_update().get(pk=report_id)
        old_name = report.file.name if report.file else ""
        report.file.save(report.filename, ContentFile(content), save=False)
        report.pages = pages
        report.status = ReportJobStatus.READY
        report.finished_at = timezone.now()
        report.save(update_fields=["file", "pages", "status", "finished_at"])
        enqueue(tasks.notify_report_ready, report.pk)
    if old_name and old_name != report.file.name:
        report.file.storage.delete(old_name)
    return report
