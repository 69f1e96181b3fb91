"""Schemathesis sends generated requests to every GET operation of the live schema, through WSGI:
no answer is a server error, and every answer matches what the schema says of it.

No network: the schema and every request go straight to the WSGI application.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from citiesalliance.wsgi import application
from tests.factories import CallFactory, PortfolioTargetFactory

# Loaded when the tests are collected (it needs no database), so that each operation is a test of its own.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application).include(method="GET")


@pytest.fixture
def same_connection():
    """Keep the test's database connection across requests, as Django's test client does.

    The real WSGI handler closes a connection found inside a transaction at the end of each request;
    the test's data lives in such a transaction.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def data(settings, same_connection, portfolio, uganda_results):
    """Rows behind every endpoint, so that answers have content to check."""
    # Hundreds of requests come from one address within a minute: lift the throttle for them.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "user": "100000/min"},
    }
    CallFactory(themes=[portfolio["gender"]])
    PortfolioTargetFactory(indicator=uganda_results.indicator, year=2030)


@schema.parametrize()
@settings(max_examples=10, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_every_get_answers_without_a_server_error_and_as_documented(case, data):
    case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])
