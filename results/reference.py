"""The corporate results framework from the partnership's own documents: its outcomes, indicators and published
portfolio targets (the expected results of the SECO-funded phase 2013-2017 and the strategic plan's aim to 2021).
A real deployment starts from it (`manage.py load_reference_data`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from common.records import ensure

from .models import Aggregation, Counted, Disaggregation, Indicator, Outcome, PortfolioTarget, Unit

D = Decimal
PHASE = "Cities Alliance Partnership, phase 1 (2013-2017): expected results"
STRATEGY = "Strategic plan 2018-2021: we seek to improve the lives of 20 million urban poor"

OUTCOMES = [
    ("NPF", "National policy frameworks developed or enhanced to address urban development needs"),
    ("LPS", "Local pro-poor and climate-resilient strategies and plans developed and resources mobilised"),
    ("CIT", "Mechanisms to engage citizens in urban governance developed"),
    ("CAP", "Capacities of cities in governance and management strengthened"),
    ("IMP", "Lives of the urban poor improved and women empowered"),
]


@dataclass(frozen=True)
class IndicatorSpec:
    outcome: str
    code: str
    name: str
    unit: str
    counted: str
    aggregation: str
    targets: tuple[tuple[int, str, str], ...] = ()  # (year, value, source)
    disaggregation: str = ""
    currency: str = ""


COUNTRIES_, CITIES_ = Aggregation.DISTINCT_COUNTRIES, Aggregation.DISTINCT_CITIES
INDICATORS = [
    IndicatorSpec(
        "NPF",
        "NPF-1",
        "Countries developing national urban policies",
        Unit.COUNT,
        Counted.COUNTRIES,
        COUNTRIES_,
        ((2017, "7", PHASE),),
    ),
    IndicatorSpec(
        "NPF",
        "NPF-2",
        "Countries adopting national urban policies",
        Unit.COUNT,
        Counted.COUNTRIES,
        COUNTRIES_,
        ((2017, "3", PHASE),),
    ),
    IndicatorSpec(
        "NPF",
        "NPF-3",
        "Countries with national urban policy frameworks in place",
        Unit.COUNT,
        Counted.COUNTRIES,
        COUNTRIES_,
        ((2017, "5", PHASE),),
    ),
    IndicatorSpec(
        "LPS",
        "LPS-1",
        "Cities developing local pro-poor, climate-resilient strategies or plans",
        Unit.COUNT,
        Counted.CITIES,
        CITIES_,
        ((2017, "43", PHASE),),
    ),
    IndicatorSpec(
        "LPS",
        "LPS-2",
        "Investment leveraged for cities and services",
        Unit.AMOUNT,
        Counted.MONEY,
        Aggregation.SUM,
        currency="USD",
    ),
    IndicatorSpec(
        "CIT",
        "CIT-1",
        "Cities with functioning mechanisms that engage citizens in urban governance",
        Unit.COUNT,
        Counted.CITIES,
        CITIES_,
        ((2017, "44", PHASE),),
    ),
    IndicatorSpec(
        "CIT",
        "CIT-2",
        "Countries with functioning mechanisms that engage citizens in urban governance",
        Unit.COUNT,
        Counted.COUNTRIES,
        COUNTRIES_,
        ((2017, "12", PHASE),),
    ),
    IndicatorSpec(
        "CIT",
        "CIT-3",
        "Innovative projects developed to engage citizens",
        Unit.COUNT,
        Counted.PROJECTS,
        Aggregation.SUM,
        ((2017, "25", PHASE),),
    ),
    IndicatorSpec(
        "CIT",
        "CIT-4",
        "Municipal forums operating",
        Unit.COUNT,
        Counted.MECHANISMS,
        Aggregation.LATEST,
    ),
    IndicatorSpec(
        "CAP",
        "CAP-1",
        "Cities with strengthened capacities in strategic planning and city management",
        Unit.COUNT,
        Counted.CITIES,
        CITIES_,
        ((2017, "21", PHASE),),
    ),
    IndicatorSpec(
        "CAP",
        "CAP-2",
        "Countries strengthening organisations that train local government officials",
        Unit.COUNT,
        Counted.COUNTRIES,
        COUNTRIES_,
        ((2017, "3", PHASE),),
    ),
    IndicatorSpec(
        "CAP",
        "CAP-3",
        "Local government staff trained",
        Unit.COUNT,
        Counted.PEOPLE,
        Aggregation.SUM,
        disaggregation=Disaggregation.SEX,
    ),
    IndicatorSpec(
        "IMP",
        "IMP-1",
        "Urban poor whose lives improved",
        Unit.COUNT,
        Counted.PEOPLE,
        Aggregation.SUM,
        ((2021, "20000000", STRATEGY),),
        disaggregation=Disaggregation.SEX,
    ),
    IndicatorSpec(
        "IMP",
        "IMP-2",
        "Cities where women are empowered",
        Unit.COUNT,
        Counted.CITIES,
        CITIES_,
        ((2021, "60", STRATEGY + ", and empower women in more than 60 cities"),),
    ),
    IndicatorSpec(
        "IMP",
        "IMP-3",
        "Countries where the lives of the urban poor improved",
        Unit.COUNT,
        Counted.COUNTRIES,
        COUNTRIES_,
        ((2021, "7", STRATEGY + ", across seven or more countries"),),
    ),
]


@transaction.atomic
def load_framework() -> None:
    """The outcomes, indicators and their published targets; a second run changes nothing."""
    outcomes = {}
    for order, (code, title) in enumerate(OUTCOMES, start=1):
        outcomes[code] = ensure(Outcome, {"code": code}, {"title": title, "order": order})
    for order, spec in enumerate(INDICATORS, start=1):
        indicator = ensure(
            Indicator,
            {"code": spec.code},
            {
                "outcome": outcomes[spec.outcome],
                "name": spec.name,
                "unit": spec.unit,
                "currency": spec.currency,
                "counted": spec.counted,
                "aggregation": spec.aggregation,
                "disaggregation": spec.disaggregation,
                "order": order,
            },
        )
        for year, value, source in spec.targets:
            ensure(PortfolioTarget, {"indicator": indicator, "year": year}, {"value": D(value), "source": source})


# A value of a year: a number, (total, women, men), or the places named (cities, or ISO country codes).
