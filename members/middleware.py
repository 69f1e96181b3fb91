"""Two-factor authentication required of the secretariat's staff (MFA_REQUIRED_FOR_STAFF)."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

# Reachable without a second factor: signing in and out, setting one up, changing the password; the
# language switch and static files.
OPEN_PREFIXES = ("/accounts/", "/i18n/", "/health/", f"/{settings.STATIC_URL.lstrip('/')}")


class StaffNeedTwoFactor:
    """A staff member signed in without an authenticator app is sent to set one up before any other page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            settings.MFA_REQUIRED_FOR_STAFF
            and user.is_authenticated
            and user.is_staff
            and not request.path.startswith(OPEN_PREFIXES)
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            messages.info(request, _("Staff accounts need two-factor authentication: set it up to continue."))
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


class UserLanguage:
    """A signed-in user's pages are in the language they chose, whatever the browser or the cookie says.

    After the authentication middleware; the language cookie is set too, so that the pages after signing
    out stay in it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = getattr(request.user, "language", "") if request.user.is_authenticated else ""
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if language and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response
