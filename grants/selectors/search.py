"""The public search of the projects: full text on PostgreSQL, a plain match on SQLite."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connections
from django.db.models import Case, F, IntegerField, Max, Min, Q, QuerySet, Value, When
from django_countries import countries

from common.figures import cached_figures

from ..models import Project, ProjectPartner
from .portfolio import public_country_codes, public_projects

# The text search configurations of migration 0032: French and English, accents removed first.
SEARCH_CONFIGS = ("ca_french", "ca_english")


@dataclass(frozen=True)
class PublicSearchChoices:
    """What the public list's filters offer: the countries and the years of the published projects."""

    countries: list[tuple[str, str]]  # (code, name), by name
    years: list[int]  # newest first


def public_search_choices() -> PublicSearchChoices:
    """Kept with the portfolio's figures (common/figures.py): a published project forgets them."""
    return cached_figures("public-search-choices", _public_search_choices)


def _public_search_choices() -> PublicSearchChoices:
    span = public_projects().aggregate(first=Min("start_date"), last=Max("end_date"))
    years = list(range(span["last"].year, span["first"].year - 1, -1)) if span["first"] else []
    names = sorted(((code, countries.name(code)) for code in public_country_codes()), key=lambda pair: pair[1])
    return PublicSearchChoices(countries=names, years=years)


def projects_matching(projects: QuerySet[Project], text: str) -> QuerySet[Project]:
    """The `projects` whose code, title, summary, cities or partners' names match `text`, best match first.

    On PostgreSQL, the words are looked for in the kept search document (migration 0032), stemmed in French
    or in English and without accents, as a web search box reads them ("quoted phrase", -excluded, or):
    "developpement" finds "Développement", "slum upgrading" finds "upgraded slums". On SQLite, every word must
    appear as typed (case aside) in one of those texts; titles that hold the whole text come first.
    """
    if connections[projects.db].vendor == "postgresql":
        query = SearchQuery(text, config=SEARCH_CONFIGS[0], search_type="websearch")
        for config in SEARCH_CONFIGS[1:]:
            query |= SearchQuery(text, config=config, search_type="websearch")
        return (
            projects.filter(search_document=query)
            .annotate(rank=SearchRank(F("search_document"), query))
            .order_by("-rank", "-start_date", "code")
        )
    for word in text.split():
        partners = ProjectPartner.objects.filter(
            Q(organisation__name__icontains=word) | Q(organisation__short_name__icontains=word)
        )
        projects = projects.filter(
            Q(code__icontains=word)
            | Q(title__icontains=word)
            | Q(summary__icontains=word)
            | Q(pk__in=Project.cities.through.objects.filter(city__name__icontains=word).values("project_id"))
            | Q(pk__in=partners.values("project_id"))
        )
    in_title = Case(When(title__icontains=text, then=Value(1)), default=Value(0), output_field=IntegerField())
    return projects.annotate(rank=in_title).order_by("-rank", "-start_date", "code")
