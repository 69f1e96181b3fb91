"""Results from IATI: indicators of the corporate framework, their baselines, targets and actuals.

An indicator is read only when it names a corporate indicator of this framework (vocabulary 99);
an actual published elsewhere counts as approved and is recorded as an imported report.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _

from grants.models import Project
from results import services
from results.models import (
    VALUE_DIGITS,
    VALUE_PLACES,
    Indicator,
    IndicatorPeriod,
    ProgressReport,
    ProjectIndicator,
    ProjectResult,
    ReportedValue,
    ReportingPeriod,
    ReportStatus,
    ReportTransition,
)

from .. import codes
from . import reading
from .reading import ActivityOutcome

VALUE_RANGE = {"max_digits": VALUE_DIGITS, "places": VALUE_PLACES}


def project_results(project: Project, element, outcome: ActivityOutcome) -> bool:
    changed = False
    for order, result_element in enumerate(element.iterfind("result")):
        indicators = []
        for indicator_element in result_element.iterfind("indicator"):
            reference = indicator_element.find(f"reference[@vocabulary='{codes.OWN_VOCABULARY}']")
            corporate = Indicator.objects.filter(code=reference.get("code")).first() if reference is not None else None
            if corporate is None:
                outcome.notes.append(
                    _("Indicator %(title)r left out: it names no corporate indicator of this framework.")
                    % {"title": reading.text(indicator_element, "title")}
                )
                continue
            indicators.append((indicator_element, corporate))
        if not indicators:
            continue
        title = reading.text(result_element, "title")[:250]
        result, created = ProjectResult.objects.get_or_create(
            project=project,
            title=title,
            defaults={
                "outcome": indicators[0][1].outcome,
                "type": int(result_element.get("type")),
                "description": reading.text(result_element, "description"),
                "order": order,
            },
        )
        changed |= created
        for position, (indicator_element, corporate) in enumerate(indicators):
            changed |= _indicator(project, result, indicator_element, corporate, position)
    return changed


def _indicator(project, result, element, corporate, position) -> bool:
    baseline = element.find("baseline")
    baseline_value = (
        reading.decimal(baseline.get("value"), _("A baseline"), **VALUE_RANGE)
        if baseline is not None and baseline.get("value")
        else None
    )
    baseline_date = None
    if baseline is not None:
        baseline_date = (
            dt.date.fromisoformat(baseline.get("iso-date"))
            if baseline.get("iso-date")
            else dt.date(int(baseline.get("year")), 1, 1)
        )
    project_indicator, changed = ProjectIndicator.objects.get_or_create(
        project=project,
        indicator=corporate,
        defaults={
            "result": result,
            "title": "" if reading.text(element, "title") == corporate.name else reading.text(element, "title")[:250],
            "baseline_value": baseline_value,
            "baseline_date": baseline_date if baseline_value is not None else None,
            "order": position,
        },
    )
    for period_element in element.iterfind("period"):
        start, end = reading.date(period_element, "period-start"), reading.date(period_element, "period-end")
        period = ReportingPeriod.objects.filter(project=project, start_date=start).first()
        if period is None:
            period = services.reporting_period_add(
                project=project, start_date=start, end_date=end, due_date=end + dt.timedelta(days=90)
            )
            changed = True
        row, created = IndicatorPeriod.objects.get_or_create(project_indicator=project_indicator, period=period)
        changed |= created
        target = period_element.find("target")
        target_value = (
            reading.decimal(target.get("value"), _("A target"), **VALUE_RANGE)
            if target is not None and target.get("value")
            else None
        )
        if target_value != row.target_value:
            row.target_value = target_value
            row.save(update_fields=["target_value"])
            changed = True
        actual = period_element.find("actual")
        if (
            actual is not None
            and actual.get("value")
            and not ReportedValue.objects.filter(indicator_period=row).exists()
        ):
            _approved_actual(
                project, period, row, corporate, reading.decimal(actual.get("value"), _("An actual"), **VALUE_RANGE)
            )
            changed = True
    return changed


def _approved_actual(project, period, row, corporate, value: Decimal) -> None:
    """An actual published by another system counts as approved: its report is recorded as imported."""
    report, created = ProgressReport.objects.get_or_create(
        period=period,
        defaults={"project": project, "status": ReportStatus.APPROVED, "narrative": _("Imported from IATI.")},
    )
    if created:
        ReportTransition.objects.create(
            report=report,
            from_status=ReportStatus.DRAFT,
            to_status=ReportStatus.APPROVED,
            comment=_("Imported from IATI."),
        )
    ReportedValue.objects.create(
        report=report,
        indicator_period=row,
        value=value,
        indicator=corporate,
        project=project,
        period_end=period.end_date,
        is_approved=report.status == ReportStatus.APPROVED,
    )
