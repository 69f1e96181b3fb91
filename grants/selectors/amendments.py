"""Reads of amendments and of the versions of an agreement, each in a constant number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from common.money import format_money
from common.permissions import may
from members.models import Role, User
from members.selectors import organisations_of

from ..models import (
    AgreementVersion,
    Amendment,
    AmendmentSignatory,
    AmendmentStatus,
    BudgetCategory,
    GrantAgreement,
    ReleaseCondition,
    SignatorySide,
)


def amendments_to_decide() -> Q:
    """Requested and waiting for the committee: the work queue's count and the admin's filter."""
    return Q(status=AmendmentStatus.REQUESTED)


def amendment_list() -> QuerySet[Amendment]:
    return (
        Amendment.objects.select_related("agreement__project", "agreement__grantee", "requested_by", "decided_by")
        .prefetch_related("budget_lines", "tranches", "transitions__by", "signatories")
        .order_by("-requested_at", "-pk")
    )


def agreement_amendments(agreement: GrantAgreement) -> QuerySet[Amendment]:
    return amendment_list().filter(agreement=agreement).order_by("-number")


def partner_amendments(user: User) -> QuerySet[Amendment]:
    """The amendments of the agreements `user`'s organisations hold as partner (the portal's)."""
    if not user.is_authenticated:
        return Amendment.objects.none()
    return amendment_list().filter(agreement__grantee__in=organisations_of(user=user, role=Role.PARTNER))


def visible_amendments(user: User) -> QuerySet[Amendment]:
    """Staff who view amendments see all; a partner those of the agreements its organisations hold; else none."""
    if may(user, "grants.view_amendment"):
        return amendment_list()
    return partner_amendments(user)


def partner_agreement(user: User, code: str) -> GrantAgreement:
    """The agreement of project `code` when `user` acts for its grantee as partner, or GrantAgreement.DoesNotExist."""
    if not user.is_authenticated:
        raise GrantAgreement.DoesNotExist
    return (
        GrantAgreement.objects.select_related("project", "grantee")
        .prefetch_related("budget_lines", "tranches")
        .get(project__code=code, grantee__in=organisations_of(user=user, role=Role.PARTNER))
    )


def grantee_project_codes(user: User) -> set[str]:
    """The codes of the projects whose agreement an organisation of `user` holds as partner: one query."""
    organisations = organisations_of(user=user, role=Role.PARTNER)
    return set(GrantAgreement.objects.filter(grantee__in=organisations).values_list("project__code", flat=True))


def staff_agreement(pk: int) -> GrantAgreement:
    return (
        GrantAgreement.objects.select_related("project", "grantee")
        .prefetch_related("budget_lines", "tranches")
        .get(pk=pk)
    )


@dataclass(frozen=True)
class VersionColumn:
    number: int
    made_at: dt.datetime
    amendment: Amendment | None


@dataclass
class ComparisonRow:
    label: str
    cells: list[str]
    changed: list[bool] = field(default_factory=list)

    @property
    def pairs(self) -> list[tuple[str, bool]]:
        return list(zip(self.cells, self.changed, strict=True))


@dataclass
class VersionComparison:
    agreement: GrantAgreement
    columns: list[VersionColumn]
    rows: list[ComparisonRow]


def _day(value: str | None) -> str:
    return date_format(dt.date.fromisoformat(value)) if value else ""


def _tranche_cell(tranche: dict, currency: str) -> str:
    parts = [_day(tranche["planned_date"]), format_money(Decimal(tranche["amount"]), currency)]
    kind = tranche["condition_kind"]
    if kind == ReleaseCondition.DATE:
        parts.append(_("Not before %(date)s") % {"date": _day(tranche["release_on"])})
    elif kind != ReleaseCondition.NONE:
        parts.append(f"{ReleaseCondition(kind).label}: {tranche['condition']}")
    return " · ".join(parts)


def agreement_versions(agreement: GrantAgreement) -> VersionComparison:
    """Every version of the agreement as columns, and a row per term (amount, end date, each tranche, each budget
    line) with the cells that differ from the version before marked changed. Two queries."""
    versions = list(AgreementVersion.objects.filter(agreement=agreement).select_related("amendment").order_by("number"))
    currency = agreement.currency
    rows: list[ComparisonRow] = [
        ComparisonRow(_("Amount"), [format_money(Decimal(v.terms["amount"]), currency) for v in versions]),
        ComparisonRow(_("End date"), [_day(v.terms["end_date"]) for v in versions]),
    ]
    numbers = sorted({t["number"] for v in versions for t in v.terms["tranches"]})
    for number in numbers:
        cells = []
        for version in versions:
            found = [t for t in version.terms["tranches"] if t["number"] == number]
            cells.append(_tranche_cell(found[0], currency) if found else "—")
        rows.append(ComparisonRow(_("Tranche %(number)s") % {"number": number}, cells))
    keys: list[tuple[str, str]] = []
    for version in versions:
        for line in version.terms["budget_lines"]:
            if (line["category"], line["description"]) not in keys:
                keys.append((line["category"], line["description"]))
    labels = dict(BudgetCategory.choices)
    for category, description in keys:
        cells = []
        for version in versions:
            amounts = [
                Decimal(line["amount"])
                for line in version.terms["budget_lines"]
                if (line["category"], line["description"]) == (category, description)
            ]
            cells.append(format_money(sum(amounts, Decimal(0)), currency) if amounts else "—")
        label = str(labels.get(category, category))
        rows.append(ComparisonRow(f"{_('Budget')}: {label}" + (f" ({description})" if description else ""), cells))
    for row in rows:
        row.changed = [index > 0 and cell != row.cells[index - 1] for index, cell in enumerate(row.cells)]
    columns = [VersionColumn(v.number, v.made_at, v.amendment) for v in versions]
    return VersionComparison(agreement=agreement, columns=columns, rows=rows)


@dataclass(frozen=True)
class AmendmentLetter:
    """What an amendment's letter shows: the amendment, and each term it changed, before and after."""

    amendment: Amendment
    changes: list[tuple[str, str, str]]


def amendment_letter(amendment: Amendment) -> AmendmentLetter:
    """The terms `amendment` changed, from the version of the agreement before it to the version it made (the
    comparison of `agreement_versions`, two of its columns). An amendment not approved changed nothing yet."""
    comparison = agreement_versions(amendment.agreement)
    made = [index for index, column in enumerate(comparison.columns) if column.amendment == amendment]
    if not made or made[0] == 0:
        return AmendmentLetter(amendment=amendment, changes=[])
    after = made[0]
    changes = [(row.label, row.cells[after - 1], row.cells[after]) for row in comparison.rows if row.changed[after]]
    return AmendmentLetter(amendment=amendment, changes=changes)


def amendments_awaiting_signature(user: User) -> QuerySet[Amendment]:
    """Approved amendments of the agreements `user`'s organisations hold as partner that the grantee has not
    signed yet: the portal home's "amendments to sign"."""
    grantee_signed = AmendmentSignatory.objects.filter(amendment=OuterRef("pk"), side=SignatorySide.PARTNER)
    return (
        partner_amendments(user)
        .filter(status=AmendmentStatus.APPROVED, signed_on__isnull=True)
        .exclude(Exists(grantee_signed))
    )
