"""Figures of the ledger add up across currencies at the stated rates, in a constant number of queries.

Every expected value is worked out by hand from the rates each test records.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grants.models import Contribution, PartnerRole, Project, Transaction, TransactionKind
from grants.selectors import contribution_figures, money_by, project_money
from grants.selectors.ledger import DIMENSIONS
from grants.selectors.portfolio import converted_sums
from grants.services import (
    TrancheSpec,
    contribution_receive,
    disbursement_record,
    expenditure_record,
    transaction_reverse,
)
from tests.factories import (
    AllocationFactory,
    ContributionFactory,
    ExchangeRateFactory,
    FacilityFactory,
    FundingWindowFactory,
    GrantAgreementFactory,
    ProjectCountryFactory,
    ProjectFactory,
    ProjectPartnerFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _report_in_dollars(settings):
    settings.REPORTING_CURRENCY = "USD"


def rate(currency: str, on: dt.date, value: str) -> None:
    ExchangeRateFactory(currency=currency, quote_currency="USD", date=on, rate=Decimal(value))


def committed(project, amount: str, on: dt.date):
    return GrantAgreementFactory(project=project, amount=Decimal(amount), signed_on=on)


def paid(project, amount: str, on: dt.date) -> Transaction:
    return disbursement_record(project=project, amount=Decimal(amount), value_date=on)


def figures_of(*references: str) -> list:
    """Figures of the contributions, read afresh from the database, in the order asked."""
    by_reference = {f.contribution.reference: f for f in contribution_figures(Contribution.objects.all())}
    return [by_reference[reference] for reference in references]


def query_count(read) -> int:
    with CaptureQueriesContext(connection) as queries:
        read()
    return len(queries)


# contribution_figures


@pytest.fixture
def two_donors():
    """SECO pledges CHF, USAID pledges USD; both fund CP-UGA (USD), SECO alone funds CP-CHE (CHF).

    1 CHF was worth 1.10 USD from 2018, 1.20 USD from March 2019 and 0.95 USD from 2020: the
    allocations of 2019 are weighed, and their disbursements attributed, at 1.20.
    """
    rate("CHF", dt.date(2018, 1, 1), "1.10")
    rate("CHF", dt.date(2019, 3, 1), "1.20")
    rate("CHF", dt.date(2020, 1, 1), "0.95")
    seco = ContributionFactory(
        reference="SECO-1", currency="CHF", amount=Decimal("1000000.00"), start_date=dt.date(2018, 1, 1)
    )
    usaid = ContributionFactory(
        reference="USAID-1", currency="USD", amount=Decimal("500000.00"), start_date=dt.date(2018, 1, 1)
    )
    contribution_receive(contribution=seco, amount=Decimal("300000.00"), value_date=dt.date(2018, 3, 1))
    contribution_receive(contribution=usaid, amount=Decimal("200000.00"), value_date=dt.date(2018, 3, 1))

    uganda = ProjectFactory(code="CP-UGA", currency="USD")
    switzerland = ProjectFactory(code="CP-CHE", currency="CHF")
    # CP-UGA: SECO CHF 100,000 x 1.20 = USD 120,000 and USAID USD 60,000, so SECO carries 2/3.
    AllocationFactory(contribution=seco, project=uganda, amount=Decimal("100000.00"), allocated_on=dt.date(2019, 3, 1))
    AllocationFactory(contribution=usaid, project=uganda, amount=Decimal("60000.00"), allocated_on=dt.date(2019, 3, 1))
    AllocationFactory(
        contribution=seco, project=switzerland, amount=Decimal("50000.00"), allocated_on=dt.date(2019, 4, 1)
    )
    committed(uganda, "150000.00", dt.date(2019, 3, 15))
    paid(uganda, "90000.00", dt.date(2019, 6, 1))
    paid(uganda, "9000.00", dt.date(2019, 9, 1))
    committed(switzerland, "40000.00", dt.date(2019, 4, 15))
    paid(switzerland, "10000.00", dt.date(2019, 6, 1))
    return SimpleNamespace(seco=seco, usaid=usaid, uganda=uganda, switzerland=switzerland)


def test_contribution_figures_attribute_a_shared_projects_disbursements_pro_rata(two_donors):
    seco, usaid = figures_of("SECO-1", "USAID-1")

    # SECO: 2/3 of USD 99,000 = USD 66,000 = CHF 55,000 at 1.20; plus all of CP-CHE's CHF 10,000.
    assert (seco.currency, seco.pledged, seco.received, seco.allocated, seco.unallocated) == (
        "CHF",
        Decimal("1000000.00"),
        Decimal("300000.00"),
        Decimal("150000.00"),
        Decimal("850000.00"),
    )
    assert (seco.disbursed, seco.balance) == (Decimal("65000.00"), Decimal("235000.00"))
    assert (seco.reporting_currency, seco.pledged_reporting) == ("USD", Decimal("1100000.00"))
    assert [(r.currency, r.quote_currency, r.rate, r.rate_date) for r in seco.rates] == [
        ("CHF", "USD", Decimal("1.10"), dt.date(2018, 1, 1)),
        ("CHF", "USD", Decimal("1.20"), dt.date(2019, 3, 1)),
    ]
    assert seco.missing_rates == []

    # USAID: 1/3 of USD 99,000.
    assert (usaid.currency, usaid.allocated, usaid.disbursed, usaid.balance) == (
        "USD",
        Decimal("60000.00"),
        Decimal("33000.00"),
        Decimal("167000.00"),
    )
    assert usaid.pledged_reporting == Decimal("500000.00")
    assert (usaid.rates, usaid.missing_rates) == ([], [])


def test_what_is_attributed_adds_up_to_what_the_projects_disbursed(two_donors):
    seco, usaid = figures_of("SECO-1", "USAID-1")

    uganda_share_of_seco = seco.disbursed - Decimal("10000.00")  # CP-CHE's CHF 10,000 is all SECO's
    assert uganda_share_of_seco * Decimal("1.20") + usaid.disbursed == Decimal("99000.00")


def test_a_reversed_disbursement_is_no_longer_attributed(two_donors):
    refund = paid(two_donors.uganda, "900.00", dt.date(2019, 10, 1))
    transaction_reverse(original=refund, value_date=dt.date(2019, 10, 2), reason="Paid to the wrong account")

    seco, usaid = figures_of("SECO-1", "USAID-1")

    assert (seco.disbursed, usaid.disbursed) == (Decimal("65000.00"), Decimal("33000.00"))


def test_contribution_figures_list_the_missing_rates_instead_of_guessing(two_donors):
    sida = ContributionFactory(
        reference="SIDA-1", currency="EUR", amount=Decimal("200000.00"), start_date=dt.date(2018, 1, 1)
    )
    AllocationFactory(
        contribution=sida, project=two_donors.uganda, amount=Decimal("10000.00"), allocated_on=dt.date(2019, 3, 1)
    )

    seco, usaid, eur = figures_of("SECO-1", "USAID-1", "SIDA-1")

    # CP-UGA cannot be shared out without a EUR rate: nobody's disbursements are stated as zero.
    assert (seco.disbursed, seco.balance, seco.missing_rates) == (None, None, ["EUR"])
    assert (usaid.disbursed, usaid.balance, usaid.missing_rates) == (None, None, ["EUR"])
    assert (eur.disbursed, eur.pledged_reporting, eur.missing_rates) == (None, None, ["EUR"])
    assert (eur.pledged, eur.allocated) == (Decimal("200000.00"), Decimal("10000.00"))
    assert seco.pledged_reporting == Decimal("1100000.00")


def test_a_project_in_a_currency_without_a_rate_leaves_only_its_funders_incomplete(two_donors):
    kenya = ProjectFactory(code="CP-KEN", currency="KES")
    AllocationFactory(
        contribution=two_donors.usaid, project=kenya, amount=Decimal("1000.00"), allocated_on=dt.date(2019, 5, 1)
    )
    committed(kenya, "100000.00", dt.date(2019, 5, 1))
    paid(kenya, "50000.00", dt.date(2019, 6, 1))

    seco, usaid = figures_of("SECO-1", "USAID-1")

    assert (seco.disbursed, seco.missing_rates) == (Decimal("65000.00"), [])
    assert (usaid.disbursed, usaid.balance, usaid.missing_rates) == (None, None, ["KES"])


def test_contribution_figures_take_the_same_queries_for_two_or_twenty_projects(django_assert_num_queries):
    rate("CHF", dt.date(2018, 1, 1), "1.10")
    seco = ContributionFactory(currency="CHF", amount=Decimal("10000000.00"), start_date=dt.date(2018, 1, 1))
    usaid = ContributionFactory(currency="USD", amount=Decimal("10000000.00"), start_date=dt.date(2018, 1, 1))

    def fund(count: int) -> None:
        projects = [ProjectFactory(currency=("USD", "CHF")[n % 2]) for n in range(count)]
        for project in projects:
            AllocationFactory(contribution=seco, project=project, amount=Decimal("1000.00"))
            AllocationFactory(contribution=usaid, project=project, amount=Decimal("500.00"))
        # The figures read only the projects' running totals; set them in one go to keep the test quick.
        Project.objects.filter(pk__in=[p.pk for p in projects]).update(
            committed_total=Decimal("1000.00"), disbursed_total=Decimal("100.00")
        )

    def read() -> list:
        return [
            (str(f.contribution), f.currency, f.balance, f.unallocated, f.rates, f.missing_rates)
            for f in contribution_figures(Contribution.objects.all())
        ]

    fund(2)
    with django_assert_num_queries(4):
        read()
    fund(18)
    with django_assert_num_queries(4):
        read()


# project_money


def test_project_money_shows_commitment_tranches_transactions_and_funders():
    project = ProjectFactory(code="CP-UGA")
    agreement = GrantAgreementFactory(
        project=project,
        amount=Decimal("1000.00"),
        signed_on=dt.date(2019, 2, 1),
        tranches=[
            TrancheSpec(dt.date(2019, 3, 1), Decimal("400.00")),
            TrancheSpec(dt.date(2019, 9, 1), Decimal("600.00")),
        ],
    )
    first = agreement.tranches.get(number=1)
    funder = AllocationFactory(project=project, amount=Decimal("1000.00"))
    disbursement_record(project=project, tranche=first, amount=Decimal("400.00"), value_date=dt.date(2019, 3, 2))
    expenditure_record(project=project, amount=Decimal("150.00"), value_date=dt.date(2019, 4, 1))
    contribution_receive(contribution=funder.contribution, amount=Decimal("500.00"), value_date=dt.date(2019, 1, 1))

    money = project_money(Project.objects.get(code="CP-UGA"))

    assert (money.currency, money.committed, money.disbursed, money.spent, money.remaining) == (
        "USD",
        Decimal("1000.00"),
        Decimal("400.00"),
        Decimal("150.00"),
        Decimal("600.00"),
    )
    assert [t.number for t in money.tranches] == [1, 2]
    assert money.next_tranche.number == 2
    assert [(t.kind, t.amount) for t in money.transactions] == [
        (TransactionKind.COMMITMENT, Decimal("1000.00")),
        (TransactionKind.DISBURSEMENT, Decimal("400.00")),
        (TransactionKind.EXPENDITURE, Decimal("150.00")),
    ]
    assert money.funders == [funder]


def test_project_money_takes_the_same_queries_for_two_or_twenty_transactions(django_assert_num_queries):
    def project_with(transactions: int):
        project = ProjectFactory()
        ProjectPartnerFactory(project=project, role=PartnerRole.ACCOUNTABLE)
        AllocationFactory(project=project)
        GrantAgreementFactory(
            project=project,
            amount=Decimal("1000.00"),
            tranches=[TrancheSpec(dt.date(2019, 3, 1), Decimal("1000.00"))],
        )
        tranche = project.agreement.tranches.get()
        for n in range(transactions - 1):
            row = disbursement_record(
                project=project, tranche=tranche, amount=Decimal("10.00"), value_date=dt.date(2019, 3, 2)
            )
            if n % 2:
                transaction_reverse(original=row, value_date=dt.date(2019, 3, 3), reason="Paid twice")
        return project

    def read(project) -> list:
        money = project_money(project)
        return [
            *[(str(row), row.provider, row.receiver, row.tranche, row.reverses) for row in money.transactions],
            *[(a.contribution.reference, a.contribution.donor.name) for a in money.funders],
            (money.next_tranche, money.remaining),
        ]

    small, large = project_with(2), project_with(20)
    assert Transaction.objects.filter(project=small).count() == 2
    assert Transaction.objects.filter(project=large).count() > 20

    with django_assert_num_queries(3):
        read(small)
    with django_assert_num_queries(3):
        read(large)


# money_by


@pytest.fixture
def portfolio():
    """Three projects in three currencies; 1 CHF = 1.10 USD in 2019 and 1.20 USD from 2020; no EUR rate."""
    rate("CHF", dt.date(2019, 1, 1), "1.10")
    rate("CHF", dt.date(2020, 1, 1), "1.20")
    country_city = FacilityFactory()  # "Country Programmes" in the "Country/City Window"
    innovation = FacilityFactory(
        code="innovation", name="Innovation Fund", window=FundingWindowFactory(code="global", name="Global Window")
    )
    resilience, gender = ThemeFactory(name="Resilience"), ThemeFactory(name="Gender")

    uganda_kenya = ProjectFactory(code="CP-UGA", currency="USD", facility=country_city)
    uganda_kenya.themes.add(resilience)
    ProjectCountryFactory(project=uganda_kenya, country="UG", percentage=Decimal("62.5"))
    ProjectCountryFactory(project=uganda_kenya, country="KE", percentage=Decimal("37.5"))
    committed(uganda_kenya, "100000.00", dt.date(2019, 5, 1))
    paid(uganda_kenya, "30000.00", dt.date(2020, 2, 1))
    twice = paid(uganda_kenya, "5000.00", dt.date(2020, 2, 10))
    transaction_reverse(original=twice, value_date=dt.date(2020, 2, 11), reason="Paid twice")
    expenditure_record(project=uganda_kenya, amount=Decimal("7000.00"), value_date=dt.date(2020, 3, 1))

    ghana = ProjectFactory(code="IF-GHA", currency="CHF", facility=innovation)
    ghana.themes.add(resilience, gender)
    ProjectCountryFactory(project=ghana, country="GH", percentage=Decimal("100"))
    committed(ghana, "50000.00", dt.date(2019, 6, 1))  # x 1.10 = USD 55,000
    paid(ghana, "20000.00", dt.date(2020, 3, 1))  # x 1.20 = USD 24,000

    euro = ProjectFactory(code="CP-EUR", currency="EUR", facility=country_city)
    committed(euro, "10000.00", dt.date(2019, 7, 1))

    funded = ContributionFactory(currency="USD")
    contribution_receive(contribution=funded, amount=Decimal("99999.00"), value_date=dt.date(2019, 1, 1))
    return SimpleNamespace(uganda_kenya=uganda_kenya, ghana=ghana, euro=euro)


def rows_of(breakdown) -> list[tuple[str, Decimal, Decimal]]:
    return [(row.label, row.committed, row.disbursed) for row in breakdown.rows]


def test_money_by_window_converts_at_each_value_dates_rate(portfolio):
    breakdown = money_by("window")

    assert (breakdown.dimension, breakdown.reporting_currency) == ("window", "USD")
    assert rows_of(breakdown) == [
        ("Country/City Window", Decimal("100000.00"), Decimal("30000.00")),
        ("Global Window", Decimal("55000.00"), Decimal("24000.00")),
    ]
    assert (breakdown.committed, breakdown.disbursed) == (Decimal("155000.00"), Decimal("54000.00"))
    assert breakdown.rows[0].by_currency == {
        "USD": {"committed": Decimal("100000.00"), "disbursed": Decimal("30000.00")},
        "EUR": {"committed": Decimal("10000.00"), "disbursed": Decimal(0)},
    }
    assert breakdown.rows[1].by_currency == {
        "CHF": {"committed": Decimal("50000.00"), "disbursed": Decimal("20000.00")}
    }


def test_money_by_reports_what_it_could_not_convert_rather_than_counting_it_as_zero(portfolio):
    without = money_by("window")
    rate("EUR", dt.date(2019, 1, 1), "1.25")
    with_rate = money_by("window")

    assert without.unconverted == {"EUR": 1}
    assert without.committed == Decimal("155000.00")
    assert with_rate.unconverted == {}
    assert rows_of(with_rate)[0] == ("Country/City Window", Decimal("112500.00"), Decimal("30000.00"))


def test_money_by_facility(portfolio):
    assert rows_of(money_by("facility")) == [
        ("Country Programmes", Decimal("100000.00"), Decimal("30000.00")),
        ("Innovation Fund", Decimal("55000.00"), Decimal("24000.00")),
    ]


def test_money_by_theme_counts_a_project_in_each_of_its_themes(portfolio):
    breakdown = money_by("theme")

    assert rows_of(breakdown) == [
        ("Resilience", Decimal("155000.00"), Decimal("54000.00")),
        ("Gender", Decimal("55000.00"), Decimal("24000.00")),
        ("—", Decimal(0), Decimal(0)),
    ]
    assert breakdown.rows[2].by_currency == {"EUR": {"committed": Decimal("10000.00"), "disbursed": Decimal(0)}}


def test_money_by_country_shares_a_project_by_its_percentages(portfolio):
    breakdown = money_by("country")

    assert rows_of(breakdown) == [
        ("Ghana", Decimal("55000.00"), Decimal("24000.00")),
        ("Uganda", Decimal("62500.00"), Decimal("18750.00")),
        ("Kenya", Decimal("37500.00"), Decimal("11250.00")),
        ("—", Decimal(0), Decimal(0)),
    ]
    assert (breakdown.committed, breakdown.disbursed) == (Decimal("155000.00"), Decimal("54000.00"))
    assert breakdown.rows[1].by_currency == {
        "USD": {"committed": Decimal("62500.00"), "disbursed": Decimal("18750.00")}
    }
    assert breakdown.rows[3].by_currency == {"EUR": {"committed": Decimal("10000.00"), "disbursed": Decimal(0)}}


def test_money_by_year_of_the_value_date(portfolio):
    breakdown = money_by("year")

    assert rows_of(breakdown) == [
        ("2019", Decimal("155000.00"), Decimal(0)),
        ("2020", Decimal(0), Decimal("54000.00")),
    ]
    assert breakdown.rows[0].by_currency == {
        "USD": {"committed": Decimal("100000.00"), "disbursed": Decimal(0)},
        "CHF": {"committed": Decimal("50000.00"), "disbursed": Decimal(0)},
        "EUR": {"committed": Decimal("10000.00"), "disbursed": Decimal(0)},
    }


def test_money_by_reads_only_the_transactions_it_is_given(portfolio):
    breakdown = money_by("year", transactions=Transaction.objects.filter(project=portfolio.ghana))

    assert rows_of(breakdown) == [
        ("2019", Decimal("55000.00"), Decimal(0)),
        ("2020", Decimal(0), Decimal("24000.00")),
    ]
    assert breakdown.unconverted == {}


def test_money_by_takes_the_same_queries_for_two_or_twenty_transactions(django_assert_num_queries):
    rate("CHF", dt.date(2019, 1, 1), "1.10")
    themes = [ThemeFactory(), ThemeFactory()]

    def add_projects(count: int) -> None:
        for n in range(count):
            project = ProjectFactory(currency=("USD", "CHF", "EUR")[n % 3])
            project.themes.add(*themes[: n % 3])
            ProjectCountryFactory(project=project, country=("UG", "KE", "GH")[n % 3], percentage=Decimal(50))
            committed(project, "1000.00", dt.date(2019 + n % 2, 2, 1))
            paid(project, "100.00", dt.date(2020, 3, 1))

    def read(dimension: str) -> list:
        breakdown = money_by(dimension)
        return [
            *[(row.label, row.committed, row.disbursed, row.by_currency) for row in breakdown.rows],
            (breakdown.committed, breakdown.disbursed, breakdown.unconverted),
        ]

    add_projects(1)
    assert Transaction.objects.count() == 2
    small = {dimension: query_count(lambda dimension=dimension: read(dimension)) for dimension in DIMENSIONS}
    add_projects(9)
    assert Transaction.objects.count() == 20

    for dimension in DIMENSIONS:
        with django_assert_num_queries(small[dimension]):
            read(dimension)


def test_money_by_country_counts_a_project_without_a_country_in_full_and_splits_odd_cents():
    shared = ProjectFactory(code="CP-EAC", currency="USD")
    ProjectCountryFactory(project=shared, country="UG", percentage=Decimal(50))
    ProjectCountryFactory(project=shared, country="KE", percentage=Decimal(50))
    committed(shared, "1001.00", dt.date(2019, 5, 1))
    committed(ProjectFactory(code="GL-KNOW", currency="USD"), "2000.00", dt.date(2019, 5, 1))

    breakdown = money_by("country")

    assert rows_of(breakdown) == [
        ("Kenya", Decimal("500.50"), Decimal(0)),
        ("Uganda", Decimal("500.50"), Decimal(0)),
        ("—", Decimal("2000.00"), Decimal(0)),
    ]
    assert breakdown.committed == Decimal("3001.00")


def test_a_contribution_is_attributed_only_its_share_of_a_project_funded_beyond_its_allocation():
    rate("CHF", dt.date(2013, 1, 1), "1.10")
    seco = ContributionFactory(reference="SECO-1", amount=Decimal("5000.00"), currency="CHF")
    project = ProjectFactory(currency="USD", approved_budget=Decimal("3000.00"), start_date=dt.date(2014, 1, 1))
    committed(project, "3000.00", dt.date(2014, 1, 15))
    # CHF 1,000 is USD 1,100 of a USD 3,000 commitment: the rest comes from unearmarked funds
    AllocationFactory(contribution=seco, project=project, amount=Decimal("1000.00"), allocated_on=dt.date(2014, 1, 10))
    paid(project, "1500.00", dt.date(2014, 6, 1))

    half = contribution_figures([Contribution.objects.get(pk=seco.pk)])[0]
    paid(project, "1500.00", dt.date(2015, 6, 1))
    full = contribution_figures([Contribution.objects.get(pk=seco.pk)])[0]

    assert half.disbursed == Decimal("500.00")  # USD 1,500 x 1,100 / 3,000 = USD 550 = CHF 500
    assert full.disbursed == Decimal("1000.00") == full.allocated


def test_converted_sums_of_rows_that_cannot_match_anything_are_empty():
    assert converted_sums(Transaction.objects.filter(pk__in=[]), by=["kind"], quote="USD").totals == {}
