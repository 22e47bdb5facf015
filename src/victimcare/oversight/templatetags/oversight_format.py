"""Formatting of estimates on oversight pages and in the report pack."""

import base64
import re
from html import escape, unescape

from django import template
from django.utils.safestring import mark_safe

from victimcare.oversight import publication

register = template.Library()


@register.filter
def svg_image(svg: str) -> str:
    """A chart as an <img> of its SVG (for the PDF: WeasyPrint draws SVG images with its
    own SVG renderer), with the chart's title and description as the alternative text."""
    if not svg:
        return ""
    title = re.search(r"<title[^>]*>(.*?)</title>", svg, re.S)
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.S)
    alt = " ".join(unescape(m.group(1)) for m in (title, desc) if m)
    data = (
        svg
        if "xmlns=" in svg[:300]
        else svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    )
    encoded = base64.b64encode(data.encode()).decode()
    return mark_safe(  # noqa: S308 - built from our own SVG and escaped text
        f'<img class="vc-chart" alt="{escape(alt)}" src="data:image/svg+xml;base64,{encoded}">'
    )


@register.filter
def pct(value, digits: int = 1) -> str:
    """A share that is not a survey estimate (e.g. compliance, a count of records):
    0.7438 -> "74.4%"; nothing -> "not available". Survey figures use ``rate``."""
    if value is None or value == "":
        return "not available"
    return f"{float(value) * 100:.{int(digits)}f}%"


@register.filter
def rate(estimate) -> str:
    """An estimate dict's rate under the publication rule: "74.4%", or why not."""
    return publication.rate_text(estimate, threshold=publication.threshold())


@register.filter
def interval(estimate) -> str:
    """An estimate dict's 95% interval under the publication rule, or why there is none."""
    return publication.interval_text(estimate, threshold=publication.threshold())


ci = register.filter("ci", interval)


@register.filter
def points(value, digits: int = 1) -> str:
    """A difference of proportions in percentage points, signed: 0.031 -> "+3.1"."""
    if value is None or value == "":
        return "not available"
    return f"{float(value) * 100:+.{int(digits)}f}"


@register.filter
def points_size(value, digits: int = 1) -> str:
    """The size of a difference in percentage points, unsigned, for a sentence that says
    its direction in words ("were less satisfied ... by 3.1 points")."""
    if value is None or value == "":
        return "not available"
    return f"{abs(float(value)) * 100:.{int(digits)}f}"


@register.filter
def ci_points(value) -> str:
    """A comparison dict's 95% interval in points: "-1.1 to +7.4", or why not."""
    return publication.points_interval_text(value)


@register.filter
def pvalue(value) -> str:
    """A p-value as words on a page: "p < 0.001", "p = 0.217"."""
    if value is None:
        return "p not available"
    return "p < 0.001" if value < 0.001 else f"p = {value:.3f}"


@register.filter
def get(mapping, key):
    return (mapping or {}).get(key)
