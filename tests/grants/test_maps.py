"""Maps: cities located from the gazetteer, the public map and its table, bubbles sized by committed money.

Every expected figure is worked out by hand from the amounts and rates the test records.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from django.core.management import call_command
from django.urls import reverse

from common.figures import forget_figures
from common.maps import LARGEST_RADIUS, bubble_map, country_point, radius
from common.money import format_money
from grants.models import City, PositionSource
from grants.services import cities_locate, city_position_edited
from tests.factories import (
    CityFactory,
    ExchangeRateFactory,
    FacilityFactory,
    FundingWindowFactory,
    GrantAgreementFactory,
    ProjectCountryFactory,
    ProjectFactory,
    StaffFactory,
)
from tests.svg import unreadable_geometry

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def _report_in_dollars(settings):
    settings.REPORTING_CURRENCY = "USD"


def D(value: str) -> Decimal:
    return Decimal(value)


def usd(amount: str) -> str:
    return format_money(D(amount), "USD", whole=True)


def the_map(page: str) -> ElementTree.Element:
    """The map's SVG, parsed as XML: it fails here if any text in it is not well-formed."""
    found = re.search(r"<svg class=\"map\".*?</svg>", page, re.S)
    assert found, "no map on the page"
    return ElementTree.fromstring(found.group())  # noqa: S314 - the site's own output, parsed to prove it well-formed


def bubbles(svg: ElementTree.Element) -> dict[str, float]:
    """Each bubble's tooltip (its country first) and radius."""
    group = svg.find(f"{SVG}g[@class='map-bubbles']")
    return {circle.find(f"{SVG}title").text.split(":")[0]: float(circle.get("r")) for circle in group}


def table_rows(page: str) -> dict[str, list[str]]:
    """The table beside the map: country -> [cities, projects, committed]."""
    table = re.search(r"<table class=\"table map-table\">.*?</table>", page, re.S).group()
    rows = {}
    for row in re.findall(r"<tr data-country=\"[A-Z]*\">(.*?)</tr>", table, re.S):
        cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        rows[cells[0]] = cells[1:]
    return rows


def a_project(**fields):
    return ProjectFactory(approved_budget=D("1000000.00"), **fields)


def committed(project, amount: str, on: dt.date) -> None:
    GrantAgreementFactory(project=project, amount=D(amount), currency=project.currency, signed_on=on)


@pytest.fixture
def portfolio():
    """Uganda: 300,000 USD over two projects; Ghana: 60% of a CHF 100,000 project (rate 1.10) = 66,000 USD,
    and Kenya the other 40% = 44,000 USD; one USD 20,000 project in no country; one unpublished project."""
    ExchangeRateFactory(currency="CHF", quote_currency="USD", date=dt.date(2018, 1, 1), rate=D("1.10"))
    country_window = FundingWindowFactory(code="country-city", name="Country/City Window")
    global_window = FundingWindowFactory(code="global", name="Global Window")
    country_facility = FacilityFactory(window=country_window)
    global_facility = FacilityFactory(window=global_window, code="joint-work", name="Joint Work Programme")
    jinja = CityFactory(name="Jinja", country="UG", latitude=D("0.43902"), longitude=D("33.20317"))
    kumasi = CityFactory(name="Kumasi", country="GH", latitude=D("6.68848"), longitude=D("-1.62443"))
    uganda_a = a_project(code="P-UG-A", facility=country_facility)
    uganda_b = a_project(code="P-UG-B", facility=global_facility)
    ghana = a_project(code="P-GH", facility=country_facility, currency="CHF")
    nowhere = a_project(code="P-NONE", facility=global_facility)
    hidden = a_project(code="P-HIDDEN", facility=country_facility, is_public=False)
    for project in (uganda_a, uganda_b, hidden):
        ProjectCountryFactory(project=project, country="UG", percentage=D("100"))
    ProjectCountryFactory(project=ghana, country="GH", percentage=D("60"))
    ProjectCountryFactory(project=ghana, country="KE", percentage=D("40"))
    uganda_a.cities.add(jinja)
    uganda_b.cities.add(jinja)
    ghana.cities.add(kumasi)
    committed(uganda_a, "200000.00", dt.date(2019, 2, 1))
    committed(uganda_b, "100000.00", dt.date(2020, 3, 1))
    committed(ghana, "100000.00", dt.date(2019, 6, 1))
    committed(nowhere, "20000.00", dt.date(2020, 1, 1))
    committed(hidden, "999000.00", dt.date(2019, 1, 1))
    forget_figures()


def test_the_public_map_sizes_each_country_by_what_is_committed_there(client, portfolio):
    page = client.get(reverse("grants:map")).content.decode()

    rows = table_rows(page)
    assert rows == {
        "Uganda": ["Jinja", "2", usd("300000")],
        "Ghana": ["Kumasi", "1", usd("66000")],
        "Kenya": ["—", "1", usd("44000")],
        "No recipient country recorded": ["—", "1", usd("20000")],
    }
    assert f'data-figure="map-total">{usd("430000")}<' in page  # 300,000 + 66,000 + 44,000 + 20,000
    radii = bubbles(the_map(page))
    assert radii["Uganda"] == LARGEST_RADIUS
    # Areas in proportion to the money: (r / R)² = amount / largest amount.
    assert (radii["Ghana"] / radii["Uganda"]) ** 2 == pytest.approx(66000 / 300000, rel=1e-3)
    assert (radii["Kenya"] / radii["Uganda"]) ** 2 == pytest.approx(44000 / 300000, rel=1e-3)
    assert "999" not in page  # the unpublished project's money


def test_the_map_is_drawn_with_a_title_a_legend_and_a_tooltip_per_bubble_and_city(client, portfolio):
    svg = the_map(client.get(reverse("grants:map")).content.decode())

    assert svg.get("role") == "img" and svg.get("aria-label") == "Map of committed money by country"
    x, y, width, height = map(float, svg.get("viewBox").split())
    assert 560 <= width < 960  # the part of the world where the money is, Africa here
    for bubble in svg.find(f"{SVG}g[@class='map-bubbles']"):
        cx, cy, r = (float(bubble.get(name)) for name in ("cx", "cy", "r"))
        assert x <= cx - r and cx + r <= x + width and y <= cy - r and cy + r <= y + height
    assert len(svg.find(f"{SVG}g[@class='map-land']")) > 150  # the countries' outlines
    titles = [circle.find(f"{SVG}title").text for circle in svg.find(f"{SVG}g[@class='map-bubbles']")]
    assert titles[0] == f"Uganda: {usd('300000')} committed, 2 projects"  # the largest first, under the others
    cities = [circle.find(f"{SVG}title").text for circle in svg.find(f"{SVG}g[@class='map-cities']")]
    assert sorted(cities) == ["Jinja: 2 projects", "Kumasi: 1 project"]
    legend = [text.text for text in svg.find(f"{SVG}g[@class='map-legend']").iter(f"{SVG}text")]
    assert legend == ["Committed", usd("200000"), usd("50000"), "A city the projects work in"]


def test_a_bubble_sits_on_its_country_and_a_city_dot_on_its_coordinates(client, portfolio):
    svg = the_map(client.get(reverse("grants:map")).content.decode())

    uganda = next(c for c in svg.find(f"{SVG}g[@class='map-bubbles']") if "Uganda" in c.find(f"{SVG}title").text)
    x, y = float(uganda.get("cx")), float(uganda.get("cy"))
    # Uganda lies between 29.5°E and 35°E, 1.5°S and 4.2°N: 960 px for 360°, the top at 84°N.
    assert (29.5 + 180) * 960 / 360 < x < (35 + 180) * 960 / 360
    assert (84 - 4.2) * 960 / 360 < y < (84 + 1.5) * 960 / 360
    jinja = next(c for c in svg.find(f"{SVG}g[@class='map-cities']") if "Jinja" in c.find(f"{SVG}title").text)
    assert float(jinja.get("cx")) == round((33.20317 + 180) * 960 / 360, 1)
    assert float(jinja.get("cy")) == round((84 - 0.43902) * 960 / 360, 1)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?window=country-city", {"Uganda": usd("200000"), "Ghana": usd("66000"), "Kenya": usd("44000")}),
        ("?window=global", {"Uganda": usd("100000")}),
        ("?year=2019", {"Uganda": usd("200000"), "Ghana": usd("66000"), "Kenya": usd("44000")}),
        ("?year=2020", {"Uganda": usd("100000")}),
        ("?window=global&year=2019", {}),
    ],
)
def test_the_map_is_filtered_by_window_and_year(client, portfolio, query, expected):
    page = client.get(reverse("grants:map") + query).content.decode()

    if expected:
        placed = {country: cells[2] for country, cells in table_rows(page).items() if country in bubbles(the_map(page))}
        assert placed == expected
        assert set(bubbles(the_map(page))) == set(expected)
    else:
        assert "Nothing is committed in the window and year chosen." in page
    assert "No recipient country recorded" not in page or "global" in query or "2020" in query


def test_the_filter_offers_the_years_money_was_committed_in_and_keeps_the_choice(client, portfolio):
    page = client.get(reverse("grants:map") + "?year=2020&window=global").content.decode()

    years = re.findall(r'<option value="(\d{4})"', page)
    assert years == ["2020", "2019"]
    assert '<option value="2020" selected>' in page
    assert '<option value="global" selected>' in page


def test_the_public_map_is_offered_in_a_few_currencies_and_keeps_its_filter(client, portfolio):
    """In francs: the dollars at the CHF rate read the other way round (1 / 1.10), the francs as they are."""
    page = client.get(reverse("grants:map"), {"currency": "CHF", "year": "2019"}).content.decode()

    def chf(amount: str) -> str:
        return format_money(D(amount), "CHF", whole=True)

    placed = {country: cells[2] for country, cells in table_rows(page).items()}
    assert placed == {"Uganda": chf("181818.18"), "Ghana": chf("60000"), "Kenya": chf("40000")}  # 200,000 USD
    assert '<input type="hidden" name="currency" value="CHF">' in page  # the filter keeps the currency
    assert 'href="?year=2019&amp;currency=USD"' in page  # and the currency switch keeps the filter


def test_a_map_currency_not_offered_is_refused_in_words(client, portfolio):
    response = client.get(reverse("grants:map"), {"currency": "XYZ"})

    assert response.status_code == 400
    assert "Figures are not offered in “XYZ”" in response.content.decode()
    assert f'data-figure="map-total">{usd("430000")}<' in response.content.decode()  # shown in dollars


@pytest.mark.parametrize("query", ["?year=1999", "?year=soon", "?window=no-such-window"])
def test_a_filter_value_not_offered_is_refused_with_a_message(client, portfolio, query):
    response = client.get(reverse("grants:map") + query)

    assert response.status_code == 400
    page = response.content.decode()
    assert "field-error" in page
    assert '<svg class="map"' not in page


def test_names_users_typed_leave_the_map_well_formed(client, portfolio):
    hostile = ['Ville <script>alert("x")</script> & Co', "O'Brien ]]> <![CDATA[", "Ünïcödé — 北京 &amp; 😀"]
    project = a_project(code="P-HOSTILE")
    ProjectCountryFactory(project=project, country="UG", percentage=D("100"))
    for name in hostile:
        project.cities.add(CityFactory(name=name, country="UG", latitude=D("1"), longitude=D("32")))
    committed(project, "1000.00", dt.date(2019, 5, 1))
    forget_figures()

    page = client.get(reverse("grants:map")).content.decode()

    svg = the_map(page)  # parses: the names are escaped
    cities = {circle.find(f"{SVG}title").text for circle in svg.find(f"{SVG}g[@class='map-cities']")}
    assert {f"{name}: 1 project" for name in hostile} <= cities
    assert "<script>" not in page


def test_the_public_map_takes_the_same_queries_however_many_projects(client, portfolio, django_assert_num_queries):
    def queries() -> int:
        forget_figures()
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("grants:map")).status_code == 200
        return len(captured)

    before = queries()
    for number in range(5):
        project = a_project(code=f"P-MORE-{number}")
        ProjectCountryFactory(project=project, country="TZ", percentage=D("100"))
        project.cities.add(CityFactory(latitude=D("-6"), longitude=D("35")))
        committed(project, "5000.00", dt.date(2019, 7, 1))

    assert queries() == before
    forget_figures()
    with django_assert_num_queries(before):  # the windows and years of the form, the money, the cities
        client.get(reverse("grants:map"))


def test_the_map_is_linked_from_the_public_pages(client, portfolio):
    assert f'href="{reverse("grants:map")}"' in client.get(reverse("home")).content.decode()


def test_money_without_a_rate_is_left_out_rather_than_guessed(client, portfolio):
    project = a_project(code="P-EUR", currency="EUR")
    ProjectCountryFactory(project=project, country="UG", percentage=D("100"))
    committed(project, "50000.00", dt.date(2019, 5, 1))
    forget_figures()

    rows = table_rows(client.get(reverse("grants:map")).content.decode())

    assert rows["Uganda"][2] == usd("300000")


# -- Bubbles


def test_a_bubbles_area_is_proportional_to_its_amount():
    drawing = bubble_map(
        [((100, 100), "A", D("400")), ((200, 100), "B", D("100")), ((300, 100), "C", D("0"))], text=str
    )

    radii = {bubble.label: bubble.r for bubble in drawing.bubbles}
    assert radii == {"A": LARGEST_RADIUS, "B": LARGEST_RADIUS / 2}  # a quarter of the money, a quarter of the area
    assert math.pi * radii["B"] ** 2 * 4 == pytest.approx(math.pi * radii["A"] ** 2)
    assert radius(D("1"), D("1000000")) > 0  # the smallest amount stays visible


def test_a_map_with_nothing_on_it_shows_the_whole_world_and_no_legend():
    drawing = bubble_map([], text=str)

    assert drawing.view_box == "0 0 960 379"
    assert drawing.legend == [] and drawing.dot_legend is None


def test_every_country_of_the_portfolio_has_a_place_on_the_map():
    for code in ("UG", "GH", "VN", "BF", "LR", "MM", "HU", "RS", "FR", "BR"):
        assert country_point(code) is not None, code
    assert country_point("ZZ") is None


# -- Coordinates of cities


def test_a_new_city_is_located_from_the_gazetteer_when_it_is_committed(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        city = City.objects.create(name="Kumasi", country="GH")

    city.refresh_from_db()
    assert (city.latitude, city.longitude) == (D("6.688480"), D("-1.624430"))
    assert city.position_source == PositionSource.GAZETTEER


def test_names_are_matched_without_accents_case_or_their_other_spellings(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        hai_phong = City.objects.create(name="hai phong", country="VN")
        can_tho = City.objects.create(name="Cần Thơ", country="VN")

    hai_phong.refresh_from_db()
    can_tho.refresh_from_db()
    assert round(hai_phong.latitude) == 21 and round(hai_phong.longitude) == 107
    assert round(can_tho.latitude) == 10 and round(can_tho.longitude) == 106


def test_a_city_the_gazetteer_does_not_know_is_marked_and_named_by_the_command(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        City.objects.create(name="Nowhere Special", country="UG")
    city = City.objects.get(name="Nowhere Special")
    assert city.latitude is None and city.position_source == PositionSource.NOT_FOUND

    from io import StringIO

    out = StringIO()
    call_command("locate_cities", stdout=out)
    assert "Not in the gazetteer, to place in the admin: Nowhere Special, Uganda" in out.getvalue()


def test_the_command_locates_cities_written_around_save_and_keeps_coordinates_staff_set():
    City.objects.bulk_create([City(name="Jinja", country="UG"), City(name="Tamale", country="GH")])
    placed = CityFactory(
        name="Arua", country="UG", latitude=D("3.1"), longitude=D("30.9"), position_source=PositionSource.STAFF
    )

    result = cities_locate()

    assert result.located == 2 and result.unknown == []
    assert City.objects.get(name="Tamale").latitude == D("9.400790")  # GeoNames: Tamale, 9.40079 N
    placed.refresh_from_db()
    assert (placed.latitude, placed.longitude) == (D("3.100000"), D("30.900000"))


def test_coordinates_staff_type_are_theirs_and_a_renamed_city_is_looked_up_again():
    city = CityFactory(name="Jinja", latitude=D("0.44"), longitude=D("33.2"), position_source=PositionSource.GAZETTEER)

    city.latitude = D("0.45")
    city_position_edited(city=city, changed=["latitude"])
    assert city.position_source == PositionSource.STAFF

    gazetteer = CityFactory(name="Mbale", latitude=D("1"), longitude=D("34"), position_source=PositionSource.GAZETTEER)
    gazetteer.name = "Mbarara"
    city_position_edited(city=gazetteer, changed=["name"])
    assert gazetteer.latitude is None and gazetteer.position_source == ""


def test_staff_correct_a_citys_coordinates_in_the_admin(client, django_capture_on_commit_callbacks):
    client.force_login(StaffFactory(is_superuser=True))
    city = CityFactory(name="Jinja", country="UG", latitude=D("0.43902"), longitude=D("33.20317"))
    city.position_source = PositionSource.GAZETTEER
    city.save()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:grants_city_change", args=[city.pk]),
            {"name": "Jinja", "country": "UG", "confirmed": "on", "latitude": "0.5", "longitude": "33.1"},
        )

    assert response.status_code == 302
    city.refresh_from_db()
    assert (city.latitude, city.longitude, city.position_source) == (D("0.5"), D("33.1"), PositionSource.STAFF)


def test_coordinates_off_the_earth_are_refused_with_a_message(client):
    client.force_login(StaffFactory(is_superuser=True))
    city = CityFactory(name="Jinja", country="UG")

    response = client.post(
        reverse("admin:grants_city_change", args=[city.pk]),
        {"name": "Jinja", "country": "UG", "confirmed": "on", "latitude": "91", "longitude": ""},
    )

    assert response.status_code == 200
    assert "Give both coordinates" in response.content.decode()
    city.refresh_from_db()
    assert city.latitude is None


def test_the_api_gives_a_project_citys_coordinates(client, portfolio):
    from grants.models import Project

    project = Project.objects.get(code="P-UG-A")

    cities = client.get(f"/api/v1/projects/{project.pk}/").json()["cities"]

    assert [(city["name"], city["latitude"], city["longitude"]) for city in cities] == [("Jinja", 0.43902, 33.20317)]


def test_a_drawn_map_is_kept_until_the_portfolio_changes_and_apart_per_currency_and_filter(client, portfolio):
    from grants import map_pages

    drawn = map_pages.drawn
    calls = []

    def counted(money):
        calls.append(money.currency)
        return drawn(money)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(map_pages, "drawn", counted)
        first = client.get(reverse("grants:map")).content.decode()
        again = client.get(reverse("grants:map")).content.decode()
        assert len(calls) == 1 and table_rows(again) == table_rows(first)  # kept: drawn once

        in_francs = client.get(reverse("grants:map"), {"currency": "CHF"}).content.decode()
        uganda_only = client.get(reverse("grants:map"), {"year": "2020"}).content.decode()
        assert len(calls) == 3
        assert "CHF" in table_rows(in_francs)["Uganda"][2] and set(table_rows(uganda_only)) == {
            "Uganda",
            "No recipient country recorded",
        }

        committed(
            ProjectCountryFactory(project=a_project(code="P-RW"), country="RW").project, "5000.00", dt.date(2020, 2, 1)
        )
        changed = client.get(reverse("grants:map")).content.decode()
        assert len(calls) == 4 and table_rows(changed)["Rwanda"] == ["—", "1", usd("5000")]


def test_the_map_in_french_writes_its_coordinates_as_svg_reads_them(client, portfolio):
    page = client.get(reverse("grants:map"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    english = client.get(reverse("grants:map"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Carte" in page  # the page is in French, which writes 60,5 for 60.5
    assert unreadable_geometry(page) == []
    assert sorted(bubbles(the_map(page)).values()) == sorted(bubbles(the_map(english)).values())
