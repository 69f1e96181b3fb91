"""A bar chart (common.charts.BarChart) written as SVG, the same on a web page and in a PDF.

A results page draws some twenty-five charts of a dozen bars: written through a template, each of their
3,000 coordinates and labels took the template engine's time, about a third of the page. Here they are written
in Python. Presentation attributes keep the chart readable where no stylesheet reaches it (the PDF); site.css
overrides them. Coordinates are written as SVG reads them (60.5), never in the page's language; labels and
figures come already written as the page shows them, and are escaped here.
"""

from __future__ import annotations

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .charts import BarChart

LABEL = 'font-size="13" fill="#5b6775"'


def bar_chart_svg(chart: BarChart, *, id: str, title: str, desc: str) -> SafeString:
    ident = conditional_escape(id)
    parts = [
        f'<svg class="chart" viewBox="0 0 {chart.width} {chart.height}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{ident}-title">{conditional_escape(title)}</title>',
        f'<desc id="{ident}-desc">{conditional_escape(desc)}</desc>',
    ]
    for tick in chart.ticks:
        parts.append(
            f'<line x1="{chart.left}" x2="{chart.right}" y1="{tick.y}" y2="{tick.y}" class="chart-grid" '
            f'stroke="#d9e0e8"/><text x="{chart.tick_x}" y="{tick.y}" dy="4" text-anchor="end" class="chart-tick" '
            f"{LABEL}>{conditional_escape(tick.text)}</text>"
        )
    for bar in chart.bars:
        label = conditional_escape(bar.label)
        parts.append(
            f'<rect x="{bar.x}" y="{bar.y}" width="{bar.width}" height="{bar.height}" class="chart-bar" '
            f'fill="#0b4f8a"><title>{label}: {conditional_escape(bar.text)}</title></rect>'
            f'<text x="{bar.center}" y="{chart.label_y}" class="chart-label" text-anchor="middle" {LABEL}>'
            f"{label}</text>"
        )
    if chart.target_y is not None:
        parts.append(
            f'<line x1="{chart.left}" x2="{chart.right}" y1="{chart.target_y}" y2="{chart.target_y}" '
            'class="chart-target" stroke="#b35309" stroke-width="2" stroke-dasharray="6 4"/>'
            f'<text x="{chart.right}" y="{chart.target_y}" dy="-4" text-anchor="end" class="chart-target-text" '
            f'font-size="13" font-weight="600" fill="#b35309">{conditional_escape(_("Target"))} '
            f"{conditional_escape(chart.target_text)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped, every number is a float
