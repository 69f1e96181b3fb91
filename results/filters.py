"""Filters of the results framework's API lists (django-filter)."""

from __future__ import annotations

import django_filters

from .models import Aggregation, Counted, Indicator, Outcome, Unit


class IndicatorFilter(django_filters.FilterSet):
    outcome = django_filters.ModelChoiceFilter(queryset=Outcome.objects.all(), help_text="Id of an outcome.")
    unit = django_filters.ChoiceFilter(choices=Unit.choices)
    counted = django_filters.ChoiceFilter(choices=Counted.choices)
    aggregation = django_filters.ChoiceFilter(choices=Aggregation.choices)

    class Meta:
        model = Indicator
        fields = ["outcome", "unit", "counted", "aggregation"]
