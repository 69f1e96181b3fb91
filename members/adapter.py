"""How django-allauth fits the site: our wording for its messages, and where people land."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.utils.translation import gettext_lazy as _

from .landing import landing_for


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": _("Please enter a correct email address and password."),
    }

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        """Failed logins count per account *and* IP address: a stranger who tries a known address slows only
        their own attempts, and the owner still signs in from elsewhere (ACCOUNT_RATE_LIMITS["login_failed"])."""
        return f"{super()._get_login_attempts_cache_key(request, **credentials)}:{self.get_client_ip(request)}"

    def get_login_redirect_url(self, request) -> str:
        """Where an app registered for the user (donors: their dashboard); otherwise where the settings say."""
        return landing_for(request.user) or super().get_login_redirect_url(request)
