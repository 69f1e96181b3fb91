"""What releases a tranche besides its due date, and its status on each day: nothing, a report approved, a
document received, or a date (met on that date)."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

import pytest
import time_machine
from django.apps import apps
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from common.errors import DomainError
from grants.models import ReleaseCondition, Tranche, TrancheStatus
from grants.selectors import tranches_due
from grants.services import LedgerError, TrancheSpec, disbursement_record, tranche_condition_meet
from members.roles import PROGRAMME_OFFICER
from results.services import report_approve
from tests.factories import GrantAgreementFactory, ReportingPeriodFactory, StaffFactory, staff_in_role
from tests.results.helpers import submitted

pytestmark = pytest.mark.django_db

R = ReleaseCondition
DUE = dt.date(2019, 3, 1)
RELEASE = dt.date(2019, 6, 1)


@pytest.fixture
def schedule() -> dict[str, Tranche]:
    """Four tranches due on the same day, each released by a different kind of condition."""
    agreement = GrantAgreementFactory(
        amount=Decimal("1000.00"),
        tranches=[
            TrancheSpec(DUE, Decimal("100.00")),
            TrancheSpec(DUE, Decimal("200.00"), kind=R.DATE, release_on=RELEASE),
            TrancheSpec(DUE, Decimal("300.00"), "First annual report", kind=R.REPORT),
            TrancheSpec(DUE, Decimal("400.00"), "Signed land agreement", kind=R.DOCUMENT),
        ],
    )
    return {tranche.condition_kind: tranche for tranche in agreement.tranches.all()}


def statuses(schedule, day: dt.date) -> dict[str, str]:
    return {kind: Tranche.objects.get(pk=tranche.pk).status_on(day) for kind, tranche in schedule.items()}


def test_each_kind_of_condition_holds_its_tranche_until_it_is_met(schedule):
    before_due = statuses(schedule, DUE - dt.timedelta(days=1))
    after_due = statuses(schedule, DUE)
    on_release = statuses(schedule, RELEASE)

    assert before_due == dict.fromkeys(schedule, TrancheStatus.PLANNED)
    assert after_due == {
        R.NONE: TrancheStatus.DUE,
        R.DATE: TrancheStatus.AWAITING_CONDITION,
        R.REPORT: TrancheStatus.AWAITING_CONDITION,
        R.DOCUMENT: TrancheStatus.AWAITING_CONDITION,
    }
    assert on_release == {**after_due, R.DATE: TrancheStatus.DUE}


def test_a_document_received_releases_its_tranche_from_the_day_it_is_recorded(schedule):
    tranche_condition_meet(tranche=schedule[R.DOCUMENT], on=dt.date(2019, 4, 2))

    assert statuses(schedule, dt.date(2019, 4, 2))[R.DOCUMENT] == TrancheStatus.DUE


def test_the_approved_report_of_its_period_releases_a_report_tranche(schedule):
    tranche = schedule[R.REPORT]
    period = ReportingPeriodFactory(project=tranche.agreement.project, releases_tranche=tranche)
    report = submitted(period, {})
    assert Tranche.objects.get(pk=tranche.pk).status == TrancheStatus.AWAITING_CONDITION

    report_approve(report=report, user=StaffFactory())

    tranche.refresh_from_db()
    today = timezone.localdate()
    assert (tranche.condition_met_on, tranche.status_on(today)) == (today, TrancheStatus.DUE)


def test_recording_a_condition_leaves_a_date_condition_and_a_tranche_without_one_as_they_are(schedule):
    for kind in (R.DATE, R.NONE):
        tranche_condition_meet(tranche=schedule[kind], on=dt.date(2019, 4, 2))

    assert Tranche.objects.get(pk=schedule[R.DATE].pk).condition_met_on == RELEASE
    assert Tranche.objects.get(pk=schedule[R.NONE].pk).condition_met_on is None


def test_a_date_tranche_is_paid_from_its_release_date_only(schedule):
    tranche = schedule[R.DATE]
    project = tranche.agreement.project

    with pytest.raises(LedgerError) as refusal:
        disbursement_record(project=project, tranche=tranche, amount=Decimal("200.00"), value_date=dt.date(2019, 5, 31))
    paid = disbursement_record(project=project, tranche=tranche, amount=Decimal("200.00"), value_date=RELEASE)

    assert refusal.value.message == "Tranche 2 waits for its condition: Not before 1 Jun 2019."
    assert paid.tranche == tranche


def test_the_tranches_due_are_those_whose_condition_is_met_on_the_day(schedule):
    tranche_condition_meet(tranche=schedule[R.DOCUMENT], on=dt.date(2019, 4, 2))

    before, after = tranches_due(on=dt.date(2019, 5, 31)), tranches_due(on=RELEASE)

    assert {t.condition_kind for t in before} == {R.NONE, R.DOCUMENT}
    assert {t.condition_kind for t in after} == {R.NONE, R.DOCUMENT, R.DATE}


def test_the_admin_lists_a_date_tranche_as_due_from_its_date(client, schedule):
    client.force_login(StaffFactory())
    url = reverse("admin:grants_tranche_changelist")

    with time_machine.travel(dt.datetime(2019, 5, 31, 12, tzinfo=dt.UTC), tick=False):
        before = {t.pk for t in client.get(url, {"status": "due"}).context["cl"].result_list}
    with time_machine.travel(dt.datetime(2019, 6, 1, 12, tzinfo=dt.UTC), tick=False):
        after = {t.pk for t in client.get(url, {"status": "due"}).context["cl"].result_list}

    assert before == {schedule[R.NONE].pk}
    assert after == {schedule[R.NONE].pk, schedule[R.DATE].pk}


def test_marking_conditions_met_in_the_admin_says_which_tranches_have_none_to_record(client, schedule):
    client.force_login(staff_in_role(PROGRAMME_OFFICER))
    chosen = [schedule[R.DOCUMENT].pk, schedule[R.DATE].pk]

    done = client.post(
        reverse("admin:grants_tranche_changelist"),
        {"action": "mark_condition_met", "_selected_action": chosen},
        follow=True,
    ).content.decode()

    assert "Release conditions recorded: 1." in done
    assert "1 of the tranches chosen have no condition to record: none, or a date." in done
    assert Tranche.objects.get(pk=schedule[R.DOCUMENT].pk).condition_met_on is not None
    assert Tranche.objects.get(pk=schedule[R.DATE].pk).condition_met_on == RELEASE


def test_the_pages_say_what_releases_each_tranche(schedule):
    assert {kind: Tranche.objects.get(pk=t.pk).release_condition for kind, t in schedule.items()} == {
        R.NONE: "",
        R.DATE: "Not before 1 Jun 2019",
        R.REPORT: "A report approved: First annual report",
        R.DOCUMENT: "A document received: Signed land agreement",
    }


def test_the_database_refuses_a_date_condition_without_its_date(schedule):
    with pytest.raises(IntegrityError), transaction.atomic():
        Tranche.objects.filter(pk=schedule[R.DATE].pk).update(condition_met_on=None)


def test_a_condition_written_before_kinds_existed_becomes_one_staff_record():
    """The migration's data step: a described condition was met when someone recorded it."""
    agreement = GrantAgreementFactory(
        amount=Decimal("1000.00"),
        tranches=[TrancheSpec(DUE, Decimal("600.00")), TrancheSpec(DUE, Decimal("400.00"), "Inception report")],
    )
    Tranche.objects.filter(agreement=agreement).update(condition_kind=R.NONE)
    migration = importlib.import_module("grants.migrations.0015_award_schedule")

    migration.existing_conditions_are_recorded(apps, None)

    assert list(agreement.tranches.order_by("number").values_list("condition_kind", "condition")) == [
        (R.NONE, ""),
        (R.OTHER, "Inception report"),
    ]


@pytest.mark.parametrize("kind", [R.NONE, R.DATE])
def test_a_reporting_period_releases_only_a_tranche_a_report_can_release(schedule, kind):
    tranche = schedule[kind]

    with pytest.raises(DomainError) as refusal:
        ReportingPeriodFactory(project=tranche.agreement.project, releases_tranche=tranche)

    assert refusal.value.message == "That tranche is released by its date, not by a report: choose another."
    assert not tranche.agreement.project.reporting_periods.exists()
