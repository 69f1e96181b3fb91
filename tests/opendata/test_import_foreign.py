"""Other publishers' IATI activities: mapped by staff, loaded through the same loaders, with every element that
cannot be mapped reported; all or nothing, and loading a file again changes nothing.

No registry package ships the standard's annotated example activity file (pyIATI ships the standard's test files
but pins lxml 4.2 and PyYAML 3, which cannot install beside this project's), so the files under publishers/ are
written in our own words, in the shapes real publishers' files take."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from grants.models import Project, ProjectPartner, Transaction
from grants.reference import load_reference_data
from members.models import Organisation
from opendata.importer import ImportRefused
from opendata.importer.foreign import ActivityMapping, ForeignMapping, foreign_activities_import
from results.reference import load_framework
from tests.factories import OrganisationFactory, StaffFactory, StaffWithoutPermissionsFactory

pytestmark = pytest.mark.django_db

PUBLISHERS = Path(__file__).parent / "publishers"
UPGRADING = ForeignMapping(default=ActivityMapping(facility="community-upgrading-fund", themes=("resilience-climate",)))
DONOR, KAMPALA, MUNICIPAL = "XM-EXAMPLE-DONOR", "XM-EXAMPLE-DONOR-4021-A", "XM-EXAMPLE-DONOR-4022"
PIKINE = "FR-RNA-W000000000-DAK-07"


def publisher_file(name: str) -> bytes:
    return (PUBLISHERS / name).read_bytes()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def unmapped_paths(report, identifier: str) -> dict[str, str]:
    activity = next(a for a in report.activities if a.identifier == identifier)
    return {item.path: item.reason for item in activity.unmapped}


@pytest.fixture(autouse=True)
def reference():
    load_reference_data()
    load_framework()


def test_a_donor_file_loads_after_mapping_and_lists_every_element_it_cannot_map():
    report = foreign_activities_import(content=publisher_file("bilateral_donor.xml"), mapping=UPGRADING)

    assert report.written and report.counts["created"] == 2, [
        (a.identifier, a.outcome.reason) for a in report.activities
    ]
    kampala = Project.objects.get(code=KAMPALA)
    assert (kampala.facility.code, kampala.facility.window.code) == ("community-upgrading-fund", "country-city")
    assert list(kampala.themes.values_list("code", flat=True)) == ["resilience-climate"]
    assert (kampala.title, kampala.currency, kampala.approved_budget) == (
        "Safer homes in informal settlements of Kampala",
        "GBP",
        Decimal("400000"),
    )
    assert kampala.summary == "Upgrading water, drainage and paths with residents' federations."
    # Money in the activity's currency only: the payment in dollars is reported, never converted.
    assert kampala.committed_total == Decimal("400000") and kampala.disbursed_total == Decimal("150000")
    assert set(Transaction.objects.filter(project=kampala).values_list("currency", flat=True)) == {"GBP"}
    partners = set(ProjectPartner.objects.filter(project=kampala).values_list("organisation__iati_identifier", "role"))
    assert partners == {(DONOR, 1), ("UG-NGB-0042", 4), ("XM-EXAMPLE-CITYNET", 3)}
    at = "/iati-activities/iati-activity[1]"
    unmapped = unmapped_paths(report, KAMPALA)
    for path in (
        f"{at}/@hierarchy",
        f"{at}/reporting-org",
        f"{at}/description[2]",
        f"{at}/activity-date[2]",
        f"{at}/participating-org[3]/@activity-id",
        f"{at}/other-identifier",
        f"{at}/contact-info",
        f"{at}/location",
        f"{at}/sector[1]",
        f"{at}/sector[3]",
        f"{at}/policy-marker",
        f"{at}/budget[3]",
        f"{at}/transaction[1]/provider-org",
        f"{at}/transaction[2]/flow-type",
        f"{at}/transaction[4]",
        f"{at}/document-link",
        f"{at}/related-activity",
        f"{at}/result",
    ):
        assert path in unmapped, path
    assert "never converted" in unmapped[f"{at}/transaction[3]"]
    assert "revised budget" in unmapped[f"{at}/budget[3]"]
    assert set(unmapped_paths(report, MUNICIPAL)) == {
        "/iati-activities/iati-activity[2]/@last-updated-datetime",
        "/iati-activities/iati-activity[2]/reporting-org",
        "/iati-activities/iati-activity[2]/recipient-region",
        "/iati-activities/iati-activity[2]/sector",
    }
    municipal = Project.objects.get(code=MUNICIPAL)
    assert dict(municipal.countries.values_list("country", "percentage")) == {"GH": 50, "TZ": 50}


def test_a_french_file_keeps_its_french_texts_and_reports_the_english_translation():
    report = foreign_activities_import(content=publisher_file("ngo_french.xml"), mapping=UPGRADING)

    assert report.written
    pikine = Project.objects.get(code=PIKINE)
    assert pikine.title == "Assainissement des quartiers de Pikine"
    assert pikine.summary.startswith("Des latrines") and pikine.currency == "XOF"
    assert pikine.spent_total == Decimal("12500000")
    unmapped = unmapped_paths(report, PIKINE)
    assert "/iati-activities/iati-activity/title/narrative[2]" in unmapped
    assert "/iati-activities/iati-activity/activity-date[1]/narrative" in unmapped


def test_organisations_are_matched_by_their_iati_identifier_and_the_others_proposed_for_creation():
    ours = OrganisationFactory(name="City of Pikine (municipal council)", iati_identifier="SN-NINEA-0099")

    preview = foreign_activities_import(content=publisher_file("ngo_french.xml"), mapping=UPGRADING, dry_run=True)
    matches = {org.ref: org.organisation for org in preview.activities[0].organisations}
    report = foreign_activities_import(content=publisher_file("ngo_french.xml"), mapping=UPGRADING)

    assert matches == {"SN-NINEA-0099": ours, "FR-RNA-W000000000": None}
    assert report.written
    assert Organisation.objects.filter(iati_identifier="SN-NINEA-0099").count() == 1
    pikine = Project.objects.get(code=PIKINE)
    assert set(pikine.partners.values_list("organisation", "role")) == {
        (ours.pk, 4),
        (Organisation.objects.get(iati_identifier="FR-RNA-W000000000").pk, 2),
    }
    assert pikine.agreement.grantee == ours


def test_loading_the_same_file_again_changes_nothing():
    first = foreign_activities_import(content=publisher_file("bilateral_donor.xml"), mapping=UPGRADING)
    counts = row_counts()

    second = foreign_activities_import(content=publisher_file("bilateral_donor.xml"), mapping=UPGRADING)

    assert first.written and set(second.counts) == {"unchanged"}
    assert row_counts() == counts


def test_a_preview_writes_nothing_and_an_activity_without_a_facility_refuses_the_whole_file():
    before = row_counts()

    preview = foreign_activities_import(content=publisher_file("bilateral_donor.xml"), mapping=UPGRADING, dry_run=True)
    only_one = ForeignMapping(activities={KAMPALA: UPGRADING.default})
    refused = foreign_activities_import(content=publisher_file("bilateral_donor.xml"), mapping=only_one)

    assert preview.counts["created"] == 2 and not preview.written
    assert not refused.written
    assert [(a.identifier, a.outcome.reason) for a in refused.refused] == [
        (MUNICIPAL, "Choose the facility this activity belongs to.")
    ]
    assert row_counts() == before


def test_an_activity_ending_before_it_starts_is_refused_and_nothing_is_written():
    content = publisher_file("ngo_french.xml").replace(
        b'<activity-date type="3" iso-date="2026-05-31"/>', b'<activity-date type="3" iso-date="2024-05-31"/>'
    )
    before = row_counts()

    report = foreign_activities_import(content=content, mapping=UPGRADING)

    assert not report.written
    assert [(a.identifier, a.outcome.reason) for a in report.refused] == [
        (PIKINE, "A project cannot end before it starts.")
    ]
    assert row_counts() == before


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"<iati-activities version='2.03'><iati-activity>", "not a well-formed XML file"),
        (b'<!DOCTYPE x [<!ENTITY a "aaaa">]><iati-activities version="2.03"/>', "document type"),
        (b'<iati-activities version="2.01"/>', "Only IATI version 2.03"),
    ],
)
def test_a_bad_file_is_refused_whole_and_writes_nothing(content, reason):
    before = row_counts()

    with pytest.raises(ImportRefused, match=reason):
        foreign_activities_import(content=content, mapping=UPGRADING)

    assert row_counts() == before


def test_the_command_loads_with_a_mapping_file_and_refuses_a_mapping_naming_no_facility(tmp_path, capsys):
    data = tmp_path / "activities.xml"
    data.write_bytes(publisher_file("bilateral_donor.xml"))
    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        json.dumps({"facility": "community-upgrading-fund", "activities": {MUNICIPAL: {"facility": "catalytic-fund"}}})
    )
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("facility: no-such-facility\n")

    with pytest.raises(CommandError, match="no-such-facility"):
        call_command("import_iati_foreign", str(data), "--mapping", str(wrong))
    call_command("import_iati_foreign", str(data), "--mapping", str(mapping))

    output = capsys.readouterr().out
    assert f"created   {KAMPALA}" in output
    assert "not mapped: /iati-activities/iati-activity[1]/location" in output
    assert "2 created, 0 updated, 0 unchanged." in output
    assert Project.objects.get(code=MUNICIPAL).facility.code == "catalytic-fund"


def test_staff_upload_preview_map_and_import_in_the_admin(client):
    client.force_login(StaffFactory())
    url = reverse("opendata:import-foreign")
    upload = SimpleUploadedFile("donor.xml", publisher_file("bilateral_donor.xml"), "application/xml")

    preview = client.post(url, {"file": upload})
    kept = client.get(url)
    facility = {f"activity-{n}-facility": "community-upgrading-fund" for n in (0, 1)}
    partial = client.post(url, {"action": "import", "activity-0-facility": "community-upgrading-fund"})
    imported = client.post(url, {"action": "import", **facility, "activity-1-themes": ["gender-equality"]})
    again = client.post(url, {"action": "import", **facility})

    page = preview.content.decode()
    assert preview.status_code == 200 and "Choose the facility this activity belongs to." in page
    assert "/iati-activities/iati-activity[1]/document-link" in page and "Documents are not fetched" in page
    assert "new: created on import" in page
    assert kept.status_code == 200 and "donor.xml: 2 activities" in kept.content.decode()
    assert partial.status_code == 400 and "nothing is imported until each one loads" in partial.content.decode()
    assert imported.status_code == 200 and "Imported: 2 created" in imported.content.decode()
    assert list(Project.objects.get(code=MUNICIPAL).themes.values_list("code", flat=True)) == ["gender-equality"]
    assert again.status_code == 400 and "Upload the file again" in again.content.decode()


def test_a_bad_upload_says_why_and_writes_nothing(client):
    client.force_login(StaffFactory())
    url = reverse("opendata:import-foreign")
    before = row_counts()

    refused = client.post(url, {"file": SimpleUploadedFile("x.xml", b"<nonsense", "application/xml")})

    assert refused.status_code == 400 and "Nothing was imported" in refused.content.decode()
    assert row_counts() == before


def test_staff_without_the_permission_are_refused(client):
    client.force_login(StaffWithoutPermissionsFactory())
    url = reverse("opendata:import-foreign")
    before = row_counts()

    page = client.get(url)
    sent = client.post(url, {"file": SimpleUploadedFile("donor.xml", publisher_file("ngo_french.xml"))})

    assert (page.status_code, sent.status_code) == (403, 403)
    assert row_counts() == before


@pytest.mark.parametrize(("name", "most"), [("ngo_french.xml", 16), ("bilateral_donor.xml", 26)])
def test_the_preview_of_a_kept_file_reads_a_bounded_number_of_queries(
    client, django_assert_max_num_queries, name, most
):
    client.force_login(StaffFactory())
    url = reverse("opendata:import-foreign")
    client.post(url, {"file": SimpleUploadedFile(name, publisher_file(name))})

    with django_assert_max_num_queries(most):
        page = client.get(url)

    assert page.status_code == 200 and "Choose the facility this activity belongs to." in page.content.decode()
