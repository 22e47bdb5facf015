"""Bulk import: good rows in, bad rows out with reasons, duplicates skipped, re-runs safe."""

import csv
import io

import pytest

from tests.intake.factories import reporting_world
from victimcare.cases.constants import EventKind
from victimcare.cases.models import Case, CaseEvent, Victim, VictimPersonalDetails
from victimcare.cli import main
from victimcare.intake.importer import ImportError_, cases_import
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
    assert cris2.channel == "records_system" and cris2.reference.startswith("MPS-25-")
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


def test_a_failing_batch_leaves_earlier_batches_committed_and_no_half_rows(monkeypatch):
    force = reporting_world()
    from victimcare.intake import importer

    calls = {"n": 0}
    real = importer.BatchWriter.write

    def write_then_fail(self, rows):
        calls["n"] += 1
        if calls["n"] == 2:
            real(self, rows)
            raise KeyboardInterrupt  # Ctrl-C in the middle of the second batch
        return real(self, rows)

    monkeypatch.setattr(importer.BatchWriter, "write", write_then_fail)
    good = [f"R-{i},2025-03-01T10:00:00,domestic-burglary,hackney,A,B,,,,letter," for i in range(6)]
    with pytest.raises(KeyboardInterrupt):
        run(force, HEADER + "\n".join(good) + "\n", batch_size=3)
    assert Case.objects.count() == Victim.objects.count() == ExternalReference.objects.count() == 3


def test_the_cli_prints_a_summary_and_writes_the_rejects_file(tmp_path, capsys):
    reporting_world()
    source = tmp_path / "history.csv"
    source.write_text(HEADER + "\n".join(ROWS) + "\n")
    assert main(["import", "cases", str(source), "--force", "MPS", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "read 10 / imported 3 / rejected 6 / already present 1" in out
    assert (tmp_path / "history.rejects.csv").read_text().count("\n") == 7
    assert main(["import", "cases", str(tmp_path / "missing.csv"), "--force", "MPS"]) == 2
