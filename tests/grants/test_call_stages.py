"""Calls that fit the partnership: an eligibility check answered before any account, two-stage calls (concept
note, shortlist, invited full proposal pre-filled from it), invitation-only calls and call documents; each rule
through each door that exists (service, portal, admin, API)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from grants import services
from grants.models import (
    Answer,
    Application,
    ApplicationStatus,
    ApplicationTransition,
    CallDocument,
    CallInvitation,
    CallStage,
    EligibilityQuestion,
    Project,
)
from grants.services import ApplicationError
from members.models import OrganisationKind
from members.roles import GRANTS_COMMITTEE, PROGRAMME_OFFICER
from tests.factories import (
    PDF,
    ApplicationFactory,
    AssessmentCriterionFactory,
    CallFactory,
    CallQuestionFactory,
    OrganisationFactory,
    PartnerUserFactory,
    StaffFactory,
    call_document_add,
    staff_in_role,
)
from tests.grants.test_applications import minimal_png

API = "/api/v1"
S = ApplicationStatus

pytestmark = pytest.mark.django_db


def cities_call(**kwargs):
    """A call with the eligibility question the Catalytic Fund asks: a city in Africa, or not eligible."""
    call = CallFactory(reference="african-cities", **kwargs)
    question = EligibilityQuestion.objects.create(
        call=call,
        text="Is the applicant a city or a municipal body in Africa?",
        qualifying_answer=True,
        why_not="This call funds city governments in Africa only.",
    )
    return call, question


# -- The eligibility check ---------------------------------------------------------------------------------


def test_the_check_says_why_not_for_each_answer_that_does_not_qualify():
    call, question = cities_call(eligible_kinds=[OrganisationKind.LOCAL_GOVERNMENT])

    refused = services.eligibility_check(call=call, answers={str(question.pk): "no"}, kind=OrganisationKind.NGO)
    passed = services.eligibility_check(
        call=call, answers={str(question.pk): "yes"}, kind=OrganisationKind.LOCAL_GOVERNMENT
    )
    unanswered = services.eligibility_check(call=call, answers={}, kind=None)

    assert not refused.eligible
    assert refused.why_not == [
        "This call is open to City or local government only, not to Non-governmental organisation.",
        "This call funds city governments in Africa only.",
    ]
    assert passed.eligible and passed.why_not == []
    assert not unanswered.eligible and unanswered.why_not == []


def test_an_anonymous_visitor_checks_eligibility_and_reads_why_not(client):
    call, question = cities_call()

    page = client.get(reverse("grants:call-eligibility", args=[call.reference]))
    answered = client.post(reverse("grants:call-eligibility", args=[call.reference]), {f"q{question.pk}": "no"})
    detail = client.get(call.get_absolute_url())

    assert page.status_code == 200
    assert "Is the applicant a city or a municipal body in Africa?" in page.text
    assert answered.status_code == 200
    assert "Not eligible for this call" in answered.text
    assert "This call funds city governments in Africa only." in answered.text
    assert "This call funds city governments in Africa only." in detail.text
    assert "Log in to apply" not in detail.text


def test_an_unanswered_check_is_asked_again_with_nothing_kept(client):
    call, _question = cities_call()

    answered = client.post(reverse("grants:call-eligibility", args=[call.reference]), {})

    assert answered.status_code == 200
    assert "Answer every question." in answered.text
    assert "call_eligibility" not in client.session


def test_answers_given_before_signing_in_are_kept_for_applying(client):
    call, question = cities_call()
    organisation = OrganisationFactory()
    user = PartnerUserFactory(organisation=organisation)

    client.post(reverse("grants:call-eligibility", args=[call.reference]), {f"q{question.pk}": "yes"})
    before = client.get(call.get_absolute_url())
    client.force_login(user)
    started = client.post(reverse("grants:application-start", args=[call.reference]), {"organisation": organisation.pk})

    assert "You are eligible" in before.text
    assert f"/accounts/signup/?next=/calls/{call.reference}/" in before.text
    application = Application.objects.get()
    assert started.headers["Location"] == reverse("grants:application", args=[application.pk])


def test_the_portal_refuses_to_start_before_the_check_and_after_a_failed_one(client):
    call, question = cities_call()
    organisation = OrganisationFactory()
    client.force_login(PartnerUserFactory(organisation=organisation))
    start = reverse("grants:application-start", args=[call.reference])

    unchecked = client.post(start, {"organisation": organisation.pk}, follow=True)
    client.post(reverse("grants:call-eligibility", args=[call.reference]), {f"q{question.pk}": "no"})
    failed = client.post(start, {"organisation": organisation.pk}, follow=True)

    assert "Answer the call&#x27;s eligibility questions first." in unchecked.text
    assert "is not eligible for this call: This call funds city governments in Africa only." in failed.text
    assert not Application.objects.exists()


def test_the_api_starts_an_application_only_with_qualifying_answers():
    call, question = cities_call()
    organisation = OrganisationFactory()
    api = APIClient()
    api.force_authenticate(PartnerUserFactory(organisation=organisation))
    body = {"call": call.pk, "organisation": organisation.pk}

    unchecked = api.post(f"{API}/applications/", body, format="json")
    failed = api.post(
        f"{API}/applications/", {**body, "eligibility": [{"question": question.pk, "answer": "no"}]}, format="json"
    )
    assert not Application.objects.exists()
    started = api.post(
        f"{API}/applications/", {**body, "eligibility": [{"question": question.pk, "answer": "yes"}]}, format="json"
    )

    assert unchecked.status_code == failed.status_code == 400
    assert "This call funds city governments in Africa only." in failed.text
    assert started.status_code == 201


def test_the_kind_of_organisation_is_checked_when_it_starts():
    call = CallFactory(eligible_kinds=[OrganisationKind.LOCAL_GOVERNMENT])
    organisation = OrganisationFactory(kind=OrganisationKind.NGO, name="Slum Dwellers")

    with pytest.raises(ApplicationError) as refusal:
        services.application_start(
            call=call, organisation=organisation, user=PartnerUserFactory(organisation=organisation)
        )

    assert refusal.value.message == (
        "Slum Dwellers is not eligible for this call: "
        "This call is open to City or local government only, not to Non-governmental organisation."
    )


# -- Invitation-only calls ----------------------------------------------------------------------------------


@pytest.fixture
def invited_call():
    call = CallFactory(reference="by-invitation", title="Joint work programme 2030", invitation_only=True)
    invited = OrganisationFactory(name="Invited city")
    CallInvitation.objects.create(call=call, organisation=invited)
    return call, invited


def test_an_invitation_only_call_is_seen_by_its_invited_organisations_and_staff_only(client, invited_call):
    call, invited = invited_call
    other = OrganisationFactory()
    pages = [
        reverse("grants:call-list"),
        call.get_absolute_url(),
        reverse("grants:call-eligibility", args=[call.reference]),
    ]

    anonymous = [client.get(url) for url in pages]
    client.force_login(PartnerUserFactory(organisation=other))
    stranger = [client.get(url) for url in pages]
    client.force_login(PartnerUserFactory(organisation=invited))
    guest = [client.get(url) for url in pages]
    client.force_login(staff_in_role(PROGRAMME_OFFICER))
    staff = [client.get(url) for url in pages]

    for answers in (anonymous, stranger):
        assert "Joint work programme 2030" not in answers[0].text
        assert [answer.status_code for answer in answers[1:]] == [404, 404]
    for answers in (guest, staff):
        assert "Joint work programme 2030" in answers[0].text
        assert [answer.status_code for answer in answers[1:]] == [200, 200]
    assert "By invitation" in guest[1].text


def test_an_invitation_only_call_is_hidden_from_the_api_for_everyone_else(invited_call):
    call, invited = invited_call
    api = APIClient()

    anonymous = api.get(f"{API}/calls/")
    api.force_authenticate(PartnerUserFactory())
    stranger, stranger_one = api.get(f"{API}/calls/"), api.get(f"{API}/calls/{call.pk}/")
    api.force_authenticate(PartnerUserFactory(organisation=invited))
    guest = api.get(f"{API}/calls/{call.pk}/")

    assert [c["id"] for c in anonymous.json()["results"]] == [c["id"] for c in stranger.json()["results"]] == []
    assert stranger_one.status_code == 404
    assert guest.status_code == 200 and guest.json()["invitation_only"] is True


def test_only_an_invited_organisation_starts_an_application(invited_call):
    call, invited = invited_call
    other = OrganisationFactory(name="Not invited")

    with pytest.raises(ApplicationError) as refusal:
        services.application_start(call=call, organisation=other, user=PartnerUserFactory(organisation=other))
    started = services.application_start(call=call, organisation=invited, user=PartnerUserFactory(organisation=invited))

    assert refusal.value.message == "This call is by invitation only, and Not invited is not invited."
    assert list(Application.objects.all()) == [started]


def test_a_partner_of_an_organisation_not_invited_cannot_start_through_the_api(invited_call):
    call, _invited = invited_call
    other = OrganisationFactory()
    api = APIClient()
    api.force_authenticate(PartnerUserFactory(organisation=other))

    answer = api.post(f"{API}/applications/", {"call": call.pk, "organisation": other.pk}, format="json")

    assert answer.status_code == 400
    assert list(answer.json()["error"]["fields"]) == ["call"]  # as if it did not exist
    assert not Application.objects.exists()


# -- Call documents ------------------------------------------------------------------------------------------


def test_a_call_document_is_listed_and_downloaded_by_whoever_sees_the_call(client, invited_call):
    public = CallFactory()
    shown = call_document_add(public, PDF)
    call, invited = invited_call
    hidden = call_document_add(call, PDF)

    page = client.get(public.get_absolute_url())
    download = client.get(reverse("grants:call-document", args=[public.reference, shown.pk]))
    refused = client.get(reverse("grants:call-document", args=[call.reference, hidden.pk]))
    wrong_call = client.get(reverse("grants:call-document", args=[public.reference, hidden.pk]))
    client.force_login(PartnerUserFactory(organisation=invited))
    guest = client.get(reverse("grants:call-document", args=[call.reference, hidden.pk]))
    guest.close()

    assert "Terms of reference" in page.text
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF
    download.close()
    assert refused.status_code == wrong_call.status_code == 404
    assert guest.status_code == 200


def test_a_call_document_is_checked_by_its_content(admin_client):
    call = CallFactory()
    form = {
        "documents-TOTAL_FORMS": "1",
        "documents-INITIAL_FORMS": "0",
        "documents-0-title": "Budget template",
        "documents-0-kind": "template",
        "documents-0-order": "0",
        "documents-0-file": SimpleUploadedFile("budget.xlsx", b"<html>not a spreadsheet</html>"),
    }
    # The rest of the call's page as it stands, so only the document changes.
    page = admin_client.get(reverse("admin:grants_call_change", args=[call.pk]))
    data = {**_management_forms(page), **_call_fields(call), **form}

    answer = admin_client.post(reverse("admin:grants_call_change", args=[call.pk]), data)

    assert answer.status_code == 200
    assert "budget.xlsx is not a PDF, XLSX, DOCX, PNG or JPEG file." in answer.text
    assert not CallDocument.objects.exists()

    data["documents-0-file"] = SimpleUploadedFile("budget.png", minimal_png())
    saved = admin_client.post(reverse("admin:grants_call_change", args=[call.pk]), data)

    assert saved.status_code == 302
    document = CallDocument.objects.get()
    assert (document.content_type, document.original_name) == ("image/png", "budget.png")


def _management_forms(page) -> dict:
    """Every inline's management form of the admin page, empty."""
    formsets = page.context["inline_admin_formsets"]
    return {
        f"{inline.formset.prefix}-{name}": value
        for inline in formsets
        for name, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))
    }


def _call_fields(call) -> dict:
    return {  # the texts staff translate are edited per language (grants/translation.py)
        "title_en": call.title,
        "title_fr": "",
        "reference": call.reference,
        "description_en": call.description,
        "description_fr": "",
        "is_published": "on",
        "kind": call.kind,
        "facility": call.facility_id,
        "opens_at_0": timezone.localtime(call.opens_at).date().isoformat(),
        "opens_at_1": "00:00:00",
        "closes_at_0": timezone.localtime(call.closes_at).date().isoformat(),
        "closes_at_1": "00:00:00",
        "time_zone": "UTC",
        "currency": call.currency,
        "ceiling": str(call.ceiling),
        "envelope": str(call.envelope),
        "reviews_required": str(call.reviews_required),
    }


# -- Two-stage calls ----------------------------------------------------------------------------------------


@pytest.fixture
def two_stage():
    """A two-stage call with a concept note in review: questions and criteria of both stages."""
    call = CallFactory(two_stage=True, reviews_required=1)
    idea = CallQuestionFactory(call=call, stage=CallStage.CONCEPT_NOTE, key="idea", label="The idea in brief")
    CallQuestionFactory(call=call, stage=CallStage.FULL_PROPOSAL, key="idea", label="The idea, in full")
    CallQuestionFactory(call=call, stage=CallStage.FULL_PROPOSAL, key="", label="Who else works on it?")
    AssessmentCriterionFactory(call=call, stage=CallStage.CONCEPT_NOTE, name="Fit with the call")
    AssessmentCriterionFactory(call=call, stage=CallStage.FULL_PROPOSAL, name="Feasibility")
    organisation = OrganisationFactory(name="Kampala Capital City Authority")
    user = PartnerUserFactory(organisation=organisation)
    concept = services.application_start(call=call, organisation=organisation, user=user)
    services.application_save(
        application=concept,
        user=user,
        fields={
            "title": "Upgrading Kisenyi",
            "summary": "Upgrading informal settlements with their residents.",
            "countries": ["UG"],
            "start_date": dt.date(2030, 1, 1),
            "end_date": dt.date(2031, 12, 31),
            "requested_amount": Decimal("80000.00"),
            "co_financing": Decimal("5000.00"),
            "expected_results": "Two settlements upgraded.",
        },
        budget_lines=[services.BudgetLineInput(category="works", amount=Decimal("80000.00"), description="Drains")],
        answers={idea.pk: "Drains built by residents."},
        city_names=["Kampala"],
    )
    return call, concept, user


def _to_review(application: Application, user) -> Application:
    staff = StaffFactory()
    services.application_submit(application=application, user=user)
    services.application_screen(application=application, user=staff, to_status=S.SCREENING)
    return services.application_screen(application=application, user=staff, to_status=S.IN_REVIEW)


def test_a_two_stage_call_starts_a_concept_note_that_answers_its_own_questions(two_stage):
    _call, concept, user = two_stage

    submitted = services.application_submit(application=concept, user=user)

    assert concept.stage == CallStage.CONCEPT_NOTE
    assert submitted.status == S.SUBMITTED  # the full proposal's required questions were not asked
    assert [q.label for q in concept.questions] == ["The idea in brief"]


def test_a_concept_note_is_reviewed_with_the_concept_note_criteria(two_stage):
    call, concept, user = two_stage
    _to_review(concept, user)
    reviewer = StaffFactory()
    review = services.reviewer_assign(application=concept, reviewer=reviewer, assigned_by=StaffFactory())
    criterion = call.criteria.get(stage=CallStage.CONCEPT_NOTE)

    services.review_submit(review=review, user=reviewer, no_conflict=True, scores={criterion.pk: (4, "Good fit")})

    assert [(s.criterion.name, s.score) for s in review.scores.all()] == [("Fit with the call", 4)]


def test_shortlisting_invites_a_full_proposal_prefilled_from_the_concept_note(
    two_stage, django_capture_on_commit_callbacks
):
    _call, concept, user = two_stage
    _to_review(concept, user)
    committee = staff_in_role(GRANTS_COMMITTEE)

    with django_capture_on_commit_callbacks(execute=True):
        full = services.concept_note_shortlist(application=concept, user=committee, comment="Strong fit")

    concept.refresh_from_db()
    assert concept.status == S.SHORTLISTED
    assert ApplicationTransition.objects.filter(application=concept).last().comment == "Strong fit"
    assert (full.stage, full.status, full.concept_note, full.created_by) == (
        CallStage.FULL_PROPOSAL,
        S.DRAFT,
        concept,
        user,
    )
    assert (full.title, full.summary, [c.code for c in full.countries]) == (
        "Upgrading Kisenyi",
        "Upgrading informal settlements with their residents.",
        ["UG"],
    )
    assert [city.name for city in full.cities.all()] == ["Kampala"]
    assert [(line.category, line.amount) for line in full.budget_lines.all()] == [("works", Decimal("80000.00"))]
    assert [(a.question.label, a.value) for a in Answer.objects.filter(application=full)] == [
        ("The idea, in full", "Drains built by residents.")
    ]
    assert [m.subject for m in mail.outbox] == ["Shortlisted: send your full proposal for Upgrading Kisenyi"]


def test_shortlisting_needs_its_permission_and_a_concept_note_in_review(two_stage):
    _call, concept, user = two_stage
    _to_review(concept, user)
    single = ApplicationFactory(complete=True, status=S.IN_REVIEW)

    with pytest.raises(ApplicationError) as officer:
        services.concept_note_shortlist(application=concept, user=staff_in_role(PROGRAMME_OFFICER))
    with pytest.raises(ApplicationError) as not_a_concept:
        services.concept_note_shortlist(application=single, user=staff_in_role(GRANTS_COMMITTEE))

    assert officer.value.message == "Only the grants committee shortlists concept notes."
    assert not_a_concept.value.message == "Only a concept note is shortlisted; a full proposal is approved or rejected."
    assert Application.objects.count() == 2


def test_a_full_proposal_is_not_started_without_an_invitation(two_stage):
    call, concept, user = two_stage
    organisation = concept.organisation

    with pytest.raises(ApplicationError) as refusal:
        services.application_start(call=call, organisation=organisation, user=user, stage=CallStage.FULL_PROPOSAL)

    assert refusal.value.message.startswith("Full proposals to this call are by invitation")
    assert Application.objects.count() == 1


def test_a_single_stage_call_takes_no_concept_note():
    call = CallFactory()
    organisation = OrganisationFactory()

    with pytest.raises(ApplicationError) as refusal:
        services.application_start(
            call=call,
            organisation=organisation,
            user=PartnerUserFactory(organisation=organisation),
            stage=CallStage.CONCEPT_NOTE,
        )

    assert refusal.value.message == "This call takes full proposals only: it has no concept note stage."
    assert not Application.objects.exists()


def test_the_api_refuses_a_full_proposal_without_an_invitation(two_stage):
    call, concept, user = two_stage
    organisation = concept.organisation
    api = APIClient()
    api.force_authenticate(user)

    answer = api.post(
        f"{API}/applications/",
        {"call": call.pk, "organisation": organisation.pk, "stage": "full_proposal"},
        format="json",
    )

    assert answer.status_code == 400
    assert "Full proposals to this call are by invitation" in answer.text
    assert Application.objects.count() == 1


def test_a_concept_note_is_never_awarded(two_stage):
    _call, concept, user = two_stage
    _to_review(concept, user)

    with pytest.raises(ApplicationError) as refusal:
        services.application_approve(
            application=concept,
            user=StaffFactory(),
            grant_reference="CA-2030-009",
            signed_on=dt.date(2030, 1, 1),
            tranches=[services.TrancheSpec(dt.date(2030, 1, 1), percentage=Decimal(100))],
            override_reason="Urgent",
        )

    assert refusal.value.message.startswith("On a two-stage call only a full proposal is awarded")
    assert not Project.objects.exists()


def test_the_admin_approval_of_a_concept_note_is_refused_with_the_reason(two_stage, admin_client):
    _call, concept, user = two_stage
    _to_review(concept, user)
    data = {
        "grant_reference": "CA-2030-009",
        "signed_on": "2030-01-01",
        "start_date": "2030-01-01",
        "end_date": "2031-12-31",
        "override_reason": "Urgent",
        "tranches-TOTAL_FORMS": "1",
        "tranches-INITIAL_FORMS": "0",
        "tranches-0-planned_date": "2030-01-01",
        "tranches-0-percentage": "100",
    }

    answer = admin_client.post(reverse("admin:grants_application_approve", args=[concept.pk]), data)

    assert answer.status_code == 200
    assert "On a two-stage call only a full proposal is awarded" in answer.text
    assert not Project.objects.exists()


def test_the_committee_shortlists_from_the_admin_record_and_the_list(two_stage, client):
    call, concept, user = two_stage
    _to_review(concept, user)
    other = ApplicationFactory(call=call, stage=CallStage.CONCEPT_NOTE, complete=True, status=S.IN_REVIEW)
    committee = staff_in_role(GRANTS_COMMITTEE)
    client.force_login(committee)

    record = client.get(reverse("admin:grants_application_change", args=[concept.pk]))
    shortlisted = client.post(reverse("admin:grants_application_shortlist", args=[concept.pk]), {"comment": "Yes"})
    listed = client.post(
        reverse("admin:grants_application_changelist"),
        {"action": "shortlist", "_selected_action": [other.pk]},
        follow=True,
    )

    assert reverse("admin:grants_application_shortlist", args=[concept.pk]) in record.text
    full = concept.full_proposal
    assert shortlisted.headers["Location"] == reverse("admin:grants_application_change", args=[full.pk])
    assert "1 shortlisted" in listed.text
    assert set(Application.objects.filter(stage=CallStage.FULL_PROPOSAL).values_list("concept_note", flat=True)) == {
        concept.pk,
        other.pk,
    }


def test_staff_without_the_shortlist_permission_are_refused_at_every_door(two_stage, client):
    _call, concept, user = two_stage
    _to_review(concept, user)
    officer = staff_in_role(PROGRAMME_OFFICER)
    client.force_login(officer)
    api = APIClient()
    api.force_authenticate(officer)

    page = client.post(reverse("admin:grants_application_shortlist", args=[concept.pk]), {"comment": "Yes"})
    action = client.post(
        reverse("admin:grants_application_changelist"), {"action": "shortlist", "_selected_action": [concept.pk]}
    )
    through_api = api.post(f"{API}/applications/{concept.pk}/shortlist/", {}, format="json")

    assert page.status_code == through_api.status_code == 403
    assert action.status_code == 302  # back to the list: the action is not offered to them
    concept.refresh_from_db()
    assert concept.status == S.IN_REVIEW and Application.objects.count() == 1


def test_the_committee_shortlists_through_the_api(two_stage):
    _call, concept, user = two_stage
    _to_review(concept, user)
    api = APIClient()
    api.force_authenticate(staff_in_role(GRANTS_COMMITTEE))

    answer = api.post(f"{API}/applications/{concept.pk}/shortlist/", {"comment": "Strong"}, format="json")

    assert answer.status_code == 201
    assert (answer.json()["stage"], answer.json()["concept_note"], answer.json()["status"]) == (
        "full_proposal",
        concept.pk,
        "draft",
    )


def test_the_invited_full_proposal_is_submitted_after_concept_notes_close(two_stage):
    call, concept, user = two_stage
    _to_review(concept, user)
    full = services.concept_note_shortlist(application=concept, user=staff_in_role(GRANTS_COMMITTEE))
    questions = {q.label: q.pk for q in full.questions}
    services.application_save(
        application=full,
        user=user,
        fields={"expected_results": "Two settlements upgraded."},
        budget_lines=[services.BudgetLineInput(category="works", amount=Decimal("80000.00"), description="Drains")],
        answers={questions["Who else works on it?"]: "The residents' federation."},
        city_names=["Kampala"],
    )
    after_concept_notes = call.closes_at + dt.timedelta(days=1)

    submitted = services.application_submit(application=full, user=user, now=after_concept_notes)

    assert submitted.status == S.SUBMITTED


def test_the_partner_sees_its_invitation_and_the_prefilled_full_proposal(two_stage, client):
    _call, concept, user = two_stage
    _to_review(concept, user)
    full = services.concept_note_shortlist(application=concept, user=staff_in_role(GRANTS_COMMITTEE))
    client.force_login(user)

    dashboard = client.get(reverse("grants:dashboard"))
    concept_page = client.get(reverse("grants:application", args=[concept.pk]))
    full_page = client.get(reverse("grants:application", args=[full.pk]))

    assert "Invited: finish and submit your full proposal Upgrading Kisenyi" in dashboard.text
    assert reverse("grants:application", args=[full.pk]) in concept_page.text
    assert "Your concept note was shortlisted" in full_page.text
    assert "Drains built by residents." in full_page.text


def test_concept_notes_left_off_the_shortlist_are_told(two_stage, django_capture_on_commit_callbacks):
    _call, concept, user = two_stage
    _to_review(concept, user)

    with django_capture_on_commit_callbacks(execute=True):
        services.application_screen(application=concept, user=staff_in_role(GRANTS_COMMITTEE), to_status=S.REJECTED)

    assert 'Your concept note "Upgrading Kisenyi" was not shortlisted this time.' in mail.outbox[-1].body


# -- The public list ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("calls", [1, 12])
def test_the_call_list_takes_the_same_queries_whatever_the_number_of_calls(
    client, django_assert_max_num_queries, calls
):
    organisation = OrganisationFactory()
    for n in range(calls):
        call = CallFactory(invitation_only=n % 2 == 0, two_stage=n % 3 == 0)
        CallInvitation.objects.create(call=call, organisation=organisation)
    client.force_login(PartnerUserFactory(organisation=organisation))

    with django_assert_max_num_queries(8):
        page = client.get(reverse("grants:call-list"))

    assert page.text.count("By invitation") == (calls + 1) // 2


def test_the_committee_finds_reviewed_concept_notes_to_shortlist_in_its_work_queue(two_stage, client):
    _call, concept, user = two_stage
    _to_review(concept, user)
    reviewer = StaffFactory()
    review = services.reviewer_assign(application=concept, reviewer=reviewer, assigned_by=StaffFactory())
    services.review_submit(
        review=review, user=reviewer, no_conflict=True, scores={c.pk: (4, "") for c in concept.criteria}
    )
    client.force_login(staff_in_role(GRANTS_COMMITTEE))

    home = client.get(reverse("admin:index"))
    listed = client.get(reverse("admin:grants_application_changelist"), {"work": "shortlist"})
    awards = client.get(reverse("admin:grants_application_changelist"), {"work": "decide"})

    assert "Concept notes reviewed, to shortlist" in home.text
    assert "Upgrading Kisenyi" in listed.text
    assert "Upgrading Kisenyi" not in awards.text  # a concept note is shortlisted, never awarded


def test_a_call_that_only_limits_kinds_is_applied_to_without_a_check(client):
    call = CallFactory(eligible_kinds=[OrganisationKind.LOCAL_GOVERNMENT])
    organisation = OrganisationFactory(kind=OrganisationKind.LOCAL_GOVERNMENT)
    client.force_login(PartnerUserFactory(organisation=organisation))

    page = client.get(call.get_absolute_url())
    started = client.post(reverse("grants:application-start", args=[call.reference]), {"organisation": organisation.pk})

    assert "Start an application" in page.text and "Check your eligibility" not in page.text
    assert started.headers["Location"] == reverse("grants:application", args=[Application.objects.get().pk])
