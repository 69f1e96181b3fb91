"""Filters of a donor's project list: only values from the donor's own portfolio are accepted."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from grants.models import Contribution, Facility, FundingWindow, ProjectCountry, ProjectStatus, Theme
from members.models import Organisation


class DonorProjectFilter(django_filters.FilterSet):
    """Choices are limited to the donor's data: naming another donor's contribution is an invalid choice."""

    q = django_filters.CharFilter(method="search", label=_("Search"))
    window = django_filters.ModelChoiceFilter(
        field_name="facility__window", queryset=FundingWindow.objects.none(), label=_("Window"), empty_label=_("All")
    )
    facility = django_filters.ModelChoiceFilter(
        queryset=Facility.objects.none(), label=_("Facility"), empty_label=_("All")
    )
    theme = django_filters.ModelChoiceFilter(
        field_name="themes", queryset=Theme.objects.none(), label=_("Theme"), empty_label=_("All")
    )
    country = django_filters.ChoiceFilter(field_name="countries__country", label=_("Country"), empty_label=_("All"))
    status = django_filters.ChoiceFilter(choices=ProjectStatus.choices, label=_("Status"), empty_label=_("All"))
    contribution = django_filters.ModelChoiceFilter(
        field_name="allocations__contribution",
        queryset=Contribution.objects.none(),
        label=_("Funded by"),
        empty_label=_("Any of your contributions"),
    )
    started_after = django_filters.DateFilter(field_name="start_date", lookup_expr="gte", label=_("Starts on or after"))
    started_before = django_filters.DateFilter(
        field_name="start_date", lookup_expr="lte", label=_("Starts on or before")
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("code", "code"),
            ("title", "title"),
            ("start_date", "start"),
            ("committed_total", "committed"),
            ("disbursed_total", "disbursed"),
        ),
        field_labels={
            "code": _("Code"),
            "title": _("Title"),
            "start_date": _("Start"),
            "committed_total": _("Committed"),
            "disbursed_total": _("Disbursed"),
        },
        label=_("Sort by"),
        empty_label=_("Newest first"),
    )

    def __init__(self, *args, donor: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        projects = self.queryset
        self.filters["window"].queryset = FundingWindow.objects.filter(facilities__projects__in=projects).distinct()
        self.filters["facility"].queryset = Facility.objects.filter(projects__in=projects).distinct()
        self.filters["theme"].queryset = Theme.objects.filter(projects__in=projects).distinct()
        # Without order_by(), the model's ordering (project, percentage) would make DISTINCT repeat a country.
        codes = (
            ProjectCountry.objects.filter(project__in=projects).order_by().values_list("country", flat=True).distinct()
        )
        self.filters["country"].extra["choices"] = sorted(
            ((code, countries.name(code)) for code in codes), key=lambda pair: pair[1]
        )
        self.filters["contribution"].queryset = Contribution.objects.filter(donor=donor).order_by("reference")

    def search(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(title__icontains=value))

    def filter_queryset(self, queryset):
        # Filters that join many-valued relations must not repeat a project.
        return super().filter_queryset(queryset).distinct()
