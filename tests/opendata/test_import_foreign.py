"""Other publishers' IATI activities: mapped by staff, loaded through the same loaders, with every element that
cannot be mapped reported; all or nothing, and loading a file again changes nothing.

No registry package ships the standard's annotated example activity file (pyIATI ships the standard's test files
but pins lxml 4.2 and PyYAML 3, which cannot install beside this project's), and other publishers' files are not
ours to commit, so the files under publishers/ are written in our own words, in the shapes those files take:
standard_shaped.xml has the elements of the standard's annotated example, in its order and with its comments;
ministry_2_01.xml has what a ministry's IATI 2.01 file was found to hold that the import first refused."""

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
from opendata.importer.foreign import ActivityMapping, ForeignMapping, MappingRefused, foreign_activities_import
from results.models import IndicatorPeriod, ProjectIndicator, ReportedValue
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


def refused_import(content: bytes, mapping: ForeignMapping):
    """The report of an import that refuses an activity of `content`: nothing written, in the report or the
    database."""
    before = row_counts()
    report = foreign_activities_import(content=content, mapping=mapping)
    assert not report.written and row_counts() == before
    return report


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
        (MUNICIPAL, "Choose the facility this activity belongs to, or leave it out.")
    ]
    assert row_counts() == before


def test_an_activity_ending_before_it_starts_is_refused_and_nothing_is_written():
    content = publisher_file("ngo_french.xml").replace(
        b'<activity-date type="3" iso-date="2026-05-31"/>', b'<activity-date type="3" iso-date="2024-05-31"/>'
    )
    report = refused_import(content, UPGRADING)

    assert [(a.identifier, a.outcome.reason) for a in report.refused] == [
        (PIKINE, "A project cannot end before it starts.")
    ]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"<iati-activities version='2.03'><iati-activity>", "not a well-formed XML file"),
        (b'<!DOCTYPE x [<!ENTITY a "aaaa">]><iati-activities version="2.03"/>', "document type"),
        (b'<iati-activities version="1.05"/>', "IATI versions 2.01 to 2.03 are read; this file says 1.05"),
        (b'<?xml version="1.0"?>' + b"<!-- a note -->  \n" * 5000 + b"<!DOCTYPE x><iati-activities/>", "document type"),
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
    assert "2 created, 0 updated, 0 unchanged, 0 left out." in output
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
    assert preview.status_code == 200 and "Choose the facility this activity belongs to, or leave it out." in page
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

    assert (
        page.status_code == 200
        and "Choose the facility this activity belongs to, or leave it out." in page.content.decode()
    )


STANDARD, MINISTRY = "XM-EXAMPLE-RIVERSIDE-77", "XM-EXAMPLE-MINISTRY-500"
PROGRAMME_LEFT_OUT = ForeignMapping(default=UPGRADING.default, activities={MINISTRY: ActivityMapping(leave_out=True)})


def test_a_file_shaped_like_the_standards_example_loads_after_mapping_and_reports_every_element_it_cannot_map():
    report = foreign_activities_import(content=publisher_file("standard_shaped.xml"), mapping=UPGRADING)

    assert report.written and report.counts["created"] == 1, [a.outcome.reason for a in report.activities]
    project = Project.objects.get(code=STANDARD)
    assert (project.title, project.currency, project.approved_budget) == (
        "Flood-safe homes along two rivers",
        "EUR",
        Decimal("300000"),
    )
    assert project.summary == "Residents' groups raise plinths and drains in riverside settlements."
    assert (project.start_date.isoformat(), project.end_date.isoformat()) == ("2025-04-01", "2027-03-31")
    assert dict(project.countries.values_list("country", "percentage")) == {"MZ": 50, "MW": 50}
    assert (project.committed_total, project.disbursed_total) == (Decimal("300000"), Decimal("90000"))
    assert project.agreement.grantee.iati_identifier == "XM-EXAMPLE-BANKSIDE"
    partners = set(ProjectPartner.objects.filter(project=project).values_list("organisation__iati_identifier", "role"))
    assert partners == {("XM-EXAMPLE-LAKEFUND", 1), ("XM-EXAMPLE-RIVERSIDE", 2), ("XM-EXAMPLE-BANKSIDE", 4)}
    at = "/iati-activities/iati-activity"
    unmapped = unmapped_paths(report, STANDARD)
    # The default currency none of its money is in gives way to the currency it is in, and that is said.
    assert "the project keeps its books in EUR" in unmapped[f"{at}/@default-currency"]
    # Two countries of 30% beside two regions: the countries share the project, each change said.
    assert "50%" in unmapped[f"{at}/recipient-country[1]/@percentage"]
    assert "Regions are not recorded" in unmapped[f"{at}/recipient-region[2]"]
    # Incoming funds are left out whole; a payment keeps its amount and loses what a ledger row has no place for.
    assert "commitments, disbursements and expenditure only" in unmapped[f"{at}/transaction[1]"]
    assert "Planned payments are not recorded" in unmapped[f"{at}/planned-disbursement"]
    for path in (
        f"{at}/@humanitarian",
        f"{at}/@budget-not-provided",
        f"{at}/title/narrative[2]",
        f"{at}/title/narrative[3]",
        f"{at}/description[2]",
        f"{at}/description[3]",
        f"{at}/participating-org[3]/@crs-channel-code",
        f"{at}/activity-date[1]/narrative[1]",
        f"{at}/activity-date[2]",
        f"{at}/activity-scope",
        f"{at}/location",
        f"{at}/country-budget-items",
        f"{at}/humanitarian-scope",
        f"{at}/budget[1]/@status",
        f"{at}/capital-spend",
        f"{at}/transaction[3]/@humanitarian",
        f"{at}/transaction[3]/description/narrative[2]",
        f"{at}/transaction[3]/sector",
        f"{at}/transaction[3]/recipient-country",
        f"{at}/transaction[3]/aid-type",
        f"{at}/legacy-data",
        f"{at}/conditions",
        f"{at}/result",
        f"{at}/crs-add",
        f"{at}/fss",
    ):
        assert path in unmapped, path


def test_a_ministry_2_01_file_loads_with_its_programme_left_out_and_its_commitments_as_one_agreement():
    report = foreign_activities_import(content=publisher_file("ministry_2_01.xml"), mapping=PROGRAMME_LEFT_OUT)

    assert report.written, [(a.identifier, a.outcome.reason) for a in report.refused]
    assert (report.counts["created"], report.counts["left out"]) == (3, 1)
    assert not Project.objects.filter(code=MINISTRY).exists()
    records = Project.objects.get(code=f"{MINISTRY}-1")
    assert (records.agreement.amount, records.agreement.signed_on.isoformat()) == (Decimal("840000"), "2025-02-01")
    assert records.agreement.grantee.name == "Lakeside Mapping Collective"
    assert (records.committed_total, records.disbursed_total) == (Decimal("840000"), Decimal("840000"))
    at = "/iati-activities/iati-activity[2]"
    unmapped = unmapped_paths(report, f"{MINISTRY}-1")
    for merged in (f"{at}/transaction[1]", f"{at}/transaction[2]", f"{at}/transaction[4]"):
        assert "Counted in the project's one grant agreement" in unmapped[merged], merged
    assert "EUR\xa0840,000.00" in unmapped[f"{at}/transaction[3]/value"]
    assert "beyond the EUR\xa0840,000.00 committed" in unmapped[f"{at}/transaction[7]"]
    assert "breaks the IATI 2.03 schema, in what is not read" in unmapped[f"{at}/capital-spend"]
    # A commitment above the budget raises the approved budget to it; an attribute of the 2.01 era is said.
    volunteer = Project.objects.get(code=f"{MINISTRY}-2")
    assert (volunteer.approved_budget, volunteer.disbursed_total) == (Decimal("15000"), Decimal("9000"))
    assert "/iati-activities/iati-activity[3]/participating-org[1]/@xml:lang" in unmapped_paths(report, f"{MINISTRY}-2")
    # Commitments of nothing make no agreement: the payment has nothing to be paid under; the spending stands.
    training = Project.objects.get(code=f"{MINISTRY}-3")
    assert (training.committed_total, training.disbursed_total, training.spent_total) == (0, 0, Decimal("5800"))
    unmapped = unmapped_paths(report, f"{MINISTRY}-3")
    assert "add up to EUR\xa00.00" in unmapped["/iati-activities/iati-activity[4]/transaction[1]"]
    assert "Nothing is committed" in unmapped["/iati-activities/iati-activity[4]/transaction[2]"]


def test_a_programme_without_money_refuses_the_file_until_it_is_left_out_and_loading_again_changes_nothing():
    refused = refused_import(publisher_file("ministry_2_01.xml"), UPGRADING)
    assert [(a.identifier, a.outcome.reason) for a in refused.refused] == [
        (MINISTRY, "A new activity needs a budget or a commitment.")
    ]

    foreign_activities_import(content=publisher_file("ministry_2_01.xml"), mapping=PROGRAMME_LEFT_OUT)
    counts = row_counts()
    again = foreign_activities_import(content=publisher_file("ministry_2_01.xml"), mapping=PROGRAMME_LEFT_OUT)

    assert again.written and set(again.counts) == {"unchanged", "left out"}
    assert row_counts() == counts


def test_an_activity_breaking_the_schema_in_what_is_read_is_refused_and_nothing_is_written():
    content = publisher_file("ministry_2_01.xml").replace(
        b"<description><narrative>Two courses for the county's surveyors.</narrative></description>", b""
    )
    report = refused_import(content, PROGRAMME_LEFT_OUT)

    (refused,) = report.refused
    assert refused.identifier == f"{MINISTRY}-3"
    assert refused.outcome.reason.startswith("Line ") and "breaks the IATI 2.03 schema" in refused.outcome.reason
    assert "/iati-activities/iati-activity[4]/participating-org" in refused.outcome.reason


def test_the_command_leaves_out_what_the_mapping_file_says(tmp_path, capsys):
    data = tmp_path / "ministry.xml"
    data.write_bytes(publisher_file("ministry_2_01.xml"))
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(f"facility: community-upgrading-fund\nactivities:\n  {MINISTRY}:\n    leave_out: true\n")

    call_command("import_iati_foreign", str(data), "--mapping", str(mapping))

    output = capsys.readouterr().out
    assert f"left out  {MINISTRY}: Left out of the import, as chosen." in output
    assert "not mapped: /iati-activities/iati-activity[2]/capital-spend Line 39:" in output
    assert "3 created, 0 updated, 0 unchanged, 1 left out." in output
    assert Project.objects.filter(code__startswith=f"{MINISTRY}-").count() == 3


def test_staff_leave_an_activity_out_and_import_a_2_01_file_in_the_admin(client):
    client.force_login(StaffFactory())
    url = reverse("opendata:import-foreign")
    upload = SimpleUploadedFile("ministry.xml", publisher_file("ministry_2_01.xml"), "application/xml")
    facility = {f"activity-{n}-facility": "community-upgrading-fund" for n in range(4)}

    preview = client.post(url, {"file": upload})
    imported = client.post(url, {"action": "import", **facility, "activity-0-leave_out": "on"})

    page = preview.content.decode()
    assert preview.status_code == 200 and "Leave this activity out" in page
    assert "Choose the facility this activity belongs to, or leave it out." in page
    assert "/iati-activities/iati-activity[2]/capital-spend" in page and "in what is not read" in page
    assert imported.status_code == 200
    assert "Imported: 3 created, 0 updated, 0 unchanged, 1 left out." in imported.content.decode()
    assert not Project.objects.filter(code=MINISTRY).exists()


def test_staff_preview_and_import_a_file_shaped_like_the_standards_example_in_the_admin(client):
    client.force_login(StaffFactory())
    url = reverse("opendata:import-foreign")
    upload = SimpleUploadedFile("example.xml", publisher_file("standard_shaped.xml"), "application/xml")

    preview = client.post(url, {"file": upload})
    imported = client.post(url, {"action": "import", "activity-0-facility": "community-upgrading-fund"})

    page = preview.content.decode()
    assert preview.status_code == 200
    assert "/iati-activities/iati-activity/@default-currency" in page and "keeps its books in EUR" in page
    assert "/iati-activities/iati-activity/recipient-country[1]/@percentage" in page
    assert imported.status_code == 200 and "Imported: 1 created" in imported.content.decode()
    assert Project.objects.get(code=STANDARD).currency == "EUR"


def test_an_indicator_mapped_by_its_title_loads_its_baseline_target_and_actual_and_reports_the_rest():
    mapping = ForeignMapping(default=UPGRADING.default, indicators={"Homes with raised plinths": "IMP-1"})

    report = foreign_activities_import(content=publisher_file("standard_shaped.xml"), mapping=mapping)

    assert report.written
    measured = ProjectIndicator.objects.get(project__code=STANDARD)
    assert (measured.indicator.code, measured.title, measured.baseline_value) == (
        "IMP-1",
        "Homes with raised plinths",
        Decimal("0"),
    )
    assert measured.result.title == "Homes raised above flood level"
    (period,) = IndicatorPeriod.objects.filter(project_indicator=measured)
    assert (period.period.start_date.isoformat(), period.target_value) == ("2025-04-01", Decimal("400"))
    assert ReportedValue.objects.get(indicator_period=period).value == Decimal("380")
    at = "/iati-activities/iati-activity/result"
    unmapped = unmapped_paths(report, STANDARD)
    for path in (
        f"{at}/@aggregation-status",
        f"{at}/reference",
        f"{at}/indicator/@measure",
        f"{at}/indicator/reference",
        f"{at}/indicator/baseline/location",
        f"{at}/indicator/baseline/dimension",
        f"{at}/indicator/baseline/comment",
        f"{at}/indicator/period[1]/target/dimension",
        f"{at}/indicator/period[1]/actual/dimension",
    ):
        assert path in unmapped, path
    assert "within its dates (2025-04-01 to 2027-03-31)" in unmapped[f"{at}/indicator/period[2]"]


def test_a_mapping_naming_no_corporate_indicator_is_refused_and_writes_nothing():
    before = row_counts()
    mapping = ForeignMapping(default=UPGRADING.default, indicators={"Homes with raised plinths": "NO-SUCH"})

    with pytest.raises(MappingRefused, match="NO-SUCH"):
        foreign_activities_import(content=publisher_file("standard_shaped.xml"), mapping=mapping)

    assert row_counts() == before


def test_staff_map_an_indicator_by_its_title_in_the_admin_and_the_command_reads_it_from_the_mapping_file(
    client, tmp_path, capsys
):
    client.force_login(StaffFactory())
    url = reverse("opendata:import-foreign")
    upload = SimpleUploadedFile("example.xml", publisher_file("standard_shaped.xml"), "application/xml")
    choices = {"activity-0-facility": "community-upgrading-fund", "indicator-0": "IMP-1"}

    preview = client.post(url, {"file": upload})
    unknown = client.post(url, {"action": "preview", **choices, "indicator-0": "NO-SUCH"})
    imported = client.post(url, {"action": "import", **choices})

    assert preview.status_code == 200 and "Homes with raised plinths" in preview.content.decode()
    assert unknown.status_code == 400 and "each indicator" in unknown.content.decode()
    assert imported.status_code == 200 and "Imported: 1 created" in imported.content.decode()
    assert ProjectIndicator.objects.get(project__code=STANDARD).indicator.code == "IMP-1"

    data = tmp_path / "example.xml"
    data.write_bytes(publisher_file("standard_shaped.xml"))
    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        json.dumps({"facility": UPGRADING.default.facility, "indicators": {"Homes with raised plinths": "IMP-1"}})
    )
    call_command("import_iati_foreign", str(data), "--mapping", str(mapping))

    assert "0 created, 0 updated, 1 unchanged, 0 left out." in capsys.readouterr().out
