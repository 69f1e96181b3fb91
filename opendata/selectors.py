"""What the open data page says of the files: how many activities they hold and when they last changed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Max

from grants.selectors import public_projects

from . import fund


@dataclass(frozen=True)
class OpenDataSummary:
    organisation_identifier: str
    projects: int
    has_fund_activity: bool
    last_updated: dt.datetime | None

    @property
    def activities(self) -> int:
        return self.projects + (1 if self.has_fund_activity else 0)


def open_data_summary() -> OpenDataSummary:
    """The public portfolio as the IATI files publish it, in two queries."""
    projects = public_projects().aggregate(count=Count("pk"), last_updated=Max("updated_at"))
    return OpenDataSummary(
        organisation_identifier=settings.IATI_ORGANISATION_IDENTIFIER,
        projects=projects["count"],
        has_fund_activity=fund.is_published(),
        last_updated=projects["last_updated"],
    )
