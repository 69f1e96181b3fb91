"""Showing indicator values in their unit."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from common.chart_svg import bar_chart_svg
from common.charts import BarChart
from common.money import format_money, format_quantity
from results.models import Indicator, Unit
from results.selectors import IndicatorProgress

register = template.Library()


def format_measure(value: Decimal | None, indicator: Indicator) -> str:
    if value is None:
        return "—"
    if indicator.unit == Unit.YES_NO:
        return _("Yes") if value else _("No")
    if indicator.unit == Unit.AMOUNT:
        return format_money(value, indicator.currency, whole=True)
    number = format_quantity(value)
    return f"{number}\xa0%" if indicator.unit == Unit.PERCENTAGE else number


@register.filter
def measure(value: Decimal | None, indicator: Indicator) -> str:
    """`{{ value|measure:indicator }}`: 1,250 people, 45 %, USD 2,000,000, Yes."""
    return format_measure(value, indicator)


@register.simple_tag
def bar_chart(chart: BarChart, *, id: str, title: str, desc: str):
    """`{% bar_chart chart id="chart-people" title=… desc=… %}`: the chart as SVG (common/chart_svg.py)."""
    return bar_chart_svg(chart, id=id, title=title, desc=desc)


TREND_ROW = '<tr><th scope="row">{}</th><td class="num">{}</td><td class="num">{}</td></tr>'


@register.simple_tag
def trend_rows(progress: IndicatorProgress) -> SafeString:
    """`{% trend_rows progress %}`: the rows of an indicator's table by year (the year, in the year, to date).

    Written in one pass rather than a template loop: the results page shows twelve indicators over up to fifteen
    years, and a loop of three filtered cells per row took about 4 ms of each visit.
    """
    indicator = progress.indicator
    return mark_safe(  # noqa: S308 - the year is a number and both figures are escaped
        "".join(
            TREND_ROW.format(
                int(point.year),
                escape(format_measure(point.in_year, indicator)),
                escape(format_measure(point.to_date, indicator)),
            )
            for point in progress.trend
        )
    )
