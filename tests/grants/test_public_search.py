"""The public project list's search and filters, and its pages, as a visitor sees them."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grants.models import City, ProjectStatus
from tests.factories import (
    CityFactory,
    FacilityFactory,
    FundingWindowFactory,
    ProjectCountryFactory,
    ProjectFactory,
    ProjectPartnerFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("grants:project-list")
ROW_CODE = re.compile(r'<small class="muted">([^ <]+) ·')


def listed(response) -> list[str]:
    """The codes of the projects the page lists, in its order."""
    return ROW_CODE.findall(response.content.decode())


def heading(response) -> str:
    page = response.content.decode()
    return html.unescape(re.search(r"<h1>(.*?)</h1>", page, re.S).group(1)).strip()


def title(response) -> str:
    page = response.content.decode()
    return html.unescape(re.search(r"<title>(.*?)</title>", page, re.S).group(1)).strip()


def search(client, **params):
    return client.get(LIST, params)


def test_a_search_finds_words_of_a_title_or_a_summary_and_nothing_else(client):
    ProjectFactory(code="WATER", title="Water kiosks for informal settlements")
    ProjectFactory(code="PLAN", title="City plan", summary="A participatory budget for sanitation")
    ProjectFactory(code="OTHER", title="Municipal finance")
    ProjectFactory(code="HIDDEN", title="Water and sanitation", is_public=False)

    assert listed(search(client, q="water")) == ["WATER"]
    assert listed(search(client, q="sanitation")) == ["PLAN"]
    assert listed(search(client, q="Water kiosks")) == ["WATER"]
    assert listed(search(client, q="tramways")) == []


def test_a_search_finds_a_project_by_its_cities_and_partners_added_after_it(client):
    project = ProjectFactory(code="CP-UGA", title="Uganda country programme")
    ProjectFactory(code="OTHER")
    project.cities.add(CityFactory(name="Mbale"))
    ProjectPartnerFactory(project=project, organisation__name="Slum Dwellers International")

    assert listed(search(client, q="Mbale")) == ["CP-UGA"]
    assert listed(search(client, q="Dwellers")) == ["CP-UGA"]


def test_a_renamed_city_or_partner_is_found_by_its_new_name_only(client):
    project = ProjectFactory(code="CP-GHA")
    city = CityFactory(name="Old Town", country="GH")
    project.cities.add(city)
    partner = ProjectPartnerFactory(project=project, organisation__name="First Name Trust").organisation

    City.objects.filter(pk=city.pk).update(name="Sekondi")
    partner.name = "People's Dialogue"
    partner.save()

    assert listed(search(client, q="Sekondi")) == ["CP-GHA"]
    assert listed(search(client, q="Dialogue")) == ["CP-GHA"]
    assert listed(search(client, q="Trust")) == []


def test_a_city_or_partner_taken_off_a_project_no_longer_finds_it(client):
    project = ProjectFactory(code="CP-KEN")
    city = CityFactory(name="Kisumu", country="KE")
    project.cities.add(city)
    ProjectPartnerFactory(project=project, organisation__name="Muungano Alliance")
    assert listed(search(client, q="Kisumu")) == ["CP-KEN"]

    project.cities.remove(city)
    project.partners.all().delete()

    assert listed(search(client, q="Kisumu")) == []
    assert listed(search(client, q="Muungano")) == []


def test_the_heading_and_the_title_say_what_the_list_is_narrowed_to(client):
    ProjectCountryFactory(project=ProjectFactory(title="Water kiosks"), country="KE")

    response = search(client, q="water", country="KE", year="2020")

    assert heading(response) == "Projects matching “water”, Kenya, 2020"
    assert title(response).startswith("Projects matching “water”, Kenya, 2020 · ")
    page = response.content.decode()
    assert 'value="water"' in page and '<option value="KE" selected>Kenya</option>' in page
    assert heading(client.get(LIST)) == "Projects"


@pytest.fixture
def spread():
    """Projects that differ in one filtered value each from the first, `MATCH`."""
    global_window = FundingWindowFactory(code="global", name="Global Window")
    innovation = FacilityFactory(code="innovation-fund", name="Innovation Fund", window=global_window)
    catalytic = FacilityFactory(code="catalytic-fund", name="Catalytic Fund", window=global_window)
    country_programmes = FacilityFactory()
    gender, migration = ThemeFactory(name="Gender equality"), ThemeFactory(name="Cities and migration")
    match = ProjectFactory(
        code="MATCH",
        facility=innovation,
        status=ProjectStatus.IMPLEMENTATION,
        start_date=dt.date(2015, 1, 1),
        end_date=dt.date(2017, 6, 30),
    )
    match.themes.add(gender)
    ProjectCountryFactory(project=match, country="KE")
    others = {
        "window": ProjectFactory(code="OTHER-WINDOW", facility=country_programmes),
        "facility": ProjectFactory(code="OTHER-FACILITY", facility=catalytic),
        "status": ProjectFactory(code="OTHER-STATUS", facility=innovation, status=ProjectStatus.CLOSED),
        "year": ProjectFactory(code="OTHER-YEAR", facility=innovation, start_date=dt.date(2018, 1, 1)),
    }
    others["theme"] = ProjectFactory(code="OTHER-THEME", facility=innovation)
    others["theme"].themes.add(migration)
    others["country"] = ProjectFactory(code="OTHER-COUNTRY", facility=innovation)
    ProjectCountryFactory(project=others["country"], country="GH")
    for name, project in others.items():
        if name != "theme":
            project.themes.add(gender)
        if name != "country":
            ProjectCountryFactory(project=project, country="KE")
        if name != "year":
            project.start_date, project.end_date = dt.date(2016, 1, 1), dt.date(2016, 12, 31)
            project.save()
    return {
        "window": global_window.pk,
        "facility": innovation.pk,
        "theme": gender.pk,
        "country": "KE",
        "status": ProjectStatus.IMPLEMENTATION,
        "year": 2016,
    }


@pytest.mark.parametrize("name", ["window", "facility", "theme", "country", "status", "year"])
def test_each_filter_leaves_out_the_projects_that_differ_in_it(client, spread, name):
    # A facility belongs to one window: the project in another window is in another facility too.
    left_out = {name, "facility"} if name == "window" else {name}
    others_set = {key: value for key, value in spread.items() if key not in left_out}
    also = {"OTHER-FACILITY"} if name == "window" else set()

    assert set(listed(search(client, **others_set))) == {"MATCH", f"OTHER-{name.upper()}"} | also
    assert listed(search(client, **spread)) == ["MATCH"]


def test_the_year_filter_keeps_projects_under_way_in_that_year(client):
    ProjectFactory(code="BEFORE", start_date=dt.date(2010, 1, 1), end_date=dt.date(2013, 12, 31))
    ProjectFactory(code="ACROSS", start_date=dt.date(2012, 7, 1), end_date=dt.date(2016, 6, 30))
    ProjectFactory(code="AFTER", start_date=dt.date(2015, 1, 1), end_date=dt.date(2016, 12, 31))

    assert set(listed(search(client, year="2014"))) == {"ACROSS"}
    assert set(listed(search(client, year="2013"))) == {"BEFORE", "ACROSS"}


def test_pages_of_a_filtered_search_keep_the_filter_and_the_search_in_their_links(client):
    for number in range(30):
        ProjectCountryFactory(project=ProjectFactory(code=f"KE-{number:02d}", title=f"Market {number}"), country="KE")
    for number in range(5):
        ProjectCountryFactory(project=ProjectFactory(code=f"GH-{number:02d}", title=f"Market {number}"), country="GH")

    first = search(client, q="market", country="KE", window="")

    assert len(listed(first)) == 25 and all(code.startswith("KE-") for code in listed(first))
    page = first.content.decode()
    assert 'href="?q=market&amp;country=KE&amp;page=2" rel="next"' in page
    assert "Page 1" in page and "Page 1 of" not in page
    second = client.get(f"{LIST}?q=market&country=KE&page=2")
    assert len(listed(second)) == 5 and all(code.startswith("KE-") for code in listed(second))
    assert set(listed(first)).isdisjoint(listed(second))
    assert 'href="?q=market&amp;country=KE&amp;page=1" rel="prev"' in second.content.decode()
    assert 'rel="next"' not in second.content.decode()


def test_a_page_past_the_end_of_a_filtered_list_shows_its_last_page(client):
    for number in range(30):
        ProjectCountryFactory(project=ProjectFactory(code=f"KE-{number:02d}"), country="KE")

    response = client.get(f"{LIST}?country=KE&page=9")

    assert response.status_code == 200 and len(listed(response)) == 5 and "Page 2" in response.content.decode()


def test_the_list_searched_and_filtered_takes_the_same_queries_whatever_the_portfolio_size_and_never_counts(client):
    theme = ThemeFactory(name="Resilience")

    def add(number: int) -> None:
        for index in range(number):
            project = ProjectFactory(title=f"Resilient markets {index}")
            project.themes.add(theme)
            project.cities.add(CityFactory())
            ProjectCountryFactory(project=project, country="KE")
            ProjectPartnerFactory(project=project)

    params = {"q": "markets", "country": "KE", "theme": theme.pk, "status": ProjectStatus.IMPLEMENTATION}
    add(3)
    with CaptureQueriesContext(connection) as small:
        assert len(listed(search(client, **params))) == 3
    add(40)
    with CaptureQueriesContext(connection) as large:
        assert len(listed(search(client, **params))) == 25

    assert len(large) == len(small) <= 12
    assert not [query["sql"] for query in large if "COUNT(" in query["sql"].upper()]


@pytest.mark.parametrize(
    "params, field, message",
    [
        ({"window": "999999"}, "Window", "Select a valid choice. That choice is not one of the available choices."),
        ({"facility": "abc"}, "Facility", "Select a valid choice. That choice is not one of the available choices."),
        ({"year": "abc"}, "Year", "Select a valid choice. abc is not one of the available choices."),
        ({"country": "XX"}, "Country", "Select a valid choice. XX is not one of the available choices."),
        ({"status": "99"}, "Status", "Select a valid choice. 99 is not one of the available choices."),
        ({"q": "x" * 201}, "Search", "Ensure this value has at most 200 characters (it has 201)."),
    ],
)
def test_a_value_the_filters_cannot_use_is_named_with_a_400_and_the_list_leaves_it_out(client, params, field, message):
    ProjectCountryFactory(project=ProjectFactory(code="KE-1"), country="KE")
    ProjectCountryFactory(project=ProjectFactory(code="GH-1"), country="GH")

    unfiltered = client.get(LIST, params)
    narrowed = client.get(LIST, {**params, "country": "GH"} if field != "Country" else params)

    assert unfiltered.status_code == 400
    page = html.unescape(unfiltered.content.decode())
    assert "These values could not be used, and the list leaves them out:" in page
    assert f"{field}</a>: {message}" in page
    assert set(listed(unfiltered)) == {"KE-1", "GH-1"}
    assert heading(unfiltered) == "Projects"
    if field != "Country":
        assert narrowed.status_code == 400 and listed(narrowed) == ["GH-1"]


def test_a_search_of_only_punctuation_or_spaces_answers_without_error(client):
    ProjectFactory(code="ANY")

    assert listed(search(client, q="   ")) == ["ANY"]
    assert search(client, q="\"-' & | ! :*").status_code == 200


@pytest.mark.postgres
def test_french_words_are_found_without_their_accents_and_in_other_forms(client):
    ProjectFactory(code="CIV", title="Développement urbain à Abidjan", summary="Amélioration des quartiers précaires")
    ProjectFactory(code="OTHER", title="Municipal finance")

    assert listed(search(client, q="developpement")) == ["CIV"]
    assert listed(search(client, q="Développements")) == ["CIV"]
    assert listed(search(client, q="quartier precaire")) == ["CIV"]
    assert listed(search(client, q="ameliorations")) == ["CIV"]


@pytest.mark.postgres
def test_a_summary_staff_translated_into_french_is_searched_too(client):
    project = ProjectFactory(code="CIV", title="Abidjan", summary="Upgrading informal settlements")
    ProjectFactory(code="OTHER", title="Municipal finance")
    project.summary_fr = "Amélioration des quartiers précaires"
    project.save()

    assert listed(search(client, q="quartiers precaires")) == ["CIV"]
    assert listed(search(client, q="informal settlement")) == ["CIV"]


@pytest.mark.postgres
def test_english_words_are_found_in_other_forms_and_titles_rank_before_summaries(client):
    ProjectFactory(code="SUMMARY", title="Inclusive cities", summary="Upgrading slums with their residents")
    ProjectFactory(code="TITLE", title="Slum upgrading in Kampala", start_date=dt.date(2010, 1, 1))
    ProjectFactory(code="OTHER", title="Municipal finance")

    response = search(client, q="upgraded slum")

    assert listed(response) == ["TITLE", "SUMMARY"]
    assert "Best matches first." in response.content.decode()


@pytest.mark.postgres
def test_each_search_and_filter_is_read_from_an_index(client, spread):
    """With sequential scans priced out, each filter's keys query is planned on an index, so the projects of a
    real portfolio are not read row by row (which index the search takes at scale: see the README)."""
    from grants.filters import PublicProjectFilter
    from grants.selectors import project_list

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for name, value in {**spread, "q": "water"}.items():
            rows = PublicProjectFilter({name: value}, queryset=project_list()).qs
            sql, params = rows.values_list("pk", flat=True).query.sql_with_params()
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Seq Scan" not in plan, f"{name}:\n{plan}"
