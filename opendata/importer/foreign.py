"""Activities published by others: mapped onto the portfolio, and everything that cannot be mapped reported.

Another publisher's activity carries none of our vocabulary: staff say which facility (hence which window) and
which themes it belongs to, or leave it out (an activity that only groups others has no money of its own). Each
activity is then prepared: what the loaders of our own files read is kept (one narrative per text, in the
activity's language; recipient countries sharing 100%; budgets and transactions in one currency, as
`foreign_money` makes them fit; participating organisations in the roles a project has; results that name a
corporate indicator), and every other element and attribute is taken out and listed with its XPath and the
reason, never silently dropped. Files of IATI 2.01 and 2.02 are read as 2.03, which only added to them; where a
file breaks the 2.03 schema in an element that is not read, that is listed too, and in one that is read, the
activity is refused. The prepared activity is loaded by the same loaders, hence the same services, as our own
files. A file is loaded whole in one transaction: one refused activity and nothing is written.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from lxml import etree

from common.errors import DomainError
from grants.models import Facility, PartnerRole, Project, Theme
from members.models import Organisation
from results.models import Indicator

from .. import codes
from ..fund import fund_identifier
from . import ImportRefused, SchemaError, parse_any_2x, reading
from .foreign_money import books_currency, fit_money
from .preparation import XML_LANG, Preparation, Unmapped, spec, trim
from .projects import code_of, project_load
from .reading import ActivityOutcome, ActivityRefused, ImportReport

__all__ = [
    "LEFT_OUT",
    "ActivityMapping",
    "ForeignMapping",
    "MappingRefused",
    "Unmapped",
    "file_outline",
    "foreign_activities_import",
]

LEFT_OUT = "left out"
NARRATIVE = {"narrative": spec(XML_LANG)}
ORGANISATION = spec("ref type", NARRATIVE)
DATE = spec("iso-date")
VALUE = spec("currency value-date")
KEPT = spec(
    f"default-currency {XML_LANG}",
    {
        "iati-identifier": spec(),
        "title": spec("", NARRATIVE),
        "description": spec("type", NARRATIVE),
        "participating-org": spec("ref type role", NARRATIVE),
        "activity-status": spec("code"),
        "activity-date": spec("type iso-date"),
        "recipient-country": spec("code percentage"),
        "tag": spec("vocabulary code"),
        "budget": spec("type", {"period-start": DATE, "period-end": DATE, "value": VALUE}),
        "transaction": spec(
            "ref",
            {
                "transaction-type": spec("code"),
                "transaction-date": DATE,
                "value": VALUE,
                "description": spec("", NARRATIVE),
                "receiver-org": ORGANISATION,
            },
        ),
        "result": spec(
            "type",
            {
                "title": spec("", NARRATIVE),
                "description": spec("", NARRATIVE),
                "indicator": spec(
                    "",
                    {
                        "title": spec("", NARRATIVE),
                        "reference": spec("vocabulary code"),
                        "baseline": spec("year iso-date value"),
                        "period": spec(
                            "",
                            {
                                "period-start": DATE,
                                "period-end": DATE,
                                "target": spec("value"),
                                "actual": spec("value"),
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
    "planned-disbursement": gettext_lazy("Planned payments are not recorded; a grant agreement's tranches are."),
}


@dataclass(frozen=True)
class ActivityMapping:
    """Where an activity that carries none of our vocabulary goes: a facility (by code) and themes (by code); or
    nowhere, left out of the import."""

    facility: str = ""
    themes: tuple[str, ...] = ()
    leave_out: bool = False


@dataclass(frozen=True)
class ForeignMapping:
    """The staff's choices for a file: one for every activity, and any activity's own (by its identifier)."""

    default: ActivityMapping = ActivityMapping()
    activities: dict[str, ActivityMapping] = field(default_factory=dict)
    indicators: dict[str, str] = field(default_factory=dict)  # an indicator's title in the file: a corporate code

    def of(self, identifier: str) -> ActivityMapping:
        return self.activities.get(identifier, self.default)

    @classmethod
    def from_dict(cls, data: dict) -> ForeignMapping:
        """A mapping as a JSON or YAML file writes it: {"facility": .., "themes": [..], "activities": {id: {..}},
        "indicators": {title: code}}, an activity's own saying "leave_out": true to leave it out."""

        def one(part: dict) -> ActivityMapping:
            if not isinstance(part, dict):
                raise MappingRefused(_("Each mapping is an object with a facility and themes."))
            return ActivityMapping(
                facility=str(part.get("facility") or ""),
                themes=tuple(part.get("themes") or ()),
                leave_out=part.get("leave_out") is True,
            )

        if not isinstance(data, dict):
            raise MappingRefused(_("The mapping is an object with a facility, themes and activities."))
        activities = data.get("activities") or {}
        if not isinstance(activities, dict):
            raise MappingRefused(_("The mapping's activities are an object keyed by IATI identifier."))
        indicators = data.get("indicators") or {}
        if not isinstance(indicators, dict) or not all(isinstance(code, str) for code in indicators.values()):
            raise MappingRefused(
                _("The mapping's indicators are an object: an indicator's title, a corporate indicator's code.")
            )
        return cls(
            default=one(data),
            activities={str(key): one(value) for key, value in activities.items()},
            indicators={str(title).strip(): code for title, code in indicators.items()},
        )


class MappingRefused(DomainError):
    """The mapping names a facility or theme that does not exist, or is not shaped as a mapping."""


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
    refusal: str = ""  # why the activity cannot be loaded as the file has it, found while preparing it
    left_out: bool = False
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

    @property
    def left_out(self) -> list[ForeignActivity]:
        return [a for a in self.activities if a.outcome.action == LEFT_OUT]


def foreign_activities_import(*, content: bytes, mapping: ForeignMapping, dry_run: bool = False) -> ForeignReport:
    """Load another publisher's activities after mapping; with `dry_run`, or when one activity is refused,
    nothing is written and the report says what would have happened."""
    root, errors = parse_any_2x(content)
    _check_mapping(mapping)
    broken = _broken_elements(root, errors)
    elements = list(root.iterfind("iati-activity"))
    activities = [_prepare(element, mapping, broken) for element in elements]
    with transaction.atomic():
        for element, activity in zip(elements, activities, strict=True):
            activity.outcome = _load(element, activity)
        written = not dry_run and all(a.outcome.action != "refused" for a in activities)
        if not written:
            transaction.set_rollback(True)
    return ForeignReport(activities, written=written)


def _broken_elements(root, errors: list[SchemaError]) -> dict:
    """Each element where the file breaks the schema, with how; the file is refused when its root does."""
    tree, broken = root.getroottree(), {}
    for error in errors:
        found = tree.xpath(error.path) if error.path.startswith("/") else []
        node = found[0] if found else root
        if node is root:
            raise ImportRefused(
                _("The file breaks the IATI 2.03 schema at line %(line)s: %(message)s")
                % {"line": error.line, "message": error.message}
            )
        broken.setdefault(node, []).append(error)
    return broken


def _load(element, activity: ForeignActivity) -> ActivityOutcome:
    identifier = activity.identifier
    if activity.left_out:
        return ActivityOutcome(identifier, LEFT_OUT, _("Left out of the import, as chosen."))
    if identifier == fund_identifier():
        return ActivityOutcome(identifier, "refused", _("The pooled fund's own activity is loaded with our own files."))
    if activity.refusal:
        return ActivityOutcome(identifier, "refused", activity.refusal)
    try:
        if activity.facility is None and not Project.objects.filter(code=code_of(identifier)).exists():
            raise ActivityRefused(_("Choose the facility this activity belongs to, or leave it out."))
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
    indicators = set(mapping.indicators.values())
    unknown += sorted(indicators - set(Indicator.objects.filter(code__in=indicators).values_list("code", flat=True)))
    if unknown:
        raise MappingRefused(
            _("The mapping names no facility, theme or indicator of this code: %(codes)s.")
            % {"codes": ", ".join(unknown)}
        )


def _prepare(element, mapping: ForeignMapping, broken: dict) -> ForeignActivity:
    p = Preparation(element)
    identifier = (element.findtext("iati-identifier") or "").strip()
    chosen = mapping.of(identifier)
    reporting = element.find("reporting-org")
    if reporting is not None:
        p.drop(reporting, _("The publisher is not recorded on a project; our own file names us as its publisher."))
    _descriptions(p)
    _dates(p)
    _countries(p)
    _participants(p)
    facility_from_file = _tags(p)
    currency = books_currency(p)
    fit_money(p, currency)
    _results(p, mapping.indicators)
    trim(p, element, KEPT, NOT_KEPT)
    _narratives(p)
    refusal = _schema_breaks(p, broken)
    facility, themes = _apply(element, chosen, facility_from_file)
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
        refusal=refusal,
        left_out=chosen.leave_out,
    )


_ATTRIBUTE_NAMED = re.compile(r"attribute '([^']+)'")


def _schema_breaks(p: Preparation, broken: dict) -> str:
    """Where the activity breaks the schema: listed when what breaks it is not read; else, why it is refused."""
    for node, errors in broken.items():
        if node not in p.paths:
            continue
        for error in errors:
            named = _ATTRIBUTE_NAMED.search(error.message)
            if p.is_kept(node) and not (named and node.get(named.group(1)) is None):
                return _("Line %(line)s (%(path)s) breaks the IATI 2.03 schema: %(message)s") % {
                    "line": error.line,
                    "path": error.path,
                    "message": error.message,
                }
            p.record(
                node,
                _("Line %(line)s: %(message)s") % {"line": error.line, "message": error.message},
                _("This breaks the IATI 2.03 schema, in what is not read: the import goes on without it."),
            )
    return ""


def _narratives(p: Preparation) -> None:
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


def _descriptions(p: Preparation) -> None:
    general = [d for d in p.children("description") if d.get("type", "1") == "1"]
    for description in p.children("description"):
        if description is not (general[0] if general else None):
            p.drop(description, _("A project's summary is the activity's one general description."))


def _dates(p: Preparation) -> None:
    """The planned start and end stand; an actual one is read only when the planned one is missing (and an actual
    end, when a closed project ended on another day)."""
    types = {d.get("type") for d in p.children("activity-date")}
    closed = p.element.find("activity-status[@code='4']") is not None
    for date in p.children("activity-date"):
        kind = date.get("type")
        if (kind == "2" and "1" in types) or (kind == "4" and "3" in types and not closed):
            p.drop(date, _("The planned date is the project's; the actual one is not recorded."))


HUNDRED, CENT = Decimal(100), Decimal("0.01")


def _countries(p: Preparation) -> None:
    """Recipient countries share the whole project: shares missing are split evenly from what is left, and shares
    that add up to less or more than 100% (regions taking the rest, say) are scaled to 100%; each change said."""
    countries = p.children("recipient-country")
    shares = [_share(country) for country in countries]
    if shares in ([], [None]) or (None not in shares and sum(shares) == HUNDRED):
        return  # one country without a share has it all
    given = sum((share for share in shares if share is not None), Decimal(0))
    missing = shares.count(None)
    left = max(HUNDRED - given, Decimal(0)) / missing if missing else Decimal(0)
    shares = [left if share is None else share for share in shares]
    total = sum(shares)
    if total <= 0:
        shares, total = [Decimal(1)] * len(shares), Decimal(len(shares))
    scaled = [(share * HUNDRED / total).quantize(CENT, rounding=ROUND_HALF_UP) for share in shares]
    scaled[scaled.index(max(scaled))] += HUNDRED - sum(scaled)  # what rounding left over
    for country, share in zip(countries, scaled, strict=True):
        if country.get("percentage") is not None and _share(country) == share:
            continue
        p.record_attribute(
            country,
            "percentage",
            _(
                "Its share is taken as %(share)s%%: a project's recipient countries share 100%%, and regions are not "
                "recorded."
            )
            % {"share": f"{share.normalize():f}"},
        )
        country.set("percentage", f"{share:f}")


def _share(country) -> Decimal | None:
    try:
        share = Decimal(country.get("percentage") or "")
    except InvalidOperation:
        return None
    return share if share.is_finite() and share >= 0 else None


def _participants(p: Preparation) -> None:
    for org in p.children("participating-org"):
        role = org.get("role")
        if role not in {str(value) for value in PartnerRole.values}:
            p.drop(org, _("A project has partners in IATI roles 1 to 4 only."))
        elif reading.is_partnership(org):
            p.drop(org, _("This is the partnership itself."))
        elif _unknown_and_nameless(org):
            p.drop(org, _("An organisation without a name, unknown here by its IATI identifier, cannot be matched."))
    for org in p.element.iterfind("transaction/receiver-org"):
        if _unknown_and_nameless(org):
            p.drop(org, _("An organisation without a name, unknown here by its IATI identifier, cannot be matched."))


def _unknown_and_nameless(org) -> bool:
    return not reading.text(org, ".") and reading.known_organisation(org) is None


def _match(org, role: str) -> OrganisationMatch:
    return OrganisationMatch(
        role=str(role),
        ref=(org.get("ref") or "").strip(),
        name=reading.text(org, "."),
        organisation=reading.known_organisation(org),
    )


def _tags(p: Preparation) -> bool:
    """Tags of our own vocabulary stay; True when one names a facility."""
    facility = False
    for tag in p.children("tag"):
        code = tag.get("code") or ""
        if tag.get("vocabulary") != codes.OWN_VOCABULARY or not code.startswith(("facility:", "theme:")):
            p.drop(tag, _("Only the partnership's own facility and theme tags are read."))
        else:
            facility |= code.startswith("facility:")
    return facility


def _results(p: Preparation, mapped: dict[str, str]) -> None:
    """Results whose indicators name a corporate indicator, or that staff mapped to one by title, with one
    baseline, and one target and one actual a period, in periods within the project's dates."""
    corporate = set(Indicator.objects.values_list("code", flat=True))
    start, end = _project_dates(p.element)
    for result in p.children("result"):
        codes_of = {
            indicator: _corporate_code(p, indicator, mapped, corporate) for indicator in result.iterfind("indicator")
        }
        if not any(codes_of.values()):
            p.drop(result, _("None of its indicators names or is mapped to a corporate indicator of this framework."))
            continue
        for indicator, code in codes_of.items():
            if not code:
                p.drop(
                    indicator, _("The indicator names no corporate indicator of this framework, nor is mapped to one.")
                )
                continue
            for other in indicator.iterfind("reference"):
                if other.get("vocabulary") != codes.OWN_VOCABULARY or other.get("code") != code:
                    p.drop(other, _("Only the reference to a corporate indicator is read."))
            if indicator.find(f"reference[@vocabulary='{codes.OWN_VOCABULARY}']") is None:
                etree.SubElement(indicator, "reference", vocabulary=codes.OWN_VOCABULARY, code=code)
            _one_of_each(p, indicator, "baseline", _("An indicator has one baseline: the first."))
            for period in indicator.iterfind("period"):
                if not _within(period, start, end):
                    p.drop(
                        period,
                        _("A project reports on periods within its dates (%(start)s to %(end)s).")
                        % {"start": start.isoformat(), "end": end.isoformat()},
                    )
                    continue
                _one_of_each(p, period, "target", _("A period has one target: the first."))
                _one_of_each(p, period, "actual", _("A period has one actual: the first."))


def _corporate_code(p: Preparation, indicator, mapped: dict[str, str], corporate: set[str]) -> str:
    """The corporate indicator an indicator names (vocabulary 99), else the one staff mapped its title to."""
    reference = indicator.find(f"reference[@vocabulary='{codes.OWN_VOCABULARY}']")
    if reference is not None and reference.get("code") in corporate:
        return reference.get("code")
    code = mapped.get(title_in(indicator, p.language))
    return code if code in corporate else ""


def title_in(node, language: str) -> str:
    """A node's title as the project keeps it: its narrative in the activity's language, else its first."""
    narratives = list(node.iterfind("title/narrative"))
    kept = next(
        (n for n in narratives if (n.get(XML_LANG) or language) == language), narratives[0] if narratives else None
    )
    return (kept.text or "").strip() if kept is not None else ""


def _within(period, start, end) -> bool:
    first, last = reading.date(period, "period-start"), reading.date(period, "period-end")
    return None in (start, end, first, last) or start <= first <= last <= end


def _project_dates(element):
    start = reading.date(element, "activity-date[@type='1']") or reading.date(element, "activity-date[@type='2']")
    end = reading.date(element, "activity-date[@type='3']") or reading.date(element, "activity-date[@type='4']")
    return start, end


def _one_of_each(p: Preparation, parent, tag: str, reason: str) -> None:
    for extra in list(parent.iterfind(tag))[1:]:
        p.drop(extra, reason)


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


@dataclass(frozen=True)
class FileOutline:
    """What staff map in a file: its activities' identifiers and its indicators' titles, each once, in order."""

    identifiers: list[str]
    indicators: list[str]


def file_outline(content: bytes) -> FileOutline:
    """ImportRefused when the file is not IATI 2.01 to 2.03."""
    root, _errors = parse_any_2x(content)
    identifiers, indicators = [], {}
    for element in root.iterfind("iati-activity"):
        identifiers.append((element.findtext("iati-identifier") or "").strip())
        language = element.get(XML_LANG) or root.get(XML_LANG) or ""
        for indicator in element.iterfind("result/indicator"):
            if title := title_in(indicator, language):
                indicators.setdefault(title, None)
    return FileOutline(identifiers, list(indicators))
