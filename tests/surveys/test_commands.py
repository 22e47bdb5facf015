"""`victimcare survey ...` and the microdata it writes."""

from __future__ import annotations

import csv
from datetime import date

import pytest

from tests.factories import force_make, staff_make
from tests.surveys.factories import answers, sample_make, victim_case_make
from victimcare.accounts.constants import AuditAction, Role
from victimcare.audit.models import AuditRecord
from victimcare.cli import main
from victimcare.surveys.constants import Mode
from victimcare.surveys.models import Response, Sample
from victimcare.surveys.selectors import MICRODATA_COLUMNS, microdata_rows
from victimcare.surveys.services import response_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def mps():
    return force_make("MPS", "Metropolitan Police Service")


def test_survey_sample_draws_and_prints_the_strata(mps, capsys):
    for _ in range(6):
        victim_case_make(mps)
    victim_case_make(mps, date_of_birth=date(2015, 1, 1))
    code = main(
        ["survey", "sample", "--force", "MPS", "--month", "2026-09", "--target", "2", "--seed", "3"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "7 in scope, 6 eligible" in out
    assert "excluded, under_age: 1" in out
    assert "MPS|hackney|burglary\t6\t1\t2\t4" in out
    sample = Sample.objects.get()
    assert (sample.seed, sample.members.count()) == (3, 4)


def test_survey_sample_preview_draws_nothing(mps, capsys):
    victim_case_make(mps)
    assert main(["survey", "sample", "--force", "MPS", "--month", "2026-09", "--preview"]) == 0
    assert not Sample.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--force", "XX", "--month", "2026-09"], "no force with code 'XX'"),
        (["--force", "MPS", "--month", "September"], "a month is written YYYY-MM"),
        (["--force", "MPS", "--month", "2026-09"], "no eligible victims"),
        (["--force", "MPS", "--month", "2026-09", "--window", "12-6"], "bad frame settings"),
        (["--force", "MPS", "--month", "0001-09"], "must be between 2000 and"),
        (["--force", "MPS", "--month", "9999-12"], "must be between 2000 and"),
        (
            ["--force", "MPS", "--month", "2026-09", "--fieldwork", "0001-01-01"],
            "must be between 2000 and",
        ),
    ],
)
def test_survey_sample_errors_are_one_line(mps, capsys, args, message):
    assert main(["survey", "sample", *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_survey_export_is_audited_and_import_reports_rejections(mps, tmp_path, capsys):
    victim_case_make(mps, phone="07700 900555")
    sample = sample_make(mps, mode=Mode.AGENCY)
    supervisor = staff_make(Role.SUPERVISOR, force=mps)
    out = tmp_path / "agency.csv"
    assert (
        main(["survey", "export", "--force", "MPS", "--month", "2026-09", "--user",
              supervisor.username, "--out", str(out)]) == 0
    )  # fmt: skip
    serial = next(csv.DictReader(out.open()))["serial"]
    assert serial == sample.members.get().serial
    record = AuditRecord.objects.get(user=supervisor, action=AuditAction.EXPORT)
    assert record.victim == sample.members.get().victim
    assert record.page.startswith("agency sample export")
    assert "victimcare survey export" in (record.page)
    results = tmp_path / "results.csv"
    results.write_text(
        "serial,outcome,ease_of_contact,actions_taken,kept_informed,treatment,whole_experience\n"
        f"{serial},completed,1,2,3,2,1\nSNOPE,completed,1,1,1,1,1\n"
    )
    capsys.readouterr()
    assert main(["survey", "import", str(results)]) == 1
    captured = capsys.readouterr()
    assert "Imported 1 row(s); rejected 1" in captured.out
    assert "line 3 SNOPE: rejected: unknown respondent" in captured.err
    assert Response.objects.get().mode == Mode.AGENCY


def test_microdata_has_the_design_columns_for_estimate(mps, tmp_path):
    for _ in range(4):
        victim_case_make(mps, phone="07700 900555")
    sample = sample_make(mps, mode=Mode.TELEPHONE)
    members = list(sample.members.order_by("id"))
    response_record(member=members[0], answers=answers(), mode=Mode.TELEPHONE)
    response_record(
        member=members[1], answers=answers(whole_experience="neither"), mode=Mode.TELEPHONE
    )
    out = tmp_path / "micro.csv"
    assert (
        main(["survey", "microdata", "--force", "MPS", "--from", "2026-01", "--to", "2026-12",
              "--out", str(out)]) == 0
    )  # fmt: skip
    rows = list(csv.DictReader(out.open()))
    assert list(rows[0]) == list(MICRODATA_COLUMNS)
    assert [(r["stratum"], r["N"], r["w"]) for r in rows] == [
        ("2026-09|MPS|hackney|burglary", "4", "2.0"),
        ("2026-09|MPS|hackney|burglary", "4", "2.0"),
    ]
    assert sorted(r["sat_whole_experience"] for r in rows) == ["0", "1"]
    assert {r["psu"] for r in rows} == {
        str(p) for p in Response.objects.values_list("pk", flat=True)
    }
    assert not {"given_name", "email", "phone", "reference"} & set(rows[0])


@pytest.mark.parametrize(("definition", "satisfied"), [("top3", 1), ("top2", 0)])
def test_which_answers_count_as_satisfied_is_a_setting_of_the_measure(mps, definition, satisfied):
    victim_case_make(mps, phone="07700 900555")
    member = sample_make(mps, mode=Mode.TELEPHONE).members.get()
    response_record(
        member=member, answers=answers(whole_experience="fairly_satisfied"), mode=Mode.TELEPHONE
    )
    rows = microdata_rows(
        forces=[mps],
        first_month=date(2026, 9, 1),
        last_month=date(2026, 9, 1),
        satisfied=definition,
    )
    assert rows[0]["sat_whole_experience"] == satisfied


def test_a_stratum_with_one_respondent_is_collapsed_for_variance(mps):
    for _ in range(3):
        victim_case_make(mps, phone="07700 900555")
    victim_case_make(mps, crime="hate", phone="07700 900555")
    sample = sample_make(mps, mode=Mode.TELEPHONE)
    for member in sample.members.all():
        response_record(member=member, answers=answers(), mode=Mode.TELEPHONE)
    rows = microdata_rows(forces=[mps], first_month=date(2026, 9, 1), last_month=date(2026, 9, 1))
    assert {r["stratum"] for r in rows} == {"2026-09|MPS|hackney|burglary+MPS|hackney|hate"}
    assert {r["N"] for r in rows} == {4}
    assert sorted(r["w"] for r in rows) == [1.0] * 4


@pytest.mark.parametrize("weighting", ["design", "nonresponse", "raked"])
def test_every_weighting_adds_up_to_the_population(mps, weighting):
    for number in range(12):
        victim_case_make(
            mps,
            phone="07700 900555",
            equality={"sex": "female" if number % 3 else "male", "ethnicity": "white"},
        )
    sample = sample_make(mps, mode=Mode.TELEPHONE)
    for member in list(sample.members.order_by("id"))[:7]:
        response_record(member=member, answers=answers(), mode=Mode.TELEPHONE)
    rows = microdata_rows(
        forces=[mps], first_month=date(2026, 9, 1), last_month=date(2026, 9, 1), weighting=weighting
    )
    assert sum(r["w"] for r in rows) == pytest.approx(12, rel=1e-4)


def test_survey_invite_records_invitations_and_runs_reminders(mps, capsys):
    victim_case_make(mps)
    sample = sample_make(mps)
    assert main(["survey", "invite", "--force", "MPS", "--month", "2026-09"]) == 0
    assert "Invited 1; reminded 0; closed 0" in capsys.readouterr().out
    assert sample.members.get().invitations.count() == 1
    assert main(["survey", "invite", "--force", "MPS", "--month", "2026-09"]) == 0
    assert "Invited 0" in capsys.readouterr().out
