"""The tables of a donor's CSV files, each as (headers, rows) for `common.spreadsheets.csv_response`.

Every amount is given in its own currency and, beside it, in the currency the donor chose; a row says which
rates its converted figures used, and which currencies lacked one (those figures left empty).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.utils.translation import gettext as _

from grants.currency import AppliedRate
from results.selectors import OutcomeProgress

from .selectors import Conversion, ConvertedProject, DonorFigures, ShareBreakdown

Table = tuple[list[str], Iterable[list[object]]]


def projects_table(rows: list[ConvertedProject], quote: str) -> Table:
    """Each project's money in its own currency and, beside it, in `quote`, with the rates used."""
    headers = [
        "code",
        "title",
        "window",
        "facility",
        "status",
        "start",
        "end",
        "countries",
        "currency",
        "committed",
        "disbursed",
        "your allocations",
        f"committed ({quote})",
        f"disbursed ({quote})",
        f"your allocations ({quote})",
        *_conversion_headers(quote),
    ]
    lines = (
        [
            row.project.code,
            row.project.title,
            row.project.facility.window.name,
            row.project.facility.name,
            row.project.get_status_display(),
            row.project.start_date,
            row.project.end_date,
            "; ".join(f"{c.country} {c.percentage}" for c in row.project.countries.all()),
            row.project.currency,
            row.project.committed_total,
            row.project.disbursed_total,
            "; ".join(
                f"{a.contribution.reference} {a.contribution.currency} {a.amount}"
                for a in row.project.donor_allocations
            ),
            row.committed,
            row.disbursed,
            row.allocated,
            *_conversion_cells(row.conversion),
        ]
        for row in rows
    )
    return headers, lines


def breakdown_table(breakdown: ShareBreakdown) -> Table:
    """One dimension's rows: the allocations in their own currencies and, with the payments, in the breakdown's."""
    dimension, quote = breakdown.dimension, breakdown.currency
    headers = [dimension, "allocated", f"allocated ({quote})", f"disbursed ({quote})", "projects", "note"]
    rows = (
        [
            row.label,
            "; ".join(f"{currency} {amount}" for currency, amount in sorted(row.allocated_own.items())),
            "" if row.missing_rates else row.allocated,
            "" if row.missing_rates else row.disbursed,
            row.project_count,
            _breakdown_note(quote, row.missing_rates),
        ]
        for row in breakdown.rows
    )
    return headers, rows


def contributions_table(figures: DonorFigures) -> Table:
    """Each contribution's five figures in its own currency and, beside them, in the figures' currency."""
    quote = figures.totals.currency
    headers = [
        "reference",
        "currency",
        "pledged",
        "received",
        "allocated",
        "disbursed",
        "balance",
        *(f"{name} ({quote})" for name in ("pledged", "received", "allocated", "disbursed", "balance")),
        *_conversion_headers(quote),
    ]
    rows = (
        [
            item.contribution.reference,
            item.currency,
            item.pledged,
            item.received,
            item.allocated,
            item.disbursed,
            item.balance,
            converted.pledged,
            converted.received,
            converted.allocated,
            converted.disbursed,
            converted.balance,
            *_conversion_cells(converted.conversion),
        ]
        for item, converted in ((item, figures.converted(item)) for item in figures.contributions)
    )
    return headers, rows


def results_table(outcomes: list[OutcomeProgress]) -> Table:
    """Each indicator of each outcome against its target."""
    headers = ["outcome", "indicator", "name", "unit", "target year", "target", "achieved", "percent"]
    rows = (
        [
            outcome.outcome.code,
            item.indicator.code,
            item.indicator.name,
            item.indicator.unit,
            item.target.year if item.target else "",
            item.target.value if item.target else "",
            item.achieved,
            item.percent if item.percent is not None else "",
        ]
        for outcome in outcomes
        for item in outcome.indicators
    )
    return headers, rows


def _conversion_headers(quote: str) -> list[str]:
    return ["rate currency", f"rate ({quote} per unit)", "rate date", "rate source", "rates used", "note"]


def _conversion_cells(conversion: Conversion) -> list[object]:
    """How a row's converted figures were reached: the rate, its date and source when one applies to them all;
    otherwise every rate used and a note; and which currencies lacked a rate, their figures left empty."""
    single = conversion.single_rate
    notes = []
    if not conversion.rates and not conversion.missing:
        notes.append(_("No conversion: every amount is in %(quote)s already.") % {"quote": conversion.quote})
    if len(conversion.rates) > 1:
        notes.append(_("Amounts converted at more than one rate, each at the rate of its date."))
    if conversion.missing:
        notes.append(_missing_note(conversion.quote, conversion.missing))
    if single is None:
        rate_cells = ["", "", "", ""]
    else:
        source = single.source
        if single.legs:
            source = f"through {single.via}: " + " / ".join(leg.source or "—" for leg in single.legs)
        rate_cells = [single.currency, _rate_number(single.rate), single.rate_date, source]
    return [*rate_cells, _rates_text(conversion.rates), " ".join(notes)]


def _rates_text(rates: Iterable[AppliedRate]) -> str:
    """The rates a row's figures used, for a CSV cell: `1 USD = 0.98 CHF on 2019-01-01 (source)`."""
    texts = []
    for rate in rates:
        text = f"1 {rate.currency} = {_rate_number(rate.rate)} {rate.quote_currency}"
        if rate.legs:
            legs = " / ".join(
                f"1 {leg.currency} = {leg.rate.normalize():f} {leg.quote_currency} on {leg.rate_date:%Y-%m-%d}"
                + (f" ({leg.source})" if leg.source else "")
                for leg in rate.legs
            )
            text += f" through {rate.via}: {legs}"
        else:
            text += f" on {rate.rate_date:%Y-%m-%d}" + (f" ({rate.source})" if rate.source else "")
        texts.append(text)
    return "; ".join(texts)


def _breakdown_note(quote: str, missing: set[str]) -> str:
    """A breakdown's row sums allocations and payments of many dates, each converted at the rate of its date."""
    note = _("Each amount converted at the rate of its date; the rates are listed with the contributions.")
    return f"{note} {_missing_note(quote, missing)}" if missing else note


def _missing_note(quote: str, codes: Iterable[str]) -> str:
    return _(
        "No exchange rate into %(quote)s is recorded for %(codes)s on the dates needed: "
        "the figures that need one are left empty."
    ) % {"quote": quote, "codes": ", ".join(sorted(codes))}


def _rate_number(rate: Decimal) -> str:
    return f"{rate.quantize(Decimal('1e-10')).normalize():f}"
