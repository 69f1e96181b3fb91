"""A donor's dashboard figures and its project list's filter choices are kept until a row they read changes.

A major donor funds thousands of projects: each of its allocations takes a share of its project's payments, and
each filter choice (window, facility, theme, country) is a pass over every project it funds. A second visit reads
neither again; a change to what they are made of shows on the next visit, whichever page made it.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from common.money import format_money
from grants.services import disbursement_record
from tests.donors.test_dashboard import donor_user, figure
from tests.factories import (
    AllocationFactory,
    ContributionFactory,
    FacilityFactory,
    FundingWindowFactory,
    GrantAgreementFactory,
    OrganisationFactory,
    ProjectCountryFactory,
    ProjectFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _report_in_dollars(settings):
    settings.REPORTING_CURRENCY = "USD"


@pytest.fixture
def donor():
    """A donor funding two Ugandan projects in one window, each committed 100,000 USD and paid 40,000 USD."""
    donor = OrganisationFactory(name="Alpine Development Agency")
    contribution = ContributionFactory(donor=donor, currency="USD", amount=Decimal("1000000.00"))
    window = FacilityFactory(
        code="country-programmes", window=FundingWindowFactory(code="country", name="Country Window")
    )
    for code in ("CP-UGA-1", "CP-UGA-2"):
        project = ProjectFactory(code=code, facility=window, currency="USD", start_date=dt.date(2019, 1, 1))
        ProjectCountryFactory(project=project, country="UG")
        AllocationFactory(contribution=contribution, project=project, amount=Decimal("100000.00"))
        GrantAgreementFactory(project=project, amount=Decimal("100000.00"), signed_on=dt.date(2019, 2, 1))
        disbursement_record(project=project, amount=Decimal("40000.00"), value_date=dt.date(2019, 3, 1))
    donor.contribution = contribution
    return donor


def visit(client, url: str):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, [query["sql"] for query in queries.captured_queries]


def offered(response, name: str) -> list[str]:
    return [label for value, label in response.context["filter"].form.fields[name].choices if value]


def test_the_project_lists_filter_choices_are_read_once_and_again_after_a_change(client, donor):
    client.force_login(donor_user(donor))
    url = reverse("donors:project-list", args=[donor.pk])

    first, first_sql = visit(client, url)
    again, again_sql = visit(client, url)
    project = ProjectFactory(
        code="IF-KEN-1",
        facility=FacilityFactory(
            code="innovation-programme",
            name="Innovation Programme",
            window=FundingWindowFactory(code="innovation", name="Innovation Window"),
        ),
    )
    project.themes.add(ThemeFactory(name="Waste"))
    ProjectCountryFactory(project=project, country="KE")
    AllocationFactory(contribution=donor.contribution, project=project, amount=Decimal("5000.00"))
    after, _ = visit(client, url)

    reads_windows = [sql for sql in first_sql if '"grants_fundingwindow"' in sql and "DISTINCT" in sql]
    assert reads_windows, "the first visit reads the windows of the donor's projects"
    assert not [sql for sql in again_sql if '"grants_fundingwindow"' in sql and "DISTINCT" in sql]
    assert offered(again, "window") == offered(first, "window") == ["Country Window"]
    assert offered(again, "country") == ["Uganda"]
    assert offered(after, "window") == ["Country Window", "Innovation Window"]
    assert offered(after, "theme") == ["Waste"]
    assert offered(after, "country") == ["Kenya", "Uganda"]
    assert after.context["page"].paginator.count == 3


def test_a_project_in_two_of_the_chosen_places_is_listed_once_without_distinct(client, donor):
    project = donor.contribution.allocations.get(project__code="CP-UGA-1").project
    ProjectCountryFactory(project=project, country="KE")
    second = ContributionFactory(donor=donor, currency="USD")
    AllocationFactory(contribution=second, project=project, amount=Decimal("1000.00"))
    theme = ThemeFactory()
    project.themes.add(theme, ThemeFactory())
    client.force_login(donor_user(donor))
    url = reverse("donors:project-list", args=[donor.pk])

    for query in ({"country": "UG"}, {"theme": theme.pk}, {"contribution": donor.contribution.pk}):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, query)
        codes = [row.code for row in response.context["page"]]
        listing = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('SELECT "grants_project"."id"')]
        assert codes == (["CP-UGA-1"] if "theme" in query else ["CP-UGA-1", "CP-UGA-2"])
        assert response.context["page"].paginator.count == len(codes)
        assert listing and not any("DISTINCT" in sql for sql in listing), query


def test_a_window_none_of_the_donors_projects_is_in_finds_nothing(client, donor):
    elsewhere = FundingWindowFactory(code="elsewhere", name="Elsewhere")
    client.force_login(donor_user(donor))

    response = client.get(reverse("donors:project-list", args=[donor.pk]), {"window": elsewhere.pk})

    assert response.status_code == 404


def test_the_dashboards_figures_are_read_once_and_again_after_a_payment(client, donor):
    client.force_login(donor_user(donor))
    url = reverse("donors:dashboard", args=[donor.pk])
    usd = lambda amount: format_money(Decimal(amount), "USD", whole=True)  # noqa: E731

    first, first_sql = visit(client, url)
    again, again_sql = visit(client, url)
    disbursement_record(
        project=donor.contribution.allocations.first().project,
        amount=Decimal("10000.00"),
        value_date=dt.date(2019, 4, 1),
    )
    after, _ = visit(client, url)

    def reads_allocations(sql_list):
        return [sql for sql in sql_list if re.match(r'SELECT "grants_allocation"\."id" AS "pk"', sql)]

    assert reads_allocations(first_sql), "the first visit reads the donor's allocations"
    assert not reads_allocations(again_sql)
    assert figure(first.content.decode(), "disbursed") == figure(again.content.decode(), "disbursed") == usd(80000)
    assert figure(after.content.decode(), "disbursed") == usd(90000)
    assert figure(after.content.decode(), "allocated") == usd(200000)


def test_the_donors_statement_still_reads_each_allocation(donor):
    from donors.selectors import donor_figures, donor_statement

    kept = donor_figures(donor)
    statement = donor_statement(donor, start=dt.date(2019, 1, 1), end=dt.date(2019, 12, 31))

    assert [item.allocations for item in kept.contributions] == [[]]
    parts = statement.figures.contributions[0].allocations
    assert sorted(part.allocation.project.code for part in parts) == ["CP-UGA-1", "CP-UGA-2"]
    assert sum(part.disbursed for part in parts) == Decimal("80000.00")


def test_the_project_list_pages_and_the_dashboards_latest_projects_follow_the_lists_order(client, donor):
    """Each page's projects are found by their keys in the list's order, then read: 27 more projects make two
    pages of 25, newest first, and the dashboard shows the ten newest."""
    client.force_login(donor_user(donor))
    codes = []
    for number in range(27):
        project = ProjectFactory(code=f"AD-{number:02d}", start_date=dt.date(2020, 1, 1) + dt.timedelta(days=number))
        AllocationFactory(contribution=donor.contribution, project=project, amount=Decimal("1000.00"))
        codes.append(project.code)
    newest_first = [*reversed(codes), "CP-UGA-1", "CP-UGA-2"]
    url = reverse("donors:project-list", args=[donor.pk])

    first, sql = visit(client, url)
    second, _ = visit(client, f"{url}?page=2")

    assert [project.code for project in first.context["page"].object_list] == newest_first[:25]
    assert [project.code for project in second.context["page"].object_list] == newest_first[25:]
    assert second.context["page"].paginator.count == 29
    keys = [query for query in sql if re.match(r'SELECT "grants_project"."id" AS "pk" FROM', query)]
    assert len(keys) == 1 and "LIMIT 25" in keys[0]
    dashboard, _ = visit(client, reverse("donors:dashboard", args=[donor.pk]))
    assert [project.code for project in dashboard.context["projects"]] == newest_first[:10]


def test_a_page_of_the_project_list_visited_again_reads_only_its_rows_until_a_project_is_allocated(client, donor):
    client.force_login(donor_user(donor))
    url = reverse("donors:project-list", args=[donor.pk])
    keys = re.compile(r'SELECT "grants_project"."id" AS "pk" FROM')

    _, first_sql = visit(client, url)
    again, again_sql = visit(client, url)
    project = ProjectFactory(code="AD-NEW", start_date=dt.date(2021, 1, 1))
    AllocationFactory(contribution=donor.contribution, project=project, amount=Decimal("1000.00"))
    after, after_sql = visit(client, url)

    assert any(keys.match(query) for query in first_sql)
    assert again_sql and not any(keys.match(query) for query in again_sql)
    assert [row.code for row in again.context["page"].object_list] == ["CP-UGA-1", "CP-UGA-2"]
    assert any(keys.match(query) for query in after_sql)
    assert [row.code for row in after.context["page"].object_list] == ["AD-NEW", "CP-UGA-1", "CP-UGA-2"]
