"""The demo portfolio, taken from public documents about the partnership.

It starts from the reference data a real deployment starts from (`grants.reference`: the six
constituencies, the two windows and their facilities, the four 2018-2021 themes). Facts stated in
those documents are loaded exactly: the members and donors they name, UNOPS as host and contract
partner, the SECO agreement. Everything else (project budgets, other donors'
agreements, membership dates, board seats, exchange rates) is illustrative and flagged
`is_demo` where the model has the flag.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from common.records import ensure, ensure_m2m
from devtools.demo.agreements import demo_signatures, load_demo_awaiting_signature
from devtools.demo.closeout import load_demo_closeout_ledger
from grants.models import (
    AccountingPeriod,
    AccountMapping,
    Allocation,
    AssessmentCriterion,
    Call,
    CallQuestion,
    City,
    Contribution,
    ContributionPhase,
    ContributionStatus,
    ExchangeRate,
    Facility,
    FundingWindow,
    GrantAgreement,
    PartnerRole,
    PhaseStatus,
    PledgeInstalment,
    Project,
    ProjectCountry,
    ProjectPartner,
    ProjectStatus,
    QuestionKind,
    ReleaseCondition,
    Theme,
    TransactionKind,
)
from grants.reference import load_reference_data
from members.models import (
    Constituency,
    GoverningBody,
    GoverningBodyKind,
    Membership,
    MembershipKind,
    Organisation,
    OrganisationKind,
    Seat,
)

D = Decimal
DEMO_RATE_SOURCE = "Illustrative annual rates (demo data)"


@dataclass(frozen=True)
class Org:
    name: str
    short_name: str
    kind: str
    country: str = ""
    constituency: str = ""
    membership: str = MembershipKind.FULL


ORGANISATIONS = [
    Org("United Nations Office for Project Services", "UNOPS", OrganisationKind.UN_AGENCY, "DK"),
    Org(
        "State Secretariat for Economic Affairs (Switzerland)",
        "SECO",
        OrganisationKind.NATIONAL_GOVERNMENT,
        "CH",
        "national-governments",
    ),
    Org("Government of France", "France", OrganisationKind.NATIONAL_GOVERNMENT, "FR", "national-governments"),
    Org("Government of Germany", "Germany", OrganisationKind.NATIONAL_GOVERNMENT, "DE", "national-governments"),
    Org("Government of Ghana", "Ghana", OrganisationKind.NATIONAL_GOVERNMENT, "GH", "national-governments"),
    Org(
        "Government of South Africa", "South Africa", OrganisationKind.NATIONAL_GOVERNMENT, "ZA", "national-governments"
    ),
    Org("Government of Sweden", "Sweden", OrganisationKind.NATIONAL_GOVERNMENT, "SE", "national-governments"),
    Org("Government of Uganda", "Uganda", OrganisationKind.NATIONAL_GOVERNMENT, "UG", "national-governments"),
    Org(
        "Government of the United Kingdom",
        "United Kingdom",
        OrganisationKind.NATIONAL_GOVERNMENT,
        "GB",
        "national-governments",
    ),
    Org(
        "Government of the United States",
        "United States",
        OrganisationKind.NATIONAL_GOVERNMENT,
        "US",
        "national-governments",
    ),
    Org("United Nations Children's Fund", "UNICEF", OrganisationKind.MULTILATERAL, "", "multilateral-institutions"),
    Org(
        "United Nations Human Settlements Programme",
        "UN-Habitat",
        OrganisationKind.MULTILATERAL,
        "",
        "multilateral-institutions",
    ),
    Org(
        "United Nations Capital Development Fund",
        "UNCDF",
        OrganisationKind.MULTILATERAL,
        "",
        "multilateral-institutions",
    ),
    Org("World Bank", "World Bank", OrganisationKind.MULTILATERAL, "", "multilateral-institutions"),
    Org(
        "United Cities and Local Governments of Africa",
        "UCLG Africa",
        OrganisationKind.LOCAL_GOVERNMENT_ASSOCIATION,
        "",
        "local-government-associations",
    ),
    Org("Metropolis", "Metropolis", OrganisationKind.LOCAL_GOVERNMENT_ASSOCIATION, "", "local-government-associations"),
    Org("Slum Dwellers International", "SDI", OrganisationKind.NGO, "", "ngos"),
    Org("Habitat for Humanity International", "Habitat for Humanity", OrganisationKind.NGO, "", "ngos"),
    Org("International Institute for Environment and Development", "IIED", OrganisationKind.NGO, "GB", "ngos"),
    Org("Municipal Council of Jinja", "Jinja", OrganisationKind.LOCAL_GOVERNMENT, "UG"),
    Org("Monrovia City Corporation", "Monrovia", OrganisationKind.LOCAL_GOVERNMENT, "LR"),
]

CITIES = [
    ("Jinja", "UG"),
    ("Mbale", "UG"),
    ("Arua", "UG"),
    ("Kabale", "UG"),
    ("Mbarara", "UG"),
    ("Monrovia", "LR"),
    ("Tamale", "GH"),
    ("Ho", "GH"),
    ("Kumasi", "GH"),
    ("Hai Phong", "VN"),
    ("Can Tho", "VN"),
    ("Tenkodogo", "BF"),
]

# Illustrative annual USD rates for the currencies of the demo agreements.
DEMO_USD_RATES = {
    "CHF": [
        "1.08",
        "1.09",
        "1.04",
        "1.02",
        "1.02",
        "1.02",
        "1.01",
        "1.07",
        "1.09",
        "1.05",
        "1.11",
        "1.14",
        "1.20",
        "1.25",
    ],
    "EUR": [
        "1.33",
        "1.33",
        "1.11",
        "1.11",
        "1.13",
        "1.18",
        "1.12",
        "1.14",
        "1.18",
        "1.05",
        "1.08",
        "1.08",
        "1.13",
        "1.16",
    ],
    "GBP": [
        "1.56",
        "1.65",
        "1.53",
        "1.36",
        "1.29",
        "1.34",
        "1.28",
        "1.28",
        "1.38",
        "1.24",
        "1.24",
        "1.28",
        "1.32",
        "1.34",
    ],
    "SEK": [
        "0.154",
        "0.146",
        "0.119",
        "0.117",
        "0.117",
        "0.115",
        "0.106",
        "0.109",
        "0.117",
        "0.099",
        "0.094",
        "0.095",
        "0.100",
        "0.105",
    ],
}
FIRST_RATE_YEAR = 2013


def _load_board_seats() -> None:
    board = GoverningBody.objects.get(kind=GoverningBodyKind.MANAGEMENT_BOARD)
    constituencies = list(Constituency.objects.order_by("order"))
    for number in range(1, board.seat_count + 1):
        ensure(Seat, {"body": board, "number": number}, {"constituency": constituencies[(number - 1) // 2]})


def _load_organisations() -> dict[str, Organisation]:
    constituencies = {c.code: c for c in Constituency.objects.all()}
    organisations = {}
    for org in ORGANISATIONS:
        organisation = ensure(
            Organisation, {"name": org.name}, {"short_name": org.short_name, "kind": org.kind, "country": org.country}
        )
        organisations[org.short_name] = organisation
        if org.constituency:
            ensure(
                Membership,
                {"organisation": organisation, "since": dt.date(2013, 1, 1)},
                {"constituency": constituencies[org.constituency], "kind": org.membership},
            )
    return organisations


def load_demo_rates() -> None:
    for currency, rates in DEMO_USD_RATES.items():
        for offset, rate in enumerate(rates):
            ensure(
                ExchangeRate,
                {"currency": currency, "quote_currency": "USD", "date": dt.date(FIRST_RATE_YEAR + offset, 1, 1)},
                {"rate": D(rate), "source": DEMO_RATE_SOURCE},
            )


def _load_contributions(orgs: dict[str, Organisation]) -> None:
    seco = ensure(
        Contribution,
        {"reference": "SECO-CA-PHASE-1"},
        {
            "donor": orgs["SECO"],
            "title": "Cities Alliance Partnership, 1. Phase",
            "description": (
                "A global multi-stakeholder partnership for urban poverty reduction and the promotion of the role "
                "of cities in sustainable development. Credit area: development cooperation. Topics: "
                "climate-friendly growth; urban infrastructure and utilities."
            ),
            "amount": D("4820000.00"),
            "currency": "CHF",
            "start_date": dt.date(2013, 10, 1),
            "end_date": dt.date(2017, 12, 31),
            "status": ContributionStatus.COMPLETED,
            "contract_partner": orgs["UNOPS"],
            "budget_inclusive_of_partners": D("55000000.00"),
        },
    )
    ensure(
        ContributionPhase,
        {"contribution": seco, "number": 1},
        {"start_date": dt.date(2013, 10, 1), "end_date": dt.date(2017, 12, 31), "status": PhaseStatus.COMPLETED},
    )
    demo_agreements = [
        (
            "UK-CA-2018",
            "United Kingdom",
            "Support to the Country/City Window",
            "3500000",
            "GBP",
            (2018, 4, 1),
            (2022, 3, 31),
            ContributionStatus.COMPLETED,
        ),
        (
            "SE-CA-2018",
            "Sweden",
            "Core support to the multi-donor fund",
            "60000000",
            "SEK",
            (2018, 1, 1),
            (2021, 12, 31),
            ContributionStatus.COMPLETED,
        ),
        (
            "DE-CA-2019",
            "Germany",
            "Cities and migration programme",
            "5000000",
            "EUR",
            (2019, 7, 1),
            (2024, 6, 30),
            ContributionStatus.COMPLETED,
        ),
        (
            "US-CA-2022",
            "United States",
            "Resilient secondary cities",
            "4000000",
            "USD",
            (2022, 1, 1),
            (2026, 12, 31),
            ContributionStatus.ACTIVE,
        ),
        (
            "CH-CA-2023",
            "SECO",
            "Cities Alliance Partnership, 2. Phase",
            "5500000",
            "CHF",
            (2023, 1, 1),
            (2027, 12, 31),
            ContributionStatus.ACTIVE,
        ),
    ]
    for reference, donor, title, amount, currency, start, end, status in demo_agreements:
        ensure(
            Contribution,
            {"reference": reference},
            {
                "donor": orgs[donor],
                "title": title,
                "amount": D(amount),
                "currency": currency,
                "start_date": dt.date(*start),
                "end_date": dt.date(*end),
                "status": status,
                "contract_partner": orgs["UNOPS"],
                "is_demo": True,
            },
        )


@dataclass(frozen=True)
class DemoProject:
    code: str
    title: str
    summary: str
    facility: str
    status: int
    start: tuple[int, int, int]
    end: tuple[int, int, int]
    budget: str
    co_financing: str
    leveraged: str
    countries: tuple[str, ...]
    cities: tuple[str, ...]
    themes: tuple[str, ...]
    partners: tuple[tuple[str, int], ...]


PROJECTS = [
    DemoProject(
        "CP-GHA-2014",
        "Ghana Country Programme: Land, Services and Citizenship",
        "Supports the Government of Ghana and secondary cities to put the national urban policy into practice, "
        "plan their growth and engage slum dwellers in municipal forums.",
        "country-programmes",
        ProjectStatus.CLOSED,
        (2014, 1, 1),
        (2017, 12, 31),
        "3000000",
        "450000",
        "85000000",
        ("GH",),
        ("Tamale", "Ho", "Kumasi"),
        ("equitable-economic-growth",),
        (
            ("Ghana", PartnerRole.IMPLEMENTING),
            ("UNOPS", PartnerRole.ACCOUNTABLE),
            ("SDI", PartnerRole.IMPLEMENTING),
            ("SECO", PartnerRole.FUNDING),
        ),
    ),
    DemoProject(
        "CP-UGA-2014",
        "Uganda Country Programme: Transforming the Settlements of the Urban Poor",
        "Makes Municipal Development Forums statutory bodies, supports municipal development plans and "
        "mobilises community savings groups in five municipalities.",
        "country-programmes",
        ProjectStatus.CLOSED,
        (2014, 1, 1),
        (2018, 6, 30),
        "3200000",
        "600000",
        "150000000",
        ("UG",),
        ("Jinja", "Mbale", "Arua", "Kabale", "Mbarara"),
        ("equitable-economic-growth", "gender-equality"),
        (
            ("Uganda", PartnerRole.IMPLEMENTING),
            ("UNOPS", PartnerRole.ACCOUNTABLE),
            ("SDI", PartnerRole.IMPLEMENTING),
            ("SECO", PartnerRole.FUNDING),
        ),
    ),
    DemoProject(
        "CP-VNM-2015",
        "Vietnam Country Programme: Inclusive Urban Development",
        "Supports the national urban development agenda and citywide upgrading planning in two secondary cities.",
        "country-programmes",
        ProjectStatus.CLOSED,
        (2015, 1, 1),
        (2018, 12, 31),
        "2800000",
        "300000",
        "120000000",
        ("VN",),
        ("Hai Phong", "Can Tho"),
        ("resilience-climate",),
        (("UNOPS", PartnerRole.ACCOUNTABLE), ("World Bank", PartnerRole.IMPLEMENTING), ("SECO", PartnerRole.FUNDING)),
    ),
    DemoProject(
        "CUF-LBR-2019",
        "Community Upgrading Fund: Monrovia",
        "Community-selected infrastructure in Monrovia's informal settlements, such as the water kiosk at Popo "
        "Beach, managed by the communities they serve.",
        "community-upgrading-fund",
        ProjectStatus.IMPLEMENTATION,
        (2019, 3, 1),
        (2026, 12, 31),
        "750000",
        "60000",
        "0",
        ("LR",),
        ("Monrovia",),
        ("resilience-climate", "gender-equality"),
        (
            ("Monrovia", PartnerRole.IMPLEMENTING),
            ("SDI", PartnerRole.IMPLEMENTING),
            ("UNOPS", PartnerRole.ACCOUNTABLE),
            ("Sweden", PartnerRole.FUNDING),
            ("United Kingdom", PartnerRole.FUNDING),
        ),
    ),
    DemoProject(
        "CUF-UGA-2016",
        "Community Upgrading Fund: Jinja",
        "Small community projects in Jinja's informal settlements, chosen and run by slum dwellers' federations "
        "with the municipal council.",
        "community-upgrading-fund",
        ProjectStatus.CLOSED,
        (2016, 1, 1),
        (2018, 12, 31),
        "400000",
        "40000",
        "0",
        ("UG",),
        ("Jinja",),
        ("equitable-economic-growth",),
        (("Jinja", PartnerRole.IMPLEMENTING), ("SDI", PartnerRole.IMPLEMENTING), ("UNOPS", PartnerRole.ACCOUNTABLE)),
    ),
    DemoProject(
        "IF-BFA-2021",
        "Innovation Fund: Tenkodogo citizen budgeting",
        "A small grant to test participatory budgeting with women's groups in a secondary city.",
        "innovation-fund",
        ProjectStatus.FINALISATION,
        (2021, 6, 1),
        (2023, 5, 31),
        "150000",
        "15000",
        "0",
        ("BF",),
        ("Tenkodogo",),
        ("gender-equality",),
        (
            ("UCLG Africa", PartnerRole.IMPLEMENTING),
            ("UNOPS", PartnerRole.ACCOUNTABLE),
            ("Germany", PartnerRole.FUNDING),
        ),
    ),
    DemoProject(
        "JWP-GLB-2022",
        "Joint Work Programme: Secondary Cities and Migration",
        "Member-led analysis of how secondary cities absorb migrants, with toolkits for local governments.",
        "joint-work-programmes",
        ProjectStatus.IMPLEMENTATION,
        (2022, 1, 1),
        (2026, 12, 31),
        "1200000",
        "200000",
        "0",
        ("UG", "GH"),
        ("Jinja", "Tamale"),
        ("cities-migration",),
        (
            ("IIED", PartnerRole.IMPLEMENTING),
            ("UN-Habitat", PartnerRole.IMPLEMENTING),
            ("Jinja", PartnerRole.IMPLEMENTING),
            ("UNOPS", PartnerRole.ACCOUNTABLE),
            ("United States", PartnerRole.FUNDING),
        ),
    ),
]


def _load_projects(orgs: dict[str, Organisation]) -> None:
    cities = {city.name: city for city in (ensure(City, {"name": n, "country": c}) for n, c in CITIES)}
    facilities = {f.code: f for f in Facility.objects.all()}
    themes = {t.code: t for t in Theme.objects.all()}
    for spec in PROJECTS:
        project = ensure(
            Project,
            {"code": spec.code},
            {
                "title": spec.title,
                "summary": spec.summary,
                "facility": facilities[spec.facility],
                "status": spec.status,
                "start_date": dt.date(*spec.start),
                "end_date": dt.date(*spec.end),
                "currency": "USD",
                "approved_budget": D(spec.budget),
                "co_financing": D(spec.co_financing),
                "leveraged_investment": D(spec.leveraged),
                "is_public": True,  # the demo's projects are published; an award starts unpublished
                "is_demo": True,
            },
        )
        share = (D(100) / len(spec.countries)).quantize(D("0.01"))
        for country in spec.countries:
            ensure(ProjectCountry, {"project": project, "country": country}, {"percentage": share})
        ensure_m2m(project.cities, [cities[name] for name in spec.cities])
        ensure_m2m(project.themes, [themes[code] for code in spec.themes])
        for short_name, role in spec.partners:
            ensure(ProjectPartner, {"project": project, "organisation": orgs[short_name], "role": role})


# What releases a demo tranche besides its date: nothing, a report approved, a document received, or a date.
NONE, REPORT, DOCUMENT, DATE = (
    ReleaseCondition.NONE,
    ReleaseCondition.REPORT,
    ReleaseCondition.DOCUMENT,
    ReleaseCondition.DATE,
)

# (project, reference, grantee, signed,
#  [(planned date, amount, (released by, which report or document, release date or None), paid on or None)])
AGREEMENTS = [
    (
        "CP-GHA-2014",
        "GA-CP-GHA-2014",
        "Ghana",
        (2014, 2, 1),
        [
            ((2014, 3, 1), "1000000", (NONE, "", None), (2014, 3, 20)),
            ((2015, 3, 1), "1000000", (REPORT, "Inception report", None), (2015, 4, 2)),
            ((2016, 3, 1), "1000000", (REPORT, "Annual progress report 2015", None), (2016, 3, 28)),
        ],
    ),
    (
        "CP-UGA-2014",
        "GA-CP-UGA-2014",
        "Uganda",
        (2014, 2, 15),
        [
            ((2014, 4, 1), "1200000", (NONE, "", None), (2014, 4, 15)),
            ((2015, 4, 1), "1000000", (DOCUMENT, "Minutes of the municipal forums", None), (2015, 5, 5)),
            ((2016, 4, 1), "1000000", (REPORT, "Annual progress report 2015", None), (2016, 4, 20)),
        ],
    ),
    (
        "CP-VNM-2015",
        "GA-CP-VNM-2015",
        "World Bank",
        (2015, 2, 1),
        [
            ((2015, 3, 1), "1400000", (NONE, "", None), (2015, 3, 18)),
            ((2016, 9, 1), "1400000", (REPORT, "Mid-term review", None), (2016, 10, 3)),
        ],
    ),
    (
        "CUF-UGA-2016",
        "GA-CUF-UGA-2016",
        "Jinja",
        (2016, 1, 20),
        [
            ((2016, 2, 1), "250000", (NONE, "", None), (2016, 2, 10)),
            ((2017, 2, 1), "150000", (DOCUMENT, "List of the community projects selected", None), (2017, 2, 22)),
        ],
    ),
    (
        "CUF-LBR-2019",
        "GA-CUF-LBR-2019",
        "Monrovia",
        (2019, 3, 10),
        [
            ((2019, 4, 1), "300000", (NONE, "", None), (2019, 4, 12)),
            ((2020, 6, 1), "250000", (REPORT, "Inception report", None), (2020, 7, 1)),
            ((2026, 6, 1), "200000", (REPORT, "Annual report 2025: water kiosks handed over", None), None),
        ],
    ),
    (
        "IF-BFA-2021",
        "GA-IF-BFA-2021",
        "UCLG Africa",
        (2021, 6, 15),
        [
            ((2021, 7, 1), "100000", (NONE, "", None), (2021, 7, 9)),
            ((2023, 4, 1), "50000", (REPORT, "Final report", None), None),
        ],
    ),
    (
        "JWP-GLB-2022",
        "GA-JWP-GLB-2022",
        "IIED",
        (2022, 1, 20),
        [
            ((2022, 2, 1), "400000", (NONE, "", None), (2022, 2, 14)),
            ((2024, 2, 1), "400000", (DATE, "Second year of the work programme", (2024, 2, 15)), (2024, 3, 1)),
            ((2026, 10, 1), "400000", (REPORT, "Final report", None), None),
        ],
    ),
]

# (contribution, [(date, amount)])
INSTALMENTS = [
    (
        "SECO-CA-PHASE-1",
        [
            ((2013, 11, 15), "1500000"),
            ((2014, 10, 1), "1200000"),
            ((2015, 10, 1), "1200000"),
            ((2016, 10, 3), "920000"),
        ],
    ),
    ("UK-CA-2018", [((2018, 5, 2), "1750000"), ((2019, 5, 6), "1750000")]),
    ("SE-CA-2018", [((2018, 2, 1), "30000000"), ((2019, 2, 1), "30000000")]),
    ("DE-CA-2019", [((2019, 8, 1), "2500000"), ((2021, 8, 2), "2500000")]),
    ("US-CA-2022", [((2022, 3, 1), "2000000")]),
    ("CH-CA-2023", [((2023, 3, 1), "1500000"), ((2024, 3, 1), "1500000")]),
]

# (contribution, [(due date, amount)]): the donors' pledge schedules (illustrative, demo agreements only)
PLEDGE_SCHEDULES = [
    ("UK-CA-2018", [((2018, 6, 30), "1750000"), ((2019, 6, 30), "1750000")]),
    ("SE-CA-2018", [((2018, 2, 1), "30000000"), ((2019, 2, 1), "30000000")]),
    ("DE-CA-2019", [((2019, 8, 1), "2500000"), ((2020, 8, 1), "2500000")]),
    ("US-CA-2022", [((2022, 3, 1), "2000000"), ((2025, 3, 1), "1000000"), ((2027, 3, 1), "1000000")]),
    (
        "CH-CA-2023",
        [((2023, 3, 1), "1500000"), ((2024, 3, 1), "1500000"), ((2026, 3, 1), "1250000"), ((2027, 3, 1), "1250000")],
    ),
]

# (contribution, project, amount in the contribution's currency, date)
ALLOCATIONS = [
    ("SECO-CA-PHASE-1", "CP-GHA-2014", "1500000", (2014, 1, 15)),
    ("SECO-CA-PHASE-1", "CP-UGA-2014", "1600000", (2014, 1, 15)),
    ("SECO-CA-PHASE-1", "CP-VNM-2015", "1400000", (2015, 1, 15)),
    ("SE-CA-2018", "CUF-LBR-2019", "5000000", (2019, 2, 15)),
    ("UK-CA-2018", "CUF-LBR-2019", "200000", (2019, 2, 15)),
    ("DE-CA-2019", "IF-BFA-2021", "120000", (2021, 5, 1)),
    ("US-CA-2022", "JWP-GLB-2022", "1000000", (2022, 1, 10)),
    ("CH-CA-2023", "JWP-GLB-2022", "150000", (2023, 2, 1)),
]


def _load_ledger(orgs: dict[str, Organisation]) -> None:
    from grants import services

    projects = {p.code: p for p in Project.objects.filter(code__in=[a[0] for a in AGREEMENTS])}
    for code, reference, grantee, signed, schedule in AGREEMENTS:
        project = projects[code]
        if GrantAgreement.objects.filter(project=project).exists():
            continue
        agreement = services.grant_agreement_sign(
            project=project,
            reference=reference,
            grantee=orgs[grantee],
            signed_on=dt.date(*signed),
            amount=sum((D(amount) for _, amount, _, _ in schedule), D(0)),
            signatures=demo_signatures(dt.date(*signed), orgs[grantee].name),
            tranches=[
                services.TrancheSpec(
                    dt.date(*planned), D(amount), which, kind=kind, release_on=dt.date(*on) if on else None
                )
                for planned, amount, (kind, which, on), _ in schedule
            ],
        )
        for tranche, (_, _, _, paid_on) in zip(agreement.tranches.order_by("number"), schedule, strict=True):
            if paid_on is None:
                continue
            services.tranche_condition_meet(tranche=tranche, on=dt.date(*paid_on))
            services.disbursement_record(
                project=project,
                tranche=tranche,
                amount=tranche.amount,
                value_date=dt.date(*paid_on),
                reference=f"PAY-{reference}-{tranche.number}",
                description="Demo data",
            )
    for reference, schedule in PLEDGE_SCHEDULES:
        contribution = Contribution.objects.get(reference=reference)
        for due, amount in schedule:
            ensure(PledgeInstalment, {"contribution": contribution, "due_date": dt.date(*due)}, {"amount": D(amount)})
    for reference, payments in INSTALMENTS:
        contribution = Contribution.objects.get(reference=reference)
        if contribution.transactions.exists():
            continue
        for number, (date, amount) in enumerate(payments, start=1):
            services.contribution_receive(
                contribution=contribution,
                amount=D(amount),
                value_date=dt.date(*date),
                reference=f"{reference}-IN-{number}",
                description="Instalment (demo data)",
            )
    for reference, code, amount, date in ALLOCATIONS:
        contribution = Contribution.objects.get(reference=reference)
        project = Project.objects.get(code=code)
        existing = Allocation.objects.filter(contribution=contribution, project=project).first()
        if existing is None or existing.amount != D(amount):
            services.allocation_set(
                contribution=contribution,
                project=project,
                amount=D(amount),
                allocated_on=dt.date(*date),
                note="Demo data",
            )


def _load_accounting_periods() -> None:
    """Financial years up to last year are closed; the current one is open."""
    from grants import services

    for year in range(FIRST_RATE_YEAR, 2027):
        period = ensure(
            AccountingPeriod,
            {"name": f"FY{year}"},
            {"start_date": dt.date(year, 1, 1), "end_date": dt.date(year, 12, 31)},
        )
        if year < 2026 and not period.is_closed:
            services.accounting_period_close(period=period, closed_by=None)


# (type, window code or None, currency or "", debit account, credit account, description): an illustrative chart of
# accounts, with a window and a currency that have accounts of their own to show which mapping wins.
ACCOUNT_MAPPINGS = [
    (TransactionKind.INCOMING_FUNDS, None, "", "1110", "4100", "Donor contribution received in USD (demo data)"),
    (TransactionKind.INCOMING_FUNDS, None, "CHF", "1120", "4100", "Donor contribution received in CHF (demo data)"),
    (TransactionKind.COMMITMENT, None, "", "5100", "2100", "Grant committed, any other window (demo data)"),
    (TransactionKind.COMMITMENT, "global", "", "5200", "2100", "Grant committed, Global Window (demo data)"),
    (TransactionKind.DISBURSEMENT, None, "", "2100", "1110", "Grant paid from the USD account (demo data)"),
    (TransactionKind.EXPENDITURE, None, "", "9100", "9900", "Partner expenditure reported, memo (demo data)"),
]


def _load_account_mappings() -> None:
    windows = {window.code: window for window in FundingWindow.objects.all()}
    for kind, window, currency, debit, credit, description in ACCOUNT_MAPPINGS:
        ensure(
            AccountMapping,
            {"kind": kind, "window": windows[window] if window else None, "currency": currency},
            {"debit_account": debit, "credit_account": credit, "description": description},
        )


def _load_calls() -> None:
    """An open Innovation Fund call with its questions and criteria (demo data)."""
    call = ensure(
        Call,
        {"reference": "innovation-fund-2026"},
        {
            "title": "Innovation Fund 2026: women's economic empowerment in secondary cities",
            "description": (
                "Small grants to local authorities and community organisations that test new ways for women "
                "in informal settlements to earn a living and take part in city decisions. (Demo data.)"
            ),
            "facility": Facility.objects.get(code="innovation-fund"),
            "eligible_kinds": [OrganisationKind.LOCAL_GOVERNMENT, OrganisationKind.NGO, OrganisationKind.COMMUNITY],
            "opens_at": dt.datetime(2026, 10, 1, 8, 0, tzinfo=dt.UTC),
            "closes_at": dt.datetime(2027, 3, 31, 17, 0, tzinfo=dt.UTC),
            "time_zone": "Africa/Kampala",
            "currency": "USD",
            "ceiling": D("150000.00"),
            "envelope": D("1500000.00"),
            "is_published": True,
        },
    )
    ensure_m2m(call.themes, list(Theme.objects.filter(code__in=["gender-equality", "equitable-economic-growth"])))
    for order, (name, weight) in enumerate(
        [
            ("Relevance to women in informal settlements", "3"),
            ("Innovation", "2"),
            ("Feasibility and budget", "2"),
            ("Partnership with the local authority", "1"),
        ],
        start=1,
    ):
        ensure(AssessmentCriterion, {"call": call, "name": name}, {"weight": D(weight), "order": order})
    questions = [
        ("How many women will take part?", QuestionKind.NUMBER, True, ""),
        ("Who leads the project?", QuestionKind.CHOICE, True, "Local authority\nCommunity organisation\nNGO"),
        ("Letter of support from the local authority", QuestionKind.FILE, False, ""),
    ]
    for order, (label, kind, required, choices) in enumerate(questions, start=1):
        ensure(
            CallQuestion,
            {"call": call, "label": label},
            {"kind": kind, "required": required, "choices": choices, "order": order},
        )


@transaction.atomic
def load_demo_portfolio() -> None:
    """Load (or bring up to date) the whole demo portfolio; a second run changes nothing."""
    from devtools.demo.calls import load_demo_calls

    load_reference_data()
    _load_board_seats()
    organisations = _load_organisations()
    load_demo_rates()
    _load_contributions(organisations)
    _load_projects(organisations)
    _load_ledger(organisations)
    load_demo_closeout_ledger(organisations)
    load_demo_awaiting_signature(organisations)
    _load_accounting_periods()
    _load_account_mappings()
    _load_calls()
    load_demo_calls()
    from devtools.demo.consortia import load_demo_consortia
    from devtools.demo.payments import load_demo_payments

    load_demo_payments()
    load_demo_consortia()
