"""Reads of the conversations on applications and projects, and of bulk e-mail to a call's applicants.

Who reads a record's conversation is who may see the record (`visibility`): on the organisation's side the
partners `visible_applications` and `own_projects` give (in the portal), on the secretariat's side staff who hold
`grants.view_message` and see the record (in the admin). Anyone else is told the record does not exist.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.contrib.auth.models import Permission
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from common.permissions import may
from common.sandbox import compile_template, render_text
from members.models import Role, User
from members.selectors import emails_about

from ..models import (
    Application,
    Call,
    EmailTemplate,
    Mailing,
    MailingRecipient,
    Message,
    MessageAttachment,
    MessageSide,
    Project,
    RecipientStatus,
)
from ..todos import Todo
from .consortia import applicant_emails
from .visibility import own_projects, visible_applications, visible_projects


def organisation_applications(user: User) -> QuerySet[Application]:
    """The applications whose conversation `user` joins for the applying organisation (staff answer in the admin)."""
    if not user.is_authenticated or user.is_staff:
        return Application.objects.none()
    return visible_applications(user)


def organisation_projects(user: User) -> QuerySet[Project]:
    if not user.is_authenticated or user.is_staff:
        return Project.objects.none()
    return own_projects(user)


def secretariat_applications(user: User) -> QuerySet[Application]:
    """The applications whose conversation a staff member reads: those they see, with the permission to read
    messages."""
    return visible_applications(user) if may(user, "grants.view_message") else Application.objects.none()


def secretariat_projects(user: User) -> QuerySet[Project]:
    if not may(user, "grants.view_message") or not may(user, "grants.view_project"):
        return Project.objects.none()
    return visible_projects(user)


def conversation(record: Application | Project) -> list[Message]:
    """The record's messages, oldest first, with their authors and files: two queries however many there are."""
    field = "application" if isinstance(record, Application) else "project"
    return list(
        Message.objects.filter(**{field: record})
        .select_related("author")
        .prefetch_related(Prefetch("files", queryset=MessageAttachment.objects.order_by("pk")))
        .order_by("created_at", "pk")
    )


def message_file_for(user: User, pk: int) -> MessageAttachment:
    """A message's file, for whoever reads its conversation; DoesNotExist for anyone else."""
    readable = Q(message__application__in=organisation_applications(user).values("pk")) | Q(
        message__project__in=organisation_projects(user).values("pk")
    )
    if may(user, "grants.view_message"):
        readable |= Q(message__application__in=secretariat_applications(user).values("pk")) | Q(
            message__project__in=secretariat_projects(user).values("pk")
        )
    return MessageAttachment.objects.filter(readable).get(pk=pk)


def waiting_for_answer(user: User) -> list[Message]:
    """The secretariat's messages that are the last word on one of the user's organisation's records: questions
    the organisation has not answered yet. One query."""
    later = Message.objects.filter(
        Q(application_id=OuterRef("application_id"), application_id__isnull=False)
        | Q(project_id=OuterRef("project_id"), project_id__isnull=False)
    ).filter(Q(created_at__gt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), pk__gt=OuterRef("pk")))
    return list(
        Message.objects.filter(
            Q(application__in=organisation_applications(user).values("pk"))
            | Q(project__in=organisation_projects(user).values("pk")),
            side=MessageSide.SECRETARIAT,
        )
        .exclude(Exists(later))
        .select_related("application", "project")
        .order_by("created_at", "pk")
    )


def message_recipients(message: Message) -> list[str]:
    """Whom to e-mail about a new message: the other side, never its author. The secretariat is the staff who
    answer messages (hold `grants.add_message`); the organisation is the record's partners (an application's
    lead and accepted co-applicants)."""
    if message.side == MessageSide.ORGANISATION:
        emails = staff_answering_emails()
    else:
        if message.application_id:
            emails = applicant_emails(message.application)
        else:
            emails = emails_about(organisations=message.project.partners.values("organisation"), role=Role.PARTNER)
    return sorted({email for email in emails if email.lower() != message.author.email.lower()})


def staff_answering_emails() -> list[str]:
    permission = Permission.objects.filter(content_type__app_label="grants", codename="add_message")
    users = User.objects.filter(is_staff=True, is_active=True).filter(
        Q(is_superuser=True) | Q(user_permissions__in=permission) | Q(groups__permissions__in=permission)
    )
    return sorted(set(users.values_list("email", flat=True)))


def record_url(message: Message, *, staff: bool) -> str:
    """Where the reader of a message's e-mail answers it."""
    if staff:
        if message.application_id:
            return reverse("admin:grants_application_change", args=[message.application_id]) + "#messages"
        return reverse("admin:grants_project_record", args=[message.project_id]) + "#messages"
    if message.application_id:
        return reverse("grants:application-messages", args=[message.application_id])
    return reverse("grants:project-messages", args=[message.project.code])


# -- Bulk e-mail


def _one_line(text: str) -> str:
    """A subject is one line whatever the template made of it (a header cannot hold a line break)."""
    return re.sub(r"\s+", " ", text).strip()[:250]


def template_values(application: Application, site_url: str = "") -> dict:
    """What a template's placeholders read for one application: plain strings only (the sandbox's rule)."""
    call = application.call
    return {
        "organisation": {"name": application.organisation.name},
        "application": {
            "title": str(application),
            "reference": application_reference(application),
            "status": str(application.get_status_display()),
            "url": site_url.rstrip("/") + reverse("grants:application", args=[application.pk]),
        },
        "call": {
            "title": call.title,
            "reference": call.reference,
            "closes_at": date_format(timezone.localtime(call.closes_at), "DATE_FORMAT"),
        },
    }


def application_reference(application: Application) -> str:
    return f"{application.call.reference}-{application.pk}"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body: str


def email_render(*, subject: str, body: str, application: Application, site_url: str = "") -> RenderedEmail:
    values = template_values(application, site_url)
    return RenderedEmail(
        subject=_one_line(render_text(compile_template(subject), values)),
        body=render_text(compile_template(body), values),
    )


def mailing_applications(*, call: Call, statuses: list[str]) -> QuerySet[Application]:
    return (
        Application.objects.filter(call=call, status__in=statuses)
        .select_related("organisation", "created_by", "call")
        .order_by("pk")
    )


def mailing_addresses(applications: list[Application]) -> list[tuple[Application, str]]:
    """Each application's partners and the person who started it, each address once per application: one query
    for the partners however many applications."""
    from members.models import OrganisationRole

    partners: dict[int, set[str]] = {}
    roles = OrganisationRole.objects.filter(
        organisation__in={application.organisation_id for application in applications}, role=Role.PARTNER
    ).values_list("organisation_id", "user__email")
    for organisation_id, email in roles:
        partners.setdefault(organisation_id, set()).add(email)
    found = []
    for application in applications:
        emails = {application.created_by.email, *partners.get(application.organisation_id, ())}
        found += [(application, email) for email in sorted(emails)]
    return found


@dataclass(frozen=True)
class MailingPage:
    mailing: Mailing
    counts: dict[str, int]
    total: int
    recipients: list[MailingRecipient]


def mailing_page(mailing: Mailing) -> MailingPage:
    """A mailing with its count per delivery status and each recipient: three queries however many."""
    counts = dict.fromkeys(RecipientStatus.values, 0)
    for row in mailing.recipients.order_by().values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    recipients = list(mailing.recipients.select_related("application__organisation").order_by("status", "email", "pk"))
    return MailingPage(mailing=mailing, counts=counts, total=sum(counts.values()), recipients=recipients)


def message_todos(user: User, today: dt.date) -> list[Todo]:
    """The portal home's "messages to answer": each record where the secretariat wrote last."""
    return [
        Todo(
            title=_("Answer the secretariat: %(record)s")
            % {"record": message.project.code if message.project_id else message.application},
            detail=_("Message of %(date)s.") % {"date": date_format(timezone.localtime(message.created_at).date())},
            url=record_url(message, staff=False) + "#messages",
            due=None,
        )
        for message in waiting_for_answer(user)[:20]
    ]


@dataclass(frozen=True)
class MailingPreview:
    applications: int
    recipients: int
    first_to: str | None
    subject: str
    body: str


def mailing_preview(*, call: Call, template: EmailTemplate, statuses: list[str], site_url: str = "") -> MailingPreview:
    """How many would receive the mailing, and the first of its messages as it would be sent."""
    applications = list(mailing_applications(call=call, statuses=statuses))
    addresses = mailing_addresses(applications)
    if not addresses:
        return MailingPreview(applications=0, recipients=0, first_to=None, subject="", body="")
    application, email = addresses[0]
    rendered = email_render(subject=template.subject, body=template.body, application=application, site_url=site_url)
    return MailingPreview(
        applications=len(applications),
        recipients=len(addresses),
        first_to=email,
        subject=rendered.subject,
        body=rendered.body,
    )
