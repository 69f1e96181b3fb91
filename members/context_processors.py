"""What the navigation offers the person browsing, from their roles; read only when a page asks."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from .models import OrganisationRole, Role


class NavigationRoles:
    def __init__(self, user):
        self.roles = frozenset(OrganisationRole.objects.filter(user=user).values_list("role", flat=True))

    def __contains__(self, role: str) -> bool:
        return role in self.roles

    @property
    def partner_pages(self) -> bool:
        """Applications and progress reports: for partners, and for newcomers who may become one."""
        return Role.PARTNER in self.roles or not self.roles

    @property
    def reviews(self) -> bool:
        """Reviewers are assigned case by case, so everyone but a donor-only user may have reviews."""
        return self.roles != {Role.DONOR}


def roles(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"my_roles": frozenset()}
    return {"my_roles": SimpleLazyObject(lambda: NavigationRoles(user))}
