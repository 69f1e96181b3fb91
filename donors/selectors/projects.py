"""The projects a donor funds: their list, their money in another currency, one project's page."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet, Sum
from django_countries import countries

from common.figures import cached_figures
from grants.currency import RateTable
from grants.models import (
    Allocation,
    Facility,
    FundingWindow,
    Project,
    ProjectCountry,
    ProjectPartner,
    Theme,
    Transaction,
    TransactionKind,
)
from members.models import Organisation

from .contributions import funded_projects
from .conversion import Conversion, RowConverter


def donor_project_list(donor: Organisation) -> QuerySet[Project]:
    """The donor's funded projects with what their list shows, including the donor's own allocations."""
    own = Allocation.objects.filter(contribution__donor=donor).select_related("contribution")
    return (
        funded_projects(donor)
        .select_related("facility__window")
        .prefetch_related(
            Prefetch("countries", queryset=ProjectCountry.objects.order_by("-percentage", "country")),
            Prefetch("allocations", queryset=own, to_attr="donor_allocations"),
        )
    )


Choice = tuple[int | str, str]


@dataclass(frozen=True)
class ProjectChoices:
    """What a donor's project list can be narrowed to: the windows, facilities, themes and countries of the
    projects it funds, each a list of (value, label) in the order offered."""

    windows: list[Choice]
    facilities: list[Choice]
    themes: list[Choice]
    countries: list[Choice]


def donor_project_choices(donor: Organisation) -> ProjectChoices:
    """The choices of the donor's project filters, kept until a row they are read from changes (common.figures):
    each is a pass over every project the donor funds (four of 20 ms for a donor of 5,000 projects)."""
    return cached_figures(f"donor-project-choices:{donor.pk}", lambda: _project_choices(funded_projects(donor)))


def _project_choices(projects: QuerySet[Project]) -> ProjectChoices:
    def labelled(rows: QuerySet) -> list[Choice]:
        return [(row.pk, str(row)) for row in rows.distinct()]

    # Without order_by(), the model's ordering (project, percentage) would make DISTINCT repeat a country.
    codes = ProjectCountry.objects.filter(project__in=projects).order_by().values_list("country", flat=True)
    return ProjectChoices(
        windows=labelled(FundingWindow.objects.filter(facilities__projects__in=projects)),
        facilities=labelled(Facility.objects.filter(projects__in=projects)),
        themes=labelled(Theme.objects.filter(projects__in=projects)),
        countries=sorted(((code, countries.name(code)) for code in codes.distinct()), key=lambda pair: pair[1]),
    )


@dataclass(frozen=True)
class ConvertedProject:
    """A funded project's money in another currency (None where a rate is missing), beside its own: its
    commitment at the rate of its start, its payments each at the rate of its value date, and the donor's
    allocations to it each at the rate of its date (as the dashboard's "allocated" adds them up)."""

    project: Project
    committed: Decimal | None
    disbursed: Decimal | None
    allocated: Decimal | None
    conversion: Conversion


def donor_projects_converted(projects: QuerySet[Project], *, quote: str) -> list[ConvertedProject]:
    """`projects` (of `donor_project_list`, filtered) with their money in `quote`: two queries more than the list,
    whatever its length (the payments summed per project, currency and day; the rates)."""
    listed = list(projects)
    payments: dict[int, list[tuple[Decimal, str, dt.date]]] = defaultdict(list)
    for project_id, currency, on, total in (
        Transaction.objects.filter(
            project_id__in=projects.prefetch_related(None).order_by().values("pk"), kind=TransactionKind.DISBURSEMENT
        )
        .values_list("project_id", "currency", "value_date")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        payments[project_id].append((total, currency, on))
    currencies = {project.currency for project in listed}
    currencies |= {currency for rows in payments.values() for _total, currency, _on in rows}
    currencies |= {a.contribution.currency for project in listed for a in project.donor_allocations}
    table = RateTable.load(quote=quote, currencies=currencies)
    rows = []
    for project in listed:
        converter = RowConverter(table)
        rows.append(
            ConvertedProject(
                project=project,
                committed=converter.amount(project.committed_total, project.currency, project.start_date),
                disbursed=converter.total(payments[project.pk]),
                allocated=converter.total(
                    (a.amount, a.contribution.currency, a.allocated_on) for a in project.donor_allocations
                ),
                conversion=converter.conversion,
            )
        )
    return rows


def donor_project(donor: Organisation, code: str) -> Project:
    """One project the donor funds, with what its page shows; Project.DoesNotExist otherwise."""
    return (
        funded_projects(donor)
        .select_related("facility__window")
        .prefetch_related(
            Prefetch("countries", queryset=ProjectCountry.objects.order_by("-percentage", "country")),
            "cities",
            Prefetch("partners", queryset=ProjectPartner.objects.select_related("organisation")),
            Prefetch(
                "allocations",
                queryset=Allocation.objects.filter(contribution__donor=donor).select_related("contribution"),
                to_attr="donor_allocations",
            ),
        )
        .get(code=code)
    )
