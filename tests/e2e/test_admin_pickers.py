"""Staff sign a grant agreement in the admin, picking the project and the grantee by typing: at scale the form
cannot list every project and organisation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from grants.models import Facility, GrantAgreement
from members.models import Organisation
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db(transaction=True)


def pick(page, field: str, typed: str, shown: str) -> None:
    """Open the autocomplete of `field`, type `typed` and choose the result showing `shown`."""
    page.locator(f"#id_{field} + .select2-container").click()
    page.locator(".select2-search__field").fill(typed)
    page.locator(".select2-results__option", has_text=shown).click()


def test_staff_sign_an_agreement_picking_its_project_and_grantee_by_typing(page, live_server, demo, log_in, shot):
    project = ProjectFactory(code="KE-PICK-1", title="Kisumu lakefront", facility=Facility.objects.first())
    grantee = Organisation.objects.exclude(name="").order_by("name").first()
    log_in(page, "director@example.org")
    page.goto(f"{live_server.url}/admin/grants/grantagreement/add/")

    pick(page, "project", project.code, project.code)
    pick(page, "grantee", grantee.name[:6], grantee.name)
    page.get_by_label("Agreement reference").fill("GA-PICKED-1")
    page.get_by_label("Amount committed").fill("50000")
    shot(page, "agreement-sign-picked")
    page.get_by_role("button", name="Sign the agreement").click()

    expect(page.get_by_text("is recorded with its commitment")).to_be_visible()
    agreement = GrantAgreement.objects.get(reference="GA-PICKED-1")
    assert (agreement.project, agreement.grantee) == (project, grantee)
