"""Emails about organisations, sent by Celery workers: tasks take ids and read what they need."""

from __future__ import annotations

from smtplib import SMTPException
from urllib.parse import urljoin

from celery import shared_task
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from common.mail import languages_of

from .models import Invitation

RETRY = {"autoretry_for": (SMTPException, ConnectionError, TimeoutError), "retry_backoff": 30, "max_retries": 5}


@shared_task(**RETRY)
def send_invitation(invitation_id: int, site_url: str) -> bool:
    """Email the invitation link, once: a second run, or a run after it was accepted, sends nothing."""
    claimed = Invitation.objects.filter(pk=invitation_id, sent_at__isnull=True, accepted_at__isnull=True).update(
        sent_at=timezone.now()
    )
    if not claimed:
        return False
    invitation = Invitation.objects.select_related("organisation", "invited_by").get(pk=invitation_id)
    context = {
        "invitation": invitation,
        "accept_url": urljoin(site_url, reverse("members:invitation", args=[invitation.token])),
    }
    # Someone new reads the language of the colleague who invites them.
    language = languages_of([invitation.email], default=invitation.invited_by.language)[invitation.email]
    try:
        with translation.override(language):
            subject = render_to_string("members/email/invitation_subject.txt", context).strip()
            body = render_to_string("members/email/invitation_message.txt", context)
        send_mail(subject, body, None, [invitation.email])
    except Exception:
        # Unclaim, so that the retry (or a later run) sends it.
        Invitation.objects.filter(pk=invitation_id).update(sent_at=None)
        raise
    return True
