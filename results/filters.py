"""Filters of the results framework's API lists (django-filter)."""

from __future__ import annotations

import django_filters

from common.api import IdFilter, date_range

from .models import Aggregation, Counted, Indicator, Outcome, ProgressReport, ReportKind, ReportStatus, Unit


class IndicatorFilter(django_filters.FilterSet):
    outcome = django_filters.ModelChoiceFilter(queryset=Outcome.objects.all(), help_text="Id of an outcome.")
    unit = django_filters.ChoiceFilter(choices=Unit.choices)
    counted = django_filters.ChoiceFilter(choices=Counted.choices)
    aggregation = django_filters.ChoiceFilter(choices=Aggregation.choices)

    class Meta:
        model = Indicator
        fields = ["outcome", "unit", "counted", "aggregation"]


class ReportFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id", help_text="Id of a project.")
    status = django_filters.MultipleChoiceFilter(choices=ReportStatus.choices, help_text="One or more statuses.")
    kind = django_filters.ChoiceFilter(
        field_name="period__kind", choices=ReportKind.choices, help_text="Kind of report."
    )
    period_ends_after, period_ends_before = date_range("period__end_date", "Its period ends")

    class Meta:
        model = ProgressReport
        fields = ["project", "status", "kind", "period_ends_after", "period_ends_before"]
