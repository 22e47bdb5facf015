"""Django settings for victimcare, read from the environment (see config/env.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from csp.constants import NONCE, NONE, SELF

from victimcare.config.env import (
    SettingsError,
    csrf_trusted_origins,
    database_config,
    env_bool,
    env_date,
    env_int,
    env_list,
    env_str,
    environment,
    file_messages_check,
    secret_key,
    trusted_proxy_count,
    var_dir,
)

PACKAGE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = var_dir()

SECRET_KEY = secret_key(VAR_DIR)
DEBUG = env_bool("VICTIMCARE_DEBUG", False)
ALLOWED_HOSTS = env_list("VICTIMCARE_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "govuk_frontend_django",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "victimcare.core",
    "victimcare.forces",
    "victimcare.accounts",
    "victimcare.cases",
    "victimcare.audit",
    "victimcare.notifications",
    "victimcare.intake",
    "victimcare.portal",
    "victimcare.care",
    "victimcare.surveys",
    "victimcare.oversight",
    "victimcare.training",
    "victimcare.demo",
]

MIDDLEWARE = [
    "victimcare.core.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise: static files keep their own caching and need no policy.
    "victimcare.core.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "victimcare.core.middleware.RejectNulCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Staff sessions: signed out when idle; not signed in until the second factor is given.
    "victimcare.accounts.middleware.StaffIdleTimeoutMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "victimcare.accounts.middleware.StaffTwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "victimcare.config.urls"
WSGI_APPLICATION = "victimcare.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "victimcare.core.context_processors.site",
            ],
        },
    },
]

DATABASES = {"default": database_config(VAR_DIR)}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Statements run through cases/_prepared.py (the hot plain SQL of reporting) are
    # prepared on a connection from their second run there. Django's own queries use
    # client-side binding and are never prepared.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 2
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:sign-in"
LOGIN_REDIRECT_URL = "core:staff-home"
LOGOUT_REDIRECT_URL = "accounts:sign-in"

# Sign-in throttling: a lockout after repeated failures (wrong passwords and wrong codes
# alike), the same message whether or not the account exists. Failures are counted per
# username and, separately, per address: either reaching the limit locks. A success never
# resets them here (axes would clear every failure from the address, those against other
# accounts too); the second-factor step clears only the signed-in username's own failures
# (accounts/lockout.py).
AXES_FAILURE_LIMIT = env_int("VICTIMCARE_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("VICTIMCARE_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# Two-factor sign-in for staff (django-otp): an authenticator app's code after the
# password, recovery codes as the fallback (accounts/middleware.py, accounts/views.py).
OTP_TOTP_ISSUER = "victimcare"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Wrong codes are limited by the sign-in lockout above (they count as failed sign-ins), so
# django-otp's own back-off, which would refuse even the right code for a few seconds
# after a wrong one, is off: one limit, one message.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# A staff session ends after this many minutes without a request, and after 8 hours in all.
STAFF_IDLE_MINUTES = env_int("VICTIMCARE_STAFF_IDLE_MINUTES", 30)
SESSION_COOKIE_AGE = 60 * 60 * 8
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SECURE = env_bool("VICTIMCARE_SECURE", False)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_HSTS_SECONDS = 31536000 if SECURE else 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English")]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files straight from the apps' folders (no collectstatic step needed).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

SERVICE_NAME = env_str("VICTIMCARE_SERVICE_NAME", "Report and track a crime")
DEMO_PASSWORD = env_str("VICTIMCARE_DEMO_PASSWORD", "victimcare-demo")
# The last day of the demo world's year of activity; None: the day it is built (London).
DEMO_AS_OF = env_date("VICTIMCARE_DEMO_AS_OF")
OPEN_DATA_THRESHOLD = env_int("VICTIMCARE_OPEN_DATA_THRESHOLD", 30)
PEER_GROUPS_FILE = env_str("VICTIMCARE_PEER_GROUPS_FILE", "")
CSEW_BENCHMARK_FILE = env_str("VICTIMCARE_CSEW_FILE", "")
# How long a worker process trusts a records-system token it has checked (accounts/
# api_auth.py): a revoked token stops working within this many seconds. 0: every request.
API_TOKEN_CACHE_SECONDS = 5

# Logs carry ids and references, never victims' personal data.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("VICTIMCARE_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}},
}

# --- Notifications, reporting and Track my case (apps: notifications, intake, portal) ----
# Every value comes from the environment; see SETTINGS_DOC in config/env.py and README.md.
PUBLIC_URL = env_str("VICTIMCARE_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
_EMAIL_BACKENDS = {
    # Django's console and file backends, wrapped: messages carrying a sign-in code or a
    # single-use link are written without their text; files are 0600 and kept 7 days.
    "console": "victimcare.notifications.backends.ConsoleEmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "file": "victimcare.notifications.backends.FileEmailBackend",
}
_SMS_BACKENDS = {
    "console": "victimcare.notifications.backends.ConsoleSmsClient",
    "file": "victimcare.notifications.backends.FileSmsClient",
    "memory": "victimcare.notifications.backends.MemorySmsClient",
}


def _backend_choice(name: str, table: dict[str, str], default: str) -> str:
    choice = env_str(name, default).strip().lower() or default
    if choice not in table:
        raise SettingsError(f"{name} must be one of {', '.join(table)} (got {choice!r})")
    return table[choice]


EMAIL_BACKEND = _backend_choice("VICTIMCARE_EMAIL_BACKEND", _EMAIL_BACKENDS, "file")
EMAIL_FILE_PATH = VAR_DIR / "email"
EMAIL_HOST = env_str("VICTIMCARE_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("VICTIMCARE_EMAIL_PORT", 25)
# An SMTP server that stops answering fails the attempt (retried) well within the time
# after which an unfinished delivery counts as cut off (notifications.services.CLAIM_SECONDS).
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = env_str("VICTIMCARE_EMAIL_FROM", "victimcare@localhost")
NOTIFICATIONS_SMS_BACKEND = _backend_choice("VICTIMCARE_SMS_BACKEND", _SMS_BACKENDS, "file")
NOTIFICATIONS_SMS_DIR = VAR_DIR / "sms"
NOTIFICATIONS_LETTER_DIR = VAR_DIR / "letters"
NOTIFICATIONS_MAX_ATTEMPTS = env_int("VICTIMCARE_NOTIFICATION_ATTEMPTS", 5)
TRACK_CODE_MINUTES = env_int("VICTIMCARE_TRACK_CODE_MINUTES", 10)
TRACK_SESSION_MINUTES = env_int("VICTIMCARE_TRACK_SESSION_MINUTES", 30)
REPORT_DRAFT_DAYS = 7
REPORT_DRAFTS_PER_HOUR = env_int("VICTIMCARE_REPORT_DRAFTS_PER_HOUR", 20)
# Connections sharing a large rebuild of the Victims' Code clock (PostgreSQL).
CARE_REBUILD_WORKERS = max(1, env_int("VICTIMCARE_REBUILD_WORKERS", 2))
# --- end of notifications, reporting and Track my case -----------------------------------

# --- Security headers, HTTPS behind a proxy, files with personal data ---------------------
# Content-Security-Policy (django-csp): scripts and styles from this site only; the one
# inline script (GOV.UK's js-enabled class, which must run before the page is drawn)
# carries the request's nonce. No 'unsafe-inline' or 'unsafe-eval' anywhere. Charts are
# inline SVG markup with presentation attributes, not images and not style attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
# Behind TLS-terminating reverse proxies (VICTIMCARE_TRUSTED_PROXY = how many): their
# X-Forwarded-Proto and X-Forwarded-Host are believed, and TrustedProxyMiddleware puts the
# client's address from X-Forwarded-For in REMOTE_ADDR, which is what sign-in lockouts
# (django-axes, without django-ipware) and Track my case's rate limits read.
TRUSTED_PROXY_COUNT = trusted_proxy_count()
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)  # never a header a client could forge
CSRF_TRUSTED_ORIGINS = csrf_trusted_origins()
# Files with personal data: messages written by the development backends stay 7 days, in
# folders only victimcare's user can enter; production refuses those backends.
ENVIRONMENT = environment()
MESSAGE_FILES_KEEP_DAYS = 7
file_messages_check(
    environment=ENVIRONMENT,
    file_backends=[
        name
        for name, backend, file_backend in (
            ("VICTIMCARE_EMAIL_BACKEND", EMAIL_BACKEND, _EMAIL_BACKENDS["file"]),
            ("VICTIMCARE_SMS_BACKEND", NOTIFICATIONS_SMS_BACKEND, _SMS_BACKENDS["file"]),
        )
        if backend == file_backend
    ],
)
# --- end of security headers, proxy and files ---------------------------------------------
