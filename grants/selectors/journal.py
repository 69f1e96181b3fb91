"""The accounting journal of a period, for the host's ERP: each ledger row dated in the period, with the
accounts it posts to (`AccountMapping`) and its amount in the reporting currency, in three queries.

A row posts its amount from the debit account to the credit account of its mapping. A reversal (a negative
row) posts the opposite entry, as a bookkeeper would: the accounts swap and the amount is positive. The
signed amount stays beside it, so that the period's sums by type are the ledger's own.

Nothing is left out: a row without a mapping, or without an exchange rate for its date, refuses the whole
journal, naming what is missing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from common.errors import DomainError
from common.spreadsheets import Sheet

from ..currency import AppliedRate, MissingRate, RateTable
from ..models import AccountingPeriod, AccountMapping, Transaction, TransactionKind

CLOSED, PROVISIONAL = "closed", "provisional"

# The file's columns, in English whatever the language of the page: an ERP's import reads them by name.
COLUMNS = (
    "entry date",
    "transaction id",
    "type code",
    "type",
    "debit account",
    "credit account",
    "debit",
    "credit",
    "currency",
    "amount",
    "reporting currency",
    "reporting amount",
    "rate",
    "rate date",
    "reference",
    "project",
    "contribution",
    "agreement",
    "tranche",
    "reverses",
    "description",
    "period",
    "period status",
)
TOTAL_COLUMNS = (
    "type code",
    "type",
    "currency",
    "entries",
    "debit",
    "credit",
    "amount",
    "reporting currency",
    "reporting amount",
)


class JournalIncomplete(DomainError):
    """Some rows of the period have no account mapping, or no exchange rate for their date."""

    def __init__(self, message: str, *, unmapped: list[str], unrated: list[str]) -> None:
        super().__init__(message)
        self.unmapped, self.unrated = unmapped, unrated


@dataclass(frozen=True)
class JournalLine:
    transaction: Transaction
    mapping: AccountMapping
    rate: AppliedRate
    reporting_amount: Decimal

    @property
    def is_reversal(self) -> bool:
        return self.transaction.amount < 0

    @property
    def debit_account(self) -> str:
        return self.mapping.credit_account if self.is_reversal else self.mapping.debit_account

    @property
    def credit_account(self) -> str:
        return self.mapping.debit_account if self.is_reversal else self.mapping.credit_account

    @property
    def entry_amount(self) -> Decimal:
        """What the entry posts to each of its two accounts: never negative."""
        return abs(self.transaction.amount)

    @property
    def agreement(self) -> str:
        project = self.transaction.project
        try:
            return project.agreement.reference if project else ""
        except ObjectDoesNotExist:
            return ""


@dataclass(frozen=True)
class KindTotal:
    kind: int
    currency: str
    count: int
    posted: Decimal  # to the debit side and to the credit side alike, reversals included
    amount: Decimal  # net of reversals, as the ledger sums it
    reporting_amount: Decimal

    @property
    def kind_label(self) -> str:
        return TransactionKind(self.kind).label


@dataclass(frozen=True)
class Journal:
    period: AccountingPeriod
    reporting_currency: str
    lines: list[JournalLine]

    @property
    def status(self) -> str:
        """Closed: nothing dated in the period can change, the file is final. Open: provisional."""
        return CLOSED if self.period.is_closed else PROVISIONAL

    def totals_by_currency(self) -> dict[str, tuple[Decimal, Decimal]]:
        """Debit and credit posted in each currency: equal, as each entry posts both sides."""
        totals: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
        for line in self.lines:
            totals[line.transaction.currency][0] += line.entry_amount
            totals[line.transaction.currency][1] += line.entry_amount
        return {currency: (debit, credit) for currency, (debit, credit) in sorted(totals.items())}

    def totals_by_kind(self) -> list[KindTotal]:
        sums: dict[tuple[int, str], list] = defaultdict(lambda: [0, Decimal(0), Decimal(0), Decimal(0)])
        for line in self.lines:
            row = sums[line.transaction.kind, line.transaction.currency]
            row[0] += 1
            row[1] += line.entry_amount
            row[2] += line.transaction.amount
            row[3] += line.reporting_amount
        return [KindTotal(kind, currency, *row) for (kind, currency), row in sorted(sums.items())]

    def rows(self) -> list[list[object]]:
        """The file's lines, under `COLUMNS`."""
        period, status = self.period.name, self.status
        return [
            [
                row.value_date,
                row.pk,
                row.kind,
                row.get_kind_display(),
                line.debit_account,
                line.credit_account,
                line.entry_amount,
                line.entry_amount,
                row.currency,
                row.amount,
                self.reporting_currency,
                line.reporting_amount,
                line.rate.rate,
                line.rate.rate_date,
                row.reference,
                row.project.code if row.project else "",
                row.contribution.reference if row.contribution else "",
                line.agreement,
                row.tranche.number if row.tranche else None,
                row.reverses_id,
                row.description,
                period,
                status,
            ]
            for line in self.lines
            for row in (line.transaction,)
        ]

    @property
    def dated(self) -> dt.datetime:
        """The date the file carries inside: its closing for a closed period, so that each export is the same."""
        return self.period.closed_at or timezone.now()

    def sheets(self) -> list[Sheet]:
        """The journal, and its totals by type and by currency (the CSV file holds the journal only), in English
        whatever the reader's language: the same period gives the same file to everyone."""
        with translation.override("en"):
            return self._sheets()

    def _sheets(self) -> list[Sheet]:
        by_kind = self.totals_by_kind()
        quote = self.reporting_currency
        totals: list[list[object]] = [
            [t.kind, str(t.kind_label), t.currency, t.count, t.posted, t.posted, t.amount, quote, t.reporting_amount]
            for t in by_kind
        ]
        for currency, (debit, credit) in self.totals_by_currency().items():
            same = [t for t in by_kind if t.currency == currency]
            count, amount = sum(t.count for t in same), sum(t.amount for t in same)
            reporting = sum(t.reporting_amount for t in same)
            totals.append([None, "All types", currency, count, debit, credit, amount, quote, reporting])
        return [
            Sheet(f"Journal ({self.status})", COLUMNS, self.rows()),
            Sheet(f"Totals ({self.status})", TOTAL_COLUMNS, totals),
        ]

    def filename(self, extension: str) -> str:
        """`journal-FY2024-closed.csv`: letters, digits, dots and dashes only."""
        name = re.sub(r"[^A-Za-z0-9.]+", "-", self.period.name).strip("-.") or str(self.period.pk)
        return f"journal-{name}-{self.status}.{extension}"


def mapping_for(mappings: dict[tuple, AccountMapping], row: Transaction) -> AccountMapping | None:
    """The most specific mapping of a row: type, window and currency; type and window; type and currency; type."""
    window = row.project.facility.window_id if row.project else None
    for key in ((window, row.currency), (window, ""), (None, row.currency), (None, "")):
        found = mappings.get((row.kind, *key))
        if found is not None:
            return found
    return None


def period_journal(period: AccountingPeriod) -> Journal:
    """The journal of `period`, ordered by value date then id; JournalIncomplete names what a row lacks."""
    rows = list(
        Transaction.objects.filter(value_date__gte=period.start_date, value_date__lte=period.end_date)
        .select_related("project__facility__window", "project__agreement", "contribution", "tranche")
        .order_by("value_date", "pk")
    )
    mappings = {(m.kind, m.window_id, m.currency): m for m in AccountMapping.objects.all()}
    quote = settings.REPORTING_CURRENCY
    table = RateTable.load(quote=quote, currencies={row.currency for row in rows}, until=period.end_date)
    lines, unmapped, unrated = [], {}, {}
    for row in rows:
        mapping = mapping_for(mappings, row)
        if mapping is None:
            window = row.project.facility.window if row.project else None
            unmapped[row.kind, window.name if window else "", row.currency] = None
        try:
            converted = table.convert(row.amount, row.currency, row.value_date)
        except MissingRate as missing:
            unrated.setdefault(row.currency, missing.message)
            continue
        if mapping is not None:
            lines.append(JournalLine(row, mapping, converted.rate, converted.amount))
    if unmapped or unrated:
        raise _incomplete(period, unmapped, unrated)
    return Journal(period=period, reporting_currency=quote, lines=lines)


def _incomplete(period: AccountingPeriod, unmapped: dict, unrated: dict) -> JournalIncomplete:
    missing_mappings = [
        " · ".join(part for part in (str(TransactionKind(kind).label), window, currency) if part)
        for kind, window, currency in sorted(unmapped)
    ]
    missing_rates = [unrated[currency] for currency in sorted(unrated)]
    problems = []
    if missing_mappings:
        problems.append(
            _("no account mapping for %(rows)s (add one under Account mappings)")
            % {"rows": "; ".join(missing_mappings)}
        )
    problems.extend(message.rstrip(".") for message in missing_rates)
    message = _("The journal of %(period)s cannot be exported: %(problems)s.") % {
        "period": period.name,
        "problems": "; ".join(problems),
    }
    return JournalIncomplete(message, unmapped=missing_mappings, unrated=missing_rates)
