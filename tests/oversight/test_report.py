"""The report pack: the dashboard's own figures, small groups suppressed because the pack
leaves the force, and the synthetic-data notice on every page when the demo is loaded."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from weasyprint import HTML

from tests.oversight.factories import QUARTER, responses_make
from victimcare.demo.models import DemoWorld
from victimcare.oversight import figure_services
from victimcare.oversight.report import report_pack_context, report_pack_html, report_pack_pdf
from victimcare.oversight.templatetags.oversight_format import pct

pytestmark = pytest.mark.django_db


@pytest.fixture
def mps():
    return responses_make(per_month=12, months=24, seed=8)[0]


def test_the_pack_shows_the_dashboards_figures(mps):
    fig = figure_services.dashboard_compute(force=mps, quarter=QUARTER)
    html = report_pack_html(force=mps, quarter=QUARTER)
    headline = fig["headline"]["quarter"]
    assert f'class="vc-big">{pct(headline["estimate"])}<' in html
    assert f"{pct(headline['ci_low'])} to {pct(headline['ci_high'])}" in html
    for stage in fig["stages"]:
        assert pct(stage["quarter"]["estimate"]) in html


def test_small_groups_are_suppressed_so_that_none_can_be_worked_out(mps):
    fig = report_pack_context(force=mps, quarter=QUARTER, threshold=30)["fig"]
    hidden = 0
    for b in fig["breakdowns"]:
        shown = [r for r in b["rows"] if not r["suppressed"]]
        assert all(r["estimate"]["n"] >= 30 for r in shown)
        assert sum(r["suppressed"] for r in b["rows"]) != 1
        hidden += len(b["rows"]) - len(shown)
    assert hidden > 0
    html = report_pack_html(force=mps, quarter=QUARTER)
    assert "[c]" in html


def test_the_pdf_says_synthetic_on_every_page_when_the_demo_is_loaded(mps):
    DemoWorld.objects.create(scale="small", seed=1, built_at=timezone.now())
    html = report_pack_html(force=mps, quarter=QUARTER)
    assert re.search(r"@top-center \{ content: \"Demonstration data: synthetic\"", html)
    document = HTML(string=html).render()
    assert len(document.pages) >= 6
    for page in document.pages:
        assert "Demonstration data: synthetic" in list(_texts(page._page_box))
    assert report_pack_pdf(force=mps, quarter=QUARTER).startswith(b"%PDF-")


def _texts(box):
    if getattr(box, "text", None):
        yield box.text
    for child in getattr(box, "children", None) or []:
        yield from _texts(child)


@pytest.mark.parametrize("threshold", [1, 30, 10_000])
def test_a_white_bme_gap_resting_on_few_responses_is_not_published(mps, threshold):
    fig = report_pack_context(force=mps, quarter=QUARTER, threshold=threshold)["fig"]
    dashboard = figure_services.dashboard_compute(force=mps, quarter=QUARTER)
    for shown, full in zip(fig["gap"], dashboard["gap"], strict=True):
        few = min(full["n_white"], full["n_bme"]) < threshold
        if few:
            assert shown["gap"] is None
        else:
            assert shown["gap"] == full["gap"]
    if threshold == 10_000:
        assert all(g["gap"] is None for g in fig["gap"])


@pytest.mark.parametrize(("threshold", "suppressed"), [(1, False), (10_000, True)])
def test_a_target_series_resting_on_few_responses_is_not_drawn(mps, threshold, suppressed):
    from datetime import date

    from tests.factories import staff_make
    from victimcare.accounts.constants import Role
    from victimcare.oversight.services import target_create

    target_create(
        user=staff_make(Role.OVERSIGHT, force=mps),
        force=mps,
        measure="whole_experience",
        kind="level",
        value=80.0,
        deadline=date(2027, 3, 31),
        baseline_quarter="2026q1",
    )
    (row,) = report_pack_context(force=mps, quarter=QUARTER, threshold=threshold)["targets"]
    assert row["suppressed"] is suppressed
    assert (row["progress"]["chart"] is None) is suppressed


@pytest.mark.parametrize(
    ("difference", "shown"), [(0.257, "25.7"), (-0.031, "3.1"), (None, "not available")]
)
def test_a_gap_said_in_words_shows_its_size_unsigned(difference, shown):
    """'"A" were less satisfied than "B", by 25.7 points': the words give the direction, so
    the number has no sign (a "+25.7" beside "less satisfied" read as a contradiction)."""
    from victimcare.oversight.templatetags.oversight_format import points_size

    assert points_size(difference) == shown


def test_the_pack_has_the_domestic_abuse_survey_in_a_section_of_its_own(mps):
    """The domestic abuse victims' survey has its own section and contents entry, with its
    figures through the publication rule (n and interval, or "too few"), never in the
    summary's headline."""
    from datetime import date, datetime

    from tests.factories import LONDON
    from victimcare.surveys.constants import Mode
    from victimcare.surveys.models import DaResponse
    from victimcare.surveys.services.domestic_abuse import da_questionnaire_get

    before = report_pack_context(force=mps, quarter=QUARTER)["fig"]["headline"]
    area = mps.areas.first()
    for k in range(40):
        DaResponse.objects.create(
            questionnaire=da_questionnaire_get(),
            respondent=f"00000000-0000-0000-0000-{k:012d}",
            force=mps,
            area=area,
            month=date(2026, 8, 1),
            mode=Mode.WEB,
            completed_at=datetime(2026, 10, 1, 12, tzinfo=LONDON),
            answers={"whole_experience": "very_satisfied" if k % 4 else "very_dissatisfied"},
        )
    context = report_pack_context(force=mps, quarter=QUARTER)
    assert context["fig"]["headline"] == before
    html = report_pack_html(force=mps, quarter=QUARTER)
    assert '<a href="#da-survey">' in html
    section = html[html.index('id="da-survey"') :]
    section = section[: section.index("</section>")]
    summary = html[html.index('id="summary"') : html.index('id="contents-page"')]
    assert "Domestic abuse" not in summary
    quarter = context["da"]["periods"][0]
    whole = quarter["stages"][-1]
    assert quarter["responses"] == 40
    assert whole["estimate"]["n"] == 40
    assert f'<td class="n">{whole["rate"]}</td>' in section
    assert whole["interval"] in section
    small = report_pack_context(force=mps, quarter=QUARTER, threshold=50)["da"]
    assert small["periods"][0]["stages"][-1]["rate"].startswith("too few responses")
