"""Where the portfolio's cities are: coordinates from the gazetteer, or as the secretariat corrected them.

One door, whatever records the city (the admin, a partner's application, the API, an import): a city saved
without coordinates is looked up in the gazetteer by a background job queued when its row is committed
(`queue_city_locating`, connected to `post_save`): reading the gazetteer takes about a second, which no
request waits for. Rows written around `save()` (a bulk insert) are located by `manage.py locate_cities`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from common.gazetteer import city_positions
from common.outbox import enqueue

from ..models import City, PositionSource


@dataclass(frozen=True)
class Located:
    located: int
    unknown: list[City]


@transaction.atomic
def cities_locate(*, retry: bool = True) -> Located:
    """Fill the coordinates of the cities that have none from the gazetteer, in one reading of it.

    Coordinates staff set are never replaced. A city the gazetteer does not know is marked so, and returned
    so that staff can place it by hand; `retry=False` leaves such cities out (the job queued on every save).
    """
    pending = (
        City.objects.select_for_update().filter(latitude__isnull=True).exclude(position_source=PositionSource.STAFF)
    )
    if not retry:
        pending = pending.exclude(position_source=PositionSource.NOT_FOUND)
    pending = list(pending.order_by("country", "name"))
    if not pending:
        return Located(0, [])
    found = city_positions((city.name, str(city.country)) for city in pending)
    unknown = []
    for city in pending:
        position = found.get((city.name, str(city.country)))
        if position is None:
            city.position_source = PositionSource.NOT_FOUND
            unknown.append(city)
        else:
            city.latitude, city.longitude = position.latitude, position.longitude
            city.position_source = PositionSource.GAZETTEER
    City.objects.bulk_update(pending, ["latitude", "longitude", "position_source"])
    return Located(len(pending) - len(unknown), unknown)


def city_position_edited(*, city: City, changed: Iterable[str]) -> None:
    """Before an edited city is saved: coordinates staff typed are theirs and kept; a city renamed or moved to
    another country while its coordinates came from the gazetteer is looked up again on save."""
    changed = set(changed)
    if {"latitude", "longitude"} & changed:
        city.position_source = PositionSource.STAFF if city.is_located else ""
    elif {"name", "country"} & changed and city.position_source != PositionSource.STAFF:
        city.latitude = city.longitude = None
        city.position_source = ""


def queue_city_locating(sender, instance: City, raw: bool = False, **kwargs) -> None:
    """Connected to `post_save` of City: a city saved without coordinates is located once the row is committed."""
    from .. import tasks

    if raw or instance.is_located or instance.position_source:
        return  # located, placed by staff, or already looked up in vain
    enqueue(tasks.city_locate, instance.pk)
