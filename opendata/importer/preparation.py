"""Another publisher's activity, trimmed in place to what the loaders read, with each element or attribute taken
out (or changed to fit the portfolio) recorded with its XPath, as the file has it, and the reason."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from lxml import etree

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass(frozen=True)
class Unmapped:
    """An element or attribute of another publisher's activity that has no place in the portfolio as it is."""

    path: str
    content: str
    reason: str


class Preparation:
    """One activity, trimmed in place to what the loaders read; each element or attribute taken out is recorded."""

    def __init__(self, element):
        self.element = element
        tree = element.getroottree()
        # Paths are taken before anything is removed, so they name the element where the file has it.
        self.paths = {node: tree.getpath(node) for node in element.iter(etree.Element)}
        self.order = {node: position for position, node in enumerate(self.paths)}
        self.found: list[tuple[int, Unmapped]] = []
        self.language = element.get(XML_LANG) or element.getparent().get(XML_LANG) or ""

    def path(self, node) -> str:
        return self.paths.get(node, node.tag)

    def drop(self, node, reason: str) -> None:
        self.record(node, describe(node), reason)
        node.getparent().remove(node)

    def drop_attribute(self, node, name: str, reason: str) -> None:
        self.record_attribute(node, name, reason)
        del node.attrib[name]

    def record(self, node, content: str, reason: str) -> None:
        """Say what happens to an element that stays, changed, or that is taken out."""
        self.found.append((self.order.get(node, 0), Unmapped(self.path(node), content, reason)))

    def record_attribute(self, node, name: str, reason: str) -> None:
        shown = "xml:lang" if name == XML_LANG else name
        unmapped = Unmapped(f"{self.path(node)}/@{shown}", node.get(name) or "", reason)
        self.found.append((self.order.get(node, 0), unmapped))

    def is_kept(self, node) -> bool:
        """Whether an element of the activity is still in it (neither it nor an ancestor was taken out)."""
        return node is self.element or any(parent is self.element for parent in node.iterancestors())

    @property
    def unmapped(self) -> list[Unmapped]:
        """In the order the file has them."""
        return [unmapped for _order, unmapped in sorted(self.found, key=lambda found: found[0])]

    def children(self, tag: str) -> list:
        return list(self.element.iterfind(tag))


# What the loaders read, element by element: (attributes, children). Anything else is reported as unmapped.
Spec = tuple[frozenset, dict]


def spec(attributes: str = "", children: dict | None = None) -> Spec:
    return frozenset(attributes.split()), children or {}


def trim(p: Preparation, node, kept: Spec, reasons: dict) -> None:
    """Take out what the loaders do not read: attributes and children outside `kept`, recursively; `reasons`
    says why for an element of the standard, where more can be said than "not read"."""
    attributes, children = kept
    for name in list(node.attrib):
        if name not in attributes:
            p.drop_attribute(node, name, _("Not read into the portfolio."))
    for child in list(node):
        if not isinstance(child.tag, str):  # comments and processing instructions hold no data
            continue
        if child.tag in children:
            trim(p, child, children[child.tag], reasons)
        else:
            p.drop(child, str(reasons.get(child.tag, _("Not read into the portfolio."))))


def describe(node) -> str:
    """A short account of what an element holds: its name, attributes and first text."""
    name = node.tag if isinstance(node.tag, str) else "?"
    if name.startswith("{"):
        name = name.split("}", 1)[1]
    attributes = " ".join(f'{"xml:lang" if key == XML_LANG else key}="{value}"' for key, value in node.attrib.items())
    text = next((t.strip() for t in node.itertext() if t.strip()), "")
    shown = f"<{name}{' ' + attributes if attributes else ''}>"
    return f"{shown} {text[:120]}".strip()
