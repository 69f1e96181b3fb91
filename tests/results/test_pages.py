"""The results pages: the public portfolio results, a project's results section, and partner reporting."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grants import services as grants_services
from grants.models import City, Project
from members.models import User
from results import services
from results.models import (
    Aggregation,
    Counted,
    Disaggregation,
    Indicator,
    Outcome,
    PortfolioTarget,
    ProgressReport,
    ReportedValue,
    ReportingPeriod,
    ReportStatus,
    Unit,
)
from results.services import ValueInput
from tests.factories import (
    ContributionFactory,
    OrganisationFactory,
    PartnerUserFactory,
    ProjectCountryFactory,
    ProjectFactory,
    ProjectPartnerFactory,
    StaffFactory,
)
from tests.svg import unreadable_geometry

pytestmark = pytest.mark.django_db

MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@dataclass
class Framework:
    people: Indicator
    cities: Indicator


@dataclass
class Reporting:
    project: Project
    partner: User
    staff: User
    periods: list[ReportingPeriod]
    cities: list[City]


@pytest.fixture
def framework() -> Framework:
    outcome = Outcome.objects.create(code="IMP", title="Lives of the urban poor improved")
    people = Indicator.objects.create(
        outcome=outcome,
        code="IMP-1",
        name="Urban poor whose lives improved",
        unit=Unit.COUNT,
        counted=Counted.PEOPLE,
        aggregation=Aggregation.SUM,
        disaggregation=Disaggregation.SEX,
    )
    cities = Indicator.objects.create(
        outcome=outcome,
        code="IMP-2",
        name="Cities where women are empowered",
        unit=Unit.COUNT,
        counted=Counted.CITIES,
        aggregation=Aggregation.DISTINCT_CITIES,
    )
    PortfolioTarget.objects.create(indicator=people, year=2021, value=Decimal(10000))
    PortfolioTarget.objects.create(indicator=cities, year=2021, value=Decimal(4))
    return Framework(people, cities)


def set_up_project(framework: Framework, *, country: str = "UG", city_names=("Jinja", "Mbale"), staff=None):
    organisation = OrganisationFactory()
    partner = PartnerUserFactory(organisation=organisation)
    project = ProjectFactory(start_date=dt.date(2019, 1, 1), end_date=dt.date(2020, 12, 31))
    ProjectCountryFactory(project=project, country=country)
    ProjectPartnerFactory(project=project, organisation=organisation)
    cities = [City.objects.get_or_create(name=name, country=country)[0] for name in city_names]
    project.cities.set(cities)
    result = services.project_result_add(project=project, outcome=framework.people.outcome, title="Better lives")
    services.project_indicator_add(result=result, indicator=framework.people)
    services.project_indicator_add(result=result, indicator=framework.cities)
    periods = [
        services.reporting_period_add(
            project=project,
            start_date=dt.date(year, 1, 1),
            end_date=dt.date(year, 12, 31),
            due_date=dt.date(year + 1, 3, 31),
        )
        for year in (2019, 2020)
    ]
    return Reporting(project, partner, staff or StaffFactory(), periods, cities)


def report(setup: Reporting, period: ReportingPeriod, *, people: str, cities: list[City], status: str):
    """A report on `period` with the given values, moved through the services to `status`."""
    progress = services.report_start(period=period, user=setup.partner)
    rows = {
        row.project_indicator.indicator.code: row.pk
        for row in period.indicator_periods.select_related("project_indicator__indicator")
    }
    services.report_save(
        report=progress,
        user=setup.partner,
        narrative="Kiosks built.",
        values={
            rows["IMP-1"]: ValueInput(value=people, splits={"female": str(int(people) // 2)}),
            rows["IMP-2"]: ValueInput(city_ids=[city.pk for city in cities]),
        },
    )
    if status in (ReportStatus.SUBMITTED, ReportStatus.APPROVED):
        services.report_submit(report=progress, user=setup.partner)
    if status == ReportStatus.APPROVED:
        services.report_approve(report=progress, user=setup.staff)
    return progress


@pytest.fixture
def reporting(framework) -> Reporting:
    setup = set_up_project(framework)
    report(setup, setup.periods[0], people="1200", cities=setup.cities[:1], status=ReportStatus.APPROVED)
    return setup


def indicator_block(page: str, code: str) -> str:
    start = page.index(f'data-indicator="{code}"')
    return page[start : page.index("</article>", start)]


def test_the_results_page_shows_achieved_target_and_percent_from_approved_reports_only(client, reporting):
    report(reporting, reporting.periods[1], people="800", cities=reporting.cities, status=ReportStatus.SUBMITTED)

    page = client.get(reverse("results:portfolio")).content.decode()

    people = indicator_block(page, "IMP-1")
    assert "1,200" in people and "10,000" in people and "12\xa0%" in people.replace("&nbsp;", "\xa0")
    assert "2,000" not in people  # the submitted report does not count yet
    assert "Of whom women and girls" in people and "600" in people
    assert '<svg class="chart"' in people and "<table" in people
    cities = indicator_block(page, "IMP-2")
    assert 'data-figure="achieved">1<' in cities and "25\xa0%" in cities.replace("&nbsp;", "\xa0")


def test_the_results_page_tables_each_indicator_by_year_in_the_year_and_to_date(client, reporting):
    report(reporting, reporting.periods[1], people="800", cities=reporting.cities, status=ReportStatus.APPROVED)

    people = indicator_block(client.get(reverse("results:portfolio")).content.decode(), "IMP-1")

    rows = people[people.index("<tbody>") : people.index("</tbody>")]
    assert '<tr><th scope="row">2019</th><td class="num">1,200</td><td class="num">1,200</td></tr>' in rows
    assert '<tr><th scope="row">2020</th><td class="num">800</td><td class="num">2,000</td></tr>' in rows
    assert rows.count("<tr>") == 2


def test_the_results_page_in_french_draws_its_charts_with_coordinates_svg_reads(client, reporting):
    page = client.get(reverse("results:portfolio"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    people = indicator_block(page, "IMP-1")
    assert 'data-figure="achieved">1\u202f200<' in people  # not "1,200", one point two in French
    assert 'data-figure="percent">12\xa0%<' in people.replace("&nbsp;", "\xa0")
    assert '<svg class="chart"' in people
    assert unreadable_geometry(page) == []


def test_the_results_page_counts_a_city_once_across_projects(client, framework, reporting):
    other = set_up_project(framework, city_names=("Jinja",), staff=reporting.staff)
    report(other, other.periods[0], people="100", cities=other.cities, status=ReportStatus.APPROVED)

    page = client.get(reverse("results:portfolio")).content.decode()

    assert 'data-figure="achieved">1<' in indicator_block(page, "IMP-2")
    assert "1,300" in indicator_block(page, "IMP-1")


def test_the_results_page_filters_by_country_and_ignores_bad_filters(client, framework, reporting):
    ghana = set_up_project(framework, country="GH", city_names=("Tamale",), staff=reporting.staff)
    report(ghana, ghana.periods[0], people="300", cities=ghana.cities, status=ReportStatus.APPROVED)

    whole = client.get(reverse("results:portfolio")).content.decode()
    in_ghana = client.get(reverse("results:portfolio"), {"country": "GH"}).content.decode()
    nonsense = client.get(reverse("results:portfolio"), {"country": "XX", "window": "abc", "donor": "999999"})

    assert "1,500" in indicator_block(whole, "IMP-1")
    assert "300" in indicator_block(in_ghana, "IMP-1") and "1,500" not in indicator_block(in_ghana, "IMP-1")
    assert nonsense.status_code == 200
    assert "Select a valid choice" in nonsense.content.decode()


def test_the_results_page_offers_each_country_of_the_public_projects_once(client):
    for country in ("GH", "GH", "GH", "UG"):
        ProjectCountryFactory(project=ProjectFactory(is_public=True), country=country)
    ProjectCountryFactory(project=ProjectFactory(is_public=False), country="KE")

    page = client.get(reverse("results:portfolio")).content.decode()

    assert page.count('<option value="GH"') == 1
    assert page.count('<option value="UG"') == 1
    assert '<option value="KE"' not in page


def test_the_results_page_needs_the_same_queries_for_one_project_or_many(client, framework, reporting):
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("results:portfolio"))
    for _ in range(4):
        more = set_up_project(framework, staff=reporting.staff)
        for period in more.periods:
            report(more, period, people="10", cities=more.cities, status=ReportStatus.APPROVED)

    with CaptureQueriesContext(connection) as large:
        client.get(reverse("results:portfolio"))

    assert len(large) == len(small)


def test_the_project_page_shows_targets_and_approved_actuals_only(client, reporting):
    row = reporting.periods[0].indicator_periods.get(project_indicator__indicator__code="IMP-1")
    services.period_targets_set(period=reporting.periods[0], targets={row.project_indicator_id: Decimal(1000)})
    report(reporting, reporting.periods[1], people="777", cities=[], status=ReportStatus.SUBMITTED)

    page = client.get(reporting.project.get_absolute_url()).content.decode()

    assert "Results" in page and "Better lives" in page
    start = page.index('data-indicator="IMP-1"')
    people = page[start : page.index("</tr>", start)]
    assert "1,200" in people and "target 1,000" in people and "120\xa0%" in people.replace("&nbsp;", "\xa0")
    assert "777" not in people
    cities = page[page.index('data-indicator="IMP-2"') :]
    assert "Jinja" in cities[: cities.index("</tr>")]


def test_the_project_page_needs_the_same_queries_however_many_periods_report(client, framework, reporting):
    with CaptureQueriesContext(connection) as one:
        client.get(reporting.project.get_absolute_url())
    report(reporting, reporting.periods[1], people="5", cities=reporting.cities, status=ReportStatus.APPROVED)

    with CaptureQueriesContext(connection) as two:
        client.get(reporting.project.get_absolute_url())

    assert len(two) == len(one)


def test_a_project_without_results_shows_no_results_section(client):
    project = ProjectFactory()

    page = client.get(project.get_absolute_url()).content.decode()

    assert 'id="results-title"' not in page


def test_a_partner_sees_the_periods_of_their_projects_only(client, framework, reporting):
    other = set_up_project(framework, staff=reporting.staff)
    client.force_login(reporting.partner)

    page = client.get(reverse("results:reports")).content.decode()

    assert reporting.project.code in page and other.project.code not in page
    assert "Approved" in page and "Start report" in page


def test_a_partner_cannot_reach_another_organisations_report_period_or_evidence(
    client, framework, reporting, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    draft = report(reporting, reporting.periods[1], people="5", cities=[], status=ReportStatus.DRAFT)
    evidence = services.evidence_add(
        report=draft, user=reporting.partner, upload=SimpleUploadedFile("plan.pdf", MINIMAL_PDF)
    )
    outsider = PartnerUserFactory()
    client.force_login(outsider)

    assert client.get(reverse("results:report", args=[draft.pk])).status_code == 404
    assert client.post(reverse("results:report", args=[draft.pk]), {"narrative": "x"}).status_code == 404
    assert client.post(reverse("results:report-start", args=[reporting.periods[1].pk])).status_code == 404
    assert client.get(reverse("results:evidence", args=[evidence.pk])).status_code == 404
    client.force_login(reporting.partner)
    download = client.get(reverse("results:evidence", args=[evidence.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == MINIMAL_PDF
    download.close()


def test_evidence_uploaded_as_html_downloads_as_the_pdf_it_holds_as_an_attachment(
    client, reporting, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    draft = report(reporting, reporting.periods[1], people="5", cities=[], status=ReportStatus.DRAFT)
    upload = SimpleUploadedFile("report.html", MINIMAL_PDF, content_type="text/html")
    evidence = services.evidence_add(report=draft, user=reporting.partner, upload=upload)
    client.force_login(reporting.partner)

    response = client.get(reverse("results:evidence", args=[evidence.pk]))

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="report.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    response.close()


def test_anonymous_visitors_are_sent_to_log_in(client, reporting):
    response = client.get(reverse("results:reports"))

    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def form_data(progress: ProgressReport, **overrides) -> dict:
    rows = {
        row.project_indicator.indicator.code: row.pk
        for row in progress.period.indicator_periods.select_related("project_indicator__indicator")
    }
    data = {"narrative": "Drainage cleared in two settlements.", f"value-{rows['IMP-1']}": "1,500"}
    data[f"value-{rows['IMP-1']}-female"] = "700"
    data.update({key.format(**rows): value for key, value in overrides.items()})
    return data


def test_a_bad_value_is_refused_by_its_field_and_the_rest_of_the_draft_is_kept(client, reporting):
    progress = services.report_start(period=reporting.periods[1], user=reporting.partner)
    client.force_login(reporting.partner)

    response = client.post(
        reverse("results:report", args=[progress.pk]),
        form_data(progress, **{"value-{IMP-1}": "twelve", "action": "save"}),
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a number, for example 12 or 12.5." in page and 'value="twelve"' in page
    assert "The draft is saved, except the values marked" in page
    saved = ReportedValue.objects.filter(report=progress)
    assert list(saved.values_list("indicator__code", "value")) == [("IMP-2", 0)]
    progress.refresh_from_db()
    assert progress.narrative == "Drainage cleared in two settlements."


def test_an_incomplete_submission_keeps_the_draft_and_says_what_is_missing(client, reporting):
    progress = services.report_start(period=reporting.periods[1], user=reporting.partner)
    client.force_login(reporting.partner)

    response = client.post(
        reverse("results:report", args=[progress.pk]), form_data(progress, narrative="", action="submit")
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Draft saved." in page and "Tell the story of the period" in page
    progress.refresh_from_db()
    assert progress.status == ReportStatus.DRAFT
    assert (
        ReportedValue.objects.get(report=progress, indicator_period__project_indicator__indicator__code="IMP-1").value
        == 1500
    )


def test_a_complete_report_is_submitted_and_then_shown_read_only(client, reporting, django_capture_on_commit_callbacks):
    progress = services.report_start(period=reporting.periods[1], user=reporting.partner)
    client.force_login(reporting.partner)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("results:report", args=[progress.pk]),
            form_data(progress, **{"cities-{IMP-2}": str(reporting.cities[1].pk), "action": "submit"}),
        )

    assert response.status_code == 302
    progress.refresh_from_db()
    assert progress.status == ReportStatus.SUBMITTED
    page = client.get(reverse("results:report", args=[progress.pk])).content.decode()
    assert "Submitted" in page and "Mbale" in page and "1,500" in page and "Save draft" not in page
    assert any(reporting.staff.email in message.to for message in mail.outbox)


def test_the_reports_page_needs_the_same_queries_for_one_project_or_many(client, framework, reporting):
    client.force_login(reporting.partner)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("results:reports"))
    for _ in range(3):
        more = set_up_project(framework, staff=reporting.staff)
        ProjectPartnerFactory(
            project=more.project, organisation=reporting.partner.organisation_roles.get().organisation
        )
        report(more, more.periods[0], people="1", cities=[], status=ReportStatus.APPROVED)

    with CaptureQueriesContext(connection) as many:
        client.get(reverse("results:reports"))

    assert len(many) == len(one)


# The results against targets are read from every approved value once and kept in the cache
# (common.figures): an approval, and a project leaving the public portfolio, show on the next visit.


def people_reached(client) -> str:
    return indicator_block(client.get(reverse("results:portfolio")).content.decode(), "IMP-1")


def test_a_report_approved_shows_on_the_next_visit_of_the_results_page(client, reporting):
    progress = report(reporting, reporting.periods[1], people="800", cities=[], status=ReportStatus.SUBMITTED)
    assert "1,200" in people_reached(client) and "2,000" not in people_reached(client)

    services.report_approve(report=progress, user=reporting.staff)

    assert "2,000" in people_reached(client)


def test_a_project_withdrawn_from_the_public_leaves_the_results_page_on_the_next_visit(client, reporting):
    assert "1,200" in people_reached(client)

    grants_services.project_unpublish(project=reporting.project, user=StaffFactory(is_superuser=True))

    assert "1,200" not in people_reached(client)


def test_a_draft_saved_as_the_partner_types_keeps_the_figures_and_its_approval_shows(client, reporting):
    period = reporting.periods[1]
    progress = services.report_start(period=period, user=reporting.partner)
    rows = {
        row.project_indicator.indicator.code: row.pk
        for row in period.indicator_periods.select_related("project_indicator__indicator")
    }

    def save(people: str) -> None:
        services.report_save(
            report=progress,
            user=reporting.partner,
            narrative=f"{people} people reached.",
            values={
                rows["IMP-1"]: ValueInput(value=people, splits={"female": str(int(people) // 2)}),
                rows["IMP-2"]: ValueInput(city_ids=[city.pk for city in reporting.cities]),
            },
        )

    save("700")
    assert "1,200" in indicator_block(client.get(reverse("results:portfolio")).content.decode(), "IMP-1")

    save("800")  # again, as the draft saves itself: its values are replaced, none approved
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("results:portfolio")).content.decode()
    assert not any("results_reportedvalue" in query["sql"] for query in queries.captured_queries)  # kept
    assert "1,200" in indicator_block(page, "IMP-1")

    services.report_approve(
        report=services.report_submit(report=progress, user=reporting.partner), user=reporting.staff
    )
    assert "2,000" in indicator_block(client.get(reverse("results:portfolio")).content.decode(), "IMP-1")


def test_the_results_page_lists_its_filters_rows_each_in_one_plain_query(client, reporting):
    """Windows, facilities, themes and donors are offered by name, read without a server-side cursor (which on
    PostgreSQL took three round trips and a copy of the rows for each list); a donor is read for its name alone."""
    window = reporting.project.facility.window
    donor = ContributionFactory(donor__name="Fonds <Urbain> & Cie").donor
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("results:portfolio")).content.decode()

    assert f'<option value="{window.pk}">{window.name}</option>' in page
    assert f'<option value="{reporting.project.facility.pk}">' in page
    assert f'<option value="{donor.pk}">Fonds &lt;Urbain&gt; &amp; Cie</option>' in page
    assert "All donors" in page and "All themes" in page
    assert [query["sql"] for query in queries if "DECLARE" in query["sql"]] == []
    (donor_list,) = [query["sql"] for query in queries if 'DISTINCT "members_organisation"' in query["sql"]]
    assert '"members_organisation"."name"' in donor_list and '"members_organisation"."created_at"' not in donor_list

    chosen = client.get(reverse("results:portfolio"), {"window": window.pk})
    assert chosen.status_code == 200 and "Select a valid choice" not in chosen.content.decode()
