"""The admin's application list keeps its count and its date drill-down for its search and filters until an
application, a call, a review or a user changes; no figure of the portfolio is forgotten when one does.

Applications, calls, reviews and users are watched for the queries kept of them alone (`watch_rows`): a partner
saving a draft forgets the application lists' counts, not the home page's figures.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from common.figures import kept_key
from grants.models import ApplicationStatus
from tests.factories import ApplicationFactory, CityFactory, ProjectFactory

pytestmark = pytest.mark.django_db

URL = reverse("admin:grants_application_changelist")
QUERY = {"q": "kampala", "status__exact": ApplicationStatus.SUBMITTED}


def submitted(title: str, year: int):
    return ApplicationFactory(
        title=title, status=ApplicationStatus.SUBMITTED, submitted_at=dt.datetime(year, 3, 5, 9, tzinfo=dt.UTC)
    )


def years(response) -> set[str]:
    return set(re.findall(r'<a href="\?[^"]*submitted_at__year=(\d+)', response.content.decode()))


def test_a_second_visit_counts_nothing_and_a_new_application_shows_at_the_next(staff_client):
    submitted("Kampala markets", 2025)
    submitted("Accra drainage", 2024)  # not searched for
    first = staff_client.get(URL, QUERY)
    with CaptureQueriesContext(connection) as again:
        staff_client.get(URL, QUERY)
    sql = [query["sql"] for query in again.captured_queries]  # read now: the next request empties the log
    submitted("Kampala drainage", 2026)

    after = staff_client.get(URL, QUERY)

    # Django's names for the count, the drill-down's first and last dates and its periods.
    assert sql and not [q for q in sql if any(name in q for name in ('"__count"', '"first"', '"datetimefield"'))]
    assert first.context["cl"].result_count == 1 and years(first) == {"2025"}
    assert after.context["cl"].result_count == 2 and years(after) == {"2025", "2026"}


def test_an_application_withdrawn_leaves_the_count_at_the_next_visit(staff_client):
    kept = submitted("Kampala markets", 2025)
    submitted("Kampala housing", 2025)
    assert staff_client.get(URL, QUERY).context["cl"].result_count == 2

    kept.status = ApplicationStatus.WITHDRAWN
    kept.save()

    assert staff_client.get(URL, QUERY).context["cl"].result_count == 1


def test_an_application_saved_forgets_no_figure_of_the_portfolio_but_a_project_saved_forgets_the_lists():
    application = submitted("Kampala markets", 2025)
    home = kept_key("home:USD")
    listed = kept_key("count", tables={"grants_application"}, any_change=True)

    application.title = "Kampala markets and streets"
    application.save()
    assert kept_key("home:USD") == home
    after_application = kept_key("count", tables={"grants_application"}, any_change=True)
    assert after_application != listed

    ProjectFactory()
    assert kept_key("count", tables={"grants_application"}, any_change=True) != after_application


def test_an_applications_cities_changed_forget_what_read_the_applications():
    application = submitted("Kampala markets", 2025)
    listed = kept_key("count", tables={"grants_application"}, any_change=True)
    by_column = kept_key("count", columns={"grants_application": frozenset({"title"})})

    application.cities.add(CityFactory(name="Jinja"))

    assert kept_key("count", tables={"grants_application"}, any_change=True) != listed
    assert kept_key("count", columns={"grants_application": frozenset({"title"})}) != by_column
