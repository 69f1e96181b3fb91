"""A real Celery worker, over Redis, makes the demo donor's PDF report once the request has committed."""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from pypdf import PdfReader

from common.money import format_money, quantize
from donors import services
from donors.models import DonorReport, ReportJobStatus
from grants.demo import load_demo_portfolio
from grants.models import Contribution, ContributionStatus, ExchangeRate
from members.demo import create_demo_logins
from members.models import Organisation, User
from results.demo import load_demo_results
from tests.worker import celery_worker

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
            report = services.report_request(
                donor=seco, period_start=dt.date(2014, 1, 1), period_end=dt.date(2019, 12, 31), user=user
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
    dashboard = client.get(reverse("donors:dashboard", args=[seco.pk])).content.decode()
    assert f'data-figure="pledged">{pledged}</dd>' in dashboard  # the PDF and the page agree
