"""Notifications by email, sent by Celery workers: tasks take ids and read what they need."""

from __future__ import annotations

from celery import shared_task
from django.utils.translation import gettext as _

from common.mail import send_each
from members.models import Role
from members.selectors import emails_about, staff_emails

from .models import Application, ReviewAssignment

RETRY = {"autoretry_for": (ConnectionError, TimeoutError), "retry_backoff": 30, "max_retries": 5}


def _applicant_emails(application: Application) -> list[str]:
    return [application.created_by.email, *emails_about(organisations=[application.organisation], role=Role.PARTNER)]


@shared_task(**RETRY)
def notify_application_submitted(application_id: int) -> int:
    application = Application.objects.select_related("call", "organisation", "created_by").get(pk=application_id)
    context = {"application": application}
    sent = send_each(
        subject=_("We received your application: %(title)s") % {"title": application.title},
        template="grants/email/application_submitted.txt",
        context=context,
        recipients=_applicant_emails(application),
    )
    sent += send_each(
        subject=_("New application to %(call)s") % {"call": application.call},
        template="grants/email/application_received_staff.txt",
        context=context,
        recipients=staff_emails(),
    )
    return sent


@shared_task(**RETRY)
def notify_application_decided(application_id: int) -> int:
    application = Application.objects.select_related("call", "organisation", "created_by", "project").get(
        pk=application_id
    )
    return send_each(
        subject=_("Decision on your application: %(title)s") % {"title": application.title},
        template="grants/email/application_decided.txt",
        context={"application": application},
        recipients=_applicant_emails(application),
    )


@shared_task(**RETRY)
def notify_reviewer_assigned(review_id: int) -> int:
    review = ReviewAssignment.objects.select_related("application__call", "reviewer").get(pk=review_id)
    return send_each(
        subject=_("Please review: %(title)s") % {"title": review.application.title},
        template="grants/email/reviewer_assigned.txt",
        context={"review": review},
        recipients=[review.reviewer.email],
    )
