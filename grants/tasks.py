"""Notifications by email, sent by Celery workers: tasks take ids and read what they need."""

from __future__ import annotations

from celery import shared_task
from django.core.mail import send_mass_mail
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from members.models import OrganisationRole, Role, User

from .models import Application, ReviewAssignment

RETRY = {"autoretry_for": (ConnectionError, TimeoutError), "retry_backoff": 30, "max_retries": 5}


def _applicant_emails(application: Application) -> list[str]:
    roles = OrganisationRole.objects.filter(organisation=application.organisation, role=Role.PARTNER)
    return sorted({application.created_by.email, *roles.values_list("user__email", flat=True)})


def _send(subject: str, template: str, context: dict, recipients: list[str]) -> int:
    if not recipients:
        return 0
    body = render_to_string(template, context)
    return send_mass_mail([(subject, body, None, [email]) for email in recipients])


@shared_task(**RETRY)
def notify_application_submitted(application_id: int) -> int:
    application = Application.objects.select_related("call", "organisation", "created_by").get(pk=application_id)
    context = {"application": application}
    sent = _send(
        _("We received your application: %(title)s") % {"title": application.title},
        "grants/email/application_submitted.txt",
        context,
        _applicant_emails(application),
    )
    staff = list(User.objects.filter(is_staff=True, is_active=True).values_list("email", flat=True))
    sent += _send(
        _("New application to %(call)s") % {"call": application.call},
        "grants/email/application_received_staff.txt",
        context,
        staff,
    )
    return sent


@shared_task(**RETRY)
def notify_application_decided(application_id: int) -> int:
    application = Application.objects.select_related("call", "organisation", "created_by", "project").get(
        pk=application_id
    )
    return _send(
        _("Decision on your application: %(title)s") % {"title": application.title},
        "grants/email/application_decided.txt",
        {"application": application},
        _applicant_emails(application),
    )


@shared_task(**RETRY)
def notify_reviewer_assigned(review_id: int) -> int:
    review = ReviewAssignment.objects.select_related("application__call", "reviewer").get(pk=review_id)
    return _send(
        _("Please review: %(title)s") % {"title": review.application.title},
        "grants/email/reviewer_assigned.txt",
        {"review": review},
        [review.reviewer.email],
    )
