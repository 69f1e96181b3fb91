"""Activities published by others: mapped onto the portfolio, and everything that cannot be mapped reported.

Another publisher's activity carries none of our vocabulary: staff say which facility (hence which window) and
which themes it belongs to. Each activity is then prepared: what the loaders of our own files read is kept (one
narrative per text, in the activity's language; budgets and transactions in the activity's currency; the
transaction types the ledger records; participating organisations in the roles a project has; results that name
a corporate indicator), and every other element and attribute is taken out and listed with its XPath and the
reason, never silently dropped. The prepared activity is loaded by the same loaders, hence the same services, as
our own files. A file is loaded whole in one transaction: one refused activity and nothing is written.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from lxml import etree

from common.errors import DomainError
from grants.models import Facility, PartnerRole, Project, Theme, TransactionKind
from members.models import Organisation
from results.models import Indicator

from .. import codes
from ..fund import fund_identifier
from . import parse, reading
from .projects import code_of, project_load
from .reading import ActivityOutcome, ActivityRefused, ImportReport

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
LEDGER_KINDS = {
    str(kind) for kind in (TransactionKind.COMMITMENT, TransactionKind.DISBURSEMENT, TransactionKind.EXPENDITURE)
}
ORIGINAL_BUDGET = "1"

# What the loaders read, element by element: (attributes, children). Anything else is reported as unmapped.
Spec = tuple[frozenset, dict]


def _spec(attributes: str = "", children: dict | None = None) -> Spec:
    return frozenset(attributes.split()), children or {}


NARRATIVE = {"narrative": _spec(XML_LANG)}
ORGANISATION = _spec("ref type", NARRATIVE)
DATE = _spec("iso-date")
VALUE = _spec("currency value-date")
KEPT: Spec = _spec(
    f"default-currency {XML_LANG}",
    {
        "iati-identifier": _spec(),
        "title": _spec("", NARRATIVE),
        "description": _spec("type", NARRATIVE),
        "participating-org": _spec("ref type role", NARRATIVE),
        "activity-status": _spec("code"),
        "activity-date": _spec("type iso-date"),
        "recipient-country": _spec("code percentage"),
        "tag": _spec("vocabulary code"),
        "budget": _spec("type", {"period-start": DATE, "period-end": DATE, "value": VALUE}),
        "transaction": _spec(
            "ref",
            {
                "transaction-type": _spec("code"),
                "transaction-date": DATE,
                "value": VALUE,
                "description": _spec("", NARRATIVE),
                "receiver-org": ORGANISATION,
            },
        ),
        "result": _spec(
            "type",
            {
                "title": _spec("", NARRATIVE),
                "description": _spec("", NARRATIVE),
                "indicator": _spec(
                    "",
                    {
                        "title": _spec("", NARRATIVE),
                        "reference": _spec("vocabulary code"),
                        "baseline": _spec("year iso-date value"),
                        "period": _spec(
                            "",
                            {
                                "period-start": DATE,
                                "period-end": DATE,
                                "target": _spec("value"),
                                "actual": _spec("value"),
                            },
                        ),
                    },
                ),
            },
        ),
    },
)


# Why an element of the standard has no place in the portfolio, where more can be said than "not read".
NOT_KEPT = {
    "sector": gettext_lazy("Sectors are not recorded: a project's themes are chosen when it is mapped."),
    "policy-marker": gettext_lazy("Policy markers are not read: our own file writes them from the themes."),
    "location": gettext_lazy("Locations within a country are not recorded; recipient countries are."),
    "recipient-region": gettext_lazy("Regions are not recorded; recipient countries are."),
    "document-link": gettext_lazy("Documents are not fetched from other publishers."),
    "contact-info": gettext_lazy("Contacts are people of the publisher, not of the portfolio."),
    "related-activity": gettext_lazy("Links to other publishers' activities are not recorded."),
    "provider-org": gettext_lazy("The payer of a project's transaction is the fund, not another publisher."),
}


@dataclass(frozen=True)
class ActivityMapping:
    """Where an activity that carries none of our vocabulary goes: a facility (by code) and themes (by code)."""

    facility: str = ""
    themes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ForeignMapping:
    """The staff's choices for a file: one for every activity, and any activity's own (by its identifier)."""

    default: ActivityMapping = ActivityMapping()
    activities: dict[str, ActivityMapping] = field(default_factory=dict)

    def of(self, identifier: str) -> ActivityMapping:
        return self.activities.get(identifier, self.default)

    @classmethod
    def from_dict(cls, data: dict) -> ForeignMapping:
        """A mapping as a JSON or YAML file writes it: {"facility": .., "themes": [..], "activities": {id: {..}}}."""

        def one(part: dict) -> ActivityMapping:
            if not isinstance(part, dict):
                raise MappingRefused(_("Each mapping is an object with a facility and themes."))
            return ActivityMapping(facility=str(part.get("facility") or ""), themes=tuple(part.get("themes") or ()))

        if not isinstance(data, dict):
            raise MappingRefused(_("The mapping is an object with a facility, themes and activities."))
        activities = data.get("activities") or {}
        if not isinstance(activities, dict):
            raise MappingRefused(_("The mapping's activities are an object keyed by IATI identifier."))
        return cls(default=one(data), activities={str(key): one(value) for key, value in activities.items()})


class MappingRefused(DomainError):
    """The mapping names a facility or theme that does not exist, or is not shaped as a mapping."""


@dataclass(frozen=True)
class Unmapped:
    """An element or attribute of another publisher's activity that has no place in the portfolio."""

    path: str
    content: str
    reason: str


@dataclass(frozen=True)
class OrganisationMatch:
    """An organisation an activity names, and ours it is matched to (None: it is created on import)."""

    role: str
    ref: str
    name: str
    organisation: Organisation | None


@dataclass
class ForeignActivity:
    """What a prepared activity maps to, shown before and after loading."""

    identifier: str
    title: str
    currency: str
    facility: Facility | None
    facility_from_file: bool
    themes: list[Theme]
    organisations: list[OrganisationMatch]
    unmapped: list[Unmapped]
    outcome: ActivityOutcome | None = None

    @property
    def needs_mapping(self) -> bool:
        return not self.facility_from_file


@dataclass
class ForeignReport:
    activities: list[ForeignActivity]
    written: bool

    @property
    def counts(self) -> Counter:
        return ImportReport([a.outcome for a in self.activities]).counts

    @property
    def refused(self) -> list[ForeignActivity]:
        return [a for a in self.activities if a.outcome.action == "refused"]


def foreign_activities_import(*, content: bytes, mapping: ForeignMapping, dry_run: bool = False) -> ForeignReport:
    """Load another publisher's activities after mapping; with `dry_run`, or when one activity is refused,
    nothing is written and the report says what would have happened."""
    root = parse(content)
    _check_mapping(mapping)
    elements = list(root.iterfind("iati-activity"))
    activities = [_prepare(element, mapping) for element in elements]
    with transaction.atomic():
        for element, activity in zip(elements, activities, strict=True):
            activity.outcome = _load(element, activity)
        written = not dry_run and all(a.outcome.action != "refused" for a in activities)
        if not written:
            transaction.set_rollback(True)
    return ForeignReport(activities, written=written)


def _load(element, activity: ForeignActivity) -> ActivityOutcome:
    identifier = activity.identifier
    if identifier == fund_identifier():
        return ActivityOutcome(identifier, "refused", _("The pooled fund's own activity is loaded with our own files."))
    try:
        if activity.facility is None and not Project.objects.filter(code=code_of(identifier)).exists():
            raise ActivityRefused(_("Choose the facility this activity belongs to."))
        with transaction.atomic():
            return project_load(element, identifier)
    except (ActivityRefused, DomainError) as refusal:
        return ActivityOutcome(identifier, "refused", refusal.message)
    except ValidationError as error:
        return ActivityOutcome(identifier, "refused", "; ".join(error.messages))


def _check_mapping(mapping: ForeignMapping) -> None:
    parts = [mapping.default, *mapping.activities.values()]
    facilities = {part.facility for part in parts if part.facility}
    themes = {theme for part in parts for theme in part.themes}
    unknown = sorted(facilities - set(Facility.objects.filter(code__in=facilities).values_list("code", flat=True)))
    unknown += sorted(themes - set(Theme.objects.filter(code__in=themes).values_list("code", flat=True)))
    if unknown:
        raise MappingRefused(
            _("The mapping names no facility or theme of this code: %(codes)s.") % {"codes": ", ".join(unknown)}
        )


class _Preparation:
    """One activity, trimmed in place to what the loaders read; each element or attribute taken out is recorded."""

    def __init__(self, element):
        self.element = element
        tree = element.getroottree()
        # Paths are taken before anything is removed, so they name the element where the file has it.
        self.paths = {node: tree.getpath(node) for node in element.iter(etree.Element)}
        self.order = {node: position for position, node in enumerate(self.paths)}
        self.found: list[tuple[int, Unmapped]] = []
        self.language = element.get(XML_LANG) or element.getparent().get(XML_LANG) or ""

    def drop(self, node, reason: str) -> None:
        self.found.append((self.order.get(node, 0), Unmapped(self.paths.get(node, node.tag), _describe(node), reason)))
        node.getparent().remove(node)

    def drop_attribute(self, node, name: str, reason: str) -> None:
        shown = "xml:lang" if name == XML_LANG else name
        unmapped = Unmapped(f"{self.paths.get(node, node.tag)}/@{shown}", node.get(name), reason)
        self.found.append((self.order.get(node, 0), unmapped))
        del node.attrib[name]

    @property
    def unmapped(self) -> list[Unmapped]:
        """In the order the file has them."""
        return [unmapped for _order, unmapped in sorted(self.found, key=lambda found: found[0])]

    def children(self, tag: str) -> list:
        return list(self.element.iterfind(tag))


def _prepare(element, mapping: ForeignMapping) -> ForeignActivity:
    p = _Preparation(element)
    identifier = (element.findtext("iati-identifier") or "").strip()
    currency = element.get("default-currency") or _first_currency(element)
    if currency and not element.get("default-currency"):
        element.set("default-currency", currency)
    reporting = element.find("reporting-org")
    if reporting is not None:
        p.drop(reporting, _("The publisher is not recorded on a project; our own file names us as its publisher."))
    _descriptions(p)
    _dates(p)
    _participants(p)
    facility_from_file = _tags(p)
    _money(p, currency)
    _results(p)
    _trim(p, element, KEPT)
    _narratives(p)
    facility, themes = _apply(element, mapping.of(identifier), facility_from_file)
    organisations = [_match(org, PartnerRole(int(org.get("role"))).label) for org in p.children("participating-org")]
    organisations += [
        _match(org, _("Receiver of a transaction")) for org in element.iterfind("transaction/receiver-org")
    ]
    organisations = list({(o.role, o.ref, o.name): o for o in organisations}.values())
    return ForeignActivity(
        identifier=identifier,
        title=reading.text(element, "title"),
        currency=currency or "",
        facility=facility,
        facility_from_file=facility_from_file,
        themes=themes,
        organisations=organisations,
        unmapped=p.unmapped,
    )


def _first_currency(element) -> str:
    found = element.find(".//value[@currency]")
    return found.get("currency") if found is not None else ""


def _narratives(p: _Preparation) -> None:
    """One narrative per text: in the activity's language (or with none said), else the first."""
    for parent in {narrative.getparent() for narrative in p.element.iter("narrative")}:
        narratives = list(parent.iterfind("narrative"))
        if len(narratives) < 2:
            continue
        kept = next((n for n in narratives if (n.get(XML_LANG) or p.language) == p.language), narratives[0])
        for narrative in narratives:
            if narrative is not kept:
                p.drop(narrative, _("A project keeps one text, in the activity's language."))
    for narrative in p.element.iter("narrative"):
        if narrative.get(XML_LANG) is not None:
            del narrative.attrib[XML_LANG]  # the language of the one text kept: nothing is lost


def _descriptions(p: _Preparation) -> None:
    general = [d for d in p.children("description") if d.get("type", "1") == "1"]
    for description in p.children("description"):
        if description is not (general[0] if general else None):
            p.drop(description, _("A project's summary is the activity's one general description."))


def _dates(p: _Preparation) -> None:
    """The planned start and end stand; an actual one is read only when the planned one is missing (and an actual
    end, when a closed project ended on another day)."""
    types = {d.get("type") for d in p.children("activity-date")}
    closed = p.element.find("activity-status[@code='4']") is not None
    for date in p.children("activity-date"):
        kind = date.get("type")
        if (kind == "2" and "1" in types) or (kind == "4" and "3" in types and not closed):
            p.drop(date, _("The planned date is the project's; the actual one is not recorded."))


def _participants(p: _Preparation) -> None:
    for org in p.children("participating-org"):
        role = org.get("role")
        if role not in {str(value) for value in PartnerRole.values}:
            p.drop(org, _("A project has partners in IATI roles 1 to 4 only."))
        elif reading.is_partnership(org):
            p.drop(org, _("This is the partnership itself."))
        elif not (org.get("ref") or "").strip() and not reading.text(org, "."):
            p.drop(org, _("An organisation with neither an IATI identifier nor a name cannot be matched."))


def _match(org, role: str) -> OrganisationMatch:
    return OrganisationMatch(
        role=str(role),
        ref=(org.get("ref") or "").strip(),
        name=reading.text(org, "."),
        organisation=reading.known_organisation(org),
    )


def _tags(p: _Preparation) -> bool:
    """Tags of our own vocabulary stay; True when one names a facility."""
    facility = False
    for tag in p.children("tag"):
        code = tag.get("code") or ""
        if tag.get("vocabulary") != codes.OWN_VOCABULARY or not code.startswith(("facility:", "theme:")):
            p.drop(tag, _("Only the partnership's own facility and theme tags are read."))
        else:
            facility |= code.startswith("facility:")
    return facility


def _money(p: _Preparation, currency: str) -> None:
    def other_currency(node) -> bool:
        value = node.find("value")
        return value is not None and (value.get("currency") or currency) != currency

    in_currency = _("A project keeps its books in its own currency (%(currency)s); amounts are never converted.") % {
        "currency": currency
    }
    for budget in p.children("budget"):
        if budget.get("type", ORIGINAL_BUDGET) != ORIGINAL_BUDGET:
            p.drop(budget, _("A revised budget is not read; the original budgets make the approved budget."))
        elif other_currency(budget):
            p.drop(budget, in_currency)
    committed = False
    for row in p.children("transaction"):
        kind = row.find("transaction-type").get("code")
        amount = (row.findtext("value") or "").strip()
        if kind not in LEDGER_KINDS:
            p.drop(row, _("The ledger of a project records commitments, disbursements and expenditure only."))
        elif other_currency(row):
            p.drop(row, in_currency)
        elif kind == str(TransactionKind.COMMITMENT) and not amount.startswith("-"):
            if committed:
                p.drop(row, _("A project has one grant agreement: its first commitment."))
            committed = True


def _results(p: _Preparation) -> None:
    corporate = set(Indicator.objects.values_list("code", flat=True))

    def ours(indicator):
        reference = indicator.find(f"reference[@vocabulary='{codes.OWN_VOCABULARY}']")
        return reference if reference is not None and reference.get("code") in corporate else None

    for result in p.children("result"):
        if not any(ours(indicator) is not None for indicator in result.iterfind("indicator")):
            p.drop(result, _("None of its indicators names a corporate indicator of this framework."))
            continue
        for indicator in result.iterfind("indicator"):
            reference = ours(indicator)
            if reference is None:
                p.drop(indicator, _("The indicator names no corporate indicator of this framework."))
                continue
            for other in indicator.iterfind("reference"):
                if other is not reference:
                    p.drop(other, _("Only the reference to a corporate indicator is read."))


def _trim(p: _Preparation, node, spec: Spec) -> None:
    """Take out what the loaders do not read: attributes and children outside `spec`, recursively."""
    attributes, children = spec
    for name in list(node.attrib):
        if name not in attributes:
            p.drop_attribute(node, name, _("Not read into the portfolio."))
    for child in list(node):
        if not isinstance(child.tag, str):  # comments and processing instructions hold no data
            continue
        if child.tag in children:
            _trim(p, child, children[child.tag])
        else:
            p.drop(child, str(NOT_KEPT.get(child.tag, _("Not read into the portfolio."))))


def _apply(element, chosen: ActivityMapping, facility_from_file: bool) -> tuple[Facility | None, list[Theme]]:
    """Staff's facility and themes, as tags of our own vocabulary the loaders read; a facility the file names
    itself stands."""
    if not facility_from_file and chosen.facility:
        etree.SubElement(element, "tag", vocabulary=codes.OWN_VOCABULARY, code=f"facility:{chosen.facility}")
    for theme in chosen.themes:
        if element.find(f"tag[@code='theme:{theme}']") is None:
            etree.SubElement(element, "tag", vocabulary=codes.OWN_VOCABULARY, code=f"theme:{theme}")
    tags = [tag.get("code") for tag in element.iterfind("tag")]
    facility_codes = [code.split(":", 1)[1] for code in tags if code.startswith("facility:")]
    theme_codes = [code.split(":", 1)[1] for code in tags if code.startswith("theme:")]
    facility = Facility.objects.select_related("window").filter(code__in=facility_codes).first()
    return facility, list(Theme.objects.filter(code__in=theme_codes))


def _describe(node) -> str:
    """A short account of what an element holds: its name, attributes and first text."""
    name = node.tag if isinstance(node.tag, str) else "?"
    if name.startswith("{"):
        name = name.split("}", 1)[1]
    attributes = " ".join(f'{"xml:lang" if key == XML_LANG else key}="{value}"' for key, value in node.attrib.items())
    text = next((t.strip() for t in node.itertext() if t.strip()), "")
    shown = f"<{name}{' ' + attributes if attributes else ''}>"
    return f"{shown} {text[:120]}".strip()


def activity_identifiers(content: bytes) -> list[str]:
    """The identifiers of a file's activities, in order; ImportRefused when it is not IATI 2.03."""
    return [(element.findtext("iati-identifier") or "").strip() for element in parse(content).iterfind("iati-activity")]
