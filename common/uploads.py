"""Checking uploaded files by their content, never by their name."""

from __future__ import annotations

import unicodedata
from pathlib import PurePosixPath

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from .errors import DomainError

ACCEPTED_UPLOADS = {
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
}
PDF = "application/pdf"
EXTENSIONS = {
    PDF: ".pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "image/png": ".png",
    "image/jpeg": ".jpg",
}


def upload_type(upload: UploadedFile, *, accepted: dict[str, str] | None = None) -> str:
    """The MIME type of an accepted upload; DomainError (field "file") for one too big or of another kind.
    `accepted` narrows the kinds (MIME type → name) from every kind an upload may be."""
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
    if accepted is not None and (kind is None or kind.mime not in accepted):
        names = list(accepted.values())
        kinds = (
            _("%(some)s or %(last)s") % {"some": ", ".join(names[:-1]), "last": names[-1]}
            if len(names) > 1
            else names[0]
        )
        raise DomainError(_("%(name)s is not a %(kinds)s file.") % {"name": upload.name, "kinds": kinds}, field="file")
    if kind is None or kind.mime not in ACCEPTED_UPLOADS:
        raise DomainError(
            _("%(name)s is not a PDF, XLSX, DOCX, PNG or JPEG file.") % {"name": upload.name}, field="file"
        )
    return kind.mime


def download_name(name: str, content_type: str) -> str:
    """The uploader's file name without folders or control characters, ending in the extension of the type
    its content was found to be: "report.html" holding a PDF is saved as "report.pdf"."""
    name = PurePosixPath(name.replace("\\", "/")).name
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C" and char not in '"<>:|?*')
    stem = name.rsplit(".", 1)[0].strip(" .") if "." in name else name.strip(" .")
    return f"{stem or 'file'}{EXTENSIONS.get(content_type, '')}"


def file_download(file: FieldFile, *, name: str, content_type: str) -> FileResponse:
    """A stored file, always as an attachment of the type found at upload, which browsers may not second-guess."""
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=download_name(name, content_type), content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
