"""The conversation on a record, and bulk e-mail to a call's applicants: every change of their state.

A message is posted by one side (the record's organisation in the portal, the secretariat in the admin) and
e-mailed to the other by a task queued on commit. A mailing is made in one transaction with a row per recipient,
queued; tasks send it in chunks, each recipient claimed by a conditional UPDATE so that no one is sent it twice.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from common import outbox
from common.errors import DomainError, validate
from common.mail import languages_of
from common.permissions import may
from common.uploads import upload_type
from members.models import User

from ..models import (
    Application,
    ApplicationStatus,
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
from ..models.messages import BODY_MAX_LENGTH
from ..selectors.messages import email_render, mailing_addresses, mailing_applications

FILES_PER_MESSAGE = 5
CHUNK = 50  # recipients per task: a worker that dies loses at most one chunk's claims


class MessageError(DomainError):
    """A message or a mailing refused, with the field at fault."""


def message_post(
    *,
    record: Application | Project,
    author: User,
    side: str,
    body: str,
    uploads: Sequence[UploadedFile] = (),
    site_url: str = "",
) -> Message:
    """Add a message to the record's conversation, with its files checked by content, and e-mail the other side.

    The caller (a view scoped by `selectors.messages`) has already established that `author` reads the record on
    `side`; posting for the secretariat also needs `grants.add_message`."""
    if side == MessageSide.SECRETARIAT and not may(author, "grants.add_message"):
        raise MessageError(_("You may read this conversation, not write in it."))
    body = (body or "").strip()
    if not body:
        raise MessageError(_("Write a message."), field="body")
    if len(body) > BODY_MAX_LENGTH:
        raise MessageError(
            _("A message is at most %(limit)s characters; this one has %(n)s.")
            % {"limit": BODY_MAX_LENGTH, "n": len(body)},
            field="body",
        )
    if len(uploads) > FILES_PER_MESSAGE:
        raise MessageError(_("Attach at most %(n)s files to a message.") % {"n": FILES_PER_MESSAGE}, field="files")
    types = []
    for upload in uploads:
        try:
            types.append(upload_type(upload))
        except DomainError as error:
            raise MessageError(error.message, field="files") from None
    on = {"application": record} if isinstance(record, Application) else {"project": record}
    with transaction.atomic():
        message = Message(**on, author=author, side=side, body=body)
        validate(message, error=MessageError)
        message.save()
        for upload, content_type in zip(uploads, types, strict=True):
            MessageAttachment.objects.create(
                message=message,
                file=upload,
                original_name=upload.name[:200],
                content_type=content_type,
                size=upload.size,
            )
        from ..tasks import notify_message_posted

        outbox.enqueue(notify_message_posted, message.pk, site_url)
    return message


# -- Bulk e-mail


def _check_statuses(statuses: Sequence[str]) -> list[str]:
    chosen = [status for status in ApplicationStatus.values if status in set(statuses)]
    if not chosen or len(chosen) != len(set(statuses)):
        raise MessageError(_("Choose the states of the applications to write to."), field="statuses")
    return chosen


@transaction.atomic
def mailing_send(
    *, call: Call, template: EmailTemplate, statuses: Sequence[str], user: User, site_url: str = ""
) -> Mailing:
    """Write to every applicant of the call whose application is in one of `statuses`: a row per (application,
    address), queued, then sent by tasks in chunks once this transaction commits."""
    if not may(user, "grants.add_mailing"):
        raise MessageError(_("You may not send e-mail to applicants."))
    statuses = _check_statuses(statuses)
    if problems := template.problems():
        raise MessageError(next(iter(problems.values())), field="template")
    addresses = mailing_addresses(list(mailing_applications(call=call, statuses=statuses)))
    if not addresses:
        raise MessageError(_("No application of the call is in these states: nobody to write to."), field="statuses")
    mailing = Mailing.objects.create(
        call=call, template=template, statuses=statuses, subject=template.subject, body=template.body, created_by=user
    )
    MailingRecipient.objects.bulk_create(
        MailingRecipient(mailing=mailing, application=application, email=email) for application, email in addresses
    )
    _queue(mailing, site_url)
    return mailing


def _queue(mailing: Mailing, site_url: str) -> None:
    from ..tasks import send_mailing_chunk

    ids = list(mailing.recipients.filter(status=RecipientStatus.QUEUED).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        outbox.enqueue(send_mailing_chunk, mailing.pk, ids[start : start + CHUNK], site_url)


@transaction.atomic
def mailing_retry_failed(*, mailing: Mailing, user: User, site_url: str = "") -> int:
    """Queue the failed recipients again; how many."""
    if not may(user, "grants.add_mailing"):
        raise MessageError(_("You may not send e-mail to applicants."))
    again = mailing.recipients.filter(status=RecipientStatus.FAILED).update(status=RecipientStatus.QUEUED, error="")
    if again:
        _queue(mailing, site_url)
    return again


def mailing_deliver(*, mailing_id: int, recipient_ids: Sequence[int], site_url: str = "") -> int:
    """Send the mailing to each of these recipients still queued; how many were sent. Each recipient is claimed
    by a conditional UPDATE (queued → sending) before its message goes, so a task run twice, or two workers given
    the same chunk, never send one twice; each ends sent, or failed with the error."""
    mailing = Mailing.objects.get(pk=mailing_id)
    sent = 0
    for pk in recipient_ids:
        claimed = MailingRecipient.objects.filter(pk=pk, mailing=mailing, status=RecipientStatus.QUEUED).update(
            status=RecipientStatus.SENDING
        )
        if not claimed:
            continue
        recipient = MailingRecipient.objects.select_related("application__organisation", "application__call").get(pk=pk)
        try:
            with translation.override(languages_of([recipient.email])[recipient.email]):
                email = email_render(
                    subject=mailing.subject, body=mailing.body, application=recipient.application, site_url=site_url
                )
            EmailMessage(email.subject, email.body, to=[recipient.email]).send()
        except Exception as error:  # noqa: BLE001 -- whatever stopped it is recorded on the row, for staff to see
            MailingRecipient.objects.filter(pk=pk).update(
                status=RecipientStatus.FAILED,
                error=f"{type(error).__name__}: {error}"[:2000],
                attempts=recipient.attempts + 1,
            )
            continue
        MailingRecipient.objects.filter(pk=pk).update(
            status=RecipientStatus.SENT, sent_at=timezone.now(), error="", attempts=recipient.attempts + 1
        )
        sent += 1
    return sent
