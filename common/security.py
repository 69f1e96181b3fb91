"""Response headers that hold a page to this site: the Content-Security-Policy (django-csp, configured in
settings) with the admin's few inline attributes allowed by hash, and the Permissions-Policy."""

from __future__ import annotations

import base64
import hashlib

from csp.constants import UNSAFE_HASHES
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponse


def csp_hash(text: str) -> str:
    """The CSP source that allows exactly this inline script, handler or style attribute."""
    return f"'sha256-{base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()}'"


class ContentSecurityPolicy(CSPMiddleware):
    """The site's policy everywhere; on the admin's pages, also the inline handler and style attributes
    that third-party admin templates write (django-import-export, django-simple-history), each by its hash."""

    def get_policy_parts(self, request: HttpRequest, response: HttpResponse, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        match = getattr(request, "resolver_match", None)
        if not report_only and match is not None and "admin" in match.namespaces:
            parts.update = {
                **(parts.update or {}),
                **{
                    directive: [UNSAFE_HASHES, *map(csp_hash, texts)]
                    for directive, texts in settings.CSP_ADMIN_INLINE_ATTRIBUTES.items()
                },
            }
        return parts


class PermissionsPolicy:
    """Turns off, for this site and anything it embeds, the browser features it never uses."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(f"{feature}=()" for feature in settings.PERMISSIONS_POLICY_DENIED)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response
