"""Checking uploaded files by their content, never by their name."""

from __future__ import annotations

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from .errors import DomainError

ACCEPTED_UPLOADS = {
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
}


def upload_type(upload: UploadedFile) -> str:
    """The MIME type of an accepted upload; DomainError (field "file") for one too big or of another kind."""
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise DomainError(
            _("%(name)s is %(size).1f MB; files may be up to %(limit)g MB.")
            % {"name": upload.name, "size": upload.size / 1_000_000, "limit": limit / 1_000_000},
            field="file",
        )
    head = upload.read(8192)
    upload.seek(0)
    # Office files are zip archives: their type is read from the whole archive.
    kind = filetype.guess(upload.read() if head.startswith(b"PK\x03\x04") else head)
    upload.seek(0)
    if kind is None or kind.mime not in ACCEPTED_UPLOADS:
        raise DomainError(
            _("%(name)s is not a PDF, XLSX, DOCX, PNG or JPEG file.") % {"name": upload.name}, field="file"
        )
    return kind.mime
