"""A deterministic synthetic portfolio of any size, for tests and benchmarks."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.utils import timezone

from common.money import CENT
from devtools.demo.portfolio import load_demo_rates
from devtools.generators.bulk import insert_rows
from grants.models import (
    Allocation,
    Application,
    ApplicationStatus,
    Call,
    City,
    Contribution,
    ContributionStatus,
    Facility,
    GrantAgreement,
    PartnerRole,
    Project,
    ProjectCountry,
    ProjectPartner,
    ProjectStatus,
    ReleaseCondition,
    Theme,
    Tranche,
    Transaction,
    TransactionKind,
)
from grants.reference import load_reference_data
from members.models import Organisation, OrganisationKind, OrganisationRole, Role, User

COUNTRIES = [
    "GH",
    "UG",
    "VN",
    "LR",
    "BF",
    "KE",
    "TZ",
    "ET",
    "RW",
    "MZ",
    "SN",
    "CI",
    "NG",
    "ZM",
    "MW",
    "BD",
    "NP",
    "PH",
    "ID",
    "KH",
    "MM",
    "LK",
    "IN",
    "PK",
    "TN",
    "MA",
    "EG",
    "JO",
    "LB",
    "BO",
    "PE",
    "CO",
    "HN",
    "GT",
    "HT",
    "SL",
    "GN",
    "ML",
    "NE",
    "CM",
]
CURRENCIES = ["USD", "EUR", "CHF", "GBP", "SEK"]
BATCH = 2000


@dataclass(frozen=True)
class GeneratedPortfolio:
    projects: int
    contributions: int
    organisations: int
    cities: int
    transactions: int = 0


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randrange(low, high, 1000))


@transaction.atomic
def generate_portfolio(
    *, projects: int, seed: int, payments_per_tranche: tuple[int, int] = (1, 3), donors: int | None = None
) -> GeneratedPortfolio:
    """Create `projects` synthetic projects with donors, agreements, partners and cities.

    The same seed gives the same portfolio; a seed already generated is left as it is. The first
    donor is a major one: besides the random allocations, it funds every tenth project.
    `payments_per_tranche` sets how many disbursements pay each tranche (the ledger's size);
    `donors` how many donors there are (one for every hundred projects, at least five, by default).
    """
    prefix = f"G{seed}"
    if Project.objects.filter(code__startswith=f"{prefix}-").exists():
        return GeneratedPortfolio(0, 0, 0, 0)
    rng = random.Random(seed)
    load_reference_data()
    load_demo_rates()
    facilities = list(Facility.objects.order_by("code"))
    themes = list(Theme.objects.order_by("code"))

    donor_count = donors or max(5, projects // 100)
    partner_count = max(10, projects // 5)
    organisations = Organisation.objects.bulk_create(
        [
            Organisation(
                name=f"{prefix} Donor {k:04d}",
                short_name=f"{prefix}D{k}",
                kind=OrganisationKind.NATIONAL_GOVERNMENT,
                country=rng.choice(COUNTRIES),
                is_demo=True,
            )
            for k in range(donor_count)
        ]
        + [
            Organisation(
                name=f"{prefix} Partner {k:05d}",
                short_name=f"{prefix}P{k}",
                kind=rng.choice([OrganisationKind.LOCAL_GOVERNMENT, OrganisationKind.NGO]),
                country=rng.choice(COUNTRIES),
                is_demo=True,
            )
            for k in range(partner_count)
        ],
        batch_size=BATCH,
    )
    donors, partners = organisations[:donor_count], organisations[donor_count:]

    contributions = []
    for k, donor in enumerate(donors):
        for phase in range(rng.randint(1, 3)):
            start = dt.date(rng.randint(2013, 2024), rng.randint(1, 12), 1)
            contributions.append(
                Contribution(
                    donor=donor,
                    reference=f"{prefix}-C{k:04d}-{phase}",
                    title=f"Contribution {k}, phase {phase + 1}",
                    amount=_money(rng, 500_000, 20_000_000),
                    currency=rng.choice(CURRENCIES),
                    start_date=start,
                    end_date=start.replace(year=start.year + rng.randint(2, 5)),
                    status=rng.choice([ContributionStatus.ACTIVE, ContributionStatus.COMPLETED]),
                    is_demo=True,
                )
            )
    Contribution.objects.bulk_create(contributions, batch_size=BATCH)

    cities = City.objects.bulk_create(
        [City(name=f"{prefix} City {k:05d}", country=rng.choice(COUNTRIES)) for k in range(max(10, projects // 2))],
        batch_size=BATCH,
    )

    new_projects = []
    for i in range(projects):
        start = dt.date(rng.randint(2013, 2025), rng.randint(1, 12), 1)
        budget = _money(rng, 50_000, 5_000_000)
        new_projects.append(
            Project(
                code=f"{prefix}-{i:05d}",
                title=f"Synthetic project {i}",
                summary="Generated for tests and benchmarks.",
                facility=rng.choice(facilities),
                status=rng.choice(list(ProjectStatus.values)[:4]),
                start_date=start,
                end_date=start.replace(year=start.year + rng.randint(1, 4)),
                currency="USD",
                approved_budget=budget,
                co_financing=(budget / 10).quantize(Decimal("1")),
                is_public=True,
                is_demo=True,
            )
        )
    Project.objects.bulk_create(new_projects, batch_size=BATCH)

    countries, partner_rows, theme_rows, city_rows = [], [], [], []
    for project in new_projects:
        chosen = rng.sample(COUNTRIES, rng.choice([1, 1, 1, 2]))
        share = Decimal(100) / len(chosen)
        countries += [ProjectCountry(project=project, country=code, percentage=share) for code in chosen]
        partner_rows.append(
            ProjectPartner(project=project, organisation=rng.choice(partners), role=PartnerRole.IMPLEMENTING)
        )
        partner_rows.append(ProjectPartner(project=project, organisation=rng.choice(donors), role=PartnerRole.FUNDING))
        theme_rows += [
            Project.themes.through(project=project, theme=theme) for theme in rng.sample(themes, rng.randint(1, 2))
        ]
        city_rows += [
            Project.cities.through(project=project, city=city) for city in rng.sample(cities, rng.randint(1, 3))
        ]
    insert_rows(ProjectCountry, countries)
    insert_rows(ProjectPartner, partner_rows)
    insert_rows(Project.themes.through, theme_rows)
    insert_rows(Project.cities.through, city_rows)
    transactions = _generate_ledger(rng, prefix, new_projects, contributions, partners, payments_per_tranche)
    return GeneratedPortfolio(len(new_projects), len(contributions), len(organisations), len(cities), transactions)


def _generate_ledger(
    rng: random.Random,
    prefix: str,
    projects: list[Project],
    contributions: list[Contribution],
    partners,
    payments_per_tranche: tuple[int, int],
) -> int:
    """Agreements, tranches, payments, allocations and receipts, with running totals that add up.

    Written in bulk for speed, so it keeps by hand the invariants the services keep one by one.
    """
    today = timezone.localdate()
    agreements, tranches, rows, allocations = [], [], [], []
    for project in projects:
        grantee = rng.choice(partners)
        agreements.append(
            GrantAgreement(
                project=project,
                reference=f"{project.code}-GA",
                grantee=grantee,
                signed_on=project.start_date,
                amount=project.approved_budget,
                currency=project.currency,
            )
        )
    GrantAgreement.objects.bulk_create(agreements, batch_size=BATCH)
    for index, (project, agreement) in enumerate(zip(projects, agreements, strict=True)):
        project.committed_total = agreement.amount
        rows.append(
            Transaction(
                kind=TransactionKind.COMMITMENT,
                value_date=agreement.signed_on,
                amount=agreement.amount,
                currency=project.currency,
                receiver=agreement.grantee,
                project=project,
                reference=agreement.reference,
            )
        )
        shares = [Decimal("0.4"), Decimal("0.4"), Decimal("0.2")]
        scheduled = [(agreement.amount * share).quantize(CENT) for share in shares[:-1]]
        scheduled.append(agreement.amount - sum(scheduled))
        for number, amount in enumerate(scheduled, start=1):
            planned = project.start_date + dt.timedelta(days=365 * (number - 1))
            tranche = Tranche(
                agreement=agreement,
                number=number,
                planned_date=planned,
                amount=amount,
                condition_kind=ReleaseCondition.NONE if number == 1 else ReleaseCondition.REPORT,
                condition="" if number == 1 else "Annual progress report",
                condition_met_on=planned if planned < today else None,
            )
            if planned < today and rng.random() < 0.85:
                payments = rng.randint(*payments_per_tranche)
                paid = [(amount / payments).quantize(CENT) for _ in range(payments - 1)]
                paid.append(amount - sum(paid))
                for part, value in enumerate(paid):
                    rows.append(
                        Transaction(
                            kind=TransactionKind.DISBURSEMENT,
                            value_date=planned + dt.timedelta(days=10 + part * 300 // payments),
                            amount=value,
                            currency=project.currency,
                            receiver=agreement.grantee,
                            project=project,
                            tranche=tranche,
                            reference=f"{agreement.reference}-P{number}-{part}",
                        )
                    )
                tranche.disbursed_total = amount
                project.disbursed_total += amount
            tranches.append(tranche)
        if project.disbursed_total:
            spent = (project.disbursed_total * Decimal(rng.randint(50, 100)) / 100).quantize(CENT)
            project.spent_total = spent
            rows.append(
                Transaction(
                    kind=TransactionKind.EXPENDITURE,
                    value_date=min(today, project.end_date),
                    amount=spent,
                    currency=project.currency,
                    provider=agreement.grantee,
                    project=project,
                )
            )
        major = contributions[0]
        funder = rng.choice(contributions)
        wanted = (funder.amount * Decimal(rng.randint(1, 5)) / 100).quantize(CENT)
        # Half the major contribution is kept for every tenth project: random allocations alone would
        # use it all up in a large portfolio, and the major donor would fund far fewer projects.
        room = funder.amount / 2 if funder is major else funder.amount
        allocated = funder.allocated_total + wanted <= room
        if allocated:
            funder.allocated_total += wanted
            allocations.append(
                Allocation(contribution=funder, project=project, amount=wanted, allocated_on=project.start_date)
            )
        if index % 10 == 0 and not (allocated and funder is major):
            share = (major.amount / 2 / ((len(projects) + 9) // 10)).quantize(CENT, ROUND_DOWN)
            if major.allocated_total + share <= major.amount:
                major.allocated_total += share
                allocations.append(
                    Allocation(contribution=major, project=project, amount=share, allocated_on=project.start_date)
                )
    Tranche.objects.bulk_create(tranches, batch_size=BATCH)
    for row in rows:
        row.tranche_id = row.tranche.pk if row.tranche else None
    for contribution in contributions:
        instalments = rng.randint(1, 3)
        for number in range(instalments):
            amount = (contribution.amount / instalments).quantize(CENT)
            if number == instalments - 1:
                amount = contribution.amount - contribution.received_total
            value_date = min(today, contribution.start_date + dt.timedelta(days=200 * number + 30))
            contribution.received_total += amount
            rows.append(
                Transaction(
                    kind=TransactionKind.INCOMING_FUNDS,
                    value_date=value_date,
                    amount=amount,
                    currency=contribution.currency,
                    provider=contribution.donor,
                    contribution=contribution,
                    reference=f"{contribution.reference}-IN-{number}",
                )
            )
    insert_rows(Transaction, rows)
    insert_rows(Allocation, allocations)
    Project.objects.bulk_update(projects, ["committed_total", "disbursed_total", "spent_total"], batch_size=BATCH)
    Contribution.objects.bulk_update(contributions, ["received_total", "allocated_total"], batch_size=BATCH)
    return len(rows)


@dataclass(frozen=True)
class GeneratedApplications:
    call: Call
    applications: int
    busiest_partner: User


@transaction.atomic
def generate_applications(*, count: int, seed: int) -> GeneratedApplications:
    """`count` applications to one synthetic call, in every status, from many organisations.

    One partner organisation sends fifty of them, so that a partner dashboard has a full page.
    """
    rng = random.Random(seed)
    prefix = f"A{seed}"
    load_reference_data()
    facility = Facility.objects.filter(is_competitive=True).order_by("code").first()
    now = timezone.now()
    call = Call.objects.create(
        reference=f"{prefix.lower()}-call",
        title=f"Synthetic call {seed}",
        description="Generated for benchmarks.",
        facility=facility,
        opens_at=now - dt.timedelta(days=90),
        closes_at=now + dt.timedelta(days=90),
        currency="USD",
        ceiling=Decimal(200_000),
        envelope=Decimal(count) * 100_000,
        is_published=True,
    )
    organisations = Organisation.objects.bulk_create(
        [
            Organisation(
                name=f"{prefix} Applicant {k:05d}",
                short_name=f"{prefix}O{k}",
                kind=rng.choice([OrganisationKind.LOCAL_GOVERNMENT, OrganisationKind.NGO]),
                country=rng.choice(COUNTRIES),
                is_demo=True,
            )
            for k in range(max(1, count // 5))
        ],
        batch_size=BATCH,
    )
    busiest = User.objects.create_user(email=f"{prefix.lower()}.partner@example.org", password=None)
    OrganisationRole.objects.create(user=busiest, organisation=organisations[0], role=Role.PARTNER)
    # The synthetic call takes full proposals: every status but a concept note's shortlist.
    statuses = [status for status in ApplicationStatus.values if status != ApplicationStatus.SHORTLISTED]
    rows = []
    for k in range(count):
        organisation = organisations[0] if k < 50 else rng.choice(organisations[1:] or organisations)
        status = rng.choice(statuses)
        start = dt.date(2027, rng.randint(1, 12), 1)
        rows.append(
            Application(
                call=call,
                organisation=organisation,
                created_by=busiest,
                status=status,
                title=f"Synthetic application {k}",
                summary="Generated for benchmarks.",
                countries=[organisation.country.code],
                start_date=start,
                end_date=start.replace(year=start.year + 1),
                requested_amount=_money(rng, 20_000, 200_000),
                submitted_at=None if status == ApplicationStatus.DRAFT else now - dt.timedelta(days=rng.randint(1, 80)),
            )
        )
    Application.objects.bulk_create(rows, batch_size=BATCH)
    return GeneratedApplications(call, len(rows), busiest)
