"""The demo shows conversations on an application and on a project, an e-mail template and a mailing sent with it."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from grants.models import EmailTemplate, Mailing, Message, MessageSide, RecipientStatus
from members.models import User

pytestmark = pytest.mark.django_db


def test_the_demo_shows_conversations_a_template_and_a_mailing(settings, client, django_capture_on_commit_callbacks):
    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo")

    on_application = Message.objects.filter(application__title="Market women's savings circles in Jinja")
    on_project = Message.objects.filter(project__code="CUF-UGA-2026")
    assert list(on_application.values_list("side", flat=True)) == [MessageSide.ORGANISATION, MessageSide.SECRETARIAT]
    assert on_application.first().files.get().original_name == "letter-of-support.pdf"
    assert on_project.count() == 2
    mailing = Mailing.objects.get()
    assert mailing.template == EmailTemplate.objects.get()
    assert set(mailing.recipients.values_list("status", flat=True)) == {RecipientStatus.SENT}

    client.force_login(User.objects.get(email="partner@example.org"))
    home = client.get(reverse("grants:dashboard")).content.decode()
    assert "Answer the secretariat: CUF-UGA-2026" in home

    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo")
    assert Message.objects.count() == 4
    assert Mailing.objects.count() == 1
