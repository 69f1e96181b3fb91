"""Chart geometry: bars in proportion, a rounded scale, the target line where it belongs."""

from __future__ import annotations

from decimal import Decimal

from common.charts import bar_chart, compact


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
