"""An application's whole journey in the browser: a partner registers, applies to the demo call, is told
plainly what is wrong, submits; the secretariat screens it and assigns a reviewer, who scores it; the
secretariat ranks and approves it, and the partner finds their project's page, which only its partners and the
secretariat see until the secretariat publishes it."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfWriter

from common.money import format_money
from devtools.demo.logins import DEMO_PASSWORD
from grants import services
from grants.models import (
    Application,
    ApplicationStatus,
    Attachment,
    Call,
    CriterionScore,
    Project,
    ReviewAssignment,
)
from members.models import Organisation, OrganisationKind
from tests.e2e.conftest import DESKTOP, PHONE, TIMEOUT
from tests.factories import ApplicationFactory, OrganisationFactory, OrganisationRoleFactory, VerifiedUserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-test-password"
SECRETARIAT = "secretariat@example.org"
APPLICANT = "programme.officer@example.org"
ORGANISATION = "Gulu City Council"
REVIEWER_NAME = "Budget Officer"
REVIEWER = "budget.officer@example.org"
CALL_TITLE = "Innovation Fund 2026: women's economic empowerment in secondary cities"
CALL_LINK = re.compile(r"^Innovation Fund 2026: ")
PROJECT_CODE = "IF-UGA-2027"

TITLE = "Market stalls run by women in Gulu"
REQUESTED = Decimal("120000.00")
# The reviewer's score for each criterion of the demo call (weighted 3, 2, 2 and 1).
SCORES = {
    "Relevance to women in informal settlements": 5,
    "Innovation": 4,
    "Feasibility and budget": 4,
    "Partnership with the local authority": 3,
}
WEIGHTED_SCORE = "4.25"  # (3 x 5 + 2 x 4 + 2 x 4 + 1 x 3) / (3 + 2 + 2 + 1)
SCROLLS_SIDEWAYS = "() => document.scrollingElement.scrollWidth > window.innerWidth"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Uploaded files go to a temporary folder, not the development site's var/media."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def call(demo) -> Call:
    """The demo call, kept open: it runs from October 2026 to March 2027, and the journey must run later too."""
    call = Call.objects.get(reference="innovation-fund-2026")
    now = timezone.now()
    if not call.is_open(now):
        Call.objects.filter(pk=call.pk).update(
            opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=90)
        )
        call.refresh_from_db()
    return call


def pdf_bytes(padding: int = 0) -> bytes:
    """A real one-page PDF, with `padding` bytes of trailing whitespace to make it as large as needed."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue() + b" " * padding


def link_in(message, path: str) -> str:
    found = re.search(rf"https?://\S+?{re.escape(path)}\S*", message.body)
    assert found, f"no link to {path} in:\n{message.body}"
    return found.group(0)


def mail_to(address: str) -> list:
    return [message for message in mail.outbox if address in message.to]


def control(page, label: str):
    """The form control labelled `label`, with or without the colon Django adds after a label and the mark of
    a field a submission needs."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \(required\))?:?$"))


def pick(page, label: str, name: str) -> None:
    """Type part of `name` into the picker labelled `label` and choose it from what it suggests."""
    control(page, label).fill(name[:4])
    page.get_by_role("option", name=name, exact=True).click()


def chosen(page, label: str):
    return page.get_by_role("list", name=label)


def field(page, label: str):
    """The form field group (label, help, errors and input) of the input labelled `label`."""
    return page.locator(".field").filter(has=control(page, label))


def status_message(page):
    return page.get_by_role("status")


def snapshot(application: Application) -> dict:
    """What the database holds of an application, to show that a refused step changed nothing."""
    application = Application.objects.get(pk=application.pk)
    return {
        "status": application.status,
        "submitted_at": application.submitted_at,
        "fields": [
            application.title,
            application.summary,
            [country.code for country in application.countries],
            application.start_date,
            application.end_date,
            application.requested_amount,
            application.co_financing,
            application.expected_results,
        ],
        "cities": sorted(application.cities.values_list("name", flat=True)),
        "budget": list(application.budget_lines.order_by("pk").values_list("category", "description", "amount")),
        "answers": sorted(application.answers.values_list("question__label", "value")),
        "attachments": list(application.attachments.values_list("original_name", flat=True)),
        "transitions": application.transitions.count(),
    }


def submission_state(application: Application) -> dict:
    """Whether an application is submitted, and what its submission set off."""
    application = Application.objects.get(pk=application.pk)
    return {
        "status": application.status,
        "submitted_at": application.submitted_at,
        "transitions": application.transitions.count(),
        "emails": len(mail.outbox),
    }


def fill_budget(page, lines: list[tuple[str, str, str]]) -> None:
    for number, (category, description, amount) in enumerate(lines, start=1):
        control(page, f"Category {number}").select_option(label=category)
        control(page, f"Description {number}").fill(description)
        control(page, f"Amount {number}").fill(amount)


def upload(page, name: str, content: bytes, answers: str | None = None) -> None:
    """Choose a file and send it: the page sends it on its own and says what became of it, without reloading."""
    control(page, "File").set_input_files({"name": name, "mimeType": "application/pdf", "buffer": content})
    if answers:
        control(page, "Answers the question").select_option(label=answers)
    page.get_by_role("button", name="Upload", exact=True).click()


def upload_status(page):
    return page.locator("#upload-status")


# --- the steps of the journey -------------------------------------------------------------------------


def register(page, live_server, shot) -> None:
    """Step 1: an account with a confirmed email address, then the organisation."""
    page.goto(f"{live_server.url}/accounts/signup/")
    control(page, "Full name").fill("Programme Officer")
    control(page, "Email address").fill(APPLICANT)
    control(page, "Password").fill(PASSWORD)
    control(page, "Password again").fill(PASSWORD)
    shot(page, "journey-01-signup")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")

    [message] = mail_to(APPLICANT)
    page.goto(link_in(message, "/accounts/confirm-email/"))
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(f"{live_server.url}/portal/organisation/start/")
    expect(page.get_by_role("navigation", name="Main")).to_contain_text(APPLICANT)

    control(page, "Name of the organisation").fill(ORGANISATION)
    control(page, "Kind of organisation").select_option(label="City or local government")
    control(page, "Country").select_option(label="Uganda")
    shot(page, "journey-01-onboarding")
    page.get_by_role("button", name="Register the organisation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ORGANISATION)
    expect(status_message(page)).to_contain_text(f"{ORGANISATION} is registered.")
    shot(page, "journey-01-organisation-registered")


def start_application(page, live_server, call, shot) -> Application:
    """Step 2: from the open calls to a new draft."""
    page.goto(f"{live_server.url}/calls/")
    page.get_by_role("link", name=CALL_LINK).click()
    expect(page).to_have_url(f"{live_server.url}/calls/{call.reference}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(CALL_TITLE)
    expect(page.locator(".figures")).to_contain_text(format_money(call.ceiling, call.currency, whole=True))
    expect(control(page, "Apply for")).to_have_text(ORGANISATION)
    shot(page, "journey-02-call")
    page.get_by_role("button", name="Start an application").click()

    expect(page).to_have_url(re.compile(rf"^{re.escape(live_server.url)}/portal/applications/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("New application")
    expect(status_message(page)).to_contain_text("Your draft is started")
    shot(page, "journey-02-new-draft")
    application = Application.objects.get(organisation__name=ORGANISATION)
    assert (application.call, application.status) == (call, ApplicationStatus.DRAFT)
    return application


def save_a_draft(page, application, shot) -> None:
    """Step 3: part of the form, saved, is there again after a reload."""
    control(page, "Title").fill(TITLE)
    control(page, "Summary").fill("Market stalls and savings groups run by women from Gulu's informal settlements.")
    pick(page, "Target countries", "Uganda")
    # Gulu is new to the portfolio: typed and kept as a proposal, which the secretariat confirms later.
    control(page, "Target cities").fill("Gulu")
    expect(page.get_by_role("option", name=re.compile(r"^Gulu \(a new city"))).to_be_visible()
    control(page, "Target cities").press("Enter")
    control(page, "Amount requested (USD)").fill("120000")
    page.get_by_role("button", name="Save draft").click()

    expect(status_message(page)).to_have_text("Draft saved.", timeout=TIMEOUT)
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    page.reload()
    expect(control(page, "Title")).to_have_value(TITLE)
    expect(control(page, "Summary")).to_have_value(re.compile(r"^Market stalls and savings groups"))
    expect(chosen(page, "Chosen countries")).to_have_text(re.compile(r"^Uganda"))
    expect(chosen(page, "Chosen cities")).to_have_text(re.compile(r"^Gulu"))
    expect(control(page, "Amount requested (USD)")).to_have_value("120000.00")
    expect(control(page, "Start")).to_have_value("")
    shot(page, "journey-03-draft-saved")

    application.refresh_from_db()
    assert (application.title, application.requested_amount) == (TITLE, REQUESTED)
    assert [country.code for country in application.countries] == ["UG"]

    # The rest, saved as a draft too: what follows changes one thing at a time.
    control(page, "Start").fill("2027-07-01")
    control(page, "End").fill("2028-12-31")
    control(page, "Co-financing (USD)").fill("30000")
    control(page, "Expected results").fill("120 stalls run by women; 8 savings groups; a market committee.")
    fill_budget(page, [("Works and infrastructure", "Stalls", "90000"), ("Workshops and events", "Training", "30000")])
    control(page, "How many women will take part?").fill("240")
    control(page, "Who leads the project?").select_option(label="Local authority")
    page.get_by_role("button", name="Save draft").click()
    expect(status_message(page)).to_have_text("Draft saved.", timeout=TIMEOUT)


def refuse_bad_input(page, live_server, settings, application, shot) -> None:
    """Step 4: each mistake is explained on the page, and nothing is submitted, attached or shown.

    A refused submission still keeps what was typed as the draft, as "Save draft" would (the portal saves,
    then submits; tests/grants/test_portal.py relies on it), so there only the submission is compared."""
    before = submission_state(application)

    # More than the call's ceiling.
    control(page, "Amount requested (USD)").fill("200000")
    fill_budget(page, [("Works and infrastructure", "Stalls", "170000"), ("Workshops and events", "Training", "30000")])
    page.get_by_role("button", name="Review and submit").click()
    expect(status_message(page)).to_contain_text("cannot be submitted yet", timeout=TIMEOUT)
    amount = field(page, "Amount requested (USD)")
    expect(amount).to_contain_text("The ceiling per grant is USD 150,000.00.")
    expect(control(page, "Amount requested (USD)")).to_have_attribute("aria-invalid", "true")
    expect(control(page, "Amount requested (USD)")).to_have_value("200000")
    expect(page.locator("#budget-errors")).to_have_count(0)
    amount.scroll_into_view_if_needed()
    shot(page, "journey-04-over-the-ceiling")
    assert submission_state(application) == before

    # Budget lines that do not add up to the amount requested.
    control(page, "Amount requested (USD)").fill("120000")
    fill_budget(page, [("Works and infrastructure", "Stalls", "80000"), ("Workshops and events", "Training", "30000")])
    page.get_by_role("button", name="Review and submit").click()
    expect(status_message(page)).to_contain_text("cannot be submitted yet", timeout=TIMEOUT)
    budget_section = page.locator("section").filter(has=page.get_by_role("heading", name="Budget", level=2))
    budget_errors = budget_section.locator("#budget-errors")
    expect(budget_errors).to_have_text(
        f"The budget lines add up to {format_money(Decimal(110000), 'USD')}, "
        f"not the {format_money(REQUESTED, 'USD')} requested."
    )
    expect(field(page, "Amount requested (USD)").locator(".errorlist")).to_have_count(0)
    budget_errors.scroll_into_view_if_needed()
    shot(page, "journey-04-budget-does-not-add-up")
    assert submission_state(application) == before

    before = snapshot(application)

    # A program renamed .pdf.
    page.goto(f"{live_server.url}/portal/applications/{application.pk}/")
    upload(page, "virus.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200)
    expect(upload_status(page)).to_contain_text("virus.pdf is not a PDF, XLSX, DOCX, PNG or JPEG file.")
    expect(page.get_by_role("region", name="Attachments")).to_contain_text("No file yet.")
    shot(page, "journey-04-not-a-pdf")
    assert snapshot(application) == before

    # A file over the size limit (the live server runs in this process, so it sees the setting).
    limit, settings.UPLOAD_MAX_BYTES = settings.UPLOAD_MAX_BYTES, 1_000_000
    upload(page, "scan.pdf", pdf_bytes(padding=1_200_000))
    expect(upload_status(page)).to_contain_text("scan.pdf is 1.2 MB; files may be up to 1 MB.")
    expect(page.get_by_role("region", name="Attachments")).to_contain_text("No file yet.")
    shot(page, "journey-04-file-too-large")
    assert snapshot(application) == before
    assert Attachment.objects.count() == 0
    settings.UPLOAD_MAX_BYTES = limit

    # Another organisation's application, its id typed into the address bar.
    theirs = ApplicationFactory(
        call=application.call, organisation=OrganisationFactory(name="Kampala Women's Forum"), complete=True
    )
    response = page.goto(f"{live_server.url}/portal/applications/{theirs.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_role("main")).not_to_contain_text("Slum upgrading in Kampala")
    shot(page, "journey-04-another-organisations-application")
    assert snapshot(application) == before


def submit(page, live_server, application, shot) -> None:
    """Step 5: a letter of support, the form filled in correctly, and the submission."""
    page.goto(f"{live_server.url}/portal/applications/{application.pk}/")
    upload(page, "letter-of-support.pdf", pdf_bytes(), answers="Letter of support from the local authority")
    expect(upload_status(page)).to_contain_text("letter-of-support.pdf is attached.")
    expect(
        page.get_by_role("region", name="Attachments").get_by_role("link", name="letter-of-support.pdf")
    ).to_be_visible()
    attachment = Attachment.objects.get(application=application)
    assert (attachment.content_type, attachment.question.label) == (
        "application/pdf",
        "Letter of support from the local authority",
    )

    control(page, "Amount requested (USD)").fill("120000")
    fill_budget(page, [("Works and infrastructure", "Stalls", "90000"), ("Workshops and events", "Training", "30000")])
    expect(control(page, "How many women will take part?")).to_have_value("240")
    expect(control(page, "Who leads the project?")).to_have_value("Local authority")
    shot(page, "journey-05-ready-to-submit")
    page.get_by_role("button", name="Review and submit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review and submit", timeout=TIMEOUT)
    expect(page.get_by_role("main")).to_contain_text("Everything the call asks for is here")
    expect(page.get_by_role("main")).to_contain_text("letter-of-support.pdf")
    shot(page, "journey-05-review")
    page.get_by_role("button", name="Submit the application").click()

    expect(status_message(page)).to_contain_text("Your application is submitted", timeout=TIMEOUT)
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator("[data-status]")).to_have_text("Submitted")
    expect(page.get_by_role("button", name="Save draft")).to_have_count(0)
    expect(page.get_by_role("button", name="Submit the application")).to_have_count(0)
    expect(page.get_by_role("textbox", name="Title")).to_have_count(0)
    expect(page.get_by_role("main")).to_contain_text(format_money(REQUESTED, "USD", whole=True))
    shot(page, "journey-05-submitted")

    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.submitted_at is not None
    [receipt] = mail_to(APPLICANT)[1:]  # after the email-address confirmation
    assert receipt.subject == f"We received your application: {TITLE}"
    assert ORGANISATION in receipt.body
    assert [m.subject for m in mail_to(SECRETARIAT)] == [f"New application to {CALL_TITLE}"]

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in")).to_be_visible()


def screen_and_assign(staff, live_server, application, shot) -> ReviewAssignment:
    """Step 6: the secretariat screens the application, sends it to review and assigns a reviewer."""
    staff.goto(f"{live_server.url}/admin/")
    expect(staff).to_have_url(re.compile(r"/accounts/login/\?next=%2Fadmin%2F$"))  # the admin signs in through the site
    control(staff, "Email address").fill(SECRETARIAT)
    control(staff, "Password").fill(DEMO_PASSWORD)
    staff.get_by_role("button", name="Log in").click()
    expect(staff).to_have_url(f"{live_server.url}/admin/")
    staff.locator("#content-main").get_by_role("link", name="Applications", exact=True).click()
    expect(staff).to_have_url(f"{live_server.url}/admin/grants/application/")
    row = staff.locator("#result_list tbody tr").filter(has_text=TITLE)
    expect(row).to_contain_text("Submitted")
    shot(staff, "journey-06-admin-applications")

    for action, status in (("Start screening", "Screening"), ("Send to review", "In review")):
        row.get_by_role("checkbox").check()
        staff.get_by_role("combobox", name=re.compile(r"^Action")).select_option(label=action)
        staff.get_by_role("button", name="Go", exact=True).click()
        expect(staff.locator(".messagelist .success")).to_have_text(f"1 moved to {status}.", timeout=TIMEOUT)
        expect(row).to_contain_text(status)
    shot(staff, "journey-06-admin-in-review")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.IN_REVIEW

    row.get_by_role("link", name=TITLE).click()
    expect(staff).to_have_url(f"{live_server.url}/admin/grants/application/{application.pk}/change/")
    staff.get_by_role("link", name="Assign a reviewer").click()
    control(staff, "Reviewer").select_option(label=REVIEWER_NAME)
    shot(staff, "journey-06-admin-assign-reviewer")
    staff.get_by_role("button", name="Assign", exact=True).click()

    expect(staff).to_have_url(f"{live_server.url}/admin/grants/application/{application.pk}/change/")
    expect(staff.locator(".messagelist .success")).to_have_text("Reviewer assigned and told by email.")
    shot(staff, "journey-06-admin-reviewer-assigned")
    [request] = mail_to(REVIEWER)
    assert TITLE in request.body
    return ReviewAssignment.objects.get(application=application, reviewer__email=REVIEWER)


def review(reviewer, live_server, log_in, assignment, shot) -> None:
    """Step 7: the reviewer declares no conflict of interest and scores each criterion."""
    log_in(reviewer, REVIEWER, PASSWORD)
    expect(reviewer.get_by_role("navigation", name="Main")).to_contain_text(REVIEWER)
    reviewer.goto(f"{live_server.url}/portal/reviews/")
    expect(reviewer.get_by_role("heading", level=1)).to_have_text("Applications to review")
    queue = reviewer.get_by_role("region", name="Applications to review")
    expect(queue.locator("tbody tr")).to_have_count(1)
    expect(queue.locator("tbody tr")).to_contain_text(ORGANISATION)
    expect(queue.locator("tbody tr")).to_contain_text("To do")
    shot(reviewer, "journey-07-review-queue")
    queue.get_by_role("link", name=TITLE).click()
    expect(reviewer).to_have_url(f"{live_server.url}/portal/reviews/{assignment.pk}/")
    expect(reviewer.get_by_role("main")).to_contain_text("letter-of-support.pdf")

    for name, score in SCORES.items():
        control(reviewer, f"Score: {name}").select_option(str(score))
        control(reviewer, f"Comment: {name}").fill(f"{name}: sound, scored {score}.")
    control(reviewer, "Overall comment").fill("Worth funding.")

    # Without the declaration, nothing is recorded.
    reviewer.get_by_role("button", name="Submit the review").click()
    declaration = control(reviewer, "I have no conflict of interest with this applicant")
    expect(field(reviewer, "I have no conflict of interest with this applicant")).to_contain_text(
        "Declare that you have no conflict of interest", timeout=TIMEOUT
    )
    expect(declaration).not_to_be_checked()
    declaration.scroll_into_view_if_needed()
    shot(reviewer, "journey-07-review-without-declaration")
    assignment.refresh_from_db()
    assert (assignment.submitted_at, assignment.no_conflict_declared_at) == (None, None)
    assert CriterionScore.objects.count() == 0

    declaration.check()
    for name, score in SCORES.items():  # what was chosen is still there
        expect(control(reviewer, f"Score: {name}")).to_have_value(str(score))
    shot(reviewer, "journey-07-review-filled")
    reviewer.get_by_role("button", name="Submit the review").click()

    expect(status_message(reviewer)).to_have_text("Thank you: your review is submitted.", timeout=TIMEOUT)
    expect(reviewer).to_have_url(f"{live_server.url}/portal/reviews/")
    expect(reviewer.get_by_role("region", name="Applications to review").locator("tbody tr")).to_contain_text(
        "Submitted"
    )
    shot(reviewer, "journey-07-review-submitted")
    assignment.refresh_from_db()
    assert assignment.submitted_at is not None
    assert assignment.no_conflict_declared_at is not None
    assert dict(CriterionScore.objects.filter(review=assignment).values_list("criterion__name", "score")) == SCORES


def rank_and_approve(staff, live_server, call, application, shot) -> Project:
    """Step 8: the ranking shows the weighted score; the application is approved as a project."""
    staff.goto(f"{live_server.url}/admin/grants/call/")
    staff.locator("#result_list tbody tr").filter(has_text=CALL_LINK).get_by_role("link", name="ranking").click()
    expect(staff).to_have_url(f"{live_server.url}/admin/grants/call/{call.pk}/ranking/")
    row = staff.locator("#ranking tbody tr").filter(has_text=TITLE)
    expect(row.locator("td")).to_have_text(["1", TITLE, ORGANISATION, "In review", WEIGHTED_SCORE, "1 / 1"])
    shot(staff, "journey-08-ranking")

    row.get_by_role("link", name=TITLE).click()
    expect(staff).to_have_url(f"{live_server.url}/admin/grants/application/{application.pk}/change/")
    # The applicant named a city the portfolio did not know: it is confirmed before any project counts it.
    staff.goto(f"{live_server.url}/admin/grants/city/?confirmed__exact=0")
    staff.locator("#result_list tbody tr").filter(has_text="Gulu").locator("input.action-select").check()
    staff.locator("select[name=action]").select_option("confirm")
    staff.get_by_role("button", name="Go").click()
    expect(staff.locator(".messagelist .success")).to_contain_text("1 city confirmed.")
    shot(staff, "journey-08-city-confirmed")

    staff.goto(f"{live_server.url}/admin/grants/application/{application.pk}/change/")
    staff.locator(".object-tools").get_by_role("link", name="Approve", exact=True).click()
    expect(control(staff, "Agreement signed on")).to_have_value(re.compile(r"\S"))
    # The reviewer's scores are on the page; the call needs two completed reviews and has one, so the
    # secretariat (which holds the director's permission) approves now and says why.
    expect(staff.locator("#dossier table.review")).to_contain_text("Worth funding.")
    expect(staff.locator("#below-review-minimum")).to_contain_text("1 of the 2 completed reviews")
    control(staff, "Project code").fill(PROJECT_CODE)
    control(staff, "Why approve without every review").fill("The second reviewer withdrew; the committee read it.")
    signed_on = control(staff, "Agreement signed on").input_value()
    staff.get_by_label("Due on, tranche 1", exact=True).fill(signed_on)
    staff.get_by_label("Percentage of the grant, tranche 1", exact=True).fill("100")
    shot(staff, "journey-08-approve")
    staff.get_by_role("button", name="Approve", exact=True).click()

    project = Project.objects.get(code=PROJECT_CODE)
    expect(staff).to_have_url(f"{live_server.url}/admin/grants/project/{project.pk}/record/", timeout=TIMEOUT)
    expect(staff.locator(".messagelist .success")).to_contain_text(f"Approved: project {PROJECT_CODE} is created")
    shot(staff, "journey-08-approved")
    application.refresh_from_db()
    assert (application.status, application.project) == (ApplicationStatus.APPROVED, project)
    assert application.review_override.reason == "The second reviewer withdrew; the committee read it."
    assert project.committed_total == REQUESTED and not project.is_public
    assert [m.subject for m in mail_to(APPLICANT)][-1] == f"Decision on your application: {TITLE}"
    return project


def find_the_project(page, live_server, log_in, project, shot) -> None:
    """Step 9: the applicant sees the decision and follows it to the public project page."""
    log_in(page, APPLICANT, PASSWORD)
    expect(page.get_by_role("navigation", name="Main")).to_contain_text(APPLICANT)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My portal").click()
    expect(page).to_have_url(f"{live_server.url}/portal/")
    row = page.get_by_role("region", name="My applications").locator("tbody tr").filter(has_text=TITLE)
    expect(row).to_contain_text("Approved")
    expect(page.get_by_role("main")).to_contain_text(f"{PROJECT_CODE} · {TITLE}")  # under "My projects"
    shot(page, "journey-09-my-applications")
    row.get_by_role("link", name=PROJECT_CODE).click()

    expect(page).to_have_url(f"{live_server.url}/projects/{PROJECT_CODE}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator("[data-unpublished]")).to_contain_text("Not published")  # only its partners see it yet
    expect(page.locator('[data-figure="committed"]')).to_have_text(format_money(REQUESTED, "USD", whole=True))
    expect(page.get_by_role("main")).to_contain_text(ORGANISATION)
    shot(page, "journey-09-public-project")


def test_a_partner_applies_and_the_secretariat_reviews_ranks_and_approves_the_application(
    browser, page, live_server, call, log_in, settings, shot
):
    VerifiedUserFactory(email=REVIEWER, full_name=REVIEWER_NAME, password=PASSWORD)
    page.set_default_timeout(TIMEOUT)

    register(page, live_server, shot)
    organisation = Organisation.objects.get(name=ORGANISATION)
    assert (organisation.kind, organisation.country.code) == (OrganisationKind.LOCAL_GOVERNMENT, "UG")
    application = start_application(page, live_server, call, shot)
    save_a_draft(page, application, shot)
    refuse_bad_input(page, live_server, settings, application, shot)
    submit(page, live_server, application, shot)

    staff_context = browser.new_context(viewport=DESKTOP)
    reviewer_context = browser.new_context(viewport=DESKTOP)
    try:
        staff_context.set_default_timeout(TIMEOUT)
        reviewer_context.set_default_timeout(TIMEOUT)
        staff = staff_context.new_page()
        assignment = screen_and_assign(staff, live_server, application, shot)
        review(reviewer_context.new_page(), live_server, log_in, assignment, shot)
        project = rank_and_approve(staff, live_server, call, application, shot)
    finally:
        staff_context.close()
        reviewer_context.close()

    find_the_project(page, live_server, log_in, project, shot)


def test_the_application_form_is_usable_on_a_phone(browser, live_server, call, log_in, shot):
    applicant = VerifiedUserFactory(email=APPLICANT, full_name="Programme Officer", password=PASSWORD)
    organisation = OrganisationFactory(name=ORGANISATION, kind=OrganisationKind.LOCAL_GOVERNMENT, country="UG")
    OrganisationRoleFactory(user=applicant, organisation=organisation)
    application = services.application_start(call=call, organisation=organisation, user=applicant)
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    try:
        log_in(page, APPLICANT, PASSWORD)
        page.get_by_role("button", name="Menu").click()
        expect(page.get_by_role("navigation", name="Main")).to_contain_text(APPLICANT)
        page.goto(f"{live_server.url}/portal/applications/{application.pk}/")
        expect(page.get_by_role("heading", level=1)).to_have_text("New application")

        assert not page.evaluate(SCROLLS_SIDEWAYS), "the application form scrolls sideways at phone width"
        # Every control of the form has a label (or, for a button, its text), and those outside the budget
        # table (which scrolls in its own region) fit the screen.
        controls = page.evaluate(
            """() => {
                window.formControls = [...document.querySelectorAll(
                    'form.portal-form :is(input:not([type=hidden]), select, textarea, button)')]
                    .filter(el => el.getClientRects().length > 0);  // a picker's own select is hidden
                return window.formControls.map(el => ({
                    name: el.id || el.textContent.trim(),
                    labelled: el.tagName === 'BUTTON' ? el.textContent.trim() !== '' : el.labels.length > 0,
                    // Tab stops once in a radio group, on its checked radio
                    tabStop: el.type !== 'radio' || el.checked
                        || !document.querySelector(`input[type=radio][name="${el.name}"]:checked`),
                    fits: el.closest('.table-scroll') !== null
                        || el.getBoundingClientRect().right <= document.documentElement.clientWidth,
                }));
            }"""
        )
        assert len(controls) > 20
        assert [c["name"] for c in controls if not c["labelled"]] == []
        assert [c["name"] for c in controls if not c["fits"]] == []
        budget = page.locator(".table-scroll[aria-labelledby=budget-title]")
        assert budget.evaluate("region => getComputedStyle(region).overflowX") in {"auto", "scroll"}
        shot(page, "journey-phone-application-form")

        # Tab reaches every control, in order, from the top of the page to the upload button.
        reached = []
        for _ in range(150):
            page.keyboard.press("Tab")
            reached.append(page.evaluate("() => window.formControls.indexOf(document.activeElement)"))
            if reached[-1] == len(controls) - 1:
                break
        # (a date field keeps the focus while Tab moves through its day, month and year)
        order = [index for position, index in enumerate(reached) if index >= 0 and index not in reached[:position]]
        assert order == [index for index, c in enumerate(controls) if c["tabStop"]]

        control(page, "Title").fill("Market stalls")
        control(page, "Amount requested (USD)").fill("200000")
        page.get_by_role("button", name="Review and submit").click()
        expect(status_message(page)).to_contain_text("cannot be submitted yet", timeout=TIMEOUT)
        amount = field(page, "Amount requested (USD)")
        expect(amount).to_contain_text("The ceiling per grant is USD 150,000.00.")
        amount.scroll_into_view_if_needed()
        expect(amount).to_be_in_viewport()
        assert not page.evaluate(SCROLLS_SIDEWAYS), "the refused form scrolls sideways at phone width"
        shot(page, "journey-phone-application-errors")
        assert Application.objects.get(pk=application.pk).status == ApplicationStatus.DRAFT
    finally:
        context.close()
