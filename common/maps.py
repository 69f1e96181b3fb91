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
MARGIN = 24  # around the bubbles and dots shown
NARROWEST_VIEW = 560  # wide enough for the legend's row
LEGEND_BAND = 2 * LARGEST_RADIUS + 36  # the largest legend circle, the legend's title above it, a margin
DISPLAY_SCALE = 1.3  # screen pixels per unit of the map's box, at most
CHARACTER_WIDTH = 7.2  # of the legend's 13-unit text, on average, to lay its row out


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
class LegendItem:
    cx: float
    cy: float
    r: float
    text: str

    @property
    def text_x(self) -> float:
        return round(self.cx + self.r + 6, 1)

    @property
    def text_y(self) -> float:
        return round(self.cy + 4, 1)


@dataclass(frozen=True)
class View:
    """The part of the world shown: where the money is, with a margin, in the map's proportions."""

    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class BubbleMap:
    view: View
    land: tuple[tuple[str, str], ...]
    bubbles: list[Bubble]
    dots: list[Dot]
    legend: list[LegendItem]  # the amounts' circles
    dot_legend: LegendItem | None

    @property
    def band_y(self) -> float:
        """The top of the band under the map that holds the legend, so that it never hides a bubble."""
        return round(self.view.y + self.view.height, 1)

    @property
    def band_height(self) -> float:
        return LEGEND_BAND if self.legend else 0

    @property
    def height(self) -> float:
        return round(self.view.height + self.band_height, 1)

    @property
    def view_box(self) -> str:
        return f"{self.view.x} {self.view.y} {self.view.width} {self.height}"

    @property
    def display_width(self) -> int:
        """The width the map is shown at where there is room: a close-up is not blown up to the page's width,
        which would make its legend's text twice the page's."""
        return round(self.view.width * DISPLAY_SCALE)

    @property
    def legend_title_x(self) -> float:
        return round(self.view.x + 12, 1)

    @property
    def legend_title_y(self) -> float:
        return round(self.band_y + 18, 1)


def radius(amount: Decimal, largest: Decimal) -> float:
    """A bubble's radius: its area is to the largest bubble's as its amount is to the largest amount."""
    if largest <= 0 or amount <= 0:
        return 0.0
    return round(max(SMALLEST_RADIUS, LARGEST_RADIUS * math.sqrt(float(amount / largest))), 2)


def _legend_amounts(largest: Decimal) -> list[Decimal]:
    """Two round amounts up to the largest: 10M and 2.5M, say."""
    if largest <= 0:
        return []
    top = Decimal(10) ** (len(str(int(largest))) - 1)
    for factor in (5, 2, 1):
        if top * factor <= largest:
            top *= factor
            break
    amounts = [top, top / 4]
    return [amount for amount in amounts if radius(amount, largest) > SMALLEST_RADIUS] or [top]


def _view(bubbles: list[Bubble], dots: list[Dot]) -> View:
    """The smallest part of the world, in the map's proportions and no narrower than `NARROWEST_VIEW`, that shows
    every bubble and dot with a margin: a portfolio in Africa and Asia is not drawn as a strip across the Pacific."""
    xs = [value for bubble in bubbles for value in (bubble.x - bubble.r, bubble.x + bubble.r)]
    ys = [value for bubble in bubbles for value in (bubble.y - bubble.r, bubble.y + bubble.r)]
    xs += [dot.x for dot in dots]
    ys += [dot.y for dot in dots]
    if not xs:
        return View(0, 0, WIDTH, HEIGHT)
    left, right, top, bottom = min(xs) - MARGIN, max(xs) + MARGIN, min(ys) - MARGIN, max(ys) + MARGIN
    width, height = max(right - left, NARROWEST_VIEW), bottom - top
    if width / height > WIDTH / HEIGHT:
        height = width * HEIGHT / WIDTH
    else:
        width = height * WIDTH / HEIGHT
    width, height = min(width, WIDTH), min(height, HEIGHT)
    x = min(max((left + right - width) / 2, 0), WIDTH - width)
    y = min(max((top + bottom - height) / 2, 0), HEIGHT - height)
    return View(round(x, 1), round(y, 1), round(width, 1), round(height, 1))


def bubble_map(
    bubbles: Sequence[tuple[tuple[float, float], str, Decimal]],
    dots: Sequence[tuple[tuple[float, float], str]] = (),
    *,
    text: Callable[[Decimal], str] = str,
    dot_text: str = "",
) -> BubbleMap:
    """The map of `bubbles` ((x, y), label, amount) and `dots` ((x, y), label), in the map's box, with a legend
    of two amounts' circles and, when there are dots, of what a dot means (`dot_text`).

    The largest bubbles are drawn first, so that a small one on top of a large one can still be pointed at.
    """
    largest = max((amount for _point, _label, amount in bubbles), default=Decimal(0))
    drawn = [
        Bubble(round(x, 1), round(y, 1), radius(amount, largest), label, text(amount))
        for (x, y), label, amount in sorted(bubbles, key=lambda bubble: (-bubble[2], bubble[1]))
        if amount > 0
    ]
    points = [Dot(round(x, 1), round(y, 1), label) for (x, y), label in dots]
    view = _view(drawn, points)
    # The legend's row: each circle sits on one line at the band's foot, its amount to its right.
    foot = view.y + view.height + LEGEND_BAND - 10
    cursor, legend = view.x + 12, []
    for amount in _legend_amounts(largest):
        r = radius(amount, largest)
        item = LegendItem(round(cursor + r, 1), round(foot - r, 1), r, text(amount))
        legend.append(item)
        cursor = item.text_x + len(item.text) * CHARACTER_WIDTH + 16
    dot_legend = LegendItem(round(cursor + 3, 1), round(foot - 3, 1), 3, dot_text) if points and legend else None
    return BubbleMap(view, land(), drawn, points, legend, dot_legend)
