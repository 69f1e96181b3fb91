"""IATI 2.03 activity XML of the public portfolio, written as a stream in flat memory.

Projects are read in chunks with everything an activity needs prefetched per chunk, and each
activity is written and handed on before the next is read, whatever the portfolio's size.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone
from lxml import etree

from grants.models import (
    Amendment,
    AmendmentStatus,
    PartnerRole,
    Project,
    ProjectPartner,
    ProjectStatus,
    Transaction,
    TransactionKind,
)
from grants.selectors import public_projects, public_transactions
from results.models import IndicatorPeriod, ProjectIndicator, ProjectResult, ReportStatus

from . import codes, elements, fund

CHUNK = 100


def activity_identifier(project: Project) -> str:
    return f"{settings.IATI_ORGANISATION_IDENTIFIER}-{project.code}"


def iati_projects(projects: QuerySet[Project] | None = None) -> QuerySet[Project]:
    """Public projects with everything their activity shows, for chunked iteration."""
    periods = IndicatorPeriod.objects.select_related("period", "reported__report").order_by("period__start_date")
    indicators = ProjectIndicator.objects.select_related("indicator").prefetch_related(
        Prefetch("periods", queryset=periods)
    )
    results = ProjectResult.objects.order_by("order", "pk").prefetch_related(
        Prefetch("indicators", queryset=indicators)
    )
    partners = ProjectPartner.objects.select_related("organisation").order_by("role", "organisation__name")
    transactions = Transaction.objects.select_related("provider", "receiver").order_by("value_date", "pk")
    return (
        (projects if projects is not None else public_projects())
        .select_related("facility__window")
        .prefetch_related(
            "countries",
            "themes",
            Prefetch("partners", queryset=partners),
            Prefetch("transactions", queryset=transactions),
            "agreement__tranches",
            Prefetch(
                "agreement__amendments",
                queryset=Amendment.objects.filter(status=AmendmentStatus.APPROVED).only("pk", "agreement_id"),
                to_attr="approved_amendments",
            ),
            Prefetch("results", queryset=results),
        )
        .order_by("code")
    )


def _budgets(activity, project: Project) -> None:
    """One budget per calendar year of the agreement's tranches (IATI budgets span a year at most): original, or
    revised once an amendment is approved, when the tranches and dates are the amended ones."""
    agreement = getattr(project, "agreement", None)
    if agreement is None:
        return
    kind = codes.REVISED_BUDGET if getattr(agreement, "approved_amendments", None) else codes.ORIGINAL_BUDGET
    by_year: dict[int, Decimal] = defaultdict(Decimal)
    for tranche in agreement.tranches.all():
        by_year[tranche.planned_date.year] += tranche.amount
    for year, amount in sorted(by_year.items()):
        start = max(project.start_date, dt.date(year, 1, 1))
        end = min(project.end_date, dt.date(year, 12, 31))
        if end < start:  # a tranche planned outside the project's dates
            start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        budget = elements.sub(activity, "budget", type=kind, status=codes.COMMITTED_BUDGET)
        elements.sub(budget, "period-start", {"iso-date": start.isoformat()})
        elements.sub(budget, "period-end", {"iso-date": end.isoformat()})
        elements.value(budget, amount, project.currency, start)


def _transactions(activity, project: Project) -> None:
    for row in project.transactions.all():
        elements.transaction(activity, row)


def _results(activity, project: Project) -> None:
    for result in project.results.all():
        indicators = list(result.indicators.all())
        if not indicators:
            continue
        element = elements.sub(activity, "result", type=str(result.type))
        elements.narrative(element, "title", result.title)
        if result.description:
            elements.narrative(element, "description", result.description)
        for project_indicator in indicators:
            corporate = project_indicator.indicator
            indicator = elements.sub(
                element,
                "indicator",
                measure=codes.MEASURE[corporate.unit],
                ascending="1" if corporate.ascending else "0",
            )
            elements.narrative(indicator, "title", project_indicator.name)
            elements.sub(indicator, "reference", vocabulary=codes.OWN_VOCABULARY, code=corporate.code)
            if project_indicator.baseline_value is not None:
                elements.sub(
                    indicator,
                    "baseline",
                    {
                        "year": str(project_indicator.baseline_date.year),
                        "iso-date": project_indicator.baseline_date.isoformat(),
                        "value": elements.amount(project_indicator.baseline_value),
                    },
                )
            for row in project_indicator.periods.all():
                _period(indicator, row)


def _period(indicator, row: IndicatorPeriod) -> None:
    reported = getattr(row, "reported", None)
    actual = reported if reported is not None and reported.report.status == ReportStatus.APPROVED else None
    if row.target_value is None and actual is None:
        return
    period = elements.sub(indicator, "period")
    elements.sub(period, "period-start", {"iso-date": row.period.start_date.isoformat()})
    elements.sub(period, "period-end", {"iso-date": row.period.end_date.isoformat()})
    if row.target_value is not None:
        elements.sub(period, "target", value=elements.amount(row.target_value))
    if actual is not None:
        elements.sub(period, "actual", value=elements.amount(actual.value))


def activity_element(project: Project, now: dt.datetime, parent: str | None = None) -> etree._Element:
    """One project as an IATI 2.03 iati-activity element; `parent` is the pooled fund's identifier."""
    activity = etree.Element(
        "iati-activity",
        {
            "last-updated-datetime": project.updated_at.replace(microsecond=0).isoformat(),
            "{http://www.w3.org/XML/1998/namespace}lang": "en",
            "default-currency": project.currency,
            **({"hierarchy": "2"} if parent else {}),
        },
    )
    elements.sub(activity, "iati-identifier", text=activity_identifier(project))
    elements.partnership(activity, "reporting-org")
    elements.narrative(activity, "title", project.title)
    # The schema wants a description: a project without a summary is described by its title.
    elements.narrative(activity, "description", project.summary or project.title, type=codes.GENERAL_DESCRIPTION)
    _participating(activity, project)
    elements.sub(activity, "activity-status", code=str(project.status))
    started = project.status != ProjectStatus.PIPELINE and project.start_date <= now.date()
    ended = project.status in (ProjectStatus.CLOSED, ProjectStatus.FINALISATION) and project.end_date <= now.date()
    dates = [(codes.PLANNED_START, project.start_date), (codes.PLANNED_END, project.end_date)]
    if started:
        dates.append((codes.ACTUAL_START, project.start_date))
    if project.actual_end_date:
        # Closing a project records the day it actually ended.
        dates.append((codes.ACTUAL_END, project.actual_end_date))
    elif ended:
        dates.append((codes.ACTUAL_END, project.end_date))
    for date_type, date in sorted(dates):
        elements.sub(activity, "activity-date", {"type": date_type, "iso-date": date.isoformat()})
    for country in project.countries.all():
        elements.sub(activity, "recipient-country", code=str(country.country), percentage=f"{country.percentage:f}")
    elements.sub(
        activity, "sector", vocabulary=codes.SECTOR_VOCABULARY_DAC, code=codes.URBAN_DEVELOPMENT, percentage="100"
    )
    # The partnership's own classification travels as tags of its own vocabulary, for a lossless re-import.
    elements.narrative(
        activity,
        "tag",
        project.facility.name,
        vocabulary=codes.OWN_VOCABULARY,
        code=f"facility:{project.facility.code}",
    )
    for theme in project.themes.all():
        elements.narrative(activity, "tag", theme.name, vocabulary=codes.OWN_VOCABULARY, code=f"theme:{theme.code}")
    for theme in project.themes.all():
        marker = codes.THEME_MARKERS.get(theme.code)
        if marker:
            elements.sub(
                activity,
                "policy-marker",
                vocabulary=codes.POLICY_MARKER_VOCABULARY_DAC,
                code=marker,
                significance=codes.SIGNIFICANT_OBJECTIVE,
            )
    _budgets(activity, project)
    _transactions(activity, project)
    if parent:
        elements.sub(activity, "related-activity", ref=parent, type=codes.PARENT)
    _results(activity, project)
    return activity


def _participating(activity, project: Project) -> None:
    partners = list(project.partners.all())
    if not any(p.role == PartnerRole.EXTENDING for p in partners):
        # The partnership itself extends the grants it makes.
        elements.partnership(activity, "participating-org", role=str(PartnerRole.EXTENDING))
    for partner in partners:
        elements.organisation(activity, "participating-org", partner.organisation, role=str(partner.role))


class _Chunks(io.RawIOBase):
    """A file lxml writes into; what it wrote is taken out after each activity."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def activities_xml(projects: Iterable[Project] | QuerySet[Project] | None = None) -> Iterator[bytes]:
    """The iati-activities document, piece by piece: a few activities in memory at any time.

    The whole portfolio opens with the pooled fund's activity; a selection of projects leaves it
    out, and links to it all the same.
    """
    now = timezone.now().replace(microsecond=0)
    whole = projects is None
    fund_activity = fund.fund_activity_element(now) if whole else None
    published = fund_activity is not None if whole else fund.is_published()
    parent = fund.fund_identifier() if published else None
    rows = iati_projects(projects) if projects is None or isinstance(projects, QuerySet) else projects
    if isinstance(rows, QuerySet):
        rows = rows.iterator(chunk_size=CHUNK)
    sink = _Chunks()
    with etree.xmlfile(sink, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("iati-activities", {"version": "2.03", "generated-datetime": now.isoformat()}):
            if fund_activity is not None:
                xf.write(fund_activity, pretty_print=True)
            for project in rows:
                xf.write(activity_element(project, now, parent), pretty_print=True)
                xf.flush()
                yield sink.take()
    yield sink.take()


def organisation_xml() -> bytes:
    """The partnership's IATI organisation file: who it is and what it committed each year, by currency."""
    now = timezone.now().replace(microsecond=0)
    root = etree.Element("iati-organisations", {"version": "2.03", "generated-datetime": now.isoformat()})
    organisation = elements.sub(
        root,
        "iati-organisation",
        {
            "last-updated-datetime": now.isoformat(),
            "{http://www.w3.org/XML/1998/namespace}lang": "en",
            "default-currency": settings.REPORTING_CURRENCY,
        },
    )
    elements.sub(organisation, "organisation-identifier", text=settings.IATI_ORGANISATION_IDENTIFIER)
    elements.narrative(organisation, "name", settings.IATI_ORGANISATION_NAME)
    elements.partnership(organisation, "reporting-org")
    yearly = (
        public_transactions()
        .filter(kind=TransactionKind.COMMITMENT)
        .annotate(year=ExtractYear("value_date"))
        .values("year", "currency")
        .annotate(total=Sum("amount"))
        .order_by("year", "currency")
    )
    for row in yearly:
        budget = elements.sub(organisation, "total-budget", status=codes.COMMITTED_BUDGET)
        elements.sub(budget, "period-start", {"iso-date": f"{row['year']}-01-01"})
        elements.sub(budget, "period-end", {"iso-date": f"{row['year']}-12-31"})
        value = elements.sub(budget, "value", currency=row["currency"], **{"value-date": f"{row['year']}-01-01"})
        value.text = elements.amount(row["total"])
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
