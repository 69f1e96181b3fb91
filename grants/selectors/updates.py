"""Reads of project updates.

Who sees an update: anyone, once it is published on a published project; the people of the organisation that
posted it, whatever its state (in the portal); staff holding `grants.view_projectupdate` (in the admin). A photo
follows its update; anyone else is told it does not exist. Lists take a fixed number of queries and page without
counting every row (the feed reads one row past the page to know whether another follows).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from common.permissions import may
from members.models import Role, User
from members.selectors import organisations_of

from ..models import Project, ProjectUpdate, UpdatePhoto, UpdateStatus
from .visibility import own_projects

FEED_PAGE_SIZE = 20
PROJECT_PAGE_UPDATES = 10
DONOR_UPDATES = 6


def to_moderate() -> Q:
    """Posted by partners and waiting for the secretariat: the work queue counts these, the admin lists them."""
    return Q(status=UpdateStatus.SUBMITTED)


def to_moderate_count() -> int:
    return ProjectUpdate.objects.filter(to_moderate()).count()


def public_updates() -> QuerySet[ProjectUpdate]:
    """Published updates of published projects, newest first."""
    return ProjectUpdate.objects.filter(status=UpdateStatus.PUBLISHED, project__is_public=True).order_by(
        "-published_at", "-pk"
    )


def with_photos(updates: QuerySet[ProjectUpdate]) -> QuerySet[ProjectUpdate]:
    """The updates with their project, organisation and photos: three queries however many."""
    return updates.select_related("project", "organisation").prefetch_related(
        Prefetch("photos", queryset=UpdatePhoto.objects.order_by("position", "pk"))
    )


@dataclass(frozen=True)
class UpdatePage:
    updates: list[ProjectUpdate]
    number: int
    has_previous: bool
    has_next: bool

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def page_number(value: str | None) -> int:
    """A page number from a query string: a whole number from 1, anything else the first page."""
    try:
        number = int(value or 1)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), 100_000)


def update_feed(*, page: int = 1, size: int = FEED_PAGE_SIZE) -> UpdatePage:
    """A page of the public feed, without counting the published updates: one row past the page says whether
    another page follows."""
    start = (page - 1) * size
    rows = list(with_photos(public_updates())[start : start + size + 1])
    return UpdatePage(updates=rows[:size], number=page, has_previous=page > 1, has_next=len(rows) > size)


def latest_public_updates(limit: int = FEED_PAGE_SIZE) -> list[ProjectUpdate]:
    return list(with_photos(public_updates())[:limit])


def project_public_updates(project: Project, limit: int = PROJECT_PAGE_UPDATES) -> list[ProjectUpdate]:
    """The published updates shown on a project's public page (none while the project is unpublished)."""
    if not project.is_public:
        return []
    return list(with_photos(public_updates().filter(project=project))[:limit])


def updates_on(
    projects: QuerySet[Project],
    limit: int = DONOR_UPDATES,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> list[ProjectUpdate]:
    """The latest published updates on these projects (a donor's funded projects), published between `start` and
    `end` when given (both days included)."""
    updates = public_updates().filter(project__in=projects.values("pk"))
    if start is not None:
        updates = updates.filter(published_at__date__gte=start)
    if end is not None:
        updates = updates.filter(published_at__date__lte=end)
    return list(with_photos(updates)[:limit])


def updatable_projects(user: User) -> QuerySet[Project]:
    """The projects `user` posts updates on: those the portal shows them as a partner (`own_projects`); staff
    moderate in the admin and post none."""
    if not user.is_authenticated or user.is_staff:
        return Project.objects.none()
    return own_projects(user)


def organisation_updates(user: User) -> QuerySet[ProjectUpdate]:
    """The updates the user's organisations posted, in any state."""
    return ProjectUpdate.objects.filter(organisation__in=organisations_of(user=user, role=Role.PARTNER))


def project_updates_for_partner(user: User, project: Project) -> list[ProjectUpdate]:
    """On a project's updates page in the portal: what the user's organisations posted on it, newest first."""
    return list(with_photos(organisation_updates(user).filter(project=project)).order_by("-created_at", "-pk"))


def photo_for(user: User, pk: int) -> UpdatePhoto:
    """A photo, for whoever sees its update; DoesNotExist for anyone else."""
    readable = Q(update__status=UpdateStatus.PUBLISHED, update__project__is_public=True)
    if user.is_authenticated:
        readable |= Q(update__organisation__in=organisations_of(user=user, role=Role.PARTNER))
    if may(user, "grants.view_projectupdate"):
        readable = Q()
    return UpdatePhoto.objects.select_related("update__project").filter(readable).get(pk=pk)
