"""Reading settings from the environment.

Settings come from environment variables only; with none set, victimcare runs on an
embedded SQLite database under ``var/`` in the current directory. Nothing here reads
Django settings, so it is safe to import anywhere.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

# Every environment variable victimcare reads, with what it does. tests/test_docs.py checks
# that each one is documented in README.md.
SETTINGS_DOC: dict[str, str] = {
    "DATABASE_URL": "Database to use, e.g. postgres://user@host:5432/victimcare. "
    "Default: SQLite at $VICTIMCARE_VAR_DIR/victimcare.sqlite3.",
    "VICTIMCARE_VAR_DIR": "Folder for the embedded database, secret key and generated files. "
    "Default: ./var",
    "VICTIMCARE_SECRET_KEY": "Django secret key. Default: generated once into "
    "$VICTIMCARE_VAR_DIR/secret_key.",
    "VICTIMCARE_DEBUG": "1 to turn on Django debug pages (never in production). Default: 0.",
    "VICTIMCARE_ALLOWED_HOSTS": "Comma-separated host names served. Default: 127.0.0.1,localhost.",
    "VICTIMCARE_SECURE": "1 when served over HTTPS: secure cookies and HSTS. Default: 0.",
    "VICTIMCARE_SERVICE_NAME": "Service name in the header of public pages. "
    "Default: Report and track a crime.",
    "VICTIMCARE_DEMO_PASSWORD": "Password given to the demo staff logins by `victimcare seed`. "
    "Default: victimcare-demo.",
    "VICTIMCARE_LOGIN_FAILURE_LIMIT": "Failed sign-ins (wrong passwords or codes) before an "
    "account, or an address, is locked out. Default: 5.",
    "VICTIMCARE_LOCKOUT_MINUTES": "How long a sign-in lockout lasts. Default: 15.",
    "VICTIMCARE_STAFF_IDLE_MINUTES": "Minutes without a request before a staff member is "
    "signed out. Default: 30.",
    "VICTIMCARE_LOG_LEVEL": "Logging level. Default: INFO.",
    "VICTIMCARE_OPEN_DATA_THRESHOLD": "Cells of open data and report packs resting on fewer "
    "responses than this are suppressed. Default: 30.",
    # Notifications, reporting and Track my case.
    "VICTIMCARE_PUBLIC_URL": "Address of the site as victims reach it, for links in messages. "
    "Default: http://127.0.0.1:8000.",
    "VICTIMCARE_EMAIL_BACKEND": "How email is sent: smtp, console, or file (into "
    "$VICTIMCARE_VAR_DIR/email). Default: file.",
    "VICTIMCARE_EMAIL_HOST": "SMTP server when VICTIMCARE_EMAIL_BACKEND=smtp. Default: localhost.",
    "VICTIMCARE_EMAIL_PORT": "SMTP port. Default: 25.",
    "VICTIMCARE_EMAIL_FROM": "Sender address of email to victims. Default: victimcare@localhost.",
    "VICTIMCARE_SMS_BACKEND": "How text messages are sent: file (into $VICTIMCARE_VAR_DIR/sms/"
    "outbox.jsonl), console or memory (tests). Default: file.",
    "VICTIMCARE_NOTIFICATION_ATTEMPTS": "Delivery attempts before a message is marked failed. "
    "Default: 5.",
    "VICTIMCARE_TRACK_CODE_MINUTES": "How long a Track my case sign-in code lasts. Default: 10.",
    "VICTIMCARE_TRACK_SESSION_MINUTES": "Idle minutes before a Track my case session ends. "
    "Default: 30.",
    "VICTIMCARE_REPORT_DRAFTS_PER_HOUR": "Online reports that may be started from one address "
    "in an hour; past it the start page asks the victim to try later or call 101. Default: 20.",
    "VICTIMCARE_REBUILD_WORKERS": "Database connections that share a rebuild of 200,000 cases "
    "or more (`victimcare care rebuild`, PostgreSQL); about the database server's processor "
    "cores. 1 rebuilds in one connection. Default: 2.",
}


class SettingsError(Exception):
    """A setting from the environment is unusable; the message says which and why."""


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be 1 or 0 (got {raw!r})")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number (got {raw!r})") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if not raw:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def var_dir() -> Path:
    path = Path(env_str("VICTIMCARE_VAR_DIR", "var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def secret_key(folder: Path) -> str:
    """The secret key from the environment, or one generated once and kept under var/."""
    key = env_str("VICTIMCARE_SECRET_KEY")
    if key:
        return key
    key_file = folder / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def database_config(folder: Path) -> dict:
    """The DATABASES['default'] entry: SQLite under var/ unless DATABASE_URL says otherwise."""
    url = env_str("DATABASE_URL").strip()
    if not url:
        return sqlite_config(folder / "victimcare.sqlite3")
    import dj_database_url

    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise SettingsError(
            "DATABASE_URL must start with postgres:// or sqlite:/// "
            f"(got a URL with scheme {scheme or 'none'!r})"
        )
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except Exception as error:  # dj-database-url raises several types
        raise SettingsError(f"DATABASE_URL cannot be read: {error}") from None
    if config["ENGINE"].endswith("sqlite3"):
        return sqlite_config(Path(config["NAME"]))
    if not config.get("NAME"):
        raise SettingsError("DATABASE_URL names no database (add /DBNAME at the end)")
    config.setdefault("OPTIONS", {})["connect_timeout"] = 5
    return config


def sqlite_config(path: Path) -> dict:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            # WAL lets the web process read while the worker writes.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }
