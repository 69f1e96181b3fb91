"""Reading the API: what anyone sees, what a token adds, filters, paging, errors and throttling."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from rest_framework.authtoken.models import Token

from common.api import exception_handler
from common.errors import DomainError
from grants.models import TransactionKind
from tests.factories import (
    AllocationFactory,
    CallFactory,
    CityFactory,
    ContributionFactory,
    FacilityFactory,
    FundingWindowFactory,
    GrantAgreementFactory,
    IndicatorFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnerUserFactory,
    PortfolioTargetFactory,
    ProjectCountryFactory,
    ProjectFactory,
    ProjectPartnerFactory,
    StaffFactory,
    ThemeFactory,
)
from tests.test_settings import run_python

pytestmark = pytest.mark.django_db

API = "/api/v1"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


# What anyone reads


def test_anyone_lists_the_public_projects_and_never_a_private_one(api, portfolio):
    response = api.get(f"{API}/projects/")

    assert codes(response) == ["CP-UGA", "IF-GHA"]
    assert api.get(f"{API}/projects/{portfolio['hidden'].pk}/").status_code == 404


def test_a_project_shows_where_it_works_with_whom_and_its_money_as_decimal_strings(api, portfolio):
    project = api.get(f"{API}/projects/{portfolio['uganda'].pk}/").json()

    assert project["status"] == 2 and project["status_name"] == "Implementation"
    assert project["window"]["code"] == "country-city"
    assert project["facility"]["code"] == "country-programmes"
    assert [theme["code"] for theme in project["themes"]] == ["gender"]
    assert project["countries"] == [{"code": "UG", "name": "Uganda", "percentage": "100.00"}]
    assert [city["name"] for city in project["cities"]] == ["Jinja"]
    assert (project["cities"][0]["latitude"], project["cities"][0]["longitude"]) == (None, None)  # not located yet
    assert project["partners"][0]["organisation"]["name"] == "Jinja Municipal Council"
    assert (project["currency"], project["approved_budget"]) == ("USD", "250000.00")
    assert (project["committed"], project["disbursed"]) == ("100000.00", "40000.00")
    assert project["web_url"].endswith("/projects/CP-UGA/")


def test_the_names_of_statuses_and_roles_are_those_of_the_records_in_the_language_asked_for(api, portfolio):
    project = portfolio["uganda"]
    partner = project.partners.get()
    labels = {}
    for language in ["fr", "en", "fr"]:
        listed = api.get(f"{API}/projects/", HTTP_ACCEPT_LANGUAGE=language).json()["results"]
        (shown,) = [row for row in listed if row["id"] == project.pk]
        with translation.override(language):
            expected = (project.get_status_display(), partner.get_role_display())
        assert (shown["status_name"], shown["partners"][0]["role_name"]) == expected
        labels[language] = expected

    assert labels["fr"] != labels["en"] and labels["en"][0] == "Implementation"


def test_anyone_lists_members_donors_and_partners_with_public_fields_only(api, portfolio):
    response = api.get(f"{API}/organisations/")

    names = [row["name"] for row in response.json()["results"]]
    assert "Ministry of Lands" in names and "Jinja Municipal Council" in names and "SECO" not in names
    assert "State Secretariat for Economic Affairs" in names
    assert "Registered only" not in names
    member = next(row for row in response.json()["results"] if row["name"] == "Ministry of Lands")
    assert member["memberships"] == [
        {"constituency": "governments", "kind": "full", "since": "2015-01-01", "until": None}
    ]
    assert "registration_number" not in member and "is_demo" not in member
    assert api.get(f"{API}/organisations/{portfolio['stranger'].pk}/").status_code == 404


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        ("windows", ["country-city", "global"]),
        ("facilities", ["country-programmes", "innovation"]),
        ("themes", ["gender"]),
        ("constituencies", ["governments"]),
    ],
)
def test_anyone_reads_the_catalogue(api, portfolio, endpoint, expected):
    response = api.get(f"{API}/{endpoint}/")

    assert sorted(codes(response)) == expected


def test_anyone_reads_published_calls_only(api, portfolio):
    open_call = CallFactory(reference="innovation-2026", themes=[portfolio["gender"]])
    draft_call = CallFactory(reference="draft-call", is_published=False)

    response = api.get(f"{API}/calls/")

    assert ids(response) == [open_call.pk]
    call = response.json()["results"][0]
    assert (call["is_open"], call["currency"], call["ceiling"]) == (True, "USD", "100000.00")
    assert [theme["code"] for theme in call["themes"]] == ["gender"]
    assert api.get(f"{API}/calls/{draft_call.pk}/").status_code == 404


def test_contributions_show_a_public_summary_and_no_cancelled_agreement(api, portfolio):
    response = api.get(f"{API}/contributions/")

    rows = response.json()["results"]
    assert [row["reference"] for row in rows] == ["FCDO-1", "SECO-1"]
    seco = rows[1]
    assert seco == {
        "id": portfolio["seco_phase"].pk,
        "donor": {"id": portfolio["seco"].pk, "name": "State Secretariat for Economic Affairs", "short_name": "SECO"},
        "reference": "SECO-1",
        "title": portfolio["seco_phase"].title,
        "amount": "4820000.00",
        "currency": "CHF",
        "start_date": "2013-10-01",
        "end_date": "2017-12-31",
        "status": "active",
    }
    assert api.get(f"{API}/contributions/{portfolio['cancelled'].pk}/").status_code == 404


def test_transactions_are_those_of_public_projects(api, portfolio):
    response = api.get(f"{API}/transactions/")

    rows = response.json()["results"]
    assert {row["project"]["code"] for row in rows} == {"CP-UGA", "IF-GHA"}
    disbursement = next(row for row in rows if row["kind"] == TransactionKind.DISBURSEMENT)
    assert (disbursement["amount"], disbursement["currency"], disbursement["value_date"]) == (
        "40000.00",
        "USD",
        "2016-03-01",
    )
    hidden = portfolio["hidden"].transactions.get()
    assert api.get(f"{API}/transactions/{hidden.pk}/").status_code == 404


def test_indicators_come_with_their_portfolio_targets(api, db):
    indicator = IndicatorFactory(code="1.1", name="Cities with pro-poor strategies", cities=True)
    PortfolioTargetFactory(indicator=indicator, year=2022, value=Decimal("43"))

    response = api.get(f"{API}/indicators/")

    [row] = response.json()["results"]
    assert (row["code"], row["aggregation"], row["unit"]) == ("1.1", "cities", "count")
    assert row["targets"] == [{"year": 2022, "value": "43.00", "source": ""}]


def test_project_results_show_targets_and_approved_actuals_only(api, portfolio, uganda_results):

    response = api.get(f"{API}/projects/{portfolio['uganda'].pk}/results/")

    assert response.status_code == 200
    [result] = response.json()["results"]
    [indicator] = result["indicators"]
    assert indicator["name"] == "People reached"
    assert [(p["target"], p["actual"]) for p in indicator["periods"]] == [("100.00", "120.00"), ("200.00", None)]
    assert (indicator["target"], indicator["achieved"], indicator["percent"]) == ("300.00", "120.00", 40)
    assert api.get(f"{API}/projects/{portfolio['hidden'].pk}/results/").status_code == 404


def test_portfolio_progress_counts_approved_values_of_the_scope(api, portfolio, uganda_results):
    people = uganda_results
    PortfolioTargetFactory(indicator=people.indicator, year=2030, value=Decimal("1000"))

    whole = api.get(f"{API}/portfolio-progress/").json()
    in_ghana = api.get(f"{API}/portfolio-progress/", {"country": "GH"}).json()

    [progress] = whole["outcomes"][0]["indicators"]
    assert (progress["achieved"], progress["percent"], progress["target"]["value"]) == ("120.00", 12, "1000.00")
    assert progress["trend"] == [{"year": 2015, "in_year": "120.00", "to_date": "120.00"}]
    assert in_ghana["outcomes"][0]["indicators"][0]["achieved"] == "0.00"


def test_a_wrong_scope_is_refused_with_the_field_at_fault(api, portfolio):
    response = api.get(f"{API}/portfolio-progress/", {"window": "999999", "country": "XX"})

    assert response.status_code == 400
    error = response.json()["error"]
    assert set(error["fields"]) == {"window", "country"}
    assert error["code"] == "invalid" and "window" in error["message"]


# Filters, search and ordering


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"country": "GH"}, ["IF-GHA"]),
        ({"country": "UG"}, ["CP-UGA"]),
        ({"status": "2"}, ["CP-UGA", "IF-GHA"]),
        ({"start_after": "2019-01-01"}, ["IF-GHA"]),
        ({"start_before": "2016-12-31", "end_after": "2018-01-01"}, ["CP-UGA"]),
        ({"search": "accra"}, ["IF-GHA"]),
        ({"search": "CP-"}, ["CP-UGA"]),
        ({"ordering": "-start_date"}, ["IF-GHA", "CP-UGA"]),
        ({"ordering": "start_date"}, ["CP-UGA", "IF-GHA"]),
    ],
)
def test_projects_filter_search_and_order(api, portfolio, params, expected):
    assert codes(api.get(f"{API}/projects/", params)) == expected


def test_projects_filter_by_window_facility_theme_and_donor(api, portfolio):
    def filtered(**params):
        return codes(api.get(f"{API}/projects/", params))

    assert filtered(window=portfolio["global_window"].pk) == ["IF-GHA"]
    assert filtered(facility=portfolio["programmes"].pk) == ["CP-UGA"]
    assert filtered(theme=portfolio["gender"].pk) == ["CP-UGA"]
    assert filtered(donor=portfolio["seco"].pk) == ["CP-UGA"]  # SECO also funds the private project
    assert filtered(donor=portfolio["fcdo"].pk) == ["IF-GHA"]


def test_contributions_filter_by_donor_currency_and_dates(api, portfolio):
    def references(**params):
        return [row["reference"] for row in api.get(f"{API}/contributions/", params).json()["results"]]

    assert references(donor=portfolio["fcdo"].pk) == ["FCDO-1"]
    assert references(currency="CHF") == ["SECO-1"]
    assert references(start_before="2015-01-01") == ["SECO-1"]
    assert references(end_after="2020-01-01", ordering="amount") == ["FCDO-1"]


def test_transactions_filter_by_project_kind_date_and_donor(api, portfolio):
    def kinds(**params):
        rows = api.get(f"{API}/transactions/", params).json()["results"]
        return sorted((row["project"]["code"], row["kind"]) for row in rows)

    uganda = portfolio["uganda"].pk
    assert kinds(project=uganda) == [("CP-UGA", 2), ("CP-UGA", 3)]
    assert kinds(kind=TransactionKind.DISBURSEMENT) == [("CP-UGA", 3)]
    assert kinds(date_after="2016-01-01", date_before="2016-12-31") == [("CP-UGA", 3)]
    assert kinds(donor=portfolio["fcdo"].pk) == [("IF-GHA", 2)]
    assert kinds(currency="EUR") == []


def test_a_private_project_cannot_be_used_as_a_transaction_filter(api, portfolio):
    response = api.get(f"{API}/transactions/", {"project": portfolio["hidden"].pk})

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["project"]


# Paging and queries


def test_pages_follow_the_cursor_without_counting_the_table(api, db):
    made = sorted(ProjectFactory().code for _ in range(5))
    seen, url, links = [], f"{API}/projects/?page_size=2", 0
    with CaptureQueriesContext(connection) as queries:
        while url:
            page = api.get(url).json()
            assert set(page) == {"next", "previous", "results"}
            seen += [row["code"] for row in page["results"]]
            url = page["next"]
            links += bool(url)

    assert seen == made
    assert links == 2
    assert not [query for query in queries if "COUNT(" in query["sql"].upper()]


def test_page_size_is_capped(api, db):
    ProjectFactory.create_batch(3)

    response = api.get(f"{API}/projects/", {"page_size": "100000"})

    assert len(response.json()["results"]) == 3


def test_a_forged_cursor_answers_404(api, db):
    ProjectFactory()
    # "p=not-a-date" in base64: a position the date column cannot compare.
    response = api.get(f"{API}/projects/", {"cursor": "cD1ub3QtYS1kYXRl", "ordering": "start_date"})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("path", ["/api/v1/projects/0.5/", "/api/v1/nothing-here/", "/api/v1/projects/1/2/3/"])
def test_an_address_the_api_does_not_know_answers_a_json_404(api, db, path):
    response = api.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["message"].startswith("There is nothing at this address")


def test_an_api_address_without_its_slash_is_redirected_to_it(api, db):
    response = api.get("/api/v1/projects")

    assert response.status_code == 301 and response["Location"] == "/api/v1/projects/"


def _grow(start: int, count: int) -> None:
    """`count` more rows behind every list endpoint, each with the related rows its list shows."""
    for n in range(start, start + count):
        window = FundingWindowFactory(code=f"window-{n}", name=f"Window {n}")
        facility = FacilityFactory(window=window, code=f"facility-{n}", name=f"Facility {n}", is_competitive=True)
        theme = ThemeFactory()
        donor = OrganisationFactory()
        MembershipFactory(organisation=donor)
        contribution = ContributionFactory(donor=donor)
        project = ProjectFactory(facility=facility)
        project.themes.add(theme)
        project.cities.add(CityFactory())
        ProjectCountryFactory(project=project)
        ProjectPartnerFactory(project=project)
        AllocationFactory(contribution=contribution, project=project)
        GrantAgreementFactory(project=project)
        CallFactory(facility=facility, themes=[theme])
        PortfolioTargetFactory(indicator=IndicatorFactory())


LISTS = [
    "organisations",
    "constituencies",
    "windows",
    "facilities",
    "themes",
    "calls",
    "projects",
    "contributions",
    "transactions",
    "indicators",
]


def _queries(api, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url)
    assert response.status_code == 200, response.content
    return len(queries)


def test_every_list_takes_as_many_queries_for_thirty_rows_as_for_three(api, db):
    _grow(0, 3)
    few = {endpoint: _queries(api, f"{API}/{endpoint}/") for endpoint in LISTS}
    _grow(3, 27)
    many = {endpoint: _queries(api, f"{API}/{endpoint}/") for endpoint in LISTS}
    rows = {endpoint: len(api.get(f"{API}/{endpoint}/").json()["results"]) for endpoint in LISTS}

    assert many == few
    assert all(count >= 30 for count in rows.values()), rows


def test_project_results_and_progress_take_a_fixed_number_of_queries(
    api, portfolio, uganda_results, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        assert api.get(f"{API}/projects/{portfolio['uganda'].pk}/results/").status_code == 200
    with django_assert_max_num_queries(8):
        assert api.get(f"{API}/portfolio-progress/", {"country": "UG"}).status_code == 200


# Authentication


def test_a_staff_token_reads_private_projects(api, portfolio):
    token = Token.objects.create(user=StaffFactory())
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    assert codes(api.get(f"{API}/projects/")) == ["CP-UGA", "IF-GHA", "SECRET"]
    assert api.get(f"{API}/projects/{portfolio['hidden'].pk}/").status_code == 200


def test_a_partner_reads_its_own_private_project_and_no_one_elses(api, portfolio):
    other = ProjectFactory(code="OTHER-SECRET", is_public=False)
    partner = PartnerUserFactory(organisation=portfolio["stranger"])
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=partner).key}")

    assert codes(api.get(f"{API}/projects/")) == ["CP-UGA", "IF-GHA", "SECRET"]
    assert api.get(f"{API}/projects/{other.pk}/").status_code == 404
    assert api.get(f"{API}/projects/{portfolio['hidden'].pk}/results/").status_code == 200


def test_the_session_works_beside_the_token(api, portfolio):
    api.force_login(StaffFactory())

    assert api.get(f"{API}/projects/{portfolio['hidden'].pk}/").status_code == 200


def test_a_wrong_token_is_refused_with_a_json_error(api, db):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = api.get(f"{API}/projects/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"error": {"code": "authentication_failed", "message": "Invalid token.", "fields": {}}}


# Errors


def test_a_bad_filter_value_names_the_field(api, db):
    response = api.get(f"{API}/projects/", {"start_after": "next tuesday", "window": "abc"})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"start_after", "window"}
    assert all(isinstance(message, str) for messages in error["fields"].values() for message in messages)
    assert error["message"].startswith("Invalid input: ")


def test_an_unknown_id_answers_404_in_the_json_shape(api, db):
    response = api.get(f"{API}/projects/999999/")

    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}


def test_a_domain_error_becomes_a_400_on_its_field():
    response = exception_handler(DomainError("CHF 10.00 left to allocate.", field="amount"), {})

    assert response.status_code == 400
    assert response.data == {
        "error": {
            "code": "invalid",
            "message": "Invalid input: amount: CHF 10.00 left to allocate.",
            "fields": {"amount": ["CHF 10.00 left to allocate."]},
        }
    }


def test_a_domain_error_without_a_field_keeps_its_message():
    response = exception_handler(DomainError("The period is closed."), {})

    assert response.data["error"]["message"] == "Invalid input: The period is closed."
    assert response.data["error"]["fields"] == {}


def test_too_many_requests_are_throttled_with_a_json_error(api, settings, db):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "2/min", "user": "3/min"}}

    statuses = [api.get(f"{API}/themes/").status_code for _ in range(3)]
    throttled = api.get(f"{API}/themes/")

    assert statuses == [200, 200, 429]
    assert throttled.json()["error"]["code"] == "throttled"
    assert "throttled" in throttled.json()["error"]["message"]
    assert int(throttled["Retry-After"]) > 0
    api.force_authenticate(StaffFactory())
    assert api.get(f"{API}/themes/").status_code == 200  # signed-in users have their own, larger allowance


def test_throttle_rates_come_from_the_environment_and_a_bad_one_stops_the_start():
    rates = "import django; from django.conf import settings; django.setup(); print(settings.API_THROTTLE_RATES)"
    configured = run_python(rates, API_THROTTLE_ANON="5/min", API_THROTTLE_USER="100/hour")
    refused = run_python(rates, API_THROTTLE_ANON="lots")

    assert configured.stdout.strip() == "{'anon': '5/min', 'user': '100/hour', 'token': '10/hour'}"
    assert refused.returncode != 0
    assert "API_THROTTLE_ANON 'lots' is not a rate such as 60/min." in refused.stderr
