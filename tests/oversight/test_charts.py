"""Charts are accessible SVG: role img, a title and a description, ids of their own."""

from __future__ import annotations

import math
import re

from victimcare.oversight.charts import Point, dot_interval_chart, trend_chart

POINTS = [
    Point("Hackney", 0.68, 0.64, 0.72),
    Point("Camden <&>", 0.80, 0.77, 0.83),
    Point("No interval", 0.7, math.nan, math.nan),
]


def test_a_chart_is_an_image_with_a_title_and_description():
    chart = dot_interval_chart("c1", POINTS, title="By area", desc="Hackney lowest")
    svg = chart.svg
    assert svg.startswith('<svg role="img" aria-labelledby="c1-title c1-desc"')
    assert '<title id="c1-title">By area</title>' in svg
    assert '<desc id="c1-desc">Hackney lowest</desc>' in svg
    assert "<?xml" not in svg
    assert "DOCTYPE" not in svg
    assert "Camden &lt;&amp;&gt;" in svg


def test_ids_are_prefixed_so_that_charts_on_one_page_never_clash():
    a = trend_chart("a", POINTS, title="t", desc="d", target=0.8, trajectory=[0.7, 0.75, 0.8])
    b = trend_chart("b", POINTS, title="t", desc="d")
    ids_a = set(re.findall(r'id="([^"]+)"', a.svg))
    ids_b = set(re.findall(r'id="([^"]+)"', b.svg))
    assert all(i.startswith("a") for i in ids_a)
    assert not ids_a & ids_b
    for ref in re.findall(r"url\(#([^)]+)\)", a.svg):
        assert ref in ids_a


def test_drawing_is_deterministic():
    one = dot_interval_chart("x", POINTS, title="t", desc="d").svg
    assert one == dot_interval_chart("x", POINTS, title="t", desc="d").svg


def test_charts_draw_with_presentation_attributes_not_styles_the_csp_would_block():
    """The Content-Security-Policy allows no inline style: charts carry no style attribute
    or <style> element, and keep their colours and matplotlib's line joins as attributes."""
    for chart in (
        dot_interval_chart("c", POINTS, title="t", desc="d", reference=0.7),
        trend_chart("t", POINTS, title="t", desc="d", target=0.8, trajectory=[0.7, 0.75, 0.8]),
    ):
        assert "style=" not in chart.svg
        assert "<style" not in chart.svg
        assert 'stroke-linejoin="round" stroke-linecap="butt"' in chart.svg.split(">", 1)[0]
        assert 'fill="#1d70b8"' in chart.svg or 'stroke="#1d70b8"' in chart.svg
        assert 'font-family="' in chart.svg
