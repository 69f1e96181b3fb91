"""Malformed requests to the pages, the portal, the admin and the IATI import answer 400, 404 or 413 with a
message that says what is wrong, never 500, and change nothing. (The API's doors: tests/api/test_bad_requests.py.)

A NUL character is refused wherever a request carries it, as PostgreSQL can neither store nor compare one;
these tests run on PostgreSQL in CI, where a NUL that reached a query answered 500."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from grants.models import Contribution, Project, Theme
from grants.services import disbursement_record
from opendata import iati
from tests.factories import (
    ApplicationFactory,
    GrantAgreementFactory,
    OrganisationFactory,
    ProjectFactory,
    StaffFactory,
    ThemeFactory,
)
from tests.grants.test_portal import partner_of
from tests.opendata.test_import import row_counts

pytestmark = pytest.mark.django_db

NUL_IN_ADDRESS = "The address holds a NUL character (%00), which no address, parameter or field may contain."
BEYOND_BIGINT = "99999999999999999999"


def nul_in(what: str) -> str:
    return f"{what} holds a NUL character (%00), which no address, parameter or field may contain."


@pytest.fixture
def client():
    """A browser: an unexpected error answers the 500 page here instead of failing the test on the spot."""
    return Client(raise_request_exception=False)


@pytest.fixture
def staff(client):
    client.force_login(StaffFactory())
    return client


@pytest.fixture
def project(db) -> Project:
    project = ProjectFactory(code="CP-UGA", title="Uganda country programme", approved_budget=Decimal("3200000.00"))
    GrantAgreementFactory(project=project, signed_on=dt.date(2015, 2, 1))
    disbursement_record(project=project, amount=Decimal("40000.00"), value_date=dt.date(2016, 3, 1), reference="D-1")
    return project


def page_says(response, message: str) -> bool:
    return escape(message) in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/projects/%00/",
        "/projects/CP-UGA%00/",
        "/calls/%00/",
        "/iati/activities/%00.xml",
        "/portal/organisation/invitations/%00/",
        "/donors/%00/",
        "/static/%00.css",
    ],
)
def test_a_nul_in_the_address_of_a_page_answers_400_saying_so(client, project, url):
    response = client.get(url)

    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
    assert page_says(response, NUL_IN_ADDRESS)


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/projects/?page=%00", "page"),
        ("/projects/?q=Uganda%00", "q"),
        ("/results/?year=%00", "year"),
        ("/projects/?%00=1", "\\x00"),
        ("/admin/grants/project/?q=%00", "q"),
        ("/admin/grants/project/?facility__id__exact=%00", "facility__id__exact"),
        ("/admin/grants/project/?o=%00", "o"),
        ("/admin/autocomplete/?app_label=grants&model_name=project&field_name=facility&term=%00", "term"),
    ],
)
def test_a_nul_in_a_query_parameter_of_a_page_or_the_admin_answers_400_naming_it(staff, project, url, parameter):
    response = staff.get(url)

    assert response.status_code == 400
    assert page_says(response, nul_in(f"The query parameter “{parameter}”"))


def test_a_nul_in_an_admin_address_answers_400(staff, project):
    response = staff.get(f"/admin/grants/project/{project.pk}%00/change/")

    assert response.status_code == 400 and page_says(response, NUL_IN_ADDRESS)


def test_a_nul_in_an_admin_form_answers_400_and_saves_nothing(staff, project):
    before = row_counts()

    added = staff.post("/admin/grants/theme/add/", {"code": "water", "name": "Water\x00"})
    changed = staff.post(
        f"/admin/grants/project/{project.pk}/change/", {"code": "CP-UGA", "title": "Renamed", "facility": "\x00"}
    )

    assert added.status_code == 400 and page_says(added, nul_in("The form field “name”"))
    assert changed.status_code == 400 and page_says(changed, nul_in("The form field “facility”"))
    assert row_counts() == before
    project.refresh_from_db()
    assert project.title == "Uganda country programme"


def test_a_nul_among_the_rows_an_admin_action_selects_answers_400_and_deletes_nothing(staff, db):
    theme = ThemeFactory()

    response = staff.post("/admin/grants/theme/", {"action": "delete_selected", "_selected_action": [theme.pk, "\x00"]})

    assert response.status_code == 400 and page_says(response, nul_in("The form field “_selected_action”"))
    assert Theme.objects.filter(pk=theme.pk).exists()


def test_a_nul_in_the_login_form_answers_400(client, db):
    response = client.post(reverse("account_login"), {"login": "someone@example.org\x00", "password": "secret"})

    assert response.status_code == 400 and page_says(response, nul_in("The form field “login”"))
    assert "_auth_user_id" not in client.session


def test_a_nul_in_a_portal_form_answers_400_and_the_draft_is_unchanged(client, db):
    application = ApplicationFactory(title="Water kiosks")
    client.force_login(partner_of(application))

    response = client.post(
        reverse("grants:application", args=[application.pk]),
        {"title": "Water\x00kiosks", "budget-TOTAL_FORMS": "0", "budget-INITIAL_FORMS": "0"},
    )

    assert response.status_code == 400 and page_says(response, nul_in("The form field “title”"))
    application.refresh_from_db()
    assert application.title == "Water kiosks"


def test_a_nul_in_a_field_beside_an_uploaded_file_answers_400(staff, db):
    before = row_counts()
    upload = SimpleUploadedFile("activities.xml", b"<iati-activities/>", "application/xml")

    response = staff.post(reverse("opendata:import"), {"file": upload, "note": "\x00"})

    assert response.status_code == 400 and page_says(response, nul_in("The form field “note”"))
    assert row_counts() == before


def test_a_request_larger_than_any_form_takes_answers_413_before_it_is_read(staff, settings, db):
    settings.REQUEST_MAX_BYTES = 1_000_000
    before = row_counts()

    response = staff.post("/admin/grants/theme/add/", {"code": "water", "name": "x" * 1_100_000})

    assert response.status_code == 413
    assert page_says(response, "The request is 1.1 MB; this site accepts up to 1.0 MB.")
    assert row_counts() == before


def test_a_form_with_more_data_than_django_reads_answers_413(staff, settings, db):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000

    response = staff.post("/admin/grants/theme/add/", {"code": "water", "name": "x" * 2_000})

    assert response.status_code == 413 and page_says(
        response, "Form data and JSON bodies may be up to 1,000 bytes; this request's are larger."
    )
    assert not Theme.objects.exists()


def test_a_broken_multipart_body_answers_400(staff, db):
    response = staff.post(
        reverse("opendata:import"), data=b"--x\r\nbroken", content_type="multipart/form-data; boundary=\x01"
    )

    assert response.status_code == 400 and page_says(response, "The form data is malformed and was not read.")


# Numbers out of range


@pytest.mark.parametrize("page", ["-1", "0", BEYOND_BIGINT, "1e400", "NaN"])
def test_any_page_number_shows_a_page_of_the_project_list(client, project, page):
    response = client.get(f"/projects/?page={page}")

    assert response.status_code == 200 and "Uganda country programme" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [f"/portal/applications/{BEYOND_BIGINT}/", f"/portal/organisation/{BEYOND_BIGINT}/", f"/donors/{BEYOND_BIGINT}/"],
)
def test_an_id_beyond_the_database_range_answers_404_in_the_portal(staff, url):
    assert staff.get(url).status_code == 404


def test_an_id_beyond_the_database_range_in_the_admin_says_there_is_no_such_record(staff, project):
    response = staff.get(f"/admin/grants/project/{BEYOND_BIGINT}/change/", follow=True)
    listed = staff.get(f"/admin/grants/project/?facility__id__exact={BEYOND_BIGINT}&p={BEYOND_BIGINT}")

    assert response.status_code == 200
    assert f"Project with ID “{BEYOND_BIGINT}” doesn\u2019t exist." in response.content.decode()
    assert listed.status_code == 200


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("1e400", "Ensure that there are no more than 18 digits in total."),
        ("9" * 30, "Ensure that there are no more than 18 digits in total."),
        ("NaN", "Enter a number."),
        ("Infinity", "Enter a number."),
        ("-Infinity", "Enter a number."),
    ],
)
def test_an_amount_out_of_range_is_refused_by_the_admin_form(staff, db, amount, message):
    donor = OrganisationFactory()

    response = staff.post(
        "/admin/grants/contribution/add/",
        {"donor": donor.pk, "reference": "X-1", "title": "X", "currency": "CHF", "amount": amount},
    )

    assert message in response.content.decode()
    assert not Contribution.objects.filter(reference="X-1").exists()


@pytest.mark.parametrize("amount", ["1e400", "NaN", "Infinity", "9" * 30])
def test_an_amount_out_of_range_is_refused_by_the_portal_form(client, db, amount):
    application = ApplicationFactory(requested_amount=Decimal("50000.00"))
    client.force_login(partner_of(application))

    response = client.post(
        reverse("grants:application", args=[application.pk]),
        {"title": "Kiosks", "requested_amount": amount, "budget-TOTAL_FORMS": "0", "budget-INITIAL_FORMS": "0"},
    )

    assert response.status_code == 200
    assert re.search(r"Enter a number\.|no more than 18 digits", response.content.decode())
    application.refresh_from_db()
    assert application.requested_amount == Decimal("50000.00")


# Hostile XML to the IATI import

SECRET = "TOP-SECRET-CONTENT"


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


def hostile_files(secret_file) -> dict[str, bytes]:
    laughs = '<!ENTITY lol0 "lol">' + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    return {
        "external entity": (
            f'<?xml version="1.0"?><!DOCTYPE iati-activities [<!ENTITY x SYSTEM "file://{secret_file}">]>'
            '<iati-activities version="2.03">&x;</iati-activities>'
        ).encode(),
        "entity in an attribute": (
            f'<!DOCTYPE iati-activities [<!ENTITY x SYSTEM "file://{secret_file}">]>'
            '<iati-activities version="2.03" generated-datetime="&x;"/>'
        ).encode(),
        "entity expansion": (
            f'<?xml version="1.0"?>\n<!-- laughs -->\n<!DOCTYPE lolz [{laughs}]>'
            '<iati-activities version="2.03">&lol9;</iati-activities>'
        ).encode(),
        "external DTD": b'<!DOCTYPE iati-activities SYSTEM "http://127.0.0.1:9/iati.dtd"><iati-activities/>',
        "parameter entity": (
            f'<!DOCTYPE r [<!ENTITY % p SYSTEM "file://{secret_file}"> %p;]><iati-activities version="2.03"/>'
        ).encode(),
        "UTF-16": (
            f'<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE iati-activities [<!ENTITY x SYSTEM "file://'
            f'{secret_file}">]><iati-activities version="2.03">&x;</iati-activities>'
        ).encode("utf-16"),
    }


DOCTYPE_REFUSED = "The file declares a document type (<!DOCTYPE>); IATI files have none, and entities are never read."


@pytest.mark.parametrize("door", ["opendata:import", "opendata:import-foreign"])
@pytest.mark.parametrize(
    "kind",
    ["external entity", "entity in an attribute", "entity expansion", "external DTD", "parameter entity", "UTF-16"],
)
def test_an_iati_upload_with_a_document_type_is_refused_and_reads_no_entity(staff, secret_file, kind, door):
    before = row_counts()
    upload = SimpleUploadedFile("activities.xml", hostile_files(secret_file)[kind], "application/xml")

    response = staff.post(reverse(door), {"file": upload})

    page = response.content.decode()
    assert response.status_code == 400
    assert page_says(response, DOCTYPE_REFUSED) and "Nothing was imported." in page
    assert SECRET not in page
    assert row_counts() == before


def test_the_import_command_refuses_a_file_with_a_document_type(secret_file, tmp_path):
    path = tmp_path / "activities.xml"
    path.write_bytes(hostile_files(secret_file)["external entity"])
    before = row_counts()

    with pytest.raises(CommandError, match=re.escape(DOCTYPE_REFUSED)):
        call_command("import_iati", str(path))

    assert row_counts() == before


@pytest.mark.parametrize("door", ["opendata:import", "opendata:import-foreign"])
def test_an_iati_upload_nested_too_deep_is_refused(staff, db, door):
    nested = b'<iati-activities version="2.03">' + b"<a>" * 300 + b"</a>" * 300 + b"</iati-activities>"

    response = staff.post(reverse(door), {"file": SimpleUploadedFile("deep.xml", nested)})

    assert response.status_code == 400 and "This is not a well-formed XML file" in response.content.decode()


@pytest.mark.parametrize("door", ["opendata:import", "opendata:import-foreign"])
def test_an_iati_upload_over_the_size_limit_answers_413_and_imports_nothing(staff, settings, project, door):
    settings.IATI_UPLOAD_MAX_BYTES = 2_000_000
    content = b"".join(iati.activities_xml())
    padded = content.replace(b"<iati-activities", b"<!--" + b" " * 2_100_000 + b"-->\n<iati-activities", 1)
    before = row_counts()

    response = staff.post(reverse(door), {"file": SimpleUploadedFile("big.xml", padded)})

    assert response.status_code == 413
    assert page_says(response, "big.xml is 2.1 MB; IATI files may be up to 2 MB. Nothing was imported.")
    assert row_counts() == before


@pytest.mark.parametrize("amount", ["1e400", "NaN", "INF"])
def test_an_iati_amount_that_is_not_a_decimal_is_refused_by_the_schema(staff, project, amount):
    hostile = iati_file_with_value(amount)
    before = row_counts()

    response = staff.post(reverse("opendata:import"), {"file": SimpleUploadedFile("activities.xml", hostile)})

    assert response.status_code == 400 and "breaks the IATI 2.03 schema" in response.content.decode()
    assert row_counts() == before


def test_an_iati_amount_too_large_for_the_ledger_refuses_its_activity(staff, project):
    hostile = iati_file_with_value("9" * 40)
    before = row_counts()

    response = staff.post(reverse("opendata:import"), {"file": SimpleUploadedFile("activities.xml", hostile)})

    assert response.status_code == 200
    assert page_says(
        response,
        f"A transaction's value is out of range: '{'9' * 40}' has more than 16 digits before the decimal point.",
    )
    assert row_counts() == before


def iati_file_with_value(amount: str) -> bytes:
    """The project's IATI file, its disbursement's value replaced by `amount`."""
    content = b"".join(iati.activities_xml()).decode()
    assert content.count(">40000.00</value>") == 1
    return content.replace(">40000.00</value>", f">{amount}</value>").encode()
