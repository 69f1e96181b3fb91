"""The grant agreement document: texts staff write (refused when they would not render), the PDF in English and
French as a reader sees it, each side's signatures, the signed copy, who may read it, and the rule that nothing is
disbursed before both sides signed, at every door."""

from __future__ import annotations

import datetime as dt
import importlib
import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from rest_framework.test import APIClient

from common.pdf import refuse_fetch
from grants import services
from grants.agreement_pdf import agreement_html, agreement_pdf
from grants.agreement_texts import default_agreement_texts_ensure
from grants.models import (
    AgreementStatus,
    AgreementTemplate,
    GrantAgreement,
    PartnerRole,
    Project,
    SignatorySide,
    Transaction,
    TransactionKind,
)
from grants.reference import load_reference_data
from members.models import BankAccount
from members.roles import FINANCE_OFFICER, GRANTS_COMMITTEE, PROGRAMME_OFFICER
from opendata import iati
from opendata.importer import import_activities
from results.models import ReportKind
from results.reference import load_framework
from tests.admin_imports import preview
from tests.factories import (
    BankAccountFactory,
    GrantAgreementFactory,
    OrganisationFactory,
    PartnerUserFactory,
    ProjectCountryFactory,
    ProjectFactory,
    ReportingPeriodFactory,
    StaffFactory,
    StaffWithoutPermissionsFactory,
    staff_in_role,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _shipped_texts():
    """The texts the data migration seeds, put back where a browser test's flush took them."""
    default_agreement_texts_ensure()


MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def pdf_text(content: bytes) -> str:
    """What a reader sees: the text of every page, its runs of white space made single spaces."""
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())


@pytest.fixture
def agreement() -> GrantAgreement:
    """A USD grant of 100,000.50 in two tranches, the second released by a report, awaiting both signatures."""
    grantee = OrganisationFactory(name="Municipal Council of Jinja", country="UG", registration_number="MCJ-42")
    project = ProjectFactory(
        code="CUF-UGA-2019",
        title="Jinja settlement upgrading",
        start_date=dt.date(2019, 1, 1),
        end_date=dt.date(2020, 12, 31),
    )
    ProjectCountryFactory(project=project, country="UG")
    ReportingPeriodFactory(project=project, kind=ReportKind.FINANCIAL, is_final=True)
    return GrantAgreementFactory(
        project=project,
        grantee=grantee,
        reference="GA-CUF-UGA-2019",
        amount=Decimal("100000.50"),
        signed=False,
        tranches=[
            services.TrancheSpec(dt.date(2019, 3, 1), Decimal("60000.00")),
            services.TrancheSpec(dt.date(2020, 3, 1), Decimal("40000.50"), "Inception report", kind="report"),
        ],
    )


def sign(agreement: GrantAgreement, side: str, name: str = "Grace Nakato", on=dt.date(2019, 2, 10)):
    return services.agreement_signature_record(
        agreement=agreement, side=side, name=name, title="Mayor", signed_on=on, recorded_by=None
    )


def signed(agreement: GrantAgreement) -> GrantAgreement:
    sign(agreement, SignatorySide.PARTNER)
    sign(agreement, SignatorySide.SECRETARIAT, name="Helena Marsh")
    agreement.refresh_from_db()
    return agreement


def grantee_partner(agreement: GrantAgreement):
    return PartnerUserFactory(organisation=agreement.grantee)


# -- Texts staff write -------------------------------------------------------------------------------------------


def test_the_default_texts_in_english_and_french_come_with_the_database_or_the_reference_data():
    defaults = dict(AgreementTemplate.objects.filter(is_default=True).values_list("language", "name"))
    assert set(defaults) == {"en", "fr"}


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("Dear {{ grantee.nickname }}", "Unknown placeholder: grantee.nickname"),
        ("{{ secret_key }}", "Unknown placeholder: secret_key"),
        ("{% for t in tranches %}{{ t.password }}{% endfor %}", "Unknown placeholder: t.password"),
        ("{% if bank.pin %}x{% endif %}", "Unknown placeholder: bank.pin"),
        ("{% if grantee.name %}unclosed", "does not compile"),
        ("{% debug %}", "does not compile"),
        ('{% include "base.html" %}', "does not compile"),
        ("{% load static %}", "does not compile"),
        ("{{ grantee.name|safe }}", "does not compile"),
        ("{% autoescape off %}{{ grantee.name }}{% endautoescape %}", "does not compile"),
    ],
)
def test_a_text_that_would_not_render_safely_is_refused_on_save(body, said):
    template = AgreementTemplate(name="Short form", language="en", body=body)

    with pytest.raises(ValidationError) as refusal:
        template.save()

    assert said in " ".join(refusal.value.messages)
    assert not AgreementTemplate.objects.filter(name="Short form").exists()


def test_the_admin_refuses_an_unknown_placeholder_in_words_and_lists_the_placeholders(client):
    client.force_login(staff_in_role(GRANTS_COMMITTEE))
    url = reverse("admin:grants_agreementtemplate_add")

    page = client.get(url).content.decode()
    refused = client.post(url, {"name": "Short", "language": "en", "body": "{{ grantee.iban }}"})

    assert "signatories_secretariat" in page and "amount (figures, words, currency" in page
    assert refused.status_code == 200
    assert "Unknown placeholder: grantee.iban" in refused.content.decode()
    assert not AgreementTemplate.objects.filter(name="Short").exists()


def test_only_one_default_text_per_language():
    english = AgreementTemplate.objects.get(language="en", is_default=True)
    other = AgreementTemplate(name="Other", language="en", body="{{ agreement.reference }}", is_default=True)

    with pytest.raises(ValidationError, match="one default template"):
        other.full_clean()
    assert english.is_default


# -- The document as a reader sees it ----------------------------------------------------------------------------


def test_the_english_document_shows_parties_amounts_tranches_reports_bank_details_and_signatories(agreement):
    account = BankAccountFactory(organisation=agreement.grantee, currency="USD")
    BankAccount.objects.filter(pk=account.pk).update(verified_at=timezone.now())
    signed(agreement)

    text = pdf_text(agreement_pdf(agreement, "en"))

    assert "Grant agreement" in text and "Reference GA-CUF-UGA-2019" in text
    assert "Municipal Council of Jinja, Uganda, registration number MCJ-42" in text
    assert "USD 100,000.50" in text
    assert "one hundred thousand US dollars and 50/100" in text
    assert "1 USD 60,000.00" in text.replace("1 Mar 2019 ", "") or "USD 60,000.00" in text
    assert "A report approved: Inception report" in text
    assert "Financial report (final)" in text
    assert "IBAN CH9300762011623852957" in text and "BIC (SWIFT) BCGECHGGXXX" in text
    assert "Grace Nakato, Mayor Signed on 10 Feb 2019" in text
    assert "Helena Marsh, Mayor" in text
    assert "No payment is made before both parties have signed this agreement." in text


def test_the_french_document_writes_figures_words_dates_and_labels_in_french(agreement):
    text = pdf_text(agreement_pdf(agreement, "fr"))

    assert "Accord de subvention" in text
    assert "USD 100 000,50" in text or "USD 100\u202f000,50" in text
    assert "cent mille dollars des États-Unis et 50/100" in text
    assert "1 mars 2019" in text
    assert "Approbation d'un rapport : Inception report" in text.replace("\u00a0", " ")
    assert "Rapport financier (final)" in text
    assert "À confirmer" in text  # no verified bank account
    assert "Nom et fonction" in text  # blank signature blocks


def test_an_unverified_account_is_not_named_and_reads_to_be_confirmed(agreement):
    BankAccountFactory(organisation=agreement.grantee)

    text = pdf_text(agreement_pdf(agreement, "en"))

    assert "To be confirmed" in text and "CH9300762011623852957" not in text


def test_a_signatory_name_with_a_control_character_is_refused_in_words(agreement):
    with pytest.raises(services.AgreementError, match="Remove the invisible control character U\\+0007"):
        sign(agreement, SignatorySide.PARTNER, name="Grace\u0007Nakato")

    assert not agreement.signatories.exists()


def test_markup_in_names_stays_text_in_the_document(agreement):
    Project.objects.filter(pk=agreement.project_id).update(title='<script>alert("x")</script> Upgrading')
    agreement.grantee.name = "<b>Bold</b> & Co"
    agreement.grantee.save()
    sign(agreement, SignatorySide.PARTNER, name="<img src=x onerror=alert(1)>Okello")
    agreement = GrantAgreement.objects.get(pk=agreement.pk)

    html = agreement_html(agreement, "en")
    text = pdf_text(agreement_pdf(agreement, "en"))

    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>Bold</b>" not in html and "&lt;b&gt;Bold&lt;/b&gt; &amp; Co" in html
    assert "<img src=x" not in html
    assert "<b>Bold</b> & Co" in text and '<script>alert("x")</script> Upgrading' in text


def test_the_document_fetches_nothing_from_outside(agreement, caplog):
    template = AgreementTemplate.objects.get(language="en", is_default=True)
    template.body = (
        '<img src="http://example.org/track.png"><img src="file:///etc/passwd"><p>{{ agreement.reference }}</p>'
    )
    template.save()

    text = pdf_text(agreement_pdf(agreement, "en"))

    assert "GA-CUF-UGA-2019" in text
    refused = [record.getMessage() for record in caplog.records if "fetches no resource" in record.getMessage()]
    assert any("http://example.org/track.png" in message for message in refused)
    assert any("file:///etc/passwd" in message for message in refused)
    with pytest.raises(ValueError, match="fetches no resource"):
        refuse_fetch("http://example.org/track.png")


# -- Signatures and the signed copy ------------------------------------------------------------------------------


def test_the_agreement_is_signed_once_both_sides_have_signed(agreement):
    assert agreement.status == AgreementStatus.AWAITING_SIGNATURES and not agreement.is_fully_signed

    sign(agreement, SignatorySide.SECRETARIAT)
    agreement.refresh_from_db()
    assert not agreement.is_fully_signed

    sign(agreement, SignatorySide.PARTNER)
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SIGNED and agreement.is_fully_signed
    assert agreement.history.first().status == AgreementStatus.SIGNED


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"name": "  "}, "Give the signatory's name."),
        ({"side": "donor"}, "Choose the side the signatory signed for."),
        ({"signed_on": dt.date(2999, 1, 1)}, "A signature cannot be dated on a day still to come."),
    ],
)
def test_a_signature_without_a_name_side_or_past_date_is_refused_and_nothing_recorded(agreement, change, said):
    fields = {"side": "partner", "name": "Grace Nakato", "signed_on": dt.date(2019, 2, 10), **change}

    with pytest.raises(services.AgreementError, match=said):
        services.agreement_signature_record(agreement=agreement, recorded_by=None, **fields)

    assert not agreement.signatories.exists()


def test_the_signed_copy_is_a_pdf_checked_by_its_content(agreement):
    user = StaffFactory()
    with pytest.raises(services.AgreementError, match="not a PDF"):
        services.agreement_signed_copy_upload(
            agreement=agreement, upload=SimpleUploadedFile("signed.pdf", PNG), user=user
        )

    services.agreement_signed_copy_upload(
        agreement=agreement, upload=SimpleUploadedFile("scan.pdf", MINIMAL_PDF), user=user
    )

    agreement.refresh_from_db()
    assert agreement.signed_copy and agreement.signed_copy_uploaded_by == user


def test_staff_record_signatures_and_upload_the_signed_copy_in_the_admin(client, agreement):
    client.force_login(staff_in_role(GRANTS_COMMITTEE))
    signature = reverse("admin:grants_grantagreement_signature", args=[agreement.pk])

    page = client.get(reverse("admin:grants_grantagreement_change", args=[agreement.pk])).content.decode()
    refused = client.post(signature, {"side": "partner", "name": "Grace", "signed_on": "2999-01-01"})
    client.post(signature, {"side": "partner", "name": "Grace Nakato", "title": "Mayor", "signed_on": "2019-02-10"})
    done = client.post(
        signature, {"side": "secretariat", "name": "Helena Marsh", "signed_on": "2019-02-11"}, follow=True
    )
    upload = client.post(
        reverse("admin:grants_grantagreement_signed_copy", args=[agreement.pk]),
        {"file": SimpleUploadedFile("signed.pdf", MINIMAL_PDF)},
    )

    assert "Agreement document (PDF)" in page and "En français" in page and "Record a signature" in page
    assert "Nothing is paid under this agreement before both sides have signed." in page
    assert (
        refused.status_code == 400 and "A signature cannot be dated on a day still to come." in refused.content.decode()
    )
    assert "The signature of Helena Marsh is recorded. GA-CUF-UGA-2019: Signed by both sides." in done.content.decode()
    assert upload.status_code == 302
    agreement.refresh_from_db()
    assert agreement.is_fully_signed and agreement.signed_copy


# -- THE RULE: nothing is disbursed before both sides signed, through every door ---------------------------------

REFUSAL = "GA-CUF-UGA-2019 is not signed by both sides yet: waiting for the signature of the grantee."


def test_the_service_refuses_a_disbursement_before_both_sides_signed(agreement):
    sign(agreement, SignatorySide.SECRETARIAT)

    with pytest.raises(services.LedgerError) as refusal:
        services.disbursement_record(
            project=agreement.project, amount=Decimal("100.00"), value_date=dt.date(2019, 3, 2)
        )

    assert refusal.value.message == REFUSAL
    assert not Transaction.objects.filter(kind=TransactionKind.DISBURSEMENT).exists()
    signed(agreement)
    services.disbursement_record(project=agreement.project, amount=Decimal("100.00"), value_date=dt.date(2019, 3, 2))


def test_the_admin_pay_form_refuses_before_both_sides_signed(client, agreement):
    sign(agreement, SignatorySide.SECRETARIAT)
    client.force_login(staff_in_role(FINANCE_OFFICER))
    tranche = agreement.tranches.get(number=1)

    response = client.post(
        reverse("admin:grants_tranche_disburse", args=[tranche.pk]),
        {"amount": "60000.00", "value_date": "2019-03-02", "reference": "PAY-1"},
    )

    assert REFUSAL in response.content.decode()
    assert not Transaction.objects.filter(kind=TransactionKind.DISBURSEMENT).exists()


def test_the_admin_ledger_import_refuses_before_both_sides_signed(client, agreement):
    sign(agreement, SignatorySide.SECRETARIAT)
    client.force_login(StaffFactory())
    csv = (
        "type,value_date,amount,currency,project,tranche,contribution,reference\n"
        "disbursement,2019-03-02,60000.00,USD,CUF-UGA-2019,1,,PAY-1\n"
    )

    response = preview(client, Transaction, csv)

    assert REFUSAL in response.content.decode()
    assert "confirm_form" not in response.context
    assert not Transaction.objects.filter(kind=TransactionKind.DISBURSEMENT).exists()


def test_the_api_refuses_a_disbursement_before_both_sides_signed(agreement):
    sign(agreement, SignatorySide.SECRETARIAT)
    api = APIClient()
    api.force_authenticate(staff_in_role(FINANCE_OFFICER))

    response = api.post(
        "/api/v1/transactions/",
        {"kind": 3, "project": agreement.project_id, "amount": "100.00", "value_date": "2019-03-02"},
        format="json",
    )

    assert response.status_code == 400
    assert REFUSAL in str(response.json())
    assert not Transaction.objects.filter(kind=TransactionKind.DISBURSEMENT).exists()


def test_an_agreement_imported_from_our_iati_file_is_signed_by_both_sides_and_its_payments_load():
    with transaction.atomic():
        agreement = GrantAgreementFactory(
            project=ProjectFactory(code="CP-IATI-2019"), amount=Decimal("1000.00"), signed_on=dt.date(2019, 2, 1)
        )
        services.disbursement_record(
            project=agreement.project, amount=Decimal("400.00"), value_date=dt.date(2019, 3, 1), reference="PAY-1"
        )
        document = b"".join(iati.activities_xml())
        transaction.set_rollback(True)
    load_reference_data()
    load_framework()

    import_activities(document)

    imported = GrantAgreement.objects.get(project__code="CP-IATI-2019")
    assert imported.is_fully_signed
    assert set(imported.signatories.values_list("side", "name", "signed_on")) == {
        ("partner", "Signed, as the IATI commitment records", dt.date(2019, 2, 1)),
        ("secretariat", "Signed, as the IATI commitment records", dt.date(2019, 2, 1)),
    }
    assert imported.project.disbursed_total == Decimal("400.00")


# -- Who reads the document --------------------------------------------------------------------------------------


def test_the_grantee_sees_its_agreement_in_the_portal_and_downloads_both_languages(client, agreement):
    sign(agreement, SignatorySide.SECRETARIAT, name="Helena Marsh")
    client.force_login(grantee_partner(agreement))

    dashboard = client.get(reverse("grants:dashboard")).content.decode()
    page = client.get(reverse("grants:agreement", args=["CUF-UGA-2019"])).content.decode()
    english = client.get(reverse("grants:agreement-document", args=["CUF-UGA-2019", "en"]))
    french = client.get(reverse("grants:agreement-document", args=["CUF-UGA-2019", "fr"]))

    assert "GA-CUF-UGA-2019" in dashboard and "Awaiting signatures" in dashboard
    assert "Waiting for the signature of the grantee." in page
    assert "Helena Marsh, Mayor" in page and "Not signed yet." in page
    assert english["Content-Type"] == "application/pdf" and "GA-CUF-UGA-2019-en.pdf" in english["Content-Disposition"]
    assert "Grant agreement" in pdf_text(english.content)
    assert "Accord de subvention" in pdf_text(french.content)


def test_the_signed_copy_is_downloaded_by_the_grantee_once_uploaded(client, agreement):
    client.force_login(grantee_partner(agreement))
    url = reverse("grants:agreement-signed-copy", args=["CUF-UGA-2019"])
    assert client.get(url).status_code == 404

    services.agreement_signed_copy_upload(
        agreement=agreement, upload=SimpleUploadedFile("scan.pdf", MINIMAL_PDF), user=StaffFactory()
    )

    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == MINIMAL_PDF


def test_other_partners_and_other_projects_answer_404(client, agreement):
    other = PartnerUserFactory()
    # A partner of the project that is not the grantee: the document holds the grantee's bank details.
    implementing = OrganisationFactory()
    agreement.project.partners.create(organisation=implementing, role=PartnerRole.IMPLEMENTING)
    for user in (other, PartnerUserFactory(organisation=implementing)):
        client.force_login(user)
        for url in (
            reverse("grants:agreement", args=["CUF-UGA-2019"]),
            reverse("grants:agreement-document", args=["CUF-UGA-2019", "en"]),
            reverse("grants:agreement-signed-copy", args=["CUF-UGA-2019"]),
        ):
            assert client.get(url).status_code == 404, (user, url)
    client.force_login(grantee_partner(agreement))
    assert client.get(reverse("grants:agreement", args=["NOPE"])).status_code == 404
    assert client.get(reverse("grants:agreement-document", args=["CUF-UGA-2019", "de"])).status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [
        (lambda: staff_in_role(PROGRAMME_OFFICER), 200),
        (lambda: staff_in_role(FINANCE_OFFICER), 200),
        (lambda: staff_in_role(GRANTS_COMMITTEE), 200),
        (StaffWithoutPermissionsFactory, 403),
    ],
)
def test_staff_who_view_agreements_download_the_document_in_the_admin(client, agreement, who, status):
    client.force_login(who())

    response = client.get(reverse("admin:grants_grantagreement_document", args=[agreement.pk, "fr"]))

    assert response.status_code == status
    if status == 200:
        assert "Accord de subvention" in pdf_text(response.content)


def test_only_the_grants_committee_records_signatures(client, agreement):
    url = reverse("admin:grants_grantagreement_signature", args=[agreement.pk])
    for role, status in ((PROGRAMME_OFFICER, 403), (FINANCE_OFFICER, 403), (GRANTS_COMMITTEE, 200)):
        client.force_login(staff_in_role(role))
        assert client.get(url).status_code == status, role


def test_the_api_shows_signatories_and_documents_to_the_grantee_only(agreement):
    sign(agreement, SignatorySide.SECRETARIAT, name="Helena Marsh")
    url = f"/api/v1/projects/{agreement.project_id}/agreement/"
    api = APIClient()

    public = api.get(url).json()
    api.force_authenticate(grantee_partner(agreement))
    own = api.get(url).json()
    document = api.get(own["documents"]["fr"])
    api.force_authenticate(PartnerUserFactory())
    foreign = api.get(f"/api/v1/projects/{agreement.project_id}/agreement/document/?language=en")

    assert (public["status"], public["is_fully_signed"], public["signatories"], public["documents"]) == (
        "awaiting",
        False,
        [],
        None,
    )
    assert own["signatories"] == [
        {"side": "secretariat", "name": "Helena Marsh", "title": "Mayor", "signed_on": "2019-02-10"}
    ]
    assert own["documents"]["signed_copy"] is None
    assert document.status_code == 200 and document["Content-Type"] == "application/pdf"
    assert "Accord de subvention" in pdf_text(document.content)
    assert foreign.status_code == 404


def test_the_api_document_refuses_an_unknown_language(agreement):
    api = APIClient()
    api.force_authenticate(StaffFactory())

    response = api.get(f"/api/v1/projects/{agreement.project_id}/agreement/document/?language=de")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"language": ["Choose en or fr."]}


def test_the_project_record_page_offers_the_document_in_both_languages(client, agreement):
    client.force_login(staff_in_role(PROGRAMME_OFFICER))

    page = client.get(reverse("admin:grants_project_record", args=[agreement.project_id])).content.decode()

    assert reverse("admin:grants_grantagreement_document", args=[agreement.pk, "en"]) in page
    assert reverse("admin:grants_grantagreement_document", args=[agreement.pk, "fr"]) in page
    assert "Nothing is paid before both sides have signed." in page


def test_the_dashboard_lists_the_grantees_agreements_in_a_constant_number_of_queries(
    client, agreement, django_assert_max_num_queries
):
    partner = grantee_partner(agreement)
    client.force_login(partner)
    url = reverse("grants:dashboard")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for number in range(3):
        GrantAgreementFactory(grantee=agreement.grantee, reference=f"GA-MORE-{number}")

    with django_assert_max_num_queries(len(one)):
        page = client.get(url).content.decode()

    assert all(f"GA-MORE-{number}" in page for number in range(3))


def test_agreements_signed_before_signatures_were_kept_count_as_signed_by_both_sides_on_their_date(agreement):
    """The migration's data step; an agreement awaiting signatures stays so."""
    older = GrantAgreementFactory(signed=False, signed_on=dt.date(2015, 5, 4))
    GrantAgreement.objects.filter(pk=older.pk).update(status=AgreementStatus.SIGNED)
    migration = importlib.import_module("grants.migrations.0025_agreements_signed_and_default_texts")

    migration.forwards(apps, None)

    assert set(older.signatories.values_list("side", "name", "signed_on")) == {
        ("partner", "Signed before signatories were recorded", dt.date(2015, 5, 4)),
        ("secretariat", "Signed before signatories were recorded", dt.date(2015, 5, 4)),
    }
    assert not agreement.signatories.exists()
    assert AgreementTemplate.objects.filter(is_default=True).count() == 2
