"""Notifications about progress reports, sent by Celery workers: tasks take ids and read what they need."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.core.mail import send_mass_mail
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import OrganisationRole, Role, User

from . import selectors
from .models import ProgressReport

REMIND_BEFORE_DAYS = 14
RETRY = {"autoretry_for": (ConnectionError, TimeoutError), "retry_backoff": 30, "max_retries": 5}


def _reporter_emails(report: ProgressReport) -> list[str]:
    organisations = report.project.partners.values("organisation_id")
    roles = OrganisationRole.objects.filter(organisation_id__in=organisations, role=Role.PARTNER)
    return sorted(set(roles.values_list("user__email", flat=True)))


def _send(subject: str, template: str, report: ProgressReport, recipients: list[str]) -> int:
    if not recipients:
        return 0
    body = render_to_string(template, {"report": report})
    return send_mass_mail([(subject, body, None, [email]) for email in recipients])


@shared_task(**RETRY)
def notify_report_submitted(report_id: int) -> int:
    report = ProgressReport.objects.select_related("project", "period").get(pk=report_id)
    staff = sorted(User.objects.filter(is_staff=True, is_active=True).values_list("email", flat=True))
    return _send(
        _("Progress report to review: %(project)s") % {"project": report.project.code},
        "results/email/report_submitted.txt",
        report,
        staff,
    )


@shared_task(**RETRY)
def notify_report_decided(report_id: int) -> int:
    report = ProgressReport.objects.select_related("project", "period").get(pk=report_id)
    return _send(
        _("Your progress report on %(project)s is %(status)s")
        % {"project": report.project.code, "status": report.get_status_display().lower()},
        "results/email/report_decided.txt",
        report,
        _reporter_emails(report),
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


@shared_task(**RETRY)
def remind_reports_due() -> int:
    """Daily (celery beat): remind the project's partners of the reports they owe."""
    today = timezone.localdate()
    sent = 0
    for period in _periods_to_remind(today):
        organisations = period.project.partners.values("organisation_id")
        emails = sorted(
            set(
                OrganisationRole.objects.filter(organisation_id__in=organisations, role=Role.PARTNER).values_list(
                    "user__email", flat=True
                )
            )
        )
        if not emails:
            continue
        body = render_to_string("results/email/report_due.txt", {"period": period, "today": today})
        subject = _("Progress report due on %(date)s: %(project)s") % {
            "date": period.due_date.isoformat(),
            "project": period.project.code,
        }
        sent += send_mass_mail([(subject, body, None, [email]) for email in emails])
    return sent
