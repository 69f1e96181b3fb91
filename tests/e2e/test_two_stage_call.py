"""A two-stage call in the browser: a visitor checks eligibility without an account and reads why not, an eligible
one signs up and comes back to the call without being asked again, sends a concept note; the grants committee
shortlists it in the admin and the partner finds the invitation and a full proposal filled in from the concept
note. The eligibility and call pages pass axe-core (no serious or critical violations) at desktop and phone
widths."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from playwright.sync_api import expect

from devtools.demo.calls import CATALYTIC
from grants import services
from grants.models import Application, ApplicationStatus, Call, CallStage
from members.models import User
from tests.e2e.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-test-password"
SCROLLS_SIDEWAYS = "() => document.scrollingElement.scrollWidth > window.innerWidth"
WHY_NOT = "The Catalytic Fund funds plans a government owns"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def serious_violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{violation['id']}: {violation['help']}: {', '.join(str(node['target']) for node in violation['nodes'])}"
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def answer_eligibility(page, *, kind: str, government_leads: str) -> None:
    page.get_by_label("What kind of organisation would apply?").select_option(label=kind)
    page.get_by_role("group", name=re.compile("Does a city or national government lead")).get_by_label(
        government_leads
    ).check()
    page.get_by_role("group", name=re.compile("already adopted a climate action plan")).get_by_label("No").check()
    page.get_by_role("button", name="Check").click()


def link_in(message, path: str) -> str:
    found = re.search(rf"https?://\S+?{re.escape(path)}\S*", message.body)
    assert found, f"no link to {path} in:\n{message.body}"
    return found.group(0)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_eligibility_and_call_pages_are_accessible_and_fit_the_width(
    new_context, live_server, demo, viewport, shot
):
    page = new_context(viewport=viewport).new_page()
    width = "phone" if viewport == PHONE else "desktop"

    page.goto(f"{live_server.url}/calls/{CATALYTIC}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Catalytic Fund 2027"))
    expect(page.get_by_role("region", name="Documents of the call")).to_contain_text("Terms of reference")
    assert serious_violations(page) == []
    assert not page.evaluate(SCROLLS_SIDEWAYS), "the call page scrolls sideways"
    shot(page, f"two-stage-call-page-{width}")

    page.get_by_role("link", name="Check your eligibility").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("May you apply?")
    assert serious_violations(page) == []
    answer_eligibility(page, kind="Non-governmental organisation", government_leads="No")
    expect(page.get_by_role("status")).to_contain_text(WHY_NOT)
    assert serious_violations(page) == []
    assert not page.evaluate(SCROLLS_SIDEWAYS), "the eligibility page scrolls sideways"
    shot(page, f"two-stage-eligibility-why-not-{width}")


def test_a_city_checks_eligibility_signs_up_sends_a_concept_note_and_is_invited_to_a_full_proposal(
    new_context, page, live_server, demo, log_in, shot
):
    call = Call.objects.get(reference=CATALYTIC)

    # A visitor with no account: not eligible as an NGO, and told why.
    page.goto(f"{live_server.url}/calls/")
    page.get_by_role("link", name=re.compile("Catalytic Fund 2027")).click()
    page.get_by_role("link", name="Check your eligibility").click()
    answer_eligibility(page, kind="Non-governmental organisation", government_leads="No")
    result = page.get_by_role("status")
    expect(result).to_contain_text("Not eligible for this call")
    expect(result).to_contain_text("This call is open to City or local government, National government only")
    expect(result).to_contain_text(WHY_NOT)
    shot(page, "two-stage-01-not-eligible")

    # As a city government, eligible: on to create an account, which comes back to the call.
    answer_eligibility(page, kind="City or local government", government_leads="Yes")
    expect(page.get_by_role("status")).to_contain_text("You are eligible")
    shot(page, "two-stage-02-eligible")
    page.get_by_role("link", name="Continue to apply").click()
    apply = page.get_by_role("region", name="Send a concept note")
    expect(apply).to_contain_text("You are eligible")
    apply.get_by_role("link", name="Create an account").click()
    page.get_by_label("Full name").fill("Tororo Planner")
    page.get_by_label("Email address").fill("planner@tororo.example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    page.goto(link_in(mail.outbox[-1], "/accounts/confirm-email/"))
    page.get_by_role("button", name="Confirm").click()
    # Signed in, back on the call: its organisation is registered next, and the way leads back here again.
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Catalytic Fund 2027"))
    shot(page, "two-stage-03-signed-up-back-to-the-call")
    page.get_by_role("region", name="Send a concept note").get_by_role(
        "link", name="Register your organisation"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your organisation")
    page.get_by_label("Name of the organisation").fill("Municipal Council of Tororo")
    page.get_by_label("Kind of organisation").select_option(label="City or local government")
    page.get_by_label("Country").select_option(label="Uganda")
    page.get_by_role("button", name="Register the organisation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Catalytic Fund 2027"))
    shot(page, "two-stage-04-organisation-registered-back-to-the-call")

    # Not asked again: the answers given before the account are still there.
    apply = page.get_by_role("region", name="Send a concept note")
    expect(apply.get_by_role("link", name="Check your eligibility")).to_have_count(0)
    apply.get_by_role("button", name="Start a concept note").click()
    expect(page.get_by_role("main")).to_contain_text("The first stage of a two-stage call")
    shot(page, "two-stage-05-concept-note-form")
    concept = Application.objects.get(organisation__name="Municipal Council of Tororo")
    assert concept.stage == CallStage.CONCEPT_NOTE
    partner = concept.created_by
    _fill(concept, partner, call)

    page.goto(f"{live_server.url}{reverse('grants:application-review', args=[concept.pk])}")
    page.get_by_role("button", name=re.compile("^Submit")).click()
    expect(page.get_by_role("main")).to_contain_text("Submitted")
    shot(page, "two-stage-06-concept-note-submitted")
    concept.refresh_from_db()
    assert concept.status == ApplicationStatus.SUBMITTED
    officer = User.objects.get(email="programme@example.org")
    services.application_screen(application=concept, user=officer, to_status=ApplicationStatus.SCREENING)
    services.application_screen(application=concept, user=officer, to_status=ApplicationStatus.IN_REVIEW)

    # The grants committee shortlists it from the applications list in the admin.
    director = new_context().new_page()
    log_in(director, "director@example.org")
    director.goto(f"{live_server.url}{reverse('admin:grants_application_changelist')}?stage__exact=concept_note")
    director.locator(f'input[name="_selected_action"][value="{concept.pk}"]').check()
    director.locator('select[name="action"]').select_option(
        label="Shortlist concept notes (invites their full proposals)"
    )
    director.get_by_role("button", name="Go").click()
    expect(director.locator(".messagelist")).to_contain_text("1 shortlisted")
    shot(director, "two-stage-07-shortlisted-in-the-admin")

    # The partner finds the invitation on its home page and the full proposal filled in from the concept note.
    page.goto(f"{live_server.url}{reverse('grants:dashboard')}")
    invitation = page.get_by_role("link", name=re.compile("Invited: finish and submit your full proposal"))
    expect(invitation).to_be_visible()
    shot(page, "two-stage-08-invitation")
    invitation.click()
    expect(page.get_by_role("main")).to_contain_text("Your concept note was shortlisted")
    expect(page.get_by_label(re.compile("^Title"))).to_have_value("Tororo flood plan")
    expect(page.get_by_label(re.compile("^The idea, as the full proposal sets it out"))).to_have_value(
        "Residents map the floods; the council plans with them."
    )
    shot(page, "two-stage-09-full-proposal-prefilled")
    page.set_viewport_size(PHONE)
    assert not page.evaluate(SCROLLS_SIDEWAYS), "the full proposal scrolls sideways at phone width"
    shot(page, "two-stage-10-full-proposal-phone")
    assert [m.subject for m in mail.outbox if "Shortlisted" in m.subject] == [
        "Shortlisted: send your full proposal for Tororo flood plan"
    ]


def _fill(concept: Application, partner, call: Call) -> None:
    """The concept note's content, through the service the form saves with (the form itself is tested in
    test_application_form.py)."""
    questions = {question.label: question.pk for question in call.questions.all()}
    services.application_save(
        application=concept,
        user=partner,
        fields={
            "title": "Tororo flood plan",
            "summary": "A flood plan for Tororo's low-lying wards, made with their residents.",
            "countries": ["UG"],
            "start_date": dt.date(2027, 9, 1),
            "end_date": dt.date(2029, 8, 31),
            "requested_amount": Decimal("120000.00"),
            "expected_results": "A plan adopted by the council.",
        },
        budget_lines=[services.BudgetLineInput(category="consultants", amount=Decimal("120000.00"))],
        answers={
            questions["The idea in a paragraph"]: "Residents map the floods; the council plans with them.",
            questions["Who is most exposed to floods or heat in the city?"]: "The wards by the Malaba river.",
        },
        city_names=["Tororo"],
    )
