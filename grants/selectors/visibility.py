"""What each user may see through the API: the same scoping as the pages.

Anyone sees what the public pages show; staff holding the view permission of a kind of row see all of
them; a partner also sees its own organisation's projects and their ledger. A row outside these answers
404, as if it did not exist.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from common.permissions import may
from members.models import Role, User
from members.selectors import organisations_of

from ..models import Application, Call, Contribution, Project, ProjectPartner, Transaction
from .calls import calls_seen_by, partner_applications
from .portfolio import active_contributions, public_projects, public_transactions


def own_projects(user: User) -> QuerySet[Project]:
    """The projects of the organisations `user` acts for as a partner."""
    if not user.is_authenticated:
        return Project.objects.none()
    own = ProjectPartner.objects.filter(organisation__in=organisations_of(user=user, role=Role.PARTNER)).values(
        "project_id"
    )
    return Project.objects.filter(pk__in=own)


def visible_projects(user: User) -> QuerySet[Project]:
    if may(user, "grants.view_project"):
        return Project.objects.all()
    if not user.is_authenticated:
        return public_projects()
    return Project.objects.filter(Q(is_public=True) | Q(pk__in=own_projects(user).values("pk")))


def visible_transactions(user: User) -> QuerySet[Transaction]:
    if may(user, "grants.view_transaction"):
        return Transaction.objects.all()
    if not user.is_authenticated:
        return public_transactions()
    return Transaction.objects.filter(project__in=visible_projects(user))


def visible_contributions(user: User) -> QuerySet[Contribution]:
    return Contribution.objects.all() if may(user, "grants.view_contribution") else active_contributions()


def visible_calls(user: User) -> QuerySet[Call]:
    """Staff who view calls see drafts too; anyone else the published calls they may see (an invitation-only
    call only by the partners of its invited organisations)."""
    return Call.objects.all() if may(user, "grants.view_call") else calls_seen_by(user)


def visible_applications(user: User) -> QuerySet[Application]:
    """Staff see every application; a partner its own organisations' ones; anyone else none."""
    if may(user, "grants.view_application"):
        return Application.objects.all()
    if not user.is_authenticated:
        return Application.objects.none()
    return partner_applications(user).order_by()
