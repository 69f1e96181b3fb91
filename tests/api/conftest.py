from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from grants.models import ContributionStatus
from grants.services import disbursement_record
from members.models import OrganisationKind
from results.services import period_targets_set, project_indicator_add, project_result_add
from tests.factories import (
    AllocationFactory,
    CityFactory,
    ConstituencyFactory,
    ContributionFactory,
    FacilityFactory,
    FundingWindowFactory,
    GrantAgreementFactory,
    IndicatorFactory,
    MembershipFactory,
    OrganisationFactory,
    OutcomeFactory,
    ProjectCountryFactory,
    ProjectFactory,
    ProjectPartnerFactory,
    ReportingPeriodFactory,
    ThemeFactory,
)
from tests.results.helpers import approved, submitted

_caches = itertools.count()


@pytest.fixture(autouse=True)
def _own_throttle_history(settings):
    """Each test counts its requests afresh: the throttle keeps its history in the cache."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": f"api-{next(_caches)}"}
    }


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def portfolio(db):
    """Two windows, two public projects and a private one, two donors, a commitment on each project."""
    country_window = FundingWindowFactory(code="country-city", name="Country/City Window", order=1)
    global_window = FundingWindowFactory(code="global", name="Global Window", order=2)
    programmes = FacilityFactory(window=country_window, code="country-programmes", name="Country Programmes")
    innovation = FacilityFactory(window=global_window, code="innovation", name="Innovation Fund", is_competitive=True)
    gender = ThemeFactory(code="gender", name="Gender equality")

    seco = OrganisationFactory(name="State Secretariat for Economic Affairs", short_name="SECO", country="CH")
    fcdo = OrganisationFactory(name="Foreign, Commonwealth and Development Office", short_name="FCDO", country="GB")
    seco_phase = ContributionFactory(
        donor=seco,
        reference="SECO-1",
        currency="CHF",
        amount=Decimal("4820000.00"),
        start_date=dt.date(2013, 10, 1),
        end_date=dt.date(2017, 12, 31),
    )
    fcdo_grant = ContributionFactory(
        donor=fcdo, reference="FCDO-1", currency="GBP", amount=Decimal("3500000.00"), start_date=dt.date(2019, 1, 1)
    )
    cancelled = ContributionFactory(donor=fcdo, reference="FCDO-0", status=ContributionStatus.CANCELLED)

    uganda = ProjectFactory(
        code="CP-UGA",
        title="Uganda country programme",
        facility=programmes,
        start_date=dt.date(2015, 1, 1),
        end_date=dt.date(2018, 12, 31),
    )
    ProjectCountryFactory(project=uganda, country="UG")
    uganda.themes.add(gender)
    uganda.cities.add(CityFactory(name="Jinja", country="UG"))
    jinja = OrganisationFactory(name="Jinja Municipal Council", kind=OrganisationKind.LOCAL_GOVERNMENT)
    ProjectPartnerFactory(project=uganda, organisation=jinja)
    ghana = ProjectFactory(
        code="IF-GHA",
        title="Accra innovation grant",
        facility=innovation,
        start_date=dt.date(2019, 6, 1),
        end_date=dt.date(2021, 5, 31),
    )
    ProjectCountryFactory(project=ghana, country="GH")
    hidden = ProjectFactory(code="SECRET", title="Not yet announced", facility=programmes, is_public=False)
    ProjectCountryFactory(project=hidden, country="UG")
    stranger = OrganisationFactory(name="Registered only")
    ProjectPartnerFactory(project=hidden, organisation=stranger)

    AllocationFactory(contribution=seco_phase, project=uganda, amount=Decimal("200000.00"))
    AllocationFactory(contribution=fcdo_grant, project=ghana, amount=Decimal("100000.00"))
    AllocationFactory(contribution=seco_phase, project=hidden, amount=Decimal("50000.00"))
    GrantAgreementFactory(project=uganda, grantee=jinja, signed_on=dt.date(2015, 2, 1))
    GrantAgreementFactory(project=ghana, signed_on=dt.date(2019, 7, 1))
    GrantAgreementFactory(project=hidden, signed_on=dt.date(2019, 8, 1))
    disbursement_record(project=uganda, amount=Decimal("40000.00"), value_date=dt.date(2016, 3, 1), reference="D-1")

    member = OrganisationFactory(name="Ministry of Lands", kind=OrganisationKind.NATIONAL_GOVERNMENT)
    MembershipFactory(organisation=member, constituency=ConstituencyFactory(code="governments", name="Governments"))
    return {
        "country_window": country_window,
        "global_window": global_window,
        "programmes": programmes,
        "innovation": innovation,
        "gender": gender,
        "seco": seco,
        "fcdo": fcdo,
        "seco_phase": seco_phase,
        "fcdo_grant": fcdo_grant,
        "cancelled": cancelled,
        "uganda": uganda,
        "ghana": ghana,
        "hidden": hidden,
        "jinja": jinja,
        "stranger": stranger,
        "member": member,
    }


@pytest.fixture
def uganda_results(portfolio):
    """Two yearly periods of the Uganda programme with targets; the first report approved, the second only
    submitted. Returns the project indicator."""
    project = portfolio["uganda"]
    periods = [
        ReportingPeriodFactory(
            project=project,
            start_date=dt.date(year, 1, 1),
            end_date=dt.date(year, 12, 31),
            due_date=dt.date(year + 1, 1, 31),
        )
        for year in (2015, 2016)
    ]
    result = project_result_add(project=project, outcome=OutcomeFactory(), title="Residents shape upgrading plans")
    people = project_indicator_add(result=result, indicator=IndicatorFactory(name="People reached"))
    for period, target in zip(periods, ("100", "200"), strict=True):
        period_targets_set(period=period, targets={people.pk: Decimal(target)})
    approved(periods[0], {people: "120"})
    submitted(periods[1], {people: "999"})
    return people
