"""The OpenAPI 3 schema describes every endpoint, validates, and its docs are served from local assets."""

from __future__ import annotations

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command

from citiesalliance.api_urls import router
from common.api import schema_objects

pytestmark = pytest.mark.django_db

STATIC = "/static/"
# Endpoints that answer a file, not JSON; only their errors are JSON.
FILE_DOWNLOADS = {
    "/api/v1/accounting-periods/{id}/journal/": {
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    },
    # A payment run's files for the treasury.
    "/api/v1/payment-runs/{id}/file.csv/": {"text/csv"},
    "/api/v1/payment-runs/{id}/file.xlsx/": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    "/api/v1/payment-runs/{id}/file.xml/": {"application/xml"},
}
# Downloads that are reads, scoped like any read (a run's files: 404 to whoever does not see the run).
READ_DOWNLOADS = {path for path in FILE_DOWNLOADS if path.startswith("/api/v1/payment-runs/")}


@pytest.fixture
def schema(api) -> dict:
    response = api.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_openapi_3_and_names_every_endpoint(schema):
    paths = set(schema["paths"])
    expected = {f"/api/v1/{prefix}/" for prefix, _viewset, _basename in router.registry}
    expected |= {f"/api/v1/{prefix}/{{id}}/" for prefix, _viewset, _basename in router.registry}
    expected |= {"/api/v1/projects/{id}/results/", "/api/v1/portfolio-progress/"}
    expected |= set(FILE_DOWNLOADS)
    expected |= {"/api/v1/transactions/{id}/reverse/", "/api/v1/contributions/{id}/allocate/"}
    expected |= {"/api/v1/projects/{id}/agreement/", "/api/v1/projects/{id}/periods/"}
    expected |= {"/api/v1/projects/{id}/agreement/document/", "/api/v1/projects/{id}/agreement/signed-copy/"}
    expected |= {"/api/v1/projects/{id}/publish/", "/api/v1/projects/{id}/unpublish/"}
    expected |= {f"/api/v1/projects/{{id}}/{step}/" for step in ("closeout", "close", "reopen")}
    expected |= {"/api/v1/projects/{id}/periods/{period}/targets/", "/api/v1/me/token/"}
    expected |= {
        f"/api/v1/applications/{{id}}/{step}/" for step in ("submit", "withdraw", "screen", "shortlist", "attachments")
    }
    expected |= {f"/api/v1/reports/{{id}}/{step}/" for step in ("submit", "approve", "return", "evidence")}
    steps = ("withdraw", "check", "approve", "return", "decline")
    expected |= {f"/api/v1/payment-requests/{{id}}/{step}/" for step in steps}
    expected |= {f"/api/v1/amendments/{{id}}/{step}/" for step in ("withdraw", "approve", "decline", "signatures")}
    expected |= {"/api/v1/applications/{id}/messages/", "/api/v1/projects/{id}/messages/"}
    expected |= {"/api/v1/projects/{id}/updates/"}

    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Cities Alliance portfolio API"
    assert paths == expected


def test_decimal_strings_are_described_as_digits_with_an_optional_fraction(schema):
    patterns = {
        node["pattern"] for node in schema_objects(schema) if node.get("format") == "decimal" and "pattern" in node
    }

    assert patterns
    for pattern in patterns:
        assert all(re.fullmatch(pattern, good) for good in ("100.00", "-12.5", "7")), pattern
        assert not any(re.fullmatch(pattern, bad) for bad in ("", "-", ".", "1.", ".5", "1.234")), pattern


def test_every_operation_documents_its_answer_and_its_errors(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            success = min(code for code in responses if code.startswith("2"))
            if path in FILE_DOWNLOADS:
                files = responses[success]["content"]
                assert set(files) == FILE_DOWNLOADS[path], (method, path)
                assert all(file["schema"]["format"] == "binary" for file in files.values()), (method, path)
                if path not in READ_DOWNLOADS:
                    assert "403" in responses, (method, path)  # a read that is an act of its own
            elif success != "204":
                content = responses[success]["content"]  # JSON, or an agreement's PDF
                assert "schema" in (content.get("application/json") or content["application/pdf"]), (method, path)
            assert {"401", "429"} <= set(responses), (method, path)
            if method in ("post", "put", "patch", "delete"):
                assert {"400", "403"} <= set(responses) or method == "delete", (method, path)
            if "{id}" in path:
                assert "404" in responses, (method, path)
    error = schema["components"]["schemas"]["Error"]
    assert error["properties"]["error"]["required"] == ["code", "message", "fields"]


def test_lists_page_by_cursor_and_amounts_are_decimal_strings(schema):
    projects = schema["paths"]["/api/v1/projects/"]["get"]
    parameters = {parameter["name"] for parameter in projects["parameters"]}
    project = schema["components"]["schemas"]["ProjectOutput"]["properties"]

    assert {"cursor", "page_size", "ordering", "search", "country", "donor", "start_after", "end_before"} <= parameters
    assert "count" not in schema["components"]["schemas"]["PaginatedProjectOutputList"]["properties"]
    assert (project["approved_budget"]["type"], project["approved_budget"]["format"]) == ("string", "decimal")


def test_the_schema_validates_without_a_warning(tmp_path):
    target = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    assert yaml.safe_load(target.read_text())["openapi"].startswith("3.")


@pytest.mark.parametrize(
    ("url", "asset", "init"),
    [
        # Swagger UI's init script is a file of its own (the site's Content-Security-Policy refuses inline ones).
        ("/api/docs/", "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js", "/api/docs/?script="),
        ("/api/redoc/", "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js", "/api/redoc/"),
    ],
)
def test_the_docs_render_with_assets_served_from_this_site(api, url, asset, init):
    response = api.get(url)

    html = response.content.decode()
    assert response.status_code == 200
    assert STATIC + asset in html
    assert "http://" not in html and "https://" not in html  # no CDN, no web fonts
    assert "/api/v1/schema/" in api.get(init).content.decode()
    assert finders.find(asset) is not None
