"""Reads about organisations, the people who act for them and invitations, scoped to the person asking."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from rest_framework.authtoken.models import Token

from common.permissions import may

from .models import BankAccount, Invitation, Organisation, OrganisationRole, Role, User


def organisations_of(*, user: User, role: str | None = None) -> QuerySet[Organisation]:
    """The organisations `user` acts for (in `role`, when given); empty for an anonymous visitor."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    roles = OrganisationRole.objects.filter(user=user)
    if role:
        roles = roles.filter(role=role)
    return Organisation.objects.filter(pk__in=roles.values("organisation_id")).order_by("name")


def emails_about(*, organisations: Iterable[Organisation | int] | QuerySet, role: str) -> list[str]:
    """Whom to e-mail about these organisations: the people acting for them in `role`."""
    roles = OrganisationRole.objects.filter(organisation__in=organisations, role=role)
    return sorted(set(roles.values_list("user__email", flat=True)))


def staff_emails() -> list[str]:
    """Whom to e-mail at the secretariat: its active staff."""
    return sorted(User.objects.filter(is_staff=True, is_active=True).values_list("email", flat=True))


def acts_for_an_organisation(*, user: User) -> bool:
    return user.is_authenticated and OrganisationRole.objects.filter(user=user).exists()


def pending_invitations() -> QuerySet[Invitation]:
    """Invitations that can still be accepted: not used and not expired."""
    return Invitation.objects.filter(accepted_at__isnull=True, created_at__gt=timezone.now() - Invitation.VALID_FOR)


@dataclass(frozen=True)
class OrganisationPage:
    organisation: Organisation
    roles: list[OrganisationRole]
    can_invite: bool
    invitations: list[Invitation]


def organisation_page(*, user: User, pk: int) -> OrganisationPage:
    """One of the user's organisations with its people; partners also see the invitations waiting.

    Raises `Organisation.DoesNotExist` for an organisation the user does not act for.
    """
    organisation = organisations_of(user=user).get(pk=pk)
    roles = list(organisation.user_roles.select_related("user").order_by("user__full_name", "user__email", "role"))
    can_invite = any(role.user_id == user.pk and role.role == Role.PARTNER for role in roles)
    invitations = []
    if can_invite:
        invitations = list(pending_invitations().filter(organisation=organisation).select_related("invited_by"))
    return OrganisationPage(organisation=organisation, roles=roles, can_invite=can_invite, invitations=invitations)


def invitation_by_token(*, token: str) -> Invitation | None:
    return Invitation.objects.select_related("organisation", "invited_by").filter(token=token).first()


def verified_emails(*, user: User) -> list[str]:
    if not user.is_authenticated:
        return []
    return [
        email.lower() for email in EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    ]


def invitations_waiting_for(*, user: User) -> QuerySet[Invitation]:
    """Pending invitations sent to one of the user's verified email addresses."""
    return (
        pending_invitations()
        .filter(email__in=verified_emails(user=user))
        .select_related("organisation", "invited_by")
        .order_by("-created_at")
    )


def visible_organisations(user: User) -> QuerySet[Organisation]:
    """Staff who may view organisations see every one; others the public ones and those they act for.

    Public means known from a public page: a member, a donor, or a partner of a public project.
    A body that only registered on the portal is not listed to strangers.
    """
    if may(user, "members.view_organisation"):
        return Organisation.objects.all()
    # Reverse relations of grants, named here rather than imported: members does not import grants.
    public = Organisation.objects.filter(
        Q(memberships__isnull=False) | Q(contributions__isnull=False) | Q(project_roles__project__is_public=True)
    )
    return Organisation.objects.filter(
        Q(pk__in=public.values("pk")) | Q(pk__in=organisations_of(user=user).values("pk"))
    )


def token_expiry(*, token: Token) -> datetime:
    """When an API token stops working: API_TOKEN_TTL_DAYS after it was made."""
    return token.created + timedelta(days=settings.API_TOKEN_TTL_DAYS)


def token_of(*, user: User) -> Token | None:
    return Token.objects.filter(user=user).first()


def bank_accounts_of(organisation: Organisation) -> list[BankAccount]:
    return list(organisation.bank_accounts.order_by("-is_active", "-created_at"))
