"""IATI import: idempotent, lossless on a round trip, and all-or-nothing for a file that is not IATI."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse
from lxml import etree

from grants import services as ledger
from grants.models import Contribution, Project, ProjectPartner, Transaction, TransactionKind
from grants.reference import load_reference_data
from members.models import Organisation
from opendata import iati
from opendata.importer import ActivityOutcome, ImportRefused, import_activities
from opendata.importer import ledger as importer_ledger
from results.models import ProjectIndicator, ReportedValue
from results.reference import load_framework
from tests.factories import ContributionFactory, StaffFactory

pytestmark = pytest.mark.django_db


def exported() -> bytes:
    return b"".join(iati.activities_xml())


def without_timestamps(document: bytes) -> str:
    return re.sub(r' (last-updated|generated)-datetime="[^"]*"', "", document.decode())


def same_organisation(organisation: Organisation) -> Organisation:
    """The organisation of that name, recorded again after a rollback when it is gone."""
    return Organisation.objects.get_or_create(name=organisation.name, defaults={"kind": organisation.kind})[0]


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.fixture
def demo_file() -> bytes:
    call_command("load_demo")
    return exported()


def test_importing_the_export_of_the_same_portfolio_changes_nothing(demo_file):
    before = row_counts()

    report = import_activities(demo_file)

    assert set(report.counts) == {"unchanged"}, [(o.identifier, o.action, o.reason) for o in report.outcomes]
    assert row_counts() == before


def test_an_empty_portfolio_is_filled_from_iati_then_left_alone_on_reimport():
    # The file comes from the demo portfolio, which is then rolled back: the import starts from
    # reference data and the results framework only.
    with transaction.atomic():
        call_command("load_demo")
        paid = Transaction.objects.filter(kind=TransactionKind.DISBURSEMENT, project__code="CUF-LBR-2019").first()
        ledger.transaction_reverse(original=paid, value_date=dt.date(2026, 6, 30), reason="Paid to the wrong account")
        demo_file = exported()
        # Only published projects are in the IATI file (the demo's grant at the reporting stage is not).
        expected_projects = Project.objects.filter(is_public=True).count()
        expected_values = ReportedValue.objects.filter(is_approved=True).count()
        expected_totals = {
            p.code: (p.committed_total, p.disbursed_total, p.spent_total)
            for p in Project.objects.filter(is_public=True)
        }
        transaction.set_rollback(True)
    load_reference_data()
    load_framework()
    assert not Project.objects.exists()

    first = import_activities(demo_file)
    counts_after_first = row_counts()
    second = import_activities(demo_file)

    assert first.counts["created"] == expected_projects, [(o.identifier, o.reason) for o in first.outcomes]
    assert set(second.counts) == {"unchanged"}
    assert row_counts() == counts_after_first
    assert Transaction.objects.filter(kind=3).exists() and ProjectPartner.objects.exists()
    totals = {p.code: (p.committed_total, p.disbursed_total, p.spent_total) for p in Project.objects.all()}
    assert totals == expected_totals
    reversal = Transaction.objects.get(reverses__isnull=False)
    assert reversal.description == "Reversal: Paid to the wrong account" and reversal.project.code == "CUF-LBR-2019"
    assert any("pooled fund" not in note and "payment" in note for o in first.outcomes for note in o.notes)
    assert ProjectIndicator.objects.exists()
    assert ReportedValue.objects.filter(is_approved=True).count() == expected_values
    uganda = Project.objects.get(code="CP-UGA-2014")
    assert uganda.disbursed_total == uganda.committed_total > 0
    assert set(uganda.themes.values_list("code", flat=True)) == {"equitable-economic-growth", "gender-equality"}


def test_a_portfolio_loaded_from_its_iati_file_publishes_the_same_file_payments_and_reversals_included():
    # The secretariat has recorded its donor agreements, not yet the payments the file holds.
    with transaction.atomic():
        call_command("load_demo")
        receipt = Transaction.objects.filter(kind=TransactionKind.INCOMING_FUNDS).order_by("value_date").first()
        ledger.transaction_reverse(original=receipt, value_date=dt.date(2026, 6, 30), reason="Paid twice")
        demo_file = exported()
        agreements = list(Contribution.objects.select_related("donor", "contract_partner").order_by("pk"))
        transaction.set_rollback(True)
    terms = ("reference", "amount", "currency", "start_date", "end_date", "status")
    for agreement in agreements:
        ContributionFactory(
            donor=same_organisation(agreement.donor),
            contract_partner=same_organisation(agreement.contract_partner) if agreement.contract_partner else None,
            **{term: getattr(agreement, term) for term in terms},
        )
    load_reference_data()
    load_framework()

    first = import_activities(demo_file)
    counts_after_first = row_counts()
    second = import_activities(demo_file)

    fund = next(o for o in first.outcomes if o.identifier.endswith("-FUND"))
    assert (fund.action, fund.notes) == ("updated", [])
    received = dict(Contribution.objects.values_list("reference", "received_total"))
    assert received == {agreement.reference: agreement.received_total for agreement in agreements}
    reversal = Transaction.objects.get(reverses__isnull=False)
    assert (reversal.amount, reversal.reference) == (-receipt.amount, receipt.reference)
    assert reversal.description == "Reversal: Paid twice"
    assert next(o for o in second.outcomes if o.identifier.endswith("-FUND")).action == "unchanged"
    assert row_counts() == counts_after_first
    # An imported project is published as any other, by the secretariat's act; nothing was lost on the way: the
    # portfolio loaded from the file, once published, publishes the same file.
    assert exported().count(b"<iati-activity ") == 1  # the pooled fund's alone
    publisher = StaffFactory()
    for project in Project.objects.all():
        ledger.project_publish(project=project, user=publisher)
    assert without_timestamps(exported()) == without_timestamps(demo_file)


def test_a_payment_from_an_unknown_donor_is_left_out_with_a_note():
    with transaction.atomic():
        call_command("load_demo")
        demo_file = exported()
        transaction.set_rollback(True)
    load_reference_data()

    report = import_activities(demo_file)

    fund = next(o for o in report.outcomes if o.identifier.endswith("-FUND"))
    assert fund.action == "unchanged"
    assert fund.notes and all("has no contribution here" in note for note in fund.notes)
    assert not Transaction.objects.filter(kind=TransactionKind.INCOMING_FUNDS).exists()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"this is not xml", "not a well-formed XML file"),
        (b"<budget/>", "not an IATI activity file"),
        (b'<iati-activities version="2.02"/>', "Only IATI version 2.03"),
        (b'<iati-activities version="2.03"><iati-activity/></iati-activities>', "breaks the IATI 2.03 schema"),
    ],
)
def test_a_file_that_is_not_iati_203_is_refused_and_writes_nothing(content, reason):
    load_reference_data()
    before = row_counts()

    with pytest.raises(ImportRefused, match=reason):
        import_activities(content)

    assert row_counts() == before


def test_a_refused_activity_says_why_and_the_others_still_load(demo_file):
    text = demo_file.decode()
    # Without its facility tag, an activity new to this portfolio cannot be placed.
    text = text.replace("CP-GHA-2014</iati-identifier>", "NEW-GHA-2014</iati-identifier>", 1)
    text = text.replace('code="facility:country-programmes"', 'code="facility:unknown"', 1)

    report = import_activities(text.encode())

    refused = [o for o in report.outcomes if o.action == "refused"]
    assert [o.identifier.rsplit("-", 3)[-3:] for o in refused] == [["NEW", "GHA", "2014"]]
    assert "facility" in refused[0].reason
    assert not Project.objects.filter(code="NEW-GHA-2014").exists()
    assert report.counts["unchanged"] == len(report.outcomes) - 1


def test_the_command_reports_each_activity_and_refuses_a_bad_file(demo_file, tmp_path, capsys):
    good, bad = tmp_path / "activities.xml", tmp_path / "bad.xml"
    good.write_bytes(demo_file)
    bad.write_text("<html/>")

    call_command("import_iati", str(good))
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_iati", str(bad))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_iati", str(tmp_path / "missing.xml"))

    output = capsys.readouterr().out
    assert "unchanged XI-IATI-CITIES-ALLIANCE-CP-UGA-2014" in output
    assert "0 created, 0 updated" in output


def test_staff_upload_a_file_in_the_admin_and_see_the_outcome(client, demo_file):
    client.force_login(StaffFactory())
    url = reverse("opendata:import")

    page = client.post(url, {"file": SimpleUploadedFile("activities.xml", demo_file, "application/xml")})
    refused = client.post(url, {"file": SimpleUploadedFile("x.xml", b"nonsense", "application/xml")})

    assert page.status_code == 200 and "unchanged" in page.content.decode()
    assert refused.status_code == 400 and "Nothing was imported" in refused.content.decode()
    client.logout()
    assert client.get(url).status_code == 302


def fund_payment(donor: str, on: str, amount: str, reference: str = "") -> etree._Element:
    """The pooled fund's activity with one donor payment, as another publisher might write it."""
    return etree.fromstring(
        f"""<iati-activity default-currency="USD"><transaction ref="{reference}">
        <transaction-type code="1"/><transaction-date iso-date="{on}"/><value currency="USD">{amount}</value>
        <provider-org><narrative>{donor}</narrative></provider-org></transaction></iati-activity>"""
    )


def test_a_payment_goes_to_the_one_contribution_whose_dates_cover_it_or_is_left_out_with_a_note():
    donor = Organisation.objects.create(name="Ministry of Foreign Affairs")
    first = ContributionFactory(donor=donor, start_date=dt.date(2018, 1, 1), end_date=dt.date(2020, 12, 31))
    second = ContributionFactory(donor=donor, start_date=dt.date(2021, 1, 1), end_date=dt.date(2024, 12, 31))
    ContributionFactory(donor=donor, start_date=dt.date(2022, 1, 1), end_date=dt.date(2025, 12, 31), currency="EUR")
    outcome = ActivityOutcome("fund", "unchanged")

    in_first = importer_ledger.fund_receipts(fund_payment(donor.name, "2019-05-01", "1000.00"), outcome, "USD")
    in_second = importer_ledger.fund_receipts(fund_payment(donor.name, "2022-05-01", "2500.00"), outcome, "USD")
    ContributionFactory(donor=donor, start_date=dt.date(2022, 1, 1), end_date=dt.date(2022, 12, 31))
    ambiguous = importer_ledger.fund_receipts(fund_payment(donor.name, "2022-06-01", "300.00"), outcome, "USD")

    first.refresh_from_db()
    second.refresh_from_db()
    assert (in_first, in_second, ambiguous) == (True, True, False)
    assert (first.received_total, second.received_total) == (Decimal("1000.00"), Decimal("2500.00"))
    assert outcome.notes == [
        "The payment of 2022-06-01 left out: no single contribution of Ministry of Foreign Affairs in USD matches it."
    ]
