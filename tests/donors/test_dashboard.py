"""A donor's pages: its figures, only its own data, filters and downloads, in a constant number of queries.

Every expected figure is worked out by hand in the test from the rates and amounts it records.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from common.money import format_money
from donors.models import DonorReport, ReportJobStatus
from grants.models import ProjectStatus
from grants.services import contribution_receive, disbursement_record
from members.models import Role
from tests.factories import (
    AllocationFactory,
    CityFactory,
    ContributionFactory,
    ExchangeRateFactory,
    FacilityFactory,
    FundingWindowFactory,
    GrantAgreementFactory,
    OrganisationFactory,
    OrganisationRoleFactory,
    PartnerUserFactory,
    ProjectCountryFactory,
    ProjectFactory,
    ProjectPartnerFactory,
    StaffFactory,
    ThemeFactory,
    VerifiedUserFactory,
)

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"  # UserFactory's
CHF_2018, CHF_2019 = Decimal("1.10"), Decimal("1.02")  # USD per CHF from 1 Jan 2018, from 1 Jan 2019


@pytest.fixture(autouse=True)
def _report_in_dollars(settings, tmp_path):
    settings.REPORTING_CURRENCY = "USD"
    settings.MEDIA_ROOT = str(tmp_path / "media")


def D(value: str) -> Decimal:
    return Decimal(value)


def donor_user(donor, email: str | None = None):
    """A user who can log in and acts for `donor` as a donor."""
    user = VerifiedUserFactory(**({"email": email} if email else {}))
    OrganisationRoleFactory(user=user, organisation=donor, role=Role.DONOR)
    return user


def fund(contribution, project, amount: str, *, committed: str | None = None, paid: str | None = None) -> None:
    AllocationFactory(contribution=contribution, project=project, amount=D(amount), allocated_on=dt.date(2019, 1, 15))
    if committed:
        GrantAgreementFactory(project=project, amount=D(committed), signed_on=dt.date(2019, 2, 1))
    if paid:
        disbursement_record(project=project, amount=D(paid), value_date=dt.date(2019, 3, 1))


@pytest.fixture
def two_donors():
    """Donor A pledges CHF and USD and funds P-SHARED (with B) and P-OWN; B alone funds P-B-ONLY."""
    ExchangeRateFactory(currency="CHF", quote_currency="USD", date=dt.date(2018, 1, 1), rate=CHF_2018)
    ExchangeRateFactory(currency="CHF", quote_currency="USD", date=dt.date(2019, 1, 1), rate=CHF_2019)
    a = OrganisationFactory(name="Alpine Development Agency", short_name="ADA")
    b = OrganisationFactory(name="Baltic Cooperation Fund", short_name="BCF")
    a_chf = ContributionFactory(
        donor=a, reference="A-CHF", currency="CHF", amount=D("1000000.00"), start_date=dt.date(2018, 1, 1)
    )
    a_usd = ContributionFactory(
        donor=a, reference="A-USD", currency="USD", amount=D("500000.00"), start_date=dt.date(2018, 1, 1)
    )
    b_usd = ContributionFactory(
        donor=b, reference="B-USD", currency="USD", amount=D("800000.00"), start_date=dt.date(2018, 1, 1)
    )
    contribution_receive(contribution=a_chf, amount=D("400000.00"), value_date=dt.date(2018, 6, 1))
    contribution_receive(contribution=a_chf, amount=D("100000.00"), value_date=dt.date(2019, 6, 1))
    contribution_receive(contribution=a_usd, amount=D("200000.00"), value_date=dt.date(2018, 6, 1))
    contribution_receive(contribution=b_usd, amount=D("300000.00"), value_date=dt.date(2018, 6, 1))

    shared = ProjectFactory(code="P-SHARED", title="Slum upgrading in Kampala")
    own = ProjectFactory(code="P-OWN", title="Nairobi city strategy")
    b_only = ProjectFactory(code="P-B-ONLY", title="Accra resilience plan")
    ProjectCountryFactory(project=shared, country="UG")
    ProjectCountryFactory(project=own, country="KE")
    ProjectCountryFactory(project=b_only, country="GH")
    AllocationFactory(
        contribution=a_chf, project=shared, amount=D("100000.00"), allocated_on=dt.date(2019, 1, 15)
    )  # = USD 102,000
    fund(b_usd, shared, "50000.00", committed="200000.00", paid="60000.00")
    fund(a_usd, own, "80000.00", committed="80000.00", paid="40000.00")
    fund(b_usd, b_only, "100000.00", committed="100000.00", paid="70000.00")
    return SimpleNamespace(
        a=a, b=b, a_chf=a_chf, a_usd=a_usd, b_usd=b_usd, shared=shared, own=own, b_only=b_only, user=donor_user(a)
    )


def figure(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">(.*?)</dd>', html, re.S)
    assert match, f"no figure {name!r} on the page"
    return match.group(1).strip()


def contribution_row(html: str, reference: str) -> list[str]:
    """The amounts of a contribution's row on the dashboard, as shown."""
    row = re.search(rf'<tr data-contribution="{reference}">(.*?)</tr>', html, re.S)
    assert row, f"no row for {reference}"
    return [cell.strip() for cell in re.findall(r'<td class="num">(.*?)</td>', row.group(1), re.S)]


def breakdown_rows(html: str, dimension: str) -> list[tuple[str, ...]]:
    section = re.search(rf'<article class="card" aria-labelledby="by-{dimension}">(.*?)</article>', html, re.S)
    assert section, f"no breakdown by {dimension}"
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", section.group(1), re.S)
    return [(label, *re.findall(r'<td class="num">(.*?)</td>', cells)) for label, cells in rows]


def usd(amount: Decimal) -> str:
    return format_money(amount, "USD", whole=True)


def read_csv(response) -> list[dict]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


# The dashboard's figures


def test_a_donor_user_sees_its_totals_in_the_reporting_currency(client, two_donors):
    client.force_login(two_donors.user)

    response = client.get(reverse("donors:dashboard", args=[two_donors.a.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    pledged = D("1000000") * CHF_2018 + D("500000")  # each pledge at the rate of its start
    received = D("400000") * CHF_2018 + D("100000") * CHF_2019 + D("200000")  # each receipt at its date's rate
    shared_weight = D("100000") * CHF_2019  # A's CHF allocation, weighed at its date
    # A's share of P-SHARED: its weight out of the larger of all allocations (A's + B's) and the commitment.
    share = shared_weight / max(shared_weight + D("50000"), D("200000"))
    disbursed = D("60000") * share + D("40000")  # A alone funds P-OWN
    assert share == D("0.51")
    assert figure(html, "pledged") == usd(pledged) == "USD\xa01,600,000"
    assert figure(html, "received") == usd(received) == "USD\xa0742,000"
    assert figure(html, "allocated") == usd(shared_weight + D("80000")) == "USD\xa0182,000"
    assert figure(html, "disbursed") == usd(disbursed) == "USD\xa070,600"
    assert figure(html, "balance") == usd(received - disbursed) == "USD\xa0671,400"
    assert figure(html, "projects") == "2"
    assert "Baltic" not in html and "B-USD" not in html and "P-B-ONLY" not in html


def test_the_dashboard_shows_each_contribution_in_its_own_currency(client, two_donors):
    client.force_login(two_donors.user)

    html = client.get(reverse("donors:dashboard", args=[two_donors.a.pk])).content.decode()

    chf = lambda value: format_money(D(value), "CHF", whole=True)  # noqa: E731
    disbursed_chf = D("60000") * D("0.51") / CHF_2019  # A's share of P-SHARED's payment, back in CHF
    assert disbursed_chf == D("30000")
    # pledged, received, allocated, disbursed, balance, pledged in USD
    assert contribution_row(html, "A-CHF") == [
        chf("1000000"),
        chf("500000"),
        chf("100000"),
        chf(disbursed_chf),
        chf(D("500000") - disbursed_chf),
        usd(D("1000000") * CHF_2018),
    ]
    assert contribution_row(html, "A-USD") == [
        usd(D(v)) for v in ("500000", "200000", "80000", "40000", "160000", "500000")
    ]


def test_the_dashboard_breaks_the_money_down_by_country_and_offers_it_as_csv(client, two_donors):
    client.force_login(two_donors.user)

    html = client.get(reverse("donors:dashboard", args=[two_donors.a.pk])).content.decode()
    response = client.get(reverse("donors:breakdown-csv", args=[two_donors.a.pk, "country"]))

    # allocated, disbursed, projects; the largest allocation first
    assert breakdown_rows(html, "country") == [
        ("Uganda", usd(D("102000")), usd(D("30600")), "1"),
        ("Kenya", usd(D("80000")), usd(D("40000")), "1"),
    ]
    assert re.search(r"<svg [^>]*role=\"img\"", html)
    rows = read_csv(response)
    assert [{name: row[name] for name in list(row)[:5]} for row in rows] == [
        {
            "country": "Uganda",
            "allocated": "CHF 100000.00",
            "allocated (USD)": "102000.00",
            "disbursed (USD)": "30600.00",
            "projects": "1",
        },
        {
            "country": "Kenya",
            "allocated": "USD 80000.00",
            "allocated (USD)": "80000.00",
            "disbursed (USD)": "40000.00",
            "projects": "1",
        },
    ]
    assert (
        rows[0]["note"] == "Each amount converted at the rate of its date; the rates are listed with the contributions."
    )


def test_the_dashboard_charts_the_largest_twelve_countries_and_its_table_lists_them_all(client, two_donors):
    more = ["RW", "TZ", "ET", "GH", "SN", "ML", "NE", "BF", "CI", "BJ", "TG", "ZM"]
    for country in more:
        ProjectCountryFactory(project=two_donors.own, country=country, percentage=D("5"))
    client.force_login(two_donors.user)

    html = client.get(reverse("donors:dashboard", args=[two_donors.a.pk])).content.decode()

    chart = re.search(r'<svg [^>]*aria-labelledby="chart-country-title.*?</svg>', html, re.S)
    assert chart, "no chart of the countries"
    assert chart.group(0).count('class="chart-bar"') == 12
    assert len(breakdown_rows(html, "country")) == 2 + len(more)


def test_a_receipt_without_a_rate_leaves_the_received_total_empty_and_says_which_rate_is_missing(client):
    ExchangeRateFactory(currency="CHF", quote_currency="USD", date=dt.date(2019, 1, 1), rate=CHF_2019)
    donor = OrganisationFactory()
    contribution = ContributionFactory(
        donor=donor, currency="CHF", amount=D("100000.00"), start_date=dt.date(2019, 1, 1)
    )
    contribution_receive(contribution=contribution, amount=D("10000.00"), value_date=dt.date(2018, 12, 1))
    client.force_login(donor_user(donor))

    html = client.get(reverse("donors:dashboard", args=[donor.pk]) + "?currency=USD").content.decode()

    assert figure(html, "pledged") == usd(D("100000") * CHF_2019)
    assert figure(html, "received") == figure(html, "balance") == "—"
    assert "no exchange rate into USD is recorded for CHF" in html


def test_the_contributions_csv_holds_the_donors_own_agreements(client, two_donors):
    client.force_login(two_donors.user)

    rows = read_csv(client.get(reverse("donors:contributions-csv", args=[two_donors.a.pk])))

    assert [(r["reference"], r["currency"], r["received"], r["disbursed"], r["balance"]) for r in rows] == [
        ("A-CHF", "CHF", "500000.00", "30000.00", "470000.00"),
        ("A-USD", "USD", "200000.00", "40000.00", "160000.00"),
    ]


# Isolation: a donor user reaches only its own donor's data


@pytest.fixture
def b_report(two_donors):
    report = DonorReport.objects.create(
        donor=two_donors.b,
        period_start=dt.date(2019, 1, 1),
        period_end=dt.date(2019, 3, 31),
        status=ReportJobStatus.READY,
    )
    report.file.save(report.filename, ContentFile(b"%PDF-1.4 B's report"))
    return report


def other_donors_urls(data, report) -> dict[str, str]:
    b = data.b.pk
    return {
        "dashboard": reverse("donors:dashboard", args=[b]),
        "project list": reverse("donors:project-list", args=[b]),
        "project list as CSV": reverse("donors:project-list", args=[b]) + "?format=csv",
        "project": reverse("donors:project", args=[b, data.b_only.code]),
        "shared project": reverse("donors:project", args=[b, data.shared.code]),
        "breakdown CSV": reverse("donors:breakdown-csv", args=[b, "country"]),
        "contributions CSV": reverse("donors:contributions-csv", args=[b]),
        "results CSV": reverse("donors:results-csv", args=[b]),
        "reports": reverse("donors:reports", args=[b]),
        "report status": reverse("donors:report-status", args=[b, report.pk]),
        "report PDF": reverse("donors:report-pdf", args=[b, report.pk]),
        # B's report reached through A's own dashboard
        "report status by id": reverse("donors:report-status", args=[data.a.pk, report.pk]),
        "report PDF by id": reverse("donors:report-pdf", args=[data.a.pk, report.pk]),
        "project only B funds": reverse("donors:project", args=[data.a.pk, data.b_only.code]),
    }


def test_a_donor_user_gets_404_for_everything_of_another_donor(client, two_donors, b_report):
    client.force_login(two_donors.user)

    answers = {name: client.get(url).status_code for name, url in other_donors_urls(two_donors, b_report).items()}

    assert answers == dict.fromkeys(answers, 404)
    assert client.post(reverse("donors:reports", args=[two_donors.b.pk]), {}).status_code == 404


def test_the_other_donor_itself_reaches_the_same_pages(client, two_donors, b_report):
    client.force_login(donor_user(two_donors.b))
    b = two_donors.b.pk

    assert client.get(reverse("donors:dashboard", args=[b])).status_code == 200
    assert client.get(reverse("donors:project", args=[b, two_donors.b_only.code])).status_code == 200
    response = client.get(reverse("donors:report-pdf", args=[b, b_report.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 B's report"


def test_filtering_by_another_donors_contribution_answers_404(client, two_donors):
    client.force_login(two_donors.user)
    url = reverse("donors:project-list", args=[two_donors.a.pk])

    assert client.get(url, {"contribution": two_donors.b_usd.pk}).status_code == 404
    assert client.get(url, {"contribution": two_donors.b_usd.pk, "format": "csv"}).status_code == 404
    own = client.get(url, {"contribution": two_donors.a_chf.pk})
    assert [p.code for p in own.context["page"]] == ["P-SHARED"]


def test_anonymous_visitors_are_sent_to_log_in(client, two_donors, b_report):
    login = reverse("account_login")
    urls = [reverse("donors:landing"), *other_donors_urls(two_donors, b_report).values()]

    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{login}?next="), url


def test_a_partner_without_a_donor_role_gets_404(client, two_donors):
    client.force_login(PartnerUserFactory())

    assert client.get(reverse("donors:landing")).status_code == 404
    assert client.get(reverse("donors:dashboard", args=[two_donors.a.pk])).status_code == 404


def test_staff_see_every_donor_and_any_dashboard(client, two_donors):
    OrganisationFactory(name="Not a donor")
    client.force_login(StaffFactory())

    landing = client.get(reverse("donors:landing"))
    dashboard = client.get(reverse("donors:dashboard", args=[two_donors.b.pk]))

    assert landing.status_code == 200
    assert [donor.name for donor in landing.context["donors"]] == [
        "Alpine Development Agency",
        "Baltic Cooperation Fund",
    ]
    assert dashboard.status_code == 200
    assert figure(dashboard.content.decode(), "pledged") == "USD\xa0800,000"


def test_a_donor_user_who_logs_in_lands_on_its_dashboard(client, two_donors):
    user = donor_user(two_donors.a, email="treasurer@alpine.example.org")

    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD}, follow=True)

    dashboard = reverse("donors:dashboard", args=[two_donors.a.pk])
    assert response.redirect_chain == [(reverse("donors:landing"), 302), (dashboard, 302)]
    assert response.status_code == 200
    assert response.context["donor"] == two_donors.a


# The project list: filters, order, pages and CSV


@pytest.fixture
def portfolio():
    """Donor A funds five projects in two windows, three countries and three statuses."""
    donor = OrganisationFactory(name="Alpine Development Agency")
    contribution = ContributionFactory(donor=donor, reference="A-1", amount=D("5000000.00"))
    other_window = FacilityFactory(
        code="innovation-programme",
        name="Innovation Programme",
        window=FundingWindowFactory(code="innovation", name="Innovation Window"),
    )
    specs = [
        # code, title, country, status, facility, start, committed
        ("CP-UGA-2019", "Kampala slum upgrading", "UG", ProjectStatus.IMPLEMENTATION, None, 2019, "90000"),
        ("CP-UGA-2020", "Jinja market renewal", "UG", ProjectStatus.CLOSED, None, 2020, "30000"),
        ("CP-KEN-2021", "Nairobi city strategy", "KE", ProjectStatus.IMPLEMENTATION, None, 2021, "120000"),
        ("IF-KEN-2022", "Mombasa waste innovation", "KE", ProjectStatus.IMPLEMENTATION, other_window, 2022, "60000"),
        ("IF-GHA-2023", "Accra slum data", "GH", ProjectStatus.PIPELINE, other_window, 2023, "10000"),
    ]
    projects = {}
    for code, title, country, status, facility, year, committed in specs:
        extra = {"facility": facility} if facility else {}
        project = ProjectFactory(
            code=code,
            title=title,
            status=status,
            start_date=dt.date(year, 1, 1),
            end_date=dt.date(year + 2, 12, 31),
            **extra,
        )
        ProjectCountryFactory(project=project, country=country)
        AllocationFactory(contribution=contribution, project=project, amount=D("10000.00"))
        GrantAgreementFactory(project=project, amount=D(committed), signed_on=dt.date(2019, 2, 1))
        projects[code] = project
    ProjectFactory(code="CP-UGA-NOT-FUNDED")  # not the donor's: never listed
    return SimpleNamespace(
        donor=donor, contribution=contribution, projects=projects, other_window=other_window, user=donor_user(donor)
    )


def listed(client, donor, **query) -> list[str]:
    response = client.get(reverse("donors:project-list", args=[donor.pk]), query)
    assert response.status_code == 200
    return [project.code for project in response.context["page"]]


def test_the_project_list_shows_the_donors_projects_newest_first(client, portfolio):
    client.force_login(portfolio.user)

    assert listed(client, portfolio.donor) == [
        "IF-GHA-2023",
        "IF-KEN-2022",
        "CP-KEN-2021",
        "CP-UGA-2020",
        "CP-UGA-2019",
    ]


def test_the_project_list_filters_by_country_window_status_and_search(client, portfolio):
    client.force_login(portfolio.user)
    donor = portfolio.donor

    assert listed(client, donor, country="UG") == ["CP-UGA-2020", "CP-UGA-2019"]
    assert listed(client, donor, window=portfolio.other_window.window.pk) == ["IF-GHA-2023", "IF-KEN-2022"]
    assert listed(client, donor, status=ProjectStatus.IMPLEMENTATION) == [
        "IF-KEN-2022",
        "CP-KEN-2021",
        "CP-UGA-2019",
    ]
    assert listed(client, donor, q="slum") == ["IF-GHA-2023", "CP-UGA-2019"]
    assert listed(client, donor, q="ken", status=ProjectStatus.IMPLEMENTATION, country="KE") == [
        "IF-KEN-2022",
        "CP-KEN-2021",
    ]
    assert listed(client, donor, country="UG", contribution=portfolio.contribution.pk) == [
        "CP-UGA-2020",
        "CP-UGA-2019",
    ]


def test_the_folded_filters_say_how_many_are_set_not_counting_paging_or_sorting(client, portfolio):
    client.force_login(portfolio.user)
    url = reverse("donors:project-list", args=[portfolio.donor.pk])

    none = client.get(url, {"ordering": "-disbursed", "page": "1", "q": " "}).content.decode()
    two = client.get(
        url, {"country": "UG", "status": ProjectStatus.IMPLEMENTATION, "ordering": "title"}
    ).content.decode()

    assert "<summary>Filter and sort</summary>" in none
    assert "<summary>Filter and sort · 2 filters set</summary>" in two


def test_the_country_filter_offers_only_the_donors_countries(client, portfolio):
    client.force_login(portfolio.user)

    response = client.get(reverse("donors:project-list", args=[portfolio.donor.pk]))

    fields = response.context["filter"].form.fields
    assert [label for value, label in fields["country"].choices if value] == ["Ghana", "Kenya", "Uganda"]
    assert [label for value, label in fields["window"].choices if value] == ["Country/City Window", "Innovation Window"]
    assert client.get(reverse("donors:project-list", args=[portfolio.donor.pk]), {"country": "FR"}).status_code == 404


def test_the_project_list_sorts(client, portfolio):
    client.force_login(portfolio.user)
    donor = portfolio.donor

    assert listed(client, donor, ordering="code") == sorted(portfolio.projects)
    assert listed(client, donor, ordering="-committed") == [
        "CP-KEN-2021",
        "CP-UGA-2019",
        "IF-KEN-2022",
        "CP-UGA-2020",
        "IF-GHA-2023",
    ]
    assert listed(client, donor, country="KE", ordering="title") == ["IF-KEN-2022", "CP-KEN-2021"]


def test_pages_of_the_project_list_keep_the_filters(client, portfolio):
    facility = FacilityFactory()
    for number in range(26):
        project = ProjectFactory(code=f"CP-RWA-{number:02d}", facility=facility, start_date=dt.date(2019, 6, 1))
        ProjectCountryFactory(project=project, country="RW")
        AllocationFactory(contribution=portfolio.contribution, project=project, amount=D("1000.00"))
    client.force_login(portfolio.user)
    url = reverse("donors:project-list", args=[portfolio.donor.pk])

    first = client.get(url, {"country": "RW", "ordering": "code"})
    second = client.get(url, {"country": "RW", "ordering": "code", "page": 2})

    assert first.context["page"].paginator.count == 26
    assert [p.code for p in first.context["page"]] == [f"CP-RWA-{n:02d}" for n in range(25)]
    next_link = re.search(r'href="\?([^"]*)" rel="next"', first.content.decode()).group(1)
    assert next_link == "country=RW&amp;ordering=code&amp;page=2"
    assert [p.code for p in second.context["page"]] == ["CP-RWA-25"]
    previous_link = re.search(r'href="\?([^"]*)" rel="prev"', second.content.decode()).group(1)
    assert previous_link == "country=RW&amp;ordering=code&amp;page=1"
    csv_link = re.search(r'href="\?([^"]*)">Download as CSV', second.content.decode()).group(1)
    assert csv_link == "country=RW&amp;ordering=code&amp;currency=USD&amp;format=csv"


def test_the_csv_download_holds_the_filtered_rows(client, portfolio):
    client.force_login(portfolio.user)

    response = client.get(
        reverse("donors:project-list", args=[portfolio.donor.pk]),
        {"country": "UG", "ordering": "code", "format": "csv"},
    )

    rows = read_csv(response)
    assert response["Content-Disposition"] == f'attachment; filename="projects-{portfolio.donor.pk}.csv"'
    assert [(r["code"], r["countries"], r["status"], r["committed"]) for r in rows] == [
        ("CP-UGA-2019", "UG 100.00", "Implementation", "90000.00"),
        ("CP-UGA-2020", "UG 100.00", "Closed", "30000.00"),
    ]
    assert rows[0]["your allocations"] == "A-1 USD 10000.00"


def test_the_project_page_shows_partners_cities_and_payments(client, two_donors):
    ProjectPartnerFactory(project=two_donors.shared, organisation=OrganisationFactory(name="Kampala Capital City"))
    two_donors.shared.cities.add(CityFactory(name="Kampala"))
    client.force_login(two_donors.user)

    response = client.get(reverse("donors:project", args=[two_donors.a.pk, "P-SHARED"]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Kampala Capital City" in html and "Kampala</li>" in html
    assert figure(html, "allocation") == format_money(D("100000"), "CHF", whole=True)
    assert figure(html, "disbursed") == usd(D("60000"))
    assert "USD\xa060,000.00" in html  # the disbursement row


# Query counts do not grow with the portfolio


def add_funded_projects(contribution, count: int, *, start: int = 0) -> list:
    """Projects as the demo has them: a country, a theme, a city, partners, a commitment and a payment."""
    projects = []
    theme = ThemeFactory()
    partner_contribution = ContributionFactory(amount=D("100000000.00"))
    for number in range(start, start + count):
        project = ProjectFactory(code=f"CP-{number:03d}", approved_budget=D("250000.00"))
        ProjectCountryFactory(project=project, country=["UG", "KE", "GH"][number % 3])
        project.themes.add(theme)
        project.cities.add(CityFactory())
        ProjectPartnerFactory(project=project)
        AllocationFactory(contribution=contribution, project=project, amount=D("20000.00"))
        AllocationFactory(contribution=partner_contribution, project=project, amount=D("10000.00"))
        GrantAgreementFactory(project=project, amount=D("100000.00"), signed_on=dt.date(2019, 2, 1))
        disbursement_record(project=project, amount=D("25000.00"), value_date=dt.date(2019, 3, 1))
        projects.append(project)
    return projects


def queries_of(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("page", ["dashboard", "project-list", "project"])
def test_donor_pages_take_as_many_queries_for_twenty_projects_as_for_two(client, page):
    ExchangeRateFactory(currency="CHF", quote_currency="USD", date=dt.date(2018, 1, 1), rate=CHF_2018)
    donor = OrganisationFactory()
    contribution = ContributionFactory(donor=donor, currency="CHF", amount=D("10000000.00"))
    ContributionFactory(donor=donor, currency="USD")
    first = add_funded_projects(contribution, 2)
    DonorReport.objects.create(donor=donor, period_start=dt.date(2019, 1, 1), period_end=dt.date(2019, 3, 31))
    client.force_login(donor_user(donor))
    args = [donor.pk, first[0].code] if page == "project" else [donor.pk]
    url = reverse(f"donors:{page}", args=args)

    with_two = queries_of(client, url)
    add_funded_projects(contribution, 18, start=2)
    DonorReport.objects.create(donor=donor, period_start=dt.date(2019, 4, 1), period_end=dt.date(2019, 6, 30))
    with_twenty = queries_of(client, url)

    assert with_twenty == with_two


def test_the_project_page_takes_as_many_queries_for_many_partners_and_payments_as_for_one(client, two_donors):
    client.force_login(two_donors.user)
    url = reverse("donors:project", args=[two_donors.a.pk, "P-SHARED"])
    one = queries_of(client, url)
    for country in ["KE", "RW"]:
        ProjectCountryFactory(project=two_donors.shared, country=country, percentage=D("10"))
    for _ in range(3):
        ProjectPartnerFactory(project=two_donors.shared)
        two_donors.shared.cities.add(CityFactory())
        disbursement_record(project=two_donors.shared, amount=D("1000.00"), value_date=dt.date(2019, 5, 1))

    assert queries_of(client, url) == one


def test_the_dashboard_takes_at_most_thirty_four_queries(client, django_assert_max_num_queries):
    donor = OrganisationFactory()
    add_funded_projects(ContributionFactory(donor=donor, amount=D("10000000.00")), 12)
    client.force_login(donor_user(donor))

    # 30 before the map of the donor's allocations (its years, its money per country, its cities) and the rates;
    # one more since its latest projects are found by their keys first, then read (common.paging.rows_between).
    with django_assert_max_num_queries(34):
        response = client.get(reverse("donors:dashboard", args=[donor.pk]))

    assert figure(response.content.decode(), "projects") == "12"


def test_a_donor_only_user_is_offered_the_donor_dashboard_not_the_partner_pages(client):
    client.force_login(donor_user(OrganisationFactory(name="Nordic Fund")))

    page = client.get("/").content.decode()

    assert "Donor dashboard" in page
    assert "My portal" not in page and ">Reports<" not in page and "Reviews" not in page
