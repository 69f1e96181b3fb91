"""Each rule of the funding side holds through every door: the admin's forms and actions, its spreadsheet
import, the API, the IATI import and its management command.

The rules live in the models (`clean()`, constraints) and the services; each test acts through one door
and checks what the user sees and that nothing changed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import tablib
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from common.admin import CheckedImportExportAdmin
from common.errors import RecordInUse
from common.resources import CheckedModelResource
from grants import services
from grants.models import (
    ApplicationStatus,
    Call,
    City,
    Contribution,
    CriterionScore,
    FundingWindow,
    Project,
    ReviewAssignment,
    Theme,
)
from grants.resources import ContributionResource, LedgerImportResource, ProjectResource
from opendata import iati
from opendata.importer import import_activities
from tests.factories import (
    ApplicationFactory,
    AssessmentCriterionFactory,
    CallFactory,
    CityFactory,
    ContributionFactory,
    FundingWindowFactory,
    GrantAgreementFactory,
    OrganisationFactory,
    ProjectCountryFactory,
    ProjectFactory,
    StaffFactory,
    ThemeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"
BOOKED_IN_CHF = "Money is already booked in CHF: the currency cannot change."
BOOKED_IN_USD = "Money is already booked in USD: the currency cannot change."
BELOW_COMMITMENT = "USD\xa01,200,000.00 is committed to CP-UGA-2014: the approved budget cannot be less."


@pytest.fixture
def staff_api() -> APIClient:
    api = APIClient()
    api.force_authenticate(StaffFactory())
    return api


@pytest.fixture
def booked_contribution() -> Contribution:
    """SECO's CHF agreement, with a first payment received."""
    donor = OrganisationFactory(name="State Secretariat for Economic Affairs", short_name="SECO")
    contribution = ContributionFactory(
        donor=donor, reference="SECO-1", title="Core funding", currency="CHF", amount=Decimal("4820000.00")
    )
    services.contribution_receive(
        contribution=contribution, amount=Decimal("1000000.00"), value_date=dt.date(2019, 3, 1)
    )
    return Contribution.objects.get(pk=contribution.pk)


@pytest.fixture
def committed_project() -> Project:
    """A USD 1,500,000 project with USD 1,200,000 committed by its signed grant agreement."""
    project = ProjectFactory(code="CP-UGA-2014", approved_budget=Decimal("1500000.00"))
    ProjectCountryFactory(project=project, country="UG")
    GrantAgreementFactory(project=project, amount=Decimal("1200000.00"))
    return Project.objects.get(pk=project.pk)


def change_form_data(client, url: str, **changes) -> dict:
    """What the admin's change form posts back when nothing is touched, with `changes` applied."""
    page = client.get(url)
    assert page.status_code == 200
    forms = [page.context["adminform"].form]
    data = {}
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update({f"{formset.prefix}-{key}": value for key, value in formset.management_form.initial.items()})
        forms.extend(formset.forms)
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            if isinstance(value, list | tuple):
                data[form.add_prefix(name)] = [str(getattr(item, "pk", item)) for item in value]
            else:
                data[form.add_prefix(name)] = "on" if value is True else str(value)
    return {**data, **changes}


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def import_preview(client, model, csv: str):
    upload = SimpleUploadedFile("sheet.csv", csv.encode(), content_type="text/csv")
    return client.post(admin_url(model, "import"), {"format": "0", "import_file": upload})


def row_errors(result) -> list[str]:
    return [message for row in result.invalid_rows for message in row.error.messages]


# Currency fixed once money is booked.


def test_the_admin_change_form_keeps_the_currency_of_a_contribution_with_money_received(
    staff_client, booked_contribution
):
    url = admin_url(Contribution, "change", booked_contribution.pk)

    response = staff_client.post(url, change_form_data(staff_client, url, currency="EUR"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["currency"] == [BOOKED_IN_CHF]
    assert Contribution.objects.get(pk=booked_contribution.pk).currency == "CHF"


def test_the_admin_change_form_still_changes_the_currency_before_any_money_is_booked(staff_client):
    contribution = ContributionFactory(currency="CHF")
    url = admin_url(Contribution, "change", contribution.pk)

    response = staff_client.post(url, change_form_data(staff_client, url, currency="EUR"))

    assert response.status_code == 302
    assert Contribution.objects.get(pk=contribution.pk).currency == "EUR"


def test_the_admin_import_refuses_a_new_currency_for_a_contribution_with_money_received(
    staff_client, booked_contribution
):
    csv = (
        "reference,title,donor,amount,currency,start_date,end_date,status\n"
        "SECO-1,Core funding,State Secretariat for Economic Affairs,4820000.00,EUR,2019-01-01,2023-12-31,pledged\n"
    )

    preview = import_preview(staff_client, Contribution, csv)

    assert BOOKED_IN_CHF in preview.content.decode()
    assert "confirm_form" not in preview.context
    assert Contribution.objects.get(pk=booked_contribution.pk).currency == "CHF"


def test_the_api_keeps_the_currency_of_a_contribution_with_money_received(staff_api, booked_contribution):
    response = staff_api.patch(f"{API}/contributions/{booked_contribution.pk}/", {"currency": "EUR"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"currency": [BOOKED_IN_CHF]}
    assert Contribution.objects.get(pk=booked_contribution.pk).currency == "CHF"


def test_an_allocation_fixes_the_contribution_currency_too(staff_api):
    contribution = ContributionFactory(currency="CHF")
    services.allocation_set(
        contribution=contribution, project=ProjectFactory(), amount=Decimal("1000"), allocated_on=dt.date(2019, 2, 1)
    )

    response = staff_api.patch(f"{API}/contributions/{contribution.pk}/", {"currency": "EUR"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"currency": [BOOKED_IN_CHF]}


def test_the_admin_change_form_keeps_the_currency_of_a_committed_project(staff_client, committed_project):
    url = admin_url(Project, "change", committed_project.pk)

    response = staff_client.post(url, change_form_data(staff_client, url, currency="EUR"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["currency"] == [BOOKED_IN_USD]
    assert Project.objects.get(pk=committed_project.pk).currency == "USD"


def own_iati_file(project: Project, **replacements: str) -> bytes:
    text = b"".join(iati.activities_xml(Project.objects.filter(pk=project.pk))).decode()
    for old, new in replacements.items():
        assert old in text
        text = text.replace(old, new)
    return text.encode()


def test_the_iati_import_refuses_a_new_currency_for_a_committed_project(committed_project):
    content = own_iati_file(committed_project, **{'default-currency="USD"': 'default-currency="EUR"'})

    report = import_activities(content)

    assert [(outcome.action, outcome.reason) for outcome in report.outcomes] == [("refused", BOOKED_IN_USD)]
    assert Project.objects.get(pk=committed_project.pk).currency == "USD"


def test_the_import_command_reports_the_refused_currency_change(committed_project, tmp_path, capsys):
    path = tmp_path / "activities.xml"
    path.write_bytes(own_iati_file(committed_project, **{'default-currency="USD"': 'default-currency="EUR"'}))

    call_command("import_iati", str(path))

    assert f"refused   XI-IATI-CITIES-ALLIANCE-CP-UGA-2014: {BOOKED_IN_USD}" in capsys.readouterr().out
    assert Project.objects.get(pk=committed_project.pk).currency == "USD"


# Approved budget never below the commitment.


def test_the_admin_change_form_refuses_a_budget_below_the_commitment(staff_client, committed_project):
    url = admin_url(Project, "change", committed_project.pk)

    response = staff_client.post(url, change_form_data(staff_client, url, approved_budget="1199999.00"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["approved_budget"] == [BELOW_COMMITMENT]
    assert Project.objects.get(pk=committed_project.pk).approved_budget == Decimal("1500000.00")


def test_the_admin_change_form_lowers_a_budget_down_to_the_commitment(staff_client, committed_project):
    url = admin_url(Project, "change", committed_project.pk)

    response = staff_client.post(url, change_form_data(staff_client, url, approved_budget="1200000.00"))

    assert response.status_code == 302
    assert Project.objects.get(pk=committed_project.pk).approved_budget == Decimal("1200000.00")


def test_the_api_refuses_a_budget_one_unit_below_the_commitment(staff_api, committed_project):
    response = staff_api.patch(
        f"{API}/projects/{committed_project.pk}/", {"approved_budget": "1199999.00"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"approved_budget": [BELOW_COMMITMENT]}
    assert Project.objects.get(pk=committed_project.pk).approved_budget == Decimal("1500000.00")


def project_rows(*rows: list[str]) -> tablib.Dataset:
    headers = ["code", "title", "status", "facility", "start_date", "end_date", "currency", "approved_budget"]
    return tablib.Dataset(*rows, headers=headers)


def test_the_project_import_refuses_a_budget_below_the_commitment_and_saves_no_row(committed_project):
    facility = committed_project.facility.code
    rows = project_rows(
        ["CP-NEW-2024", "A new programme", "1", facility, "2024-01-01", "2026-12-31", "USD", "300000.00"],
        ["CP-UGA-2014", "Uganda", "2", facility, "2019-01-01", "2022-12-31", "USD", "1199999.00"],
    )

    result = ProjectResource().import_data(rows, dry_run=False)

    assert row_errors(result) == [f"row 2: approved_budget “1199999.00”: {BELOW_COMMITMENT}"]
    assert not Project.objects.filter(code="CP-NEW-2024").exists()
    assert Project.objects.get(pk=committed_project.pk).approved_budget == Decimal("1500000.00")


def test_the_database_refuses_a_budget_below_the_commitment_written_around_the_model(committed_project):
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.filter(pk=committed_project.pk).update(approved_budget=Decimal("1199999.00"))


def test_the_iati_import_never_lowers_the_budget_below_the_commitment(committed_project):
    content = own_iati_file(committed_project)
    content = content.replace(b">1500000.00</value>", b">900000.00</value>")

    import_activities(content)

    assert Project.objects.get(pk=committed_project.pk).approved_budget == Decimal("1500000.00")


# Spreadsheet imports check each row by the model's rules, and save all rows or none.


def test_every_admin_import_checks_rows_by_the_model_or_by_a_service():
    importing = [model_admin for model_admin in admin.site._registry.values() if hasattr(model_admin, "import_action")]
    resources = {resource for model_admin in importing for resource in model_admin.resource_classes}

    assert resources
    assert all(isinstance(model_admin, CheckedImportExportAdmin) for model_admin in importing)
    assert all(issubclass(resource, CheckedModelResource) for resource in resources)
    by_model = {resource for resource in resources if resource._meta.clean_model_instances}
    assert resources - by_model == {LedgerImportResource}  # each of its rows is recorded by a ledger service


def test_an_import_confirmed_after_money_was_booked_meanwhile_saves_nothing_and_says_why(staff_client):
    donor = OrganisationFactory(name="State Secretariat for Economic Affairs")
    contribution = ContributionFactory(donor=donor, reference="SECO-1", title="Core funding", currency="CHF")
    csv = (
        "reference,title,donor,amount,currency,start_date,end_date,status\n"
        f"SECO-1,Core funding,{donor.name},{contribution.amount},EUR,2019-01-01,2023-12-31,pledged\n"
    )
    preview = import_preview(staff_client, Contribution, csv)
    services.contribution_receive(contribution=contribution, amount=Decimal("1000"), value_date=dt.date(2019, 3, 1))

    response = staff_client.post(
        admin_url(Contribution, "process_import"), preview.context["confirm_form"].initial, follow=True
    )

    assert f"Nothing was imported: row 1: currency “EUR”: {BOOKED_IN_CHF}" in response.content.decode()
    assert Contribution.objects.get(pk=contribution.pk).currency == "CHF"


def test_the_admin_import_previews_an_unknown_currency_and_saves_nothing(staff_client):
    OrganisationFactory(name="Swedish International Development Agency")
    csv = (
        "reference,title,donor,amount,currency,start_date,end_date,status\n"
        "SIDA-1,Core,Swedish International Development Agency,1000.00,SEK,2020-01-01,2020-12-31,pledged\n"
        "SIDA-2,Cities,Swedish International Development Agency,2000.00,XYZ,2020-01-01,2020-12-31,pledged\n"
    )

    preview = import_preview(staff_client, Contribution, csv)

    assert preview.status_code == 200
    assert "XYZ is not an ISO 4217 currency code in use." in preview.content.decode()
    assert "confirm_form" not in preview.context
    assert not Contribution.objects.exists()


def test_a_contribution_import_with_one_unknown_currency_saves_no_row():
    OrganisationFactory(name="Swedish International Development Agency")
    headers = ["reference", "title", "donor", "amount", "currency", "start_date", "end_date", "status"]
    donor = "Swedish International Development Agency"
    rows = tablib.Dataset(
        ["SIDA-1", "Core", donor, "1000.00", "SEK", "2020-01-01", "2020-12-31", "pledged"],
        ["SIDA-2", "Cities", donor, "2000.00", "XYZ", "2020-01-01", "2020-12-31", "pledged"],
        headers=headers,
    )

    result = ContributionResource().import_data(rows, dry_run=False)

    assert row_errors(result) == ["row 2: currency “XYZ”: XYZ is not an ISO 4217 currency code in use."]
    assert not Contribution.objects.exists()


# Catalogue records in use are refused, never unlinked.


@pytest.fixture
def theme_in_use() -> Theme:
    theme = ThemeFactory(code="gender", name="Gender equality")
    ProjectFactory(code="CP-UGA-2014").themes.add(theme)
    CallFactory(reference="CFP-2024").themes.add(theme)
    return theme


THEME_IN_USE = "“Gender equality” is still used by 1 project and 1 call for proposals: it cannot be deleted."


def test_the_api_refuses_to_delete_a_theme_in_use_with_409_and_keeps_its_links(staff_api, theme_in_use):
    response = staff_api.delete(f"{API}/themes/{theme_in_use.pk}/")

    assert response.status_code == 409
    assert response.json()["error"] == {"code": "conflict", "message": THEME_IN_USE, "fields": {}}
    assert list(Project.objects.get(code="CP-UGA-2014").themes.all()) == [theme_in_use]
    assert list(Call.objects.get(reference="CFP-2024").themes.all()) == [theme_in_use]


def test_the_api_deletes_a_theme_nothing_uses(staff_api):
    theme = ThemeFactory()

    response = staff_api.delete(f"{API}/themes/{theme.pk}/")

    assert response.status_code == 204
    assert not Theme.objects.filter(pk=theme.pk).exists()


def test_the_api_refuses_to_delete_a_facility_in_use_with_the_same_kind_of_message(staff_api):
    project = ProjectFactory()

    response = staff_api.delete(f"{API}/facilities/{project.facility_id}/")

    assert response.status_code == 409
    assert response.json()["error"]["message"] == (
        f"“{project.facility}” is still used by 1 project: it cannot be deleted."
    )


def test_the_admin_refuses_to_delete_a_theme_in_use_and_says_why(staff_client, theme_in_use):
    url = admin_url(Theme, "delete", theme_in_use.pk)

    confirmation = staff_client.get(url)
    response = staff_client.post(url, {"post": "yes"})

    assert THEME_IN_USE in confirmation.content.decode()
    assert 'name="post"' not in confirmation.content.decode()  # no button to confirm
    assert response.status_code == 200
    assert THEME_IN_USE in response.content.decode()
    assert list(Project.objects.get(code="CP-UGA-2014").themes.all()) == [theme_in_use]


def test_the_admin_deletes_a_theme_nothing_uses(staff_client):
    theme = ThemeFactory()

    response = staff_client.post(admin_url(Theme, "delete", theme.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Theme.objects.filter(pk=theme.pk).exists()


def test_the_admin_bulk_delete_refuses_a_selection_with_a_theme_in_use_and_deletes_none(staff_client, theme_in_use):
    unused = ThemeFactory()

    response = staff_client.post(
        admin_url(Theme, "changelist"),
        {"action": "delete_selected", "_selected_action": [theme_in_use.pk, unused.pk], "post": "yes"},
    )

    assert response.status_code == 200
    assert THEME_IN_USE in response.content.decode()
    assert Theme.objects.filter(pk__in=[theme_in_use.pk, unused.pk]).count() == 2
    assert list(Project.objects.get(code="CP-UGA-2014").themes.all()) == [theme_in_use]


def test_the_admin_refuses_to_delete_a_city_a_project_works_in(staff_client):
    jinja = CityFactory(name="Jinja", country="UG")
    ProjectFactory().cities.add(jinja)

    response = staff_client.post(admin_url(City, "delete", jinja.pk), {"post": "yes"})

    assert "“Jinja, Uganda” is still used by 1 project: it cannot be deleted." in response.content.decode()
    assert City.objects.filter(pk=jinja.pk).exists()


def test_the_delete_service_refuses_a_window_used_only_by_an_earmarked_contribution():
    window = FundingWindowFactory()
    ContributionFactory(earmarked_window=window)

    with pytest.raises(RecordInUse, match="still used by 1 donor contribution: it cannot be deleted"):
        services.catalogue_delete(record=window)

    assert FundingWindow.objects.filter(pk=window.pk).exists()


def test_the_call_admin_refuses_to_delete_a_criterion_reviewers_have_scored(staff_client):
    application = ApplicationFactory(complete=True, status=ApplicationStatus.IN_REVIEW)
    criterion = AssessmentCriterionFactory(call=application.call, name="Fit with the city's plans")
    review = ReviewAssignment.objects.create(
        application=application, reviewer=UserFactory(), assigned_by=StaffFactory()
    )
    CriterionScore.objects.create(review=review, criterion=criterion, score=4)
    url = admin_url(Call, "change", application.call.pk)
    form = change_form_data(staff_client, url)
    (row,) = [
        key
        for key, value in form.items()
        if key.startswith("criteria-") and key.endswith("-id") and value == str(criterion.pk)
    ]
    deleted = {row.replace("-id", "-DELETE"): "on"}

    response = staff_client.post(url, {**form, **deleted})

    assert response.status_code == 200
    assert "would require deleting the following protected related objects" in response.content.decode()
    assert CriterionScore.objects.filter(criterion=criterion, score=4).exists()


@pytest.mark.parametrize("delete", ["instance", "queryset"], ids=["one-row", "bulk"])
def test_a_delete_that_goes_around_the_service_still_refuses_a_theme_in_use(theme_in_use, delete):
    with pytest.raises(RecordInUse, match="it cannot be deleted"), transaction.atomic():
        if delete == "instance":
            theme_in_use.delete()
        else:
            Theme.objects.filter(pk=theme_in_use.pk).delete()

    assert list(Project.objects.get(code="CP-UGA-2014").themes.all()) == [theme_in_use]


def test_a_city_nothing_uses_can_still_be_deleted_directly():
    city = CityFactory(name="Mbale", country="UG")

    city.delete()

    assert not City.objects.filter(pk=city.pk).exists()
