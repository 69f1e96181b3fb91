"""Notifications by email, sent by Celery workers: tasks take ids and read what they need."""

from __future__ import annotations

from celery import shared_task
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.mail import send_each
from members.models import Role
from members.selectors import emails_about, staff_emails

from .models import (
    Amendment,
    Application,
    Closeout,
    ConsortiumMember,
    ConsortiumStatus,
    Message,
    MessageSide,
    PaymentRequest,
    ReviewAssignment,
)
from .selectors.consortia import applicant_emails

RETRY = {"autoretry_for": (ConnectionError, TimeoutError), "retry_backoff": 30, "max_retries": 5}


@shared_task(**RETRY)
def notify_application_submitted(application_id: int) -> int:
    application = Application.objects.select_related("call", "organisation", "created_by").get(pk=application_id)
    context = {"application": application}
    sent = send_each(
        subject=lambda: _("We received your application: %(title)s") % {"title": application.title},
        template="grants/email/application_submitted.txt",
        context=context,
        recipients=applicant_emails(application),
    )
    sent += send_each(
        subject=lambda: _("New application to %(call)s") % {"call": application.call},
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
        subject=lambda: _("Decision on your application: %(title)s") % {"title": application.title},
        template="grants/email/application_decided.txt",
        context={"application": application},
        recipients=applicant_emails(application),
    )


@shared_task(**RETRY)
def notify_concept_note_shortlisted(application_id: int) -> int:
    application = Application.objects.select_related("call", "organisation", "created_by").get(pk=application_id)
    return send_each(
        subject=lambda: _("Shortlisted: send your full proposal for %(title)s") % {"title": application.title},
        template="grants/email/concept_note_shortlisted.txt",
        context={"application": application},
        recipients=applicant_emails(application),
    )


@shared_task(**RETRY)
def notify_reviewer_assigned(review_id: int) -> int:
    review = ReviewAssignment.objects.select_related("application__call", "reviewer").get(pk=review_id)
    return send_each(
        subject=lambda: _("Please review: %(title)s") % {"title": review.application.title},
        template="grants/email/reviewer_assigned.txt",
        context={"review": review},
        recipients=[review.reviewer.email],
    )


def _payment_request(request_id: int) -> PaymentRequest:
    return PaymentRequest.objects.select_related(
        "tranche__agreement__project", "tranche__agreement__grantee", "bank_account"
    ).get(pk=request_id)


@shared_task(**RETRY)
def notify_payment_requested(request_id: int) -> int:
    """Tell the secretariat a partner asked for a payment: it waits for a programme officer's check."""
    request = _payment_request(request_id)
    return send_each(
        subject=lambda: _("Payment requested: %(number)s") % {"number": request.number},
        template="grants/email/payment_requested_staff.txt",
        context={"request": request},
        recipients=staff_emails(),
    )


@shared_task(**RETRY)
def notify_payment_decided(request_id: int) -> int:
    """Tell the grantee's partners their request is approved, returned, declined or paid (its status now)."""
    request = _payment_request(request_id)
    return send_each(
        subject=lambda: (
            _("Your payment request %(number)s: %(status)s")
            % {"number": request.number, "status": request.get_status_display().lower()}
        ),
        template="grants/email/payment_decided.txt",
        context={"request": request},
        recipients=emails_about(organisations=[request.tranche.agreement.grantee_id], role=Role.PARTNER),
    )


@shared_task(**RETRY)
def notify_closeout_step(closeout_id: int) -> int:
    """Tell the project's partners that it was closed (or reopened, and why)."""
    closeout = Closeout.objects.select_related("project").get(pk=closeout_id)
    project = closeout.project
    subject = gettext_lazy("%(code)s is closed") if closeout.is_closed else gettext_lazy("%(code)s is reopened")
    return send_each(
        subject=lambda: subject % {"code": project.code},
        template="grants/email/closeout_step.txt",
        context={"closeout": closeout, "project": project},
        recipients=emails_about(organisations=project.partners.values("organisation"), role=Role.PARTNER),
    )


def _amendment(amendment_id: int) -> Amendment:
    return Amendment.objects.select_related("agreement__project", "agreement__grantee", "requested_by").get(
        pk=amendment_id
    )


@shared_task(**RETRY)
def notify_amendment_requested(amendment_id: int) -> int:
    amendment = _amendment(amendment_id)
    return send_each(
        subject=lambda: _("Amendment requested: %(reference)s") % {"reference": amendment.agreement.reference},
        template="grants/email/amendment_requested_staff.txt",
        context={"amendment": amendment},
        recipients=[email for email in staff_emails() if email != amendment.requested_by.email],
    )


@shared_task(**RETRY)
def notify_amendment_decided(amendment_id: int) -> int:
    """The grantee's partners, and the person who asked, learn the decision."""
    amendment = _amendment(amendment_id)
    partners = emails_about(organisations=[amendment.agreement.grantee], role=Role.PARTNER)
    return send_each(
        subject=lambda: (
            _("Decision on amendment %(number)s of %(reference)s")
            % {"number": amendment.number, "reference": amendment.agreement.reference}
        ),
        template="grants/email/amendment_decided.txt",
        context={"amendment": amendment},
        recipients=sorted({*partners, amendment.requested_by.email}),
    )


def _member(member_id: int) -> ConsortiumMember:
    return ConsortiumMember.objects.select_related(
        "application__call", "application__organisation", "organisation", "invited_by"
    ).get(pk=member_id)


@shared_task(**RETRY)
def notify_consortium_invited(member_id: int) -> int:
    """The invited organisation's partners learn who asks them to apply together, and where to answer."""
    member = _member(member_id)
    if member.status != ConsortiumStatus.INVITED:
        return 0  # answered or withdrawn before the e-mail went
    return send_each(
        subject=lambda: (
            _("%(lead)s invites you to apply with it: %(title)s")
            % {"lead": member.application.organisation, "title": member.application}
        ),
        template="grants/email/consortium_invited.txt",
        context={"member": member},
        recipients=emails_about(organisations=[member.organisation], role=Role.PARTNER),
    )


@shared_task(**RETRY)
def notify_consortium_answered(member_id: int) -> int:
    """The lead's partners learn that an invited organisation joined or declined."""
    member = _member(member_id)
    return send_each(
        subject=lambda: (
            _("%(org)s %(answer)s your invitation: %(title)s")
            % {
                "org": member.organisation,
                "answer": _("accepted") if member.status == ConsortiumStatus.ACCEPTED else _("declined"),
                "title": member.application,
            }
        ),
        template="grants/email/consortium_answered.txt",
        context={"member": member},
        recipients=emails_about(organisations=[member.application.organisation_id], role=Role.PARTNER),
    )


@shared_task(**RETRY)
def notify_message_posted(message_id: int, site_url: str = "") -> int:
    """Tell the other side of a conversation that a message is waiting, never its author."""
    from .selectors.messages import message_recipients, record_url

    message = Message.objects.select_related(
        "author", "application__organisation", "application__created_by", "application__call", "project"
    ).get(pk=message_id)
    to_staff = message.side == MessageSide.ORGANISATION
    record = message.record
    title = message.project.code if message.project_id else str(record)
    return send_each(
        # One line whatever the title holds: a header never carries a line break.
        subject=lambda: _("New message on %(record)s") % {"record": " ".join(title.split())},
        template="grants/email/message_posted.txt",
        context={
            "message": message,
            "record": record,
            "files": list(message.files.values_list("original_name", flat=True)),
            "url": site_url.rstrip("/") + record_url(message, staff=to_staff),
        },
        recipients=message_recipients(message),
    )


@shared_task(soft_time_limit=300, time_limit=360)
def send_mailing_chunk(mailing_id: int, recipient_ids: list[int], site_url: str = "") -> int:
    """Send one chunk of a mailing; each failure is recorded on its recipient's row, never retried here (staff
    retry the failed ones from the mailing's page)."""
    from .services.messages import mailing_deliver

    return mailing_deliver(mailing_id=mailing_id, recipient_ids=recipient_ids, site_url=site_url)


@shared_task(**RETRY)
def notify_update_decided(update_id: int) -> int:
    """Tell the author of a project update that the secretariat published it, or rejected it and why."""
    from .models import ProjectUpdate, UpdateStatus

    update = ProjectUpdate.objects.select_related("project", "author").get(pk=update_id)
    if update.status not in (UpdateStatus.PUBLISHED, UpdateStatus.REJECTED):
        return 0  # withdrawn before the e-mail went
    subject = (
        gettext_lazy("Your update is published: %(title)s")
        if update.status == UpdateStatus.PUBLISHED
        else gettext_lazy("Your update is not published: %(title)s")
    )
    return send_each(
        # One line whatever the title holds: a header never carries a line break.
        subject=lambda: subject % {"title": " ".join(update.title.split())},
        template="grants/email/update_decided.txt",
        context={"update": update, "published": update.status == UpdateStatus.PUBLISHED},
        recipients=[update.author.email],
    )


@shared_task(soft_time_limit=60, time_limit=90, **RETRY)
def city_locate(city_id: int) -> int:
    """Fill the coordinates of `city_id`, and of any other city waiting for them, from one reading of the
    gazetteer: the jobs queued by a demo's or an import's dozens of new cities find the work done but one."""
    from .services.places import cities_locate

    return cities_locate(retry=False).located


city_locate.long_running = True  # reading the gazetteer takes a second: off the request in the embedded setup
