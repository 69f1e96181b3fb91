"""The conversation in the browser: a partner asks a question with a file on its application (at desktop and phone
widths), the programme officer answers from the admin, and the partner reads the answer; then the officer e-mails
the call's applicants from a template and reads each recipient's status. Portal pages are checked with axe-core."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from grants.models import ApplicationStatus, Call, EmailTemplate, Message, MessageSide
from members.models import Organisation, User
from tests.e2e.conftest import DESKTOP, PHONE, serious_violations
from tests.factories import PDF, ApplicationFactory, PartnerUserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PARTNER = "partner@example.org"  # demo login of the Municipal Council of Jinja
OFFICER = "programme@example.org"  # demo login of a programme officer
FITS_THE_SCREEN = "() => document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def application(demo):
    jinja = Organisation.objects.get(short_name="Jinja")
    return ApplicationFactory(
        complete=True,
        call=Call.objects.get(reference="innovation-fund-2026"),
        organisation=jinja,
        created_by=User.objects.get(email=PARTNER),
        status=ApplicationStatus.SUBMITTED,
        title="Market women's savings circles",
    )


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_a_partner_asks_with_a_file_the_officer_answers_and_the_partner_reads_it(
    new_context, live_server, application, log_in, shot, width
):
    partner = new_context(viewport=PHONE if width == "phone" else DESKTOP).new_page()
    log_in(partner, PARTNER)
    partner.goto(f"{live_server.url}/portal/applications/{application.pk}/")
    section = partner.locator("#messages")
    expect(section.get_by_role("heading", name="Messages with the secretariat")).to_be_visible()
    assert serious_violations(partner) == []
    section.get_by_label("Your message").fill("May the council co-lead the project? Our budget notes are attached.")
    section.get_by_label("Files (optional)").set_input_files(
        {"name": "budget-notes.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    section.get_by_role("button", name="Send the message").click()
    expect(partner.locator(".messages")).to_contain_text("Your message is sent to the secretariat")
    expect(partner.get_by_role("heading", level=1)).to_have_text("Market women's savings circles")  # its own page
    expect(partner.locator('[data-side="organisation"]')).to_contain_text("May the council co-lead")
    expect(partner.get_by_role("link", name="budget-notes.pdf")).to_be_visible()
    assert partner.evaluate(FITS_THE_SCREEN)
    assert serious_violations(partner) == []
    shot(partner, f"conversation-01-partner-asks-{width}")

    officer = new_context().new_page()
    log_in(officer, OFFICER)
    officer.goto(f"{live_server.url}/admin/grants/application/{application.pk}/change/")
    conversation = officer.locator("#messages")
    expect(conversation).to_contain_text("May the council co-lead")
    shot(officer, f"conversation-02-admin-application-{width}")
    conversation.get_by_role("link", name="Answer the organisation").click()
    officer.get_by_label("Your message").fill("Yes: name the council as co-lead under the partners.")
    officer.get_by_role("button", name="Send the answer").click()
    expect(officer.locator(".messagelist")).to_contain_text("Your answer is sent")
    expect(officer.locator('[data-side="secretariat"]')).to_contain_text("name the council as co-lead")
    shot(officer, f"conversation-03-admin-answered-{width}")

    partner.goto(f"{live_server.url}/portal/")
    todo = partner.get_by_role("link", name=re.compile("Answer the secretariat"))
    expect(todo).to_be_visible()
    todo.click()
    expect(partner.locator('[data-side="secretariat"]')).to_contain_text("name the council as co-lead")
    expect(partner.locator('[data-side="secretariat"]')).to_contain_text("Secretariat")
    assert partner.evaluate(FITS_THE_SCREEN)
    assert serious_violations(partner) == []
    shot(partner, f"conversation-04-partner-reads-{width}")
    assert list(Message.objects.values_list("side", flat=True)) == [MessageSide.ORGANISATION, MessageSide.SECRETARIAT]


def test_the_officer_emails_the_applicants_and_reads_each_status(
    new_context, live_server, application, log_in, shot, settings
):
    settings.EMAIL_BACKEND = "tests.grants.test_mailings.FailingBackend"  # refuses addresses starting "bounce@"
    PartnerUserFactory(email="bounce@jinja.example.org", organisation=application.organisation)
    EmailTemplate.objects.create(
        name="Your application is received",
        subject="{{ call.title }}: {{ application.reference }}",
        body="Dear {{ organisation.name }},\n\nwe are reading {{ application.title }}.",
    )
    officer = new_context().new_page()
    log_in(officer, OFFICER)
    officer.goto(f"{live_server.url}/admin/grants/call/{application.call_id}/change/")
    officer.get_by_role("link", name="E-mail the applicants").click()
    officer.get_by_label("Submitted").check()
    officer.get_by_label("Template").select_option(label="Your application is received")
    officer.get_by_role("button", name="Preview").click()
    expect(officer.locator('[data-figure="recipients"]')).to_contain_text("2 recipients, for 1 application.")
    expect(officer.locator('[data-preview="body"]')).to_contain_text("Dear Municipal Council of Jinja")
    shot(officer, "mailing-01-preview")
    officer.get_by_role("button", name="Send").click()
    expect(officer.locator('[data-figure="sent"]')).to_have_text("1")
    expect(officer.locator('[data-figure="failed"]')).to_have_text("1")
    expect(officer.locator('[data-recipient="bounce@jinja.example.org"]')).to_contain_text("Failed")
    expect(officer.locator(f'[data-recipient="{PARTNER}"]')).to_contain_text("Sent")
    shot(officer, "mailing-02-statuses")
