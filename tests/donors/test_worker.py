"""A real Celery worker, over Redis, makes the demo donor's PDF report once the request has committed."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import signal
import time
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from pypdf import PdfReader

from common.money import format_money, quantize
from devtools.demo.logins import create_demo_logins
from devtools.demo.portfolio import load_demo_portfolio
from devtools.demo.results import load_demo_results
from donors import services, tasks
from donors.models import DonorReport, ReportJobStatus
from grants.models import Contribution, ContributionStatus, ExchangeRate
from members.models import Organisation, User
from tests.factories import ContributionFactory, OrganisationFactory
from tests.worker import celery_worker, children_of, empty_broker

WAIT = 90  # seconds: a worker renders the demo's report in a few


def pledged_in_dollars(donor: Organisation) -> Decimal:
    """Each agreement's pledge at the USD rate of its start (or the last earlier one), worked out here."""
    total = Decimal(0)
    for contribution in Contribution.objects.filter(donor=donor).exclude(status=ContributionStatus.CANCELLED):
        rate = Decimal(1)
        if contribution.currency != "USD":
            rate = (
                ExchangeRate.objects.filter(
                    currency=contribution.currency, quote_currency="USD", date__lte=contribution.start_date
                )
                .latest("date")
                .rate
            )
        total += quantize(contribution.amount * rate)
    return total


def pdf_text(content: bytes) -> str:
    """The text of every page, with any run of spaces (non-breaking ones too) as one space."""
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def wait_until_finished(report: DonorReport) -> DonorReport:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        report.refresh_from_db()
        if report.is_finished:
            return report
        time.sleep(0.5)
    pytest.fail(f"the worker did not finish the report in {WAIT} s (status {report.status})")


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_makes_the_demo_donors_report_once_the_request_commits(client, settings, tmp_path, monkeypatch):
    media = tmp_path / "media"
    settings.MEDIA_ROOT = str(media)
    monkeypatch.setenv("MEDIA_ROOT", str(media))  # the worker's too: it inherits the environment
    monkeypatch.setenv("EMAIL_URL", "memorymail://")
    load_demo_portfolio()
    load_demo_results()
    seco = Organisation.objects.get(short_name="SECO")
    create_demo_logins(
        host=Organisation.objects.get(short_name="UNOPS"),
        donor=seco,
        partner=Organisation.objects.get(short_name="Jinja"),
    )
    user = User.objects.get(email="donor@example.org")
    pledged = format_money(pledged_in_dollars(seco), "USD", whole=True)

    with celery_worker():
        with transaction.atomic():
            report = services.report_request(  # in dollars, not SECO's own francs: the figure below is in USD
                donor=seco,
                period_start=dt.date(2014, 1, 1),
                period_end=dt.date(2019, 12, 31),
                user=user,
                currency="USD",
            )
            # The worker cannot see the job before the commit: it is queued on commit, not now.
            assert report.status == ReportJobStatus.QUEUED
        report = wait_until_finished(report)

    assert (report.status, report.failure_reason, report.attempts) == (ReportJobStatus.READY, "", 1)
    with report.file.open("rb") as stored:
        content = stored.read()
    assert content.startswith(b"%PDF-")
    assert report.pages == len(PdfReader(io.BytesIO(content)).pages) > 1
    text = pdf_text(content)
    assert seco.name in text
    assert pledged.replace("\xa0", " ") in text

    client.force_login(user)
    dashboard = client.get(reverse("donors:dashboard", args=[seco.pk]), {"currency": "USD"}).content.decode()
    assert f'data-figure="pledged">{pledged}</dd>' in dashboard  # the PDF and the page agree


# A worker killed while it makes a report: another worker takes the job over, without beat.

# A short visibility timeout, so that Redis gives the task of a killed worker back within seconds, not
# minutes, and a short heartbeat, so that the killed worker's claim on the report goes stale as fast.
QUICK_TAKEOVER = {"CELERY_VISIBILITY_TIMEOUT": "10", "DONOR_REPORT_HEARTBEAT": "1"}


def wait_until_being_made(report: DonorReport) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        report.refresh_from_db()
        if report.status == ReportJobStatus.RUNNING:
            return
        time.sleep(0.2)
    pytest.fail(f"no worker started the report in {WAIT} s (status {report.status})")


@pytest.fixture
def small_donor(settings, tmp_path, monkeypatch) -> Organisation:
    media = tmp_path / "media"
    settings.MEDIA_ROOT = str(media)
    monkeypatch.setenv("MEDIA_ROOT", str(media))  # the workers' too: they inherit the environment
    monkeypatch.setenv("EMAIL_URL", "memorymail://")
    empty_broker()  # a job an earlier test left would keep a worker busy
    donor = OrganisationFactory(name="Alpine Development Agency", short_name="ADA")
    ContributionFactory(donor=donor)
    return donor


def request_report(donor: Organisation) -> DonorReport:
    return services.report_request(
        donor=donor, period_start=dt.date(2019, 1, 1), period_end=dt.date(2019, 3, 31), user=None
    )


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_report_whose_worker_is_killed_mid_way_is_finished_by_another_worker(small_donor):
    with celery_worker(name="first", pool="prefork", slow_first_report=600, **QUICK_TAKEOVER) as first:
        report = request_report(small_donor)
        wait_until_being_made(report)
        os.kill(first.pid, signal.SIGKILL)  # the main process; its child making the report dies with it
        first.wait(timeout=30)

        with celery_worker(name="second", pool="prefork", **QUICK_TAKEOVER):
            report = wait_until_finished(report)

    assert (report.status, report.failure_reason, report.attempts) == (ReportJobStatus.READY, "", 2)
    with report.file.open("rb") as stored:
        assert stored.read().startswith(b"%PDF-")


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_report_whose_process_is_killed_while_its_worker_lives_is_taken_over(small_donor):
    with celery_worker(pool="prefork", slow_first_report=600, **QUICK_TAKEOVER) as worker:
        report = request_report(small_donor)
        wait_until_being_made(report)
        [child] = children_of(worker.pid)
        os.kill(child, signal.SIGKILL)  # as the kernel kills a process that ran out of memory
        report = wait_until_finished(report)

    assert (report.status, report.failure_reason, report.attempts) == (ReportJobStatus.READY, "", 2)


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_report_being_made_is_not_taken_over_when_its_job_is_delivered_again(small_donor):
    with celery_worker(name="maker", slow_first_report=15, **QUICK_TAKEOVER):
        report = request_report(small_donor)
        wait_until_being_made(report)
        with celery_worker(name="other", **QUICK_TAKEOVER):
            # The job delivered again while the maker is at it (as Redis gives back a task that outlasts the
            # visibility timeout): the other worker leaves it be, looking again for longer than a dead
            # worker's claim takes to go stale, as the maker's signs of life keep its claim.
            again = tasks.make_donor_report.apply_async([report.pk])
            assert again.get(timeout=WAIT) == "skipped"
        report = wait_until_finished(report)

    assert (report.status, report.failure_reason, report.attempts) == (ReportJobStatus.READY, "", 1)
