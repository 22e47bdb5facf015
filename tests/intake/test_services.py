"""Reports from any channel: the same rules, a visit offer, a Victim Care Card, drafts."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from tests.intake.factories import answers_make, reporting_world
from victimcare.cases.constants import EventKind
from victimcare.intake import services
from victimcare.intake.models import ReportDraft
from victimcare.intake.services import (
    ReportInvalid,
    draft_get,
    draft_save,
    draft_start,
    draft_submit,
    report_record,
)
from victimcare.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_a_report_records_the_case_the_visit_answer_and_sends_the_care_card():
    force = reporting_world()
    case = report_record(force=force, answers=answers_make(), channel="phone")
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds[:3] == [
        EventKind.REPORT_RECORDED,
        EventKind.VISIT_OFFERED,
        EventKind.VISIT_ACCEPTED,
    ]
    assert EventKind.CARE_CARD_SENT in kinds
    assert case.occurred_at.isoformat().startswith("2026-09-01T14:30")
    assert len(mail.outbox) == 1
    assert case.reference in mail.outbox[0].body
    assert Notification.objects.get().purpose == "care_card"


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [
        ({"summary": ""}, "summary", "Enter what happened"),
        ({"area": "atlantis"}, "area", "Select a borough or area from the list"),
        ({"email": "", "preferred_contact": "email"}, "email", "Enter your email address"),
        ({"phone": "not a phone"}, "phone", "Enter a phone number"),
        ({"phone_is_safe": ""}, "phone_is_safe", "Select yes if it is safe"),
        ({"preferred_contact": "sms", "phone_is_safe": "no"}, "preferred_contact", "not safe"),
        ({"occurred_on": "2999-01-01"}, "occurred_on", "today or in the past"),
        (
            {"preferred_contact": "letter", "postcode": "nowhere"},
            "postcode",
            "Enter a real postcode",
        ),
        ({"given_name": "x" * 101}, "given_name", "100 characters or fewer"),
    ],
)
def test_bad_answers_say_how_to_fix_them(change, key, message):
    force = reporting_world()
    with pytest.raises(ReportInvalid) as error:
        report_record(force=force, answers=answers_make(**change), channel="phone")
    assert message in " ".join(error.value.errors[key])


def test_a_draft_keeps_each_step_and_submitting_twice_gives_one_case():
    force = reporting_world()
    draft, token = draft_start(force=force)
    draft_save(draft=draft, step="what", answers={"crime_type": "domestic-burglary"})
    draft = draft_get(token=token)
    assert draft.answers["crime_type"] == "domestic-burglary"
    draft_save(draft=draft, step="equality", answers=answers_make())
    first = draft_submit(draft=draft)
    second = draft_submit(draft=draft_get(token=token))
    assert first == second
    assert bytes(ReportDraft.objects.get().answers_sealed) == b""  # no personal data kept


def test_a_draft_is_found_only_by_its_token_and_expires_after_seven_days():
    draft, token = draft_start(force=reporting_world())
    assert token not in draft.token_hash
    assert draft_get(token="wrong") is None
    ReportDraft.objects.filter(pk=draft.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert draft_get(token=token) is None
    draft_start()
    assert not ReportDraft.objects.filter(pk=draft.pk).exists()  # purged


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL's row locks"
)
def test_a_report_in_flight_does_not_hold_up_the_next_one_and_references_stay_distinct(
    monkeypatch, migrated_rows_put_back
):
    """The reference is allocated in its own short transaction, before the report's own:
    while one report's transaction is still open, another report completes."""
    import threading

    from django.db import connections

    from tests.intake.factories import api_body
    from victimcare.care.services import calendar_fill, rule_sets_load
    from victimcare.cases.models import Case
    from victimcare.intake.api import ReportIn, _answers

    rule_sets_load()  # an earlier transactional test's flush may have emptied them
    calendar_fill()
    force = reporting_world()
    payload = ReportIn(**api_body())
    answers = _answers(payload)
    second_done, first_in_transaction = threading.Event(), threading.Event()
    waited: list[bool] = []
    original = services.external_reference_add

    def slow_external_reference_add(**kwargs):
        # Runs inside the first report's transaction, after its case is written.
        first_in_transaction.set()
        waited.append(second_done.wait(timeout=10))
        return original(**kwargs)

    monkeypatch.setattr(services, "external_reference_add", slow_external_reference_add)

    def report(key: str, external=None) -> None:
        try:
            services.api_report_record(
                force=force,
                answers=answers,
                channel="records_system",
                idempotency_key=key,
                payload={**payload.dict(), "key": key},
                external=external,
            )
        finally:
            connections.close_all()

    first = threading.Thread(target=report, args=("first", ("rms", "CRIS-1")))
    first.start()
    assert first_in_transaction.wait(timeout=30)
    second = threading.Thread(target=lambda: (report("second"), second_done.set()))
    second.start()
    second.join(timeout=30)
    first.join(timeout=30)
    assert waited == [True], "the second report waited for the first one's transaction"
    references = list(Case.objects.values_list("reference", flat=True))
    assert sorted(references) == ["MPS-26-000001", "MPS-26-000002"]
