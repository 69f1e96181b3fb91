"""API tokens that expire: DRF's token, refused once it is older than API_TOKEN_TTL_DAYS."""

from __future__ import annotations

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .selectors import token_expiry


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`; the token of an inactive account, or an expired one, answers 401."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        expiry = token_expiry(token=token)
        if expiry <= timezone.now():
            raise exceptions.AuthenticationFailed(
                _("This token expired on %(date)s; sign in and make a new one at /api/v1/me/token/.")
                % {"date": date_format(expiry, "DATE_FORMAT")}
            )
        return user, token
