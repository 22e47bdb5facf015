"""The `victimcare` command as a user meets it: help, and one clear line on bad input."""

import os
import subprocess
import sys

import pytest

from tests.factories import PASSWORD, force_make
from victimcare.accounts.models import User
from victimcare.cli import build_parser, main
from victimcare.forces.models import CrimeType, Team

SUBCOMMANDS = [
    "demo",
    "serve",
    "worker",
    "seed",
    "migrate",
    "createstaff",
    "token",
    "care",
    "drafts",
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


LOADS_MODULES = """\
import contextlib, io, sys
from victimcare.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main(sys.argv[1:])
    except SystemExit:
        pass
print("\\n".join(sys.modules))
"""


@pytest.mark.parametrize("argv", [("--help",), ("estimate", "--help")])
def test_help_loads_no_model_and_no_scipy_or_duckdb(argv):
    """The help stays quick: commands modules import models, services, scipy and duckdb
    inside their handlers, never where the parser is built."""
    result = subprocess.run(
        [sys.executable, "-c", LOADS_MODULES, *argv], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    loaded = result.stdout.split()
    heavy = [
        name
        for name in loaded
        if name.split(".")[0] in ("scipy", "duckdb", "gunicorn")
        or (name.startswith("victimcare.") and name.rsplit(".", 1)[-1] in ("models", "services"))
    ]
    assert heavy == []
    if argv == ("--help",):
        assert "numpy" not in loaded


def test_help_lists_the_commands_in_the_order_of_the_registry():
    from victimcare.cli import COMMANDS

    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    assert list(subparsers.choices) == [name for name, _module in COMMANDS]


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
        (["seed", "--as-of", "30/09/2026"], "must be a date as YYYY-MM-DD"),
        (["demo", "--as-of", "2026-02-30"], "must be a date as YYYY-MM-DD"),
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


@pytest.mark.parametrize(
    ("password", "names"),
    [
        ("jo.bloggs.longname", []),
        ("JoBloggsLongname", []),
        ("Bloggsworth!!", ["--first-name", "Josephine", "--last-name", "Bloggsworth"]),
    ],
)
def test_createstaff_refuses_a_password_like_the_username_or_names(
    teams, monkeypatch, capsys, password, names
):
    """The password is checked with the new user: one like the username is refused."""
    monkeypatch.setenv("VICTIMCARE_STAFF_PASSWORD", password)
    args = ["createstaff", "--username", "jo.bloggs.longname", "--role", "officer"]
    assert main([*args, "--force", "MPS", *names]) == 2
    err = capsys.readouterr().err
    assert "Password rejected:" in err
    assert "too similar to the" in err
    assert len(err.strip().splitlines()) == 1
    assert not User.objects.filter(username="jo.bloggs.longname").exists()


def test_createstaff_superuser_has_no_force_and_manages_national_data(teams, capsys, client):
    """--superuser is the way to make a platform superuser; they manage national data."""
    assert main(["createstaff", "--username", "platform.admin", "--superuser"]) == 0
    assert "Created platform superuser platform.admin (no force)" in capsys.readouterr().out
    user = User.objects.get(username="platform.admin")
    assert (user.is_superuser, user.is_staff, user.force, user.role) == (
        True,
        True,
        None,
        "administrator",
    )
    assert user.check_password(PASSWORD)
    client.force_login(user)
    response = client.post(
        "/admin/forces/crimetype/add/",
        {
            "code": "fraud",
            "name": "Fraud",
            "plain_name": "Someone tricked me out of money",
            "survey_group": "violence",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assert CrimeType.objects.filter(code="fraud").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--force", "MPS"], "A superuser belongs to no force"),
        (["--oversees", "GMP"], "A superuser belongs to no force"),
        (["--role", "officer"], "a superuser has the administrator role"),
    ],
)
def test_createstaff_superuser_with_a_force_or_role_is_one_clear_line(
    teams, capsys, extra, message
):
    assert main(["createstaff", "--username", "platform.admin", "--superuser", *extra]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert not User.objects.filter(username="platform.admin").exists()


def test_manage_createsuperuser_points_to_createstaff(capsys):
    """createstaff --superuser is the one way a superuser is made."""
    assert main(["manage", "createsuperuser", "--noinput", "--username", "x"]) == 2
    err = capsys.readouterr().err
    assert "victimcare createstaff --username U --superuser" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("missing", ["--role", "--force"])
def test_createstaff_without_role_or_force_is_one_clear_line(teams, capsys, missing):
    args = {"--role": "officer", "--force": "MPS"}
    del args[missing]
    flat = [item for pair in args.items() for item in pair]
    assert main(["createstaff", "--username", "jo.bloggs", *flat]) == 2
    err = capsys.readouterr().err
    assert "--role and --force are needed (or --superuser)" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.django_db(transaction=True)
def test_serve_forks_its_workers_with_no_database_connection_open(
    monkeypatch, migrated_rows_put_back
):
    """gunicorn forks its workers from this process: a connection open here would be one
    socket shared by every worker (answers interleaved, duplicate references)."""
    from datetime import timedelta
    from types import SimpleNamespace

    from django.db import connection, connections
    from gunicorn.app.base import BaseApplication

    from victimcare.commands import serve

    seen, closes = {}, []
    close_all = connections.close_all
    monkeypatch.setattr(connections, "close_all", lambda: (closes.append(1), close_all()))

    def run(self):
        seen["closed"] = bool(closes)
        # (SQLite's in-memory test database ignores close; PostgreSQL's really closes.)
        seen["connected"] = connection.vendor != "sqlite" and connection.connection is not None
        seen["config"] = (self.cfg.bind, self.cfg.workers, self.cfg.threads)
        logger = self.cfg.logger_class(self.cfg)
        seen["atoms"] = logger.atoms(
            SimpleNamespace(status="201 Created", sent=52),
            None,
            {
                "REMOTE_ADDR": "10.0.0.1",
                "REQUEST_METHOD": "GET",
                "PATH_INFO": "/track/",
                "QUERY_STRING": "email=ada@example.com",
            },
            timedelta(milliseconds=12),
        )
        seen["format"] = self.cfg.access_log_format

    monkeypatch.setattr(BaseApplication, "run", run)
    connection.ensure_connection()
    assert serve(host="127.0.0.1", port=8123, workers=2, threads=1) == 0
    assert seen["closed"]
    assert not seen["connected"]
    assert seen["config"] == (["127.0.0.1:8123"], 2, 1)
    # The access log has the path only, never the query string (which could hold input).
    assert seen["atoms"] == {
        "h": "10.0.0.1",
        "m": "GET",
        "U": "/track/",
        "s": "201",
        "b": "52",
        "M": 12,
    }
    assert "ada@example.com" not in seen["format"] % seen["atoms"]


@pytest.mark.parametrize(
    ("command", "says"),
    [
        (["serve"], ["--no-worker", "background worker runs beside the web server"]),
        (["demo"], ["--no-worker", "background worker beside it", "var/email"]),
        (["worker"], ["--no-schedule", "care-breaches", "survey-fieldwork", "drafts-purge"]),
    ],
)
def test_serve_demo_and_worker_help_say_the_worker_runs_beside_the_server(command, says, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([*command, "--help"])
    assert exit_.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    for text in says:
        assert text in out
