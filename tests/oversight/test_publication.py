"""The publication rule (issue 17): one function decides whether a rate may be shown,
intervals are explained in words, incomplete fieldwork is flagged and never compared,
labels say which months of reports a figure covers; and every template goes through it."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import staff_make
from tests.oversight.factories import QUARTER, responses_make
from victimcare.accounts.constants import Role
from victimcare.oversight import figure_services, publication
from victimcare.oversight.report import report_pack_context, report_pack_html, report_pack_pdf

TEMPLATES = Path(publication.__file__).parent / "templates" / "oversight"


@pytest.mark.parametrize(
    ("n", "estimate", "shown", "words"),
    [
        (3, 1.0, False, "too few responses (3; a rate needs at least 30)"),
        (29, 0.5, False, "too few responses (29; a rate needs at least 30)"),
        (0, None, False, "no responses"),
        (30, 0.5, True, "50.0%"),
    ],
)
def test_the_publication_rule_for_rates(n, estimate, shown, words):
    e = {"estimate": estimate, "ci_low": 0.4, "ci_high": 0.6, "n": n}
    published = publication.publish(e, threshold=30)
    assert published["published"] is shown
    assert published["n"] == n  # the count is always kept
    assert publication.rate_text(e, threshold=30) == words
    if not shown:
        assert published["estimate"] is None
        assert published["ci_low"] is None


@pytest.mark.parametrize(
    ("estimate", "words"),
    [
        (1.0, "no interval: every response gave the same answer"),
        (0.7, "no interval: the sample design leaves too few degrees of freedom"),
    ],
)
def test_an_interval_that_cannot_be_computed_is_explained_in_words(estimate, words):
    e = {"estimate": estimate, "ci_low": None, "ci_high": None, "n": 40}
    assert publication.interval_text(e, threshold=30) == words


@pytest.mark.parametrize(
    ("counts", "label"),
    [
        ({"2025-10": 124}, "Oct 2025 only (one month of reports)"),
        ({"2025-08": 5, "2025-10": 9}, "Aug 2025 to Oct 2025 (2 of 12 months have responses)"),
        ({}, "no responses"),
    ],
)
def test_a_rolling_year_is_labelled_by_the_months_it_covers(counts, label):
    months = [f"2024-{m:02d}" for m in range(11, 13)] + [f"2025-{m:02d}" for m in range(1, 11)]
    assert publication.months_label(months, counts=counts) == label


@pytest.mark.django_db
def test_a_one_month_rolling_year_on_the_dashboard_is_labelled_as_one_month():
    mps = responses_make(per_month=40, months=1, seed=5)[0]
    fig = figure_services.dashboard_compute(force=mps, quarter=QUARTER)
    assert fig["year_label"] == "Sep 2026 only (one month of reports)"
    assert fig["trend"][-1]["covers"] == "Sep 2026 only (one month of reports)"


@pytest.mark.django_db
def test_a_quarter_with_fieldwork_open_says_so_and_is_never_compared():
    # Reports from October 2024 to July 2026: August's and September's are not in yet.
    mps = responses_make(per_month=40, months=22, seed=5, first_month=date(2024, 10, 1))[0]
    fig = figure_services.dashboard_compute(force=mps, quarter=QUARTER, on=date(2026, 10, 20))
    assert fig["fieldwork"]["complete"] is False
    assert fig["fieldwork"]["note"] == "fieldwork is incomplete: responses for July only so far"
    assert fig["quarter_covers"] == "Jul 2026 only (one month of reports)"
    for change in fig["changes"]:
        assert change["comparison"]["published"] is False
        assert change["comparison"]["significant"] is None
        assert "fieldwork is incomplete" in change["comparison"]["withheld"]
    done = figure_services.dashboard_compute(force=mps, quarter=QUARTER, on=date(2027, 1, 15))
    assert done["fieldwork"]["complete"] is True


@pytest.mark.django_db
def test_an_area_with_too_few_responses_shows_no_rate(client, settings):
    """Sutton's fault: 3 responses showed "100.0% (95% CI [dash] to [dash])" and "+60.9 points"."""
    mps = responses_make(per_month=1, months=3, seed=5)[0]
    settings.OPEN_DATA_THRESHOLD = 30
    area = mps.areas.order_by("name").first()
    client.force_login(staff_make(Role.ANALYST, force=mps))
    response = client.get(
        reverse("oversight:dashboard", kwargs={"code": "MPS"}),
        {"quarter": QUARTER.code, "area": area.pk},
    )
    assert response.status_code == 200
    page = response.content.decode()
    headline = re.search(r'id="headline-figure">(.*?)</p>', page, re.S).group(1)
    assert "%" not in headline
    assert "too few responses" in headline or "no responses" in headline
    changes = re.search(r'id="changes">(.*?)</ul>', page, re.S).group(1)
    assert "points</strong>" not in changes
    assert "–" not in re.sub(r"<title>.*?</title>", "", page, flags=re.S)


RAW_FORMATTING = [
    re.compile(r"\.estimate\|pct"),
    re.compile(r"ci_low\|pct"),
    re.compile(r"ci_high\|pct"),
    re.compile(r"\.estimate\|floatformat"),
    re.compile(r"\{% else %\}–"),
    re.compile(r"\|ci \}\}"),
]


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_every_template_shows_figures_through_the_publication_rule(template):
    """Rates only through the ``rate`` and ``interval`` filters (which apply the rule);
    ``pct`` is for shares that are not survey estimates (compliance counts)."""
    text = (TEMPLATES / template).read_text()
    for pattern in RAW_FORMATTING:
        assert not pattern.search(text), f"{template}: {pattern.pattern}"


@pytest.fixture
def mps(db):
    return responses_make(per_month=12, months=24, seed=8)[0]


def test_the_packs_suppressed_rows_come_alphabetically_after_the_shown(mps):
    fig = report_pack_context(force=mps, quarter=QUARTER, threshold=30)["fig"]
    checked = 0
    for b in fig["breakdowns"]:
        flags = [r["suppressed"] for r in b["rows"]]
        assert flags == sorted(flags)  # shown first, then suppressed
        hidden = [r["label"].lower() for r in b["rows"] if r["suppressed"]]
        assert hidden == sorted(hidden)
        checked += len(hidden) > 1
    assert checked


def test_the_packs_counts_agree_everywhere(mps):
    fig = figure_services.dashboard_compute(force=mps, quarter=QUARTER)
    html = report_pack_html(force=mps, quarter=QUARTER)
    nq, ny = fig["headline"]["quarter"]["n"], fig["headline"]["year"]["n"]
    assert f"{nq} responses; reports of" in html  # the summary's headline
    method = html[html.index('id="method"') :]
    assert f"rests on {nq} responses" in method
    assert f"on {ny} responses" in method
    sample = method.split("Weighting")[0]
    stated = {int(m) for m in re.findall(r"(\d+) responses", sample)}
    assert stated <= {nq, ny}


def test_the_pack_has_a_summary_contents_and_no_dash_for_an_interval(mps):
    html = report_pack_html(force=mps, quarter=QUARTER)
    assert "Summary for the committee" in html
    assert 'id="questions"' in html
    assert len(re.findall(r"<li>", html[html.index('id="questions"') :].split("</ol>")[0])) == 3
    assert 'href="#method"' in html
    assert "–" not in html
    assert "BME" not in html
    assert "training would matter most" not in html


def test_the_pack_has_no_page_with_only_a_heading(mps):
    from weasyprint import HTML

    document = HTML(string=report_pack_html(force=mps, quarter=QUARTER)).render()
    for number, page in enumerate(document.pages, start=1):
        body = [b for b in page._page_box.children if type(b).__name__ != "MarginBox"]
        tags = set(_tags(body))
        assert tags - {"h1", "h2", "h3", "html", "body", "section", "div"}, number


def _tags(boxes):
    for box in boxes:
        if getattr(box, "element_tag", None):
            yield box.element_tag
        yield from _tags(getattr(box, "children", None) or [])


def test_the_pdf_is_tagged_with_its_title_and_language(mps):
    pdf = report_pack_pdf(force=mps, quarter=QUARTER)
    assert pdf.startswith(b"%PDF-")
    text = pdf + b"".join(_inflated(pdf))
    assert b"/StructTreeRoot" in text
    assert b"/Lang" in text
    assert b"/Title" in text
    assert b"pdfuaid" in text  # the PDF/UA identification in its metadata


def _inflated(pdf: bytes):
    import zlib

    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            yield zlib.decompress(match.group(1))
        except zlib.error:
            continue


@pytest.mark.django_db
def test_figures_are_published_as_of_a_demo_worlds_day_when_it_ends_earlier(monkeypatch):
    """A demo world pinned to an earlier day stops its fieldwork there: its months are
    judged complete or not on that day, not today."""
    from django.utils import timezone

    from victimcare.demo.models import DemoWorld

    monkeypatch.undo()  # the tests' pinned publication date
    today = timezone.localdate()
    assert publication.today() == today
    world = DemoWorld.objects.create(
        scale="small", seed=1, as_of=date(2026, 9, 30), built_at=timezone.now()
    )
    assert publication.today() == min(today, date(2026, 9, 30))
    assert not publication.fieldwork(["2026-08"], counts={}, on=publication.today())["complete"]
    world.as_of = None  # a world built before the as-of day was recorded
    world.save()
    assert publication.today() == today
