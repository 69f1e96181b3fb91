"""Requesting a donor report as staff in the admin and as a donor: a working request page, any period
within the donor's agreements, one job however often it is asked for, a status read from the job's record,
and, with no broker, a request that answers before the PDF is made."""

from __future__ import annotations

import datetime as dt
import re
import threading
from unittest import mock

import pytest
import time_machine
from django.urls import reverse

from common import background
from donors.models import DonorReport, ReportJobStatus
from members.models import Role
from tests.donors.conftest import FAKE_PDF
from tests.factories import ContributionFactory, OrganisationFactory, OrganisationRoleFactory, VerifiedUserFactory

pytestmark = pytest.mark.django_db

INCEPTION, LAST_END = dt.date(2013, 10, 1), dt.date(2027, 12, 31)
TODAY = dt.datetime(2026, 12, 4, 12, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=True):
        yield


@pytest.fixture
def donor():
    seco = OrganisationFactory(name="State Secretariat for Economic Affairs", short_name="SECO")
    ContributionFactory(donor=seco, start_date=INCEPTION, end_date=dt.date(2017, 12, 31), currency="CHF")
    ContributionFactory(donor=seco, start_date=dt.date(2018, 1, 1), end_date=LAST_END, currency="CHF")
    return seco


def request_in_admin(client, donor, start: str, end: str):
    return client.post(
        reverse("admin:donors_donorreport_request"), {"donor": donor.pk, "period_start": start, "period_end": end}
    )


def progress_url(report) -> str:
    return reverse("admin:donors_donorreport_progress", args=[report.pk])


# The request page


def test_the_request_page_loads_the_translation_catalogue_before_the_calendar(staff_client, donor):
    page = staff_client.get(reverse("admin:donors_donorreport_request")).content.decode()

    scripts = re.findall(r'<script src="([^"]+)"', page)
    catalogue = scripts.index(reverse("admin:jsi18n"))
    calendar = next(i for i, src in enumerate(scripts) if src.endswith("admin/js/calendar.js"))
    shortcuts = next(i for i, src in enumerate(scripts) if src.endswith("admin/js/admin/DateTimeShortcuts.js"))
    assert catalogue < calendar and catalogue < shortcuts
    assert "<script>" not in page  # nothing inline: the Content-Security-Policy allows none
    assert 'class="vDateField"' in page
    assert "YYYY-MM-DD, or pick a day from the calendar." in page
    assert "since inception included" in page


def test_a_date_in_another_format_is_refused_not_guessed(staff_client, donor, fake_pdf):
    response = request_in_admin(staff_client, donor, "01/12/2024", "2024-12-31")

    assert response.status_code == 400
    assert response.context["form"].errors == {"period_start": ["Enter a valid date."]}
    assert not DonorReport.objects.exists()


# The period: any length within the agreements


def test_a_report_since_inception_is_requested_and_made(
    staff_client, donor, fake_pdf, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = request_in_admin(staff_client, donor, "2013-10-01", "2027-12-31")

    report = DonorReport.objects.get()
    assert response.status_code == 302 and response["Location"] == progress_url(report)
    assert (report.period_start, report.period_end, report.status) == (INCEPTION, LAST_END, ReportJobStatus.READY)


@pytest.mark.parametrize(
    ("start", "end", "field", "outside"),
    [
        ("2013-09-30", "2020-12-31", "period_start", "30 Sep 2013 to 31 Dec 2020"),
        ("2020-01-01", "2028-01-01", "period_end", "1 Jan 2020 to 1 Jan 2028"),
    ],
)
def test_a_period_outside_the_agreements_is_refused_with_their_span(staff_client, donor, start, end, field, outside):
    response = request_in_admin(staff_client, donor, start, end)

    message = (
        "Choose a period within the agreements of State Secretariat for Economic Affairs, "
        f"from 1 Oct 2013 to 31 Dec 2027: {outside} is outside them."
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {field: [message]}
    assert message in response.content.decode()
    assert not DonorReport.objects.exists()


def test_a_donor_without_an_agreement_cannot_be_reported_on(donor):
    from donors import services

    with pytest.raises(services.DonorReportError, match="has no agreement to report on"):
        services.report_request(
            donor=OrganisationFactory(), period_start=dt.date(2024, 1, 1), period_end=dt.date(2024, 3, 31), user=None
        )


# One job however often it is asked for


def test_a_second_click_returns_the_job_already_queued(staff_client, donor, django_capture_on_commit_callbacks):
    with (
        mock.patch("donors.tasks.make_donor_report.apply_async") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        first = request_in_admin(staff_client, donor, "2024-01-01", "2024-03-31")
        second = request_in_admin(staff_client, donor, "2024-01-01", "2024-03-31")

    report = DonorReport.objects.get()
    assert first["Location"] == second["Location"] == progress_url(report)
    send.assert_called_once_with((report.pk,), ignore_result=True)


def test_a_donor_asking_twice_for_a_report_being_made_gets_that_one(client, donor, django_capture_on_commit_callbacks):
    treasurer = VerifiedUserFactory()
    OrganisationRoleFactory(user=treasurer, organisation=donor, role=Role.DONOR)
    client.force_login(treasurer)
    running = DonorReport.objects.create(
        donor=donor,
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 3, 31),
        currency="CHF",  # SECO's own, which the page asks for unless told
        status=ReportJobStatus.RUNNING,
        started_at=TODAY,
        heartbeat_at=TODAY,
    )

    with (
        mock.patch("donors.tasks.make_donor_report.apply_async") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            reverse("donors:reports", args=[donor.pk]), {"period_start": "2024-01-01", "period_end": "2024-03-31"}
        )

    assert response.status_code == 302
    assert list(DonorReport.objects.all()) == [running]
    send.assert_not_called()


def test_asking_again_for_a_job_no_worker_has_sends_it_again(staff_client, donor, django_capture_on_commit_callbacks):
    lost = DonorReport.objects.create(
        donor=donor, period_start=dt.date(2024, 1, 1), period_end=dt.date(2024, 3, 31), currency="CHF"
    )
    DonorReport.objects.filter(pk=lost.pk).update(requested_at=TODAY - dt.timedelta(hours=1))

    with (
        mock.patch("donors.tasks.make_donor_report.apply_async") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        request_in_admin(staff_client, donor, "2024-01-01", "2024-03-31")

    assert list(DonorReport.objects.all()) == [lost]
    send.assert_called_once_with((lost.pk,), ignore_result=True)


def test_a_finished_report_does_not_stop_a_new_request_of_its_period(staff_client, donor, fake_pdf):
    DonorReport.objects.create(
        donor=donor, period_start=dt.date(2024, 1, 1), period_end=dt.date(2024, 3, 31), status=ReportJobStatus.READY
    )

    request_in_admin(staff_client, donor, "2024-01-01", "2024-03-31")

    assert DonorReport.objects.count() == 2


# The status shown is the job's record


def test_the_progress_page_shows_the_status_of_the_record_each_time(
    staff_client, donor, fake_pdf, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        response = request_in_admin(staff_client, donor, "2024-01-01", "2024-03-31")
    report = DonorReport.objects.get()
    status_url = reverse("admin:donors_donorreport_status", args=[report.pk])

    waiting = staff_client.get(response["Location"]).content.decode()
    assert "Queued" in waiting and f'data-status-url="{status_url}"' in waiting
    assert 'data-role="progress"' in waiting and ">Refresh</a>" in waiting  # the page without JavaScript
    assert staff_client.get(status_url).json()["status"] == "queued"

    with django_capture_on_commit_callbacks(execute=True):
        queued[0]()

    ready = staff_client.get(response["Location"]).content.decode()
    pdf = reverse("admin:donors_donorreport_pdf", args=[report.pk])
    assert "Ready" in ready and f'<a href="{pdf}">Download PDF</a>' in ready
    assert "data-status-url" not in ready and "Refresh" not in ready
    status = staff_client.get(status_url)
    assert status.json() == {
        "id": report.pk,
        "status": "ready",
        "label": "Ready",
        "finished": True,
        "failure_reason": "",
        "download": pdf,
    }
    assert "no-cache" in status["Cache-Control"]
    changelist = staff_client.get(reverse("admin:donors_donorreport_changelist")).content.decode()
    assert f'<a href="{progress_url(report)}">Ready</a>' in changelist


def test_staff_without_the_view_permission_cannot_follow_a_report(client, staff_without_permissions, donor):
    report = DonorReport.objects.create(donor=donor, period_start=dt.date(2024, 1, 1), period_end=dt.date(2024, 3, 31))
    client.force_login(staff_without_permissions)

    assert client.get(progress_url(report)).status_code == 403
    assert client.get(reverse("admin:donors_donorreport_status", args=[report.pk])).status_code == 403


# Without a broker: made in a background thread


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_request_answers_before_the_pdf_is_made(client, settings, monkeypatch):
    """The job waits on an event the test sets, so the answer can only come before the PDF is made."""
    from tests.factories import StaffFactory

    settings.LONG_JOBS_IN_THREAD = True
    seco = OrganisationFactory(name="SECO")
    ContributionFactory(donor=seco, start_date=INCEPTION, end_date=LAST_END)
    client.force_login(StaffFactory())
    started, release = threading.Event(), threading.Event()
    jobs = []

    def slow_pdf(report):
        started.set()
        release.wait(timeout=120)
        return FAKE_PDF, 1

    def submit(task, args):
        jobs.append(background._executor.submit(background._run, task, tuple(args)))
        return jobs[-1]

    monkeypatch.setattr(background, "submit", submit)
    with mock.patch("donors.services.render_report_pdf", side_effect=slow_pdf):
        response = request_in_admin(client, seco, "2013-10-01", "2026-11-30")

        assert response.status_code == 302
        assert started.wait(timeout=120), "the job did not start"
        report = DonorReport.objects.get()
        assert report.status == ReportJobStatus.RUNNING
        page = client.get(response["Location"]).content.decode()
        assert "Being made" in page and 'data-role="progress"' in page
        again = request_in_admin(client, seco, "2013-10-01", "2026-11-30")  # the impatient second click
        assert again["Location"] == response["Location"]

        release.set()
        jobs[0].result(timeout=120)

    assert len(jobs) == 1
    report.refresh_from_db()
    assert (report.status, report.pages) == (ReportJobStatus.READY, 1)
    assert "Download PDF" in client.get(response["Location"]).content.decode()
