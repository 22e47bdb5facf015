"""A large rebuild shared between several connections (PostgreSQL): it gives what the
case-by-case clock gives, writes all of it or none of it, and leaves no part behind."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.care.test_rebuild import NOW, bulk_world, odd_events_add, random_world, snapshot
from victimcare.care.models import CaseClock, Obligation
from victimcare.care.rebuild import limits, replay, run, scope, writes
from victimcare.care.services.rule_sets import report_day
from victimcare.cases.models import Case

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the parallel rebuild is PostgreSQL's"
    ),
    # The parts are rebuilt in other connections: they must see the world committed.
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def rule_sets(migrated_rows_put_back):
    """The flush after each transactional test empties the rule sets and the calendar."""
    from victimcare.care.services.rule_sets import calendar_fill, rule_sets_load

    rule_sets_load()
    calendar_fill()


@pytest.fixture
def parallel(monkeypatch):
    """Every scope counts as large enough to share."""
    monkeypatch.setattr(limits, "PARALLEL_SCOPE", 1)


def expected_snapshot() -> list:
    """What the case-by-case replay gives, leaving the table as it was found empty."""
    with transaction.atomic():
        replay._clocks_start(cases=None, now=NOW)
        replay._rebuild_python(cases=None, now=NOW)
    expected = snapshot()
    Obligation.objects.all().delete()
    CaseClock.objects.all().delete()
    return expected


def parts_left() -> list:
    with connection.cursor() as cur:
        cur.execute("SELECT relname FROM pg_class WHERE relname LIKE 'care\\_rebuild\\_part\\_%%'")
        return cur.fetchall()


def statements(queries) -> list[str]:
    return [q["sql"] for q in queries]


@pytest.mark.parametrize("bulk_rows", [None, 1])
@pytest.mark.parametrize("workers", [2, 3])
def test_a_shared_first_clocking_gives_what_the_clock_gives(
    parallel, monkeypatch, workers, bulk_rows
):
    if bulk_rows is not None:  # the bulk-load way (indexes dropped and made again)
        monkeypatch.setattr(limits, "BULK_ROWS", bulk_rows)
    bulk_world(seed=11, cases=40)
    expected = expected_snapshot()
    with CaptureQueriesContext(connection) as queries:
        written = run.obligations_rebuild_all(now=NOW, workers=workers)
    applied = [q for q in statements(queries) if q.startswith("INSERT INTO care_obligation")]
    assert applied
    assert all("FROM care_rebuild_part_" in q for q in applied)
    assert written == len(expected) > 100
    assert snapshot() == expected
    assert CaseClock.objects.count() == Case.objects.count()
    assert parts_left() == []
    # (a bulk load numbers its rows itself: the id sequence carries on after them)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT nextval(pg_get_serial_sequence('care_obligation', 'id'))"
            " > (SELECT max(id) FROM care_obligation)"
        )
        assert cur.fetchone()[0]


def test_a_shared_recompute_writes_only_what_changed(parallel):
    odd_events_add(random_world(seed=12, cases=30), seed=12)
    expected = expected_snapshot()
    assert run.obligations_rebuild_all(now=NOW, workers=2) == len(expected)
    assert run.obligations_rebuild_all(now=NOW, workers=2) == 0
    # One row changed, one lost, one that should not be there: three rows written back.
    rows = list(Obligation.objects.order_by("id"))
    Obligation.objects.filter(pk=rows[0].pk).update(status="cancelled", cancel_reason="x")
    Obligation.objects.filter(pk=rows[-1].pk).delete()
    stray = rows[5]
    stray.pk, stray.occurrence = None, 99
    stray.save()
    assert run.obligations_rebuild_all(now=NOW, workers=2) == 2  # updated + re-inserted
    assert snapshot() == expected
    assert parts_left() == []


def test_a_shared_rebuild_of_some_cases_leaves_the_others_alone(parallel):
    made = random_world(seed=13, cases=12)
    run.obligations_rebuild_all(now=NOW, workers=1)
    expected = snapshot()
    inside = [case.pk for case in made[:6]]
    Obligation.objects.exclude(case_id__in=inside).update(status="cancelled")
    Obligation.objects.filter(case_id__in=inside).delete()
    run.obligations_rebuild_all(cases=Case.objects.filter(pk__in=inside), now=NOW, workers=2)
    inside_rows = Obligation.objects.filter(case_id__in=inside)
    assert inside_rows.exists()
    assert set(Obligation.objects.exclude(case_id__in=inside).values_list("status", flat=True)) == {
        "cancelled"
    }
    Obligation.objects.exclude(case_id__in=inside).delete()
    run.obligations_rebuild_all(now=NOW, workers=1)
    assert snapshot() == expected


def test_a_part_that_fails_writes_nothing_and_leaves_no_table(parallel, monkeypatch):
    random_world(seed=14, cases=20)
    run.obligations_rebuild_all(now=NOW, workers=2)
    before = snapshot()
    Obligation.objects.update(status="open")  # what a good rebuild would put right
    damaged = snapshot()
    real = writes._part_write

    def part_write(cur, *, part, now, final):
        written = real(cur, part=part, now=now, final=final)
        if part[0].endswith("_1"):
            raise RuntimeError("the server went away")
        return written

    monkeypatch.setattr(writes, "_part_write", part_write)
    with pytest.raises(RuntimeError, match="went away"):
        run.obligations_rebuild_all(now=NOW, workers=2)
    assert snapshot() == damaged  # the first part's result was not applied on its own
    assert parts_left() == []
    monkeypatch.setattr(writes, "_part_write", real)
    run.obligations_rebuild_all(now=NOW, workers=2)
    assert snapshot() == before


def test_parts_an_interrupted_rebuild_left_are_dropped_by_the_next(parallel):
    random_world(seed=15, cases=5)
    with connection.cursor() as cur:
        cur.execute("CREATE UNLOGGED TABLE care_rebuild_part_dead0000_0 (id bigint)")
    assert parts_left()
    run.obligations_rebuild_all(now=NOW, workers=2)
    assert parts_left() == []


def test_a_rebuild_inside_a_transaction_or_with_one_worker_stays_in_one_connection(parallel):
    random_world(seed=16, cases=5)
    with CaptureQueriesContext(connection) as queries:
        with transaction.atomic():
            # (another connection would not see this transaction's writes)
            run.obligations_rebuild_all(now=NOW, workers=2)
        run.obligations_rebuild_all(now=NOW, workers=1)
    assert not any("care_rebuild_part_" in q for q in statements(queries))
    assert Obligation.objects.exists()


def test_small_scopes_are_not_shared(monkeypatch):
    monkeypatch.setattr(limits, "PARALLEL_SCOPE", 1000)
    random_world(seed=17, cases=5)
    with CaptureQueriesContext(connection) as queries:
        run.obligations_rebuild_all(now=NOW, workers=2)
    assert not any("care_rebuild_part_" in q for q in statements(queries))


def test_a_bulk_clocking_leaves_out_a_case_clocked_meanwhile(monkeypatch):
    monkeypatch.setattr(limits, "BULK_ROWS", 1)
    bulk_world(seed=18, cases=6)
    plan = scope._plan()
    first = Case.objects.order_by("id").first()
    version_id = plan.version_for(first.force_id, report_day(first.reported_at))
    with (
        CaptureQueriesContext(connection) as queries,
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        assert scope._scope_create(cur, cases=None, plan=plan) == 6

        # Another connection clocks a case after the rebuild listed it as unclocked.
        def clock():
            try:
                CaseClock.objects.create(case=first, rule_set_version_id=version_id, clocked_at=NOW)
            finally:
                connection.close()

        other = threading.Thread(target=clock)
        other.start()
        other.join()
        writes._clocks_write(cur, now=NOW + timedelta(days=1))
    assert any("UPDATE rb_case" in q for q in statements(queries))  # the bulk-load way
    assert CaseClock.objects.count() == 6
    assert CaseClock.objects.get(case=first).clocked_at == NOW


def test_a_first_clocking_whose_last_part_fails_writes_nothing_and_keeps_the_schema(
    parallel, monkeypatch
):
    """The first parts are loaded (under the bulk load's lock, indexes dropped) while the
    last is computed: its failure rolls all of that back."""
    from tests.care.test_rebuild import schema

    monkeypatch.setattr(limits, "BULK_ROWS", 1)
    bulk_world(seed=19, cases=30)
    before = schema("care_obligation")
    real = writes._part_write

    def part_write(cur, *, part, now, final):
        if part[0].endswith("_3"):
            raise RuntimeError("out of disk")
        return real(cur, part=part, now=now, final=final)

    monkeypatch.setattr(writes, "_part_write", part_write)
    with (
        CaptureQueriesContext(connection) as queries,
        pytest.raises(RuntimeError, match="out of disk"),
    ):
        run.obligations_rebuild_all(now=NOW, workers=2)
    assert any(q.startswith("INSERT INTO care_obligation (id") for q in statements(queries))
    assert not Obligation.objects.exists()
    assert not CaseClock.objects.exists()
    assert schema("care_obligation") == before
    assert parts_left() == []
