"""What a call says before anyone applies: who is eligible, whom it invites, and the documents it comes with."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from common.uploads import upload_type
from members.models import Organisation

from .calls import Call


class EligibilityQuestion(models.Model):
    """A yes/no question a visitor answers before applying, with the answer that qualifies and the plain reason
    shown to whoever gives the other one."""

    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, related_name="eligibility_questions", verbose_name=_("call")
    )
    text = models.CharField(_("question"), max_length=250)
    help_text = models.CharField(_("help text"), max_length=250, blank=True)
    qualifying_answer = models.BooleanField(
        _("the answer that qualifies is yes"),
        default=True,
        help_text=_("Untick when “no” is the answer that qualifies."),
    )
    why_not = models.CharField(
        _("why not"),
        max_length=400,
        help_text=_("Shown to a visitor whose answer does not qualify, e.g. “This call funds cities in Africa only.”"),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("eligibility question")
        verbose_name_plural = _("eligibility questions")
        ordering = ["call", "order", "pk"]

    def __str__(self) -> str:
        return self.text


class CallInvitation(models.Model):
    """An organisation invited to an invitation-only call: its partners see the call and may answer it."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("call"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="call_invitations", verbose_name=_("organisation")
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("invited by"),
    )
    invited_at = models.DateTimeField(_("invited at"), default=timezone.now)

    class Meta:
        verbose_name = _("invited organisation")
        verbose_name_plural = _("invited organisations")
        ordering = ["call", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "organisation"],
                name="call_invitation_once",
                violation_error_message=_("This organisation is already invited to the call."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.organisation)


class CallDocumentKind(models.TextChoices):
    TERMS_OF_REFERENCE = "terms", _("Terms of reference")
    TEMPLATE = "template", _("Template")
    GUIDANCE = "guidance", _("Guidance")


def call_document_path(instance: CallDocument, filename: str) -> str:
    """Under MEDIA_ROOT, never served directly: the download checks that the asker may see the call."""
    return f"calls/{instance.call_id}/{timezone.now():%Y%m%d%H%M%S}-{filename}"


class CallDocument(models.Model):
    """A file staff attach to a call (its terms of reference, a budget template, guidance), checked by its
    content as every upload is."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="documents", verbose_name=_("call"))
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=CallDocumentKind.choices)
    file = models.FileField(_("file"), upload_to=call_document_path)
    original_name = models.CharField(_("file name"), max_length=200, editable=False)
    content_type = models.CharField(_("type"), max_length=100, editable=False)
    size = models.PositiveIntegerField(_("size in bytes"), editable=False, default=0)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now=True)

    class Meta:
        verbose_name = _("call document")
        verbose_name_plural = _("call documents")
        ordering = ["call", "order", "pk"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        """A new file is accepted by its content (PDF, XLSX, DOCX, PNG, JPEG within the size limit)."""
        super().clean()
        upload = self.file.file if self.file and not self.file._committed else None
        if upload is None:
            return
        try:
            self.content_type = upload_type(upload)
        except DomainError as error:
            raise ValidationError({"file": error.message}) from None
        self.original_name = upload.name[:200]
        self.size = upload.size
