"""The demo shows project updates: two published (one on a project SECO funds), one waiting for moderation."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from grants.models import ProjectUpdate, UpdateStatus
from members.models import Organisation, User

pytestmark = pytest.mark.django_db


def test_the_demo_shows_published_updates_and_one_to_moderate(settings, client, django_capture_on_commit_callbacks):
    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo")

    assert dict(ProjectUpdate.objects.values_list("title", "status")) == {
        "Forty households connected to clean water in Masese": UpdateStatus.PUBLISHED,
        "Settlement profiles finished in five municipalities": UpdateStatus.PUBLISHED,
        "Market survey: what traders need": UpdateStatus.SUBMITTED,
    }
    feed = client.get(reverse("grants:update-list")).content.decode()
    assert "Forty households connected to clean water in Masese" in feed
    assert "A water kiosk with a blue tank on a stand" in feed
    client.force_login(User.objects.get(email="donor@example.org"))
    seco = Organisation.objects.get(short_name="SECO")
    dashboard = client.get(reverse("donors:dashboard", args=[seco.pk])).content.decode()
    assert "Settlement profiles finished in five municipalities" in dashboard

    call_command("load_demo")
    assert ProjectUpdate.objects.count() == 3
