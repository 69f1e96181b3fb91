"""Staff make failed donor reports again from the admin, through the service that queues reports."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.urls import reverse

from donors import services
from donors.models import DonorReport, ReportJobStatus
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def report(status: str, **fields) -> DonorReport:
    donor = OrganisationFactory()
    return DonorReport.objects.create(
        donor=donor, period_start=dt.date(2024, 1, 1), period_end=dt.date(2024, 3, 31), status=status, **fields
    )


def test_the_admin_action_queues_failed_reports_again_and_leaves_the_others(
    staff_client, django_capture_on_commit_callbacks
):
    failed = report(ReportJobStatus.FAILED, failure_reason="The database kept failing")
    ready = report(ReportJobStatus.READY)

    with (
        mock.patch("donors.tasks.make_donor_report.apply_async") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = staff_client.post(
            reverse("admin:donors_donorreport_changelist"),
            {"action": "make_again", "_selected_action": [failed.pk, ready.pk]},
            follow=True,
        )

    assert "1 report(s) queued again." in response.content.decode()
    send.assert_called_once_with((failed.pk,), ignore_result=True)
    failed.refresh_from_db()
    assert (failed.status, failed.failure_reason) == (ReportJobStatus.QUEUED, "")
    assert DonorReport.objects.get(pk=ready.pk).status == ReportJobStatus.READY


def test_a_retry_is_sent_to_the_workers_only_once_the_change_is_committed(django_capture_on_commit_callbacks):
    failed = report(ReportJobStatus.FAILED)

    with mock.patch("donors.tasks.make_donor_report.apply_async") as send:
        with django_capture_on_commit_callbacks() as callbacks:
            queued = services.reports_retry(report_ids=[failed.pk])
        send.assert_not_called()
        for callback in callbacks:
            callback()

    assert queued == [failed.pk]
    send.assert_called_once_with((failed.pk,), ignore_result=True)
