"""Demo logins for a local, DEBUG-mode installation: never created in production."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db import transaction

from common.records import ensure
from members.models import Organisation, OrganisationRole, Role, User
from members.roles import ADMINISTRATOR, FINANCE_OFFICER, GRANTS_COMMITTEE, PROGRAMME_OFFICER, role_group

DEMO_PASSWORD = "demo-portfolio"  # noqa: S105 - a published demo password, only created with DEBUG on


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    organisation: str


def _ensure_user(email: str, full_name: str, *, is_staff: bool = False) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, full_name=full_name, is_staff=is_staff)
    # Demo logins sign in straight away: their (unreachable) addresses count as verified.
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


# One login per staff role: email, name, role.
STAFF_LOGINS = [
    ("secretariat@example.org", "Secretariat Demo", ADMINISTRATOR),
    ("programme@example.org", "Programme Officer Demo", PROGRAMME_OFFICER),
    ("finance@example.org", "Finance Officer Demo", FINANCE_OFFICER),
    ("director@example.org", "Director Demo", GRANTS_COMMITTEE),
]


def staff_login(role: str) -> User:
    """The demo's staff login of `role` (STAFF_LOGINS), in its role's group."""
    email, name, _role = next(login for login in STAFF_LOGINS if login[2] == role)
    user = _ensure_user(email, name, is_staff=True)
    user.groups.add(role_group(role))
    return user


@transaction.atomic
def create_demo_logins(*, host: Organisation, donor: Organisation, partner: Organisation) -> list[DemoLogin]:
    logins = []
    for email, name, role in STAFF_LOGINS:
        staff = _ensure_user(email, name, is_staff=True)
        staff.groups.add(role_group(role))
        ensure(OrganisationRole, {"user": staff, "organisation": host, "role": Role.SECRETARIAT})
        logins.append(DemoLogin(staff.email, role.lower(), host.name))
    donor_user = _ensure_user("donor@example.org", "Donor Demo")
    partner_user = _ensure_user("partner@example.org", "Partner Demo")
    ensure(OrganisationRole, {"user": donor_user, "organisation": donor, "role": Role.DONOR})
    ensure(OrganisationRole, {"user": partner_user, "organisation": partner, "role": Role.PARTNER})
    return [
        *logins,
        DemoLogin(donor_user.email, str(Role.DONOR.label), donor.name),
        DemoLogin(partner_user.email, str(Role.PARTNER.label), partner.name),
    ]
