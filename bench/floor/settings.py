"""Settings of the floor project: no apps, no middleware, one view.

It reads the database and secret the demo does (``DATABASE_URL``,
``BETTER_AUTH_SECRET``), so a session cookie issued by the demo verifies here.
"""

from __future__ import annotations

import os

import dj_database_url

DEBUG = False
SECRET_KEY = "bench-floor-only"
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bench.floor.urls"
WSGI_APPLICATION = "bench.floor.wsgi.application"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ["DATABASE_URL"],
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = False
FLOOR_SECRET = os.environ.get(
    "BETTER_AUTH_SECRET", "demo-only-better-auth-secret-change-me-0123456789"
)
FLOOR_COOKIE = "better-auth.session_token"

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
