"""The money of another publisher's activity, made to fit a project's books: one currency, one grant agreement,
payments never beyond it. Whatever does not fit is taken out and said, with its XPath; nothing is converted.

A project keeps its books in one currency: the activity's default currency, unless none of its budgets and
transactions is in it, when the currency they are in. Publishers commit in several rows (a first commitment,
increases, corrections): a project has one grant agreement, which commits their sum, dated on the first. A
disbursement that would take the payments beyond that sum, or that has no agreement to pay under, is left out.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from common.money import format_money
from grants.models import TransactionKind

from .preparation import Preparation

LEDGER_KINDS = {
    str(kind) for kind in (TransactionKind.COMMITMENT, TransactionKind.DISBURSEMENT, TransactionKind.EXPENDITURE)
}
ORIGINAL_BUDGET = "1"
COMMITMENT, DISBURSEMENT = str(TransactionKind.COMMITMENT), str(TransactionKind.DISBURSEMENT)


def books_currency(p: Preparation) -> str:
    """The currency the project keeps its books in, set as the activity's default currency."""
    element = p.element
    default = element.get("default-currency") or ""
    values = [*element.iterfind("budget/value"), *element.iterfind("transaction/value")]
    used = Counter(currency for value in values if (currency := value.get("currency") or default))
    if not used or used[default]:
        chosen = default or _first_currency(element)
    else:
        chosen = used.most_common(1)[0][0]
        if default:
            p.record_attribute(
                element,
                "default-currency",
                _(
                    "None of the activity's budgets and transactions is in %(default)s: the project keeps its books "
                    "in %(currency)s, the currency they are in."
                )
                % {"default": default, "currency": chosen},
            )
    if chosen:
        element.set("default-currency", chosen)
    return chosen


def _first_currency(element) -> str:
    found = element.find(".//value[@currency]")
    return found.get("currency") if found is not None else ""


def fit_money(p: Preparation, currency: str) -> None:
    in_other_currency = _(
        "A project keeps its books in its own currency (%(currency)s); amounts are never converted."
    ) % {"currency": currency}

    def other_currency(node) -> bool:
        value = node.find("value")
        return value is not None and (value.get("currency") or currency) != currency

    for budget in p.children("budget"):
        if budget.get("type", ORIGINAL_BUDGET) != ORIGINAL_BUDGET:
            p.drop(budget, _("A revised budget is not read; the original budgets make the approved budget."))
        elif other_currency(budget):
            p.drop(budget, in_other_currency)
    for row in p.children("transaction"):
        if row.find("transaction-type").get("code") not in LEDGER_KINDS:
            p.drop(row, _("The ledger of a project records commitments, disbursements and expenditure only."))
        elif other_currency(row):
            p.drop(row, in_other_currency)
        elif _amount(row) is None:
            p.drop(row, _("Its value is not a number."))
    committed = _one_agreement(p, currency)
    _payments_within(p, currency, committed)
    _in_date_order(p)


def _amount(row) -> Decimal | None:
    try:
        amount = Decimal((row.findtext("value") or "").strip())
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def _date(row) -> dt.date:
    return dt.date.fromisoformat(row.find("transaction-date").get("iso-date"))


def _rows(p: Preparation, kind: str) -> list:
    rows = [row for row in p.children("transaction") if row.find("transaction-type").get("code") == kind]
    return sorted(rows, key=lambda row: (_date(row), p.order.get(row, 0)))


def _one_agreement(p: Preparation, currency: str) -> Decimal:
    """The activity's commitments as one: the first positive one stays, committing their sum; the others are
    taken out, said to be in it. Returns what is committed (0 when nothing is)."""
    rows = _rows(p, COMMITMENT)
    total = sum((_amount(row) for row in rows), Decimal(0))
    first = next((row for row in rows if _amount(row) > 0), None)
    if first is None or total <= 0:
        for row in rows:
            p.drop(
                row,
                _("The activity's commitments add up to %(total)s: there is no grant agreement to record.")
                % {"total": format_money(total, currency)},
            )
        return Decimal(0)
    if len(rows) == 1:
        return total
    shown = format_money(total, currency)
    for row in rows:
        if row is not first:
            p.drop(
                row,
                _("Counted in the project's one grant agreement, which commits the activity's commitments: %(total)s.")
                % {"total": shown},
            )
    value = first.find("value")
    p.record(
        value,
        value.text.strip(),
        _("The project's one grant agreement commits the sum of the activity's commitments: %(total)s.")
        % {"total": shown},
    )
    value.text = str(total)
    return total


def _payments_within(p: Preparation, currency: str, committed: Decimal) -> None:
    """Disbursements in date order, each left out when it would pay beyond what is committed."""
    paid = Decimal(0)
    for row in _rows(p, DISBURSEMENT):
        amount = _amount(row)
        if amount > 0 and paid + amount > committed:
            reason = (
                _("Nothing is committed, so nothing can be paid: a project pays under its grant agreement.")
                if committed <= 0
                else _(
                    "It would take the payments to %(paid)s, beyond the %(committed)s committed: a project never "
                    "pays more than its grant agreement."
                )
                % {"paid": format_money(paid + amount, currency), "committed": format_money(committed, currency)}
            )
            p.drop(row, reason)
            continue
        paid += amount


def _in_date_order(p: Preparation) -> None:
    """The commitment first, then the other rows by date, as the ledger records them (the file's order may be
    any; the paths reported are the file's)."""
    rows = p.children("transaction")
    ordered = sorted(rows, key=lambda row: (row.find("transaction-type").get("code") != COMMITMENT, _date(row)))
    for row in ordered:
        p.element.append(row)
