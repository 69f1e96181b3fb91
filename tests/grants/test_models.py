from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from grants.models import Contribution, ContributionPhase, ExchangeRate, Project, ProjectCountry
from tests.factories import (
    ContributionFactory,
    ExchangeRateFactory,
    FacilityFactory,
    FundingWindowFactory,
    OrganisationFactory,
    ProjectCountryFactory,
    ProjectFactory,
)

pytestmark = pytest.mark.django_db


def errors_of(instance) -> str:
    with pytest.raises(ValidationError) as error:
        instance.full_clean()
    return " ".join(error.value.messages)


def saving_is_refused(instance) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        instance.save()


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5.00")])
def test_a_contribution_pledges_more_than_zero(amount):
    contribution = ContributionFactory.build(donor=OrganisationFactory(), amount=amount)

    assert "must be more than zero" in errors_of(contribution)
    saving_is_refused(contribution)
    assert not Contribution.objects.exists()


def test_a_contribution_cannot_end_before_it_starts():
    contribution = ContributionFactory.build(
        donor=OrganisationFactory(), start_date=dt.date(2017, 12, 31), end_date=dt.date(2013, 10, 1)
    )

    assert "cannot end before it starts" in errors_of(contribution)
    saving_is_refused(contribution)


def test_a_contribution_needs_a_known_currency():
    contribution = ContributionFactory.build(donor=OrganisationFactory(), currency="XYZ")

    assert "XYZ is not an ISO 4217 currency code" in errors_of(contribution)


def test_a_currency_is_stored_in_capitals_and_the_database_refuses_any_other_shape():
    contribution = ContributionFactory(currency=" chf ")
    contribution.refresh_from_db()
    assert contribution.currency == "CHF"

    saving_is_refused(ContributionFactory.build(donor=OrganisationFactory(), currency="CH"))
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE grants_contribution SET currency = 'chf' WHERE id = %s", [contribution.pk])


def test_agreement_references_are_unique():
    ContributionFactory(reference="SECO-1")

    assert "already exists" in errors_of(ContributionFactory.build(donor=OrganisationFactory(), reference="SECO-1"))


def test_the_budget_inclusive_of_partners_covers_the_pledge():
    contribution = ContributionFactory.build(
        donor=OrganisationFactory(), amount=Decimal("4820000"), budget_inclusive_of_partners=Decimal("1000")
    )

    assert "cannot be less than the amount pledged" in errors_of(contribution)
    saving_is_refused(contribution)


def test_an_earmarked_facility_belongs_to_the_earmarked_window():
    global_window = FundingWindowFactory(code="global", name="Global Window")
    facility = FacilityFactory()
    contribution = ContributionFactory.build(
        donor=OrganisationFactory(), earmarked_window=global_window, earmarked_facility=facility
    )

    assert "belongs to another window" in errors_of(contribution)


def test_a_phase_falls_inside_its_agreement():
    contribution = ContributionFactory(start_date=dt.date(2013, 10, 1), end_date=dt.date(2017, 12, 31))
    phase = ContributionPhase(
        contribution=contribution, number=1, start_date=dt.date(2013, 10, 1), end_date=dt.date(2018, 6, 30)
    )

    assert "inside the agreement's period" in errors_of(phase)


def test_a_project_cannot_end_before_it_starts_or_have_no_budget():
    facility = FacilityFactory()
    backwards = ProjectFactory.build(facility=facility, start_date=dt.date(2020, 1, 1), end_date=dt.date(2019, 1, 1))
    free = ProjectFactory.build(facility=facility, approved_budget=Decimal("0"))
    negative = ProjectFactory.build(facility=facility, co_financing=Decimal("-1"))

    assert "cannot end before it starts" in errors_of(backwards)
    assert "must be more than zero" in errors_of(free)
    assert "cannot be negative" in errors_of(negative)
    for project in (backwards, free, negative):
        saving_is_refused(project)
    assert not Project.objects.exists()


def test_project_codes_are_unique():
    ProjectFactory(code="CP-GHA-2014")

    assert "already exists" in errors_of(ProjectFactory.build(facility=FacilityFactory(), code="CP-GHA-2014"))


def test_a_recipient_country_is_an_iso_code_listed_once_with_a_share_up_to_100():
    project = ProjectFactory()
    ProjectCountryFactory(project=project, country="GH")

    assert "already listed" in errors_of(ProjectCountry(project=project, country="GH", percentage=Decimal("10")))
    assert "'Ghana' is not a valid choice" in errors_of(ProjectCountry(project=project, country="Ghana"))
    over = ProjectCountry(project=project, country="UG", percentage=Decimal("120"))
    assert "less than or equal to 100" in errors_of(over)
    saving_is_refused(over)


def test_an_exchange_rate_is_positive_and_between_two_currencies():
    assert "more than zero" in errors_of(ExchangeRateFactory.build(rate=Decimal("0")))
    assert "two different currencies" in errors_of(ExchangeRateFactory.build(currency="USD", quote_currency="USD"))
    ExchangeRateFactory(date=dt.date(2020, 1, 1))
    assert "already a rate" in errors_of(ExchangeRateFactory.build(date=dt.date(2020, 1, 1)))
    assert not ExchangeRate.objects.filter(rate__lte=0).exists()


def test_money_is_kept_as_decimal():
    project = ProjectFactory(approved_budget=Decimal("1234567.89"))
    project.refresh_from_db()

    assert project.approved_budget == Decimal("1234567.89")
    assert isinstance(project.approved_budget, Decimal)
