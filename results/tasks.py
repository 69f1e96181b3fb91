"""Notifications about reports of every kind, sent by Celery workers: tasks take ids and read what they need."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone
from django.utils.translation import gettext as _

from common.mail import send_each
from grants.models import Project
from members.models import Role
from members.selectors import emails_about, staff_emails

from . import selectors
from .models import ProgressReport, ReportingPeriod

REMIND_BEFORE_DAYS = 14
RETRY = {"autoretry_for": (ConnectionError, TimeoutError), "retry_backoff": 30, "max_retries": 5}


def _reporter_emails(project: Project) -> list[str]:
    return emails_about(organisations=project.partners.values("organisation_id"), role=Role.PARTNER)


@shared_task(**RETRY)
def notify_report_submitted(report_id: int) -> int:
    report = ProgressReport.objects.select_related("project", "period").get(pk=report_id)
    return send_each(
        subject=lambda: (
            _("%(report)s to review: %(project)s")
            % {"report": report.period.report_name, "project": report.project.code}
        ),
        template="results/email/report_submitted.txt",
        context={"report": report},
        recipients=staff_emails(),
    )


@shared_task(**RETRY)
def notify_report_decided(report_id: int) -> int:
    report = ProgressReport.objects.select_related("project", "period").get(pk=report_id)
    return send_each(
        subject=lambda: (
            _("Your %(report)s on %(project)s is %(status)s")
            % {
                "report": report.period.report_name.lower(),
                "project": report.project.code,
                "status": report.get_status_display().lower(),
            }
        ),
        template="results/email/report_decided.txt",
        context={"report": report},
        recipients=_reporter_emails(report.project),
    )


def _periods_to_remind(today: dt.date):
    """Reports due in two weeks, due today, or overdue by a whole number of weeks, not yet sent in."""
    periods = selectors.reports_due(on=today + dt.timedelta(days=REMIND_BEFORE_DAYS)).select_related("report")
    return [
        period
        for period in periods
        if period.due_date in (today, today + dt.timedelta(days=REMIND_BEFORE_DAYS))
        or (period.due_date < today and (today - period.due_date).days % 7 == 0)
    ]


def _claim(period: ReportingPeriod, today: dt.date) -> bool:
    """Only one run a day reminds of a period, however often beat or a person starts the task."""
    unclaimed = ReportingPeriod.objects.filter(pk=period.pk).exclude(reminded_on=today)
    return unclaimed.update(reminded_on=today) == 1


@shared_task(**RETRY)
def remind_reports_due() -> int:
    """Daily (celery beat): remind the project's partners of the reports they owe, of every kind: two weeks
    before the due date, on the day, and every week after it until the report is sent in."""
    today = timezone.localdate()
    sent = 0
    for period in _periods_to_remind(today):
        if not _claim(period, today):
            continue
        sent += send_each(
            subject=lambda period=period: (
                _("%(report)s due on %(date)s: %(project)s")
                % {"report": period.report_name, "date": period.due_date.isoformat(), "project": period.project.code}
            ),
            template="results/email/report_due.txt",
            context={"period": period, "today": today},
            recipients=_reporter_emails(period.project),
        )
    return sent
