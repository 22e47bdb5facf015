"""Reading settings from the environment.

Settings come from environment variables only; with none set, victimcare runs on an
embedded SQLite database under ``var/`` in the current directory. Nothing here reads
Django settings, so it is safe to import anywhere.
"""

from __future__ import annotations

import os
import secrets
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

# Private files and folders (0600/0700) are core's, so apps use them without importing config.
from victimcare.core.errors import SettingsError
from victimcare.core.private_files import (
    PRIVATE_FILE_MODE,
    private_dir,
    private_file_create,
    private_mode_ensure,
)

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
    "VICTIMCARE_DEMO_AS_OF": "The day (YYYY-MM-DD) the demo world's year of activity runs "
    "up to, so a build can be repeated exactly. Default: the day it is built (London).",
    "VICTIMCARE_LOGIN_FAILURE_LIMIT": "Failed sign-ins (wrong passwords or codes) before an "
    "account, or an address, is locked out. Default: 5.",
    "VICTIMCARE_LOCKOUT_MINUTES": "How long a sign-in lockout lasts. Default: 15.",
    "VICTIMCARE_STAFF_IDLE_MINUTES": "Minutes without a request before a staff member is "
    "signed out. Default: 30.",
    "VICTIMCARE_LOG_LEVEL": "Logging level. Default: INFO.",
    "VICTIMCARE_OPEN_DATA_THRESHOLD": "Cells of open data and report packs resting on fewer "
    "responses than this are suppressed. Default: 30.",
    "VICTIMCARE_PEER_GROUPS_FILE": "Peer lists (each force's most similar forces) file that "
    "`victimcare peer-groups` and the demo load, with its source and date. Default: the "
    "illustrative groups in forces/data/peer_groups.json.",
    "VICTIMCARE_CSEW_FILE": "Crime Survey for England and Wales benchmark file drawn as a "
    "reference line on the satisfaction trend. Default: oversight/data/csew.json.",
    # Notifications, reporting and Track my case.
    "VICTIMCARE_PUBLIC_URL": "Address of the site as victims reach it, for links in messages. "
    "Default: http://127.0.0.1:8000.",
    "VICTIMCARE_EMAIL_BACKEND": "How email is sent: smtp, console, or file (into "
    "$VICTIMCARE_VAR_DIR/email; development and the demo only: files 0600, kept 7 days, "
    "never a sign-in code). Default: file.",
    "VICTIMCARE_EMAIL_HOST": "SMTP server when VICTIMCARE_EMAIL_BACKEND=smtp. Default: localhost.",
    "VICTIMCARE_EMAIL_PORT": "SMTP port. Default: 25.",
    "VICTIMCARE_EMAIL_FROM": "Sender address of email to victims. Default: victimcare@localhost.",
    "VICTIMCARE_SMS_BACKEND": "How text messages are sent: file (a file a day, "
    "$VICTIMCARE_VAR_DIR/sms/outbox-YYYY-MM-DD.jsonl; development and the demo only), console "
    "or memory (tests). Default: file.",
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
    # Deployment behind a TLS proxy, and files holding personal data.
    "VICTIMCARE_TRUSTED_PROXY": "How many reverse proxies you run in front of victimcare "
    "(0: none). From 1, their X-Forwarded-Proto says whether the request came over HTTPS, "
    "X-Forwarded-Host gives the host, and the client address is read from X-Forwarded-For "
    "(the entry that many places from the right) for sign-in lockouts and rate limits. "
    "Set it only when every request passes through those proxies. Default: 0.",
    "VICTIMCARE_CSRF_TRUSTED_ORIGINS": "Comma-separated origins (scheme and host, e.g. "
    "https://victimcare.police.example) from which forms may be posted, when the site is "
    "reached by another host name than the one served (e.g. behind a proxy). Default: none.",
    "VICTIMCARE_ENVIRONMENT": "production or development. Production refuses to start with "
    "the file email or SMS backends (they keep personal data in files). Default: production "
    "when VICTIMCARE_SECURE=1 and VICTIMCARE_DEBUG is off, else development.",
    "VICTIMCARE_ALLOW_FILE_MESSAGES": "1 lets production run with the file email or SMS "
    "backends anyway (a closed test environment). Default: 0.",
}


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


def env_date(name: str) -> date | None:
    """A calendar day given as YYYY-MM-DD, or None when the variable is unset or empty."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a date as YYYY-MM-DD (got {raw!r})") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if not raw:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def var_dir() -> Path:
    return private_dir(Path(env_str("VICTIMCARE_VAR_DIR", "var")).resolve())


def secret_key(folder: Path) -> str:
    """The secret key from the environment, or one generated once and kept under var/ (0600)."""
    key = env_str("VICTIMCARE_SECRET_KEY")
    if key:
        return key
    key_file = folder / "secret_key"
    if not key_file.exists():
        # Written whole under another name, then linked into place: a second process
        # starting at the same moment reads the first one's key, never a half-written file.
        temporary = folder / f".secret_key.{os.getpid()}"
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        with os.fdopen(os.open(temporary, flags, PRIVATE_FILE_MODE), "w") as file:
            file.write(secrets.token_urlsafe(50))
        try:
            os.link(temporary, key_file)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    private_mode_ensure(key_file, PRIVATE_FILE_MODE)
    return key_file.read_text().strip()


def trusted_proxy_count() -> int:
    """VICTIMCARE_TRUSTED_PROXY: how many reverse proxies stand in front of victimcare."""
    raw = env_str("VICTIMCARE_TRUSTED_PROXY").strip()
    if not raw:
        return 0
    if not raw.isdigit() or int(raw) > 9:
        raise SettingsError(
            "VICTIMCARE_TRUSTED_PROXY must be how many reverse proxies are in front of "
            f"victimcare, from 0 to 9; 1 for a single proxy (got {raw!r})"
        )
    return int(raw)


def csrf_trusted_origins() -> list[str]:
    """VICTIMCARE_CSRF_TRUSTED_ORIGINS, each checked to be an origin: scheme and host only."""
    origins = env_list("VICTIMCARE_CSRF_TRUSTED_ORIGINS", [])
    for origin in origins:
        parts = urlsplit(origin)
        if parts.scheme not in {"https", "http"} or not parts.netloc:
            problem = "it has no scheme: start it with https://"
        elif parts.path or parts.query or parts.fragment:
            problem = "an origin has no path: end it after the host name (and port)"
        else:
            continue
        raise SettingsError(
            f"VICTIMCARE_CSRF_TRUSTED_ORIGINS: {origin!r} is not an origin ({problem}), "
            "e.g. https://victimcare.police.example"
        )
    return origins


ENVIRONMENTS = ("production", "development")


def environment() -> str:
    """production or development: VICTIMCARE_ENVIRONMENT, else production when the site is
    served over HTTPS (VICTIMCARE_SECURE=1) without debug pages."""
    raw = env_str("VICTIMCARE_ENVIRONMENT").strip().lower()
    if raw:
        if raw not in ENVIRONMENTS:
            raise SettingsError(
                f"VICTIMCARE_ENVIRONMENT must be production or development (got {raw!r})"
            )
        return raw
    secure = env_bool("VICTIMCARE_SECURE", False)
    return "production" if secure and not env_bool("VICTIMCARE_DEBUG", False) else "development"


def file_messages_check(*, environment: str, file_backends: list[str]) -> None:
    """Production refuses to start with a backend that writes messages to files.

    Those backends are for development and the demo: messages to victims hold their
    addresses and what we tell them. VICTIMCARE_ALLOW_FILE_MESSAGES=1 overrides.
    """
    if environment != "production" or not file_backends:
        return
    if env_bool("VICTIMCARE_ALLOW_FILE_MESSAGES", False):
        return
    raise SettingsError(
        f"{' and '.join(file_backends)} {'is' if len(file_backends) == 1 else 'are'} file, "
        "which keeps victims' messages in files: in production choose another backend "
        "(e.g. VICTIMCARE_EMAIL_BACKEND=smtp), or set VICTIMCARE_ALLOW_FILE_MESSAGES=1"
    )


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
    except Exception as error:  # noqa: BLE001 (dj-database-url raises several types)
        raise SettingsError(f"DATABASE_URL cannot be read: {error}") from None
    if config["ENGINE"].endswith("sqlite3"):
        return sqlite_config(Path(config["NAME"]))
    if not config.get("NAME"):
        raise SettingsError("DATABASE_URL names no database (add /DBNAME at the end)")
    config.setdefault("OPTIONS", {})["connect_timeout"] = 5
    return dict(config)


def sqlite_file_prepare(path: Path) -> None:
    """The SQLite database (and its -wal, -shm and -journal files) readable by this user only.

    The database is created 0600 before SQLite first opens it: SQLite gives the files it
    adds beside it the database's own mode.
    """
    if str(path) in {"", ":memory:"} or not path.parent.is_dir():
        return
    private_file_create(path)
    for suffix in ("", "-wal", "-shm", "-journal"):
        private_mode_ensure(path.with_name(path.name + suffix), PRIVATE_FILE_MODE)


def sqlite_config(path: Path) -> dict:
    sqlite_file_prepare(path)
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
