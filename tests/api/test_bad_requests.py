"""Malformed requests to the API answer 400, 404 or 413 in the API's error shape, never 500, and change nothing;
and whatever fails inside, the answer is JSON: 503 when the database or the cache does not answer, else 500."""

from __future__ import annotations

from unittest import mock

import pytest
import redis
from django.db import OperationalError
from rest_framework.test import APIClient

from grants.models import Contribution, Theme
from tests.factories import StaffFactory
from tests.opendata.test_import import row_counts

API = "/api/v1"
BEYOND_BIGINT = "99999999999999999999"


@pytest.fixture
def api() -> APIClient:
    """A client that gets the answer a real one would, 500 included, instead of the exception."""
    return APIClient(raise_request_exception=False)


@pytest.fixture
def staff_api(api, db) -> APIClient:
    api.force_authenticate(StaffFactory())
    return api


def error(response) -> dict:
    assert response["Content-Type"] == "application/json", response.content[:200]
    return response.json()["error"]


def nul_in(what: str) -> str:
    return f"{what} holds a NUL character (%00), which no address, parameter or field may contain."


# NUL characters


@pytest.mark.parametrize(
    ("url", "what"),
    [
        (f"{API}/projects/%00/", "The address"),
        (f"{API}/projects/%00/results/", "The address"),
        (f"{API}/nowhere%00/", "The address"),
        (f"{API}/projects/?search=%00", "The query parameter “search”"),
        (f"{API}/projects/?theme=%00", "The query parameter “theme”"),
        (f"{API}/projects/?country=U%00", "The query parameter “country”"),
        (f"{API}/projects/?ordering=%00", "The query parameter “ordering”"),
        (f"{API}/projects/?cursor=%00", "The query parameter “cursor”"),
        (f"{API}/transactions/?project=1%00", "The query parameter “project”"),
        (f"{API}/organisations/?search=Jinja%00", "The query parameter “search”"),
    ],
)
def test_a_nul_in_the_address_or_a_query_parameter_answers_400_in_json(api, portfolio, url, what):
    response = api.get(url)

    assert response.status_code == 400
    assert error(response) == {"code": "parse_error", "message": nul_in(what), "fields": {}}


def test_a_nul_in_a_form_encoded_write_answers_400_and_creates_nothing(staff_api, portfolio):
    response = staff_api.post(f"{API}/themes/", {"code": "water", "name": "Water\x00"}, format="multipart")

    assert response.status_code == 400 and error(response)["message"] == nul_in("The form field “name”")
    assert not Theme.objects.filter(code="water").exists()


def test_a_nul_in_a_json_string_is_refused_on_its_field(staff_api, portfolio):
    response = staff_api.post(f"{API}/themes/", {"code": "water", "name": "Water\x00"}, format="json")

    assert response.status_code == 400
    assert error(response)["fields"]["name"][0].startswith("Remove the invisible control character U+0000")
    assert not Theme.objects.filter(code="water").exists()


# JSON bodies

DEEP_ARRAY = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"a":' * 5_000 + "1" + "}" * 5_000


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT, "[" * 33 + "]" * 33], ids=["array", "object", "33"])
def test_json_nested_too_deep_answers_400_and_creates_nothing(staff_api, portfolio, body):
    before = row_counts()

    response = staff_api.post(f"{API}/themes/", body, content_type="application/json")

    assert response.status_code == 400
    assert error(response) == {
        "code": "parse_error",
        "message": "JSON parse error - lists and objects nest more than 32 levels deep.",
        "fields": {},
    }
    assert row_counts() == before


def test_json_nested_within_the_limit_reaches_the_serializer(staff_api, portfolio):
    response = staff_api.post(f"{API}/themes/", "[" * 32 + "]" * 32, content_type="application/json")

    assert response.status_code == 400 and error(response)["code"] == "invalid"


def test_a_json_body_over_the_form_data_limit_answers_413(staff_api, portfolio, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000

    response = staff_api.post(f"{API}/themes/", {"code": "water", "name": "x" * 2_000}, format="json")

    assert response.status_code == 413
    assert error(response) == {
        "code": "too_large",
        "message": "Form data and JSON bodies may be up to 1,000 bytes; this request's are larger.",
        "fields": {},
    }
    assert not Theme.objects.filter(code="water").exists()


def test_a_request_larger_than_any_form_takes_answers_413_in_json(staff_api, portfolio, settings):
    settings.REQUEST_MAX_BYTES = 1_000_000

    response = staff_api.post(f"{API}/themes/", {"code": "water", "name": "x" * 1_100_000}, format="json")

    assert response.status_code == 413
    assert error(response)["message"] == "The request is 1.1 MB; this site accepts up to 1.0 MB."
    assert not Theme.objects.filter(code="water").exists()


@pytest.mark.parametrize(
    "body", ['{"amount": NaN}', '{"amount": Infinity}', '{"amount": -Infinity}'], ids=["NaN", "inf", "-inf"]
)
def test_json_that_is_not_standard_json_answers_400(staff_api, portfolio, body):
    response = staff_api.post(f"{API}/contributions/", body, content_type="application/json")

    assert response.status_code == 400 and error(response)["code"] == "parse_error"
    assert "Out of range float values are not JSON compliant" in error(response)["message"]


# Numbers out of range


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("1e400", "Ensure that there are no more than 18 digits in total."),
        ("9" * 30, "Ensure that there are no more than 18 digits in total."),
        ("0.001", "Ensure that there are no more than 2 decimal places."),
        ("NaN", "A valid number is required."),
        ("Infinity", "A valid number is required."),
        ("-Infinity", "A valid number is required."),
        (1e300, "Ensure that there are no more than 18 digits in total."),
    ],
)
def test_an_amount_out_of_range_answers_400_on_its_field(staff_api, portfolio, amount, message):
    before = Contribution.objects.count()
    payload = {
        "donor": portfolio["seco"].pk,
        "reference": "SECO-2",
        "title": "Phase 2",
        "currency": "CHF",
        "amount": amount,
        "start_date": "2020-01-01",
        "end_date": "2022-12-31",
    }

    response = staff_api.post(f"{API}/contributions/", payload, format="json")

    assert response.status_code == 400 and error(response)["fields"] == {"amount": [message]}
    assert Contribution.objects.count() == before


@pytest.mark.parametrize(
    "url",
    [
        f"{API}/projects/{BEYOND_BIGINT}/",
        f"{API}/projects/-1/",
        f"{API}/projects/{BEYOND_BIGINT}/results/",
        f"{API}/contributions/{BEYOND_BIGINT}/",
        f"{API}/applications/{BEYOND_BIGINT}/",
        f"{API}/reports/{BEYOND_BIGINT}/",
    ],
)
def test_an_id_beyond_the_database_range_answers_404(staff_api, portfolio, url):
    response = staff_api.get(url)

    assert response.status_code == 404 and error(response)["code"] == "not_found"


@pytest.mark.parametrize(
    ("url", "field", "message"),
    [
        (f"{API}/transactions/?project={BEYOND_BIGINT}", "project", "Select a valid choice."),
        (f"{API}/projects/?theme={BEYOND_BIGINT}", "theme", "Select a valid choice."),
        (f"{API}/projects/?window=-1", "window", "Select a valid choice."),
        (f"{API}/reports/?project={BEYOND_BIGINT}", "project", "Ensure this value is less than or equal to"),
        (f"{API}/transactions/?date_after=99999-01-01", "date_after", "Enter a valid date."),
        (f"{API}/transactions/?kind=1e400", "kind", "Select a valid choice."),
    ],
)
def test_a_filter_out_of_range_answers_400_naming_it(staff_api, portfolio, url, field, message):
    response = staff_api.get(url)

    assert response.status_code == 400 and message in error(response)["fields"][field][0]


@pytest.mark.parametrize("size", ["-5", "0", BEYOND_BIGINT, "1e400", "NaN"])
def test_any_page_size_answers_a_page_within_the_limits(api, portfolio, size):
    response = api.get(f"{API}/projects/?page_size={size}&page={BEYOND_BIGINT}")

    assert response.status_code == 200 and 1 <= len(response.json()["results"]) <= 200


def test_a_reference_to_an_id_beyond_the_database_range_answers_400(staff_api, portfolio):
    uganda = portfolio["uganda"]

    response = staff_api.patch(f"{API}/projects/{uganda.pk}/", {"facility": int(BEYOND_BIGINT)}, format="json")

    assert response.status_code == 400 and "does not exist" in error(response)["fields"]["facility"][0]
    uganda.refresh_from_db()
    assert uganda.facility == portfolio["programmes"]


# Failures inside answer JSON


@pytest.mark.parametrize(
    ("failure", "status", "code", "message"),
    [
        (
            OperationalError("server closed the connection"),
            503,
            "unavailable",
            "The service is unavailable for a moment (its database or cache does not answer); try again.",
        ),
        (
            redis.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused."),
            503,
            "unavailable",
            "The service is unavailable for a moment (its database or cache does not answer); try again.",
        ),
        (
            RuntimeError("a bug"),
            500,
            "server_error",
            "The server failed to answer this request; the secretariat has been told.",
        ),
    ],
    ids=["database down", "redis down", "bug"],
)
def test_a_failure_in_an_api_view_answers_json_and_is_logged_with_its_traceback(
    api, portfolio, caplog, failure, status, code, message
):
    with mock.patch("grants.api.views.visible_projects", side_effect=failure):
        response = api.get(f"{API}/projects/")

    assert response.status_code == status
    assert error(response) == {"code": code, "message": message, "fields": {}}
    logged = [record for record in caplog.records if record.name == "django.request"]
    assert len(logged) == 1 and logged[0].exc_info[1] is failure


def test_a_failed_write_gives_a_json_503_and_saves_nothing(staff_api, portfolio):
    with mock.patch("grants.api.views.ThemeViewSet.perform_create", side_effect=OperationalError("deadlock")):
        response = staff_api.post(f"{API}/themes/", {"code": "water", "name": "Water"}, format="json")

    assert response.status_code == 503 and error(response)["code"] == "unavailable"
    assert not Theme.objects.filter(code="water").exists()


def test_a_failure_outside_the_api_views_still_answers_json(api, portfolio):
    with mock.patch(
        "django.middleware.clickjacking.XFrameOptionsMiddleware.process_response",
        side_effect=OperationalError("server closed the connection"),
    ):
        response = api.get(f"{API}/projects/")
        page = api.get("/projects/")

    assert response.status_code == 503 and error(response)["code"] == "unavailable"
    assert page.status_code == 503 and "unavailable for a moment" in page.content.decode()


def test_with_debug_on_a_failure_shows_the_traceback_not_json(api, portfolio, settings):
    settings.DEBUG = True

    with mock.patch("grants.api.views.visible_projects", side_effect=RuntimeError("a bug")):
        response = api.get(f"{API}/projects/")

    assert response.status_code == 500 and "RuntimeError" in response.content.decode()
