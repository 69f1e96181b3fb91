"""A consortium in the browser, at desktop and phone widths: the lead invites an organisation picked by typing part
of its name, the co-applicant accepts from its portal home and edits an answer of the draft (saved as it types), and
the lead submits. Each page is checked with axe-core for serious and critical accessibility violations."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from grants.models import Application, ApplicationStatus, ConsortiumMember, QuestionKind
from tests.e2e.conftest import PHONE, draft_form_ready, serious_violations
from tests.factories import (
    ApplicationFactory,
    CallQuestionFactory,
    EmailAddressFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnerUserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-test-password"
SAVED = re.compile(r"^Draft saved at \d\d:\d\d\.$")
QUESTION = "Who does what in the consortium?"


def person(email: str, organisation):
    user = PartnerUserFactory(email=email, organisation=organisation, password=PASSWORD)
    EmailAddressFactory(user=user)
    return user


@pytest.fixture
def draft() -> Application:
    """Jinja's complete draft but for the answer its partner in the consortium writes; SDI, a member of the
    partnership, is registered in the portal."""
    lead = person("lead@jinja.example.org", OrganisationFactory(name="Municipal Council of Jinja"))
    sdi = OrganisationFactory(name="Slum Dwellers International")
    MembershipFactory(organisation=sdi)  # a member: its name is suggested to anyone
    person("partner@sdi.example.org", sdi)
    application = ApplicationFactory(
        complete=True, organisation=lead.organisation_roles.get().organisation, created_by=lead
    )
    CallQuestionFactory(call=application.call, label=QUESTION, kind=QuestionKind.LONG_TEXT)
    return application


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_lead_invites_the_co_applicant_accepts_and_edits_and_the_lead_submits(
    new_context, live_server, log_in, draft, shot, viewport
):
    options = {"viewport": PHONE, "is_mobile": True, "has_touch": True} if viewport == "phone" else {}
    application_url = f"{live_server.url}/portal/applications/{draft.pk}/"

    lead = new_context(**options).new_page()
    log_in(lead, "lead@jinja.example.org", PASSWORD)
    expect(lead.get_by_role("heading", level=1, name="My portal")).to_be_visible()
    lead.goto(application_url)
    combobox = lead.get_by_role("combobox", name="Organisation")
    combobox.fill("slum")
    lead.get_by_role("option", name="Slum Dwellers International").click()
    expect(lead.locator("#consortium-form .chip")).to_contain_text("Slum Dwellers International")
    lead.get_by_label("Edit the draft too (only you submit)").check()
    shot(lead, f"consortium-invite-{viewport}")
    lead.get_by_role("button", name="Invite", exact=True).click()
    expect(lead.get_by_role("status")).to_contain_text("Slum Dwellers International is invited")
    expect(lead.locator("#consortium-list")).to_contain_text("Invited")
    assert serious_violations(lead) == []
    shot(lead, f"consortium-invited-{viewport}")

    partner = new_context(**options).new_page()
    log_in(partner, "partner@sdi.example.org", PASSWORD)
    requests = partner.get_by_role("region", name="Requests to answer")
    expect(requests).to_contain_text("Municipal Council of Jinja invites Slum Dwellers International to apply")
    expect(partner.locator(".todos")).to_contain_text("Answer: Municipal Council of Jinja invites you")
    assert serious_violations(partner) == []
    shot(partner, f"consortium-request-on-the-home-{viewport}")
    requests.get_by_role("button", name="Accept the invitation of Municipal Council of Jinja").click()
    expect(partner.get_by_role("status")).to_contain_text("You are a co-applicant of Slum upgrading in Kampala")
    expect(partner.get_by_role("button", name="Review", exact=True)).to_be_visible()
    draft_form_ready(partner)
    partner.get_by_label(re.compile(rf"^{re.escape(QUESTION)}")).fill("SDI's federations map the markets.")
    expect(partner.locator("#save-status")).to_have_text(SAVED)
    assert serious_violations(partner) == []
    shot(partner, f"consortium-co-applicant-edits-{viewport}")

    lead.goto(application_url)
    expect(lead.get_by_label(re.compile(rf"^{re.escape(QUESTION)}"))).to_have_value(
        "SDI's federations map the markets."
    )
    expect(lead.locator("#consortium-list")).to_contain_text("Accepted")
    lead.get_by_role("button", name="Review and submit").click()
    lead.get_by_role("button", name="Submit the application").click()
    expect(lead.get_by_role("status")).to_contain_text("Your application is submitted")
    shot(lead, f"consortium-submitted-{viewport}")

    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.SUBMITTED
    assert ConsortiumMember.objects.get(application=draft).status == "accepted"
