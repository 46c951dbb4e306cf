"""SocialGuard settings: one module, configured from environment variables (DESIGN.md)."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


DATA_DIR = Path(os.environ.get("SOCIALGUARD_DATA_DIR") or "./var").resolve()


def secret_from_env_or_file(env_name: str, filename: str, nbytes: int) -> str:
    """Read a secret from the environment, or from the data directory, creating it (mode 0600)."""
    value = os.environ.get(env_name)
    if value:
        return value
    DATA_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = DATA_DIR / filename
    if not path.exists():
        # Write-then-rename so a crash never leaves a half-written key.
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(nbytes))
        os.replace(tmp, path)
    return path.read_text().strip()


DEBUG = env_bool("SOCIALGUARD_DEBUG", False)
PRODUCTION = env_bool("SOCIALGUARD_PRODUCTION", False)
SECRET_KEY = secret_from_env_or_file("SOCIALGUARD_SECRET_KEY", "secret.key", 50)
MASTER_KEY = secret_from_env_or_file("SOCIALGUARD_MASTER_KEY", "master.key", 32)
# Seals the audit chain (HMAC): kept outside the database, so the chain cannot be recomputed.
AUDIT_KEY = secret_from_env_or_file("SOCIALGUARD_AUDIT_KEY", "audit.key", 32)
POLICY_PACK = os.environ.get("SOCIALGUARD_POLICY_PACK") or str(
    BASE_DIR / "policy" / "packs" / "st-martins.toml"
)
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("SOCIALGUARD_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(
        ","
    )
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip()
    for o in os.environ.get("SOCIALGUARD_CSRF_TRUSTED_ORIGINS", "").split(",")
    if o.strip()
]
SITE_URL = os.environ.get("SOCIALGUARD_SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    # Swagger UI and Redoc from the package's own static files (no CDN under the strict CSP).
    "ninja",
    "socialguard.audit",
    "socialguard.policy",
    "socialguard.people",
    "socialguard.web",
    "socialguard.casework",
    "socialguard.publishing",
    "socialguard.consent",
    "socialguard.contact",
    "socialguard.declarations",
    "socialguard.monitoring",
    "socialguard.records",
]

MIDDLEWARE = [
    "socialguard.web.middleware.RequestIdMiddleware",
    "socialguard.web.logs.LogContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "socialguard.web.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "socialguard.web.middleware.AuditContextMiddleware",
    "socialguard.people.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "socialguard.urls"
WSGI_APPLICATION = "socialguard.wsgi.application"

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
                "socialguard.web.context_processors.shell",
            ],
        },
    }
]

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'socialguard.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("SOCIALGUARD_TEST_DB") or None}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lockout (django-axes): five failures for one username *from one address* lock that pair for
# 15 minutes. By username alone, an outsider could lock the DSL out at school; by address alone,
# one pupil could lock out the whole staff (a school shares one public address).
AXES_FAILURE_LIMIT = env_int("SOCIALGUARD_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("SOCIALGUARD_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_LOCKOUT_TEMPLATE = "people/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

SESSION_COOKIE_AGE = env_int("SOCIALGUARD_SESSION_MINUTES", 60) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
CSRF_FAILURE_VIEW = "socialguard.web.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SOCIALGUARD_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
else:
    # The demo runs on http://: `check --deploy` says once that SOCIALGUARD_PRODUCTION is off
    # (socialguard.W004), instead of Django's four warnings about the settings it turns on.
    SILENCED_SYSTEM_CHECKS = [
        *globals().get("SILENCED_SYSTEM_CHECKS", []),
        *("security.W004", "security.W008", "security.W012", "security.W016"),
    ]

OTP_TOTP_ISSUER = "SocialGuard"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "files"), "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_DIR / "files"
# Storage (collectstatic included) sets these modes itself, whatever the umask: private too.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
UPLOAD_MAX_BYTES = env_int("SOCIALGUARD_UPLOAD_MAX_MB", 25) * 1024 * 1024
# The most pixels an image may have (evidence, photo checks, drafts); see socialguard/web/images.py.
MAX_IMAGE_MEGAPIXELS = env_int("SOCIALGUARD_MAX_IMAGE_MEGAPIXELS", 50)
# A non-file request body: the API takes evidence as base64 in JSON, a third larger than the file,
# so the body may be that big (plus room for the other fields), and no bigger.
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES * 4 // 3 + 1024 * 1024
FILE_UPLOAD_TEMP_DIR = None

TASKS = {
    "default": {
        "BACKEND": os.environ.get("SOCIALGUARD_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

EMAIL_URL = os.environ.get("EMAIL_URL", "")
if EMAIL_URL:
    from urllib.parse import unquote, urlparse

    _email = urlparse(EMAIL_URL)
    if _email.scheme not in {"smtp", "smtps", "submission"}:
        raise ImproperlyConfigured("EMAIL_URL must start with smtp://, smtps:// or submission://")
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _email.hostname or "localhost"
    EMAIL_PORT = _email.port or {"smtp": 25, "smtps": 465, "submission": 587}[_email.scheme]
    EMAIL_HOST_USER = unquote(_email.username or "")
    EMAIL_HOST_PASSWORD = unquote(_email.password or "")
    EMAIL_USE_SSL = _email.scheme == "smtps"
    EMAIL_USE_TLS = _email.scheme == "submission"
else:
    # No mail server yet (the demo, a first install): one .eml file per email in DATA_DIR/mail,
    # never the server log. `socialguard check --deploy` warns until EMAIL_URL is set.
    EMAIL_BACKEND = os.environ.get(
        "SOCIALGUARD_EMAIL_BACKEND", "socialguard.web.mail.FileEmailBackend"
    )
EMAIL_FILE_PATH = DATA_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("SOCIALGUARD_FROM_EMAIL", "SocialGuard <socialguard@localhost>")

# Logs carry no personal data: request ids, URL names, exception types and frames, never a path,
# a query, an exception's message or an email address (socialguard/web/logs.py). Django's own
# loggers lose Django's default handlers (which print the path and, with ADMINS set, email the
# request with its POST data).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"private": {"()": "socialguard.web.logs.PrivateFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "private"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SOCIALGUARD_LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # No handlers of their own: Django's records reach the root's private handler only.
        "django": {"handlers": [], "level": "INFO"},
        "django.request": {"level": "ERROR"},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
    },
}
