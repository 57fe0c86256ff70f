"""Django settings, read from ``AVISO_*`` environment variables with safe defaults."""

from __future__ import annotations

import secrets
from pathlib import Path

from django.utils.translation import gettext_lazy as _
from whitenoise.compress import Compressor

from aviso.lib.clientaddr import parse_networks
from aviso.lib.dburl import parse_database_url
from aviso.lib.emailurl import parse_email_url
from aviso.lib.env import envbool, envint, envlist, envstr
from aviso.lib.netguard import parse_allow
from aviso.lib.secheaders import HSTS_SECONDS, parse_proxy_header
from aviso.status.hosts import PageHosts

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(envstr("AVISO_DATA_DIR", "./data")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    configured = envstr("AVISO_SECRET_KEY")
    if configured:
        return configured
    # Generated once into the data dir so sessions survive restarts without setup.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
# Keys that seal stored secrets (aviso.lib.sealed): comma-separated, the first seals,
# every one unseals (rotation). None set: one derived from SECRET_KEY.
ENCRYPTION_KEYS = [k.strip() for k in envstr("AVISO_ENCRYPTION_KEY").split(",") if k.strip()]
DEBUG = envbool("AVISO_DEBUG", False)
BASE_URL = envstr("AVISO_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# The configured names, then every page's domain (read from the database when needed).
ALLOWED_HOSTS = PageHosts(
    envlist("AVISO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
)
CSRF_TRUSTED_ORIGINS = [BASE_URL] if BASE_URL.startswith("http") else []
# Reverse proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated).
TRUSTED_PROXIES = parse_networks(envlist("AVISO_TRUSTED_PROXIES", []))

INSTALLED_APPS = [
    # The admin as a read-only view behind the console sign-in (aviso.console.admin_site).
    "aviso.console.admin_apps.ReadOnlyAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    # django-ninja's own copy of Swagger UI: the API docs page works offline.
    "ninja",
    "aviso.status",
    "aviso.console",
    "aviso.monitors",
    "aviso.notify",
    "aviso.api",
    "aviso.publish",
    "aviso.demo",
    "aviso.config",
    "aviso.detection",
    "aviso.integrations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "aviso.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "aviso.status.routing.PageMiddleware",
    "aviso.status.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "aviso.console.middleware.OperatorLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "aviso.urls"
WSGI_APPLICATION = "aviso.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "aviso.detection.context_processors.liveness",
                "aviso.security.csp_nonce",
            ],
        },
    }
]

DATABASES = {"default": parse_database_url(envstr("AVISO_DATABASE_URL"), data_dir=DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = envstr("AVISO_REDIS_URL")
# The Chromium the ``browser`` monitor kind drives (Playwright; a system package).
BROWSER_EXECUTABLE = envstr("AVISO_BROWSER_EXECUTABLE", "/usr/bin/chromium")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/console/login/"
LOGIN_REDIRECT_URL = "/console/"

LANGUAGE_CODE = "en"
# The shipped catalogs (aviso/lib/languages.py lists them with their own names).
LANGUAGES = [
    ("en", _("English")),
    ("es", _("Spanish")),
    ("pt-br", _("Brazilian Portuguese")),
    ("fr", _("French")),
    ("de", _("German")),
    ("it", _("Italian")),
]
LANGUAGE_COOKIE_NAME = "aviso_language"
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "/static/"
# Collected static files: in the data dir unless set (several data dirs on one
# machine, or a web server that serves them itself, can share one folder).
STATIC_ROOT = Path(envstr("AVISO_STATIC_ROOT", str(DATA_DIR / "static"))).resolve()
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing one
# Source maps (django-ninja ships 15 MB of them for Swagger UI and ReDoc) are served
# as they are: compressing them was most of a collection's CPU, for files only a
# browser's developer tools ever ask for.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")
# Uploaded files (pages' logos and favicons): the data dir unless STORAGES says otherwise.
MEDIA_ROOT = Path(envstr("AVISO_MEDIA_ROOT", str(DATA_DIR / "media"))).resolve()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "aviso.storage.StaticStorage"
        )
    },
}
# Tests and `aviso up` serve static files straight from the app folders.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Sessions and cookies: secure by default, Secure flag whenever served over https.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = BASE_URL.startswith("https://")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
# Over https browsers are told to stay on it (aviso.lib.secheaders sends the same
# header from the snapshot layer).
SECURE_HSTS_SECONDS = HSTS_SECONDS if SESSION_COOKIE_SECURE else 0
# Behind a proxy that ends TLS: the header it sets (and overwrites from clients)
# to say the request came over https, e.g. "X-Forwarded-Proto" or "X-Forwarded-Proto: https".
SECURE_PROXY_SSL_HEADER = parse_proxy_header(envstr("AVISO_SECURE_PROXY_HEADER"))
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

EMAIL_URL = envstr("AVISO_EMAIL_URL")
globals().update(parse_email_url(EMAIL_URL))
DEFAULT_FROM_EMAIL = envstr("AVISO_FROM_EMAIL", "Aviso <aviso@localhost>")
# Subscriber mail checks the SMTP server's certificate (STARTTLS and SMTPS)
# against the system's CAs (or SSL_CERT_FILE); off only for a server you trust
# on a network you trust.
EMAIL_TLS_VERIFY = envbool("AVISO_EMAIL_TLS_VERIFY", True)

# The public page's bounded work: how many history months a page shows.
HISTORY_MONTHS_PER_PAGE = 3
UPTIME_DAYS = envint("AVISO_UPTIME_DAYS", 90)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": envstr("AVISO_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Each checkout gets its own PostgreSQL test database, so two test runs on one
# server (two clones, a developer and CI) never drop each other's database.
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    import hashlib

    _checkout = hashlib.sha256(str(BASE_DIR).encode()).hexdigest()[:8]
    DATABASES["default"]["TEST"] = {"NAME": envstr("AVISO_TEST_DB_NAME", f"test_aviso_{_checkout}")}

# A database that is down: the console and API answer 503 with a message (aviso.publish).
# Outside every middleware that may query (sessions, the operator's language, the
# second-factor check): a failure there comes back as a 500 it turns into the 503.
MIDDLEWARE.insert(
    MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1,
    "aviso.publish.middleware.DatabaseDownMiddleware",
)

# The console's optional TOTP two-factor sign-in (django-otp). Appended by the console.
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
OTP_TOTP_ISSUER = "Aviso"
# Console sign-in throttling (aviso.console.throttle): failures allowed before each
# further try waits, doubling from one second: per account from one address, per
# address, and per account from everywhere (not felt where the account signed in before).
CONSOLE_LOGIN_MAX_FAILURES = envint("AVISO_LOGIN_MAX_FAILURES", 5)
CONSOLE_LOGIN_MAX_FAILURES_PER_ADDRESS = envint("AVISO_LOGIN_MAX_FAILURES_PER_ADDRESS", 20)
CONSOLE_LOGIN_MAX_FAILURES_PER_ACCOUNT = envint("AVISO_LOGIN_MAX_FAILURES_PER_ACCOUNT", 20)
CONSOLE_LOGIN_MAX_DELAY_SECONDS = envint("AVISO_LOGIN_MAX_DELAY_SECONDS", 300)
# A count whose last failure is older than this starts again from zero.
CONSOLE_LOGIN_WINDOW_SECONDS = envint("AVISO_LOGIN_WINDOW_SECONDS", 900)

# The outbound address guard (aviso.lib.netguard). Probes and the Statuspage
# import may reach private addresses unless this is on (self-hosted monitoring
# usually watches internal services); cloud metadata addresses are refused to
# everything whatever it says. Addresses and networks in OUTBOUND_ALLOW pass
# every rule (a bad entry stops the start with its name).
OUTBOUND_BLOCK_PRIVATE = envbool("AVISO_OUTBOUND_BLOCK_PRIVATE", False)
try:
    OUTBOUND_ALLOW = parse_allow(envlist("AVISO_OUTBOUND_ALLOW", []))
except ValueError as _error:
    raise ValueError(f"AVISO_OUTBOUND_ALLOW: {_error}") from None
MONITOR_RESULT_RETENTION_DAYS = envint("AVISO_MONITOR_RESULT_RETENTION_DAYS", 7)

# Integrations (aviso.integrations): the mail listener for component automation by
# email (``aviso inbound-mail``) and how often the worker looks for mirrors to poll.
INBOUND_MAIL_DOMAIN = envstr("AVISO_INBOUND_MAIL_DOMAIN", "aviso.localhost")
INBOUND_MAIL_HOST = envstr("AVISO_INBOUND_MAIL_HOST", "127.0.0.1")
INBOUND_MAIL_PORT = envint("AVISO_INBOUND_MAIL_PORT", 2525)
MIRROR_POLL_SECONDS = envint("AVISO_MIRROR_POLL_SECONDS", 5)
# The Slack app calls Slack's Web API here, and answers on response_url addresses only
# under these prefixes (a response_url elsewhere is not Slack's).
SLACK_API_URL = envstr("AVISO_SLACK_API_URL", "https://slack.com/api/")
SLACK_RESPONSE_URL_PREFIXES = envlist(
    "AVISO_SLACK_RESPONSE_URL_PREFIXES", ["https://hooks.slack.com/"]
)

# Automatic incidents and liveness (aviso.detection).
DETECTION_RESOLVE_AFTER_SECONDS = envint("AVISO_DETECTION_RESOLVE_AFTER_SECONDS", 300)
DETECTION_FLAP_CHANGES = envint("AVISO_DETECTION_FLAP_CHANGES", 3)
DETECTION_FLAP_WINDOW_CHECKS = envint("AVISO_DETECTION_FLAP_WINDOW_CHECKS", 10)
HEARTBEAT_SECONDS = envint("AVISO_HEARTBEAT_SECONDS", 10)
# Tries of one outbox handler on one event before it is dead (console, metric, alert).
OUTBOX_MAX_TRIES = envint("AVISO_OUTBOX_MAX_TRIES", 12)
# `aviso up`: the longest wait before restarting a child that keeps dying.
RESTART_MAX_BACKOFF_SECONDS = envint("AVISO_RESTART_MAX_BACKOFF_SECONDS", 30)
METRICS_TOKEN = envstr("AVISO_METRICS_TOKEN")

# The seed's incidents replayed end to end (`aviso scenario NAME`). Appended by scenarios.
INSTALLED_APPS += ["aviso.scenarios"]
