"""Bulk import: good rows in, bad rows out with reasons, duplicates skipped, re-runs safe."""

import csv
import io
import json

import pytest
from django.db import connection

from tests.intake.factories import reporting_world
from victimcare.cases.constants import EventKind
from victimcare.cases.models import Case, CaseEvent, Victim, VictimPersonalDetails
from victimcare.cli import main
from victimcare.intake.importer import ImportError_, ImportSummary, cases_import
from victimcare.intake.models import ExternalReference

pytestmark = pytest.mark.django_db

HEADER = "crime_reference,reported_at,crime_type,area,given_name,family_name,email,phone,phone_is_safe,preferred_contact,summary\n"
ROWS = [
    # good
    "CRIS-1,2025-03-01T10:00:00,domestic-burglary,hackney,Ada,One,ada@example.com,,,email,Back door forced",
    "CRIS-2,2025-03-02T11:00:00+00:00,domestic-burglary,enfield,Bo,Two,,07700 900123,no,phone,",
    "CRIS-3,2024-12-31T23:30:00,domestic-burglary,hackney,Cy,Three,cy@example.com,,,,",
    # bad
    "CRIS-4,yesterday,domestic-burglary,hackney,Di,Four,,,,,",
    "CRIS-5,2025-03-01T10:00:00,arson,hackney,Ed,Five,,,,,",
    "CRIS-6,2025-03-01T10:00:00,domestic-burglary,atlantis,Flo,Six,,,,,",
    ",2025-03-01T10:00:00,domestic-burglary,hackney,Gus,Seven,,,,,",
    "CRIS-8,2025-03-01T10:00:00,domestic-burglary,hackney,Hal,Eight,not-an-email,,,,",
    "CRIS-9,2025-03-01T10:00:00,domestic-burglary,hackney,Ivy,Nine,,,,carrier pigeon,",
    # duplicate of a good row within the file
    "CRIS-1,2025-03-01T10:00:00,domestic-burglary,hackney,Ada,One,ada@example.com,,,email,Again",
]
REASONS = {
    "CRIS-4": "reported_at is not a date",
    "CRIS-5": "not a known crime type",
    "CRIS-6": "not an area of this force",
    "": "crime_reference is missing",
    "CRIS-8": "email is not an email address",
    "CRIS-9": "preferred_contact must be one of",
}


def run(force, text, batch_size=4):
    rejects = io.StringIO()
    summary = cases_import(
        source=io.StringIO(text), force=force, rejects=rejects, batch_size=batch_size, clock=False
    )
    return summary, list(csv.DictReader(io.StringIO(rejects.getvalue())))


def test_good_bad_and_duplicate_rows_are_counted_and_bad_ones_explained():
    force = reporting_world()
    summary, rejects = run(force, HEADER + "\n".join(ROWS) + "\n")
    assert (summary.read, summary.imported, summary.rejected, summary.already_present) == (
        10,
        3,
        6,
        1,
    )
    assert {r["crime_reference"]: r["reason"] for r in rejects}.keys() == REASONS.keys()
    for row in rejects:
        assert REASONS[row["crime_reference"]] in row["reason"]
    assert [int(r["line"]) for r in rejects] == [5, 6, 7, 8, 9, 10]
    assert (
        Case.objects.count() == Victim.objects.count() == VictimPersonalDetails.objects.count() == 3
    )
    assert CaseEvent.objects.filter(kind=EventKind.REPORT_RECORDED).count() == 3
    cris2 = ExternalReference.objects.get(external_id="CRIS-2").case
    assert cris2.channel == "records_system"
    assert cris2.reference.startswith("MPS-25-")
    assert cris2.victims.get().personal_details.phone_is_safe is False
    # references run on from the force's sequence per year, with no gaps or clashes
    assert sorted(Case.objects.values_list("reference", flat=True)) == [
        "MPS-24-000001",
        "MPS-25-000001",
        "MPS-25-000002",
    ]


def test_a_rerun_imports_nothing_twice():
    force = reporting_world()
    run(force, HEADER + "\n".join(ROWS) + "\n")
    summary, _ = run(force, HEADER + "\n".join(ROWS) + "\n")
    assert (summary.imported, summary.already_present, summary.rejected) == (0, 4, 6)
    assert Case.objects.count() == 3


def test_a_file_without_the_required_columns_is_refused():
    with pytest.raises(ImportError_, match="no column crime_reference"):
        run(reporting_world(), "ref,when\nx,y\n")


def assert_whole_rows(count):
    assert (
        Case.objects.count()
        == Victim.objects.count()
        == VictimPersonalDetails.objects.count()
        == CaseEvent.objects.count()
        == ExternalReference.objects.count()
        == count
    )


GOOD = [f"R-{i},2025-03-01T10:00:00,domestic-burglary,hackney,A,B,,,,letter," for i in range(9)]


def test_a_failing_batch_leaves_earlier_batches_committed_and_no_half_rows(monkeypatch):
    """The second batch's inserts all run, then Ctrl-C comes before its commit."""
    force = reporting_world()
    from victimcare.intake.importer import write

    calls = {"n": 0}
    real = write.BatchWriter.prepare

    def prepare_then_fail(self, rows):
        case_ids, insert = real(self, rows)
        calls["n"] += 1
        if calls["n"] != 2:
            return case_ids, insert

        def insert_then_fail():
            insert()
            raise KeyboardInterrupt  # Ctrl-C in the middle of the second batch

        return case_ids, insert_then_fail

    monkeypatch.setattr(write.BatchWriter, "prepare", prepare_then_fail)
    summary = ImportSummary()
    rejects = io.StringIO()
    with pytest.raises(KeyboardInterrupt):
        cases_import(
            source=io.StringIO(HEADER + "\n".join(GOOD) + "\n"),
            force=force,
            rejects=rejects,
            batch_size=3,
            clock=False,
            summary=summary,
        )
    assert_whole_rows(3)
    assert summary.imported == 3
    # Run again: the first batch is skipped, the rest imported once.
    summary, _ = run(force, HEADER + "\n".join(GOOD) + "\n", batch_size=3)
    assert (summary.imported, summary.already_present) == (6, 3)
    assert_whole_rows(9)


def test_ctrl_c_while_checking_the_next_batch_lets_the_batch_in_hand_land_whole(monkeypatch):
    """Batches are written while the next one is checked: an interrupt then still
    leaves only whole batches, and the summary counts exactly what was committed."""
    force = reporting_world()
    from victimcare.intake.importer.check import RowChecker

    real = RowChecker.check

    def check(self, row):
        if row[0] == "R-7":
            raise KeyboardInterrupt
        return real(self, row)

    monkeypatch.setattr(RowChecker, "check", check)
    summary = ImportSummary()
    with pytest.raises(KeyboardInterrupt):
        cases_import(
            source=io.StringIO(HEADER + "\n".join(GOOD) + "\n"),
            force=force,
            rejects=io.StringIO(),
            batch_size=3,
            clock=False,
            summary=summary,
        )
    assert_whole_rows(6)
    assert summary.imported == 6


def test_a_batch_the_database_refuses_is_rolled_back_whole(monkeypatch):
    force = reporting_world()
    from django.db import IntegrityError

    from victimcare.intake.importer import write

    calls = {"n": 0}
    real = write.BatchWriter.present

    def present_misses_the_second_batch(self, external_ids):
        calls["n"] += 1
        return {} if calls["n"] == 2 else real(self, external_ids)

    run(force, HEADER + "\n".join(GOOD[3:6]) + "\n")
    monkeypatch.setattr(write.BatchWriter, "present", present_misses_the_second_batch)
    with pytest.raises(IntegrityError):  # the unique (force, system, external_id) index
        run(force, HEADER + "\n".join(GOOD) + "\n", batch_size=3)
    assert_whole_rows(6)


def test_the_cli_prints_a_summary_and_writes_the_rejects_file(tmp_path, capsys):
    reporting_world()
    source = tmp_path / "history.csv"
    source.write_text(HEADER + "\n".join(ROWS) + "\n")
    assert main(["import", "cases", str(source), "--force", "MPS", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "read 10 / imported 3 / rejected 6 / already present 1" in out
    assert "Victims' Code clocks started for 3 cases" in out
    assert (tmp_path / "history.rejects.csv").read_text().count("\n") == 7
    assert main(["import", "cases", str(tmp_path / "missing.csv"), "--force", "MPS"]) == 2


BAD_ROWS = [row for row in ROWS if row.split(",")[0] in {"CRIS-4", "CRIS-5", "CRIS-6"}]
GOOD_ROWS = ROWS[:3]


@pytest.mark.parametrize(
    ("why", "rows", "code", "rejects_file"),
    [
        ("every row rejected", BAD_ROWS, 1, True),
        ("some rows rejected", ROWS, 0, True),
        ("no row rejected", GOOD_ROWS, 0, False),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_the_import_exits_1_when_rows_were_rejected_and_none_imported(
    tmp_path, capsys, why, rows, code, rejects_file
):
    """Exit 1 when no row was imported and some were rejected (a script can tell the run
    failed); a rejects file only when a row was rejected."""
    reporting_world()
    source = tmp_path / "history.csv"
    source.write_text(HEADER + "\n".join(rows) + "\n")
    assert main(["import", "cases", str(source), "--force", "MPS", "--quiet"]) == code, why
    assert (tmp_path / "history.rejects.csv").exists() == rejects_file
    captured = capsys.readouterr()
    if code == 1:
        assert "no row was imported" in captured.err
    if not rejects_file:
        assert "no rows rejected" in captured.out


def test_a_rerun_that_rejects_nothing_removes_no_other_file(tmp_path):
    """A rejects file is only ever the one this run writes."""
    reporting_world()
    source = tmp_path / "history.csv"
    source.write_text(HEADER + "\n".join(GOOD_ROWS) + "\n")
    keep = tmp_path / "notes.csv"
    keep.write_text("mine")
    assert main(["import", "cases", str(source), "--force", "MPS", "--quiet"]) == 0
    assert keep.read_text() == "mine"


# --- date-times ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2025-01-15T10:30:00",  # winter: London is UTC
        "2025-07-15T10:30:00",  # summer: UTC+1
        "2025-07-15 00:30:00",  # ... across midnight
        "2025-01-01T00:00:00",  # ... and the new year
        "2025-03-30T00:59:59",  # the last second before the clocks go forward
        "2025-03-30T01:30:00",  # a time that never happened in London
        "2025-03-30T02:00:00",
        "2025-10-26T00:59:59",
        "2025-10-26T01:30:00",  # a time that happened twice
        "2025-10-26T02:00:00",
        "2025-07-15T10:30:00+00:00",
        "2025-07-15T10:30:00Z",
        "2025-07-15T10:30:00.250000",
        "2025-07-15T10:30",
        "2025-07-15",
        "1900-01-01T00:00:00",
        "2200-12-31T23:59:59",
    ],
)
def test_the_fast_path_for_date_times_agrees_with_the_general_one(text):
    """Plain 'YYYY-MM-DDTHH:MM:SS' London times take a cached per-hour offset; anything
    else goes through datetime.fromisoformat. Both must give the same instant."""
    from datetime import UTC

    from victimcare.core.timezones import LONDON
    from victimcare.intake.importer.check import Instants, _aware

    value = _aware(text)
    expected = (
        value.astimezone(UTC).replace(tzinfo=None).isoformat(" "),
        value.astimezone(LONDON).year,
    )
    instants = Instants()
    assert instants.utc(text) == expected
    assert instants.utc(text) == expected  # and again, from the cache


@pytest.mark.parametrize(
    "text",
    [
        "2025-02-30T10:00:00",
        "2025-01-01T24:00:00",
        "2025-01-01T10:60:00",
        "2025-01-01T10:00:60",
        "1899-12-31T23:59:59",
        "2201-01-01T00:00:00",
        "2025-01-01T1O:00:00",
        "yesterday",
    ],
)
def test_a_date_time_that_is_not_one_is_refused(text):
    from victimcare.intake.importer.check import Instants

    # ValueError with any wording (datetime's own or a bare one): the importer words the row's error
    with pytest.raises(ValueError):  # noqa: PT011 (see above)
        Instants().utc(text)


def test_times_are_read_as_london_time_and_stored_in_utc():
    force = reporting_world()
    run(
        force,
        HEADER
        + "S-1,2025-07-01T10:00:00,domestic-burglary,hackney,A,B,,,,letter,\n"
        + "W-1,2025-01-01T10:00:00,domestic-burglary,hackney,A,B,,,,letter,\n",
    )
    from datetime import UTC, datetime

    summer = ExternalReference.objects.get(external_id="S-1").case
    winter = ExternalReference.objects.get(external_id="W-1").case
    assert summer.reported_at == datetime(2025, 7, 1, 9, 0, tzinfo=UTC)
    assert winter.reported_at == datetime(2025, 1, 1, 10, 0, tzinfo=UTC)
    assert summer.events.get().at == summer.reported_at


def test_text_with_tabs_backslashes_and_line_breaks_is_kept_as_written():
    """PostgreSQL's COPY text format must escape these; SQLite takes them as they are."""
    force = reporting_world()
    summary_text = 'Door forced\twith a bar.\nTook C:\\laptop and a "bag"'
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER.strip().split(","))
    writer.writerow(
        [
            "T-1",
            "2025-03-01T10:00:00",
            "domestic-burglary",
            "hackney",
            "A\\B",
            "C",
            "",
            "",
            "",
            "letter",
            summary_text,
        ]
    )
    summary, rejects = run(force, out.getvalue())
    assert summary.imported == 1, rejects
    case = ExternalReference.objects.get(external_id="T-1").case
    assert case.summary == summary_text
    assert case.victims.get().personal_details.given_name == "A\\B"


# --- batches, chunks and the worker thread -----------------------------------------------


def test_a_batch_of_several_chunks_commits_or_rolls_back_whole(monkeypatch):
    """A batch (one transaction) is checked and written a chunk at a time."""
    force = reporting_world()
    from victimcare.intake.importer import run as import_run
    from victimcare.intake.importer.check import RowChecker

    monkeypatch.setattr(import_run, "CHUNK_ROWS", 2)
    real = RowChecker.check

    def check(self, row):
        if row[0] == "R-7":  # the second chunk of the second batch
            raise KeyboardInterrupt
        return real(self, row)

    monkeypatch.setattr(RowChecker, "check", check)
    summary = ImportSummary()
    with pytest.raises(KeyboardInterrupt):
        cases_import(
            source=io.StringIO(HEADER + "\n".join(GOOD) + "\n"),
            force=force,
            rejects=io.StringIO(),
            batch_size=4,
            clock=False,
            summary=summary,
        )
    assert_whole_rows(4)
    assert (summary.imported, summary.batches) == (4, 1)


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_batches_commit_as_they_go(migrated_rows_put_back):
    """The way the command runs: each batch its own transaction (committed by the worker
    thread), references allocated as live reports allocate them."""
    force = reporting_world()
    summary, _ = run(force, HEADER + "\n".join(GOOD) + "\n", batch_size=2)
    assert (summary.imported, summary.batches) == (9, 5)
    assert_whole_rows(9)
    assert sorted(Case.objects.values_list("reference", flat=True)) == [
        f"MPS-25-{n:06d}" for n in range(1, 10)
    ]
    summary, _ = run(force, HEADER + "\n".join(GOOD) + "\n", batch_size=2)
    assert (summary.imported, summary.already_present) == (0, 9)
    from django.db import connection

    assert not connection.in_atomic_block
    assert connection.get_autocommit()


# --- the care clock -----------------------------------------------------------------------


def clocked_cases():
    from victimcare.care.models import CaseClock

    return set(CaseClock.objects.values_list("case_id", flat=True))


def test_with_the_clock_on_every_imported_case_is_clocked_after_the_rows(monkeypatch):
    force = reporting_world()
    from victimcare.intake.importer import run as import_run

    monkeypatch.setattr(import_run, "CLOCK_CHUNK", 2)
    summary = cases_import(
        source=io.StringIO(HEADER + "\n".join(GOOD[:5]) + "\n"),
        force=force,
        rejects=io.StringIO(),
        batch_size=2,
    )
    assert (summary.imported, summary.to_clock, summary.clocked) == (5, 5, 5)
    assert clocked_cases() == set(Case.objects.values_list("id", flat=True))
    from victimcare.care.models import Obligation

    assert Obligation.objects.filter(case__in=Case.objects.all()).exists()


def test_a_rerun_clocks_the_cases_an_interrupted_run_left_unclocked():
    force = reporting_world()
    text = HEADER + "\n".join(GOOD[:4]) + "\n"
    # As if the first run had stopped after the rows, before the clock.
    cases_import(source=io.StringIO(text), force=force, rejects=io.StringIO(), clock=False)
    assert clocked_cases() == set()
    summary = cases_import(source=io.StringIO(text), force=force, rejects=io.StringIO())
    assert (summary.imported, summary.already_present, summary.clocked) == (0, 4, 4)
    assert clocked_cases() == set(Case.objects.values_list("id", flat=True))
    # Once clocked, a re-run leaves them be.
    summary = cases_import(source=io.StringIO(text), force=force, rejects=io.StringIO())
    assert (summary.to_clock, summary.clocked) == (0, 0)


# --- backfill mode (PostgreSQL: foreign keys checked once a batch) --------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="backfill mode is PostgreSQL's (elsewhere the flag is ignored)",
)


def replication_role() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        return cursor.fetchone()[0]


def backfill_run(force, text, batch_size=2):
    rejects = io.StringIO()
    summary = cases_import(
        source=io.StringIO(text),
        force=force,
        rejects=rejects,
        batch_size=batch_size,
        clock=False,
        backfill=True,
    )
    return summary, list(csv.DictReader(io.StringIO(rejects.getvalue())))


def test_backfill_imports_the_same_rows_and_counts():
    """On every database (SQLite ignores the flag): the same outcome as a normal import."""
    force = reporting_world()
    summary, rejects = backfill_run(force, HEADER + "\n".join(ROWS) + "\n", batch_size=4)
    assert (summary.read, summary.imported, summary.rejected, summary.already_present) == (
        10,
        3,
        6,
        1,
    )
    assert len(rejects) == 6
    assert_whole_rows(3)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_backfill_commits_each_batch_with_row_checks_back_on(migrated_rows_put_back):
    from django.db import IntegrityError, transaction

    force = reporting_world()
    summary, _ = backfill_run(force, HEADER + "\n".join(GOOD) + "\n", batch_size=2)
    assert (summary.imported, summary.batches) == (9, 5)
    assert_whole_rows(9)
    assert replication_role() == "origin"
    # The foreign keys are still enforced for rows written afterwards.
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO cases_victim (case_id, pseudonym, most_serious_crime, "
            "persistently_targeted, vulnerable, intimidated) "
            "VALUES (-1, gen_random_uuid(), false, false, false, false)"
        )
    summary, _ = backfill_run(force, HEADER + "\n".join(GOOD) + "\n", batch_size=2)
    assert (summary.imported, summary.already_present) == (0, 9)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_backfill_batch_pointing_at_a_missing_parent_is_rolled_back_whole(
    monkeypatch, migrated_rows_put_back
):
    """The batch proves the parents its rows point at; if one is gone (deleted while the
    batch ran), the batch rolls back and earlier batches stay."""
    from victimcare.forces.models import Area
    from victimcare.intake.importer import write

    force = reporting_world()
    taken = []
    original = write.BatchWriter.used_take

    def used_take(self):
        used = original(self)
        taken.append(used)
        if len(taken) == 2:  # the second batch "uses" an area that does not exist
            used[Area._meta.db_table].add(-5)
        return used

    monkeypatch.setattr(write.BatchWriter, "used_take", used_take)
    with pytest.raises(ImportError_, match="no longer exist"):
        backfill_run(force, HEADER + "\n".join(GOOD) + "\n", batch_size=2)
    assert_whole_rows(2)
    assert replication_role() == "origin"


@postgres_only
def test_backfill_without_permission_to_skip_row_checks_is_refused_with_the_grant(monkeypatch):
    from victimcare.intake.importer import backfill

    monkeypatch.setattr(backfill, "_may_skip_row_checks", lambda cursor: False)
    with pytest.raises(ImportError_, match="GRANT SET ON PARAMETER session_replication_role"):
        backfill_run(reporting_world(), HEADER + "\n".join(GOOD) + "\n")
    assert Case.objects.count() == 0


@postgres_only
@pytest.mark.parametrize("may_skip_row_checks", [True, False])
def test_the_default_mode_proves_batches_where_the_role_may_else_checks_each_row(
    monkeypatch, may_skip_row_checks
):
    """The default mode proves each batch's foreign keys as the backfill mode does when
    this role may set session_replication_role (and no trigger of ours would be skipped),
    and otherwise leaves them to the per-row checks: the same rows either way."""
    from victimcare.intake.importer import backfill, write

    monkeypatch.setattr(backfill, "_may_skip_row_checks", lambda cursor: may_skip_row_checks)
    proved = []
    original = write.BatchWriter.used_take

    def used_take(self):
        proved.append(True)
        return original(self)

    monkeypatch.setattr(write.BatchWriter, "used_take", used_take)
    summary = cases_import(
        source=io.StringIO(HEADER + "\n".join(GOOD) + "\n"),
        force=reporting_world(),
        rejects=io.StringIO(),
        batch_size=4,
        clock=False,
    )
    assert (summary.imported, summary.batches) == (9, 3)
    assert_whole_rows(9)
    assert bool(proved) is may_skip_row_checks
    assert replication_role() == "origin"


def test_the_cli_takes_backfill(tmp_path, capsys):
    reporting_world()
    path = tmp_path / "history.csv"
    path.write_text(HEADER + "\n".join(GOOD) + "\n")
    assert main(["import", "cases", str(path), "--force", "MPS", "--backfill", "--quiet"]) == 0
    assert "imported 9" in capsys.readouterr().out
    assert_whole_rows(9)


def test_imported_victims_get_time_ordered_pseudonyms(monkeypatch):
    """Version 7 UUIDs: unique, random after a millisecond time prefix that rises."""
    import uuid

    from victimcare.intake.importer import write

    clock = iter([1_700_000_000_000_000_000, 1_700_000_000_005_000_000])
    monkeypatch.setattr(write.time, "time_ns", lambda: next(clock))
    first, second = write._uuids(500), write._uuids(500)
    parsed = [uuid.UUID(text) for text in first + second]
    assert len(set(parsed)) == 1000
    assert {(u.version, u.variant) for u in parsed} == {(7, uuid.RFC_4122)}
    assert {u.int >> 80 for u in parsed[:500]} == {1_700_000_000_000}
    assert max(parsed[:500]) < min(parsed[500:])  # a later batch sorts after
    assert len({u.int & (1 << 62) - 1 for u in parsed}) == 1000  # the random part varies


def test_an_import_stores_those_pseudonyms():
    import uuid

    run(reporting_world(), HEADER + "\n".join(ROWS[:3]) + "\n")
    stored = Victim.objects.values_list("pseudonym", flat=True)
    assert len(stored) == 3
    assert {uuid.UUID(str(value)).version for value in stored} == {7}


# --- the fast paths' column lists ---------------------------------------------------------


def test_each_copy_line_puts_each_value_in_its_models_column():
    """The COPY lines are written by hand, field by field: parsed back against the
    columns the models' _meta gives, each value is in its column, and every column
    (the defaults at the end) has a value."""
    from django.utils import timezone

    from victimcare.cases.constants import CaseStatus, Channel
    from victimcare.forces.models import Area, CrimeType
    from victimcare.intake.importer.check import FIELDS, RowChecker
    from victimcare.intake.importer.write import BatchWriter

    force = reporting_world()
    cells = {
        "crime_reference": "CRIS-9",
        "reported_at": "2025-03-01T10:00:00",
        "crime_type": "domestic-burglary",
        "area": "hackney",
        "given_name": "Ada",
        "family_name": "One",
        "occurred_at": "2025-02-28T22:00:00",
        "summary": "Back door forced",
        "date_of_birth": "1980-03-31",
        "email": "ada@example.com",
        "phone": "07700 900123",
        "phone_is_safe": "no",
        "address": "1 High Street",
        "postcode": "sw1a 2aa",
        "preferred_contact": "letter",
        "times_to_avoid": "evenings",
        "status": "",
        "hate_element": "yes",
        "enhanced_grounds": "intimidated",
    }
    row = RowChecker(force=force, now=timezone.now(), header=list(FIELDS)).check(
        [cells[name] for name in FIELDS]
    )
    writer = BatchWriter(force=force, system="rms")
    payloads = writer.copy_payloads([row], [11], [22], ["MPS-25-000001"], "2025-03-02 09:00:00")
    lines = {}
    for table, payload in payloads:
        fields = payload.decode().removesuffix("\n").split("\t")
        assert len(fields) == len(table.column_names), table.table
        lines[table.table] = dict(zip(table.column_names, fields, strict=True))
    area = Area.objects.get(force=force, code="hackney")
    crime_type = CrimeType.objects.get(code="domestic-burglary")
    case = lines[Case._meta.db_table]
    assert (case["id"], case["reference"], case["force_id"]) == (
        "11",
        "MPS-25-000001",
        str(force.pk),
    )
    assert case["reported_at"] == "2025-03-01 10:00:00+00"
    assert case["occurred_at"] == "2025-02-28 22:00:00+00"
    assert (case["channel"], case["status"], case["summary"]) == (
        Channel.RECORDS_SYSTEM.value,
        CaseStatus.REPORTED.value,
        "Back door forced",
    )
    assert case["created_at"] == "2025-03-02 09:00:00+00"
    assert case["hate_element"] == "t"
    assert (case["area_id"], case["crime_type_id"]) == (str(area.pk), str(crime_type.pk))
    victim = lines[Victim._meta.db_table]
    assert (victim["id"], victim["case_id"]) == ("22", "11")
    flags = ("most_serious_crime", "persistently_targeted", "vulnerable", "intimidated")
    assert [victim[name] for name in flags] == ["t", "f", "f", "t"]
    entries = json.loads(victim["enhanced_grounds"].replace("\\\\", "\\"))
    assert [(e["ground"], e["source"]) for e in entries] == [
        ("most_serious_crime", "derived"),
        ("intimidated", "recorded"),
    ]
    details = lines[VictimPersonalDetails._meta.db_table]
    assert {k: details[k] for k in ("victim_id", "given_name", "family_name", "postcode")} == {
        "victim_id": "22",
        "given_name": "Ada",
        "family_name": "One",
        "postcode": "SW1A 2AA",
    }
    assert (details["date_of_birth"], details["email"], details["phone"]) == (
        "1980-03-31",
        "ada@example.com",
        "07700 900123",
    )
    assert (details["address"], details["preferred_contact"], details["times_to_avoid"]) == (
        "1 High Street",
        "letter",
        "evenings",
    )
    assert details["phone_is_safe"] == "f"
    event = lines[CaseEvent._meta.db_table]
    assert (event["case_id"], event["kind"], event["at"]) == (
        "11",
        EventKind.REPORT_RECORDED.value,
        "2025-03-01 10:00:00+00",
    )
    assert event["recorded_at"] == "2025-03-02 09:00:00+00"
    external = lines[ExternalReference._meta.db_table]
    assert (external["case_id"], external["force_id"], external["system"]) == (
        "11",
        str(force.pk),
        "rms",
    )
    assert external["external_id"] == "CRIS-9"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"id": "case_id", "no_such_field": "reference"}, "has no field no_such_field"),
        ({"id": "no_such_stage_column"}, "staging table has no column"),
    ],
)
def test_a_fast_path_column_list_that_does_not_match_the_model_is_refused(fields, message):
    from django.core.exceptions import ImproperlyConfigured

    from victimcare.intake.importer.tables import Table

    with pytest.raises(ImproperlyConfigured, match=message):
        Table(Case, fields)
