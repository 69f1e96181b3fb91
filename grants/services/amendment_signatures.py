"""Signing an approved amendment: each side's signatories and the signed letter.

The committee's approval applies the amendment's terms at once (grants/services/amendments.py); like the
agreement, the amendment then awaits the signatures of both sides, which the secretariat records from the signed
letter. The day the second side signs, the amendment is signed by both (`Amendment.signed_on`); until then the
tranches a cost extension added are not paid (`tranche_unsigned_refusal`, used by `disbursement_record` and
payment requests alike).
"""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import validate
from members.models import User

from ..models import Amendment, AmendmentSignatory, AmendmentStatus, SignatorySide, Tranche
from .agreements import AgreementError, SignatureInput, sides_awaited, signature_check, signed_copy_check


def _locked(amendment: Amendment) -> Amendment:
    return Amendment.objects.select_for_update().select_related("agreement").get(pk=amendment.pk)


def _require_approved(amendment: Amendment) -> None:
    if amendment.status != AmendmentStatus.APPROVED:
        raise AgreementError(
            _("%(amendment)s is %(status)s: only an approved amendment is signed.")
            % {"amendment": amendment, "status": amendment.get_status_display().lower()}
        )


@transaction.atomic
def amendment_signature_record(
    *,
    amendment: Amendment,
    side: str,
    name: str,
    signed_on: dt.date,
    title: str = "",
    email: str = "",
    recorded_by: User | None,
) -> AmendmentSignatory:
    """Record that someone signed the approved amendment for one side on a day (not before its approval); the
    second side's signature makes it signed by both, from which on the tranches it added may be paid."""
    amendment = _locked(amendment)
    signature = SignatureInput(side=side, name=name, title=title, email=email, signed_on=signed_on)
    _require_approved(amendment)
    signature_check(signature)
    if signed_on < timezone.localdate(amendment.decided_at):
        raise AgreementError(
            _("The amendment was approved on %(day)s: it cannot be signed before.")
            % {"day": timezone.localdate(amendment.decided_at).isoformat()},
            field="signed_on",
        )
    row = AmendmentSignatory(
        amendment=amendment,
        side=side,
        name=name.strip(),
        title=title.strip(),
        email=email.strip(),
        signed_on=signed_on,
        recorded_by=recorded_by,
    )
    validate(row, error=AgreementError)
    row.save()
    # Each side signed on its first signatory's day; both sides had signed by the later of those days.
    first_by_side = dict(
        amendment.signatories.values("side").annotate(first=Min("signed_on")).values_list("side", "first")
    )
    if amendment.signed_on is None and set(first_by_side) >= set(SignatorySide.values):
        amendment.signed_on = max(first_by_side.values())
        amendment.save(update_fields=["signed_on"])
    return row


@transaction.atomic
def amendment_signed_copy_upload(*, amendment: Amendment, upload: UploadedFile, user: User) -> Amendment:
    """Keep the signed letter of the amendment (a PDF, checked by its content); a new copy replaces the last."""
    amendment = _locked(amendment)
    _require_approved(amendment)
    signed_copy_check(upload)
    amendment.signed_copy.save(
        f"{amendment.agreement.reference}-amendment-{amendment.number}-signed.pdf", upload, save=False
    )
    amendment.signed_copy_uploaded_at = timezone.now()
    amendment.signed_copy_uploaded_by = user
    amendment.save(update_fields=["signed_copy", "signed_copy_uploaded_at", "signed_copy_uploaded_by"])
    return amendment


def tranche_unsigned_refusal(tranche: Tranche) -> str | None:
    """Why `tranche` cannot be paid yet because the amendment that added it awaits signatures, or None."""
    amendment = tranche.amendment
    if amendment is None or amendment.signed_on is not None:
        return None
    return _(
        "Tranche %(number)s comes with amendment %(amendment)s, not signed by both sides yet: waiting for the "
        "signature of %(sides)s."
    ) % {"number": tranche.number, "amendment": amendment.number, "sides": _(" and ").join(sides_awaited(amendment))}
