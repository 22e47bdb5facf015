"""Links to Track my case in messages to victims: a link opens only the sign-in step (it
fills in the reference and sends a code; only the code signs in), works once, dies after
24 hours, and a link that no longer works shows a page offering a new code that says
nothing about the reference."""

import re
from datetime import timedelta

import pytest
from django.core import signing
from django.urls import reverse

from tests.factories import case_make, force_make, staff_make
from tests.portal.steps import (
    ADA,
    clock_forward,
    code_emailed,
    emails_to,
    link_in,
    token_of,
)
from victimcare.accounts.constants import Role
from victimcare.cases.services import VictimDetails
from victimcare.portal.constants import LIMIT_PER_REFERENCE
from victimcare.portal.message_services import officer_reply_send
from victimcare.portal.models import TrackLink
from victimcare.portal.selectors import track_link_reference
from victimcare.portal.services import track_link_make

pytestmark = pytest.mark.django_db

SPENT = "This link no longer works"
CODE_SUBJECT = "Track my case code"


@pytest.fixture
def case():
    return case_make(force=force_make("MPS", "Metropolitan Police Service"))


@pytest.fixture
def link(case, mailoutbox):
    """The link in the email an officer's reply sends the victim."""
    officer = staff_make(Role.OFFICER, force=case.force, first_name="Sam", last_name="Jones")
    officer_reply_send(case=case, user=officer, body="We have the footage.")
    reply = emails_to(mailoutbox, ADA, "A message about")[-1]
    mailoutbox.clear()
    return link_in(reply.body)


def use(client, link):
    """Open the link and press its button; the response to the button."""
    client.get(link)
    return client.post(reverse("portal:link"), {"token": token_of(link)})


def signed_in(client) -> bool:
    return client.get(reverse("portal:case")).status_code == 200


def test_a_link_opens_the_sign_in_step_and_only_the_code_signs_the_victim_in(
    client, case, link, mailoutbox
):
    page = client.get(link)
    assert page.status_code == 200
    text = page.content.decode()
    assert case.reference in text
    assert "Send me a code" in text
    assert not signed_in(client)  # opening the link signs nobody in
    assert mailoutbox == []  # and sends nothing (a mail scanner may open it)
    response = client.post(reverse("portal:link"), {"token": token_of(link)})
    assert response["Location"] == reverse("portal:code")
    assert not signed_in(client)
    code = code_emailed(mailoutbox, ADA, CODE_SUBJECT)  # a fresh code, to the victim's contact
    assert client.post(reverse("portal:code"), {"code": code})["Location"] == reverse("portal:case")
    assert signed_in(client)


def test_a_link_works_once(client, case, link, mailoutbox):
    use(client, link)
    sent = len(mailoutbox)
    second = use(client, link)
    assert second.status_code == 200
    assert SPENT in second.content.decode()
    assert SPENT in client.get(link).content.decode()
    assert len(mailoutbox) == sent  # no second code


def test_a_link_used_in_one_session_fails_in_another(client, case, link, mailoutbox):
    first = client
    use(first, link)
    first.post(reverse("portal:code"), {"code": code_emailed(mailoutbox, ADA, CODE_SUBJECT)})
    assert signed_in(first)
    sent = len(mailoutbox)
    second = client.__class__()
    assert SPENT in second.get(link).content.decode()
    response = second.post(reverse("portal:link"), {"token": token_of(link)})
    assert SPENT in response.content.decode()
    assert not signed_in(second)
    assert len(mailoutbox) == sent


def test_opening_a_link_without_pressing_its_button_does_not_spend_it(client, case, link):
    for _ in range(3):
        assert "Send me a code" in client.get(link).content.decode()
    assert use(client, link)["Location"] == reverse("portal:code")


@pytest.mark.parametrize(
    ("later", "works"),
    [(timedelta(hours=23, minutes=59), True), (timedelta(hours=24, seconds=1), False)],
    ids=["within-24-hours", "after-24-hours"],
)
def test_a_link_dies_24_hours_after_it_was_sent(
    client, case, link, mailoutbox, monkeypatch, later, works
):
    clock_forward(monkeypatch, later)
    response = use(client, link)
    if works:
        assert response["Location"] == reverse("portal:code")
        assert emails_to(mailoutbox, ADA, CODE_SUBJECT)
    else:
        assert response.status_code == 200
        assert SPENT in response.content.decode()
        assert mailoutbox == []
        assert not signed_in(client)


def _old_style_signed_link(case) -> str:
    """A link as they were made before links were single-use (signed, good for 7 days)."""
    token = signing.dumps(
        {"v": str(case.victims.get().pseudonym)},
        salt="victimcare.portal.track-link",
        compress=True,
    )
    return f"{reverse('portal:link')}?token={token}"


NOT_WORKING = {
    "spent": lambda case, link, client: (use(client.__class__(), link), link)[1],
    "expired": None,  # made below with the clock moved on
    "forged": lambda case, link, client: reverse("portal:link") + "?token=forged-token",
    "missing": lambda case, link, client: reverse("portal:link"),
    "old-signed-link": lambda case, link, client: _old_style_signed_link(case),
}


def _without_csrf(html: str) -> str:
    """The page less what differs by request: the CSRF token and the CSP nonce."""
    html = re.sub(r' nonce="[^"]+"', "", html)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_every_link_that_no_longer_works_shows_the_same_page_offering_a_new_code(
    client, case, link, monkeypatch
):
    """Spent, expired, forged, missing or old links: the same page, status 200, a form to
    ask for a new code, no crime reference and no hint that it exists."""
    pages = {}
    for name, make in NOT_WORKING.items():
        if make is None:
            continue
        pages[name] = client.get(make(case, link, client))
    expired = client.__class__()
    other_link = track_link_make(victim=case.victims.get()).replace("http://testserver", "")
    clock_forward(monkeypatch, timedelta(hours=25))
    pages["expired"] = expired.get(other_link)
    bodies = {name: _without_csrf(page.content.decode()) for name, page in pages.items()}
    assert {page.status_code for page in pages.values()} == {200}
    assert len(set(bodies.values())) == 1, "every dead link must look the same"
    body = bodies["spent"]
    assert SPENT in body
    assert case.reference not in body
    assert f'action="{reverse("portal:start")}"' in body
    assert 'name="reference"' in body


def test_the_new_code_page_asks_for_a_code_by_reference(client, case, link, mailoutbox):
    """From the dead-link page the victim asks for a new code as on the start page."""
    use(client.__class__(), link)
    mailoutbox.clear()
    response = client.post(reverse("portal:start"), {"reference": case.reference})
    assert response["Location"] == reverse("portal:code")
    assert emails_to(mailoutbox, ADA, CODE_SUBJECT)


def test_a_link_keeps_the_rate_limits_on_codes_and_is_not_spent_by_a_refusal(
    client, case, link, mailoutbox
):
    for _ in range(LIMIT_PER_REFERENCE):
        client.post(reverse("portal:start"), {"reference": case.reference})
    mailoutbox.clear()
    refused = client.post(reverse("portal:link"), {"token": token_of(link)})
    assert refused.status_code == 429
    assert "Too many attempts" in refused.content.decode()
    assert "There is a problem" in refused.content.decode()
    assert mailoutbox == []
    assert track_link_reference(token=token_of(link)) == case.reference  # still live


def test_only_a_hash_of_a_link_is_kept(case, link):
    stored = TrackLink.objects.get()
    assert token_of(link) not in stored.token_hash
    assert stored.expires_at - stored.created_at == timedelta(hours=24)


def test_a_reply_by_letter_points_to_the_start_page_not_a_link(settings):
    """A letter arrives after any link would have died: it gives the start page."""
    case = case_make(
        victim=VictimDetails(
            given_name="Cy",
            family_name="Testperson",
            address="1 High Street",
            postcode="E8 1AA",
            preferred_contact="letter",
        )
    )
    officer_reply_send(case=case, user=staff_make(force=case.force), body="A letter for you")
    letter = next(settings.NOTIFICATIONS_LETTER_DIR.iterdir()).read_text()
    assert "A letter for you" in letter
    assert "http://testserver/track/ " in letter
    assert "token=" not in letter
    assert not TrackLink.objects.exists()
