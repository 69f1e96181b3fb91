"""Schemathesis reads the OpenAPI schema from a live server and sends it generated requests over HTTP:
no answer is a server error, and every answer's body matches what the schema says of it.

The server is real (pytest-django's live server, in a thread of its own), so the data is committed for it to see.
Anonymous visitors try every read, in every phase. A staff user, authenticated by token, tries every operation,
writes included; on a path with an `{id}`, the id is that of an object the collection lists, so that updates,
deletions and actions reach their validation and their effects rather than a 404. Staff requests are generated
from examples and by fuzzing only: the coverage phase enumerates every value of every enum (each country of an
organisation, for each of its writes), thousands of requests that would take minutes over HTTP.
Each operation is reported as a subtest of its own.
"""

from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import ApplicationFactory, CallFactory, PortfolioTargetFactory, StaffFactory

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FUZZING = settings(max_examples=10, deadline=None, database=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request):
    """Schemathesis names each operation's subtest by rewriting the test's `_nodeid`, an attribute pytest 9.2
    no longer has: give it one."""
    request.node._nodeid = request.node.nodeid


@pytest.fixture
def schema_url(live_server, transactional_db, settings, portfolio, uganda_results) -> str:
    """The schema's address, once rows lie behind every endpoint so that answers have content to check."""
    # Thousands of requests come from one address within a minute: lift the throttle for them.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "user": "100000/min"},
    }
    call = CallFactory(themes=[portfolio["gender"]])
    ApplicationFactory(call=call, organisation=portfolio["jinja"], complete=True)
    PortfolioTargetFactory(indicator=uganda_results.indicator, year=2030)
    return f"{live_server.url}/api/v1/schema/?format=json"


@pytest.fixture
def anonymous_schema(schema_url):
    return schemathesis.openapi.from_url(schema_url)


@pytest.fixture
def staff_schema(live_server, schema_url):
    headers = {"Authorization": f"Token {Token.objects.create(user=StaffFactory()).key}"}
    paths = requests.get(schema_url, timeout=30).json()["paths"]
    config = {
        "headers": headers,
        "operations": [
            {"include-path": path, "parameters": {"path.id": object_id}}
            for path, object_id in listed_ids(live_server.url, paths, headers).items()
        ],
        "phases": {"coverage": {"enabled": False}},
    }
    return schemathesis.openapi.from_url(schema_url, config=SchemathesisConfig.from_dict(config))


def listed_ids(base_url: str, paths, headers) -> dict[str, int]:
    """For each path with an `{id}`, the id of the first object its collection lists, if it lists any."""
    ids = {}
    for path in paths:
        collection, marker, _ = path.partition("{id}/")
        if marker:
            listed = requests.get(base_url + collection, headers=headers, timeout=30).json().get("results")
            if listed:
                ids[path] = listed[0]["id"]
    return ids


anonymous = schemathesis.pytest.from_fixture("anonymous_schema").include(method="GET")
staff = schemathesis.pytest.from_fixture("staff_schema")


@anonymous.parametrize()
@FUZZING
def test_every_read_by_an_anonymous_visitor_answers_as_documented(case):
    case.call_and_validate(checks=CHECKS)


@staff.parametrize()
@settings(FUZZING, max_examples=20)
def test_every_operation_by_staff_answers_as_documented(case):
    case.call_and_validate(checks=CHECKS)
