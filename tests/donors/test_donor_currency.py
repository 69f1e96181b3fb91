"""Each donor's currency: its dashboard, CSV files and PDF reports show their totals in it, with a switch to the
partnership's reporting currency, and list the exchange rates they used; a missing rate is said, never guessed.

SECO pledges in CHF and EUR and has staff set its currency to CHF; the projects it funds are in USD, and the
rates are recorded against USD only, so its CHF figures use the inverse of the CHF rate and, for EUR, a cross
rate through USD. Every expected figure is worked out here from those rates.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from common.money import format_money
from donors import services
from donors.models import DonorReport
from donors.services import DonorReportError
from grants.services import contribution_receive, disbursement_record
from tests.donors.test_dashboard import add_funded_projects, donor_user, figure
from tests.donors.test_report_pdf import RATE_SOURCE, arrange_donor_with_a_year_of_activity, render
from tests.factories import (
    AllocationFactory,
    ContributionFactory,
    ExchangeRateFactory,
    GrantAgreementFactory,
    OrganisationFactory,
    ProjectFactory,
)

pytestmark = pytest.mark.django_db

D = Decimal
CHF_2018, CHF_2019, EUR_2019 = D("1.10"), D("1.02"), D("1.14")  # USD per unit


@pytest.fixture(autouse=True)
def _report_in_dollars(settings, tmp_path):
    settings.REPORTING_CURRENCY = "USD"
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def seco():
    ExchangeRateFactory(currency="CHF", quote_currency="USD", date=dt.date(2018, 1, 1), rate=CHF_2018, source="SNB")
    ExchangeRateFactory(currency="CHF", quote_currency="USD", date=dt.date(2019, 1, 1), rate=CHF_2019, source="SNB")
    ExchangeRateFactory(currency="EUR", quote_currency="USD", date=dt.date(2019, 1, 1), rate=EUR_2019, source="ECB")
    donor = OrganisationFactory(name="State Secretariat for Economic Affairs", short_name="SECO")
    donor.reporting_currency = "CHF"  # set by staff in the admin: it pledges in two currencies
    donor.full_clean()
    donor.save()
    chf = ContributionFactory(
        donor=donor, reference="SECO-CHF", currency="CHF", amount=D("1000000.00"), start_date=dt.date(2018, 1, 1)
    )
    ContributionFactory(
        donor=donor, reference="SECO-EUR", currency="EUR", amount=D("500000.00"), start_date=dt.date(2019, 1, 1)
    )
    contribution_receive(contribution=chf, amount=D("400000.00"), value_date=dt.date(2018, 6, 1))
    project = ProjectFactory(code="P-USD", currency="USD", start_date=dt.date(2019, 1, 1))
    AllocationFactory(contribution=chf, project=project, amount=D("100000.00"), allocated_on=dt.date(2019, 1, 15))
    GrantAgreementFactory(project=project, amount=D("200000.00"), signed_on=dt.date(2019, 2, 1))
    disbursement_record(project=project, amount=D("60000.00"), value_date=dt.date(2019, 3, 1))
    other = OrganisationFactory(name="Baltic Cooperation Fund")
    ContributionFactory(donor=other, currency="SEK", amount=D("900000.00"), start_date=dt.date(2018, 1, 1))
    return SimpleNamespace(donor=donor, chf=chf, project=project, user=donor_user(donor), other=other)


def money(amount: Decimal, currency: str) -> str:
    return format_money(amount, currency, whole=True)


def dashboard(client, donor, query: str = ""):
    return client.get(reverse("donors:dashboard", args=[donor.pk]) + query)


def rates_table(html: str) -> list[str]:
    table = re.search(r'<table class="table" data-role="rates-used">(.*?)</table>', html, re.S)
    assert table, "no table of the rates used"
    rows = re.findall(r"<tr data-rate=[^>]*>(.*?)</tr>", table.group(1), re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]


def read_csv(response) -> list[dict]:
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_a_donor_sees_its_headline_figures_in_its_own_currency_and_they_add_up_with_the_listed_rates(client, seco):
    client.force_login(seco.user)

    response = dashboard(client, seco.donor)

    assert response.status_code == 200
    html = response.content.decode()
    eur_in_chf = EUR_2019 / CHF_2019  # a cross rate through USD: 1 EUR = 1.14 USD, 1 CHF = 1.02 USD
    pledged = D("1000000") + D("500000") * eur_in_chf
    # P-USD's payment is shared as before: SECO's CHF 100,000 out of the larger of it and the commitment
    # (USD 200,000 = CHF 196,078.43 at the project's start); the USD 30,600 are CHF 30,000 at 1 / 1.02.
    share = D("100000") / (D("200000") / CHF_2019).quantize(D("0.01"))
    disbursed = (D("60000") * share / CHF_2019).quantize(D("0.01"))
    assert disbursed == D("30000.00")
    assert figure(html, "pledged") == money(pledged, "CHF") == "CHF\xa01,558,824"
    assert figure(html, "received") == money(D("400000"), "CHF")
    assert figure(html, "allocated") == money(D("100000"), "CHF")
    assert figure(html, "disbursed") == money(disbursed, "CHF")
    assert figure(html, "balance") == money(D("400000") - disbursed, "CHF") == "CHF\xa0370,000"
    assert 'aria-current="true" data-currency="CHF"' in html
    assert rates_table(html) == [
        "1 EUR = 1.1176470588 CHF 1 Jan 2019; 1 Jan 2019 Through USD: 1 EUR = 1.14 USD (ECB) ÷ 1 CHF = 1.02 USD (SNB)",
        "1 USD = 0.9803921569 CHF 1 Jan 2019 SNB · recorded as CHF in USD",
    ]


def test_the_switch_shows_the_reporting_currency_and_the_next_pages_and_files_keep_it(client, seco):
    client.force_login(seco.user)

    html = dashboard(client, seco.donor, "?currency=usd").content.decode()
    kept = dashboard(client, seco.donor).content.decode()
    rows = read_csv(client.get(reverse("donors:contributions-csv", args=[seco.donor.pk])))

    pledged = D("1000000") * CHF_2018 + D("500000") * EUR_2019  # each pledge at the rate of its start
    for page in (html, kept):
        assert figure(page, "pledged") == money(pledged, "USD") == "USD\xa01,670,000"
        assert figure(page, "received") == money(D("400000") * CHF_2018, "USD")
        assert figure(page, "disbursed") == money(D("30600"), "USD")
        assert 'aria-current="true" data-currency="USD"' in page
    assert rates_table(html) == [
        "1 CHF = 1.1 USD 1 Jan 2018 SNB",
        "1 CHF = 1.02 USD 1 Jan 2019 SNB",
        "1 EUR = 1.14 USD 1 Jan 2019 ECB",
    ]
    assert [row["pledged (USD)"] for row in rows] == ["1100000.00", "570000.00"]
    # The switch back is a plain link: it works without JavaScript.
    assert '<a href="?currency=CHF" data-currency="CHF">CHF</a>' in html


def test_the_csv_files_are_in_the_chosen_currency_and_name_the_rates_they_used(client, seco):
    client.force_login(seco.user)

    contributions = read_csv(client.get(reverse("donors:contributions-csv", args=[seco.donor.pk])))
    countries = read_csv(client.get(reverse("donors:breakdown-csv", args=[seco.donor.pk, "window"]) + "?currency=CHF"))

    assert [(row["reference"], row["pledged (CHF)"]) for row in contributions] == [
        ("SECO-CHF", "1000000.00"),
        ("SECO-EUR", "558823.53"),
    ]
    assert contributions[0]["rates used"] == "1 USD = 0.9803921569 CHF on 2019-01-01 (SNB)"
    assert contributions[1]["rates used"] == (
        "1 EUR = 1.1176470588 CHF through USD: 1 EUR = 1.14 USD on 2019-01-01 (ECB) / "
        "1 CHF = 1.02 USD on 2019-01-01 (SNB)"
    )
    assert list(countries[0]) == ["window", "allocated", "allocated (CHF)", "disbursed (CHF)", "projects", "note"]
    assert (countries[0]["allocated (CHF)"], countries[0]["disbursed (CHF)"]) == ("100000.00", "30000.00")


def test_a_currency_the_donor_pages_do_not_offer_is_refused_in_words_and_the_page_stays_in_its_currency(client, seco):
    client.force_login(seco.user)

    for code in ("JPY", "XYZ", "<b>"):
        response = dashboard(client, seco.donor, f"?currency={code}")
        html = response.content.decode()
        assert response.status_code == 400
        assert figure(html, "pledged") == "CHF\xa01,558,824"
        assert "Choose one of CHF, USD." in html
        assert "<b>" not in html.split('data-role="currency-refused"')[1][:200]
    csv_response = client.get(reverse("donors:contributions-csv", args=[seco.donor.pk]) + "?currency=XYZ")
    assert csv_response.status_code == 400
    assert csv_response.content.decode() == "Figures are not offered in “XYZ”. Choose one of CHF, USD."
    # The refused code was not remembered: the next visit is in the donor's currency.
    assert figure(dashboard(client, seco.donor).content.decode(), "pledged") == "CHF\xa01,558,824"


def test_a_conversion_without_a_rate_leaves_the_figure_empty_and_says_which_rate_is_missing(client, seco):
    ContributionFactory(donor=seco.donor, reference="SECO-GBP", currency="GBP", start_date=dt.date(2019, 1, 1))
    client.force_login(seco.user)

    html = dashboard(client, seco.donor).content.decode()

    assert figure(html, "pledged") == "—"
    assert figure(html, "received") == money(D("400000"), "CHF")  # what it needs is known
    assert "no exchange rate into CHF is recorded for GBP" in html


def test_a_donor_without_a_currency_of_its_own_reports_in_that_of_its_contributions_or_the_reporting_one(seco):
    from donors.selectors import donor_currencies

    swiss = OrganisationFactory()
    ContributionFactory(donor=swiss, currency="CHF")
    mixed = OrganisationFactory()
    ContributionFactory(donor=mixed, currency="CHF")
    ContributionFactory(donor=mixed, currency="EUR")

    assert donor_currencies(swiss) == ["CHF", "USD"]
    assert donor_currencies(mixed) == ["USD"]
    assert donor_currencies(seco.donor) == ["CHF", "USD"]


def test_a_donors_currency_must_be_an_iso_code():
    donor = OrganisationFactory()
    donor.reporting_currency = "XYZ"

    with pytest.raises(ValidationError) as refused:
        donor.full_clean()

    assert refused.value.message_dict["reporting_currency"] == ["XYZ is not an ISO 4217 currency code in use."]


def test_scoping_is_unchanged_another_donors_pages_answer_404_in_any_currency(client, seco):
    client.force_login(seco.user)

    for query in ("", "?currency=CHF", "?currency=USD", "?currency=XYZ"):
        assert dashboard(client, seco.other, query).status_code == 404
        assert client.get(reverse("donors:contributions-csv", args=[seco.other.pk]) + query).status_code == 404


def queries_of(client, url: str) -> int:
    client.get(url)  # the choice is kept in the session and the breakdowns in the cache: measure the next visit
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_dashboard_takes_as_many_queries_in_either_currency_and_for_twenty_projects_as_for_two(client, seco):
    add_funded_projects(seco.chf, 2)
    client.force_login(seco.user)
    url = reverse("donors:dashboard", args=[seco.donor.pk])

    chf, usd = queries_of(client, url + "?currency=CHF"), queries_of(client, url + "?currency=USD")
    add_funded_projects(seco.chf, 18, start=2)

    assert chf == usd == queries_of(client, url + "?currency=CHF") == queries_of(client, url + "?currency=USD")


def test_a_report_is_requested_in_the_currency_chosen_and_a_request_in_another_is_another_report(client, seco):
    client.force_login(seco.user)
    period = {"period_start": "2019-01-01", "period_end": "2019-03-31"}
    url = reverse("donors:reports", args=[seco.donor.pk])

    html = dashboard(client, seco.donor, "?currency=USD").content.decode()
    client.post(url, {**period, "currency": "USD"})
    client.post(url, {**period, "currency": "CHF"})
    refused = client.post(url, {**period, "currency": "SEK"})

    assert re.search(r'<option value="USD" selected>USD</option>', html)
    assert sorted(DonorReport.objects.values_list("currency", flat=True)) == ["CHF", "USD"]
    assert refused.status_code == 400
    assert DonorReport.objects.count() == 2
    with pytest.raises(DonorReportError, match="can be made in CHF or USD, not SEK"):
        services.report_request(
            donor=seco.donor,
            period_start=dt.date(2019, 1, 1),
            period_end=dt.date(2019, 3, 31),
            currency="SEK",
            user=None,
        )


def test_the_pdf_in_the_donors_currency_states_its_figures_in_it_and_lists_every_rate_with_its_source(tmp_path):
    report = arrange_donor_with_a_year_of_activity()  # a CHF agreement funding USD projects, rates in USD
    report.currency = "CHF"
    report.save()

    text = render(report, tmp_path).text

    assert "Reporting currency CHF" in text
    assert "Received in the period 1,000,000.00" in text  # the receipt of the period, in CHF already
    assert "Pledged CHF 3,000,000" in text
    rates = text[text.index("Exchange rates used Currency") :]
    assert f"1 USD = CHF 0.9090909091 1 Jan 2020 {RATE_SOURCE}" in rates  # 1 / 1.10
    assert f"1 USD = CHF 0.9523809524 1 Jan 2021 {RATE_SOURCE}" in rates  # 1 / 1.05
    assert "1 CHF = " not in rates  # the donor's own money needs no rate


# The CSV files: every amount in its own currency and, beside it, in the dashboard's


def csv_of(client, name: str, donor, query: str = "", *args) -> list[dict]:
    if name == "project-list":
        url = reverse("donors:project-list", args=[donor.pk]) + (query or "?") + "&format=csv"
    else:
        url = reverse(f"donors:{name}", args=[donor.pk, *args]) + query
    return read_csv(client.get(url))


def rate_cells(row: dict, quote: str) -> list[str]:
    """The single rate a row names: its currency, value, date and source."""
    return [row[column] for column in ("rate currency", f"rate ({quote} per unit)", "rate date", "rate source")]


def column_total(rows: list[dict], column: str) -> Decimal:
    return sum((D(row[column]) for row in rows), D(0))


@pytest.mark.parametrize("currency", ["CHF", "USD"])
def test_every_money_column_of_the_contributions_csv_adds_up_to_the_dashboards_figures(client, seco, currency):
    client.force_login(seco.user)

    html = dashboard(client, seco.donor, f"?currency={currency}").content.decode()
    rows = csv_of(client, "contributions-csv", seco.donor, f"?currency={currency}")

    for name in ("pledged", "received", "allocated", "disbursed", "balance"):
        assert money(column_total(rows, f"{name} ({currency})"), currency) == figure(html, name)
    # The agreements' own amounts and currencies stay beside the converted ones.
    assert [(row["reference"], row["currency"], row["pledged"], row["received"]) for row in rows] == [
        ("SECO-CHF", "CHF", "1000000.00", "400000.00"),
        ("SECO-EUR", "EUR", "500000.00", "0.00"),
    ]


def test_a_contribution_converted_at_one_rate_names_it_and_one_converted_at_several_says_so(client, seco):
    client.force_login(seco.user)

    chf = csv_of(client, "contributions-csv", seco.donor, "?currency=CHF")
    usd = csv_of(client, "contributions-csv", seco.donor, "?currency=USD")

    # In CHF, SECO's francs need no rate; the payments of its USD project need 1 / 1.02.
    assert chf[0]["disbursed (CHF)"] == "30000.00"
    assert rate_cells(chf[0], "CHF") == ["USD", "0.9803921569", "2019-01-01", "SNB"]
    assert chf[0]["note"] == ""
    assert rate_cells(chf[1], "CHF") == ["EUR", "1.1176470588", "2019-01-01", "through USD: ECB / SNB"]
    # In USD, the pledge and the receipt of 2018 use the rate of 2018, the allocation of 2019 that of 2019.
    assert (usd[0]["pledged (USD)"], usd[0]["received (USD)"], usd[0]["allocated (USD)"]) == (
        "1100000.00",
        "440000.00",
        "102000.00",
    )
    assert rate_cells(usd[0], "USD") == ["", "", "", ""]
    assert usd[0]["rates used"] == "1 CHF = 1.1 USD on 2018-01-01 (SNB); 1 CHF = 1.02 USD on 2019-01-01 (SNB)"
    assert usd[0]["note"] == "Amounts converted at more than one rate, each at the rate of its date."


@pytest.mark.parametrize("currency", ["CHF", "USD"])
@pytest.mark.parametrize("dimension", ["window", "country", "year"])
def test_the_breakdown_csv_adds_up_to_the_dashboards_allocations_beside_their_own_amounts(
    client, seco, currency, dimension
):
    client.force_login(seco.user)

    html = dashboard(client, seco.donor, f"?currency={currency}").content.decode()
    rows = csv_of(client, "breakdown-csv", seco.donor, f"?currency={currency}", dimension)

    assert money(column_total(rows, f"allocated ({currency})"), currency) == figure(html, "allocated")
    assert [row["allocated"] for row in rows if row["allocated"]] == ["CHF 100000.00"]


@pytest.mark.parametrize("currency", ["CHF", "USD"])
def test_the_project_list_csv_gives_each_projects_money_in_the_chosen_currency_beside_its_own(client, seco, currency):
    client.force_login(seco.user)

    html = dashboard(client, seco.donor, f"?currency={currency}").content.decode()
    rows = csv_of(client, "project-list", seco.donor)  # the dashboard's choice, kept in the session

    assert money(column_total(rows, f"your allocations ({currency})"), currency) == figure(html, "allocated")
    [row] = rows
    assert (row["currency"], row["committed"], row["disbursed"], row["your allocations"]) == (
        "USD",
        "200000.00",
        "60000.00",
        "SECO-CHF CHF 100000.00",
    )
    if currency == "CHF":  # the commitment at the rate of the project's start, the payment at that of its date
        expected = {
            "committed (CHF)": "196078.43",
            "disbursed (CHF)": "58823.53",
            "your allocations (CHF)": "100000.00",
        }
        rate = ["USD", "0.9803921569", "2019-01-01", "SNB"]
    else:
        expected = {
            "committed (USD)": "200000.00",
            "disbursed (USD)": "60000.00",
            "your allocations (USD)": "102000.00",
        }
        rate = ["CHF", "1.02", "2019-01-01", "SNB"]
    assert {column: row[column] for column in expected} == expected
    assert rate_cells(row, currency) == rate


def test_the_dashboards_csv_links_carry_its_currency_and_the_project_lists_link_the_sessions(client, seco):
    client.force_login(seco.user)
    pk = seco.donor.pk

    in_francs = dashboard(client, seco.donor).content.decode()
    in_dollars = dashboard(client, seco.donor, "?currency=USD").content.decode()
    project_list = client.get(reverse("donors:project-list", args=[pk])).content.decode()

    assert f'href="/donors/{pk}/contributions.csv?currency=CHF"' in in_francs
    assert f'href="/donors/{pk}/money/window.csv?currency=CHF"' in in_francs
    assert f'href="/donors/{pk}/contributions.csv?currency=USD"' in in_dollars
    assert f'href="/donors/{pk}/money/country.csv?currency=USD"' in in_dollars
    link = re.search(r'href="\?([^"]*)">Download as CSV', project_list).group(1).replace("&amp;", "&")
    assert link == "currency=USD&format=csv"
    rows = read_csv(client.get(reverse("donors:project-list", args=[pk]) + "?" + link))
    assert rows[0]["your allocations (USD)"] == "102000.00"


def test_a_missing_rate_leaves_the_converted_cells_empty_and_names_the_currency(client, seco):
    ContributionFactory(
        donor=seco.donor, reference="SECO-GBP", currency="GBP", amount=D("1000.00"), start_date=dt.date(2019, 1, 1)
    )
    pounds = ProjectFactory(code="P-GBP", currency="GBP", start_date=dt.date(2019, 1, 1))
    AllocationFactory(contribution=seco.chf, project=pounds, amount=D("5000.00"), allocated_on=dt.date(2019, 2, 1))
    GrantAgreementFactory(project=pounds, amount=D("8000.00"), signed_on=dt.date(2019, 2, 1))
    client.force_login(seco.user)

    contributions = {row["reference"]: row for row in csv_of(client, "contributions-csv", seco.donor, "?currency=CHF")}
    projects = {row["code"]: row for row in csv_of(client, "project-list", seco.donor, "?currency=CHF")}

    note = (
        "No exchange rate into CHF is recorded for GBP on the dates needed: the figures that need one are left empty."
    )
    assert contributions["SECO-GBP"]["pledged"] == "1000.00"
    assert contributions["SECO-GBP"]["pledged (CHF)"] == ""
    assert contributions["SECO-GBP"]["note"] == note
    assert contributions["SECO-EUR"]["pledged (CHF)"] == "558823.53"  # the other rows keep their figures
    assert (projects["P-GBP"]["committed"], projects["P-GBP"]["committed (CHF)"]) == ("8000.00", "")
    assert projects["P-GBP"]["your allocations (CHF)"] == "5000.00"  # francs need no rate
    assert projects["P-GBP"]["note"] == note
    assert projects["P-USD"]["committed (CHF)"] == "196078.43"
    windows = csv_of(client, "breakdown-csv", seco.donor, "?currency=CHF", "facility")
    assert [(row["allocated"], row["allocated (CHF)"], row["disbursed (CHF)"]) for row in windows] == [
        ("CHF 105000.00", "", "")  # both projects are in the same facility: the GBP one's payments need a rate
    ]
    assert windows[0]["note"].endswith(note)


def test_the_csv_files_refuse_a_currency_not_offered_and_answer_404_for_another_donor_in_any(client, seco):
    client.force_login(seco.user)
    projects = reverse("donors:project-list", args=[seco.donor.pk])

    refused = client.get(projects + "?currency=JPY&format=csv")
    page = client.get(projects + "?currency=JPY")
    window = client.get(reverse("donors:breakdown-csv", args=[seco.donor.pk, "window"]) + "?currency=JPY")

    for response in (refused, window):
        assert response.status_code == 400
        assert response.content.decode() == "Figures are not offered in “JPY”. Choose one of CHF, USD."
    assert page.status_code == 400
    assert "Figures are not offered in “JPY”" in page.content.decode()
    others = [
        reverse("donors:project-list", args=[seco.other.pk]) + "?format=csv&",
        reverse("donors:contributions-csv", args=[seco.other.pk]) + "?",
        reverse("donors:breakdown-csv", args=[seco.other.pk, "country"]) + "?",
    ]
    for url in others:
        for query in ("", "currency=CHF", "currency=USD", "currency=SEK", "currency=XYZ"):
            assert client.get(url + query).status_code == 404, url + query


def test_a_project_title_that_looks_like_a_formula_stays_text_in_the_csv(client, seco):
    seco.project.title = '=HYPERLINK("http://example.com")'
    seco.project.save()
    client.force_login(seco.user)

    [row] = csv_of(client, "project-list", seco.donor, "?currency=USD")

    assert row["title"] == '\'=HYPERLINK("http://example.com")'


@pytest.mark.parametrize("name", ["project-list", "contributions-csv"])
def test_the_csv_files_take_as_many_queries_in_either_currency_for_twenty_projects_as_for_two(client, seco, name):
    add_funded_projects(seco.chf, 2)
    client.force_login(seco.user)
    url = reverse(f"donors:{name}", args=[seco.donor.pk]) + ("?format=csv&" if name == "project-list" else "?")

    chf, usd = queries_of(client, url + "currency=CHF"), queries_of(client, url + "currency=USD")
    add_funded_projects(seco.chf, 18, start=2)

    assert chf == usd == queries_of(client, url + "currency=CHF") == queries_of(client, url + "currency=USD")
    assert len(read_csv(client.get(url + "currency=CHF"))) == (21 if name == "project-list" else 2)


def test_a_year_whose_payments_lack_a_rate_is_left_empty_and_the_other_years_keep_their_figures(client, seco):
    """SECO's franc allocation funds a USD project paid in 2019 and a pound project paid in 2021; no pound rate."""
    client.force_login(seco.user)
    before = {row["year"]: row for row in csv_of(client, "breakdown-csv", seco.donor, "?currency=USD", "year")}
    pounds = ProjectFactory(code="P-GBP", currency="GBP", start_date=dt.date(2020, 1, 1))
    AllocationFactory(contribution=seco.chf, project=pounds, amount=D("5000.00"), allocated_on=dt.date(2020, 2, 1))
    GrantAgreementFactory(project=pounds, amount=D("8000.00"), signed_on=dt.date(2020, 2, 1))
    disbursement_record(project=pounds, amount=D("2000.00"), value_date=dt.date(2021, 3, 1))

    years = {row["year"]: row for row in csv_of(client, "breakdown-csv", seco.donor, "?currency=USD", "year")}

    assert years["2019"] == before["2019"] and years["2019"]["disbursed (USD)"] not in ("", "0.00")
    assert years["2019"]["note"].startswith("Each amount converted") and "GBP" not in years["2019"]["note"]
    assert years["2020"]["allocated (USD)"] != ""  # the pound project's allocation is in francs
    assert (years["2021"]["allocated (USD)"], years["2021"]["disbursed (USD)"]) == ("", "")
    assert "No exchange rate into USD is recorded for GBP" in years["2021"]["note"]
