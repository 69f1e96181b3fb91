"""The roles of the person browsing, for the navigation; read only when a page asks for them."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from .models import OrganisationRole


def roles(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"my_roles": frozenset()}
    return {
        "my_roles": SimpleLazyObject(
            lambda: frozenset(OrganisationRole.objects.filter(user=user).values_list("role", flat=True))
        )
    }
