"""The grant agreement as a PDF (the staff-written text of its language, filled in and printed by WeasyPrint),
and the letter of each approved amendment, for both sides to sign.

The text is rendered by the sandboxed engine of `common.sandbox` from the plain values of
`selectors.agreements.agreement_document_values`, then set in a page of our own; WeasyPrint fetches nothing
from outside (no network, no local file): the document is made from the HTML alone.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from common.pdf import pdf_response, sealed_pdf
from common.sandbox import compile_template, render
from common.uploads import PDF, file_download

from .models import Amendment, AmendmentStatus, DocumentLanguage, GrantAgreement
from .selectors.agreements import agreement_document_values, document_template
from .selectors.amendments import amendment_letter


class DocumentUnavailable(Exception):
    """No agreement text exists in the language asked for."""


def agreement_html(agreement: GrantAgreement, language: str) -> str:
    values = agreement_document_values(agreement, language)
    template = document_template(values.language)
    if template is None:
        raise DocumentUnavailable(_("There is no agreement text in this language: add one in the admin."))
    body = render(compile_template(template.body), values.values)
    with translation.override(values.language):
        return render_to_string(
            "grants/pdf/agreement.html",
            {
                # The text is the sandbox's output: staff markup with every value escaped.
                "body": mark_safe(body),  # noqa: S308
                "language": values.language,
                "agreement": agreement,
                "made_on": timezone.localdate(),
                "template": template,
            },
        )


def agreement_pdf(agreement: GrantAgreement, language: str) -> bytes:
    return sealed_pdf(agreement_html(agreement, language))


def document_filename(agreement: GrantAgreement, language: str) -> str:
    return f"{agreement.reference}-{language}.pdf"


def document_response(agreement: GrantAgreement, language: str) -> HttpResponse:
    """The agreement's PDF in `language`, made now; 404 for a language without a text."""
    if language not in DocumentLanguage.values:
        raise Http404
    try:
        content = agreement_pdf(agreement, language)
    except DocumentUnavailable:
        raise Http404 from None
    return pdf_response(content, document_filename(agreement, language))


def signed_copy_response(agreement: GrantAgreement):
    if not agreement.signed_copy:
        raise Http404
    return file_download(agreement.signed_copy, name=f"{agreement.reference}-signed.pdf", content_type=PDF)


def amendment_letter_pdf(amendment: Amendment) -> bytes:
    """The letter both sides sign: the amendment, each term it changed before and after, the signature blocks."""
    letter = amendment_letter(amendment)
    html = render_to_string(
        "grants/pdf/amendment.html",
        {"letter": letter, "amendment": amendment, "agreement": amendment.agreement, "made_on": timezone.localdate()},
    )
    return sealed_pdf(html)


def amendment_letter_response(amendment: Amendment) -> HttpResponse:
    """The letter of an approved amendment; 404 for one not approved (nothing to sign)."""
    if amendment.status != AmendmentStatus.APPROVED:
        raise Http404
    content = amendment_letter_pdf(amendment)
    return pdf_response(content, f"{amendment.agreement.reference}-amendment-{amendment.number}.pdf")


def amendment_signed_copy_response(amendment: Amendment):
    if not amendment.signed_copy:
        raise Http404
    name = f"{amendment.agreement.reference}-amendment-{amendment.number}-signed.pdf"
    return file_download(amendment.signed_copy, name=name, content_type=PDF)
