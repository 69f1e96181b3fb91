"""Bulk e-mail to a call's applicants: templates refused when they would not render, the preview, one row per
recipient with its delivery status, failures recorded, never sent twice, and the failed ones sent again."""

from __future__ import annotations

import smtplib

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.locmem import EmailBackend
from django.urls import reverse

from grants.models import ApplicationStatus, EmailTemplate, Mailing, MailingRecipient, RecipientStatus
from grants.services.messages import MessageError, mailing_deliver, mailing_retry_failed, mailing_send
from members.roles import FINANCE_OFFICER, PROGRAMME_OFFICER
from tests.factories import ApplicationFactory, CallFactory, OrganisationFactory, PartnerUserFactory, staff_in_role

pytestmark = pytest.mark.django_db

S = ApplicationStatus
BOUNCE = "bounce@"


class FailingBackend(EmailBackend):
    """The mail server refuses any address starting with "bounce@"; the others arrive in `mail.outbox`."""

    def send_messages(self, messages):
        for message in messages:
            if any(address.startswith(BOUNCE) for address in message.to):
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"No such mailbox")})
        return super().send_messages(messages)


@pytest.fixture
def failing_mail(settings):
    settings.EMAIL_BACKEND = "tests.grants.test_mailings.FailingBackend"


@pytest.fixture
def officer():
    return staff_in_role(PROGRAMME_OFFICER, email="officer@example.org")


@pytest.fixture
def call():
    return CallFactory(title="Innovation Fund 2026", reference="innovation-2026")


@pytest.fixture
def template():
    return EmailTemplate.objects.create(
        name="Shortlisted",
        subject="{{ call.title }}: your application {{ application.reference }}",
        body="Dear {{ organisation.name }},\n\n{{ application.title }} is {{ application.status|lower }}.\n"
        "Follow it at {{ application.url }}",
    )


def applicant(call, status, name, *emails):
    organisation = OrganisationFactory(name=name)
    users = [PartnerUserFactory(email=email, organisation=organisation) for email in emails]
    return ApplicationFactory(
        call=call, organisation=organisation, created_by=users[0], status=status, title=f"Plan of {name}"
    )


@pytest.fixture
def applications(call):
    return {
        "jinja": applicant(
            call, S.IN_REVIEW, "Jinja <b>O'Brien</b> Council", "a@jinja.example.org", "b@jinja.example.org"
        ),
        "accra": applicant(call, S.SUBMITTED, "Accra", "a@accra.example.org"),
        "draft": applicant(call, S.DRAFT, "Kisumu", "a@kisumu.example.org"),
        "other_call": applicant(CallFactory(), S.IN_REVIEW, "Elsewhere", "a@elsewhere.example.org"),
    }


def send(call, template, statuses, user, capture):
    with capture(execute=True):
        return mailing_send(call=call, template=template, statuses=statuses, user=user, site_url="https://x.org/")


# -- Templates


@pytest.mark.parametrize(
    ("field", "text", "said"),
    [
        ("body", "{% if organisation.name %}Dear partner", "does not compile"),
        ("body", "{% load static %}", "does not compile"),
        ("body", "{{ application.budget }}", "Unknown placeholder: application.budget"),
        ("subject", "{{ user.password }}", "Unknown placeholder: user.password"),
    ],
)
def test_a_template_that_would_not_render_is_refused_at_save(field, text, said, client, officer):
    values = {"name": "Bad", "subject": "Hello", "body": "Hello", field: text}

    with pytest.raises(ValidationError, match=said):
        EmailTemplate.objects.create(**values)
    client.force_login(officer)
    response = client.post(reverse("admin:grants_emailtemplate_add"), values)

    assert response.status_code == 200
    assert said in response.content.decode()
    assert not EmailTemplate.objects.exists()


# -- Sending


def test_each_applicant_in_the_chosen_states_gets_their_own_message_logged_as_sent(
    call, template, applications, officer, django_capture_on_commit_callbacks
):
    mailing = send(call, template, [S.IN_REVIEW, S.SUBMITTED], officer, django_capture_on_commit_callbacks)

    rows = {(row.application_id, row.email, row.status) for row in mailing.recipients.all()}
    assert rows == {
        (applications["jinja"].pk, "a@jinja.example.org", RecipientStatus.SENT),
        (applications["jinja"].pk, "b@jinja.example.org", RecipientStatus.SENT),
        (applications["accra"].pk, "a@accra.example.org", RecipientStatus.SENT),
    }
    assert all(row.sent_at for row in mailing.recipients.all())
    assert sorted(m.to[0] for m in mail.outbox) == ["a@accra.example.org", "a@jinja.example.org", "b@jinja.example.org"]
    jinja = next(m for m in mail.outbox if m.to == ["a@jinja.example.org"])
    reference = f"innovation-2026-{applications['jinja'].pk}"
    assert jinja.subject == f"Innovation Fund 2026: your application {reference}"
    assert "Dear Jinja <b>O'Brien</b> Council," in jinja.body  # plain text: written as it is, not escaped
    assert "Plan of Jinja <b>O'Brien</b> Council is in review." in jinja.body
    assert f"https://x.org/portal/applications/{applications['jinja'].pk}/" in jinja.body


def test_a_refused_address_is_recorded_failed_with_the_error_and_the_others_are_sent(
    call, template, officer, failing_mail, django_capture_on_commit_callbacks
):
    applicant(call, S.IN_REVIEW, "Jinja", "a@jinja.example.org", "bounce@jinja.example.org")

    mailing = send(call, template, [S.IN_REVIEW], officer, django_capture_on_commit_callbacks)

    failed = mailing.recipients.get(email="bounce@jinja.example.org")
    assert failed.status == RecipientStatus.FAILED
    assert "SMTPRecipientsRefused" in failed.error and "No such mailbox" in failed.error
    assert mailing.recipients.get(email="a@jinja.example.org").status == RecipientStatus.SENT
    assert [m.to for m in mail.outbox] == [["a@jinja.example.org"]]


def test_a_chunk_run_again_sends_nobody_twice(
    call, template, applications, officer, django_capture_on_commit_callbacks
):
    mailing = send(call, template, [S.IN_REVIEW, S.SUBMITTED], officer, django_capture_on_commit_callbacks)
    ids = list(mailing.recipients.values_list("pk", flat=True))
    sent = len(mail.outbox)

    assert mailing_deliver(mailing_id=mailing.pk, recipient_ids=ids) == 0
    assert len(mail.outbox) == sent == 3


def test_a_recipient_claimed_by_another_worker_is_left_to_it(call, template, applications, officer):
    mailing = mailing_send(call=call, template=template, statuses=[S.SUBMITTED], user=officer)  # not committed: queued
    row = mailing.recipients.get()
    MailingRecipient.objects.filter(pk=row.pk).update(status=RecipientStatus.SENDING)  # another worker has it

    assert mailing_deliver(mailing_id=mailing.pk, recipient_ids=[row.pk]) == 0
    assert mail.outbox == []


def test_the_failed_are_sent_again_and_only_they(
    call, template, officer, settings, failing_mail, django_capture_on_commit_callbacks
):
    applicant(call, S.IN_REVIEW, "Jinja", "a@jinja.example.org", "bounce@jinja.example.org")
    mailing = send(call, template, [S.IN_REVIEW], officer, django_capture_on_commit_callbacks)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the mailbox exists now
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        again = mailing_retry_failed(mailing=mailing, user=officer)

    assert again == 1
    assert [m.to for m in mail.outbox] == [["bounce@jinja.example.org"]]
    assert set(mailing.recipients.values_list("status", "attempts")) == {
        (RecipientStatus.SENT, 1),
        (RecipientStatus.SENT, 2),
    }


def test_sending_is_refused_without_recipients_states_or_the_permission(call, template, applications, officer):
    finance = staff_in_role(FINANCE_OFFICER, email="finance@example.org")

    for statuses, user, said in (
        ([S.APPROVED], officer, "nobody to write to"),
        ([], officer, "Choose the states"),
        (["no-such-state"], officer, "Choose the states"),
        ([S.SUBMITTED], finance, "You may not send"),
    ):
        with pytest.raises(MessageError, match=said):
            mailing_send(call=call, template=template, statuses=statuses, user=user)
    assert not Mailing.objects.exists()


# -- The admin


def test_staff_preview_then_send_from_the_call_and_read_each_status(
    client, call, template, applications, officer, failing_mail, django_capture_on_commit_callbacks
):
    applicant(call, S.SUBMITTED, "Lagos", "bounce@lagos.example.org")
    url = reverse("admin:grants_call_mailing", args=[call.pk])
    client.force_login(officer)
    form = {"statuses": [S.SUBMITTED, S.IN_REVIEW], "template": template.pk}

    preview = client.post(url, {**form, "preview": "Preview"}).content.decode()
    assert "4 recipients, for 3 applications." in preview
    assert "Dear Jinja &lt;b&gt;O&#x27;Brien&lt;/b&gt; Council," in preview  # the first, shown as text on the page
    assert not Mailing.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {**form, "send": "Send"})
    mailing = Mailing.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:grants_mailing_change", args=[mailing.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'data-figure="sent">3<' in page
    assert 'data-figure="failed">1<' in page
    assert 'data-recipient="bounce@lagos.example.org" data-status="failed"' in page
    assert "No such mailbox" in page


def test_staff_without_the_permission_are_refused_the_mailing_page(
    client, call, template, applications, staff_without_permissions
):
    url = reverse("admin:grants_call_mailing", args=[call.pk])
    for user in (staff_without_permissions, staff_in_role(FINANCE_OFFICER, email="finance@example.org")):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"statuses": [S.SUBMITTED], "template": template.pk, "send": "1"}).status_code == 403
    assert not Mailing.objects.exists()


def test_the_retry_action_queues_the_failed_again(
    client, call, template, officer, failing_mail, django_capture_on_commit_callbacks
):
    applicant(call, S.IN_REVIEW, "Jinja", "bounce@jinja.example.org")
    mailing = send(call, template, [S.IN_REVIEW], officer, django_capture_on_commit_callbacks)
    client.force_login(officer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:grants_mailing_changelist"),
            {"action": "retry_failed", "_selected_action": [mailing.pk]},
            follow=True,
        )

    assert "1 recipient queued again." in response.content.decode()
    assert mailing.recipients.get().attempts == 2  # tried again, refused again


@pytest.mark.parametrize("n", [3, 30])
def test_the_mailing_page_takes_the_same_queries_however_many_recipients(
    client, call, template, officer, n, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    for index in range(n):
        applicant(call, S.SUBMITTED, f"Organisation {index}", f"a{index}@example.org")
    mailing = send(call, template, [S.SUBMITTED], officer, django_capture_on_commit_callbacks)
    client.force_login(officer)

    with django_assert_max_num_queries(14):
        page = client.get(reverse("admin:grants_mailing_change", args=[mailing.pk]))

    assert page.content.decode().count("data-recipient=") == n
