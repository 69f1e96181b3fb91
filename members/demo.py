"""Demo logins for a local, DEBUG-mode installation: never created in production."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from common.records import ensure

from .models import Organisation, OrganisationRole, Role, User

DEMO_PASSWORD = "demo-portfolio"  # noqa: S105 - a published demo password, only created with DEBUG on
SECRETARIAT_GROUP = "Secretariat"
SECRETARIAT_APPS = ["members", "grants", "results", "donors"]


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    organisation: str


def secretariat_group() -> Group:
    """The staff group with every permission on the partnership's own data."""
    group, _ = Group.objects.get_or_create(name=SECRETARIAT_GROUP)
    permissions = Permission.objects.filter(content_type__app_label__in=SECRETARIAT_APPS)
    missing = permissions.exclude(pk__in=group.permissions.values("pk"))
    if missing.exists():
        group.permissions.add(*missing)
    return group


def _ensure_user(email: str, full_name: str, *, is_staff: bool = False) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, full_name=full_name, is_staff=is_staff)
    # Demo logins sign in straight away: their (unreachable) addresses count as verified.
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


@transaction.atomic
def create_demo_logins(*, host: Organisation, donor: Organisation, partner: Organisation) -> list[DemoLogin]:
    staff = _ensure_user("secretariat@example.org", "Secretariat Demo", is_staff=True)
    staff.groups.add(secretariat_group())
    donor_user = _ensure_user("donor@example.org", "Donor Demo")
    partner_user = _ensure_user("partner@example.org", "Partner Demo")
    ensure(OrganisationRole, {"user": staff, "organisation": host, "role": Role.SECRETARIAT})
    ensure(OrganisationRole, {"user": donor_user, "organisation": donor, "role": Role.DONOR})
    ensure(OrganisationRole, {"user": partner_user, "organisation": partner, "role": Role.PARTNER})
    return [
        DemoLogin(staff.email, str(Role.SECRETARIAT.label), host.name),
        DemoLogin(donor_user.email, str(Role.DONOR.label), donor.name),
        DemoLogin(partner_user.email, str(Role.PARTNER.label), partner.name),
    ]
