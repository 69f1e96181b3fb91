"""The conversation between an organisation and the secretariat on an application and on a project: who reads and
writes it through each door (portal, admin, API), its files, the e-mail to the other side, and its query counts."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse

from grants.models import ApplicationStatus, Message, MessageAttachment, MessageSide
from grants.selectors.messages import waiting_for_answer
from grants.services.messages import MessageError, message_post
from members.roles import FINANCE_OFFICER, PROGRAMME_OFFICER
from tests.factories import (
    PDF,
    ApplicationFactory,
    OrganisationFactory,
    PartnerUserFactory,
    ProjectFactory,
    ProjectPartnerFactory,
    staff_in_role,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation():
    return OrganisationFactory(name="Municipal Council of Jinja")


@pytest.fixture
def partner(organisation):
    return PartnerUserFactory(email="partner@jinja.example.org", organisation=organisation)


@pytest.fixture
def colleague(organisation):
    return PartnerUserFactory(email="colleague@jinja.example.org", organisation=organisation)


@pytest.fixture
def stranger():
    return PartnerUserFactory(email="stranger@elsewhere.example.org")


@pytest.fixture
def officer():
    return staff_in_role(PROGRAMME_OFFICER, email="officer@example.org")


@pytest.fixture
def application(organisation, partner):
    return ApplicationFactory(
        complete=True, organisation=organisation, created_by=partner, status=ApplicationStatus.SUBMITTED
    )


@pytest.fixture
def project(organisation):
    project = ProjectFactory(code="CUF-UGA-2026", is_public=False)
    ProjectPartnerFactory(project=project, organisation=organisation)
    return project


def pdf(name="question.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def post(client, url, body="When is the decision expected?", files=()):
    return client.post(url, {"body": body, "files": list(files)})


# -- The portal


def test_a_partner_asks_a_question_with_a_file_and_the_secretariat_is_emailed_once(
    client, application, partner, colleague, officer, django_capture_on_commit_callbacks
):
    client.force_login(partner)
    url = reverse("grants:application-messages", args=[application.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, url, files=[pdf()])

    assert response.status_code == 302
    message = Message.objects.get()
    assert (message.application, message.author, message.side) == (application, partner, MessageSide.ORGANISATION)
    assert message.files.get().original_name == "question.pdf"
    assert [m.to for m in mail.outbox] == [[officer.email]]  # the secretariat, never the author or a colleague
    assert "When is the decision expected?" in mail.outbox[0].body
    assert "question.pdf" in mail.outbox[0].body
    page = client.get(url)
    assert "When is the decision expected?" in page.content.decode()


def test_the_application_page_shows_its_conversation(client, application, partner, officer):
    message_post(record=application, author=officer, side=MessageSide.SECRETARIAT, body="Please send the budget.")
    client.force_login(partner)

    page = client.get(reverse("grants:application", args=[application.pk])).content.decode()

    assert "Messages with the secretariat" in page
    assert "Please send the budget." in page


def test_another_organisation_and_staff_are_told_the_conversation_does_not_exist(
    client, application, project, stranger, officer
):
    for user in (stranger, officer):  # staff answer in the admin, not in the portal
        client.force_login(user)
        assert client.get(reverse("grants:application-messages", args=[application.pk])).status_code == 404
        assert client.get(reverse("grants:project-messages", args=[project.code])).status_code == 404
        assert post(client, reverse("grants:application-messages", args=[application.pk])).status_code == 404
    assert not Message.objects.exists()


def test_a_visitor_is_sent_to_sign_in(client, application):
    response = client.get(reverse("grants:application-messages", args=[application.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_project_conversation_is_its_partners_and_staff_answer_it_from_the_record(
    client, project, partner, colleague, officer, django_capture_on_commit_callbacks
):
    client.force_login(partner)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, reverse("grants:project-messages", args=[project.code]), body="Can we move the workshop?")
    mail.outbox.clear()

    client.force_login(officer)
    record = client.get(reverse("admin:grants_project_record", args=[project.pk])).content.decode()
    assert "Can we move the workshop?" in record
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, reverse("admin:grants_project_messages", args=[project.pk]), body="Yes, in May.")

    assert response.status_code == 302
    assert response["Location"].endswith(reverse("admin:grants_project_record", args=[project.pk]) + "#messages")
    answer = Message.objects.latest("pk")
    assert (answer.project, answer.side) == (project, MessageSide.SECRETARIAT)
    assert sorted(m.to[0] for m in mail.outbox) == [colleague.email, partner.email]
    assert officer.email not in [m.to[0] for m in mail.outbox]


def test_a_refused_message_says_why_and_keeps_nothing(client, application, partner):
    client.force_login(partner)
    url = reverse("grants:application-messages", args=[application.pk])

    empty = post(client, url, body="   ")
    not_a_pdf = post(client, url, files=[SimpleUploadedFile("run.pdf", b"#!/bin/sh\necho hi\n")])

    assert empty.status_code == 400
    assert not_a_pdf.status_code == 400
    assert "is not a PDF, XLSX, DOCX, PNG or JPEG file" in not_a_pdf.content.decode()
    assert "When is the decision expected?" in not_a_pdf.content.decode()  # what was typed is kept
    assert not Message.objects.exists()
    assert not MessageAttachment.objects.exists()


def test_the_e_mail_is_plain_text_whatever_the_message_holds(
    application, partner, officer, django_capture_on_commit_callbacks
):
    body = "Budget <b>line</b> & O'Brien's \"note\"\nSecond line"
    with django_capture_on_commit_callbacks(execute=True):
        message_post(record=application, author=partner, side=MessageSide.ORGANISATION, body=body)

    assert body in mail.outbox[0].body  # written as typed, neither escaped nor interpreted
    assert "\n" not in mail.outbox[0].subject


# -- The admin


def test_staff_read_and_answer_on_the_application_page(
    client, application, partner, officer, django_capture_on_commit_callbacks
):
    message_post(record=application, author=partner, side=MessageSide.ORGANISATION, body="Is co-financing required?")
    client.force_login(officer)

    page = client.get(reverse("admin:grants_application_change", args=[application.pk])).content.decode()
    assert "Is co-financing required?" in page
    url = reverse("admin:grants_application_messages", args=[application.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, url, body="No, but it helps.", files=[pdf("guidance.pdf")])

    assert response.status_code == 302
    assert Message.objects.filter(side=MessageSide.SECRETARIAT, body="No, but it helps.").exists()
    assert [m.to for m in mail.outbox] == [[partner.email]]


def test_staff_without_the_permission_neither_read_nor_answer(client, application, partner, staff_without_permissions):
    message_post(record=application, author=partner, side=MessageSide.ORGANISATION, body="Anyone there?")
    finance = staff_in_role(FINANCE_OFFICER, email="finance@example.org")  # reads messages, does not answer
    url = reverse("admin:grants_application_messages", args=[application.pk])

    client.force_login(staff_without_permissions)
    assert client.get(url).status_code == 403
    assert post(client, url).status_code == 403
    client.force_login(finance)
    assert client.get(url).status_code == 200
    assert post(client, url).status_code == 403
    assert "Answer the organisation" not in client.get(url).content.decode()
    assert Message.objects.count() == 1
    with pytest.raises(MessageError):
        message_post(record=application, author=finance, side=MessageSide.SECRETARIAT, body="Hello")


def test_a_staff_member_without_the_permission_does_not_see_the_conversation_on_the_application_page(
    client, application, partner
):
    message_post(record=application, author=partner, side=MessageSide.ORGANISATION, body="A private question")
    viewer = staff_in_role(FINANCE_OFFICER, email="viewer@example.org")
    viewer.groups.get().permissions.remove(*viewer.groups.get().permissions.filter(codename="view_message"))
    client.force_login(viewer)

    page = client.get(reverse("admin:grants_application_change", args=[application.pk])).content.decode()

    assert "A private question" not in page


# -- Files


def test_a_file_is_downloaded_by_those_who_read_the_conversation_only(
    client, application, partner, stranger, officer, staff_without_permissions
):
    message = message_post(
        record=application, author=partner, side=MessageSide.ORGANISATION, body="See attached.", uploads=[pdf()]
    )
    url = reverse("grants:message-file", args=[message.files.get().pk])

    for user, status in ((partner, 200), (officer, 200), (stranger, 404), (staff_without_permissions, 404)):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == status, user
        if status == 200:
            assert response["Content-Type"] == "application/pdf"
            assert response["X-Content-Type-Options"] == "nosniff"
            assert b"".join(response.streaming_content) == PDF
    client.logout()
    assert client.get(url).status_code == 302


# -- The rule in the model and database


def test_the_database_refuses_a_message_on_no_record_or_on_both(application, project, partner):
    for on in ({}, {"application": application, "project": project}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Message.objects.create(**on, author=partner, side=MessageSide.ORGANISATION, body="Hello")


def test_the_portal_home_lists_the_questions_the_organisation_has_not_answered(
    client, application, project, partner, officer
):
    message_post(record=application, author=officer, side=MessageSide.SECRETARIAT, body="Which city?")
    message_post(record=project, author=officer, side=MessageSide.SECRETARIAT, body="The report?")
    message_post(record=project, author=partner, side=MessageSide.ORGANISATION, body="Sent yesterday.")

    waiting = waiting_for_answer(partner)
    client.force_login(partner)
    home = client.get(reverse("grants:dashboard")).content.decode()

    assert [message.body for message in waiting] == ["Which city?"]
    assert "Answer the secretariat" in home
    assert reverse("grants:application-messages", args=[application.pk]) in home


# -- Query counts


def _conversation_of(record, partner, officer, n):
    for index in range(n):
        message_post(
            record=record,
            author=partner if index % 2 else officer,
            side=MessageSide.ORGANISATION if index % 2 else MessageSide.SECRETARIAT,
            body=f"Message {index}",
            uploads=[pdf(f"file-{index}.pdf")],
        )


@pytest.mark.parametrize("n", [2, 30])
def test_the_conversation_pages_take_the_same_queries_however_many_messages(
    client, application, project, partner, officer, n, django_assert_max_num_queries
):
    _conversation_of(application, partner, officer, n)
    _conversation_of(project, partner, officer, n)

    client.force_login(partner)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("grants:application-messages", args=[application.pk])).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("grants:project-messages", args=[project.code])).status_code == 200
    client.force_login(officer)
    with django_assert_max_num_queries(16):
        assert client.get(reverse("admin:grants_application_messages", args=[application.pk])).status_code == 200


# -- The API


def test_the_api_lists_and_posts_messages_for_those_who_read_the_record(
    client, application, project, partner, stranger, officer, django_capture_on_commit_callbacks
):
    message_post(record=application, author=officer, side=MessageSide.SECRETARIAT, body="Which city?")
    url = f"/api/v1/applications/{application.pk}/messages/"
    client.force_login(partner)

    listed = client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(url, {"body": "Jinja.", "files": [pdf()]})

    assert listed.status_code == 200
    assert [row["body"] for row in listed.json()] == ["Which city?"]
    assert listed.json()[0]["side"] == "secretariat"
    assert sent.status_code == 201, sent.content
    assert sent.json()["files"][0]["name"] == "question.pdf"
    assert [m.to for m in mail.outbox] == [[officer.email]]
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    assert client.post(url, {"body": "Hi"}).status_code == 404
    assert client.get(f"/api/v1/projects/{project.pk}/messages/").status_code == 404
    client.force_login(officer)
    assert client.post(f"/api/v1/projects/{project.pk}/messages/", {"body": "Report due."}).status_code == 201
    assert Message.objects.filter(project=project, side=MessageSide.SECRETARIAT).exists()


def test_a_co_applicant_reads_the_conversation_and_hears_of_the_secretariats_answer(
    client, application, partner, officer, django_capture_on_commit_callbacks
):
    from grants import services

    joined = PartnerUserFactory(email="partner@sdi.example.org", organisation=OrganisationFactory(name="SDI"))
    invited = PartnerUserFactory(email="partner@hfh.example.org", organisation=OrganisationFactory(name="HfH"))
    application.status = ApplicationStatus.DRAFT
    application.save(update_fields=["status"])
    for user in (joined, invited):
        member = services.consortium_invite(
            application=application,
            user=partner,
            organisation=user.organisation_roles.get().organisation,
            rights="view",
        )
    services.consortium_accept(member=application.consortium.get(organisation__name="SDI"), user=joined)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        message_post(record=application, author=officer, side=MessageSide.SECRETARIAT, body="Please send the budget.")

    assert [m.to for m in mail.outbox] == [[partner.email], [joined.email]]  # not the one yet to answer
    client.force_login(joined)
    assert (
        "Please send the budget."
        in client.get(reverse("grants:application-messages", args=[application.pk])).content.decode()
    )
    client.force_login(invited)
    assert client.get(reverse("grants:application-messages", args=[application.pk])).status_code == 404
    assert member.status == "invited"
