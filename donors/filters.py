"""Filters of a donor's project list: only values from the donor's own portfolio are accepted."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grants.models import Contribution, Project, ProjectStatus
from members.models import Organisation

from .selectors import donor_project_choices


class DonorProjectFilter(django_filters.FilterSet):
    """Choices are limited to the donor's data: naming another donor's contribution, or a window none of its
    projects is in, is an invalid choice. The windows, facilities, themes and countries offered are kept
    (`donor_project_choices`)."""

    q = django_filters.CharFilter(method="search", label=_("Search"))
    window = django_filters.ChoiceFilter(field_name="facility__window", label=_("Window"), empty_label=_("All"))
    facility = django_filters.ChoiceFilter(label=_("Facility"), empty_label=_("All"))
    theme = django_filters.ChoiceFilter(field_name="themes", method="having", label=_("Theme"), empty_label=_("All"))
    country = django_filters.ChoiceFilter(
        field_name="countries__country", method="having", label=_("Country"), empty_label=_("All")
    )
    status = django_filters.ChoiceFilter(choices=ProjectStatus.choices, label=_("Status"), empty_label=_("All"))
    contribution = django_filters.ModelChoiceFilter(
        field_name="allocations__contribution",
        method="having",
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
        choices = donor_project_choices(donor)
        for name, offered in [
            ("window", choices.windows),
            ("facility", choices.facilities),
            ("theme", choices.themes),
            ("country", choices.countries),
        ]:
            self.filters[name].extra["choices"] = offered
        self.filters["contribution"].queryset = Contribution.objects.filter(donor=donor).order_by("reference")

    def search(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(title__icontains=value))

    def having(self, queryset, name, value):
        """Projects with `value` among a many-valued relation's (`name`: their themes, say), asked of a subquery:
        joined, the relation would repeat a project, and a DISTINCT list must be sorted in full for its page."""
        return queryset.filter(pk__in=Project.objects.filter(**{name: value}).values("pk"))
