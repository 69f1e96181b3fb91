"""What the navigation offers the person browsing, from their roles; read only when a page asks."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject, cached_property

from .models import OrganisationRole, Role


class NavigationRoles:
    def __init__(self, user):
        self.user = user
        self.roles = frozenset(OrganisationRole.objects.filter(user=user).values_list("role", flat=True))

    def __contains__(self, role: str) -> bool:
        return role in self.roles

    @property
    def partner_pages(self) -> bool:
        """The portal's home, applications and progress reports: for those who act for an organisation as a
        partner (a newcomer registers one first, from "Your organisation")."""
        return Role.PARTNER in self.roles

    @cached_property
    def reviews(self) -> bool:
        """Reviewers are assigned case by case: the link shows once someone has been asked to review."""
        return self.user.review_assignments.exists()


def roles(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"my_roles": frozenset()}
    return {"my_roles": SimpleLazyObject(lambda: NavigationRoles(user))}
