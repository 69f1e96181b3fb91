"""Project updates: partners post them, the secretariat publishes or rejects them, partners withdraw them.

An update is never deleted: each step keeps the row (and its photos) with who took it and when. Photos are checked
by their content and stored re-encoded, without metadata (`common.images`), through Django's storage API.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common import outbox
from common.errors import DomainError, validate
from common.images import CleanPhoto, photo_clean
from common.permissions import may
from common.text import validate_writable_text
from members.models import Organisation, Role, User
from members.selectors import organisations_of

from ..models import PartnerRole, Project, ProjectUpdate, UpdatePhoto, UpdateStatus
from ..models.updates import CAPTION_MAX_LENGTH, REASON_MAX_LENGTH, TEXT_MAX_LENGTH, TITLE_MAX_LENGTH

PHOTOS_PER_UPDATE = 4
MODERATE = "grants.moderate_projectupdate"


class UpdateError(DomainError):
    """An update refused, with the field at fault."""


@dataclass(frozen=True)
class PhotoUpload:
    file: UploadedFile
    caption: str


def posting_organisation(*, project: Project, user: User) -> Organisation | None:
    """The organisation `user` posts for on `project`: one of the project's partners the user acts for as a
    partner (the grantee and its implementing partners first), or None when the user acts for none of them."""
    partners = list(
        project.partners.filter(organisation__in=organisations_of(user=user, role=Role.PARTNER))
        .select_related("organisation")
        .order_by("role", "organisation__name")
    )
    implementing = [row for row in partners if row.role == PartnerRole.IMPLEMENTING]
    chosen = (implementing or partners or [None])[0]
    return chosen.organisation if chosen else None


def _text(value: str, *, field: str, limit: int, missing: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise UpdateError(missing, field=field)
    try:
        validate_writable_text(value)
    except ValidationError as refusal:
        raise UpdateError(" ".join(refusal.messages), field=field) from None
    if len(value) > limit:
        raise UpdateError(
            _("%(what)s is at most %(limit)s characters; this one has %(n)s.")
            % {"what": what, "limit": limit, "n": len(value)},
            field=field,
        )
    return value


def update_post(
    *,
    project: Project,
    author: User,
    title: str,
    text: str,
    event_date: dt.date | None = None,
    photos: Sequence[PhotoUpload] = (),
) -> ProjectUpdate:
    """Post an update on a project the author's organisation is a partner of; it waits for the secretariat's
    moderation. Each photo is checked by its content, resized and stripped of its metadata before it is stored."""
    organisation = posting_organisation(project=project, user=author)
    if organisation is None:
        raise UpdateError(_("Only the project's partners post updates on it."))
    title = _text(
        title, field="title", limit=TITLE_MAX_LENGTH, missing=_("Give the update a title."), what=_("A title")
    )
    text = _text(text, field="text", limit=TEXT_MAX_LENGTH, missing=_("Write the update."), what=_("An update"))
    if event_date is not None and event_date > timezone.localdate():
        raise UpdateError(_("The date of the news cannot be in the future."), field="event_date")
    if len(photos) > PHOTOS_PER_UPDATE:
        raise UpdateError(_("Add at most %(n)s photos to an update.") % {"n": PHOTOS_PER_UPDATE}, field="photos")
    cleaned: list[tuple[CleanPhoto, str]] = []
    for photo in photos:
        caption = _text(
            photo.caption,
            field="photos",
            limit=CAPTION_MAX_LENGTH,
            missing=_("Describe each photo in its caption: %(name)s has none.") % {"name": photo.file.name},
            what=_("A caption"),
        )
        try:
            cleaned.append((photo_clean(photo.file), caption))
        except DomainError as error:
            raise UpdateError(error.message, field="photos") from None
    with transaction.atomic():
        update = ProjectUpdate(
            project=project, organisation=organisation, author=author, title=title, text=text, event_date=event_date
        )
        validate(update, error=UpdateError)
        update.save()
        for position, (clean, caption) in enumerate(cleaned):
            row = UpdatePhoto(update=update, caption=caption, width=clean.width, height=clean.height, position=position)
            row.image.save("photo.jpg", ContentFile(clean.image), save=False)
            row.thumbnail.save("thumbnail.jpg", ContentFile(clean.thumbnail), save=False)
            row.save()
    return update


def _locked(update: ProjectUpdate) -> ProjectUpdate:
    return ProjectUpdate.objects.select_for_update().get(pk=update.pk)


@transaction.atomic
def update_publish(*, update: ProjectUpdate, user: User) -> ProjectUpdate:
    """Show a waiting update on the project's public page, in the feed and to the project's donors; its author is
    told by e-mail."""
    if not may(user, MODERATE):
        raise UpdateError(_("You may not moderate project updates."))
    update = _locked(update)
    if update.status != UpdateStatus.SUBMITTED:
        raise UpdateError(
            _("This update is %(status)s: only an update waiting for moderation is published.")
            % {"status": update.get_status_display().lower()}
        )
    now = timezone.now()
    update.status, update.decided_at, update.decided_by, update.published_at = UpdateStatus.PUBLISHED, now, user, now
    update.reason = ""
    update.save(update_fields=["status", "decided_at", "decided_by", "published_at", "reason"])
    _notify(update)
    return update


@transaction.atomic
def update_reject(*, update: ProjectUpdate, user: User, reason: str) -> ProjectUpdate:
    """Refuse a waiting update, or take a published one down, saying why: the reason is e-mailed to its author."""
    if not may(user, MODERATE):
        raise UpdateError(_("You may not moderate project updates."))
    reason = _text(
        reason,
        field="reason",
        limit=REASON_MAX_LENGTH,
        missing=_("Say why the update is rejected: its author reads it."),
        what=_("A reason"),
    )
    update = _locked(update)
    if update.status not in (UpdateStatus.SUBMITTED, UpdateStatus.PUBLISHED):
        raise UpdateError(
            _("This update is %(status)s: there is nothing to reject.")
            % {"status": update.get_status_display().lower()}
        )
    update.status, update.decided_at, update.decided_by, update.reason = (
        UpdateStatus.REJECTED,
        timezone.now(),
        user,
        reason,
    )
    update.save(update_fields=["status", "decided_at", "decided_by", "reason"])
    _notify(update)
    return update


@transaction.atomic
def update_withdraw(*, update: ProjectUpdate, user: User) -> ProjectUpdate:
    """The posting organisation takes its update back, waiting or published; the row stays, out of sight."""
    if not organisations_of(user=user, role=Role.PARTNER).filter(pk=update.organisation_id).exists():
        raise UpdateError(_("Only the organisation that posted the update withdraws it."))
    update = _locked(update)
    if update.status not in (UpdateStatus.SUBMITTED, UpdateStatus.PUBLISHED):
        raise UpdateError(
            _("This update is %(status)s: there is nothing to withdraw.")
            % {"status": update.get_status_display().lower()}
        )
    update.status = UpdateStatus.WITHDRAWN
    update.save(update_fields=["status"])
    return update


def _notify(update: ProjectUpdate) -> None:
    from ..tasks import notify_update_decided

    outbox.enqueue(notify_update_decided, update.pk)
