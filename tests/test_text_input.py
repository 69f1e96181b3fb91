"""Text that XML 1.0 cannot carry (control characters, NUL) is refused at every door with a clear message.

Tab, newline and carriage return are ordinary text and pass.
"""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django import forms
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.urls import reverse
from rest_framework import serializers
from rest_framework.test import APIClient

from common.text import validate_writable_text
from grants import services
from grants.models import Project, Theme, Transaction
from members.models import Organisation
from results.models import Indicator, Outcome
from tests.factories import OrganisationFactory, ProjectFactory, StaffFactory, VerifiedUserFactory, both_sides

pytestmark = pytest.mark.django_db

OUR_APPS = ("common", "members", "grants", "results", "donors", "opendata")
# Modules that declare forms and serializers; imported so that their classes are known below.
FORM_AND_SERIALIZER_MODULES = [
    "members.forms",
    "grants.forms",
    "results.forms",
    "donors.views",
    "opendata.views",
    "grants.admin",
    "results.admin",
    "donors.admin",
    "members.api",
    "grants.api",
    "grants.api.inputs",
    "grants.api.applications",
    "results.api",
    "results.framework_api",
    "results.reports_api",
]


def message_for(code: int, position: int) -> str:
    return (
        f"Remove the invisible control character U+{code:04X} at position {position}: "
        "it cannot be stored, published or printed."
    )


def subclasses(cls) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *subclasses(sub)}
    return found


def ours(cls) -> bool:
    return cls.__module__.split(".")[0] in OUR_APPS


def test_every_text_field_of_every_model_form_and_input_serializer_carries_the_check():
    for name in FORM_AND_SERIALIZER_MODULES:
        importlib.import_module(name)
    missing = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.CharField | models.TextField) and validate_writable_text not in field.validators
    ]
    form_classes = [cls for cls in subclasses(forms.BaseForm) if ours(cls)]
    missing += [
        f"{form.__module__}.{form.__name__}.{name}"
        for form in form_classes
        for name, field in form.base_fields.items()
        if isinstance(field, forms.CharField) and validate_writable_text not in field.validators
    ]
    serializer_classes = [cls for cls in subclasses(serializers.Serializer) if ours(cls)]
    missing += [
        f"{serializer.__module__}.{serializer.__name__}.{name}"
        for serializer in serializer_classes
        for name, field in serializer._declared_fields.items()
        if isinstance(field, serializers.CharField)
        and not field.read_only
        and validate_writable_text not in field.validators
    ]

    assert len(form_classes) > 10 and len(serializer_classes) > 10
    assert missing == []


def test_the_admin_refuses_a_control_character_and_names_it(staff_client):
    response = staff_client.post(reverse("admin:grants_theme_add"), {"code": "housing", "name": "Housing\x07"})

    assert response.status_code == 200
    assert message_for(0x07, 8) in response.content.decode()
    assert not Theme.objects.exists()


def test_a_public_form_refuses_a_control_character_and_creates_nothing(client):
    client.force_login(VerifiedUserFactory())
    form = {"name": "Jinja\x1bCouncil", "kind": "local-government", "country": "UG", "registration_number": "X-1"}

    response = client.post(reverse("members:onboarding"), form)

    assert message_for(0x1B, 6) in response.content.decode()
    assert not Organisation.objects.filter(name__startswith="Jinja").exists()


@pytest.fixture
def staff_api(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "text"}}
    api = APIClient()
    api.force_authenticate(StaffFactory())
    return api


def test_the_api_refuses_a_control_character_in_a_record_field_by_field(staff_api):
    project = ProjectFactory(title="Settlements")

    response = staff_api.patch(f"/api/v1/projects/{project.pk}/", {"title": "Settle\x00ments"}, format="json")

    assert response.status_code == 400
    assert message_for(0, 7) in response.json()["error"]["fields"]["title"]
    project.refresh_from_db()
    assert project.title == "Settlements"


@pytest.fixture
def signed_project() -> Project:
    """A project of code CP-1 whose agreement commits USD 1,000, so a payment can be recorded."""
    project = ProjectFactory(code="CP-1", approved_budget=Decimal("1000.00"))
    services.grant_agreement_sign(
        project=project,
        reference="GA-1",
        grantee=OrganisationFactory(),
        signed_on=dt.date(2024, 1, 10),
        signatures=both_sides(dt.date(2024, 1, 10)),
        amount=Decimal("1000.00"),
    )
    return project


def test_the_api_refuses_a_control_character_in_a_ledger_row_before_anything_is_recorded(staff_api, signed_project):
    payload = {"kind": 3, "project": signed_project.pk, "amount": "10.00", "value_date": "2024-02-01"}

    response = staff_api.post("/api/v1/transactions/", {**payload, "description": "Paid\x0bin cash"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"description": [message_for(0x0B, 5)]}
    assert not Transaction.objects.filter(kind=3).exists()


def test_tab_newline_and_carriage_return_are_ordinary_text(staff_api):
    project = ProjectFactory()
    summary = "First line\r\nSecond line\twith a tab"

    response = staff_api.patch(f"/api/v1/projects/{project.pk}/", {"summary": summary}, format="json")

    assert response.status_code == 200
    assert Project.objects.get(pk=project.pk).summary == summary


def _import_preview(client, url_name: str, csv: str):
    upload = SimpleUploadedFile("rows.csv", csv.encode(), content_type="text/csv")
    return client.post(reverse(url_name), {"format": "0", "import_file": upload})


def test_a_spreadsheet_import_with_a_control_character_is_refused_and_writes_nothing(staff_client, signed_project):
    Outcome.objects.create(code="O1", title="Inclusive city strategies adopted")
    indicators = (
        "code,name,outcome,unit,counted,aggregation,disaggregation\nP1,People\x02 reached,O1,count,people,sum,\n"
    )
    ledger = (
        "type,value_date,amount,currency,project,tranche,contribution,reference\n"
        "disbursement,2024-02-03,5.00,USD,CP-1,,,PAY\x01-1\n"
    )

    framework = _import_preview(staff_client, "admin:results_indicator_import", indicators)
    money = _import_preview(staff_client, "admin:grants_transaction_import", ledger)

    assert message_for(0x02, 7) in framework.content.decode()
    assert message_for(0x01, 4) in money.content.decode()
    assert "confirm_form" not in framework.context and "confirm_form" not in money.context
    assert not Indicator.objects.exists()
    assert not Transaction.objects.filter(kind=3).exists()
