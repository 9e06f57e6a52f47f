"""The dashboard's server-drawn charts: histogram bins and escaped SVG."""

from __future__ import annotations

from decimal import Decimal

from meetings.charts import breakdown_chart, histogram_bins, histogram_chart


def test_bins_are_nice_widths_up_to_the_95th_percentile_with_the_tail_in_one_open_bin():
    values = [Decimal(v) for v in (5, 12, 18, 40, 55, 61, 77, 95, 99, 100)] * 3 + [Decimal(12000)]
    bins = histogram_bins(values)
    assert [b.low for b in bins[:3]] == [Decimal(0), Decimal(10), Decimal(20)]
    assert bins[-1].high is None and bins[-1].count == 1
    assert sum(b.count for b in bins) == len(values)


def test_a_value_on_the_last_edge_falls_in_the_last_closed_bin():
    bins = histogram_bins([Decimal(1), Decimal(2), Decimal(10)])
    assert bins[-1].high == Decimal(10) and bins[-1].count == 1 and sum(b.count for b in bins) == 3


def test_equal_values_and_no_values():
    assert sum(b.count for b in histogram_bins([Decimal("7.5")] * 4)) == 4
    assert histogram_bins([]) == []


def test_labels_are_escaped_and_the_svg_has_a_title():
    svg = str(breakdown_chart([("<b>x</b>", Decimal(3), "3 t")], title="A & B"))
    assert "&lt;b&gt;x&lt;/b&gt;" in svg and "<title>A &amp; B</title>" in svg and 'role="img"' in svg
    assert "<script" not in str(histogram_chart(histogram_bins([Decimal(1)] * 3), title="t", unit="kg", more="+"))
