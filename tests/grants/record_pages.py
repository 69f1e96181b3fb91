"""Reading a record page as its reader does: the text of its sections, the rows of its tables, its links."""

from __future__ import annotations

import lxml.html


def page(response) -> lxml.html.HtmlElement:
    assert response.status_code == 200
    return lxml.html.fromstring(response.content.decode())


def text(element) -> str:
    """What a reader sees in the element, its parts spaced as on the page (non-breaking spaces as spaces)."""
    return " ".join(" ".join(element.itertext()).split())


def rows(doc, table: str) -> list[list[str]]:
    """The cells of each row of the table marked `data-table="<table>"`, its head and foot included."""
    return [[text(cell) for cell in row.xpath("./th|./td")] for row in doc.xpath(f'//table[@data-table="{table}"]//tr')]


def figures(doc) -> dict[str, str]:
    return {
        text(div.xpath("./dt")[0]): text(div.xpath("./dd")[0]) for div in doc.xpath("//dl[@class='record-figures']/div")
    }


def links(doc) -> set[str]:
    return set(doc.xpath("//div[@id='content-main']//a/@href"))
