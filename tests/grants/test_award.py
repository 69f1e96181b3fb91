"""An award follows its review: the call's review minimum (or a director's override, kept with its reason), and
the schedule of tranches and the grant's dates the approval sets, through the service and the admin."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.db import IntegrityError, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from grants.models import (
    Application,
    ApplicationStatus,
    GrantAgreement,
    Project,
    ReleaseCondition,
    ReviewOverride,
    Tranche,
    Transaction,
)
from grants.services import ApplicationError, LedgerError, TrancheSpec, application_approve
from members.roles import GRANTS_COMMITTEE, PROGRAMME_OFFICER
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    ReviewFactory,
    StaffFactory,
    StaffWithoutPermissionsFactory,
    reviewed,
    schedule_lines,
    staff_in_role,
)

pytestmark = pytest.mark.django_db

S = ApplicationStatus
R = ReleaseCondition
TODAY = dt.datetime(2030, 5, 20, 12, 0, tzinfo=dt.UTC)
SIGNED_ON = dt.date(2030, 6, 1)
WHOLE_GRANT = [TrancheSpec(SIGNED_ON, percentage=Decimal(100))]
BELOW = (
    "%s of the 2 completed reviews this call needs are in: wait for the reviews, or a director approves now and "
    "says why."
)


@pytest.fixture(autouse=True)
def _in_2030():
    with time_machine.travel(TODAY, tick=False):
        yield


def usd(amount: str) -> str:
    return f"USD\xa0{amount}"


def in_review(**kwargs) -> Application:
    """An application of USD 80,000.00 in review, to a call that needs two completed reviews."""
    return ApplicationFactory(complete=True, status=S.IN_REVIEW, **kwargs)


def approve(application: Application, user=None, **options) -> Project:
    return application_approve(
        application=application,
        user=user or StaffFactory(),
        grant_reference="CA-2030-101",
        signed_on=SIGNED_ON,
        **{"tranches": WHOLE_GRANT, **options},
    )


def nothing_awarded(application: Application) -> None:
    saved = Application.objects.get(pk=application.pk)
    assert (saved.status, saved.project, saved.decided_at) == (S.IN_REVIEW, None, None)
    assert not Project.objects.exists() and not GrantAgreement.objects.exists() and not Transaction.objects.exists()
    assert not ReviewOverride.objects.exists()


def decider_without_override():
    """Staff who may decide awards but not override the review minimum."""
    user = StaffWithoutPermissionsFactory()
    user.user_permissions.add(Permission.objects.get(codename="decide_application"))
    return user


# The review minimum, in the service


@pytest.mark.parametrize("completed", [0, 1])
def test_approval_is_refused_below_the_calls_review_minimum_and_nothing_is_awarded(completed):
    application = reviewed(in_review(), count=completed)
    ReviewFactory(application=application)  # assigned, not submitted: it does not count

    with pytest.raises(ApplicationError) as refusal:
        approve(application)

    assert (refusal.value.message, refusal.value.field) == (BELOW % completed, "override_reason")
    nothing_awarded(application)


def test_a_call_that_needs_one_review_is_approved_with_one():
    application = reviewed(in_review(call=CallFactory(reviews_required=1)))

    project = approve(application)

    assert Application.objects.get(pk=application.pk).project == project
    assert not ReviewOverride.objects.exists()


def test_the_director_approves_below_the_minimum_saying_why_and_the_reason_is_kept():
    application = reviewed(in_review(), count=1)
    director = staff_in_role(GRANTS_COMMITTEE, email="director@example.org")

    project = approve(application, director, override_reason="  The second reviewer withdrew.  ")

    override = ReviewOverride.objects.get()
    assert (override.application, override.by, override.reason) == (
        application,
        director,
        "The second reviewer withdrew.",
    )
    assert (override.reviews_completed, override.reviews_required) == (1, 2)
    assert Application.objects.get(pk=application.pk).project == project


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_director_without_a_reason_is_refused_like_anyone(reason):
    application = reviewed(in_review(), count=1)

    with pytest.raises(ApplicationError) as refusal:
        approve(application, staff_in_role(GRANTS_COMMITTEE), override_reason=reason)

    assert refusal.value.message == BELOW % 1
    nothing_awarded(application)


def test_a_reason_is_refused_from_staff_who_decide_awards_but_may_not_override():
    application = in_review()

    with pytest.raises(ApplicationError) as refusal:
        approve(application, decider_without_override(), override_reason="We trust them.")

    assert (refusal.value.message, refusal.value.field) == (
        "Only a director approves an award with fewer completed reviews than the call needs.",
        "override_reason",
    )
    nothing_awarded(application)


def test_no_override_is_kept_when_the_reviews_are_in():
    application = reviewed(in_review())

    approve(application, staff_in_role(GRANTS_COMMITTEE), override_reason="Just in case.")

    assert not ReviewOverride.objects.exists()


def test_the_database_refuses_an_override_without_a_reason_or_with_the_reviews_in():
    application = in_review()
    director = staff_in_role(GRANTS_COMMITTEE)

    for reason, completed in (("", 1), ("Enough reviews", 2)):
        with pytest.raises(IntegrityError), transaction.atomic():
            ReviewOverride.objects.create(
                application=application, by=director, reason=reason, reviews_completed=completed, reviews_required=2
            )


def test_a_call_needs_at_least_one_review():
    with pytest.raises(IntegrityError), transaction.atomic():
        CallFactory(reviews_required=0)


# The review minimum, at the admin's door (the API approves nothing: its applications only screen)


def approval_page(client, application: Application, **fields):
    url = reverse("admin:grants_application_approve", args=[application.pk])
    if not fields:
        return client.get(url)
    data = {
        "grant_reference": "CA-2030-101",
        "signed_on": "2030-06-01",
        "start_date": "2030-07-01",
        "end_date": "2031-12-31",
        **schedule_lines(("2030-06-01", "", "100", "none", "", "")),
    }
    return client.post(url, {**data, **fields})


def test_the_approval_page_says_a_review_is_missing_and_refuses_without_a_reason(client):
    application = reviewed(in_review(), count=1)
    client.force_login(staff_in_role(GRANTS_COMMITTEE))

    page = approval_page(client, application).content.decode()
    refused = approval_page(client, application, comment="Good")

    assert "1 of the 2 completed reviews the call needs: one is missing." in page
    assert "Why approve without every review" in page
    assert refused.status_code == 200 and BELOW % 1 in refused.content.decode()
    nothing_awarded(application)


def test_the_approval_page_asks_no_reason_when_the_reviews_are_in(client):
    application = reviewed(in_review())
    client.force_login(staff_in_role(GRANTS_COMMITTEE))

    page = approval_page(client, application).content.decode()

    assert "Why approve without every review" not in page and "is missing" not in page


def test_the_director_overrides_in_the_admin_and_the_application_page_shows_why(client):
    application = reviewed(in_review(), count=1)
    director = staff_in_role(GRANTS_COMMITTEE, email="director@example.org", full_name="Dana Director")
    client.force_login(director)

    approved = approval_page(client, application, override_reason="Flood season: the work cannot wait.")
    page = client.get(reverse("admin:grants_application_change", args=[application.pk])).content.decode()

    assert approved.status_code == 302
    assert ReviewOverride.objects.get().by == director
    assert 'id="review-override"' in page
    assert "with 1 of the 2 reviews the call needs, because:" in page
    assert "Flood season: the work cannot wait." in page and "Dana Director" in page


def test_the_api_offers_no_way_round_the_review_minimum():
    application = in_review()
    api = APIClient()
    api.force_authenticate(StaffFactory())

    answer = api.post(f"/api/v1/applications/{application.pk}/approve/", {}, format="json")

    assert answer.status_code == 404
    nothing_awarded(application)


# The schedule of tranches and the grant's dates


def tranches() -> list[tuple]:
    return list(
        Tranche.objects.order_by("number").values_list(
            "number", "planned_date", "amount", "condition_kind", "condition", "condition_met_on"
        )
    )


def test_the_approval_sets_several_tranches_in_amounts_and_percentages_with_their_release_conditions():
    application = reviewed(in_review())

    project = approve(
        application,
        tranches=[
            TrancheSpec(dt.date(2031, 1, 15), percentage=Decimal("37.5"), kind=R.REPORT, condition="Inception report"),
            TrancheSpec(SIGNED_ON, Decimal("20000.00")),
            TrancheSpec(dt.date(2031, 6, 30), percentage=Decimal(25), kind=R.DOCUMENT, condition="Audited accounts"),
            TrancheSpec(dt.date(2031, 9, 1), percentage=Decimal("12.5"), kind=R.DATE, release_on=dt.date(2031, 10, 1)),
        ],
        start_date=dt.date(2030, 7, 1),
        end_date=dt.date(2031, 12, 31),
    )

    assert tranches() == [
        (1, SIGNED_ON, Decimal("20000.00"), R.NONE, "", None),
        (2, dt.date(2031, 1, 15), Decimal("30000.00"), R.REPORT, "Inception report", None),
        (3, dt.date(2031, 6, 30), Decimal("20000.00"), R.DOCUMENT, "Audited accounts", None),
        (4, dt.date(2031, 9, 1), Decimal("10000.00"), R.DATE, "", dt.date(2031, 10, 1)),
    ]
    project.refresh_from_db()
    assert sum(row[2] for row in tranches()) == project.committed_total == Decimal("80000.00")
    assert (project.start_date, project.end_date) == (dt.date(2030, 7, 1), dt.date(2031, 12, 31))
    assert not project.is_public


def test_percentages_that_cover_the_grant_add_up_to_the_cent():
    application = reviewed(in_review(requested_amount=Decimal("80000.05")))

    approve(application, tranches=[TrancheSpec(SIGNED_ON, percentage=Decimal(50))] * 2)

    assert [row[2] for row in tranches()] == [Decimal("40000.02"), Decimal("40000.03")]


def later(**spec) -> TrancheSpec:
    return TrancheSpec(dt.date(2031, 3, 1), **spec)


HALF = TrancheSpec(SIGNED_ON, percentage=Decimal(50))


@pytest.mark.parametrize(
    ("schedule", "error", "message", "field"),
    [
        pytest.param([], ApplicationError, "Give the schedule of tranches: at least one.", "tranches", id="none"),
        pytest.param(
            [TrancheSpec(SIGNED_ON)],
            LedgerError,
            "Tranche 1: Give an amount or a percentage of the grant.",
            "tranches.0.amount",
            id="no-amount",
        ),
        pytest.param(
            [TrancheSpec(SIGNED_ON, Decimal("80000.00"), percentage=Decimal(100))],
            LedgerError,
            "Tranche 1: Give an amount or a percentage of the grant, not both.",
            "tranches.0.amount",
            id="amount-and-percentage",
        ),
        pytest.param(
            [TrancheSpec(SIGNED_ON, percentage=Decimal(120))],
            LedgerError,
            "Tranche 1: A percentage is more than 0 and at most 100.",
            "tranches.0.percentage",
            id="percentage-over-100",
        ),
        pytest.param(
            [HALF, later(percentage=Decimal(50), kind=R.DATE)],
            LedgerError,
            "Tranche 2: Give the date that releases the tranche.",
            "tranches.1.release_on",
            id="date-without-its-date",
        ),
        pytest.param(
            [HALF, later(percentage=Decimal(50), kind=R.REPORT)],
            LedgerError,
            "Tranche 2: Say which report releases the tranche, for example the first annual report.",
            "tranches.1.condition",
            id="report-without-which",
        ),
        pytest.param(
            [HALF, later(percentage=Decimal(50), kind=R.DOCUMENT, condition="  ")],
            LedgerError,
            "Tranche 2: Say which document releases the tranche.",
            "tranches.1.condition",
            id="document-without-which",
        ),
        pytest.param(
            [HALF, later(percentage=Decimal(50), kind=R.REPORT, condition="Final report", release_on=SIGNED_ON)],
            LedgerError,
            "Tranche 2: Only a date condition takes a release date.",
            "tranches.1.release_on",
            id="release-date-without-a-date-condition",
        ),
        pytest.param(
            [HALF, later(percentage=Decimal(50), kind=R.NONE, condition="Final report")],
            LedgerError,
            "Tranche 2: A tranche without a release condition takes no description: choose what releases it.",
            "tranches.1.condition",
            id="description-without-a-condition",
        ),
        pytest.param(
            [HALF, later(percentage=Decimal(40))],
            LedgerError,
            f"The tranches add up to {usd('72,000.00')} but the agreement commits {usd('80,000.00')}.",
            "tranches",
            id="short-of-the-grant",
        ),
        pytest.param(
            [TrancheSpec(SIGNED_ON, percentage=Decimal(100)), later(amount=Decimal("0.01"))],
            LedgerError,
            f"The tranches add up to {usd('80,000.01')} but the agreement commits {usd('80,000.00')}.",
            "tranches",
            id="beyond-the-grant",
        ),
    ],
)
def test_a_schedule_that_is_wrong_is_refused_by_its_line_and_nothing_is_awarded(schedule, error, message, field):
    application = reviewed(in_review())

    with pytest.raises(error) as refusal:
        approve(application, tranches=schedule)

    assert (refusal.value.message, refusal.value.field) == (message, field)
    nothing_awarded(application)


def test_a_grant_that_ends_before_it_starts_is_refused():
    application = reviewed(in_review())

    with pytest.raises(ApplicationError) as refusal:
        approve(application, start_date=dt.date(2031, 1, 1), end_date=dt.date(2030, 12, 31))

    assert (refusal.value.message, refusal.value.field) == ("The grant cannot end before it starts.", "end_date")
    nothing_awarded(application)


def test_staff_set_the_schedule_and_the_dates_on_the_approval_page(client):
    application = reviewed(in_review())
    client.force_login(staff_in_role(GRANTS_COMMITTEE))

    approved = approval_page(
        client,
        application,
        **schedule_lines(
            ("2030-06-01", "20000.00", "", "none", "", ""),
            ("2031-01-15", "", "50", "report", "Inception report", ""),
            ("2031-09-01", "", "25", "date", "", "2031-10-01"),
            ("", "", "", "none", "", ""),  # a line left empty
        ),
    )

    assert approved.status_code == 302
    project = Project.objects.get(code="CA-2030-101")
    assert (project.start_date, project.end_date, project.is_public) == (
        dt.date(2030, 7, 1),
        dt.date(2031, 12, 31),
        False,
    )
    assert tranches() == [
        (1, SIGNED_ON, Decimal("20000.00"), R.NONE, "", None),
        (2, dt.date(2031, 1, 15), Decimal("40000.00"), R.REPORT, "Inception report", None),
        (3, dt.date(2031, 9, 1), Decimal("20000.00"), R.DATE, "", dt.date(2031, 10, 1)),
    ]


def test_the_approval_page_shows_a_refused_line_by_that_line(client):
    application = reviewed(in_review())
    client.force_login(staff_in_role(GRANTS_COMMITTEE))

    refused = approval_page(
        client,
        application,
        **schedule_lines(
            ("2030-06-01", "", "50", "none", "", ""),
            ("2031-01-15", "", "50", "document", "", ""),
        ),
    )

    lines = refused.context["lines"]
    assert refused.status_code == 200
    assert lines.forms[1].errors == {"condition": ["Tranche 2: Say which document releases the tranche."]}
    assert "Tranche 2: Say which document releases the tranche." in refused.content.decode()
    nothing_awarded(application)


def test_programme_officers_do_not_approve_awards(client):
    application = reviewed(in_review())
    client.force_login(staff_in_role(PROGRAMME_OFFICER))

    assert approval_page(client, application, comment="Approve").status_code == 403
    nothing_awarded(application)
