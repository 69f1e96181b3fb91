"""Checks on the SVG the site draws (charts, maps): what a browser or WeasyPrint needs to read it."""

from __future__ import annotations

import re
from xml.etree import ElementTree

GEOMETRY = ("x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "width", "height")
SVG_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def drawings(page: str) -> list[ElementTree.Element]:
    """Every `<svg>` of the page, parsed as XML: it fails here if one is not well-formed."""
    found = re.findall(r"<svg\b.*?</svg>", page, re.S)
    assert found, "no drawing on the page"
    return [ElementTree.fromstring(svg) for svg in found]  # noqa: S314 - the site's own output


def unreadable_geometry(page: str) -> list[str]:
    """The coordinates and sizes of the page's drawings that SVG cannot read as numbers (a decimal comma, say)."""
    return [
        f"{element.tag.rpartition('}')[2]} {name}={element.get(name)!r}"
        for svg in drawings(page)
        for element in svg.iter()
        for name in GEOMETRY
        if element.get(name) is not None and not SVG_NUMBER.fullmatch(element.get(name))
    ]
