"""What the draft forms' doors answer (the application form, a report's form): JSON to the page's script
(static/js/draft-form.js asks for it with `Accept`), a message and a redirect to a plain form post."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def saved_at() -> str:
    return _("Draft saved at %(time)s.") % {"time": time_format(timezone.localtime(), "H:i")}


def answer(request: HttpRequest, message: str, *, to: str, refused: bool = False, **data: object) -> HttpResponse:
    """`message` (and `data`) as JSON, 400 when `refused`; or, to a plain post, the message shown at `to`."""
    if wants_json(request):
        return JsonResponse({"message": message, **data}, status=400 if refused else 200)
    (messages.error if refused else messages.success)(request, message)
    return redirect(to)
