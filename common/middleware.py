"""Requests refused before any view reads them: a body larger than any form takes (413), and a NUL character
in the address, a query parameter or a form field (400), which PostgreSQL can neither store nor compare."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from rest_framework import exceptions

from .api import TooLarge
from .refusals import refusal

FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


class RefuseMalformedRequests:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        error = self.error(request)
        return refusal(request, error) if error else self.get_response(request)

    @staticmethod
    def error(request: HttpRequest) -> exceptions.APIException | None:
        size = request.META.get("CONTENT_LENGTH") or ""
        size = int(size) if size.isdigit() else 0  # Django itself reads no body without a valid length
        if size > settings.REQUEST_MAX_BYTES:
            return TooLarge(
                _("The request is %(size).1f MB; this site accepts up to %(limit).1f MB.")
                % {"size": size / 1_000_000, "limit": settings.REQUEST_MAX_BYTES / 1_000_000}
            )
        if "\x00" in request.path:
            return _nul(_("The address"))
        fields = [(_("The query parameter “%(name)s”"), request.GET)]
        if request.method == "POST" and request.content_type in FORMS:
            try:
                fields.append((_("The form field “%(name)s”"), request.POST))
            except MultiPartParserError:
                return exceptions.ParseError(_("The form data is malformed and was not read."))
        for what, data in fields:
            for name, values in data.lists():
                if "\x00" in name or any("\x00" in value for value in values):
                    return _nul(what % {"name": name.replace("\x00", "\\x00")})
        return None


def _nul(what: str) -> exceptions.APIException:
    return exceptions.ParseError(
        _("%(what)s holds a NUL character (%%00), which no address, parameter or field may contain.") % {"what": what}
    )
