"""Applications to calls: who may start, save, attach, submit, withdraw and approve, and what each leaves behind."""

from __future__ import annotations

import datetime as dt
import io
import struct
import zipfile
import zlib
from decimal import Decimal
from pathlib import Path

import openpyxl
import pypdf
import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from grants.models import (
    Answer,
    Application,
    ApplicationStatus,
    ApplicationTransition,
    Attachment,
    BudgetLine,
    CallStage,
    City,
    GrantAgreement,
    PartnerRole,
    Project,
    ProjectCountry,
    ProjectPartner,
    ProjectStatus,
    QuestionKind,
    ReleaseCondition,
    Tranche,
    Transaction,
    TransactionKind,
)
from grants.services import (
    ApplicationError,
    ApplicationIncomplete,
    BudgetLineInput,
    LedgerError,
    TrancheSpec,
    application_approve,
    application_save,
    application_screen,
    application_start,
    application_submit,
    application_withdraw,
    attachment_add,
    concept_note_shortlist,
)
from grants.workflow import TRANSITIONS, Actor, is_allowed
from members.models import OrganisationKind, Role
from tests.factories import (
    AccountingPeriodFactory,
    ApplicationFactory,
    BudgetLineFactory,
    CallFactory,
    CallQuestionFactory,
    CityFactory,
    GrantAgreementFactory,
    OrganisationFactory,
    OrganisationRoleFactory,
    PartnerUserFactory,
    ProjectFactory,
    StaffFactory,
    ThemeFactory,
    UserFactory,
    reviewed,
)

pytestmark = pytest.mark.django_db

S = ApplicationStatus
UTC = dt.UTC
OPENS = dt.datetime(2030, 3, 1, 9, 0, tzinfo=UTC)
CLOSES = dt.datetime(2030, 4, 30, 17, 0, tzinfo=UTC)
TODAY = dt.datetime(2030, 4, 15, 12, 0, tzinfo=UTC)
SIGNED_ON = dt.date(2030, 6, 1)
TITLE = "Slum upgrading in Kampala"  # the title ApplicationFactory(complete=True) gives


@pytest.fixture(autouse=True)
def _during_the_call():
    """Every call the factories open is open today; tests that need another moment pass `now`."""
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def usd(amount: str) -> str:
    """A sum as the messages show it: `USD 1,000.00`, with a non-breaking space."""
    return f"USD\xa0{amount}"


def stored_files(root: Path) -> list[str]:
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file())


def sent() -> list[tuple[str, list[str]]]:
    return sorted((message.subject, message.to) for message in mail.outbox)


def steps(application: Application) -> list[tuple[str, str, int, str]]:
    return list(
        ApplicationTransition.objects.filter(application=application).values_list(
            "from_status", "to_status", "by", "comment"
        )
    )


# Files as a partner's computer has them: tiny but valid, each of an accepted kind or not.


def minimal_pdf() -> bytes:
    """A one-page PDF 1.4 with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(pdf)


def minimal_png() -> bytes:
    """One white pixel, 8-bit RGB."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def xlsx_workbook() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Category", "Amount"])
    sheet.append(["Staff", 50000])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def docx_document() -> bytes:
    """The three parts a WordprocessingML package needs, in the order Word writes them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            "</Types>",
        )
        package.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="word/document.xml" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
            "</Relationships>",
        )
        package.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>Letter of support</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "not an office document")
    return buffer.getvalue()


WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    # The browser's claimed type is what an attacker controls, so it always says PDF here.
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# Starting a draft


def test_a_partner_starts_a_draft_while_the_call_is_open():
    call = CallFactory()
    organisation = OrganisationFactory()
    user = PartnerUserFactory(organisation=organisation)

    application = application_start(call=call, organisation=organisation, user=user)

    assert Application.objects.get() == application
    assert (application.call, application.organisation, application.created_by) == (call, organisation, user)
    assert application.status == S.DRAFT


@pytest.mark.parametrize(
    "acts_as",
    [
        pytest.param(None, id="no-role"),
        pytest.param("another-organisation", id="partner-of-another-organisation"),
        pytest.param(Role.REVIEWER, id="reviewer-of-the-organisation"),
        pytest.param(Role.DONOR, id="donor-of-the-organisation"),
    ],
)
def test_only_a_partner_of_the_organisation_starts_its_application(acts_as):
    call = CallFactory()
    organisation = OrganisationFactory(name="Slum Dwellers of Kampala")
    if acts_as == "another-organisation":
        user = PartnerUserFactory()
    else:
        user = UserFactory()
        if acts_as:
            OrganisationRoleFactory(user=user, organisation=organisation, role=acts_as)

    with pytest.raises(ApplicationError) as refusal:
        application_start(call=call, organisation=organisation, user=user)

    assert refusal.value.message == "You do not act for Slum Dwellers of Kampala."
    assert not Application.objects.exists()


def test_staff_do_not_start_applications_for_organisations():
    organisation = OrganisationFactory(name="Slum Dwellers of Kampala")

    with pytest.raises(ApplicationError) as refusal:
        application_start(call=CallFactory(), organisation=organisation, user=StaffFactory())

    assert refusal.value.message == "You do not act for Slum Dwellers of Kampala."
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    ("published", "now"),
    [
        pytest.param(True, OPENS - dt.timedelta(seconds=1), id="a-second-before-it-opens"),
        pytest.param(True, CLOSES, id="the-moment-it-closes"),
        pytest.param(True, CLOSES + dt.timedelta(days=1), id="the-day-after-it-closed"),
        pytest.param(False, TODAY, id="unpublished-while-its-dates-are-open"),
    ],
)
def test_a_draft_is_started_only_while_the_call_is_published_and_open(published, now):
    call = CallFactory(opens_at=OPENS, closes_at=CLOSES, is_published=published)
    organisation = OrganisationFactory()

    with pytest.raises(ApplicationError) as refusal:
        application_start(
            call=call, organisation=organisation, user=PartnerUserFactory(organisation=organisation), now=now
        )

    assert refusal.value.message == "This call is not open for applications."
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    "moment", [OPENS, CLOSES - dt.timedelta(seconds=1)], ids=["as-it-opens", "just-before-closing"]
)
def test_a_draft_is_started_from_the_opening_moment_until_just_before_closing(moment):
    call = CallFactory(opens_at=OPENS, closes_at=CLOSES)
    organisation = OrganisationFactory()
    user = PartnerUserFactory(organisation=organisation)

    with time_machine.travel(moment, tick=False):
        application = application_start(call=call, organisation=organisation, user=user)

    assert application.status == S.DRAFT
    assert application.created_at == moment


def test_the_clock_decides_when_no_moment_is_given():
    call = CallFactory(opens_at=OPENS, closes_at=CLOSES)
    organisation = OrganisationFactory()
    user = PartnerUserFactory(organisation=organisation)

    with time_machine.travel(CLOSES, tick=False), pytest.raises(ApplicationError) as refusal:
        application_start(call=call, organisation=organisation, user=user)

    assert refusal.value.message == "This call is not open for applications."
    assert not Application.objects.exists()


# Saving a draft


def full_draft_fields() -> dict[str, object]:
    return {
        "title": "Resilient drainage for Kampala",
        "summary": "Drains designed with the settlements they protect.",
        "countries": ["UG"],
        "start_date": dt.date(2030, 7, 1),
        "end_date": dt.date(2032, 6, 30),
        "requested_amount": Decimal("80000.00"),
        "co_financing": Decimal("15000.00"),
        "expected_results": "Flooding halved in two settlements.",
    }


def test_saving_a_draft_stores_its_fields_budget_answers_and_cities():
    application = ApplicationFactory()
    who = CallQuestionFactory(call=application.call, label="Who leads the work?")
    how_many = CallQuestionFactory(call=application.call, kind=QuestionKind.NUMBER, label="Residents reached?")

    application_save(
        application=application,
        user=application.created_by,
        fields=full_draft_fields(),
        budget_lines=[
            BudgetLineInput("staff", Decimal("50000.00"), "Two engineers"),
            BudgetLineInput("works", Decimal("30000.00")),
        ],
        answers={who.pk: "  Kampala Capital City Authority  ", how_many.pk: "12000"},
        city_names=["Kampala", " Jinja ", ""],
    )

    saved = Application.objects.get(pk=application.pk)
    expected = full_draft_fields()
    countries = expected.pop("countries")
    assert {name: getattr(saved, name) for name in expected} == expected
    assert [country.code for country in saved.countries] == countries
    assert saved.status == S.DRAFT
    assert list(saved.budget_lines.values_list("category", "description", "amount")) == [
        ("staff", "Two engineers", Decimal("50000.00")),
        ("works", "", Decimal("30000.00")),
    ]
    assert dict(saved.answers.values_list("question", "value")) == {
        who.pk: "Kampala Capital City Authority",
        how_many.pk: "12000",
    }
    assert sorted(saved.cities.values_list("name", "country")) == [("Jinja", "UG"), ("Kampala", "UG")]


def test_saving_again_replaces_the_budget_lines_and_updates_the_answers():
    application = ApplicationFactory()
    question = CallQuestionFactory(call=application.call)
    BudgetLineFactory(application=application, category="staff", amount=Decimal("50000.00"))
    BudgetLineFactory(application=application, category="works", amount=Decimal("30000.00"))
    application_save(
        application=application, user=application.created_by, fields={}, answers={question.pk: "First thoughts"}
    )

    application_save(
        application=application,
        user=application.created_by,
        fields={"title": "Second version"},
        budget_lines=[BudgetLineInput("travel", Decimal("12000.00"), "Site visits")],
        answers={question.pk: "Second thoughts"},
    )

    assert list(BudgetLine.objects.values_list("application", "category", "description", "amount")) == [
        (application.pk, "travel", "Site visits", Decimal("12000.00"))
    ]
    assert list(Answer.objects.values_list("application", "question", "value")) == [
        (application.pk, question.pk, "Second thoughts")
    ]
    assert Application.objects.get(pk=application.pk).title == "Second version"


def test_city_names_become_one_city_row_each_across_applications():
    jinja = CityFactory(name="Jinja", country="UG")
    kampala_in_kenya_by_mistake = CityFactory(name="Kampala", country="KE")
    first, second = ApplicationFactory(), ApplicationFactory()

    application_save(
        application=first,
        user=first.created_by,
        fields={"countries": ["UG"]},
        city_names=["Kampala", "Jinja", "Kampala"],
    )
    application_save(application=second, user=second.created_by, fields={"countries": ["UG"]}, city_names=["Kampala"])

    kampala = City.objects.get(name="Kampala", country="UG")
    assert City.objects.count() == 3
    assert set(first.cities.all()) == {kampala, jinja}
    assert list(second.cities.all()) == [kampala]
    assert kampala != kampala_in_kenya_by_mistake


def test_naming_cities_before_choosing_a_target_country_is_refused_and_saves_nothing():
    application = ApplicationFactory(title="As it was")

    with pytest.raises(ApplicationIncomplete) as refusal:
        application_save(
            application=application,
            user=application.created_by,
            fields={"title": "Changed"},
            budget_lines=[BudgetLineInput("staff", Decimal("1000.00"))],
            city_names=["Kampala"],
        )

    assert refusal.value.errors == {"city_names": ["Choose a target country before naming its cities."]}
    assert Application.objects.get(pk=application.pk).title == "As it was"
    assert not BudgetLine.objects.exists()
    assert not City.objects.exists()


def test_a_budget_line_of_zero_is_refused_and_the_earlier_lines_stay():
    application = ApplicationFactory()
    BudgetLineFactory(application=application, category="staff", amount=Decimal("50000.00"))

    with pytest.raises(ApplicationIncomplete) as refusal:
        application_save(
            application=application,
            user=application.created_by,
            fields={},
            budget_lines=[BudgetLineInput("works", Decimal("10.00")), BudgetLineInput("travel", Decimal("0"))],
        )

    assert refusal.value.errors == {"budget": ["Each budget line is more than zero."]}
    assert list(BudgetLine.objects.values_list("category", "amount")) == [("staff", Decimal("50000.00"))]


def test_a_project_ending_before_it_starts_is_refused_with_the_message():
    application = ApplicationFactory()

    with pytest.raises(ApplicationIncomplete) as refusal:
        application_save(
            application=application,
            user=application.created_by,
            fields={"start_date": dt.date(2031, 1, 1), "end_date": dt.date(2030, 1, 1)},
        )

    assert refusal.value.errors == {"__all__": ["The project cannot end before it starts."]}
    assert Application.objects.get(pk=application.pk).start_date is None


@pytest.mark.parametrize("field", ["status", "organisation", "project", "submitted_at"])
def test_an_applicant_cannot_set_fields_the_workflow_owns(field):
    application = ApplicationFactory(title="As it was")

    with pytest.raises(ApplicationError) as refusal:
        application_save(application=application, user=application.created_by, fields={"title": "Changed", field: None})

    assert refusal.value.message == f"{field} cannot be set here."
    saved = Application.objects.get(pk=application.pk)
    assert (saved.title, saved.status) == ("As it was", S.DRAFT)


@pytest.mark.parametrize("status", [S.SUBMITTED, S.SCREENING, S.APPROVED, S.WITHDRAWN])
def test_an_application_past_its_draft_can_no_longer_be_saved(status):
    application = ApplicationFactory(complete=True, status=status)

    with pytest.raises(ApplicationError) as refusal:
        application_save(
            application=application,
            user=application.created_by,
            fields={"title": "Changed after the fact"},
            budget_lines=[BudgetLineInput("staff", Decimal("1.00"))],
        )

    assert refusal.value.message == "A submitted application can no longer be changed."
    assert Application.objects.get(pk=application.pk).title == TITLE
    assert list(BudgetLine.objects.values_list("amount", flat=True)) == [Decimal("80000.00")]


@pytest.mark.parametrize("who", ["partner-of-another-organisation", "staff", "nobody-in-particular"])
def test_only_the_applying_organisation_saves_its_draft(who):
    application = ApplicationFactory(complete=True)
    user = {
        "partner-of-another-organisation": PartnerUserFactory,
        "staff": StaffFactory,
        "nobody-in-particular": UserFactory,
    }[who]()

    with pytest.raises(ApplicationError) as refusal:
        application_save(
            application=application,
            user=user,
            fields={"title": "Hijacked"},
            budget_lines=[BudgetLineInput("staff", Decimal("1.00"))],
        )

    assert refusal.value.message == "Only the applying organisation and co-applicants who may edit change the draft."
    assert Application.objects.get(pk=application.pk).title == TITLE
    assert list(BudgetLine.objects.values_list("amount", flat=True)) == [Decimal("80000.00")]


def test_another_partner_of_the_same_organisation_saves_the_draft_too():
    application = ApplicationFactory()
    colleague = PartnerUserFactory(organisation=application.organisation)

    application_save(application=application, user=colleague, fields={"title": "Our joint proposal"})

    assert Application.objects.get(pk=application.pk).title == "Our joint proposal"


# Attachments


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        pytest.param("budget.pdf", minimal_pdf(), "application/pdf", id="pdf"),
        pytest.param("site-map.png", minimal_png(), "image/png", id="png"),
        pytest.param(
            "budget.xlsx",
            xlsx_workbook(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            id="xlsx",
        ),
        pytest.param(
            "letter-of-support.docx",
            docx_document(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            id="docx",
        ),
    ],
)
def test_a_pdf_png_xlsx_or_docx_is_kept_with_its_type_read_from_its_content(media, name, content, mime):
    application = ApplicationFactory()
    question = CallQuestionFactory(call=application.call, kind=QuestionKind.FILE)

    attachment = attachment_add(
        application=application, user=application.created_by, upload=upload(name, content), question=question
    )

    stored = Attachment.objects.get()
    assert stored == attachment
    assert (stored.application, stored.question, stored.uploaded_by) == (
        application,
        question,
        application.created_by,
    )
    assert (stored.original_name, stored.content_type, stored.size) == (name, mime, len(content))
    assert stored_files(media) == [f"applications/{application.pk}/20300415120000-{name}"]
    assert (media / stored.file.name).read_bytes() == content


def test_the_sample_files_are_what_they_claim_to_be():
    from PIL import Image

    assert len(pypdf.PdfReader(io.BytesIO(minimal_pdf()), strict=True).pages) == 1
    image = Image.open(io.BytesIO(minimal_png()))
    image.verify()
    assert (image.format, image.size) == ("PNG", (1, 1))
    assert openpyxl.load_workbook(io.BytesIO(xlsx_workbook())).active["A2"].value == "Staff"
    assert zipfile.ZipFile(io.BytesIO(docx_document())).testzip() is None


@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param("budget.pdf", WINDOWS_EXE, id="windows-exe-renamed-pdf"),
        pytest.param("letter.docx", plain_zip(), id="zip-renamed-docx"),
        pytest.param("notes.pdf", b"Just some text, no PDF at all.", id="text-renamed-pdf"),
    ],
)
def test_a_file_that_is_not_of_an_accepted_type_is_refused_whatever_its_name(media, name, content):
    application = ApplicationFactory()

    with pytest.raises(ApplicationError) as refusal:
        attachment_add(application=application, user=application.created_by, upload=upload(name, content))

    assert refusal.value.message == f"{name} is not a PDF, XLSX, DOCX, PNG or JPEG file."
    assert refusal.value.field == "file"
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_a_file_over_the_size_limit_is_refused_before_it_is_stored(media, settings):
    settings.UPLOAD_MAX_BYTES = 1_000_000
    application = ApplicationFactory()
    too_big = minimal_pdf() + b"%" + b" " * 1_200_000

    with pytest.raises(ApplicationError) as refusal:
        attachment_add(application=application, user=application.created_by, upload=upload("annexes.pdf", too_big))

    assert refusal.value.message == "annexes.pdf is 1.2 MB; files may be up to 1 MB."
    assert refusal.value.field == "file"
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_a_file_of_exactly_the_size_limit_is_accepted(media, settings):
    content = minimal_pdf()
    settings.UPLOAD_MAX_BYTES = len(content)
    application = ApplicationFactory()

    attachment_add(application=application, user=application.created_by, upload=upload("budget.pdf", content))

    assert Attachment.objects.get().size == len(content)


@pytest.mark.parametrize("who", ["partner-of-another-organisation", "staff"])
def test_files_are_added_only_by_the_applying_organisation(media, who):
    application = ApplicationFactory()
    user = PartnerUserFactory() if who != "staff" else StaffFactory()

    with pytest.raises(ApplicationError) as refusal:
        attachment_add(application=application, user=user, upload=upload("budget.pdf", minimal_pdf()))

    assert refusal.value.message == "Files are added to a draft by the applying organisation."
    assert refusal.value.field == "file"
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_files_are_no_longer_added_once_the_application_is_submitted(media):
    application = ApplicationFactory(complete=True, status=S.SUBMITTED)

    with pytest.raises(ApplicationError) as refusal:
        attachment_add(application=application, user=application.created_by, upload=upload("late.pdf", minimal_pdf()))

    assert refusal.value.message == "Files are added to a draft by the applying organisation."
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


# Submitting


def test_a_complete_application_is_submitted_logged_and_announced(django_capture_on_commit_callbacks):
    organisation = OrganisationFactory()
    application = ApplicationFactory(complete=True, organisation=organisation, created_by__email="lead@sdk.org")
    PartnerUserFactory(organisation=organisation, email="finance@sdk.org")
    OrganisationRoleFactory(organisation=organisation, role=Role.DONOR, user__email="donor@sdk.org")
    PartnerUserFactory(email="someone@elsewhere.org")
    StaffFactory(email="grants@secretariat.org")
    StaffFactory(email="director@secretariat.org")
    StaffFactory(email="former@secretariat.org", is_active=False)
    number = CallQuestionFactory(call=application.call, kind=QuestionKind.NUMBER)
    choice = CallQuestionFactory(call=application.call, kind=QuestionKind.CHOICE, choices="Small\nMedium\nLarge")
    date = CallQuestionFactory(call=application.call, kind=QuestionKind.DATE)
    optional = CallQuestionFactory(call=application.call, required=False)
    application_save(
        application=application,
        user=application.created_by,
        fields={},
        budget_lines=[BudgetLineInput("staff", Decimal("80000.00"))],
        answers={number.pk: "12.5", choice.pk: "Medium", date.pk: "2030-09-01"},
    )

    with django_capture_on_commit_callbacks(execute=True):
        submitted = application_submit(application=application, user=application.created_by)

    saved = Application.objects.get(pk=application.pk)
    assert (submitted.status, saved.status, saved.submitted_at) == (S.SUBMITTED, S.SUBMITTED, TODAY)
    assert steps(saved) == [(S.DRAFT, S.SUBMITTED, application.created_by.pk, "")]
    assert optional.pk not in dict(saved.answers.values_list("question", "value"))
    call = application.call.title
    assert sent() == [
        (f"New application to {call}", ["director@secretariat.org"]),
        (f"New application to {call}", ["grants@secretariat.org"]),
        (f"We received your application: {TITLE}", ["finance@sdk.org"]),
        (f"We received your application: {TITLE}", ["lead@sdk.org"]),
    ]
    to_applicant = next(m for m in mail.outbox if m.to == ["lead@sdk.org"])
    assert f'Your application "{TITLE}" to {call} was submitted for {organisation.name}.' in to_applicant.body


def test_a_submitted_application_cannot_be_submitted_again(django_capture_on_commit_callbacks):
    application = ApplicationFactory(complete=True)
    with django_capture_on_commit_callbacks(execute=True):
        application_submit(application=application, user=application.created_by)
    mail.outbox.clear()

    with pytest.raises(ApplicationError) as refusal, django_capture_on_commit_callbacks(execute=True):
        application_submit(application=application, user=application.created_by)

    assert refusal.value.message == "This application was already submitted."
    assert len(steps(application)) == 1
    assert mail.outbox == []


@pytest.mark.parametrize("who", ["partner-of-another-organisation", "staff"])
def test_only_the_applying_organisation_submits(who, django_capture_on_commit_callbacks):
    application = ApplicationFactory(complete=True)
    user = PartnerUserFactory() if who != "staff" else StaffFactory()

    with pytest.raises(ApplicationError) as refusal, django_capture_on_commit_callbacks(execute=True):
        application_submit(application=application, user=user)

    assert refusal.value.message == "Only the applying organisation submits its application."
    assert Application.objects.get(pk=application.pk).status == S.DRAFT
    assert mail.outbox == []


def assert_still_a_draft(application: Application) -> None:
    saved = Application.objects.get(pk=application.pk)
    assert (saved.status, saved.submitted_at) == (S.DRAFT, None)
    assert steps(saved) == []
    assert mail.outbox == []


def test_an_empty_draft_is_refused_with_a_message_by_each_missing_field(django_capture_on_commit_callbacks):
    application = ApplicationFactory()

    with pytest.raises(ApplicationIncomplete) as refusal, django_capture_on_commit_callbacks(execute=True):
        application_submit(application=application, user=application.created_by)

    required = ["This field is required."]
    assert refusal.value.errors == {
        "title": required,
        "summary": required,
        "countries": required,
        "start_date": required,
        "end_date": required,
        "requested_amount": required,
        "expected_results": required,
        "budget": ["Give the budget by category."],
    }
    assert refusal.value.message == "The application cannot be submitted yet: see the messages by each field."
    assert_still_a_draft(application)


def question_answered(application: Application, answer: str | None, **question) -> str:
    """Ask a question of the application's call, answer it (unless None) and return its field name."""
    asked = CallQuestionFactory(call=application.call, **question)
    if answer is not None:
        application_save(
            application=application,
            user=application.created_by,
            fields={},
            budget_lines=[BudgetLineInput("staff", application.requested_amount)],
            answers={asked.pk: answer},
        )
    return f"question_{asked.pk}"


@pytest.mark.parametrize(
    ("question", "answer", "message"),
    [
        pytest.param({"kind": QuestionKind.SHORT_TEXT}, None, "This question is required.", id="unanswered"),
        pytest.param({"kind": QuestionKind.LONG_TEXT}, "   ", "This question is required.", id="only-blanks"),
        pytest.param({"kind": QuestionKind.NUMBER}, "about a thousand", "Enter a number.", id="number-as-text"),
        pytest.param({"kind": QuestionKind.AMOUNT}, "-5", "An amount cannot be negative.", id="negative-amount"),
        pytest.param({"kind": QuestionKind.DATE}, "1 July 2030", "Enter a date as YYYY-MM-DD.", id="date-as-text"),
        pytest.param(
            {"kind": QuestionKind.CHOICE, "choices": "Small\nMedium\nLarge"},
            "Huge",
            "Choose one of the options.",
            id="choice-not-an-option",
        ),
        pytest.param({"kind": QuestionKind.FILE}, None, "Attach a file.", id="file-not-attached"),
    ],
)
def test_a_call_question_answered_wrongly_is_refused_by_that_question(
    question, answer, message, django_capture_on_commit_callbacks
):
    application = ApplicationFactory(complete=True)
    field = question_answered(application, answer, **question)
    question_answered(application, None, required=False, kind=QuestionKind.NUMBER)

    with pytest.raises(ApplicationIncomplete) as refusal, django_capture_on_commit_callbacks(execute=True):
        application_submit(application=application, user=application.created_by)

    assert refusal.value.errors == {field: [message]}
    assert_still_a_draft(application)


def test_an_optional_question_answered_wrongly_is_still_refused(django_capture_on_commit_callbacks):
    application = ApplicationFactory(complete=True)
    field = question_answered(application, "twelve", kind=QuestionKind.NUMBER, required=False)

    with pytest.raises(ApplicationIncomplete) as refusal, django_capture_on_commit_callbacks(execute=True):
        application_submit(application=application, user=application.created_by)

    assert refusal.value.errors == {field: ["Enter a number."]}
    assert_still_a_draft(application)


def test_a_file_question_is_answered_by_attaching_a_file(media):
    application = ApplicationFactory(complete=True)
    question = CallQuestionFactory(call=application.call, kind=QuestionKind.FILE)
    attachment_add(
        application=application,
        user=application.created_by,
        upload=upload("budget.pdf", minimal_pdf()),
        question=question,
    )

    application_submit(application=application, user=application.created_by)

    assert Application.objects.get(pk=application.pk).status == S.SUBMITTED


def test_submission_after_the_call_closed_is_refused_with_the_closing_time(django_capture_on_commit_callbacks):
    call = CallFactory(opens_at=OPENS, closes_at=CLOSES)
    application = ApplicationFactory(complete=True, call=call)

    with pytest.raises(ApplicationIncomplete) as refusal, django_capture_on_commit_callbacks(execute=True):
        application_submit(application=application, user=application.created_by, now=CLOSES)

    assert refusal.value.errors == {"__all__": ["The call closed on 30 Apr 2030 17:00 (UTC)."]}
    assert_still_a_draft(application)


def test_the_closing_time_is_shown_in_the_calls_time_zone(django_capture_on_commit_callbacks):
    call = CallFactory(opens_at=OPENS, closes_at=CLOSES, time_zone="Africa/Kampala")
    application = ApplicationFactory(complete=True, call=call)

    with (
        time_machine.travel(CLOSES + dt.timedelta(minutes=1), tick=False),
        pytest.raises(ApplicationIncomplete) as refusal,
        django_capture_on_commit_callbacks(execute=True),
    ):
        application_submit(application=application, user=application.created_by)

    assert refusal.value.errors == {"__all__": ["The call closed on 30 Apr 2030 20:00 (Africa/Kampala)."]}
    assert_still_a_draft(application)


def test_a_draft_started_while_open_is_refused_once_the_call_is_unpublished(django_capture_on_commit_callbacks):
    application = ApplicationFactory(complete=True, call__is_published=False)

    with pytest.raises(ApplicationIncomplete) as refusal, django_capture_on_commit_callbacks(execute=True):
        application_submit(application=application, user=application.created_by)

    assert refusal.value.errors == {"__all__": ["This call is not open for applications."]}
    assert_still_a_draft(application)


def test_an_applicant_of_an_ineligible_kind_is_refused(django_capture_on_commit_callbacks):
    call = CallFactory(
        eligible_kinds=[OrganisationKind.LOCAL_GOVERNMENT, OrganisationKind.LOCAL_GOVERNMENT_ASSOCIATION]
    )
    application = ApplicationFactory(complete=True, call=call, organisation__kind=OrganisationKind.NGO)

    with pytest.raises(ApplicationIncomplete) as refusal, django_capture_on_commit_callbacks(execute=True):
        application_submit(application=application, user=application.created_by)

    assert refusal.value.errors == {
        "__all__": ["Non-governmental organisation applicants are not eligible for this call."]
    }
    assert_still_a_draft(application)


def test_an_applicant_of_an_eligible_kind_is_accepted():
    call = CallFactory(eligible_kinds=[OrganisationKind.LOCAL_GOVERNMENT])
    application = ApplicationFactory(complete=True, call=call, organisation__kind=OrganisationKind.LOCAL_GOVERNMENT)

    application_submit(application=application, user=application.created_by)

    assert Application.objects.get(pk=application.pk).status == S.SUBMITTED


def test_a_target_country_outside_the_call_is_refused_by_name(django_capture_on_commit_callbacks):
    call = CallFactory(eligible_countries=["UG", "KE"])
    application = ApplicationFactory(complete=True, call=call, countries=["UG", "TZ", "BR"])

    with pytest.raises(ApplicationIncomplete) as refusal, django_capture_on_commit_callbacks(execute=True):
        application_submit(application=application, user=application.created_by)

    assert refusal.value.errors == {"countries": ["Not eligible for this call: Brazil, Tanzania."]}
    assert_still_a_draft(application)


def test_a_request_above_the_ceiling_is_refused_by_the_amount(django_capture_on_commit_callbacks):
    application = ApplicationFactory(complete=True, requested_amount=Decimal("100000.01"))

    with pytest.raises(ApplicationIncomplete) as refusal, django_capture_on_commit_callbacks(execute=True):
        application_submit(application=application, user=application.created_by)

    assert refusal.value.errors == {"requested_amount": [f"The ceiling per grant is {usd('100,000.00')}."]}
    assert_still_a_draft(application)


def test_a_request_of_exactly_the_ceiling_is_accepted():
    application = ApplicationFactory(complete=True, requested_amount=Decimal("100000.00"))

    application_submit(application=application, user=application.created_by)

    assert Application.objects.get(pk=application.pk).status == S.SUBMITTED


def test_budget_lines_that_do_not_add_up_to_the_request_are_refused(django_capture_on_commit_callbacks):
    application = ApplicationFactory(complete=True, budget__amount=Decimal("50000.00"))
    BudgetLineFactory(application=application, category="works", amount=Decimal("20000.00"))

    with pytest.raises(ApplicationIncomplete) as refusal, django_capture_on_commit_callbacks(execute=True):
        application_submit(application=application, user=application.created_by)

    assert refusal.value.errors == {
        "budget": [f"The budget lines add up to {usd('70,000.00')}, not the {usd('80,000.00')} requested."]
    }
    assert_still_a_draft(application)


def test_every_problem_is_reported_at_once(django_capture_on_commit_callbacks):
    call = CallFactory(eligible_countries=["UG"], opens_at=OPENS, closes_at=CLOSES)
    application = ApplicationFactory(
        complete=True, call=call, title="", countries=["KE"], requested_amount=Decimal("150000.00")
    )

    with pytest.raises(ApplicationIncomplete) as refusal, django_capture_on_commit_callbacks(execute=True):
        application_submit(application=application, user=application.created_by)

    assert refusal.value.errors == {
        "title": ["This field is required."],
        "countries": ["Not eligible for this call: Kenya."],
        "requested_amount": [f"The ceiling per grant is {usd('100,000.00')}."],
    }
    assert_still_a_draft(application)


# The workflow, step by step


def take_step(application: Application, to_status: str, user, comment: str = "") -> Application | Project:
    """Each step through the service that takes it."""
    if to_status == S.SUBMITTED:
        return application_submit(application=application, user=user)
    if to_status == S.WITHDRAWN:
        return application_withdraw(application=application, user=user, comment=comment)
    if to_status == S.SHORTLISTED:
        return concept_note_shortlist(application=application, user=user, comment=comment)
    if to_status == S.APPROVED:
        reviewed(application)
        return application_approve(
            application=application,
            user=user,
            grant_reference="CA-2030-001",
            signed_on=SIGNED_ON,
            tranches=WHOLE_GRANT,
            comment=comment,
        )
    return application_screen(application=application, user=user, to_status=to_status, comment=comment)


def withdrawal_refused(status: str) -> str:
    return f"An application that is {S(status).label.lower()} cannot be moved to withdrawn by you."


# The simplest schedule: the whole grant at signature, released by nothing else.
WHOLE_GRANT = [TrancheSpec(SIGNED_ON, percentage=Decimal(100))]

STAFF_ONLY = "Only the secretariat screens, reviews and rejects applications."
APPLICANT_SUBMITS = "Only the applying organisation submits its application."
APPROVAL_REFUSED = "Only an application in review is approved, by the secretariat."

# Every step of the table, with what the wrong actor (and a stranger) is told.
TABLE = [
    (S.DRAFT, S.SUBMITTED, Actor.APPLICANT, APPLICANT_SUBMITS),
    (S.DRAFT, S.WITHDRAWN, Actor.APPLICANT, withdrawal_refused(S.DRAFT)),
    (S.SUBMITTED, S.WITHDRAWN, Actor.APPLICANT, withdrawal_refused(S.SUBMITTED)),
    (S.SCREENING, S.WITHDRAWN, Actor.APPLICANT, withdrawal_refused(S.SCREENING)),
    (S.IN_REVIEW, S.WITHDRAWN, Actor.APPLICANT, withdrawal_refused(S.IN_REVIEW)),
    (S.SUBMITTED, S.SCREENING, Actor.STAFF, STAFF_ONLY),
    (S.SCREENING, S.IN_REVIEW, Actor.STAFF, STAFF_ONLY),
    (S.SCREENING, S.REJECTED, Actor.STAFF, STAFF_ONLY),
    (S.IN_REVIEW, S.SHORTLISTED, Actor.STAFF, "Only the grants committee shortlists concept notes."),
    (S.IN_REVIEW, S.APPROVED, Actor.STAFF, APPROVAL_REFUSED),
    (S.IN_REVIEW, S.REJECTED, Actor.STAFF, "Only the grants committee rejects an application in review."),
]


def test_the_cases_below_cover_every_step_of_the_workflow():
    assert {(frm, to): actor for frm, to, actor, _message in TABLE} == TRANSITIONS


@pytest.mark.parametrize(
    ("from_status", "to_status", "actor", "refusal_message"),
    [pytest.param(*case, id=f"{case[0]}-to-{case[1]}") for case in TABLE],
)
def test_each_step_is_taken_by_its_actor_only(from_status, to_status, actor, refusal_message):
    # Only a concept note of a two-stage call is shortlisted.
    concept_note = {"call": CallFactory(two_stage=True), "stage": CallStage.CONCEPT_NOTE}
    application = ApplicationFactory(
        complete=True, status=from_status, **(concept_note if to_status == S.SHORTLISTED else {})
    )
    staff = StaffFactory()
    right, wrong = (application.created_by, staff) if actor == Actor.APPLICANT else (staff, application.created_by)
    other = Actor.STAFF if actor == Actor.APPLICANT else Actor.APPLICANT
    assert is_allowed(application, to_status, actor)
    assert not is_allowed(application, to_status, other)

    for user in (wrong, PartnerUserFactory(), UserFactory()):
        with pytest.raises(ApplicationError) as refusal:
            take_step(application, to_status, user)
        assert refusal.value.message == refusal_message
    assert Application.objects.get(pk=application.pk).status == from_status
    assert steps(application) == []

    take_step(application, to_status, right, comment="As agreed")

    assert Application.objects.get(pk=application.pk).status == to_status
    assert steps(application) == [(from_status, to_status, right.pk, "" if to_status == S.SUBMITTED else "As agreed")]


def moved_by_you(frm: str, to: str) -> str:
    return f"An application that is {S(frm).label.lower()} cannot be moved to {S(to).label.lower()} by you."


# A sample of steps that are not in the table, with who tries them and what they are told.
OFF_THE_TABLE = [
    (S.DRAFT, S.SCREENING, Actor.STAFF, moved_by_you(S.DRAFT, S.SCREENING)),
    (S.DRAFT, S.IN_REVIEW, Actor.STAFF, moved_by_you(S.DRAFT, S.IN_REVIEW)),
    (S.DRAFT, S.REJECTED, Actor.STAFF, moved_by_you(S.DRAFT, S.REJECTED)),
    (S.DRAFT, S.APPROVED, Actor.STAFF, APPROVAL_REFUSED),
    (S.SUBMITTED, S.IN_REVIEW, Actor.STAFF, moved_by_you(S.SUBMITTED, S.IN_REVIEW)),
    (S.SUBMITTED, S.REJECTED, Actor.STAFF, moved_by_you(S.SUBMITTED, S.REJECTED)),
    (S.SUBMITTED, S.APPROVED, Actor.STAFF, APPROVAL_REFUSED),
    (S.SCREENING, S.APPROVED, Actor.STAFF, APPROVAL_REFUSED),
    (S.IN_REVIEW, S.SCREENING, Actor.STAFF, moved_by_you(S.IN_REVIEW, S.SCREENING)),
    (S.APPROVED, S.REJECTED, Actor.STAFF, moved_by_you(S.APPROVED, S.REJECTED)),
    (S.APPROVED, S.APPROVED, Actor.STAFF, APPROVAL_REFUSED),
    (S.REJECTED, S.IN_REVIEW, Actor.STAFF, moved_by_you(S.REJECTED, S.IN_REVIEW)),
    (S.REJECTED, S.APPROVED, Actor.STAFF, APPROVAL_REFUSED),
    (S.WITHDRAWN, S.SCREENING, Actor.STAFF, moved_by_you(S.WITHDRAWN, S.SCREENING)),
    (S.APPROVED, S.WITHDRAWN, Actor.APPLICANT, withdrawal_refused(S.APPROVED)),
    (S.REJECTED, S.WITHDRAWN, Actor.APPLICANT, withdrawal_refused(S.REJECTED)),
    (S.WITHDRAWN, S.WITHDRAWN, Actor.APPLICANT, withdrawal_refused(S.WITHDRAWN)),
    (S.WITHDRAWN, S.SUBMITTED, Actor.APPLICANT, "This application was already submitted."),
    (S.REJECTED, S.SUBMITTED, Actor.APPLICANT, "This application was already submitted."),
]


@pytest.mark.parametrize(
    ("from_status", "to_status", "actor", "message"),
    [pytest.param(*case, id=f"{case[0]}-to-{case[1]}-by-{case[2]}") for case in OFF_THE_TABLE],
)
def test_a_step_not_in_the_table_is_refused_to_everyone(from_status, to_status, actor, message):
    application = ApplicationFactory(complete=True, status=from_status)
    user = application.created_by if actor == Actor.APPLICANT else StaffFactory()
    assert (from_status, to_status) not in TRANSITIONS
    assert not is_allowed(application, to_status, Actor.APPLICANT)
    assert not is_allowed(application, to_status, Actor.STAFF)

    with pytest.raises(ApplicationError) as refusal:
        take_step(application, to_status, user)

    assert refusal.value.message == message
    saved = Application.objects.get(pk=application.pk)
    assert (saved.status, saved.decided_at, saved.project) == (from_status, None, None)
    assert steps(application) == []
    assert not Project.objects.exists()


def test_an_applicant_cannot_skip_the_submission_checks_through_the_screening_step():
    application = ApplicationFactory()

    with pytest.raises(ApplicationError) as refusal:
        application_screen(application=application, user=application.created_by, to_status=S.SUBMITTED)

    assert refusal.value.message == STAFF_ONLY
    assert (Application.objects.get(pk=application.pk).status, steps(application)) == (S.DRAFT, [])


@pytest.mark.parametrize("to_status", [S.APPROVED, S.WITHDRAWN])
def test_the_screening_step_neither_approves_nor_withdraws(to_status):
    application = ApplicationFactory(complete=True, status=S.IN_REVIEW)

    with pytest.raises(ApplicationError) as refusal:
        application_screen(application=application, user=StaffFactory(), to_status=to_status)

    assert refusal.value.message == "Approve or shortlist with their own step; only the applicant withdraws."
    assert (Application.objects.get(pk=application.pk).status, steps(application)) == (S.IN_REVIEW, [])


@pytest.mark.parametrize("status", [S.DRAFT, S.SUBMITTED, S.SCREENING, S.IN_REVIEW])
def test_the_applicant_withdraws_before_a_decision(status, django_capture_on_commit_callbacks):
    application = ApplicationFactory(complete=True, status=status)

    with django_capture_on_commit_callbacks(execute=True):
        application_withdraw(application=application, user=application.created_by, comment="Funded elsewhere")

    saved = Application.objects.get(pk=application.pk)
    assert (saved.status, saved.decided_at) == (S.WITHDRAWN, TODAY)
    assert steps(saved) == [(status, S.WITHDRAWN, application.created_by.pk, "Funded elsewhere")]
    assert mail.outbox == []


@pytest.mark.parametrize("status", [S.APPROVED, S.REJECTED])
def test_a_decided_application_can_no_longer_be_withdrawn(status):
    application = ApplicationFactory(complete=True, status=status)

    with pytest.raises(ApplicationError) as refusal:
        application_withdraw(application=application, user=application.created_by)

    assert refusal.value.message == withdrawal_refused(status)
    saved = Application.objects.get(pk=application.pk)
    assert (saved.status, saved.decided_at, steps(saved)) == (status, None, [])


def test_staff_screen_review_and_reject_and_the_applicant_is_told(django_capture_on_commit_callbacks):
    application = ApplicationFactory(complete=True, status=S.SUBMITTED, created_by__email="lead@sdk.org")
    staff = StaffFactory()

    with django_capture_on_commit_callbacks(execute=True):
        application_screen(application=application, user=staff, to_status=S.SCREENING)
        application_screen(application=application, user=staff, to_status=S.IN_REVIEW, comment="Eligible")
    assert mail.outbox == []
    assert Application.objects.get(pk=application.pk).decided_at is None

    with django_capture_on_commit_callbacks(execute=True):
        application_screen(application=application, user=staff, to_status=S.REJECTED, comment="Scored 2.1 of 5")

    saved = Application.objects.get(pk=application.pk)
    assert (saved.status, saved.decided_at, saved.project) == (S.REJECTED, TODAY, None)
    assert steps(saved) == [
        (S.SUBMITTED, S.SCREENING, staff.pk, ""),
        (S.SCREENING, S.IN_REVIEW, staff.pk, "Eligible"),
        (S.IN_REVIEW, S.REJECTED, staff.pk, "Scored 2.1 of 5"),
    ]
    assert sent() == [(f"Decision on your application: {TITLE}", ["lead@sdk.org"])]
    assert f'Your application "{TITLE}" was not selected this time.' in mail.outbox[0].body


# Approval


def test_approval_turns_the_application_into_a_funded_project(django_capture_on_commit_callbacks):
    themes = [ThemeFactory(name="Cities and migration"), ThemeFactory(name="Gender equality")]
    call = CallFactory(themes=themes, currency="USD")
    ThemeFactory(name="Not this call's")
    application = ApplicationFactory(
        complete=True,
        call=call,
        status=S.IN_REVIEW,
        countries=["UG", "KE", "TZ"],
        requested_amount=Decimal("90000.00"),
        co_financing=Decimal("25000.00"),
        created_by__email="lead@sdk.org",
    )
    cities = [CityFactory(name="Kampala", country="UG"), CityFactory(name="Mombasa", country="KE")]
    application.cities.set(cities)
    reviewed(application)
    accountable = OrganisationFactory(name="UN-Habitat")
    staff = StaffFactory()
    tranches = [
        TrancheSpec(dt.date(2031, 1, 15), Decimal("30000.00"), "Inception report", kind=ReleaseCondition.REPORT),
        TrancheSpec(SIGNED_ON, Decimal("60000.00")),
    ]

    with django_capture_on_commit_callbacks(execute=True):
        project = application_approve(
            application=application,
            user=staff,
            grant_reference="CA-2030-001",
            signed_on=SIGNED_ON,
            tranches=tranches,
            start_date=dt.date(2030, 7, 1),
            end_date=dt.date(2032, 6, 30),
            comment="Ranked first",
            accountable=accountable,
        )

    project = Project.objects.get()
    assert (project.code, project.title, project.summary) == ("CA-2030-001", TITLE, application.summary)
    assert (project.facility, project.status, project.currency) == (call.facility, ProjectStatus.IMPLEMENTATION, "USD")
    assert (project.start_date, project.end_date) == (dt.date(2030, 7, 1), dt.date(2032, 6, 30))
    assert (project.is_public, project.published_at) == (False, None)
    assert (project.approved_budget, project.co_financing) == (Decimal("90000.00"), Decimal("25000.00"))
    assert set(project.themes.all()) == set(themes)
    assert set(project.cities.all()) == set(cities)
    shares = dict(ProjectCountry.objects.filter(project=project).values_list("country", "percentage"))
    assert shares == {"KE": Decimal("33.33"), "TZ": Decimal("33.33"), "UG": Decimal("33.34")}
    assert sum(shares.values()) == 100
    assert set(ProjectPartner.objects.values_list("organisation", "role")) == {
        (application.organisation.pk, PartnerRole.IMPLEMENTING),
        (accountable.pk, PartnerRole.ACCOUNTABLE),
    }
    agreement = GrantAgreement.objects.get()
    assert (agreement.project, agreement.reference, agreement.grantee) == (
        project,
        "GA-CA-2030-001",
        application.organisation,
    )
    assert (agreement.signed_on, agreement.amount, agreement.currency) == (SIGNED_ON, Decimal("90000.00"), "USD")
    assert list(Tranche.objects.values_list("number", "planned_date", "amount", "condition_kind", "condition")) == [
        (1, SIGNED_ON, Decimal("60000.00"), ReleaseCondition.NONE, ""),
        (2, dt.date(2031, 1, 15), Decimal("30000.00"), ReleaseCondition.REPORT, "Inception report"),
    ]
    commitment = Transaction.objects.get()
    assert (commitment.kind, commitment.amount, commitment.value_date) == (
        TransactionKind.COMMITMENT,
        Decimal("90000.00"),
        SIGNED_ON,
    )
    assert (commitment.provider, commitment.receiver, commitment.recorded_by) == (
        accountable,
        application.organisation,
        staff,
    )
    assert project.committed_total == Decimal("90000.00")
    saved = Application.objects.get(pk=application.pk)
    assert (saved.status, saved.project, saved.decided_at) == (S.APPROVED, project, TODAY)
    assert steps(saved) == [(S.IN_REVIEW, S.APPROVED, staff.pk, "Ranked first")]
    assert sent() == [(f"Decision on your application: {TITLE}", ["lead@sdk.org"])]
    assert f'Your application "{TITLE}" is approved. Its project is CA-2030-001;' in mail.outbox[0].body


def test_the_whole_grant_as_one_tranche_on_signature_is_a_schedule_staff_choose():
    application = reviewed(ApplicationFactory(complete=True, status=S.IN_REVIEW))

    project = application_approve(
        application=application,
        user=StaffFactory(),
        grant_reference="CA-2030-002",
        signed_on=SIGNED_ON,
        tranches=WHOLE_GRANT,
    )

    assert list(Tranche.objects.values_list("agreement__project", "number", "planned_date", "amount")) == [
        (project.pk, 1, SIGNED_ON, Decimal("80000.00"))
    ]
    assert list(ProjectCountry.objects.values_list("country", "percentage")) == [("UG", Decimal("100.00"))]
    assert list(ProjectPartner.objects.values_list("organisation", "role")) == [
        (application.organisation.pk, PartnerRole.IMPLEMENTING)
    ]


@pytest.mark.parametrize("who", ["applicant", "partner-of-another-organisation"])
def test_only_staff_approve(who):
    application = ApplicationFactory(complete=True, status=S.IN_REVIEW)
    user = application.created_by if who == "applicant" else PartnerUserFactory()

    with pytest.raises(ApplicationError) as refusal:
        application_approve(
            application=application,
            user=user,
            grant_reference="CA-2030-001",
            signed_on=SIGNED_ON,
            tranches=WHOLE_GRANT,
        )

    assert refusal.value.message == APPROVAL_REFUSED
    assert (Application.objects.get(pk=application.pk).status, Project.objects.exists()) == (S.IN_REVIEW, False)


def _duplicate_project_code() -> dict:
    ProjectFactory(code="CA-2030-001")
    return {}


def _duplicate_agreement_reference() -> dict:
    GrantAgreementFactory(reference="GA-CA-2030-001")
    return {}


def _tranches_short_of_the_grant() -> dict:
    return {"tranches": [TrancheSpec(SIGNED_ON, Decimal("50000.00")), TrancheSpec(dt.date(2031, 1, 1), Decimal("1"))]}


def _signed_in_a_closed_period() -> dict:
    AccountingPeriodFactory(
        name="FY2030", start_date=dt.date(2030, 1, 1), end_date=dt.date(2030, 12, 31), closed_at=TODAY
    )
    return {}


@pytest.mark.parametrize(
    ("arrange", "error", "message", "field"),
    [
        pytest.param(
            _duplicate_project_code,
            ApplicationError,
            "Project with this Code already exists.",
            "grant_reference",
            id="project-code-taken",
        ),
        pytest.param(
            _duplicate_agreement_reference,
            LedgerError,
            "Grant agreement with this Agreement reference already exists.",
            "reference",
            id="agreement-reference-taken",
        ),
        pytest.param(
            _tranches_short_of_the_grant,
            LedgerError,
            f"The tranches add up to {usd('50,001.00')} but the agreement commits {usd('80,000.00')}.",
            "tranches",
            id="tranches-do-not-add-up",
        ),
        pytest.param(
            _signed_in_a_closed_period,
            LedgerError,
            "The accounting period FY2030 is closed: nothing dated 2030-06-01 can be recorded.",
            "value_date",
            id="signed-in-a-closed-period",
        ),
    ],
)
def test_a_refused_approval_leaves_nothing_behind(arrange, error, message, field, django_capture_on_commit_callbacks):
    application = reviewed(ApplicationFactory(complete=True, status=S.IN_REVIEW, countries=["UG", "KE"]))
    application.cities.set([CityFactory(name="Kampala", country="UG")])
    options = {"tranches": WHOLE_GRANT, **arrange()}
    projects = set(Project.objects.values_list("pk", flat=True))
    agreements = set(GrantAgreement.objects.values_list("pk", flat=True))
    ledger = Transaction.objects.count()

    with pytest.raises(error) as refusal, django_capture_on_commit_callbacks(execute=True):
        application_approve(
            application=application,
            user=StaffFactory(),
            grant_reference="CA-2030-001",
            signed_on=SIGNED_ON,
            **options,
        )

    assert (refusal.value.message, refusal.value.field) == (message, field)
    assert set(Project.objects.values_list("pk", flat=True)) == projects
    assert set(GrantAgreement.objects.values_list("pk", flat=True)) == agreements
    assert Transaction.objects.count() == ledger
    assert not ProjectCountry.objects.exclude(project__in=projects).exists()
    assert not ProjectPartner.objects.exclude(project__in=projects).exists()
    assert not Project.cities.through.objects.exclude(project__in=projects).exists()
    saved = Application.objects.get(pk=application.pk)
    assert (saved.status, saved.project, saved.decided_at) == (S.IN_REVIEW, None, None)
    assert steps(saved) == []
    assert mail.outbox == []


def test_with_several_target_countries_each_city_names_its_country():
    application = ApplicationFactory(countries=["UG", "KE"])
    partner = application.created_by

    with pytest.raises(ApplicationIncomplete) as refusal:
        application_save(application=application, user=partner, fields={}, city_names=["Jinja"])
    assert refusal.value.errors == {"city_names": ["Say which target country Jinja is in, for example Jinja (KE)."]}

    application_save(application=application, user=partner, fields={}, city_names=["Jinja (ug)", "Kisumu (KE)"])
    assert sorted(application.cities.values_list("name", "country")) == [("Jinja", "UG"), ("Kisumu", "KE")]
