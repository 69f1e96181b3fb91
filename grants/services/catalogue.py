"""Deleting what the portfolio is classified by: funding windows, facilities, themes and cities.

A record in use is refused with what uses it, never unlinked: deleting a theme would otherwise drop it
silently from every project and call it classifies (a many-to-many link has no `on_delete`).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from common.errors import RecordInUse

from ..models import City, Facility, FundingWindow, Theme

CatalogueRecord = FundingWindow | Facility | Theme | City


def _uses(record: CatalogueRecord) -> list[str]:
    """ "2 projects", "1 call for proposals": every kind of row that points to the record, counted."""
    uses = []
    for relation in record._meta.related_objects:
        count = relation.related_model._default_manager.filter(**{relation.field.name: record}).count()
        if count:
            meta = relation.related_model._meta
            uses.append(f"{count} {meta.verbose_name if count == 1 else meta.verbose_name_plural}")
    return uses


def catalogue_delete_refusal(record: CatalogueRecord) -> str | None:
    """Why the record cannot be deleted, or None when nothing uses it."""
    uses = _uses(record)
    if not uses:
        return None
    last = uses.pop()
    listed = _("%(some)s and %(last)s") % {"some": ", ".join(uses), "last": last} if uses else last
    return _("“%(record)s” is still used by %(uses)s: it cannot be deleted.") % {"record": record, "uses": listed}


@transaction.atomic
def catalogue_delete(*, record: CatalogueRecord) -> None:
    """Delete a window, facility, theme or city that nothing uses; one in use is refused with `RecordInUse`.

    The row is locked first: linking it to a project at the same moment waits for this delete, then fails.
    """
    record = type(record).objects.select_for_update().get(pk=record.pk)
    refusal = catalogue_delete_refusal(record)
    if refusal:
        raise RecordInUse(refusal)
    record.delete()


def refuse_deleting_a_record_in_use(sender, instance: CatalogueRecord, **kwargs) -> None:
    """Connected to `pre_delete` of each catalogue model: a delete that goes around `catalogue_delete`
    (a shell, a queryset's bulk delete, a cascade) is refused too, rather than unlinking silently."""
    refusal = catalogue_delete_refusal(instance)
    if refusal:
        raise RecordInUse(refusal)
