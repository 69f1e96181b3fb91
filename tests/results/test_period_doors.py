"""A project's reporting periods keep one set of rules whichever door sets them: the admin's form, the API
and the IATI import all go through `results.services`, whose rules live in `ReportingPeriod.clean`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from grants.models import Project
from opendata import iati
from opendata.importer import import_activities
from results import services
from results.models import ReportingPeriod
from tests.factories import ProjectCountryFactory, ProjectFactory, StaffFactory
from tests.grants.test_doors import change_form_data
from tests.results.test_admin import corporate_indicators, partner_of

pytestmark = pytest.mark.django_db


def yearly_periods(project: Project, *years: int) -> list[ReportingPeriod]:
    return [
        services.reporting_period_add(
            project=project,
            start_date=dt.date(year, 1, 1),
            end_date=dt.date(year, 12, 31),
            due_date=dt.date(year + 1, 1, 31),
        )
        for year in years
    ]


def test_the_admin_change_form_refuses_to_move_a_period_onto_another(staff_client):
    first, second = yearly_periods(ProjectFactory(), 2019, 2020)
    url = reverse("admin:results_reportingperiod_change", args=[second.pk])

    response = staff_client.post(url, change_form_data(staff_client, url, start_date="2019-06-01"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["start_date"] == [f"This period overlaps the period {first}."]
    assert ReportingPeriod.objects.get(pk=second.pk).start_date == dt.date(2020, 1, 1)


def test_the_admin_change_form_saves_a_new_due_date_through_the_service(staff_client):
    project = ProjectFactory()
    people, _cities = corporate_indicators()
    result = services.project_result_add(project=project, outcome=people.outcome, title="Settlements upgraded")
    (period,) = yearly_periods(project, 2019)
    reached = services.project_indicator_add(result=result, indicator=people)
    period.indicator_periods.all().delete()  # as if the indicator came after the period
    url = reverse("admin:results_reportingperiod_change", args=[period.pk])

    response = staff_client.post(url, change_form_data(staff_client, url, due_date="2020-02-29"))

    assert response.status_code == 302
    period.refresh_from_db()
    assert period.due_date == dt.date(2020, 2, 29)
    assert list(period.indicator_periods.values_list("project_indicator", flat=True)) == [reached.pk]


def test_a_period_with_a_report_started_keeps_its_dates():
    project = ProjectFactory()
    (period,) = yearly_periods(project, 2019)
    services.report_start(period=period, user=partner_of(project))
    period.end_date = dt.date(2019, 6, 30)

    with pytest.raises(
        services.ResultsError, match="A report is started on this period: the dates it covers are fixed"
    ):
        services.reporting_period_save(period=period)

    assert ReportingPeriod.objects.get(pk=period.pk).end_date == dt.date(2019, 12, 31)


def test_the_api_refuses_an_overlapping_period_with_the_same_message():
    project = ProjectFactory()
    (period,) = yearly_periods(project, 2019)
    api = APIClient()
    api.force_authenticate(StaffFactory())

    response = api.post(
        f"/api/v1/projects/{project.pk}/periods/",
        {"start_date": "2019-07-01", "end_date": "2020-06-30", "due_date": "2020-07-31"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"start_date": [f"This period overlaps the period {period}."]}
    assert ReportingPeriod.objects.filter(project=project).count() == 1


def test_the_iati_import_refuses_a_period_that_overlaps_one_of_the_project():
    project = ProjectFactory(code="CP-UGA-2014")
    ProjectCountryFactory(project=project)
    people, _cities = corporate_indicators()
    result = services.project_result_add(project=project, outcome=people.outcome, title="Settlements upgraded")
    reached = services.project_indicator_add(result=result, indicator=people)
    (published,) = yearly_periods(project, 2019)
    services.period_targets_set(period=published, targets={reached.pk: Decimal("1000")})
    content = b"".join(iati.activities_xml(Project.objects.filter(pk=project.pk)))
    assert b'<period-start iso-date="2019-01-01"' in content
    # Since it was published, the project's period moved to mid-year: the file's period now overlaps it.
    published.delete()
    (moved,) = [
        services.reporting_period_add(
            project=project,
            start_date=dt.date(2019, 7, 1),
            end_date=dt.date(2020, 6, 30),
            due_date=dt.date(2020, 9, 30),
        )
    ]

    report = import_activities(content)

    assert [(outcome.action, outcome.reason) for outcome in report.outcomes] == [
        ("refused", f"This period overlaps the period {moved}.")
    ]
    assert list(ReportingPeriod.objects.filter(project=project)) == [moved]
