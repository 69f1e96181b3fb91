"""Reviews of applications: the secretariat assigns reviewers, who declare no conflict and score each criterion."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from grants.models import Application, ApplicationStatus, CriterionScore, ReviewAssignment
from grants.services import ApplicationError, ApplicationIncomplete, review_submit, reviewer_assign
from members.models import Role
from tests.factories import (
    ApplicationFactory,
    AssessmentCriterionFactory,
    OrganisationFactory,
    OrganisationRoleFactory,
    PartnerUserFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

S = ApplicationStatus
TODAY = dt.datetime(2030, 5, 20, 10, 0, tzinfo=dt.UTC)
TITLE = "Slum upgrading in Kampala"  # the title ApplicationFactory(complete=True) gives


@pytest.fixture(autouse=True)
def _on_a_review_day():
    with time_machine.travel(TODAY, tick=False):
        yield


def reviewer(email: str = "", organisation=None):
    """An expert registered as a reviewer through their own institution."""
    user = UserFactory(**({"email": email} if email else {}))
    OrganisationRoleFactory(user=user, organisation=organisation or OrganisationFactory(), role=Role.REVIEWER)
    return user


def no_reviews_written() -> None:
    assert not ReviewAssignment.objects.exists()
    assert mail.outbox == []


# Assigning reviewers


@pytest.mark.parametrize("status", [S.SCREENING, S.IN_REVIEW])
def test_staff_assign_a_reviewer_who_is_asked_by_email(status, django_capture_on_commit_callbacks):
    application = ApplicationFactory(complete=True, status=status)
    staff = StaffFactory()
    expert = reviewer("expert@university.org")

    with django_capture_on_commit_callbacks(execute=True):
        review = reviewer_assign(application=application, reviewer=expert, assigned_by=staff)

    saved = ReviewAssignment.objects.get()
    assert saved == review
    assert (saved.application, saved.reviewer, saved.assigned_by, saved.assigned_at) == (
        application,
        expert,
        staff,
        TODAY,
    )
    assert (saved.no_conflict_declared_at, saved.submitted_at, list(saved.scores.all())) == (None, None, [])
    assert [(message.subject, message.to) for message in mail.outbox] == [
        (f"Please review: {TITLE}", ["expert@university.org"])
    ]
    assert "Declare any conflict of interest before you score it." in mail.outbox[0].body


def test_a_review_is_due_three_weeks_after_its_assignment_unless_staff_give_a_date(
    django_capture_on_commit_callbacks,
):
    application = ApplicationFactory(complete=True, status=S.IN_REVIEW)
    staff = StaffFactory()

    with django_capture_on_commit_callbacks(execute=True):
        usual = reviewer_assign(application=application, reviewer=reviewer("usual@example.org"), assigned_by=staff)
        sooner = reviewer_assign(
            application=application,
            reviewer=reviewer("sooner@example.org"),
            assigned_by=staff,
            due_on=dt.date(2030, 5, 27),
        )

    assert (usual.due_on, sooner.due_on) == (dt.date(2030, 6, 10), dt.date(2030, 5, 27))
    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert "Your review is due on 10 Jun 2030." in bodies["usual@example.org"]
    assert "Your review is due on 27 May 2030." in bodies["sooner@example.org"]


def test_a_review_is_not_due_in_the_past(django_capture_on_commit_callbacks):
    application = ApplicationFactory(complete=True, status=S.IN_REVIEW)

    with pytest.raises(ApplicationError) as refusal, django_capture_on_commit_callbacks(execute=True):
        reviewer_assign(
            application=application, reviewer=reviewer(), assigned_by=StaffFactory(), due_on=dt.date(2030, 5, 19)
        )

    assert (refusal.value.message, refusal.value.field) == ("A review is due today or later.", "due_on")
    no_reviews_written()


def test_staff_give_the_due_date_in_the_admin_and_a_past_one_is_refused_by_the_field(staff_client):
    application = ApplicationFactory(complete=True, status=S.IN_REVIEW)
    expert = reviewer()
    url = reverse("admin:grants_application_assign", args=[application.pk])

    refused = staff_client.post(url, {"reviewer": expert.pk, "due_on": "2030-05-01"})
    assert not ReviewAssignment.objects.exists()
    accepted = staff_client.post(url, {"reviewer": expert.pk, "due_on": "2030-06-03"})

    assert refused.status_code == 200
    assert refused.context["form"].errors == {"due_on": ["A review is due today or later."]}
    assert accepted.status_code == 302
    assert ReviewAssignment.objects.get().due_on == dt.date(2030, 6, 3)


@pytest.mark.parametrize("role", [Role.PARTNER, Role.REVIEWER, Role.DONOR, Role.SECRETARIAT])
def test_a_reviewer_who_acts_for_the_applying_organisation_is_refused(role, django_capture_on_commit_callbacks):
    application = ApplicationFactory(complete=True, status=S.SCREENING)
    insider = reviewer()
    OrganisationRoleFactory(user=insider, organisation=application.organisation, role=role)

    with pytest.raises(ApplicationError) as refusal, django_capture_on_commit_callbacks(execute=True):
        reviewer_assign(application=application, reviewer=insider, assigned_by=StaffFactory())

    assert refusal.value.message == "A reviewer cannot review their own organisation's application."
    assert refusal.value.field == "reviewer"
    no_reviews_written()


def test_the_same_reviewer_is_not_assigned_twice(django_capture_on_commit_callbacks):
    application = ApplicationFactory(complete=True, status=S.IN_REVIEW)
    expert = reviewer()
    first = reviewer_assign(application=application, reviewer=expert, assigned_by=StaffFactory())

    with pytest.raises(ApplicationError) as refusal, django_capture_on_commit_callbacks(execute=True):
        reviewer_assign(application=application, reviewer=expert, assigned_by=StaffFactory())

    assert refusal.value.message == "This reviewer is already assigned to the application."
    assert refusal.value.field == "reviewer"
    assert list(ReviewAssignment.objects.all()) == [first]
    assert mail.outbox == []


def test_a_reviewer_reviews_several_applications():
    expert = reviewer()
    staff = StaffFactory()
    applications = ApplicationFactory.create_batch(2, complete=True, status=S.IN_REVIEW)

    for application in applications:
        reviewer_assign(application=application, reviewer=expert, assigned_by=staff)

    assert set(ReviewAssignment.objects.values_list("application", "reviewer")) == {
        (application.pk, expert.pk) for application in applications
    }


@pytest.mark.parametrize("who", ["applicant", "partner-of-another-organisation", "the-reviewer"])
def test_only_staff_assign_reviewers(who, django_capture_on_commit_callbacks):
    application = ApplicationFactory(complete=True, status=S.SCREENING)
    expert = reviewer()
    by = {"applicant": application.created_by, "partner-of-another-organisation": PartnerUserFactory()}.get(who, expert)

    with pytest.raises(ApplicationError) as refusal, django_capture_on_commit_callbacks(execute=True):
        reviewer_assign(application=application, reviewer=expert, assigned_by=by)

    assert refusal.value.message == "Only the secretariat assigns reviewers."
    no_reviews_written()


@pytest.mark.parametrize("status", [S.DRAFT, S.SUBMITTED, S.APPROVED, S.REJECTED, S.WITHDRAWN])
def test_reviewers_are_assigned_only_during_screening_or_review(status, django_capture_on_commit_callbacks):
    application = ApplicationFactory(complete=True, status=status)

    with pytest.raises(ApplicationError) as refusal, django_capture_on_commit_callbacks(execute=True):
        reviewer_assign(application=application, reviewer=reviewer(), assigned_by=StaffFactory())

    assert refusal.value.message == "Reviewers are assigned during screening or review."
    no_reviews_written()


# Submitting a review


@pytest.fixture
def assignment() -> ReviewAssignment:
    """A review assigned on an application in review, whose call has three criteria."""
    application = ApplicationFactory(complete=True, status=S.IN_REVIEW)
    for name, weight in [("Relevance", "40"), ("Partnership", "35"), ("Value for money", "25")]:
        AssessmentCriterionFactory(call=application.call, name=name, weight=weight)
    return reviewer_assign(application=application, reviewer=reviewer(), assigned_by=StaffFactory())


def criteria(review: ReviewAssignment) -> dict[str, int]:
    return {criterion.name: criterion.pk for criterion in review.application.call.criteria.all()}


def nothing_scored(review: ReviewAssignment) -> None:
    saved = ReviewAssignment.objects.get(pk=review.pk)
    assert (saved.no_conflict_declared_at, saved.submitted_at, saved.overall_comment) == (None, None, "")
    assert not CriterionScore.objects.exists()


def test_the_reviewer_declares_no_conflict_and_scores_every_criterion(assignment):
    pk = criteria(assignment)

    review_submit(
        review=assignment,
        user=assignment.reviewer,
        no_conflict=True,
        scores={
            pk["Relevance"]: (5, "Exactly what the call asks for"),
            pk["Partnership"]: (3, "The city is on board; residents less so"),
            pk["Value for money"]: (0, ""),
        },
        overall_comment="Fund it, with a community liaison.",
    )

    saved = ReviewAssignment.objects.get(pk=assignment.pk)
    assert (saved.no_conflict_declared_at, saved.submitted_at) == (TODAY, TODAY)
    assert saved.overall_comment == "Fund it, with a community liaison."
    assert sorted(saved.scores.values_list("criterion__name", "score", "comment")) == [
        ("Partnership", 3, "The city is on board; residents less so"),
        ("Relevance", 5, "Exactly what the call asks for"),
        ("Value for money", 0, ""),
    ]


@pytest.mark.parametrize("who", ["another-reviewer-of-the-application", "staff", "applicant"])
def test_only_the_assigned_reviewer_submits_the_review(assignment, who):
    pk = criteria(assignment)
    if who == "another-reviewer-of-the-application":
        user = reviewer()
        reviewer_assign(application=assignment.application, reviewer=user, assigned_by=StaffFactory())
    else:
        user = StaffFactory() if who == "staff" else assignment.application.created_by

    with pytest.raises(ApplicationError) as refusal:
        review_submit(review=assignment, user=user, no_conflict=True, scores=dict.fromkeys(pk.values(), (4, "")))

    assert refusal.value.message == "Only the assigned reviewer submits this review."
    nothing_scored(assignment)


def test_a_review_without_the_declaration_of_no_conflict_is_refused(assignment):
    pk = criteria(assignment)

    with pytest.raises(ApplicationError) as refusal:
        review_submit(
            review=assignment, user=assignment.reviewer, no_conflict=False, scores=dict.fromkeys(pk.values(), (4, ""))
        )

    assert (
        refusal.value.message
        == "Declare that you have no conflict of interest; if you have one, tell the secretariat instead of scoring."
    )
    assert refusal.value.field == "no_conflict"
    nothing_scored(assignment)


@pytest.mark.parametrize(
    ("relevance", "partnership", "faulty"),
    [
        pytest.param("missing", 3, ["Relevance"], id="a-criterion-left-out"),
        pytest.param(None, 3, ["Relevance"], id="a-criterion-without-a-score"),
        pytest.param(6, 3, ["Relevance"], id="above-five"),
        pytest.param(4, -1, ["Partnership"], id="below-zero"),
        pytest.param(None, 9, ["Relevance", "Partnership"], id="two-at-fault"),
    ],
)
def test_missing_or_out_of_range_scores_are_refused_by_criterion(assignment, relevance, partnership, faulty):
    pk = criteria(assignment)
    scores = {pk["Partnership"]: (partnership, "Fine"), pk["Value for money"]: (2, "")}
    if relevance != "missing":
        scores[pk["Relevance"]] = (relevance, "")

    with pytest.raises(ApplicationIncomplete) as refusal:
        review_submit(review=assignment, user=assignment.reviewer, no_conflict=True, scores=scores)

    assert refusal.value.errors == {f"criterion_{pk[name]}": ["Score this criterion from 0 to 5."] for name in faulty}
    nothing_scored(assignment)


def test_a_submitted_review_is_not_submitted_again(assignment):
    pk = criteria(assignment)
    review_submit(
        review=assignment, user=assignment.reviewer, no_conflict=True, scores=dict.fromkeys(pk.values(), (4, ""))
    )

    with pytest.raises(ApplicationError) as refusal:
        review_submit(
            review=assignment, user=assignment.reviewer, no_conflict=True, scores=dict.fromkeys(pk.values(), (1, ""))
        )

    assert refusal.value.message == "This review was already submitted."
    assert set(CriterionScore.objects.values_list("score", flat=True)) == {4}


@pytest.mark.parametrize("status", [S.SCREENING, S.APPROVED, S.REJECTED, S.WITHDRAWN])
def test_a_review_is_submitted_only_while_the_application_is_in_review(assignment, status):
    pk = criteria(assignment)
    Application.objects.filter(pk=assignment.application_id).update(status=status)

    with pytest.raises(ApplicationError) as refusal:
        review_submit(
            review=assignment, user=assignment.reviewer, no_conflict=True, scores=dict.fromkeys(pk.values(), (4, ""))
        )

    assert refusal.value.message == "The application is not in review."
    nothing_scored(assignment)
