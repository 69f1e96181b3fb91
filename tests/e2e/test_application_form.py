"""The application form in the browser, as a partner on a slow connection uses it: the draft saves itself and
survives a reload, a file uploads without losing what was typed and can be removed, budget lines are added in
place with their total, text limits count down, and the whole thing still works with JavaScript off. Pages
are checked with axe-core for serious and critical accessibility violations, at desktop and phone widths."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from pypdf import PdfWriter

from grants.models import Application, ApplicationStatus, QuestionKind
from tests.e2e.conftest import PHONE, TIMEOUT, draft_form_ready, serious_violations
from tests.factories import ApplicationFactory, CallFactory, CallQuestionFactory, CityFactory, EmailAddressFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-test-password"
SAVED = re.compile(r"^Draft saved at \d\d:\d\d\.$")


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def control(page, label: str):
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \(required\))?:?$"))


@pytest.fixture
def draft() -> Application:
    """An empty draft to a call with a limited text question and a file question; Gulu is a known city."""
    call = CallFactory(title="Secondary cities call", ceiling=Decimal("150000.00"))
    CallQuestionFactory(call=call, label="Why this city?", kind=QuestionKind.LONG_TEXT, max_length=200)
    CallQuestionFactory(call=call, label="Letter of support", kind=QuestionKind.FILE, required=False)
    CityFactory(name="Gulu", country="UG")
    application = ApplicationFactory(call=call)
    application.created_by.set_password(PASSWORD)
    application.created_by.save()
    EmailAddressFactory(user=application.created_by)  # a confirmed address, as sign-in needs
    return application


@pytest.fixture
def form_page(page, live_server, log_in, draft):
    log_in(page, draft.created_by.email, PASSWORD)
    expect(page.get_by_role("navigation", name="Main")).to_contain_text(draft.created_by.email)
    page.goto(f"{live_server.url}/portal/applications/{draft.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("New application")
    draft_form_ready(page)
    return page


def test_the_draft_saves_itself_as_the_partner_types_and_is_there_after_a_reload(form_page, draft, shot):
    page = form_page
    control(page, "Title").fill("Market stalls in Gulu")
    control(page, "Why this city?").fill("Gulu's markets are run by women.")
    expect(page.locator("#save-status")).to_have_text(SAVED, timeout=TIMEOUT)
    expect(page.locator("#id_question_1-counter, [id$=-counter]").last).to_contain_text("168 of 200 characters left")
    shot(page, "application-form-saved-by-itself")

    page.reload()
    expect(control(page, "Title")).to_have_value("Market stalls in Gulu")
    expect(control(page, "Why this city?")).to_have_value("Gulu's markets are run by women.")
    draft.refresh_from_db()
    assert draft.title == "Market stalls in Gulu"


def test_leaving_the_page_sends_what_was_typed_last(form_page, draft, live_server):
    page = form_page
    control(page, "Title").fill("Typed just before leaving")
    page.goto(f"{live_server.url}/calls/")  # at once, before the pause that saves

    expect(page.get_by_role("heading", level=1)).to_be_visible()
    for _ in range(50):
        draft.refresh_from_db()
        if draft.title:
            break
        page.wait_for_timeout(200)
    assert draft.title == "Typed just before leaving"


def test_a_file_uploads_without_a_reload_keeping_what_is_typed_and_a_wrong_one_is_removed(form_page, draft, shot):
    page = form_page
    page.evaluate("() => { window.stillTheSamePage = true; }")
    control(page, "Summary").fill("Typed, not yet saved.")
    control(page, "File").set_input_files({"name": "letter.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()})
    control(page, "Answers the question").select_option(label="Letter of support")
    page.get_by_role("button", name="Upload", exact=True).click()

    expect(page.locator("#upload-status")).to_have_text("letter.pdf is attached.", timeout=TIMEOUT)
    files = page.get_by_role("region", name="Attachments")
    expect(files.get_by_role("link", name="letter.pdf")).to_be_visible()
    expect(control(page, "Summary")).to_have_value("Typed, not yet saved.")
    assert page.evaluate("() => window.stillTheSamePage") is True
    shot(page, "application-form-file-uploaded")

    files.get_by_role("button", name="Remove letter.pdf").click()
    expect(page.locator("#upload-status")).to_have_text("letter.pdf is removed.", timeout=TIMEOUT)
    expect(files).to_contain_text("No file yet.")
    assert not draft.attachments.exists()


def test_budget_lines_are_added_in_place_with_their_total_against_the_request(form_page, draft, shot):
    page = form_page
    control(page, "Amount requested (USD)").fill("120000")
    add = page.get_by_role("button", name="Add a budget line")
    add.click()
    expect(page.locator("tr.budget-line")).to_have_count(3)
    for number, (category, amount) in enumerate(
        [("Staff", "50000"), ("Works and infrastructure", "60000"), ("Travel", "5000")], start=1
    ):
        page.get_by_label(f"Category {number}", exact=True).select_option(label=category)
        page.get_by_label(f"Amount {number}", exact=True).fill(amount)
    total = page.locator("#budget-total")
    expect(total).to_contain_text("Budget total: USD 115,000.00")
    expect(total).to_contain_text("still to budget: USD 5,000.00")
    shot(page, "application-form-budget-short")

    page.get_by_role("button", name="Remove line 3").click()
    expect(total).to_contain_text("Budget total: USD 110,000.00")
    expect(page.locator("#save-status")).to_have_text(SAVED, timeout=TIMEOUT)
    draft.refresh_from_db()
    assert list(draft.budget_lines.order_by("pk").values_list("category", "amount")) == [
        ("staff", Decimal("50000.00")),
        ("works", Decimal("60000.00")),
    ]


def test_countries_and_cities_are_picked_by_typing_with_the_keyboard(form_page, draft, shot):
    page = form_page
    countries = control(page, "Target countries")
    countries.fill("ugan")
    expect(page.get_by_role("option", name="Uganda")).to_be_visible()
    countries.press("ArrowDown")
    countries.press("Enter")
    expect(page.get_by_role("list", name="Chosen countries")).to_have_text(re.compile(r"^Uganda"))
    cities = control(page, "Target cities")
    cities.fill("Gul")
    expect(page.get_by_role("option", name="Gulu", exact=True)).to_be_visible()
    shot(page, "application-form-city-suggestions")
    cities.press("ArrowDown")
    cities.press("Enter")
    expect(page.get_by_role("list", name="Chosen cities")).to_have_text(re.compile(r"^Gulu"))
    expect(page.locator("#save-status")).to_have_text(SAVED, timeout=TIMEOUT)
    draft.refresh_from_db()
    assert [country.code for country in draft.countries] == ["UG"]
    assert list(draft.cities.values_list("name", flat=True)) == ["Gulu"]


def test_on_a_slow_connection_typing_goes_on_while_the_draft_and_a_file_are_sent(form_page, draft):
    page = form_page
    network = page.context.new_cdp_session(page)
    network.send("Network.enable")
    network.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 600, "downloadThroughput": 40_000, "uploadThroughput": 20_000},
    )
    control(page, "Title").fill("Slowly but surely")
    control(page, "File").set_input_files({"name": "plan.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()})
    page.get_by_role("button", name="Upload", exact=True).click()
    control(page, "Summary").fill("Typed while the file travels.")

    expect(page.locator("#upload-status")).to_have_text("plan.pdf is attached.", timeout=TIMEOUT)
    expect(page.locator("#save-status")).to_have_text(SAVED, timeout=TIMEOUT)
    expect(control(page, "Summary")).to_have_value("Typed while the file travels.")
    draft.refresh_from_db()
    assert (draft.title, draft.summary) == ("Slowly but surely", "Typed while the file travels.")
    assert list(draft.attachments.values_list("original_name", flat=True)) == ["plan.pdf"]


def test_with_javascript_off_the_form_saves_uploads_reviews_and_submits(browser, live_server, draft, shot):
    context = browser.new_context(java_script_enabled=False)
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Email address").fill(draft.created_by.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto(f"{live_server.url}/portal/applications/{draft.pk}/")

        control(page, "Title").fill("Without scripts")
        control(page, "Summary").fill("Plain posts.")
        control(page, "Target countries").select_option(label="Uganda")
        control(page, "Target cities").fill("Gulu")
        control(page, "Start").fill("2030-01-01")
        control(page, "End").fill("2030-12-31")
        control(page, "Amount requested (USD)").fill("100000")
        control(page, "Expected results").fill("Stalls.")
        control(page, "Why this city?").fill("Markets.")
        page.get_by_label("Category 1", exact=True).select_option(label="Staff")
        page.get_by_label("Amount 1", exact=True).fill("90000")
        # The file goes with the form: what was typed is saved with it.
        control(page, "File").set_input_files(
            {"name": "plan.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}
        )
        page.get_by_role("button", name="Upload", exact=True).click()
        expect(page.get_by_role("status")).to_contain_text("plan.pdf is attached.")
        expect(control(page, "Title")).to_have_value("Without scripts")

        page.get_by_role("button", name="Review and submit").click()
        summary = page.locator("#error-summary")
        expect(summary).to_contain_text("The budget lines add up to USD 90,000.00, not the USD 100,000.00 requested.")
        expect(control(page, "Summary")).to_have_value("Plain posts.")
        shot(page, "application-form-no-script-refused")

        page.get_by_label("Amount 1", exact=True).fill("100000")
        page.get_by_role("button", name="Review and submit").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Review and submit")
        shot(page, "application-form-no-script-review")
        page.get_by_role("button", name="Submit the application").click()
        expect(page.get_by_role("status")).to_contain_text("Your application is submitted")
    finally:
        context.close()
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.SUBMITTED
    assert list(draft.attachments.values_list("original_name", flat=True)) == ["plan.pdf"]


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_form_and_its_review_have_no_serious_accessibility_violations(
    browser, live_server, log_in, draft, shot, viewport
):
    options = {"viewport": PHONE, "is_mobile": True, "has_touch": True} if viewport == "phone" else {}
    context = browser.new_context(**options)
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    try:
        log_in(page, draft.created_by.email, PASSWORD)
        page.goto(f"{live_server.url}/portal/applications/{draft.pk}/")
        page.get_by_role("button", name="Review and submit").click()
        expect(page.locator("#error-summary")).to_be_focused()
        assert serious_violations(page) == []
        shot(page, f"application-form-refused-{viewport}")
        page.goto(f"{live_server.url}/portal/applications/{draft.pk}/review/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Review and submit")
        assert serious_violations(page) == []
        for path in ("/portal/", f"/calls/{draft.call.reference}/"):
            page.goto(f"{live_server.url}{path}")
            assert serious_violations(page) == [], path
    finally:
        context.close()
