"""Publishing projects: only a published project is on the public pages, in the API's public reads and in IATI."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import DomainError
from common.permissions import may
from members.models import User

from ..models import Project


class PublicationError(DomainError):
    """Publishing or withdrawing a project was refused."""


def _require_publisher(user: User) -> None:
    if not may(user, "grants.publish_project"):
        raise PublicationError(_("Only the secretariat publishes projects or withdraws them from the public."))


@transaction.atomic
def project_publish(*, project: Project, user: User) -> Project:
    """Show a project on the public portfolio from now on: its page, the API's public reads and the IATI files."""
    _require_publisher(user)
    project = Project.objects.select_for_update().get(pk=project.pk)
    if not project.is_public:
        project.is_public, project.published_at, project.published_by = True, timezone.now(), user
        project.save(update_fields=["is_public", "published_at", "published_by", "updated_at"])
    return project


@transaction.atomic
def project_unpublish(*, project: Project, user: User) -> Project:
    """Withdraw a project from the public portfolio; staff, its partners and its donors still see it."""
    _require_publisher(user)
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.is_public:
        project.is_public, project.published_at, project.published_by = False, None, None
        project.save(update_fields=["is_public", "published_at", "published_by", "updated_at"])
    return project
