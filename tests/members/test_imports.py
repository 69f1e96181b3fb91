"""Members' spreadsheet imports (organisations, memberships) through the admin: every refusal a sentence
naming the row, the column, the rule and the value given; dates in the chosen format; all rows or none."""

from __future__ import annotations

import datetime as dt

import pytest

from members.models import Membership, Organisation
from tests.admin_imports import confirm, preview, refusals
from tests.factories import ConstituencyFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

KINDS = (
    "national_government, local_government, lga, multilateral, un_agency, ngo, private, university, community, other"
)


def test_every_refused_organisation_is_said_in_words_and_none_is_saved(staff_client):
    csv = (
        "name,short_name,kind,country,website\nSida,S,national_government,SE,\n,S,alien,SE,not a url\nOther,O,NGO,XX,\n"
    )

    response = preview(staff_client, Organisation, csv)

    assert refusals(response) == [
        f"row 2: kind must be one of: {KINDS}, got “alien”.",
        "row 2: name is required, got an empty cell.",
        "row 2: website “not a url”: Enter a valid URL.",
        "row 3: country must be a two-letter ISO 3166 country code, such as UG, got “XX”.",
    ]
    assert not Organisation.objects.exists()


def test_organisations_are_read_by_kind_label_and_country_code(staff_client):
    csv = "name,short_name,kind,country,website\nSida,S,National government,se,\nUN-Habitat,,un_agency,,\n"

    confirm(staff_client, Organisation, preview(staff_client, Organisation, csv))

    assert list(Organisation.objects.order_by("name").values_list("name", "kind", "country")) == [
        ("Sida", "national_government", "SE"),
        ("UN-Habitat", "un_agency", ""),
    ]


MEMBERSHIPS = "organisation,constituency,kind,since,until\n"


def test_every_refused_membership_is_said_in_words_and_none_is_saved(staff_client):
    OrganisationFactory(name="Sida")
    ConstituencyFactory(code="ngos")
    csv = MEMBERSHIPS + (
        "Sida,ngos,full,2020-01-01,\n"
        "Ghost,nope,half,2020-13-01,\n"
        "Sida,ngos,full,2021-01-01,2020-01-01\n"
        "Sida,ngos,full,01/02/2022,\n"
    )

    response = preview(staff_client, Membership, csv)

    iso_only = "must be a date written YYYY-MM-DD (the format chosen for this import)"
    assert refusals(response) == [
        "row 2: organisation must be the name of a recorded organisation, got “Ghost”.",
        "row 2: constituency must be the code of a recorded constituency, got “nope”.",
        "row 2: kind must be one of: full, associate, got “half”.",
        f"row 2: since {iso_only}, got “2020-13-01”.",
        "row 3: since “2021-01-01”, until “2020-01-01”: A membership cannot end before it starts.",
        f"row 4: since {iso_only}, got “01/02/2022”.",
    ]
    assert not Membership.objects.exists()


def test_membership_dates_are_read_in_the_chosen_format(staff_client):
    OrganisationFactory(name="Sida")
    ConstituencyFactory(code="ngos")
    csv = MEMBERSHIPS + "Sida,ngos,associate,01/02/2022,31/12/2024\n"

    confirm(staff_client, Membership, preview(staff_client, Membership, csv, date_format="%d/%m/%Y"))

    membership = Membership.objects.get()
    assert (membership.since, membership.until, membership.kind) == (
        dt.date(2022, 2, 1),
        dt.date(2024, 12, 31),
        "associate",
    )
