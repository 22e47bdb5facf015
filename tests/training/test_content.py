"""Module text: sections, learning points and knowledge checks as authors write them;
Markdown rendered without any markup or script of the author's."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from victimcare.training import content


def test_sections_start_at_level_two_headings():
    sections = content.sections_parse("Intro\n\n## One\n\nText one\n\n## Two\n\nText two")
    assert sections == [
        {"heading": "", "body": "Intro"},
        {"heading": "One", "body": "Text one"},
        {"heading": "Two", "body": "Text two"},
    ]
    assert content.sections_parse(content.sections_text(sections)) == sections


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Write at least one"),
        ("- an option\n? q", "option before any question"),
        ("? q\n- a\n- b", "no right option"),
        ("? q\n* a\n* b", "more than one right option"),
        ("? q\n* a", "at least two options"),
        ("what?", "start a question"),
    ],
)
def test_knowledge_check_rules(text, message):
    with pytest.raises(content.ContentError, match=message):
        content.check_parse(text)


def test_knowledge_check_round_trips_and_scores():
    check = content.check_parse("? A\n- x\n* y\n? B\n* p\n- q")
    assert content.check_parse(content.check_text(check)) == check
    assert content.check_score(check, {0: 1, 1: 0}).percent == 100
    assert content.check_score(check, {0: 0, 1: 0}).percent == 50
    assert content.check_score(check, {}).percent == 0


UNSAFE_RENDERING = [
    ("<script>alert(1)</script>", "<script"),
    ('<img src=x onerror="alert(1)">', "<img"),
    ("[click](javascript:alert(1))", 'href="javascript:'),
    ("[click](vbscript:msgbox)", 'href="vbscript:'),
    ("![x](data:text/html;base64,PHNjcmlwdD4=)", 'src="data:text/html'),
    ("[x](file:///etc/passwd)", 'href="file:'),
    ('<a href="https://example.org" onclick="x()">a</a>', "<a "),
]


@pytest.mark.parametrize(("text", "forbidden"), UNSAFE_RENDERING)
def test_markdown_never_passes_markup_or_script_links(text, forbidden):
    assert forbidden not in content.markdown_render(text)


def test_markdown_renders_what_authors_write():
    html = content.markdown_render("**Call** within [5 days](https://example.org).")
    assert "<strong>Call</strong>" in html
    assert '<a href="https://example.org">5 days</a>' in html


@given(st.text(max_size=200))
def test_no_text_makes_a_script_or_a_raw_tag(text):
    html = content.markdown_render(text).lower()
    assert "<script" not in html
    assert "<img" not in html or "![" in text
    assert 'href="javascript:' not in html
