"""Settings from the environment for HTTPS behind a proxy and for files with personal
data: what each value means, clear errors for unusable ones, and production refusing the
file message backends."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from victimcare.config import env
from victimcare.config.env import SettingsError

SRC = Path(__file__).resolve().parents[2] / "src"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(
    ("raw", "count"), [(None, 0), ("", 0), ("0", 0), ("1", 1), (" 2 ", 2), ("9", 9)]
)
def test_trusted_proxy_is_how_many_proxies_stand_in_front(monkeypatch, raw, count):
    if raw is None:
        monkeypatch.delenv("VICTIMCARE_TRUSTED_PROXY", raising=False)
    else:
        monkeypatch.setenv("VICTIMCARE_TRUSTED_PROXY", raw)
    assert env.trusted_proxy_count() == count


@pytest.mark.parametrize("raw", ["yes", "-1", "10", "X-Forwarded-For", "1.5"])
def test_a_trusted_proxy_that_is_not_a_small_count_is_refused(monkeypatch, raw):
    monkeypatch.setenv("VICTIMCARE_TRUSTED_PROXY", raw)
    with pytest.raises(SettingsError, match="VICTIMCARE_TRUSTED_PROXY must be how many"):
        env.trusted_proxy_count()


@pytest.mark.parametrize(
    ("raw", "day"), [(None, None), ("", None), (" 2026-09-30 ", date(2026, 9, 30))]
)
def test_the_demo_as_of_day_is_a_date_or_unset(monkeypatch, raw, day):
    if raw is None:
        monkeypatch.delenv("VICTIMCARE_DEMO_AS_OF", raising=False)
    else:
        monkeypatch.setenv("VICTIMCARE_DEMO_AS_OF", raw)
    assert env.env_date("VICTIMCARE_DEMO_AS_OF") == day


@pytest.mark.parametrize("raw", ["30/09/2026", "2026-02-30", "today"])
def test_a_demo_as_of_day_that_is_not_a_date_is_refused(monkeypatch, raw):
    monkeypatch.setenv("VICTIMCARE_DEMO_AS_OF", raw)
    with pytest.raises(SettingsError, match="VICTIMCARE_DEMO_AS_OF must be a date as YYYY-MM-DD"):
        env.env_date("VICTIMCARE_DEMO_AS_OF")


@pytest.mark.parametrize(
    ("raw", "origins"),
    [
        ("", []),
        ("https://victimcare.police.example", ["https://victimcare.police.example"]),
        (
            "https://a.example, https://b.example:8443,https://*.force.example",
            ["https://a.example", "https://b.example:8443", "https://*.force.example"],
        ),
    ],
)
def test_csrf_trusted_origins_are_a_comma_separated_list(monkeypatch, raw, origins):
    monkeypatch.setenv("VICTIMCARE_CSRF_TRUSTED_ORIGINS", raw)
    assert env.csrf_trusted_origins() == origins


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("victimcare.police.example", "it has no scheme"),
        ("ftp://victimcare.police.example", "it has no scheme"),
        ("https://", "it has no scheme"),
        ("https://victimcare.police.example/", "an origin has no path"),
        ("https://victimcare.police.example/track", "an origin has no path"),
    ],
)
def test_a_csrf_trusted_origin_without_scheme_or_with_a_path_is_refused(monkeypatch, raw, problem):
    monkeypatch.setenv("VICTIMCARE_CSRF_TRUSTED_ORIGINS", f"https://ok.example,{raw}")
    with pytest.raises(SettingsError, match=problem) as error:
        env.csrf_trusted_origins()
    assert repr(raw) in str(error.value)


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({}, "development"),
        ({"VICTIMCARE_SECURE": "1"}, "production"),
        ({"VICTIMCARE_SECURE": "1", "VICTIMCARE_DEBUG": "1"}, "development"),
        ({"VICTIMCARE_ENVIRONMENT": "production"}, "production"),
        ({"VICTIMCARE_ENVIRONMENT": "Development", "VICTIMCARE_SECURE": "1"}, "development"),
    ],
)
def test_production_is_https_without_debug_unless_stated(monkeypatch, variables, expected):
    for name in ("VICTIMCARE_SECURE", "VICTIMCARE_DEBUG", "VICTIMCARE_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert env.environment() == expected


def test_an_unknown_environment_is_refused(monkeypatch):
    monkeypatch.setenv("VICTIMCARE_ENVIRONMENT", "staging")
    with pytest.raises(SettingsError, match="production or development"):
        env.environment()


@pytest.mark.parametrize(
    ("environment", "file_backends", "allow", "refused"),
    [
        ("production", ["VICTIMCARE_EMAIL_BACKEND"], None, True),
        ("production", ["VICTIMCARE_EMAIL_BACKEND", "VICTIMCARE_SMS_BACKEND"], None, True),
        ("production", ["VICTIMCARE_SMS_BACKEND"], "1", False),
        ("production", [], None, False),
        ("development", ["VICTIMCARE_EMAIL_BACKEND", "VICTIMCARE_SMS_BACKEND"], None, False),
    ],
)
def test_production_refuses_the_file_message_backends_unless_allowed(
    monkeypatch, environment, file_backends, allow, refused
):
    if allow is None:
        monkeypatch.delenv("VICTIMCARE_ALLOW_FILE_MESSAGES", raising=False)
    else:
        monkeypatch.setenv("VICTIMCARE_ALLOW_FILE_MESSAGES", allow)
    if refused:
        with pytest.raises(SettingsError, match="VICTIMCARE_ALLOW_FILE_MESSAGES=1") as error:
            env.file_messages_check(environment=environment, file_backends=file_backends)
        assert all(name in str(error.value) for name in file_backends)
    else:
        env.file_messages_check(environment=environment, file_backends=file_backends)


def load_settings(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess:
    """Load victimcare's settings in a fresh process with only these variables set."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("VICTIMCARE_", "DATABASE"))}
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_PROXY_SSL_HEADER, s.USE_X_FORWARDED_HOST, s.CSRF_TRUSTED_ORIGINS, "
        "s.TRUSTED_PROXY_COUNT, s.ENVIRONMENT)"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        env={
            **keep,
            "PYTHONPATH": str(SRC),
            "DJANGO_SETTINGS_MODULE": "victimcare.config.settings",
            "VICTIMCARE_VAR_DIR": str(tmp_path / "var"),
            **variables,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_with_no_environment_the_settings_load_as_for_the_demo(tmp_path):
    result = load_settings(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["None", "False", "[]", "0", "development"]


def test_production_settings_refuse_to_start_with_the_default_file_backends(tmp_path):
    result = load_settings(tmp_path, VICTIMCARE_SECURE="1")
    assert result.returncode != 0
    assert "VICTIMCARE_EMAIL_BACKEND and VICTIMCARE_SMS_BACKEND are file" in result.stderr
    allowed = load_settings(tmp_path, VICTIMCARE_SECURE="1", VICTIMCARE_ALLOW_FILE_MESSAGES="1")
    assert allowed.returncode == 0, allowed.stderr
    chosen = load_settings(
        tmp_path,
        VICTIMCARE_SECURE="1",
        VICTIMCARE_EMAIL_BACKEND="smtp",
        VICTIMCARE_SMS_BACKEND="console",
    )
    assert chosen.returncode == 0, chosen.stderr


def test_a_trusted_proxy_turns_on_the_forwarded_headers(tmp_path):
    result = load_settings(
        tmp_path,
        VICTIMCARE_TRUSTED_PROXY="1",
        VICTIMCARE_CSRF_TRUSTED_ORIGINS="https://victimcare.police.example",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
        "True",
        "['https://victimcare.police.example']",
        "1",
        "development",
    ]


def test_the_var_folder_is_created_private_and_an_old_one_is_tightened(monkeypatch, tmp_path):
    monkeypatch.setenv("VICTIMCARE_VAR_DIR", str(tmp_path / "new"))
    assert mode(env.var_dir()) == 0o700
    old = tmp_path / "old"
    old.mkdir(mode=0o755)
    old.chmod(0o755)
    monkeypatch.setenv("VICTIMCARE_VAR_DIR", str(old))
    assert mode(env.var_dir()) == 0o700


def test_the_generated_secret_key_is_private_and_kept(monkeypatch, tmp_path):
    monkeypatch.delenv("VICTIMCARE_SECRET_KEY", raising=False)
    key = env.secret_key(tmp_path)
    assert len(key) > 40
    assert mode(tmp_path / "secret_key") == 0o600
    (tmp_path / "secret_key").chmod(0o644)  # written by an older version
    assert env.secret_key(tmp_path) == key
    assert mode(tmp_path / "secret_key") == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


def test_the_sqlite_database_and_its_wal_files_are_private(tmp_path):
    config = env.sqlite_config(tmp_path / "victimcare.sqlite3")
    database = Path(config["NAME"])
    assert mode(database) == 0o600
    old_umask = os.umask(0o022)  # the usual umask, under which SQLite would make 0644 files
    try:
        connection = sqlite3.connect(database)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE t (x)")
        connection.execute("INSERT INTO t VALUES (1)")
        connection.commit()
        for suffix in ("-wal", "-shm"):
            assert mode(database.with_name(database.name + suffix)) == 0o600, suffix
        connection.close()
    finally:
        os.umask(old_umask)


def test_an_existing_database_made_readable_by_others_is_tightened(tmp_path):
    database = tmp_path / "victimcare.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        path = tmp_path / f"victimcare.sqlite3{suffix}"
        path.write_bytes(b"")
        path.chmod(0o644)
    env.sqlite_config(database)
    assert {mode(p) for p in tmp_path.iterdir()} == {0o600}
