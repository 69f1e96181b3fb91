"""The conversation between an applicant's (or grantee's) organisation and the secretariat on one record, and the
e-mails staff send to a call's applicants in bulk, logged per recipient."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.sandbox import template_problem

from .calls import Application, ApplicationStatus, Call
from .projects import Project


class MessageSide(models.TextChoices):
    ORGANISATION = "organisation", _("Organisation")
    SECRETARIAT = "secretariat", _("Secretariat")


BODY_MAX_LENGTH = 10_000


class Message(models.Model):
    """One message of a record's conversation: on an application or on a project, never both. A record has one
    conversation, read oldest first, as a thread of comments (Hypha's "Communications", Fluxx's "Correspondence")."""

    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("application"),
    )
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="messages", verbose_name=_("project")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    side = models.CharField(_("side"), max_length=12, choices=MessageSide.choices)
    body = models.TextField(_("message"), max_length=BODY_MAX_LENGTH)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["application", "created_at"], name="message_application_time"),
            models.Index(fields=["project", "created_at"], name="message_project_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(application__isnull=True, project__isnull=False)
                | Q(application__isnull=False, project__isnull=True),
                name="message_on_one_record",
                violation_error_message=_("A message is on an application or on a project, never both."),
            ),
            models.CheckConstraint(
                condition=~Q(body=""),
                name="message_not_empty",
                violation_error_message=_("Write a message."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def record(self) -> Application | Project:
        return self.application or self.project


def message_upload_path(instance: MessageAttachment, filename: str) -> str:
    """Under MEDIA_ROOT, never served directly: the download checks who may read the conversation."""
    return f"messages/{instance.message_id}/{timezone.now():%Y%m%d%H%M%S}-{filename}"


class MessageAttachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="files", verbose_name=_("message"))
    file = models.FileField(_("file"), upload_to=message_upload_path)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))

    class Meta:
        verbose_name = _("message attachment")
        verbose_name_plural = _("message attachments")
        ordering = ["message", "pk"]

    def __str__(self) -> str:
        return self.original_name


# What a bulk e-mail template may name: each placeholder with the keys of its value.
EMAIL_PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "organisation": ("name",),
    "application": ("title", "reference", "status", "url"),
    "call": ("title", "reference", "closes_at"),
}

EMAIL_PLACEHOLDER_HELP = _(
    "Django template language, a safe subset: {{ placeholder.key }}, {% if %}, {% with %}; filters upper, lower, "
    "title, capfirst, default, yesno. Placeholders: organisation (name); application (title, reference, status, "
    "url: its page in the portal); call (title, reference, closes_at). Every value is plain text."
)


class EmailTemplate(models.Model):
    """A subject and a text staff write once and send to many applicants; refused on save if it would not render."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    subject = models.CharField(_("subject"), max_length=200, help_text=EMAIL_PLACEHOLDER_HELP)
    body = models.TextField(_("text"), help_text=EMAIL_PLACEHOLDER_HELP)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("e-mail template")
        verbose_name_plural = _("e-mail templates")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # A template that would not render never reaches the database, whichever door saves it.
        if problems := self.problems():
            raise ValidationError(problems)
        super().save(*args, **kwargs)

    def problems(self) -> dict[str, str]:
        found = {}
        for field in ("subject", "body"):
            problem = template_problem(getattr(self, field) or "", EMAIL_PLACEHOLDERS)
            if problem:
                found[field] = problem
        return found

    def clean(self) -> None:
        super().clean()
        if problems := self.problems():
            raise ValidationError(problems)


class Mailing(models.Model):
    """One bulk e-mail to a call's applicants in some states: the template's text as it was sent, and a row per
    recipient with its delivery status."""

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="mailings", verbose_name=_("call"))
    template = models.ForeignKey(
        EmailTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("template")
    )
    statuses = models.JSONField(_("applications in these states"), default=list)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("sent by")
    )
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("mailing")
        verbose_name_plural = _("mailings")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return _("E-mail of %(date)s to applicants of %(call)s") % {
            "date": timezone.localtime(self.created_at).strftime("%Y-%m-%d %H:%M"),
            "call": self.call,
        }

    @property
    def status_labels(self) -> list[str]:
        return [str(ApplicationStatus(status).label) for status in self.statuses if status in ApplicationStatus]


class RecipientStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class MailingRecipient(models.Model):
    mailing = models.ForeignKey(Mailing, on_delete=models.CASCADE, related_name="recipients", verbose_name=_("mailing"))
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="+", verbose_name=_("application")
    )
    email = models.EmailField(_("e-mail address"))
    status = models.CharField(
        _("status"), max_length=8, choices=RecipientStatus.choices, default=RecipientStatus.QUEUED
    )
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        ordering = ["mailing", "email", "pk"]
        indexes = [models.Index(fields=["mailing", "status"], name="mailing_recipient_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["mailing", "application", "email"],
                name="mailing_recipient_once",
                violation_error_message=_("A mailing reaches an address once per application."),
            ),
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False) | ~Q(status="sent"),
                name="mailing_recipient_sent_has_a_time",
                violation_error_message=_("A sent message has the moment it was sent."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} · {self.get_status_display()}"
