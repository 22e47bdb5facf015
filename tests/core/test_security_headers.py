"""Every page carries a strict Content-Security-Policy and is never cached; templates hold
no inline script without the request's nonce, no inline style and no event handler."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.access_rules import ANON, OK
from tests.accounts.test_access import ROUTES, world  # noqa: F401 - the shared world fixture
from tests.factories import staff_make

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2] / "src" / "victimcare"
TEMPLATES = sorted(SRC.glob("*/templates/**/*.html"))
# Rendered to PDF by WeasyPrint only, never served as HTML: their <style> is the print layout.
PDF_ONLY = {"oversight/report_pack.html", "intake/care_card_print.html"}

STRICT_DIRECTIVES = [
    "default-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
]


def url_for(route: str, target, world) -> str:  # noqa: F811 (the fixture imported above)
    if callable(target):
        return reverse(route.split("@")[0], kwargs=target(world))
    kwargs = {"reference": world[target].reference} if target else {}
    return reverse(route.split("@")[0], kwargs=kwargs)


def answer(client, world, route: str, role: str):  # noqa: F811 (the fixture imported above)
    method, target, _expected = ROUTES[route]
    if role != ANON:
        client.force_login(staff_make(role, force=world["force"]))
    return getattr(client, method)(url_for(route, target, world))


# The API's documentation page may show data: images (Swagger UI's icons); nothing else.
DATA_IMAGES_ALLOWED = {"api-v1:openapi-view"}


def assert_strict_policy(response, *, data_images: bool = False) -> None:
    policy = response["Content-Security-Policy"]
    directives = [part.strip() for part in policy.split(";")]
    for directive in STRICT_DIRECTIVES:
        if data_images and directive == "img-src 'self'":
            directive = "img-src 'self' data:"
        assert directive in directives, (directive, policy)
    # A nonce is added only when the page used one (the admin's pages have no inline script).
    script = next(d for d in directives if d.startswith("script-src"))
    assert re.fullmatch(r"script-src 'self'( 'nonce-[A-Za-z0-9+/=]{16,}')?", script), script
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


# One signed-in (or anonymous) cell of the role-by-route table answering 200 per route.
FIRST_OK = {
    route: next(role for role, outcome in expected.items() if outcome == OK)
    for route, (_method, _target, expected) in ROUTES.items()
    if OK in expected.values()
}
OK_CELLS = [
    (route, role)
    for route, (_method, _target, expected) in ROUTES.items()
    for role, outcome in expected.items()
    if outcome == OK
]


@pytest.mark.parametrize(("route", "role"), sorted(FIRST_OK.items()))
def test_every_html_page_carries_the_strict_content_security_policy(client, world, route, role):  # noqa: F811 (the fixture imported above)
    response = answer(client, world, route, role)
    assert response.status_code == 200
    if response.get("Content-Type", "").startswith("text/html"):
        assert_strict_policy(response, data_images=route in DATA_IMAGES_ALLOWED)


def test_error_pages_carry_the_content_security_policy_too(client):
    assert_strict_policy(client.get("/no-such-page/"))


def test_each_page_gets_its_own_nonce_and_the_inline_script_carries_it(client):
    first, second = client.get("/"), client.get("/")
    nonces = [
        re.search(r"'nonce-([^']+)'", r["Content-Security-Policy"]).group(1)
        for r in (first, second)
    ]
    assert nonces[0] != nonces[1]
    assert f'<script nonce="{nonces[0]}">' in first.content.decode()


def test_the_api_docs_alone_may_show_data_images(client):
    """Swagger UI's stylesheet draws icons from data: images; no other page allows them."""
    client.force_login(staff_make("administrator"))
    docs = client.get("/api/v1/docs")
    assert "img-src 'self' data:" in docs["Content-Security-Policy"]
    assert "data:" not in client.get("/")["Content-Security-Policy"]


@pytest.mark.parametrize(("route", "role"), OK_CELLS, ids=[f"{r}-{o}" for r, o in OK_CELLS])
def test_every_answer_of_the_role_by_route_table_is_no_store(client, world, route, role):  # noqa: F811 (the fixture imported above)
    """Staff pages, Track my case, the API and every other answer from a view: no-store."""
    response = answer(client, world, route, role)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"], (route, response["Cache-Control"])


@pytest.mark.parametrize("path", ["/track/", "/api/v1/forces", "/staff/", "/audit/"])
def test_answers_that_send_the_visitor_away_are_no_store_too(client, path):
    assert "no-store" in client.get(path)["Cache-Control"]


def test_public_static_assets_stay_cacheable(client):
    response = client.get("/static/victimcare/site.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert "max-age" in response["Cache-Control"]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(SRC)))
def test_templates_have_no_inline_script_style_or_event_handler(template):
    """Inline scripts carry the request's nonce; styles live in static files; no on...=."""
    name = template.as_posix().split("/templates/", 1)[1]
    text = template.read_text(encoding="utf-8")
    for tag in re.findall(r"<script\b[^>]*>", text):
        assert "src=" in tag or 'nonce="{{ request.csp_nonce }}"' in tag, (name, tag)
    assert not re.search(r"\sstyle\s*=", text), name
    assert not re.search(r"\son[a-z]+\s*=", text, re.IGNORECASE), name
    assert "javascript:" not in text.lower(), name
    if name not in PDF_ONLY:
        assert "<style" not in text, name


def test_no_page_extends_the_packaged_govuk_template():
    """govuk_frontend_django's own base template has an inline script without a nonce; the
    site's base.html is used instead."""
    for template in TEMPLATES:
        assert "govuk_frontend_django/base.html" not in template.read_text(encoding="utf-8")
