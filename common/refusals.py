"""How the site answers a request it refuses or fails: in the API's error shape (JSON) under /api/,
with a short page elsewhere. Django's 400 and 500 handlers and `common.middleware` answer through here."""

from __future__ import annotations

import sys

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from rest_framework import exceptions

from .api import ServerError, Unavailable, data_too_large, error_body, failure

# As the API's own renderer writes JSON.
COMPACT = {"ensure_ascii": False, "separators": (",", ":")}


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def refusal(request: HttpRequest, error: exceptions.APIException) -> HttpResponse:
    if is_api(request):
        return JsonResponse({"error": error_body(error)}, status=error.status_code, json_dumps_params=COMPACT)
    context = {"title": _("This request cannot be served"), "message": str(error.detail)}
    return render(request, "refused.html", context, status=error.status_code)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's handler400: form data over DATA_UPLOAD_MAX_MEMORY_SIZE (413), too many fields, a host not served."""
    if isinstance(exception, RequestDataTooBig):
        return refusal(request, data_too_large())
    return refusal(request, exceptions.ParseError(_("The request is malformed and was not read.")))


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500. Called while the exception is handled, so it can tell what failed: a database or
    cache that does not answer (PostgreSQL restarting) is a 503 to try again, anything else a 500."""
    _type, error, _traceback = sys.exc_info()
    answer = failure(error) if error else ServerError()
    if is_api(request):
        return refusal(request, answer)
    if isinstance(answer, Unavailable):
        # Without the request's context processors, which read the database that has just failed.
        return HttpResponse(render_to_string("503.html"), status=answer.status_code)
    return render(request, "500.html", status=500)
