"""Geometry of small SVG charts, the same on a web page and in a PDF (written by common/chart_svg.py and templates).

Coordinates are pixels in the SVG's own box; the figures themselves stay Decimal and are
shown in a data table beside every chart.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    text: str

    @property
    def center(self) -> float:
        return round(self.x + self.width / 2, 1)


@dataclass(frozen=True)
class Tick:
    y: float
    text: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    left: float
    top: float
    bottom: float
    right: float
    bars: list[Bar]
    ticks: list[Tick]
    target_y: float | None
    target_text: str

    @property
    def label_y(self) -> float:
        return self.bottom + 16

    @property
    def tick_x(self) -> float:
        return self.left - 6


def compact(value: Decimal) -> str:
    """A short label for an axis: 1.5k, 20M, 2.5bn."""
    number = float(value)
    for divisor, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if abs(number) >= divisor:
            return f"{number / divisor:.3g}{suffix}"
    return f"{number:.3g}"


def _nice_step(highest: float, steps: int = 4) -> float:
    raw = highest / steps
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def bar_chart(
    points: Sequence[tuple[str, Decimal]],
    *,
    target: Decimal | None = None,
    text: Callable[[Decimal], str] = str,
    tick_text: Callable[[Decimal], str] | None = None,
    width: int = 480,
    height: int = 220,
) -> BarChart:
    """Vertical bars for `points` (label, value) with an optional target line, on a rounded scale."""
    left, top, right, bottom = 56.0, 12.0, float(width - 8), float(height - 28)
    highest = float(max([value for _, value in points] + [target or Decimal(0)] + [Decimal(0)]))
    step = _nice_step(highest) if highest > 0 else 1.0
    scale_top = step * max(1, math.ceil(highest / step))
    plot_height = bottom - top

    def y_of(value: float) -> float:
        return round(bottom - plot_height * value / scale_top, 1)

    slot = (right - left) / max(len(points), 1)
    bar_width = round(min(slot * 0.7, 48), 1)
    bars = [
        Bar(
            x=round(left + slot * index + (slot - bar_width) / 2, 1),
            y=y_of(float(value)),
            width=bar_width,
            height=round(bottom - y_of(float(value)), 1),
            label=label,
            text=text(value),
        )
        for index, (label, value) in enumerate(points)
    ]
    count = round(scale_top / step)
    tick_text = tick_text or compact
    ticks = [Tick(y_of(step * index), tick_text(Decimal(str(step * index)))) for index in range(count + 1)]
    return BarChart(
        width=width,
        height=height,
        left=left,
        top=top,
        bottom=bottom,
        right=right,
        bars=bars,
        ticks=ticks,
        target_y=y_of(float(target)) if target is not None else None,
        target_text=text(target) if target is not None else "",
    )


@dataclass(frozen=True)
class Segment:
    label: str
    text: str
    kind: str  # a CSS modifier: which colour the segment takes
    x: float  # percent of the bar's width
    width: float


@dataclass(frozen=True)
class StackedBar:
    """One horizontal bar of parts of a whole, drawn in an SVG box 100 wide; the figures go in a table beside."""

    label: str
    segments: list[Segment]

    @property
    def description(self) -> str:
        return f"{self.label}: " + "; ".join(f"{segment.label} {segment.text}" for segment in self.segments)


def stacked_bar(
    label: str, parts: Sequence[tuple[str, Decimal, str]], *, whole: Decimal, text: Callable[[Decimal], str] = str
) -> StackedBar:
    """`parts` (label, value, kind) laid end to end on a scale where `whole` fills the bar; a part below zero
    counts as zero, and parts beyond the whole are cut at its end."""
    segments = []
    start = Decimal(0)
    for part_label, value, kind in parts:
        value = max(value, Decimal(0))
        if whole > 0:
            x = min(start / whole, Decimal(1))
            end = min((start + value) / whole, Decimal(1))
        else:
            x = end = Decimal(0)
        segments.append(
            Segment(part_label, text(value), kind, round(float(x) * 100, 2), round(float(end - x) * 100, 2))
        )
        start += value
    return StackedBar(label, segments)
