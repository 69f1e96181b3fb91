"""How django-allauth fits the site: our wording for its messages, and where people land."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import OrganisationRole, Role


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": _("Please enter a correct email address and password."),
    }

    def get_login_redirect_url(self, request) -> str:
        """Donor users land on their dashboard; everyone else where the settings say."""
        if OrganisationRole.objects.filter(user=request.user, role=Role.DONOR).exists():
            return reverse("donors:landing")
        return super().get_login_redirect_url(request)
