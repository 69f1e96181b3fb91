"""Signing a grant agreement: each side's signatories and the signed copy.

An agreement awaits signatures until each side (the grantee and the secretariat) has at least one signatory
recorded; it is then signed by both sides, and only then does `disbursement_record` pay money under it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import DomainError, validate
from common.uploads import PDF, upload_type
from members.models import User

from ..models import AgreementSignatory, AgreementStatus, GrantAgreement, SignatorySide


class AgreementError(DomainError):
    """A rule of signing refused the operation."""


@dataclass(frozen=True)
class SignatureInput:
    """Who signed for one side, and when."""

    side: str
    name: str
    signed_on: dt.date
    title: str = ""
    email: str = ""


def signature_check(signature: SignatureInput) -> None:
    """What any signature recorded gives: its side, a name, a date not to come (of an agreement or an amendment)."""
    if signature.side not in SignatorySide.values:
        raise AgreementError(_("Choose the side the signatory signed for."), field="side")
    if not signature.name.strip():
        raise AgreementError(_("Give the signatory's name."), field="name")
    if signature.signed_on is None:
        raise AgreementError(_("Give the date the signatory signed."), field="signed_on")
    if signature.signed_on > timezone.localdate():
        raise AgreementError(_("A signature cannot be dated on a day still to come."), field="signed_on")


def _signature_check(agreement: GrantAgreement, signature: SignatureInput) -> None:
    signature_check(signature)
    if agreement.status == AgreementStatus.CLOSED:
        raise AgreementError(_("%(reference)s is closed.") % {"reference": agreement.reference})


def signed_copy_check(upload: UploadedFile) -> None:
    """A signed copy is a PDF, checked by its content."""
    try:
        content_type = upload_type(upload)
    except DomainError as error:
        raise AgreementError(error.message, field="file") from None
    if content_type != PDF:
        raise AgreementError(
            _("%(name)s is not a PDF file: upload the signed copy as a PDF.") % {"name": upload.name},
            field="file",
        )


def signatures_record(
    *, agreement: GrantAgreement, signatures: Sequence[SignatureInput], recorded_by: User | None
) -> GrantAgreement:
    """Record signatures on a locked agreement; once both sides have signed, it is signed. Call inside a
    transaction that holds the agreement's row (`select_for_update`)."""
    rows = []
    for signature in signatures:
        _signature_check(agreement, signature)
        row = AgreementSignatory(
            agreement=agreement,
            side=signature.side,
            name=signature.name.strip(),
            title=signature.title.strip(),
            email=signature.email.strip(),
            signed_on=signature.signed_on,
            recorded_by=recorded_by,
        )
        validate(row, error=AgreementError)
        rows.append(row)
    for row in rows:
        row.save()  # one by one, so the history keeps each
    sides = set(agreement.signatories.values_list("side", flat=True))
    if agreement.status == AgreementStatus.AWAITING_SIGNATURES and sides >= set(SignatorySide.values):
        agreement.status = AgreementStatus.SIGNED
        agreement.save(update_fields=["status"])
    return agreement


def sides_awaited(agreement: GrantAgreement) -> list[str]:
    """The sides that have not signed yet, as a sentence names them: "the grantee", "the secretariat"."""
    signed = {signatory.side for signatory in agreement.signatories.all()}
    names = {SignatorySide.PARTNER: _("the grantee"), SignatorySide.SECRETARIAT: _("the secretariat")}
    return [names[side] for side in SignatorySide if side.value not in signed]


@transaction.atomic
def agreement_signature_record(
    *,
    agreement: GrantAgreement,
    side: str,
    name: str,
    signed_on: dt.date,
    title: str = "",
    email: str = "",
    recorded_by: User | None,
) -> AgreementSignatory:
    """Record that someone signed the agreement for one side on a day; the second side's signature makes the
    agreement signed by both sides, from which on its tranches may be paid."""
    agreement = GrantAgreement.objects.select_for_update().get(pk=agreement.pk)
    signatures_record(
        agreement=agreement,
        signatures=[SignatureInput(side=side, name=name, title=title, email=email, signed_on=signed_on)],
        recorded_by=recorded_by,
    )
    return agreement.signatories.order_by("-pk").first()


@transaction.atomic
def agreement_signed_copy_upload(*, agreement: GrantAgreement, upload: UploadedFile, user: User) -> GrantAgreement:
    """Keep the signed copy of the agreement (a PDF, checked by its content); a new copy replaces the last one,
    whose upload the agreement's history keeps."""
    agreement = GrantAgreement.objects.select_for_update().get(pk=agreement.pk)
    signed_copy_check(upload)
    agreement.signed_copy.save(f"{agreement.reference}-signed.pdf", upload, save=False)
    agreement.signed_copy_uploaded_at = timezone.now()
    agreement.signed_copy_uploaded_by = user
    agreement.save(update_fields=["signed_copy", "signed_copy_uploaded_at", "signed_copy_uploaded_by"])
    return agreement
