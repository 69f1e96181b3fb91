"""The application form never loses work: saved as the partner types (JSON answers for the page's script),
files attached and removed with the draft or on their own, refusals that keep what was typed, limits with
their messages, required fields marked, city suggestions, and a review of the whole draft before it is sent."""

from __future__ import annotations

from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grants import services
from grants.models import Application, ApplicationStatus, Attachment
from tests.factories import (
    PDF,
    ApplicationFactory,
    CallFactory,
    CallQuestionFactory,
    CityFactory,
    OrganisationFactory,
    PartnerUserFactory,
)

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


def typed(application: Application, **changes) -> dict:
    """What the form holds for a complete draft, with `changes`."""
    return {
        "title": application.title,
        "summary": application.summary,
        "countries": ["UG"],
        "city_names": "",
        "start_date": "2030-01-01",
        "end_date": "2031-12-31",
        "requested_amount": "80000.00",
        "co_financing": "20000.00",
        "expected_results": application.expected_results,
        "budget-TOTAL_FORMS": "1",
        "budget-INITIAL_FORMS": "0",
        "budget-0-category": "staff",
        "budget-0-amount": "80000.00",
        **changes,
    }


@pytest.fixture
def draft(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    application = ApplicationFactory(complete=True)
    client.force_login(application.created_by)
    return application


def page_of(application: Application) -> str:
    return reverse("grants:application", args=[application.pk])


def pdf(name: str = "plan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def test_the_script_saves_the_draft_as_the_partner_types_and_is_told_when(client, draft):
    with time_machine.travel("2030-01-05 14:02:00+00:00", tick=False):
        client.force_login(draft.created_by)
        answer = client.post(page_of(draft), typed(draft, title="Kiosks, second thoughts"), **JSON)

    assert answer.status_code == 200
    assert answer.json() == {"saved": True, "message": "Draft saved at 14:02."}
    draft.refresh_from_db()
    assert draft.title == "Kiosks, second thoughts"


def test_a_draft_the_script_cannot_save_says_why_and_changes_nothing(client, draft):
    answer = client.post(page_of(draft), typed(draft, title="Changed", start_date="2030-13-45"), **JSON)

    assert answer.status_code == 400
    assert answer.json()["saved"] is False
    assert answer.json()["message"] == "Not saved: Start: Enter a valid date."
    draft.refresh_from_db()
    assert draft.title == "Slum upgrading in Kampala"


def test_saving_with_a_refused_file_keeps_what_was_typed_and_says_what_is_wrong_with_the_file(client, draft):
    fake = SimpleUploadedFile("plan.pdf", b"MZ\x90\x00" + b"\x00" * 100, content_type="application/pdf")

    page = client.post(page_of(draft), typed(draft, title="Kept as typed", file=fake, upload="1"))

    assert page.status_code == 200
    content = page.content.decode()
    assert "plan.pdf is not a PDF, XLSX, DOCX, PNG or JPEG file." in content
    assert 'href="#id_file"' in content  # listed in the summary at the top, linked to the file control
    draft.refresh_from_db()
    assert draft.title == "Kept as typed" and not draft.attachments.exists()


def test_a_file_sent_on_its_own_is_attached_and_answered_with_its_row(client, draft):
    answer = client.post(reverse("grants:attachment-upload", args=[draft.pk]), {"file": pdf()}, **JSON)

    assert answer.status_code == 200
    attachment = draft.attachments.get()
    assert answer.json()["message"] == "plan.pdf is attached."
    assert reverse("grants:attachment-remove", args=[attachment.pk]) in answer.json()["file"]

    program = SimpleUploadedFile("setup.pdf", b"MZ\x90\x00" + b"\x00" * 100, content_type="application/pdf")
    refused = client.post(reverse("grants:attachment-upload", args=[draft.pk]), {"file": program}, **JSON)
    assert (refused.status_code, refused.json()["message"]) == (
        400,
        "setup.pdf is not a PDF, XLSX, DOCX, PNG or JPEG file.",
    )
    empty = client.post(reverse("grants:attachment-upload", args=[draft.pk]), {}, **JSON)
    assert (empty.status_code, empty.json()["message"]) == (400, "Choose a file to upload.")
    assert draft.attachments.count() == 1


def test_a_wrong_file_is_removed_from_the_draft_with_or_without_the_script(
    client, draft, django_capture_on_commit_callbacks
):
    first = services.attachment_add(application=draft, user=draft.created_by, upload=pdf("wrong.pdf"))
    second = services.attachment_add(application=draft, user=draft.created_by, upload=pdf("also-wrong.pdf"))
    stored = first.file.path

    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("grants:attachment-remove", args=[first.pk]), **JSON)
    assert (answer.status_code, answer.json()["message"]) == (200, "wrong.pdf is removed.")
    assert not Path(stored).exists()  # the stored file goes with its row

    # Without the script the remove button saves the form and removes the file in one post.
    page = client.post(page_of(draft), typed(draft, title="Saved too", remove_file=str(second.pk)))
    assert page.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "Saved too" and not draft.attachments.exists()


def test_files_of_a_submitted_application_or_of_another_organisation_cannot_be_removed(client, draft):
    theirs = ApplicationFactory(complete=True, organisation=OrganisationFactory())
    their_file = services.attachment_add(application=theirs, user=theirs.created_by, upload=pdf())
    mine = services.attachment_add(application=draft, user=draft.created_by, upload=pdf())
    services.application_submit(application=draft, user=draft.created_by)

    assert client.post(reverse("grants:attachment-remove", args=[their_file.pk]), **JSON).status_code == 404
    refused = client.post(reverse("grants:attachment-remove", args=[mine.pk]), **JSON)
    assert (refused.status_code, refused.json()["message"]) == (
        400,
        "Files are removed from a draft by the applying organisation.",
    )
    assert Attachment.objects.count() == 2


def test_a_refused_review_lists_each_problem_at_the_top_linked_to_its_field(client, draft):
    page = client.post(page_of(draft), typed(draft, summary="", requested_amount="90000.00", review="1"))

    content = page.content.decode()
    assert page.status_code == 200
    assert "There are 2 problems" in content
    assert '<a href="#id_summary">Summary: This field is required.</a>' in content
    assert '<a href="#budget-title">The budget lines add up to USD\xa080,000.00, not the USD\xa090,000.00' in content
    draft.refresh_from_db()
    assert (draft.status, draft.summary) == (ApplicationStatus.DRAFT, "")  # the draft is saved as typed


def test_the_review_page_shows_what_is_missing_and_submits_nothing_until_it_is_fixed(client, draft):
    Application.objects.filter(pk=draft.pk).update(summary="")
    review = reverse("grants:application-review", args=[draft.pk])

    page = client.get(review).content.decode()
    assert "Before you can submit" in page and "Summary: This field is required." in page
    assert "Submit the application" not in page

    client.post(review)
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT


def test_another_organisations_review_page_answers_404(client, draft):
    theirs = ApplicationFactory(complete=True, organisation=OrganisationFactory())

    assert client.get(reverse("grants:application-review", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("grants:application-review", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == ApplicationStatus.DRAFT


def test_an_answer_longer_than_the_question_allows_is_refused_with_its_count(client, draft):
    question = CallQuestionFactory(call=draft.call, kind="long_text", label="Why here?", max_length=20)

    page = client.post(page_of(draft), typed(draft, **{f"question_{question.pk}": "x" * 25}))

    content = page.content.decode()
    assert "Keep this answer to 20 characters: it has 25." in content
    assert 'maxlength="20"' in content  # the page's counter reads it
    assert not draft.answers.exists()


def test_a_summary_over_its_limit_is_refused():
    application = ApplicationFactory(complete=True)

    with pytest.raises(services.ApplicationIncomplete) as refusal:
        services.application_save(application=application, user=application.created_by, fields={"summary": "x" * 3001})

    assert refusal.value.errors == {"summary": ["Ensure this value has at most 3000 characters (it has 3001)."]}


def test_fields_needed_to_submit_are_marked_on_the_form(client, draft):
    CallQuestionFactory(call=draft.call, label="Optional thoughts", required=False)

    content = client.get(page_of(draft)).content.decode()

    assert 'Title <span class="required-mark">(required)</span>' in content
    assert 'aria-required="true"' in content
    assert 'Optional thoughts <span class="required-mark">' not in content


def test_city_suggestions_name_confirmed_cities_and_the_partners_own_proposals_only(client):
    partner = PartnerUserFactory()
    organisation = partner.organisation_roles.get().organisation
    CityFactory(name="Gulu", country="UG")
    CityFactory(name="Gulu Town", country="UG", confirmed=False, proposed_by=organisation)
    CityFactory(name="Gulugulu", country="UG", confirmed=False, proposed_by=OrganisationFactory())
    CityFactory(name="Guludo", country="KE")
    client.force_login(partner)
    url = reverse("grants:city-suggestions")

    assert client.get(url, {"q": "gul", "country": "UG"}).json() == {"cities": ["Gulu", "Gulu Town"]}
    assert client.get(url, {"q": "gul", "country": ["UG", "KE"]}).json() == {
        "cities": ["Gulu (UG)", "Gulu Town (UG)", "Guludo (KE)"]
    }
    assert client.get(url, {"q": "g"}).json() == {"cities": []}


def test_city_suggestions_need_a_login(client):
    assert client.get(reverse("grants:city-suggestions"), {"q": "gul"}).status_code == 302


def test_the_form_answers_a_visitor_who_is_not_logged_in_with_the_login_page(client):
    application = ApplicationFactory()

    response = client.post(page_of(application), {"title": "x"}, **JSON)

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    application.refresh_from_db()
    assert application.title == ""


def test_a_call_question_limit_is_set_by_staff_on_the_call(admin_client):
    call = CallFactory()
    question = CallQuestionFactory(call=call)

    page = admin_client.get(reverse("admin:grants_call_change", args=[call.pk])).content.decode()

    assert 'name="questions-0-max_length"' in page and question.label in page
