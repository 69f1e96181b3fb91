"""The partner portal and the staff's review screens: who sees what, and what each page shows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from grants import services
from grants.models import Application, ApplicationStatus, Attachment, Project, ReviewAssignment
from tests.factories import (
    ApplicationFactory,
    AssessmentCriterionFactory,
    CallFactory,
    OrganisationFactory,
    PartnerUserFactory,
    StaffFactory,
    UserFactory,
    schedule_lines,
)

pytestmark = pytest.mark.django_db

MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def partner_of(application: Application):
    return application.created_by


def test_the_public_lists_open_calls_only(client):
    open_call = CallFactory(title="Innovation Fund 2026")
    CallFactory(
        title="Closed call",
        opens_at=timezone.now() - dt.timedelta(days=60),
        closes_at=timezone.now() - dt.timedelta(days=1),
    )
    CallFactory(title="Unpublished call", is_published=False)

    page = client.get(reverse("grants:call-list")).content.decode()

    assert "Innovation Fund 2026" in page
    assert "Closed call" not in page and "Unpublished call" not in page
    detail = client.get(open_call.get_absolute_url())
    assert detail.status_code == 200 and "Log in to apply" in detail.content.decode()
    assert client.get(reverse("grants:call-detail", args=["unpublished-none"])).status_code == 404


def test_a_partner_starts_saves_and_submits_an_application_through_the_pages(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call = CallFactory()
    partner = PartnerUserFactory()
    organisation = partner.organisation_roles.get().organisation
    client.force_login(partner)

    response = client.post(
        reverse("grants:application-start", args=[call.reference]), {"organisation": organisation.pk}
    )
    application = Application.objects.get(organisation=organisation)
    assert response["Location"] == reverse("grants:application", args=[application.pk])

    form = {
        "title": "Water kiosks for Popo Beach",
        "summary": "Community-run water kiosks.",
        "countries": ["LR"],
        "city_names": "Monrovia",
        "start_date": "2027-01-01",
        "end_date": "2027-12-31",
        "requested_amount": "50000.00",
        "co_financing": "5000.00",
        "expected_results": "Three kiosks.",
        "budget-TOTAL_FORMS": "2",
        "budget-INITIAL_FORMS": "0",
        "budget-0-category": "works",
        "budget-0-amount": "40000.00",
        "budget-1-category": "staff",
        "budget-1-amount": "9000.00",
    }
    url = reverse("grants:application", args=[application.pk])
    refused = client.post(url, {**form, "review": "1"})
    page = refused.content.decode()
    assert refused.status_code == 200
    assert "add up to USD\xa049,000.00, not the USD\xa050,000.00 requested" in page
    assert 'id="error-summary"' in page and 'href="#budget-title"' in page  # the summary links to the budget
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT and application.title == "Water kiosks for Popo Beach"

    # A file chosen in the form is attached when the draft is saved, with what was typed.
    upload = SimpleUploadedFile("plan.pdf", MINIMAL_PDF, content_type="application/pdf")
    saved = client.post(url, {**form, "title": "Water kiosks", "file": upload, "upload": "1"})
    assert saved["Location"] == f"{url}#files"
    application.refresh_from_db()
    assert (application.title, application.attachments.get().original_name) == ("Water kiosks", "plan.pdf")

    review = client.post(url, {**form, "budget-1-amount": "10000.00", "review": "1"})
    assert review["Location"] == reverse("grants:application-review", args=[application.pk])
    page = client.get(review["Location"]).content.decode()
    assert "Everything the call asks for is here" in page and "Submit the application" in page
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT  # reviewing submits nothing

    done = client.post(review["Location"], follow=True)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert "Your application is submitted" in done.content.decode()
    assert list(application.cities.values_list("name", "confirmed")) == [("Monrovia", False)]  # a proposal
    assert 'name="title"' not in client.get(url).content.decode()  # read-only once submitted


def test_a_guessed_application_or_file_of_another_organisation_answers_404(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    theirs = ApplicationFactory(complete=True)
    services.attachment_add(
        application=theirs,
        user=partner_of(theirs),
        upload=SimpleUploadedFile("budget.pdf", MINIMAL_PDF, content_type="application/pdf"),
    )
    attachment = theirs.attachments.get()
    client.force_login(PartnerUserFactory())

    assert client.get(reverse("grants:application", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("grants:application-withdraw", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("grants:attachment", args=[attachment.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == ApplicationStatus.DRAFT


def test_the_owner_and_staff_download_a_file_as_the_attachment_its_content_is(client, settings, tmp_path):
    """A PDF uploaded as "plan.html" is sent as a PDF, named so, and browsers may not sniff it as a page."""
    settings.MEDIA_ROOT = tmp_path
    application = ApplicationFactory()
    attachment = services.attachment_add(
        application=application,
        user=partner_of(application),
        upload=SimpleUploadedFile("plan.html", MINIMAL_PDF, content_type="text/html"),
    )
    url = reverse("grants:attachment", args=[attachment.pk])

    assert client.get(url).status_code == 302  # anonymous visitors are sent to log in
    for user in (partner_of(application), StaffFactory()):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == MINIMAL_PDF
        assert response["Content-Disposition"] == 'attachment; filename="plan.pdf"'
        assert (response["Content-Type"], response["X-Content-Type-Options"]) == ("application/pdf", "nosniff")


def test_the_partner_dashboard_lists_only_its_organisations_applications_in_constant_queries(client):
    mine = ApplicationFactory(title="Ours")
    partner = partner_of(mine)
    ApplicationFactory(title="Someone else's")
    client.force_login(partner)

    with CaptureQueriesContext(connection) as few:
        page = client.get(reverse("grants:dashboard")).content.decode()
    assert "Ours" in page and "Someone else" not in page
    for _ in range(8):
        ApplicationFactory(organisation=mine.organisation, created_by=partner, call=CallFactory())
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("grants:dashboard"))

    assert len(many) == len(few)


def test_staff_screen_review_rank_and_approve_in_the_admin(client):
    staff = StaffFactory()
    call = CallFactory(reviews_required=1)
    relevance = AssessmentCriterionFactory(call=call, name="Relevance", weight=Decimal("2"))
    feasibility = AssessmentCriterionFactory(call=call, name="Feasibility", weight=Decimal("1"))
    strong, weak = ApplicationFactory(call=call, complete=True), ApplicationFactory(call=call, complete=True)
    reviewer = UserFactory(full_name="Independent Reviewer")
    for application in (strong, weak):
        services.application_submit(application=application, user=partner_of(application))
    client.force_login(staff)
    changelist = reverse("admin:grants_application_changelist")
    for action in ("to_screening", "to_review"):
        client.post(changelist, {"action": action, "_selected_action": [strong.pk, weak.pk]})
    for application, (first, second) in ((strong, (5, 4)), (weak, (2, 3))):
        client.post(reverse("admin:grants_application_assign", args=[application.pk]), {"reviewer": reviewer.pk})
        review = application.reviews.get()
        services.review_submit(
            review=review,
            user=reviewer,
            no_conflict=True,
            scores={relevance.pk: (first, "ok"), feasibility.pk: (second, "ok")},
        )

    ranking = client.get(reverse("admin:grants_call_ranking", args=[call.pk]))
    rows = [(row.application.pk, row.weighted_score) for row in ranking.context["ranking"]]
    assert rows == [(strong.pk, Decimal("4.67")), (weak.pk, Decimal("2.33"))]  # (2x5 + 4) / 3, (2x2 + 3) / 3

    response = client.post(
        reverse("admin:grants_application_approve", args=[strong.pk]),
        {
            "grant_reference": "IF-UGA-2030",
            "signed_on": "2030-01-05",
            "start_date": "2030-01-01",
            "end_date": "2031-12-31",
            "comment": "Strong proposal",
            **schedule_lines(("2030-01-05", "", "100", "none", "", "")),
        },
    )
    project = Project.objects.get(code="IF-UGA-2030")
    assert response["Location"] == reverse("admin:grants_project_record", args=[project.pk])
    assert project.committed_total == Decimal("80000.00")
    strong.refresh_from_db()
    assert strong.status == ApplicationStatus.APPROVED and strong.project == project


def test_the_staff_application_list_takes_constant_queries(client):
    client.force_login(StaffFactory())
    call = CallFactory()
    ApplicationFactory(call=call)
    url = reverse("admin:grants_application_changelist")
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(10):
        ApplicationFactory(call=call, organisation=OrganisationFactory())
    with CaptureQueriesContext(connection) as many:
        client.get(url)

    assert len(many) == len(few)


def test_the_staff_application_list_shows_each_row_selectable_with_its_review_count(client):
    staff = StaffFactory()
    client.force_login(staff)
    call = CallFactory()
    reviewed, other = ApplicationFactory(call=call, title="Reviewed twice"), ApplicationFactory(call=call)
    for _ in range(2):
        ReviewAssignment.objects.create(application=reviewed, reviewer=UserFactory(), assigned_by=staff)

    response = client.get(reverse("admin:grants_application_changelist"))

    page = response.content.decode()
    for application in (reviewed, other):
        assert (
            f'<input type="checkbox" name="_selected_action" value="{application.pk}" class="action-select" '
            f'aria-label="Select this object for an action - {application}">'
        ) in page
    rows = {row.pk: row.review_total for row in response.context["cl"].result_list}
    assert rows == {reviewed.pk: 2, other.pk: 0}


@pytest.fixture
def in_review():
    call = CallFactory()
    criterion = AssessmentCriterionFactory(call=call, name="Relevance")
    application = ApplicationFactory(call=call, complete=True)
    services.application_submit(application=application, user=partner_of(application))
    staff = StaffFactory()
    for status in (ApplicationStatus.SCREENING, ApplicationStatus.IN_REVIEW):
        services.application_screen(application=application, user=staff, to_status=status)
    reviewer = UserFactory()
    review = services.reviewer_assign(application=application, reviewer=reviewer, assigned_by=staff)
    return review, criterion


def test_a_reviewer_sees_only_assigned_applications_and_a_guessed_id_answers_404(client, in_review):
    review, _criterion = in_review
    client.force_login(review.reviewer)
    queue = client.get(reverse("grants:review-queue")).content.decode()
    assert review.application.title in queue
    assert f'<td class="nowrap">{review.due_on:%-d %b %Y}</td>' in queue  # when the review is due

    client.force_login(UserFactory())
    assert review.application.title not in client.get(reverse("grants:review-queue")).content.decode()
    assert client.get(reverse("grants:review", args=[review.pk])).status_code == 404


def test_a_review_needs_the_conflict_declaration_and_every_score(client, in_review):
    review, criterion = in_review
    client.force_login(review.reviewer)
    url = reverse("grants:review", args=[review.pk])

    undeclared = client.post(url, {f"criterion_{criterion.pk}": "4"})
    assert "Declare that you have no conflict of interest" in undeclared.content.decode()
    unscored = client.post(url, {"no_conflict": "on"})
    assert "Score this criterion from 0 to 5." in unscored.content.decode()
    review.refresh_from_db()
    assert review.submitted_at is None and not review.scores.exists()

    done = client.post(url, {"no_conflict": "on", f"criterion_{criterion.pk}": "4", f"comment_{criterion.pk}": "Clear"})
    assert done["Location"] == reverse("grants:review-queue")
    assert review.scores.get().score == 4


def test_a_reviewer_downloads_the_files_of_an_assigned_application_only(client, in_review, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    review, _criterion = in_review
    draft = ApplicationFactory()
    attachment = services.attachment_add(
        application=draft,
        user=partner_of(draft),
        upload=SimpleUploadedFile("plan.pdf", MINIMAL_PDF, content_type="application/pdf"),
    )
    assigned = Attachment.objects.create(
        application=review.application,
        file=SimpleUploadedFile("annex.pdf", MINIMAL_PDF),
        original_name="annex.pdf",
        content_type="application/pdf",
        size=len(MINIMAL_PDF),
        uploaded_by=partner_of(review.application),
    )
    client.force_login(review.reviewer)

    response = client.get(reverse("grants:attachment", args=[assigned.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == MINIMAL_PDF
    assert client.get(reverse("grants:attachment", args=[attachment.pk])).status_code == 404


def test_the_review_queue_takes_constant_queries(client, in_review):
    review, _criterion = in_review
    client.force_login(review.reviewer)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("grants:review-queue"))
    staff = StaffFactory()
    for _ in range(6):
        application = ApplicationFactory(call=review.application.call, complete=True)
        services.application_submit(application=application, user=partner_of(application))
        services.application_screen(application=application, user=staff, to_status=ApplicationStatus.SCREENING)
        services.reviewer_assign(application=application, reviewer=review.reviewer, assigned_by=staff)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("grants:review-queue"))

    assert len(many) == len(few)


def test_applying_to_a_closed_call_is_refused_with_a_message_and_creates_nothing(client):
    closed = CallFactory(
        opens_at=timezone.now() - dt.timedelta(days=40), closes_at=timezone.now() - dt.timedelta(days=2)
    )
    partner = PartnerUserFactory()
    client.force_login(partner)

    page = client.get(closed.get_absolute_url()).content.decode()
    assert "This call is not open for applications." in page and "Start an application" not in page
    response = client.post(
        reverse("grants:application-start", args=[closed.reference]),
        {"organisation": partner.organisation_roles.get().organisation_id},
        follow=True,
    )

    assert "This call is not open for applications." in response.content.decode()
    assert not Application.objects.exists()
