"""The demo shows a grant at the amended stage: an approved amendment and the agreement's two versions."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from grants.models import Amendment, AmendmentKind, AmendmentStatus

pytestmark = pytest.mark.django_db


def test_the_demo_shows_an_approved_amendment_with_two_versions(settings):
    settings.DEBUG = True
    call_command("load_demo")
    amendment = Amendment.objects.get(agreement__reference="GA-CP-GHA-2014")
    assert amendment.status == AmendmentStatus.APPROVED and amendment.kind == AmendmentKind.BUDGET_REVISION
    assert list(amendment.agreement.versions.values_list("number", flat=True)) == [1, 2]
    assert sum(line.amount for line in amendment.agreement.budget_lines.all()) == amendment.agreement.amount
    call_command("load_demo")
    assert Amendment.objects.count() == 1
