"""Donor reports: requested on the page, claimed by exactly one worker, made once, retried or failed plainly.

Celery runs eagerly here; the PDF itself is stubbed (tests/donors/test_report_pdf.py reads real ones).
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from unittest import mock

import pytest
import time_machine
from celery.exceptions import Retry, SoftTimeLimitExceeded, TimeLimitExceeded
from django.core import mail
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from donors import services, tasks
from donors.models import DonorReport, ReportJobStatus
from members.models import Role
from members.roles import FINANCE_OFFICER, role_group
from tests.donors.conftest import FAKE_PDF
from tests.factories import ContributionFactory, OrganisationFactory, OrganisationRoleFactory, VerifiedUserFactory

pytestmark = pytest.mark.django_db

Q1_2024 = (dt.date(2024, 1, 1), dt.date(2024, 3, 31))
INCEPTION = dt.date(2013, 10, 1)
LAST_AGREEMENT_ENDS = dt.date(2027, 12, 31)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def donor():
    organisation = OrganisationFactory(name="Alpine Development Agency", short_name="ADA")
    ContributionFactory(donor=organisation, start_date=INCEPTION, end_date=dt.date(2017, 12, 31))
    ContributionFactory(donor=organisation, start_date=dt.date(2018, 1, 1), end_date=LAST_AGREEMENT_ENDS)
    return organisation


def donor_user(organisation, email: str):
    user = VerifiedUserFactory(email=email)
    OrganisationRoleFactory(user=user, organisation=organisation, role=Role.DONOR)
    return user


@pytest.fixture
def treasurer(donor):
    return donor_user(donor, "treasurer@alpine.example.org")


def queued_report(donor, period=Q1_2024, **fields) -> DonorReport:
    return DonorReport.objects.create(donor=donor, period_start=period[0], period_end=period[1], **fields)


def stored_files(settings) -> list[Path]:
    return sorted(path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file())


def status_of(client, report: DonorReport) -> dict:
    response = client.get(reverse("donors:report-status", args=[report.donor_id, report.pk]))
    assert response.status_code == 200
    return response.json()


# Requesting a report


def test_requesting_a_report_on_the_page_queues_a_job_that_the_worker_then_makes(
    client, donor, treasurer, fake_pdf, django_capture_on_commit_callbacks, settings
):
    client.force_login(treasurer)
    url = reverse("donors:reports", args=[donor.pk])

    with django_capture_on_commit_callbacks() as queued:
        response = client.post(url, {"period_start": "2024-01-01", "period_end": "2024-03-31"})

    report = DonorReport.objects.get()
    assert response.status_code == 302 and response["Location"] == url
    assert (report.status, report.requested_by, report.is_scheduled) == (ReportJobStatus.QUEUED, treasurer, False)
    assert (report.period_start, report.period_end) == Q1_2024
    assert len(queued) == 1  # the task goes to the broker only once the request's transaction commits
    page = client.get(url).content.decode()
    assert f'data-report="{report.pk}" data-status-url="' in page
    assert "Queued" in page and "Download PDF</a>" not in page

    with django_capture_on_commit_callbacks(execute=True):
        queued[0]()

    report.refresh_from_db()
    assert report.status == ReportJobStatus.READY
    assert (report.attempts, report.pages, report.failure_reason) == (1, 1, "")
    with report.file.open("rb") as pdf:
        assert pdf.read() == FAKE_PDF
    assert stored_files(settings) == [Path(report.file.path)]
    fake_pdf.assert_called_once()


def test_the_whole_request_runs_at_once_with_an_eager_worker(
    client, donor, treasurer, fake_pdf, django_capture_on_commit_callbacks
):
    client.force_login(treasurer)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("donors:reports", args=[donor.pk]), {"period_start": "2024-01-01", "period_end": "2024-03-31"}
        )

    report = DonorReport.objects.get()
    assert status_of(client, report) == {
        "id": report.pk,
        "status": "ready",
        "label": "Ready",
        "finished": True,
        "failure_reason": "",
        "download": reverse("donors:report-pdf", args=[donor.pk, report.pk]),
    }
    page = client.get(reverse("donors:reports", args=[donor.pk])).content.decode()
    assert "data-status-url" not in page  # nothing left for the page to poll
    download = client.get(reverse("donors:report-pdf", args=[donor.pk, report.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="ADA-donor-report-2024-01-01-2024-03-31.pdf"'
    assert (download["Content-Type"], download["X-Content-Type-Options"]) == ("application/pdf", "nosniff")
    assert b"".join(download.streaming_content) == FAKE_PDF


@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        ("2024-03-31", "2024-01-01", "period_end", "The period must end on or after its start."),
        ("2024-07-01", "2024-09-30", "period_start", "The period cannot start in the future."),
        (
            "2013-09-30",
            "2024-03-31",
            "period_start",
            "Choose a period within the agreements of Alpine Development Agency, from 1 Oct 2013 to 31 Dec 2027: "
            "30 Sep 2013 to 31 Mar 2024 is outside them.",
        ),
        (
            "2024-01-01",
            "2028-01-31",
            "period_end",
            "Choose a period within the agreements of Alpine Development Agency, from 1 Oct 2013 to 31 Dec 2027: "
            "1 Jan 2024 to 31 Jan 2028 is outside them.",
        ),
        ("", "2024-03-31", "period_start", "This field is required."),
        ("2024-02-30", "2024-03-31", "period_start", "Enter a valid date."),
    ],
)
def test_an_invalid_period_is_refused_with_the_reason_and_nothing_is_queued(
    client, donor, treasurer, start, end, field, message, django_capture_on_commit_callbacks
):
    client.force_login(treasurer)

    with (
        time_machine.travel(dt.datetime(2024, 5, 15, 12, tzinfo=dt.UTC), tick=False),
        django_capture_on_commit_callbacks() as queued,
    ):
        response = client.post(reverse("donors:reports", args=[donor.pk]), {"period_start": start, "period_end": end})

    assert response.status_code == 400
    assert response.context["form"].errors == {field: [message]}
    assert message in response.content.decode()
    assert not DonorReport.objects.exists()
    assert queued == []


def test_a_user_cannot_request_a_report_for_a_donor_it_does_not_act_for(donor):
    outsider = VerifiedUserFactory()

    with pytest.raises(services.DonorReportError, match="cannot request reports for this donor"):
        services.report_request(donor=donor, period_start=Q1_2024[0], period_end=Q1_2024[1], user=outsider)

    assert not DonorReport.objects.exists()


# Claiming the job: one worker only


def test_only_the_first_claim_of_a_job_succeeds(donor):
    report = queued_report(donor)

    assert services.report_claim(report_id=report.pk) is True
    assert services.report_claim(report_id=report.pk) is False

    report.refresh_from_db()
    assert (report.status, report.attempts) == (ReportJobStatus.RUNNING, 1)


def test_a_job_left_running_by_a_dead_worker_can_be_claimed_again_once_stale(donor):
    report = queued_report(donor)
    started = timezone.now()
    assert services.report_claim(report_id=report.pk, now=started)

    still_fresh = started + services.STALE_AFTER - dt.timedelta(seconds=1)
    assert services.report_claim(report_id=report.pk, now=still_fresh) is False
    stale = started + services.STALE_AFTER + dt.timedelta(seconds=1)
    assert services.report_claim(report_id=report.pk, now=stale) is True
    assert services.report_claim(report_id=report.pk, now=stale) is False

    report.refresh_from_db()
    assert (report.status, report.started_at, report.attempts) == (ReportJobStatus.RUNNING, stale, 2)


def test_a_job_whose_worker_gives_signs_of_life_is_not_claimed_however_long_it_runs(donor):
    report = queued_report(donor)
    started = timezone.now() - dt.timedelta(hours=1)
    assert services.report_claim(report_id=report.pk, now=started)

    with time_machine.travel(started + dt.timedelta(minutes=59), tick=False):
        assert services.report_heartbeat(report_id=report.pk)
    alive = started + dt.timedelta(minutes=59) + services.STALE_AFTER - dt.timedelta(seconds=1)
    assert services.report_claim(report_id=report.pk, now=alive) is False
    dead = alive + dt.timedelta(seconds=2)
    assert services.report_claim(report_id=report.pk, now=dead) is True

    report.refresh_from_db()
    assert (report.status, report.attempts, report.heartbeat_at) == (ReportJobStatus.RUNNING, 2, dead)


def test_a_job_whose_process_died_at_every_attempt_fails_with_the_reason_instead_of_running_again(donor):
    report = queued_report(donor)
    now = timezone.now()
    for attempt in range(services.MAX_ATTEMPTS):
        now += services.STALE_AFTER + dt.timedelta(seconds=1)
        assert services.report_claim(report_id=report.pk, now=now) is True, f"attempt {attempt + 1}"

    now += services.STALE_AFTER + dt.timedelta(seconds=1)
    assert services.report_claim(report_id=report.pk, now=now) is False

    report.refresh_from_db()
    assert (report.status, report.attempts) == (ReportJobStatus.FAILED, services.MAX_ATTEMPTS)
    assert f"stopped {services.MAX_ATTEMPTS} times before it was done" in report.failure_reason


@pytest.mark.django_db(transaction=True)
def test_the_worker_making_a_report_gives_signs_of_life_that_keep_it_from_being_taken_over(donor, settings):
    settings.DONOR_REPORT_HEARTBEAT = 0.05
    report = queued_report(donor)
    claimed = timezone.now() - dt.timedelta(hours=1)  # long enough ago for a silent claim to be stale
    assert services.report_claim(report_id=report.pk, now=claimed)
    taken_over = []

    def slow_render(report):
        deadline = time.monotonic() + 30
        while DonorReport.objects.get(pk=report.pk).heartbeat_at == claimed:
            assert time.monotonic() < deadline, "no sign of life while the report was made"
            time.sleep(0.01)
        taken_over.append(services.report_claim(report_id=report.pk))  # another worker tries
        return FAKE_PDF, 1

    with mock.patch("donors.services.render_report_pdf", side_effect=slow_render):
        services.report_build(report_id=report.pk)

    report.refresh_from_db()
    assert taken_over == [False]
    assert (report.status, report.attempts) == (ReportJobStatus.READY, 1)


def test_a_report_no_longer_being_made_takes_no_sign_of_life(donor):
    report = queued_report(donor, status=ReportJobStatus.FAILED)

    assert services.report_heartbeat(report_id=report.pk) is False

    report.refresh_from_db()
    assert (report.status, report.heartbeat_at) == (ReportJobStatus.FAILED, None)


@pytest.mark.parametrize("status", [ReportJobStatus.READY, ReportJobStatus.FAILED])
def test_a_finished_job_is_never_claimed_again(donor, status):
    report = queued_report(donor, status=status, started_at=timezone.now() - dt.timedelta(days=1))

    assert services.report_claim(report_id=report.pk) is False


def test_running_the_task_twice_makes_the_report_once(donor, fake_pdf, settings, django_capture_on_commit_callbacks):
    report = queued_report(donor)

    with django_capture_on_commit_callbacks(execute=True):
        first = tasks.make_donor_report.delay(report.pk).get()
        second = tasks.make_donor_report.delay(report.pk).get()

    report.refresh_from_db()
    assert (first, second) == ("ready", "skipped")
    assert (report.status, report.attempts) == (ReportJobStatus.READY, 1)
    assert stored_files(settings) == [Path(report.file.path)]
    fake_pdf.assert_called_once()


def test_a_job_delivered_again_while_held_is_looked_at_again_once_its_worker_counts_as_gone(donor, fake_pdf):
    """A worker process that dies making a report has its message delivered again at once (acks_late): the
    job is still running then, so the new delivery comes back when the dead worker's claim has gone stale."""
    report = queued_report(donor)
    claimed_at = timezone.now()
    assert services.report_claim(report_id=report.pk, now=claimed_at)  # the worker that then died

    with (
        mock.patch.object(tasks.make_donor_report, "retry", side_effect=Retry()) as retry,
        pytest.raises(Retry),
    ):
        tasks.make_donor_report.run(report.pk)

    countdown = retry.call_args.kwargs["countdown"]
    assert countdown > services.STALE_AFTER.total_seconds()
    fake_pdf.assert_not_called()
    with time_machine.travel(claimed_at + dt.timedelta(seconds=countdown), tick=False):
        assert tasks.make_donor_report.run(report.pk) == "ready"
    report.refresh_from_db()
    assert (report.status, report.attempts) == (ReportJobStatus.READY, 2)


def test_building_a_job_this_worker_did_not_claim_is_refused(donor, fake_pdf):
    report = queued_report(donor)

    with pytest.raises(services.DonorReportError):
        services.report_build(report_id=report.pk)

    fake_pdf.assert_not_called()


# Errors: retried when they may go away, recorded when they will not


def test_a_transient_error_gives_the_job_back_to_the_queue_and_retries_later(donor):
    report = queued_report(donor)
    error = OperationalError("could not obtain lock on row")

    with (
        mock.patch("donors.services.render_report_pdf", side_effect=error),
        mock.patch.object(tasks.make_donor_report, "retry", side_effect=Retry()) as retry,
        pytest.raises(Retry),
    ):
        tasks.make_donor_report.run(report.pk)

    retry.assert_called_once_with(exc=error, countdown=tasks.RETRY_COUNTDOWN)
    report.refresh_from_db()
    assert (report.status, report.attempts, report.failure_reason) == (ReportJobStatus.QUEUED, 1, "")
    assert services.report_claim(report_id=report.pk)  # the retry can take it


def test_a_transient_error_on_the_last_retry_fails_the_job(donor):
    report = queued_report(donor)
    last = tasks.make_donor_report.max_retries

    with (
        mock.patch("donors.services.render_report_pdf", side_effect=OperationalError("server closed")),
        mock.patch.object(tasks.make_donor_report, "retry") as retry,
    ):
        outcome = tasks.make_donor_report.apply(args=[report.pk], retries=last).get()

    retry.assert_not_called()
    report.refresh_from_db()
    assert (outcome, report.status) == ("failed", ReportJobStatus.FAILED)
    assert report.failure_reason == "The database or network kept failing: server closed"


def test_with_an_eager_worker_the_retry_reaches_the_caller_and_the_next_delivery_makes_the_report(
    donor, django_capture_on_commit_callbacks
):
    report = queued_report(donor)
    results = [OperationalError("deadlock detected"), (FAKE_PDF, 2)]

    with mock.patch("donors.services.render_report_pdf", side_effect=results):
        # Eager Celery does not run the retry itself: it raises it, and the job waits in the queue.
        with pytest.raises(Retry):
            tasks.make_donor_report.delay(report.pk)
        report.refresh_from_db()
        assert (report.status, report.attempts) == (ReportJobStatus.QUEUED, 1)

        with django_capture_on_commit_callbacks(execute=True):
            outcome = tasks.make_donor_report.apply(args=[report.pk], retries=1).get()  # what the broker redelivers

    report.refresh_from_db()
    assert (outcome, report.status, report.attempts, report.pages) == ("ready", ReportJobStatus.READY, 2, 2)


def test_another_error_fails_the_job_with_a_reason_the_page_shows(client, donor, treasurer, caplog):
    report = queued_report(donor)
    client.force_login(treasurer)

    with mock.patch("donors.services.render_report_pdf", side_effect=ValueError("no statement for this period")):
        outcome = tasks.make_donor_report.delay(report.pk).get()

    report.refresh_from_db()
    reason = "The report could not be made: no statement for this period"
    assert (outcome, report.status, report.failure_reason) == ("failed", ReportJobStatus.FAILED, reason)
    assert report.finished_at is not None and not report.file
    assert status_of(client, report) == {
        "id": report.pk,
        "status": "failed",
        "label": "Failed",
        "finished": True,
        "failure_reason": reason,
        "download": None,
    }
    assert reason in client.get(reverse("donors:reports", args=[donor.pk])).content.decode()
    assert client.get(reverse("donors:report-pdf", args=[donor.pk, report.pk])).status_code == 404
    assert "Donor report" in caplog.text  # logged with its traceback for the people who run the site
    assert mail.outbox == []


def test_a_report_that_takes_too_long_is_stopped_and_marked_failed(donor):
    report = queued_report(donor)

    with mock.patch("donors.services.render_report_pdf", side_effect=SoftTimeLimitExceeded()):
        outcome = tasks.make_donor_report.delay(report.pk).get()

    report.refresh_from_db()
    assert (outcome, report.status) == ("failed", ReportJobStatus.FAILED)
    assert report.failure_reason == "Making the report took longer than 270 s, so it was stopped."


def test_a_report_whose_process_the_hard_time_limit_killed_is_marked_failed(donor):
    report = queued_report(donor)
    assert services.report_claim(report_id=report.pk)
    task = tasks.make_donor_report

    # What the worker's main process calls once it has killed the child at the hard limit.
    task.on_failure(TimeLimitExceeded(task.time_limit), "task-id", (report.pk,), {}, None)

    report.refresh_from_db()
    assert report.status == ReportJobStatus.FAILED
    assert report.failure_reason == "Making the report took longer than 300 s, so it was stopped."


def test_the_task_is_acknowledged_late_and_given_to_another_worker_only_after_it_could_have_run_or_waited(settings):
    task = tasks.make_donor_report

    assert (task.acks_late, task.reject_on_worker_lost) == (True, True)
    assert 0 < task.soft_time_limit < task.time_limit
    # Redis gives the task of a dead worker to another once it could no longer be running, nor waiting for
    # a retry: a task still running is not delivered a second time.
    longest_wait = max(tasks.RETRY_COUNTDOWN, services.STALE_AFTER.total_seconds() + 1)
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > max(task.time_limit, longest_wait)


def test_a_job_delivered_again_after_its_worker_was_killed_is_taken_over_and_made(donor, fake_pdf):
    report = queued_report(donor)
    killed_at = timezone.now() - services.STALE_AFTER - dt.timedelta(seconds=1)
    assert services.report_claim(report_id=report.pk, now=killed_at)  # the worker died holding the job

    outcome = tasks.make_donor_report.delay(report.pk).get()  # Redis delivers it again, to another worker

    report.refresh_from_db()
    assert (outcome, report.status, report.attempts) == ("ready", ReportJobStatus.READY, 2)


# The quarterly schedule


def test_the_quarterly_schedule_makes_one_report_per_donor_for_the_last_quarter(
    fake_pdf, django_capture_on_commit_callbacks
):
    donors = [OrganisationFactory(name=name) for name in ("Alpine Agency", "Baltic Fund")]
    for donor in donors:
        ContributionFactory(donor=donor, start_date=dt.date(2023, 1, 1))
    OrganisationFactory(name="Not a donor")

    with (
        time_machine.travel(dt.datetime(2024, 4, 1, 2, tzinfo=dt.UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        first = tasks.make_quarterly_reports.delay().get()
        second = tasks.make_quarterly_reports.delay().get()

    reports = DonorReport.objects.order_by("donor__name")
    assert (first, second) == (2, 2)
    assert [(r.donor, r.period_start, r.period_end, r.is_scheduled, r.requested_by) for r in reports] == [
        (donor, *Q1_2024, True, None) for donor in donors
    ]
    assert {report.status for report in reports} == {ReportJobStatus.READY}
    assert fake_pdf.call_count == 2  # the second run found the reports made


@pytest.mark.parametrize(
    ("today", "quarter"),
    [
        (dt.date(2024, 1, 1), (dt.date(2023, 10, 1), dt.date(2023, 12, 31))),
        (dt.date(2024, 3, 31), (dt.date(2023, 10, 1), dt.date(2023, 12, 31))),
        (dt.date(2024, 4, 1), Q1_2024),
        (dt.date(2024, 12, 31), (dt.date(2024, 7, 1), dt.date(2024, 9, 30))),
    ],
)
def test_the_last_quarter_is_the_calendar_quarter_before_today(today, quarter):
    from donors.selectors import last_quarter

    assert last_quarter(today) == quarter


# Telling the donor


def test_the_donors_users_and_the_requester_are_emailed_when_the_report_is_ready(
    donor, treasurer, fake_pdf, django_capture_on_commit_callbacks
):
    colleague = donor_user(donor, "director@alpine.example.org")
    staff = VerifiedUserFactory(email="secretariat@example.org", is_staff=True)
    staff.groups.add(role_group(FINANCE_OFFICER))
    other = OrganisationFactory()
    ContributionFactory(donor=other)
    donor_user(other, "someone@baltic.example.org")

    with django_capture_on_commit_callbacks(execute=True):
        services.report_request(donor=donor, period_start=Q1_2024[0], period_end=Q1_2024[1], user=staff)

    assert sorted(message.to[0] for message in mail.outbox) == sorted([colleague.email, staff.email, treasurer.email])
    assert all(len(message.to) == 1 for message in mail.outbox)  # nobody sees the others' addresses
    message = mail.outbox[0]
    assert message.subject == "Your donor report is ready: 1 Jan 2024 to 31 Mar 2024"  # dated as every page is
    assert "The donor report of Alpine Development Agency for 1 Jan 2024 to 31 Mar 2024 is ready." in message.body


def test_nobody_is_emailed_while_a_report_is_not_ready(donor, treasurer, django_capture_on_commit_callbacks):
    with (
        mock.patch("donors.services.render_report_pdf", side_effect=ValueError("broken")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.report_request(donor=donor, period_start=Q1_2024[0], period_end=Q1_2024[1], user=treasurer)

    assert DonorReport.objects.get().status == ReportJobStatus.FAILED
    assert mail.outbox == []


def test_the_quarterly_schedule_skips_donors_whose_agreements_did_not_run_that_quarter(fake_pdf):
    ended = OrganisationFactory(name="Ended Fund")
    ContributionFactory(donor=ended, start_date=dt.date(2015, 1, 1), end_date=dt.date(2018, 12, 31))

    with time_machine.travel(dt.datetime(2024, 4, 1, 2, tzinfo=dt.UTC), tick=False):
        tasks.make_quarterly_reports.delay().get()

    assert not DonorReport.objects.filter(donor=ended).exists()


def test_a_job_the_broker_lost_is_queued_again_by_the_sweeper(donor, fake_pdf, django_capture_on_commit_callbacks):
    report = queued_report(donor)  # queued in the database, but the broker lost the message (Redis restarted)

    with (
        time_machine.travel(timezone.now() + services.REQUEUE_AFTER + dt.timedelta(minutes=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert tasks.requeue_stuck_reports.delay().get() == 1

    report.refresh_from_db()
    assert report.status == ReportJobStatus.READY
