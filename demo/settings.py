"""Settings of the demo project: every app of the suite, SQLite by default.

Environment: DATABASE_URL (sqlite:///path or postgres://...), BETTER_AUTH_URL
(the public base URL; the OAuth provider's login page is its root and its
consent page /consent/), BETTER_AUTH_SECRET, REDIS_URL (sessions and rate
limits in Redis when set), DJANGO_DEBUG.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "demo-only-insecure-django-secret-key")
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "oauth2_provider",
    "better_auth",
    "better_auth.plugins.organization",
    "better_auth.plugins.two_factor",
    "better_auth.plugins.magic_link",
    "better_auth.plugins.email_otp",
    "better_auth.plugins.jwt",
    "better_auth.plugins.bearer",
    "better_auth.plugins.multi_session",
    "better_auth.plugins.admin",
    "better_auth.plugins.username",
    "better_auth.plugins.anonymous",
    "better_auth_oauth_provider",
    "better_auth_sso",
    "better_auth_scim",
    "better_auth_i18n",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves /api/auth/ before the session, CSRF and messages middleware,
    # none of which the auth API uses.
    "better_auth.middleware.AuthAPIMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "better_auth.middleware.BetterAuthMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "demo.urls"
WSGI_APPLICATION = "demo.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'demo.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if "postgresql" in DATABASES["default"]["ENGINE"]:
    # PostgreSQL keeps the request path's few statements prepared per
    # connection (better_auth.storage.statements; docs/deployment.md). Set
    # DB_PREPARE_THRESHOLD=off behind a pooler that cannot carry them.
    _threshold = os.environ.get("DB_PREPARE_THRESHOLD", "5")
    if _threshold != "off":
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = int(
            _threshold
        )

REDIS_URL = os.environ.get("REDIS_URL")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if REDIS_URL:
    CACHES["redis"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
    }

AUTH_USER_MODEL = "better_auth.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "better_auth.hashers.BetterAuthScryptPasswordHasher",
]

BETTER_AUTH_URL = os.environ.get("BETTER_AUTH_URL", "http://127.0.0.1:8000").rstrip("/")
BETTER_AUTH = {
    "SECRET": os.environ.get(
        "BETTER_AUTH_SECRET", "demo-only-better-auth-secret-change-me-0123456789"
    ),
    "BASE_URL": BETTER_AUTH_URL,
    "TRUSTED_ORIGINS": ["http://localhost:8000"],
    "RATE_LIMIT": {"STORAGE": "cache" if REDIS_URL else "database"},
    # The demo is the login provider of demo/example_rp.py (manage.py
    # seed_demo_client registers it): the demo page signs the user in and
    # continues the authorization, demo/templates/demo/consent.html asks for
    # consent (clients without skip_consent). The login page may name the
    # client before sign-in (public-client-prelogin, signed query required).
    "OAUTH_PROVIDER": {
        "LOGIN_PAGE": f"{BETTER_AUTH_URL}/",
        "CONSENT_PAGE": f"{BETTER_AUTH_URL}/consent/",
        "ALLOW_PUBLIC_CLIENT_PRELOGIN": True,
    },
}
if REDIS_URL:
    BETTER_AUTH["SECONDARY_STORAGE"] = "redis"

# Sign in with an OpenID provider of your own: with DEMO_OIDC_DISCOVERY_URL and
# DEMO_OIDC_CLIENT_ID set (DEMO_OIDC_CLIENT_SECRET for a confidential client,
# DEMO_OIDC_PROVIDER_ID, default "oidc", and DEMO_OIDC_NAME for the button),
# the demo page shows a "Sign in with ..." button. Register
# <BETTER_AUTH_URL>/api/auth/callback/<provider id> as its redirect URI.
if os.environ.get("DEMO_OIDC_DISCOVERY_URL"):
    _oidc_id = os.environ.get("DEMO_OIDC_PROVIDER_ID") or "oidc"
    BETTER_AUTH["GENERIC_OAUTH"] = [
        {
            "PROVIDER_ID": _oidc_id,
            "NAME": os.environ.get("DEMO_OIDC_NAME") or _oidc_id,
            "DISCOVERY_URL": os.environ["DEMO_OIDC_DISCOVERY_URL"],
            "CLIENT_ID": os.environ.get("DEMO_OIDC_CLIENT_ID", ""),
            "CLIENT_SECRET": os.environ.get("DEMO_OIDC_CLIENT_SECRET") or None,
            "SCOPES": ["openid", "email", "profile"],
        }
    ]

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = "demo@localhost"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"better_auth": {"handlers": ["console"], "level": "INFO"}},
}
