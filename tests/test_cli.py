"""The `victimcare` command as a user meets it: help, and one clear line on bad input."""

import os
import subprocess
import sys

import pytest

from tests.factories import PASSWORD, force_make
from victimcare.accounts.models import User
from victimcare.cli import build_parser, main
from victimcare.forces.models import Team

SUBCOMMANDS = [
    "demo",
    "serve",
    "worker",
    "seed",
    "migrate",
    "createstaff",
    "token",
    "care",
    "estimate",
    "survey",
]


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "victimcare", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def test_help_lists_every_subcommand(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for name in SUBCOMMANDS:
        assert f"    {name}" in out


def test_python_dash_m_runs_the_same_command():
    result = run("--help")
    assert result.returncode == 0
    assert "createstaff" in result.stdout


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://root@localhost/x", "DATABASE_URL must start with postgres:// or sqlite:///"),
        ("postgres://postgres@127.0.0.1:1/victimcare", "cannot connect to DATABASE_URL"),
        ("not a url at all", "DATABASE_URL must start with"),
    ],
)
def test_a_bad_database_url_is_one_clear_line_and_exit_2(url, message, tmp_path):
    result = run("migrate", env={"DATABASE_URL": url, "VICTIMCARE_VAR_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["seed", "--seed", "-3"], "must be zero or more"),
        (["seed", "--scale", "galactic"], "invalid choice: 'galactic'"),
        (["seed", "--seed", "abc"], "must be a whole number"),
    ],
)
def test_seed_rejects_bad_arguments_with_a_usage_error(args, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_every_subcommand_has_help_text():
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    for name in SUBCOMMANDS:
        assert subparsers.choices[name].description


def test_estimate_is_reached_through_the_victimcare_command(capsys):
    """`victimcare estimate` forwards every argument, --help included, to the estimator."""
    data = "tests/estimation/data/apistrat.csv"
    args = ["estimate", data, "--y", "api00", "--stat", "mean", "--strata", "stype"]
    code = main([*args, "--weight", "pw", "--fpc", "fpc", "--format", "json"])
    assert code == 0
    import json

    (estimate,) = json.loads(capsys.readouterr().out)["estimates"]
    assert estimate["estimate"] == pytest.approx(662.2873632, rel=1e-9)
    assert estimate["se"] == pytest.approx(9.408940803, rel=1e-7)
    with pytest.raises(SystemExit) as exit_:
        main(["estimate", "--help"])
    assert exit_.value.code == 0
    assert "--lonely-psu" in capsys.readouterr().out


def test_createstaff_help_describes_the_team_option(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["createstaff", "--help"])
    assert exit_.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "--team CODE" in out
    assert "code of a team in the staff member's force" in out


@pytest.fixture
def teams(db, monkeypatch):
    monkeypatch.setenv("VICTIMCARE_STAFF_PASSWORD", PASSWORD)
    mps, gmp = force_make("MPS"), force_make("GMP")
    return (
        Team.objects.create(force=mps, code="hackney-response", name="Hackney response team"),
        Team.objects.create(force=gmp, code="salford-response", name="Salford response team"),
    )


def test_createstaff_puts_the_new_officer_in_the_team(teams, capsys):
    own, _ = teams
    args = ["createstaff", "--username", "jo.bloggs", "--role", "officer", "--force", "MPS"]
    assert main([*args, "--team", "HACKNEY-RESPONSE"]) == 0
    assert "Created officer jo.bloggs in Hackney response team, MPS Police" in (
        capsys.readouterr().out
    )
    assert User.objects.get(username="jo.bloggs").team == own


@pytest.mark.parametrize(
    ("team", "message"),
    [
        ("no-such-team", "--team: MPS has no team with code 'no-such-team'"),
        # Another force's team is as unknown as one that does not exist.
        ("salford-response", "--team: MPS has no team with code 'salford-response'"),
    ],
)
def test_createstaff_with_an_unknown_team_is_one_clear_line(teams, team, message, capsys):
    args = ["createstaff", "--username", "jo.bloggs", "--role", "officer", "--force", "MPS"]
    assert main([*args, "--team", team]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "its teams include: hackney-response" in err
    assert len(err.strip().splitlines()) == 1
    assert not User.objects.filter(username="jo.bloggs").exists()
