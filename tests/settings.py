"""Settings for the test suite: SQLite by default, PostgreSQL / Redis from the env.

DATABASE_URL=postgres://... runs the suite on PostgreSQL; REDIS_URL adds a
Redis cache alias ("redis") used by the secondary-storage tests.
"""

from __future__ import annotations

import os

import dj_database_url

DEBUG = False
SECRET_KEY = "test-django-secret-key-not-for-production-0123456789"
ALLOWED_HOSTS = ["*"]

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
    "better_auth.plugins.captcha",
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
    "tests.better_auth.drf_app",
]

MIDDLEWARE = [
    "better_auth.middleware.AuthAPIMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "better_auth.middleware.BetterAuthMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "tests.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "sqlite:///:memory:"),
    )
}
if "postgresql" in DATABASES["default"]["ENGINE"]:
    # A name per test process, so parallel runs on one server never collide.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("TEST_DATABASE_NAME", f"test_better_auth_{os.getpid()}")
    }
    # Prepare the request path's statements on their first run, so every
    # test on PostgreSQL goes through server-side binding
    # (better_auth.storage.statements).
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 0

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS_URL = os.environ.get("REDIS_URL")
if REDIS_URL:
    CACHES["redis"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        # Per-process prefix: parallel runs share one Redis server.
        "KEY_PREFIX": f"test-{os.getpid()}",
    }

AUTH_USER_MODEL = "better_auth.User"
# Fast hashers keep the suite quick; the production choice is the project's.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "better_auth.hashers.BetterAuthScryptPasswordHasher",
]

BETTER_AUTH = {
    "SECRET": "test-better-auth-secret-0123456789-abcdefghijklmnop",
    "BASE_URL": "http://testserver",
    "RATE_LIMIT": {"ENABLED": False},
}

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
CELERY_TASK_ALWAYS_EAGER = True
