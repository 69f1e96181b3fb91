"""The admin's project search finds a project by its code, its title, a partner's name or a city's name, word by
word, once however many of its partners or cities match, and keeps the list free of DISTINCT (so that its
counts and date drill-down read one row per project)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grants.models import Project
from tests.factories import CityFactory, OrganisationFactory, ProjectFactory, ProjectPartnerFactory

pytestmark = pytest.mark.django_db

URL = reverse("admin:grants_project_changelist")


def listed(response) -> list[str]:
    assert response.status_code == 200
    return sorted(project.code for project in response.context["cl"].result_list)


@pytest.fixture
def portfolio():
    kampala = ProjectFactory(code="UGA-1", title="Slum upgrading", start_date=dt.date(2021, 3, 1))
    for name in ("Slum Dwellers International", "Slum Dwellers Federation of Uganda"):
        ProjectPartnerFactory(project=kampala, organisation=OrganisationFactory(name=name))
    kampala.cities.add(CityFactory(name="Kampala"), CityFactory(name="Kampala Capital City"))
    accra = ProjectFactory(code="GHA-2", title="Municipal finance", start_date=dt.date(2020, 5, 1))
    ProjectPartnerFactory(project=accra, organisation=OrganisationFactory(name="Accra Metropolitan Assembly"))
    accra.cities.add(CityFactory(name="Accra"))
    ProjectFactory(
        code="KEN-3", title="Resilient markets", start_date=dt.date(2022, 1, 1), end_date=dt.date(2024, 6, 1)
    )


def test_a_project_is_found_by_its_code_title_partners_and_cities_once(staff_client, portfolio):
    assert listed(staff_client.get(URL, {"q": "dwellers"})) == ["UGA-1"]  # two partners match: listed once
    assert listed(staff_client.get(URL, {"q": "kampala"})) == ["UGA-1"]  # two cities match
    assert listed(staff_client.get(URL, {"q": "accra finance"})) == ["GHA-2"]  # a city's word and a title's
    assert listed(staff_client.get(URL, {"q": "KEN"})) == ["KEN-3"]
    assert listed(staff_client.get(URL, {"q": '"Metropolitan Assembly"'})) == ["GHA-2"]
    assert listed(staff_client.get(URL, {"q": "kampala accra"})) == []  # every word must match
    response = staff_client.get(URL, {"q": "dwellers"})
    assert "1 project" in response.content.decode() or "1 result" in response.content.decode()


def test_a_search_across_partners_reads_no_distinct_and_keeps_the_drill_down(staff_client, portfolio):
    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get(URL, {"q": "slum"})

    assert listed(response) == ["UGA-1"]
    # The drill-down's years may be read DISTINCT; the list's rows, count and totals are not.
    assert not any('DISTINCT "grants_project"."id"' in query["sql"] for query in queries.captured_queries)
    assert any('"grants_project"."code"' in query["sql"] for query in queries.captured_queries)
    page = response.content.decode()
    assert set(re.findall(r'<a href="\?[^"]*start_date__year=(\d+)', page)) == {"2021"}  # the project's year only


def test_a_searched_project_lists_drill_down_is_kept_until_a_project_changes(staff_client, portfolio):
    """Django's own reads of the years (the project list does not walk the index) are kept for the search and
    filters, as the list's count is; a project given another start date shows its year at the next visit."""
    staff_client.get(URL, {"q": "slum"})
    with CaptureQueriesContext(connection) as again:
        staff_client.get(URL, {"q": "slum"})
    sql = [query["sql"] for query in again.captured_queries]  # read now: the next request empties the log
    project = Project.objects.get(code="UGA-1")
    project.start_date = project.start_date.replace(year=2019)
    project.save()

    page = staff_client.get(URL, {"q": "slum"}).content.decode()

    assert sql and not any("datefield" in query or "MIN(" in query for query in sql)
    assert set(re.findall(r'<a href="\?[^"]*start_date__year=(\d+)', page)) == {"2019"}


def test_the_project_list_shows_fifty_projects_a_page(staff_client):
    for number in range(51):
        ProjectFactory(code=f"P-{number:02d}")

    first = staff_client.get(URL, {"o": "1"})
    second = staff_client.get(URL, {"o": "1", "p": "2"})

    assert listed(first) == [f"P-{number:02d}" for number in range(50)]
    assert listed(second) == ["P-50"]
