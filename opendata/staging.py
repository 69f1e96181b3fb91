"""An uploaded IATI file kept between its preview and its import, in the shared file storage (any web process
may answer the next request) and named in the uploader's session only, so nobody else can load it."""

from __future__ import annotations

from uuid import uuid4

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

SESSION_KEY = "opendata.foreign_iati_upload"


def upload_stage(request, *, content: bytes, name: str) -> None:
    upload_unstage(request)
    stored = default_storage.save(f"iati-imports/{uuid4().hex}.xml", ContentFile(content))
    request.session[SESSION_KEY] = {"path": stored, "name": name}


def upload_staged(request) -> tuple[bytes, str] | None:
    """The staged file's content and its name as uploaded; None when there is none (or it is gone)."""
    staged = request.session.get(SESSION_KEY)
    if not staged or not default_storage.exists(staged["path"]):
        return None
    with default_storage.open(staged["path"], "rb") as stored:
        return stored.read(), staged["name"]


def upload_unstage(request) -> None:
    staged = request.session.pop(SESSION_KEY, None)
    if staged:
        default_storage.delete(staged["path"])
