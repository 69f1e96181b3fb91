"""Filters of the funding side's API lists (django-filter).

Filters across several rows of a project (its countries, themes, funders) select project ids in
a subquery, so a project matches once however many of its rows do, without DISTINCT.
"""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from rest_framework.filters import SearchFilter

from common.api import IdFilter, date_range
from common.money import legal_tender_currencies
from members.models import Organisation

from .models import (
    Allocation,
    Application,
    ApplicationStatus,
    Call,
    Contribution,
    ContributionStatus,
    Facility,
    FundingWindow,
    Project,
    ProjectCountry,
    ProjectStatus,
    Theme,
    Transaction,
    TransactionKind,
)
from .selectors import visible_projects
from .selectors.ledger_search import transactions_matching
from .selectors.search import projects_matching, public_search_choices


def _country_choices():
    return list(countries)


def _currency_choices():
    return [(code, code) for code in sorted(legal_tender_currencies())]


def _donors(request):
    """Organisations with a contribution (django-filter passes the request; every caller sees the same)."""
    return Organisation.objects.filter(pk__in=Contribution.objects.values("donor_id"))


def _funded_by(donor: Organisation):
    return Allocation.objects.filter(contribution__donor=donor).values("project_id")


class FacilityFilter(django_filters.FilterSet):
    window = django_filters.ModelChoiceFilter(queryset=FundingWindow.objects.all(), help_text="Id of a window.")

    class Meta:
        model = Facility
        fields = ["window", "is_competitive"]


class ApplicationFilter(django_filters.FilterSet):
    call = IdFilter(field_name="call_id", help_text="Id of a call.")
    organisation = IdFilter(field_name="organisation_id", help_text="Id of an organisation.")
    status = django_filters.MultipleChoiceFilter(choices=ApplicationStatus.choices, help_text="One or more statuses.")
    submitted_after, submitted_before = date_range("submitted_at__date", "Submitted")

    class Meta:
        model = Application
        fields = ["call", "organisation", "status", "submitted_after", "submitted_before"]


class CallFilter(django_filters.FilterSet):
    facility = django_filters.ModelChoiceFilter(queryset=Facility.objects.all(), help_text="Id of a facility.")
    window = django_filters.ModelChoiceFilter(
        queryset=FundingWindow.objects.all(), field_name="facility__window", help_text="Id of a window."
    )
    theme = django_filters.ModelChoiceFilter(
        queryset=Theme.objects.all(), field_name="themes", method="filter_theme", help_text="Id of a theme."
    )
    is_open = django_filters.BooleanFilter(method="filter_open", help_text="Open for applications now.")
    closes_after, closes_before = date_range("closes_at__date", "Closes")

    class Meta:
        model = Call
        fields = ["facility", "window", "theme", "is_open", "closes_after", "closes_before"]

    def filter_theme(self, queryset, name, value):
        return queryset.filter(pk__in=Call.themes.through.objects.filter(theme=value).values("call_id"))

    def filter_open(self, queryset, name, value):
        now = timezone.now()
        is_open = Q(is_published=True, opens_at__lte=now, closes_at__gt=now)
        return queryset.filter(is_open) if value else queryset.exclude(is_open)


class ProjectFilter(django_filters.FilterSet):
    country = django_filters.ChoiceFilter(
        choices=_country_choices,
        field_name="countries__country",
        method="filter_country",
        help_text="ISO 3166-1 alpha-2 code of a recipient country.",
    )
    theme = django_filters.ModelChoiceFilter(
        queryset=Theme.objects.all(), field_name="themes", method="filter_theme", help_text="Id of a theme."
    )
    window = django_filters.ModelChoiceFilter(
        queryset=FundingWindow.objects.all(), field_name="facility__window", help_text="Id of a window."
    )
    facility = django_filters.ModelChoiceFilter(queryset=Facility.objects.all(), help_text="Id of a facility.")
    status = django_filters.ChoiceFilter(choices=ProjectStatus.choices, help_text="IATI activity status code.")
    donor = django_filters.ModelChoiceFilter(
        queryset=_donors,
        field_name="allocations__contribution__donor",
        method="filter_donor",
        help_text="Id of a donor: projects its contributions fund.",
    )
    start_after, start_before = date_range("start_date", "Starts")
    end_after, end_before = date_range("end_date", "Ends")

    class Meta:
        model = Project
        fields = [
            "country",
            "theme",
            "window",
            "facility",
            "status",
            "donor",
            "start_after",
            "start_before",
            "end_after",
            "end_before",
        ]

    def filter_country(self, queryset, name, value):
        return queryset.filter(pk__in=ProjectCountry.objects.filter(country=value).values("project_id"))

    def filter_theme(self, queryset, name, value):
        return queryset.filter(pk__in=Project.themes.through.objects.filter(theme=value).values("project_id"))

    def filter_donor(self, queryset, name, value):
        return queryset.filter(pk__in=_funded_by(value))


class ContributionFilter(django_filters.FilterSet):
    donor = django_filters.ModelChoiceFilter(queryset=_donors, help_text="Id of the donor.")
    currency = django_filters.ChoiceFilter(choices=_currency_choices, help_text="ISO 4217 code.")
    status = django_filters.ChoiceFilter(choices=ContributionStatus.choices)
    start_after, start_before = date_range("start_date", "Starts")
    end_after, end_before = date_range("end_date", "Ends")

    class Meta:
        model = Contribution
        fields = ["donor", "currency", "status", "start_after", "start_before", "end_after", "end_before"]


class TransactionFilter(django_filters.FilterSet):
    project = django_filters.ModelChoiceFilter(
        queryset=lambda request: _visible_projects(request), help_text="Id of a project you may see."
    )
    kind = django_filters.ChoiceFilter(choices=TransactionKind.choices, help_text="IATI transaction type code.")
    currency = django_filters.ChoiceFilter(choices=_currency_choices, help_text="ISO 4217 code.")
    donor = django_filters.ModelChoiceFilter(
        queryset=_donors,
        field_name="contribution__donor",
        method="filter_donor",
        help_text="Id of a donor: its payments in, and the transactions of the projects it funds.",
    )
    date_after, date_before = date_range("value_date", "Value date")

    class Meta:
        model = Transaction
        fields = ["project", "kind", "currency", "donor", "date_after", "date_before"]

    def filter_donor(self, queryset, name, value):
        return queryset.filter(Q(contribution__donor=value) | Q(project_id__in=_funded_by(value)))


class LedgerSearchFilter(SearchFilter):
    """The API's `search` of the ledger, by the admin's rule (`transactions_matching`)."""

    def filter_queryset(self, request, queryset, view):
        words = self.get_search_terms(request)
        return transactions_matching(queryset, words) if words else queryset


def _visible_projects(request):
    # A project the caller may not see is refused like one that does not exist.
    return visible_projects(request.user) if request is not None else Project.objects.none()


class PublicProjectFilter(django_filters.FilterSet):
    """The public project list's search and filters (the page's form): each value a visitor can pick is one of
    the published portfolio's, and a value that is not (an unknown window, the year "abc") is a form error."""

    q = django_filters.CharFilter(
        method="search",
        label=_("Search"),
        max_length=200,
        widget=forms.SearchInput,
        help_text=_("Words from a title or summary, a city or a partner's name."),
    )
    window = django_filters.ModelChoiceFilter(
        queryset=FundingWindow.objects.all(), method="filter_window", label=_("Window"), empty_label=_("All")
    )
    facility = django_filters.ModelChoiceFilter(
        queryset=Facility.objects.all(), label=_("Facility"), empty_label=_("All")
    )
    theme = django_filters.ModelChoiceFilter(
        queryset=Theme.objects.all(), method="filter_theme", label=_("Theme"), empty_label=_("All")
    )
    country = django_filters.ChoiceFilter(
        choices=lambda: public_search_choices().countries,
        method="filter_country",
        label=_("Country"),
        empty_label=_("All"),
    )
    status = django_filters.ChoiceFilter(choices=ProjectStatus.choices, label=_("Status"), empty_label=_("All"))
    year = django_filters.ChoiceFilter(
        choices=lambda: [(str(year), year) for year in public_search_choices().years],
        method="filter_year",
        label=_("Year"),
        empty_label=_("Any"),
        help_text=_("Projects under way at some time in that year."),
    )

    class Meta:
        model = Project
        fields = ["q", "window", "facility", "theme", "country", "status", "year"]

    def search(self, queryset, name, value):
        return projects_matching(queryset, value)

    def filter_window(self, queryset, name, value):
        # By the window's facilities (a handful), so the list's keys come from the project table's index alone.
        return queryset.filter(facility__in=Facility.objects.filter(window=value).values("pk"))

    def filter_theme(self, queryset, name, value):
        return queryset.filter(pk__in=Project.themes.through.objects.filter(theme=value).values("project_id"))

    def filter_country(self, queryset, name, value):
        return queryset.filter(pk__in=ProjectCountry.objects.filter(country=value).values("project_id"))

    def filter_year(self, queryset, name, value):
        year = int(value)  # one of the choices
        return queryset.filter(start_date__lte=dt.date(year, 12, 31), end_date__gte=dt.date(year, 1, 1))

    def described(self) -> list[str]:
        """What the list is narrowed to, in the visitor's words: the search text, then each valid filter's value."""
        data = getattr(self.form, "cleaned_data", {})
        words = {
            "q": lambda text: f"“{text}”",
            "country": countries.name,
            "status": lambda code: ProjectStatus(int(code)).label,
        }
        return [str(words.get(name, str)(data[name])) for name in self.form.fields if data.get(name) not in (None, "")]
