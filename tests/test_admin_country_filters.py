"""The admin's country filters offer the countries the rows name, each by its name in the user's language and in
the names' order, not the standard's 249; a country named later is offered at once."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import OrganisationFactory, ProjectCountryFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def offered(client, url: str, title: str, **headers) -> list[tuple[str, str]]:
    """The filter's choices as (name, link), "All" first."""
    response = client.get(url, **headers)
    assert response.status_code == 200
    found = re.search(rf'<details data-filter-title="{title}".*?</details>', response.content.decode(), re.S)
    assert found, f"no filter {title!r} on {url}"
    return [(name.strip(), link) for link, name in re.findall(r'<a href="([^"]*)">([^<]*)</a>', found.group(0))]


def test_the_project_list_offers_the_countries_its_projects_name_by_name(staff_client):
    uganda, ghana = ProjectFactory(code="CP-UGA"), ProjectFactory(code="CP-GHA")
    ProjectCountryFactory(project=uganda, country="UG")
    ProjectCountryFactory(project=ghana, country="GH")
    ProjectCountryFactory(project=ProjectFactory(code="CP-CIV"), country="CI")
    url = reverse("admin:grants_project_changelist")

    choices = offered(staff_client, url, "country")
    french = offered(staff_client, url, "pays", HTTP_ACCEPT_LANGUAGE="fr")
    picked = staff_client.get(url + dict(choices)["Ghana"])

    assert [name for name, _link in choices] == ["All", "Côte d&#x27;Ivoire", "Ghana", "Uganda"]
    assert [name for name, _link in french] == ["Tous", "Côte d&#x27;Ivoire", "Ghana", "Ouganda"]
    assert [project.code for project in picked.context["cl"].result_list] == ["CP-GHA"]


def test_a_country_named_later_is_offered_at_once_and_counted_with_facets(staff_client):
    url = reverse("admin:grants_project_changelist")
    ProjectCountryFactory(project=ProjectFactory(), country="UG")
    before = offered(staff_client, url, "country")
    ProjectCountryFactory(project=ProjectFactory(), country="KE")
    ProjectCountryFactory(project=ProjectFactory(), country="KE")

    after = offered(staff_client, url + "?_facets=1", "country")

    assert [name for name, _link in before] == ["All", "Uganda"]
    assert [name for name, _link in after] == ["All", "Kenya (2)", "Uganda (1)"]


def test_the_organisation_list_offers_the_countries_of_its_organisations(staff_client):
    OrganisationFactory(name="Jinja Municipal Council", country="UG")
    OrganisationFactory(name="SECO", country="CH")
    OrganisationFactory(name="UN-Habitat", country="")  # an international body

    choices = offered(staff_client, reverse("admin:members_organisation_changelist"), "country")

    names = [name for name, _link in choices]
    assert names[:2] == ["All", "-"] and dict(choices)["-"] == "?country="  # those without a country
    assert "Switzerland" in names and "Uganda" in names and "Afghanistan" not in names
    assert names[1:] == sorted(names[1:], key=str.casefold)
