"""Registering in the browser: an account with a confirmed email, then an organisation, then a colleague."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache
from playwright.sync_api import expect

from members.models import Invitation, Organisation, OrganisationRole, Role
from tests.e2e.conftest import PHONE
from tests.factories import OrganisationFactory, OrganisationRoleFactory, VerifiedUserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-test-password"
SCROLLS_SIDEWAYS = "() => document.scrollingElement.scrollWidth > window.innerWidth"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def link_in(message, path: str) -> str:
    found = re.search(rf"https?://\S+?{re.escape(path)}\S*", message.body)
    assert found, f"no link to {path} in:\n{message.body}"
    return found.group(0)


def sign_up(page, full_name: str, email: str) -> None:
    page.get_by_label("Full name").fill(full_name)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()


def test_a_person_signs_up_confirms_their_email_and_registers_their_organisation(
    new_context, page, live_server, log_in, shot
):
    page.goto(live_server.url)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Create an account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    shot(page, "signup")

    sign_up(page, "City Planner", "city.planner@example.org")

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    shot(page, "signup-check-your-email")
    [message] = mail.outbox
    assert message.to == ["city.planner@example.org"]

    # Until the address is confirmed, logging in (here from another browser) only points back to the email.
    elsewhere = new_context()
    other_page = elsewhere.new_page()
    log_in(other_page, "city.planner@example.org", PASSWORD)
    expect(other_page.get_by_role("heading", level=1)).to_have_text("Check your email")
    expect(other_page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in")).to_be_visible()
    elsewhere.close()

    page.goto(link_in(message, "/accounts/confirm-email/"))
    expect(page.get_by_role("main")).to_contain_text("Confirm that city.planner@example.org is your email address.")
    shot(page, "signup-confirm-email")
    page.get_by_role("button", name="Confirm").click()

    # Confirmed in the browser that signed up, the account is logged in and asked about its organisation.
    expect(page).to_have_url(f"{live_server.url}/portal/organisation/start/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your organisation")
    shot(page, "onboarding")

    page.get_by_label("Name of the organisation").fill("Municipal Council of Jinja")
    page.get_by_label("Kind of organisation").select_option(label="City or local government")
    page.get_by_label("Country").select_option(label="Uganda")
    page.get_by_label("Registration number").fill("UG-LG-0042")
    page.get_by_label("Website").fill("https://www.jinja.go.ug")
    shot(page, "onboarding-filled")
    page.get_by_role("button", name="Register the organisation").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Municipal Council of Jinja")
    expect(page.get_by_role("status")).to_contain_text("Municipal Council of Jinja is registered.")
    details = page.get_by_role("region", name="Details")
    expect(details).to_contain_text("City or local government")
    expect(details).to_contain_text("Uganda")
    expect(details).to_contain_text("UG-LG-0042")
    expect(page.get_by_role("region", name="People who act for it")).to_contain_text("City Planner")
    shot(page, "organisation-registered")
    organisation = Organisation.objects.get(name="Municipal Council of Jinja")
    assert OrganisationRole.objects.filter(
        organisation=organisation, user__email="city.planner@example.org", role=Role.PARTNER
    ).exists()

    page.set_viewport_size(PHONE)
    page.reload()
    assert not page.evaluate(SCROLLS_SIDEWAYS), "the organisation page scrolls sideways at phone width"
    invite = page.get_by_role("button", name="Send the invitation")
    invite.scroll_into_view_if_needed()
    expect(invite).to_be_in_viewport()
    shot(page, "organisation-phone")


def test_a_registration_with_a_name_already_taken_is_refused_with_a_clear_message(page, live_server, log_in, shot):
    OrganisationFactory(name="Municipal Council of Jinja")
    VerifiedUserFactory(email="city.planner@example.org", password=PASSWORD)
    log_in(page, "city.planner@example.org", PASSWORD)

    page.get_by_label("Name of the organisation").fill("municipal council of jinja")
    page.get_by_label("Kind of organisation").select_option(label="City or local government")
    page.get_by_label("Country").select_option(label="Uganda")
    page.get_by_role("button", name="Register the organisation").click()

    expect(page.get_by_role("alert")).to_contain_text("Please correct the errors below.")
    expect(page.get_by_label("Name of the organisation")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("main")).to_contain_text(
        "An organisation named “municipal council of jinja” is already registered."
    )
    shot(page, "onboarding-duplicate-name")
    assert Organisation.objects.count() == 1


def test_a_partner_invites_a_colleague_who_signs_up_from_the_link_and_joins(
    new_context, page, live_server, log_in, shot
):
    organisation = OrganisationFactory(name="Municipal Council of Jinja")
    partner = VerifiedUserFactory(email="city.planner@example.org", password=PASSWORD)
    OrganisationRoleFactory(user=partner, organisation=organisation, role=Role.PARTNER)
    log_in(page, "city.planner@example.org", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Your organisation").click()
    page.get_by_role("link", name="Municipal Council of Jinja").click()

    page.get_by_label("Colleague's email address").fill("field.officer@example.org")
    page.get_by_role("button", name="Send the invitation").click()

    expect(page.get_by_role("status")).to_contain_text("We are sending an invitation to field.officer@example.org.")
    expect(page.get_by_role("table")).to_contain_text("field.officer@example.org")
    shot(page, "invitation-sent")
    [message] = mail.outbox

    colleague = new_context(viewport=PHONE)
    phone = colleague.new_page()
    phone.goto(link_in(message, "/portal/organisation/invitations/"))
    expect(phone.get_by_role("main")).to_contain_text("invites you to act for Municipal Council of Jinja")
    assert not phone.evaluate(SCROLLS_SIDEWAYS), "the invitation page scrolls sideways at phone width"
    shot(phone, "invitation-landing-phone")
    phone.get_by_role("main").get_by_role("link", name="Create an account").click()
    expect(phone.get_by_label("Email address")).to_have_value("field.officer@example.org")
    assert not phone.evaluate(SCROLLS_SIDEWAYS), "the signup page scrolls sideways at phone width"
    shot(phone, "signup-phone")
    sign_up(phone, "Field Officer", "field.officer@example.org")

    phone.get_by_role("button", name="Join Municipal Council of Jinja").click()

    expect(phone.get_by_role("heading", level=1)).to_have_text("Municipal Council of Jinja")
    expect(phone.get_by_role("status")).to_contain_text("You now act for Municipal Council of Jinja.")
    expect(phone.get_by_role("region", name="People who act for it")).to_contain_text("Field Officer")
    shot(phone, "invitation-accepted-phone")
    assert Invitation.objects.get().accepted_by.email == "field.officer@example.org"
    assert len(mail.outbox) == 1
    colleague.close()
