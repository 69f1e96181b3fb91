"""Geometry of a world map with bubbles, drawn as SVG by a template, the same on a web page and in a PDF.

An equirectangular projection of the country outlines (`common.gazetteer`), simplified once per process
and kept as SVG path data: the map costs nothing to draw after the first time. A bubble's area, not its
radius, is proportional to its amount. The figures stay Decimal and a table beside the map gives them all.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from .gazetteer import country_shapes

WIDTH = 960
# Latitudes shown: Antarctica and the far north hold no project and would take a fifth of the height.
NORTH, SOUTH = 84.0, -58.0
SCALE = WIDTH / 360
HEIGHT = round((NORTH - SOUTH) * SCALE)
LARGEST_RADIUS = 34.0
SMALLEST_RADIUS = 2.5  # a small amount stays visible and can be pointed at
TOLERANCE = 0.8  # pixels a simplified outline may stray from the original


def project(longitude: float, latitude: float) -> tuple[float, float]:
    """The point in the map's box of a place on Earth."""
    return (longitude + 180) * SCALE, (NORTH - latitude) * SCALE


def _simplified(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker: the fewest points that stay within `tolerance` of the line."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x0, y0), (x1, y1) = points[first], points[last]
        length = math.hypot(x1 - x0, y1 - y0)
        farthest, distance = None, tolerance
        for index in range(first + 1, last):
            x, y = points[index]
            # The distance from the chord, or from its one point when the ring closes on itself.
            away = abs((x1 - x0) * (y0 - y) - (x0 - x) * (y1 - y0)) / length if length else math.hypot(x - x0, y - y0)
            if away > distance:
                farthest, distance = index, away
        if farthest is not None:
            keep[farthest] = True
            stack += [(first, farthest), (farthest, last)]
    return [point for point, kept in zip(points, keep, strict=True) if kept]


@cache
def land() -> tuple[tuple[str, str], ...]:
    """Each country's outline as SVG path data, (code, path), simplified and rounded to a tenth of a pixel."""
    shapes = []
    for code, shape in sorted(country_shapes().items()):
        parts = []
        for ring in shape.rings:
            points = _simplified([project(x, y) for x, y in ring], TOLERANCE)
            if len(points) < 3:
                continue  # an islet smaller than the tolerance
            parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in points) + "Z")
        if parts:
            shapes.append((code, "".join(parts)))
    return tuple(shapes)


def country_point(code: str) -> tuple[float, float] | None:
    """Where a country's bubble goes, or None for a country the package does not place."""
    shape = country_shapes().get(code)
    return project(*shape.centre) if shape and shape.centre else None


@dataclass(frozen=True)
class Bubble:
    x: float
    y: float
    r: float
    label: str
    text: str


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class LegendCircle:
    r: float
    text: str
    cy: float

    @property
    def top(self) -> float:
        return round(self.cy - self.r, 1)


@dataclass(frozen=True)
class BubbleMap:
    width: int
    height: int
    land: tuple[tuple[str, str], ...]
    bubbles: list[Bubble]
    dots: list[Dot]
    legend: list[LegendCircle]

    @property
    def legend_x(self) -> float:
        return 16 + LARGEST_RADIUS

    @property
    def legend_text_x(self) -> float:
        return self.legend_x + LARGEST_RADIUS + 8

    @property
    def legend_title_y(self) -> float:
        return round(min(circle.top for circle in self.legend) - 10, 1) if self.legend else 0.0

    @property
    def dot_legend_y(self) -> int:
        return self.height - 10


def radius(amount: Decimal, largest: Decimal) -> float:
    """A bubble's radius: its area is to the largest bubble's as its amount is to the largest amount."""
    if largest <= 0 or amount <= 0:
        return 0.0
    return round(max(SMALLEST_RADIUS, LARGEST_RADIUS * math.sqrt(float(amount / largest))), 2)


def _legend_amounts(largest: Decimal) -> list[Decimal]:
    """Two round amounts up to the largest, 10M and 2.5M say: a third's text would not fit at phone width."""
    if largest <= 0:
        return []
    top = Decimal(10) ** (len(str(int(largest))) - 1)
    for factor in (5, 2, 1):
        if top * factor <= largest:
            top *= factor
            break
    amounts = [top, top / 4]
    return [amount for amount in amounts if radius(amount, largest) > SMALLEST_RADIUS] or [top]


def bubble_map(
    bubbles: Sequence[tuple[tuple[float, float], str, Decimal]],
    dots: Sequence[tuple[tuple[float, float], str]] = (),
    *,
    text: Callable[[Decimal], str] = str,
) -> BubbleMap:
    """The map of `bubbles` ((x, y), label, amount) and `dots` ((x, y), label), in the map's box.

    The largest bubbles are drawn first, so that a small one on top of a large one can still be pointed at.
    """
    largest = max((amount for _point, _label, amount in bubbles), default=Decimal(0))
    drawn = [
        Bubble(round(x, 1), round(y, 1), radius(amount, largest), label, text(amount))
        for (x, y), label, amount in sorted(bubbles, key=lambda bubble: (-bubble[2], bubble[1]))
        if amount > 0
    ]
    points = [Dot(round(x, 1), round(y, 1), label) for (x, y), label in dots]
    legend, bottom = [], HEIGHT - 28  # above the line that explains the dots
    for amount in _legend_amounts(largest):
        r = radius(amount, largest)
        legend.append(LegendCircle(r, text(amount), round(bottom - r, 1)))
    return BubbleMap(WIDTH, HEIGHT, land(), drawn, points, legend)
