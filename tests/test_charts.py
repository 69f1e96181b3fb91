"""Chart geometry: bars in proportion, a rounded scale, the target line where it belongs; stacked parts of a whole."""

from __future__ import annotations

from decimal import Decimal
from xml.etree import ElementTree

from django.utils import translation

from common.chart_svg import bar_chart_svg
from common.charts import bar_chart, compact, stacked_bar
from tests.svg import unreadable_geometry

SVG = "{http://www.w3.org/2000/svg}"


def test_bars_are_in_proportion_on_a_rounded_scale_with_the_target_line():
    chart = bar_chart([("2019", Decimal(10)), ("2020", Decimal(20))], target=Decimal(43))

    first, second = chart.bars
    assert second.height == 2 * first.height
    assert [tick.text for tick in chart.ticks] == ["0", "20", "40", "60"]
    plot = chart.bottom - chart.top
    assert abs((chart.bottom - chart.target_y) - plot * 43 / 60) < 0.2
    assert first.x + first.width <= second.x


def test_a_chart_of_zeros_has_a_scale_and_flat_bars():
    chart = bar_chart([("2019", Decimal(0))])

    assert chart.bars[0].height == 0
    assert chart.target_y is None and chart.ticks


def test_axis_labels_are_short():
    assert [compact(Decimal(n)) for n in (950, 1500, 20_000_000, 2_500_000_000)] == ["950", "1.5k", "20M", "2.5bn"]


def test_a_stacked_bar_lays_its_parts_end_to_end_in_percent_of_the_whole():
    bar = stacked_bar(
        "Budget", [("paid", Decimal(250), "paid"), ("committed", Decimal(500), "committed")], whole=Decimal(1000)
    )

    assert [(s.x, s.width) for s in bar.segments] == [(0, 25), (25, 50)]
    assert bar.description == "Budget: paid 250; committed 500"


def test_a_stacked_bar_cuts_what_goes_beyond_the_whole_and_draws_nothing_below_zero():
    bar = stacked_bar("Spent", [("over", Decimal(1500), "a"), ("less", Decimal(-10), "b")], whole=Decimal(1000))
    empty = stacked_bar("Nothing", [("part", Decimal(5), "a")], whole=Decimal(0))

    assert [(s.x, s.width, s.text) for s in bar.segments] == [(0, 100, "1500"), (100, 0, "0")]
    assert [(s.x, s.width) for s in empty.segments] == [(0, 0)]


def test_a_chart_is_written_as_svg_with_its_bars_labels_and_target_and_what_users_typed_as_text():
    chart = bar_chart(
        [("2019", Decimal(10)), ("<b>2020</b>", Decimal(20))], target=Decimal(43), text=lambda value: f"{value} & co"
    )

    with translation.override("fr"):
        svg = bar_chart_svg(chart, id="chart-people", title='People "helped" <now>', desc="Bars & a line")

    drawn = ElementTree.fromstring(svg)  # noqa: S314 - well-formed whatever the labels held
    assert unreadable_geometry(svg) == []  # 60.5 in French too
    assert drawn.get("aria-labelledby") == "chart-people-title chart-people-desc"
    assert drawn.find(f"{SVG}title").text == 'People "helped" <now>'
    assert drawn.find(f"{SVG}desc").text == "Bars & a line"
    bars = drawn.findall(f"{SVG}rect")
    assert [(float(rect.get("height")), rect.find(f"{SVG}title").text) for rect in bars] == [
        (chart.bars[0].height, "2019: 10 & co"),
        (chart.bars[1].height, "<b>2020</b>: 20 & co"),
    ]
    texts = [text.text for text in drawn.iter(f"{SVG}text")]
    assert texts == ["0", "20", "40", "60", "2019", "<b>2020</b>", "Cible 43 & co"]
    target = drawn.find(f"{SVG}line[@class='chart-target']")
    assert float(target.get("y1")) == chart.target_y
