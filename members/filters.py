"""Filters of the members' API lists (django-filter)."""

from __future__ import annotations

import django_filters
from django_countries import countries

from .models import Constituency, Membership, Organisation, OrganisationKind


class OrganisationFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=OrganisationKind.choices, help_text="Kind of organisation.")
    country = django_filters.ChoiceFilter(
        choices=lambda: list(countries), help_text="ISO 3166-1 alpha-2 code of the organisation's country."
    )
    constituency = django_filters.ModelChoiceFilter(
        queryset=Constituency.objects.all(),
        field_name="memberships__constituency",
        method="filter_constituency",
        help_text="Id of a constituency: organisations that are or were members in it.",
    )

    class Meta:
        model = Organisation
        fields = ["kind", "country", "constituency"]

    def filter_constituency(self, queryset, name, value):
        return queryset.filter(pk__in=Membership.objects.filter(constituency=value).values("organisation_id"))
