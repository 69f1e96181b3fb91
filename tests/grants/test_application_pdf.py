"""A PDF of an application, for its applicant and the secretariat: what was sent, read as a reader sees it."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from grants import services
from tests.factories import (
    ApplicationFactory,
    CallQuestionFactory,
    OrganisationFactory,
    PartnerUserFactory,
    StaffFactory,
    StaffWithoutPermissionsFactory,
)

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


@pytest.fixture
def submitted():
    application = ApplicationFactory(complete=True, title="Flood maps <script>alert(1)</script>")
    question = CallQuestionFactory(call=application.call, label="Who leads it?")
    services.application_save(
        application=application,
        user=application.created_by,
        fields={},
        budget_lines=[services.BudgetLineInput("staff", application.requested_amount)],
        answers={question.pk: "The city & its NGOs"},
    )
    services.application_submit(application=application, user=application.created_by)
    return application


def test_the_applicant_downloads_what_was_sent_as_a_pdf(client, submitted):
    client.force_login(submitted.created_by)

    page = client.get(reverse("grants:application", args=[submitted.pk])).content.decode()
    assert reverse("grants:application-pdf", args=[submitted.pk]) in page
    response = client.get(reverse("grants:application-pdf", args=[submitted.pk]))

    text = text_of(response)
    assert "Flood maps <script>alert(1)</script>" in text  # typed markup is text, not markup
    assert "USD 80,000.00" in text.replace("\xa0", " ")
    assert "Who leads it?" in text and "The city & its NGOs" in text
    assert "Submitted" in text
    assert response["Content-Disposition"] == f'attachment; filename="application-{submitted.pk}.pdf"'


def test_another_organisations_partner_gets_404(client, submitted):
    client.force_login(PartnerUserFactory(organisation=OrganisationFactory()))

    assert client.get(reverse("grants:application-pdf", args=[submitted.pk])).status_code == 404


def test_staff_who_view_applications_download_it_from_the_admin_and_others_are_refused(client, submitted):
    url = reverse("admin:grants_application_pdf", args=[submitted.pk])
    client.force_login(StaffFactory(is_superuser=True))
    assert "Flood maps" in text_of(client.get(url))
    page = client.get(reverse("admin:grants_application_change", args=[submitted.pk])).content.decode()
    assert url in page

    client.force_login(StaffWithoutPermissionsFactory())
    assert client.get(url).status_code == 403
