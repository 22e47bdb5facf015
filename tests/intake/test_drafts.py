"""Report drafts: answers sealed with a key only the resume token gives, a limit on new
drafts per address, and expired drafts purged."""

from datetime import timedelta

import pytest
from cryptography.exceptions import InvalidTag
from django.contrib import admin
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tests.intake.factories import answers_make, reporting_world
from victimcare.intake import services
from victimcare.intake.models import ReportDraft
from victimcare.intake.services import (
    DraftNotOpened,
    DraftsThrottled,
    draft_get,
    draft_purge_expired,
    draft_save,
    draft_start,
    draft_submit,
)
from victimcare.intake.tasks import draft_purge_expired_task

pytestmark = pytest.mark.django_db

SECRET = "Secret words about my neighbour"


def raw_row(draft) -> dict:
    """The draft's row as anyone reading the database sees it."""
    table = ReportDraft._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [draft.pk])
        names = [column[0] for column in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


def test_a_drafts_answers_are_unreadable_in_the_database_and_come_back_with_the_token():
    draft, token = draft_start(force=reporting_world())
    draft_save(draft=draft, step="details", answers={"summary": SECRET, "given_name": "Zebedee"})
    row = raw_row(draft)
    assert "answers" not in row  # no plain-text column left
    stored = b"".join(
        bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode() for v in row.values()
    )
    for plain in (SECRET.encode(), b"Zebedee", b"summary", token.encode()):
        assert plain not in stored
    opened = draft_get(token=token)
    assert opened.answers == {"force": "MPS", "summary": SECRET, "given_name": "Zebedee"}


def test_the_token_hash_in_the_database_does_not_open_the_answers():
    draft, token = draft_start(force=reporting_world())
    draft_save(draft=draft, step="details", answers={"summary": SECRET})
    row = ReportDraft.objects.get()
    # What a database reader has: the token's hash. Neither it, nor a key made from it,
    # is the key; and the key is not the hash.
    assert services._draft_key(token) != bytes.fromhex(row.token_hash)
    for guess in (services._draft_key(row.token_hash), bytes.fromhex(row.token_hash)):
        with pytest.raises(InvalidTag):
            services._draft_unseal(key=guess, token_hash=row.token_hash, sealed=row.answers_sealed)


def test_answers_sealed_for_one_draft_do_not_open_in_another():
    force = reporting_world()
    first, _first_token = draft_start(force=force)
    draft_save(draft=first, step="details", answers={"summary": SECRET})
    second, second_token = draft_start(force=force)
    ReportDraft.objects.filter(pk=second.pk).update(
        answers_sealed=ReportDraft.objects.get(pk=first.pk).answers_sealed
    )
    assert draft_get(token=second_token) is None


def test_every_save_seals_afresh():
    draft, _token = draft_start(force=reporting_world())
    draft_save(draft=draft, step="details", answers={"summary": SECRET})
    before = bytes(ReportDraft.objects.get().answers_sealed)
    draft_save(draft=draft, step="details", answers={"summary": SECRET})
    assert bytes(ReportDraft.objects.get().answers_sealed) != before  # a new nonce each time


def test_a_draft_read_from_the_database_without_its_token_cannot_be_saved_or_sent():
    draft_start(force=reporting_world())
    row = ReportDraft.objects.get()
    assert not hasattr(row, "answers")
    with pytest.raises(DraftNotOpened):
        draft_save(draft=row, step="details", answers={"summary": "x"})
    with pytest.raises(DraftNotOpened):
        draft_submit(draft=row)


def test_submitting_reads_the_sealed_answers_and_then_forgets_them():
    draft, token = draft_start(force=reporting_world())
    draft_save(draft=draft, step="equality", answers=answers_make(summary=SECRET))
    case = draft_submit(draft=draft_get(token=token))
    assert case.summary == SECRET
    assert bytes(ReportDraft.objects.get().answers_sealed) == b""
    assert draft_get(token=token).submitted_case == case


def test_report_drafts_are_not_in_the_admin():
    assert ReportDraft not in admin.site._registry


# --- a limit on new drafts per address --------------------------------------------------------


def start(client, address="192.0.2.10"):
    return client.post(
        reverse("intake:report-start") + "?force=MPS", {"force": "MPS"}, REMOTE_ADDR=address
    )


def test_new_drafts_are_limited_per_address_with_a_page_that_says_what_to_do(client, settings):
    settings.REPORT_DRAFTS_PER_HOUR = 3
    reporting_world()
    assert [start(client).status_code for _ in range(3)] == [302, 302, 302]
    refused = start(client)
    page = refused.content.decode()
    assert refused.status_code == 429
    assert "Try again later" in page
    assert "call 101" in page
    assert "<h1" in page
    assert ReportDraft.objects.count() == 3  # nothing created
    assert start(client, address="192.0.2.99").status_code == 302  # another address


def test_the_limit_counts_the_last_hour_only(client, settings):
    settings.REPORT_DRAFTS_PER_HOUR = 2
    reporting_world()
    start(client)
    start(client)
    assert start(client).status_code == 429
    ReportDraft.objects.update(created_at=timezone.now() - timedelta(minutes=61))
    assert start(client).status_code == 302


def test_the_address_is_stored_only_as_a_keyed_hash(client, settings):
    reporting_world()
    start(client, address="198.51.100.7")
    row = raw_row(ReportDraft.objects.get())
    assert row["client_scope"].startswith("ip:")
    assert len(row["client_scope"]) == 67
    assert not any("198.51.100.7" in str(value) for value in row.values())


def test_the_service_refuses_past_the_limit_and_creates_nothing(settings):
    settings.REPORT_DRAFTS_PER_HOUR = 1
    force = reporting_world()
    draft_start(force=force, address="192.0.2.1")
    with pytest.raises(DraftsThrottled):
        draft_start(force=force, address="192.0.2.1")
    assert ReportDraft.objects.count() == 1


# --- expired drafts are purged -------------------------------------------------------------------


def test_expired_drafts_are_purged_by_the_task_and_live_ones_kept():
    force = reporting_world()
    live, live_token = draft_start(force=force)
    expired, _token = draft_start(force=force)
    sent, sent_token = draft_start(force=force)
    draft_save(draft=sent, step="equality", answers=answers_make())
    draft_submit(draft=draft_get(token=sent_token))
    past = timezone.now() - timedelta(seconds=1)
    ReportDraft.objects.filter(pk__in=[expired.pk, sent.pk]).update(expires_at=past)
    assert draft_purge_expired_task.call() == 2
    assert list(ReportDraft.objects.values_list("pk", flat=True)) == [live.pk]
    assert draft_get(token=live_token) is not None
    assert draft_purge_expired() == 0


# --- the token stays with the victim ------------------------------------------------------------


def test_the_resume_token_is_kept_in_its_own_cookie_never_in_the_stored_session(client):
    from django.contrib.sessions.models import Session

    reporting_world()
    start(client)
    client.post(reverse("intake:report-step", kwargs={"step": "details"}), {"summary": SECRET})
    cookie = client.cookies["vc_report_draft"]
    token = cookie.value
    assert cookie["httponly"]
    assert cookie["path"] == reverse("intake:report-start")
    assert draft_get(token=token).answers["summary"] == SECRET
    for session in Session.objects.all():  # sessions live in the database
        assert token not in str(session.get_decoded())
        assert token not in session.session_data


def test_sending_the_report_forgets_the_token_in_the_browser(client):
    reporting_world()
    start(client)
    token = client.cookies["vc_report_draft"].value
    draft_save(draft=draft_get(token=token), step="equality", answers=answers_make())
    response = client.post(reverse("intake:report-check"))
    assert response["Location"] == reverse("intake:report-confirmation")
    assert response.cookies["vc_report_draft"].value == ""  # deleted


def test_the_drafts_purge_command_deletes_only_expired_drafts(capsys):
    from victimcare.cli import main

    force = reporting_world()
    live, _ = draft_start(force=force)
    expired, _ = draft_start(force=force)
    ReportDraft.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert main(["drafts", "purge"]) == 0
    assert "1 expired report drafts deleted" in capsys.readouterr().out
    assert list(ReportDraft.objects.values_list("pk", flat=True)) == [live.pk]
