"""A progress report's form in the browser, as a partner on a slow connection uses it: the draft saves itself and
survives a reload (and leaving the page), a file uploads without losing what was typed and can be replaced and
removed, a refused submission keeps everything typed and opens on the summary of what to correct, and the whole
thing still works with JavaScript off. Pages are checked with axe-core at desktop and phone widths."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from results import services
from results.models import ProgressReport, ReportStatus
from tests.e2e.conftest import PHONE, TIMEOUT, draft_form_ready, serious_violations
from tests.factories import PDF, EmailAddressFactory
from tests.results.test_pages import Reporting, framework, set_up_project  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-test-password"
SAVED = re.compile(r"^Draft saved at \d\d:\d\d\.$")


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def setup(framework) -> Reporting:  # noqa: F811
    """A project whose 2020 period has ended: its report may be submitted once complete."""
    setup = set_up_project(framework)
    setup.partner.set_password(PASSWORD)
    setup.partner.save()
    EmailAddressFactory(user=setup.partner)  # a confirmed address, as sign-in needs
    return setup


@pytest.fixture
def draft(setup) -> ProgressReport:
    return services.report_start(period=setup.periods[1], user=setup.partner)


def pdf(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


def people(page):
    return page.locator("fieldset[data-indicator='IMP-1']")


def narrative(page):
    return page.get_by_label("What happened in this period")


def open_report(page, live_server, log_in, setup, draft) -> None:
    log_in(page, setup.partner.email, PASSWORD)
    expect(page.get_by_role("status")).to_contain_text(f"You are logged in as {setup.partner.email}.")
    page.goto(f"{live_server.url}/portal/reports/{draft.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Progress report · "))
    draft_form_ready(page)


@pytest.fixture
def form_page(page, live_server, log_in, setup, draft):
    open_report(page, live_server, log_in, setup, draft)
    return page


def test_the_draft_saves_itself_as_the_partner_types_and_is_there_after_a_reload(form_page, draft, shot):
    page = form_page
    people(page).get_by_label("Value", exact=True).fill("1,500")
    people(page).get_by_label("of which women and girls").fill("700")
    narrative(page).fill("Drainage cleared in two settlements.")
    expect(page.locator("#save-status")).to_have_text(SAVED, timeout=TIMEOUT)
    shot(page, "report-form-saved-by-itself")

    page.reload()
    expect(people(page).get_by_label("Value", exact=True)).to_have_value("1500")
    expect(people(page).get_by_label("of which women and girls")).to_have_value("700")
    expect(narrative(page)).to_have_value("Drainage cleared in two settlements.")
    draft.refresh_from_db()
    assert (draft.status, draft.narrative) == (ReportStatus.DRAFT, "Drainage cleared in two settlements.")


def test_a_bad_figure_is_named_as_one_types_and_the_rest_is_saved(form_page, draft):
    page = form_page
    people(page).get_by_label("Value", exact=True).fill("twelve")
    narrative(page).fill("Typed beside a bad figure.")

    expect(page.locator("#save-status")).to_have_text(
        "Saved, except: Urban poor whose lives improved: Enter a number, for example 12 or 12.5.", timeout=TIMEOUT
    )
    draft.refresh_from_db()
    assert draft.narrative == "Typed beside a bad figure."


def test_leaving_the_page_sends_what_was_typed_last(form_page, draft, live_server):
    page = form_page
    narrative(page).fill("Typed just before leaving")
    page.goto(f"{live_server.url}/portal/reports/")  # at once, before the pause that saves

    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    for _ in range(50):
        draft.refresh_from_db()
        if draft.narrative:
            break
        page.wait_for_timeout(200)
    assert draft.narrative == "Typed just before leaving"


def test_a_file_uploads_without_a_reload_keeping_what_is_typed_and_is_replaced_then_removed(form_page, draft, shot):
    page = form_page
    page.evaluate("() => { window.stillTheSamePage = true; }")
    files = page.get_by_role("region", name="Evidence")
    narrative(page).fill("Typed, perhaps not yet saved.")
    files.get_by_label("File").set_input_files(pdf("minutes.pdf"))
    files.get_by_label("What it shows").fill("Forum minutes")
    files.get_by_role("button", name="Upload", exact=True).click()

    expect(page.locator("#upload-status")).to_have_text("minutes.pdf is attached.", timeout=TIMEOUT)
    expect(files.get_by_role("link", name="minutes.pdf")).to_be_visible()
    expect(narrative(page)).to_have_value("Typed, perhaps not yet saved.")
    assert page.evaluate("() => window.stillTheSamePage") is True
    shot(page, "report-form-file-uploaded")

    # Enter in a field saves the draft (the form's default button), never removes the file listed above it.
    people(page).get_by_label("Comment (optional)").press("Enter")
    expect(page.get_by_role("status").filter(has_text="Draft saved.")).to_be_visible()
    expect(files.get_by_role("link", name="minutes.pdf")).to_be_visible()
    expect(narrative(page)).to_have_value("Typed, perhaps not yet saved.")

    # The file just listed may be replaced by another.
    files.get_by_label("File").set_input_files(pdf("minutes-signed.pdf"))
    files.get_by_label("In place of").select_option(label="minutes.pdf")
    files.get_by_role("button", name="Upload", exact=True).click()
    expect(page.locator("#upload-status")).to_have_text("minutes-signed.pdf is attached.", timeout=TIMEOUT)
    expect(files.get_by_role("link", name="minutes.pdf", exact=True)).to_have_count(0)
    expect(files).to_contain_text("Forum minutes")
    assert list(draft.evidence.values_list("original_name", flat=True)) == ["minutes-signed.pdf"]

    files.get_by_role("button", name="Remove minutes-signed.pdf").click()
    expect(page.locator("#upload-status")).to_have_text("minutes-signed.pdf is removed.", timeout=TIMEOUT)
    expect(files).to_contain_text("No files yet.")
    expect(narrative(page)).to_have_value("Typed, perhaps not yet saved.")
    shot(page, "report-form-file-removed")
    assert not draft.evidence.exists()


def test_on_a_slow_connection_typing_goes_on_while_the_draft_and_a_file_are_sent(form_page, draft):
    page = form_page
    network = page.context.new_cdp_session(page)
    network.send("Network.enable")
    network.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 600, "downloadThroughput": 40_000, "uploadThroughput": 20_000},
    )
    people(page).get_by_label("Value", exact=True).fill("900")
    files = page.get_by_role("region", name="Evidence")
    files.get_by_label("File").set_input_files(pdf("plan.pdf"))
    files.get_by_role("button", name="Upload", exact=True).click()
    narrative(page).fill("Typed while the file travels.")

    expect(page.locator("#upload-status")).to_have_text("plan.pdf is attached.", timeout=TIMEOUT)
    expect(page.locator("#save-status")).to_have_text(SAVED, timeout=TIMEOUT)
    expect(narrative(page)).to_have_value("Typed while the file travels.")
    draft.refresh_from_db()
    assert draft.narrative == "Typed while the file travels."
    assert draft.values.get(indicator__code="IMP-1").value == 900
    assert list(draft.evidence.values_list("original_name", flat=True)) == ["plan.pdf"]


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_refused_submission_opens_on_its_summary_and_keeps_what_was_typed(
    browser, live_server, log_in, setup, draft, shot, viewport
):
    options = {"viewport": PHONE, "is_mobile": True, "has_touch": True} if viewport == "phone" else {}
    context = browser.new_context(**options)
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    try:
        open_report(page, live_server, log_in, setup, draft)
        assert serious_violations(page) == []
        shot(page, f"report-form-{viewport}")
        people(page).get_by_label("Value", exact=True).fill("twelve")
        people(page).get_by_label("Comment (optional)").fill("Counted at the forums")
        page.get_by_role("button", name="Submit to the secretariat").click()

        summary = page.locator("#error-summary")
        expect(summary).to_be_focused()
        expect(summary).to_be_in_viewport()
        expect(summary).to_contain_text("Urban poor whose lives improved: Enter a number, for example 12 or 12.5.")
        expect(people(page).get_by_label("Value", exact=True)).to_have_value("twelve")
        expect(people(page).get_by_label("Comment (optional)")).to_have_value("Counted at the forums")
        assert serious_violations(page) == []
        shot(page, f"report-form-refused-{viewport}", full_page=False)

        summary.get_by_role("link", name=re.compile("^Urban poor whose lives improved")).click()
        expect(people(page).get_by_label("Value", exact=True)).to_be_focused()

        people(page).get_by_label("Value", exact=True).fill("1500")
        page.get_by_role("button", name="Submit to the secretariat").click()
        expect(summary).to_be_focused()
        expect(summary.get_by_role("link", name=re.compile("^Tell the story of the period"))).to_be_visible()
        expect(people(page).get_by_label("Value", exact=True)).to_have_value("1500")
    finally:
        context.close()
    draft.refresh_from_db()
    assert draft.status == ReportStatus.DRAFT
    assert draft.values.get(indicator__code="IMP-1").comment == "Counted at the forums"


def test_with_javascript_off_the_form_saves_attaches_removes_and_submits(browser, live_server, setup, draft, shot):
    context = browser.new_context(java_script_enabled=False)
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Email address").fill(setup.partner.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto(f"{live_server.url}/portal/reports/{draft.pk}/")

        people(page).get_by_label("Value", exact=True).fill("1500")
        narrative(page).fill("Plain posts.")
        files = page.get_by_role("region", name="Evidence")
        # The file goes with the form: what was typed is saved with it.
        files.get_by_label("File").set_input_files(pdf("wrong.pdf"))
        files.get_by_role("button", name="Upload", exact=True).click()
        expect(page.get_by_role("status")).to_contain_text("wrong.pdf is attached.")
        expect(narrative(page)).to_have_value("Plain posts.")
        expect(people(page).get_by_label("Value", exact=True)).to_have_value("1500")

        narrative(page).fill("Plain posts, kept.")
        files.get_by_role("button", name="Remove wrong.pdf").click()
        expect(page.get_by_role("status")).to_contain_text("wrong.pdf is removed.")
        expect(files).to_contain_text("No files yet.")
        expect(narrative(page)).to_have_value("Plain posts, kept.")

        people(page).get_by_label("of which women and girls").fill("2000")
        page.get_by_role("button", name="Submit to the secretariat").click()
        summary = page.locator("#error-summary")
        expect(summary).to_contain_text("Women and men together cannot be more than the total.")
        expect(people(page).get_by_label("of which women and girls")).to_have_value("2000")
        expect(narrative(page)).to_have_value("Plain posts, kept.")
        shot(page, "report-form-no-script-refused")

        people(page).get_by_label("of which women and girls").fill("700")
        page.get_by_role("button", name="Submit to the secretariat").click()
        expect(page.get_by_role("status")).to_contain_text("Your report is submitted")
        shot(page, "report-form-no-script-submitted")
    finally:
        context.close()
    draft.refresh_from_db()
    assert (draft.status, draft.narrative) == (ReportStatus.SUBMITTED, "Plain posts, kept.")
    assert not draft.evidence.exists()
