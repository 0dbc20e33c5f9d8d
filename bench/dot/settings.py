"""A minimal Django project serving stock django-oauth-toolkit, for bench/oauth.sh.

``django-admin startproject``'s apps and middleware plus ``oauth2_provider``
with its default settings (``OAUTH2_PROVIDER`` unset): client secrets hashed
with Django's password hasher (PBKDF2), refresh tokens rotated, PKCE
required, OIDC off (so no JWKS). The database comes from ``DATABASE_URL``.
"""

from __future__ import annotations

import os

import dj_database_url

DEBUG = False
SECRET_KEY = "bench-dot-only"
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "oauth2_provider",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "bench.dot.urls"
WSGI_APPLICATION = "bench.dot.wsgi.application"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ["DATABASE_URL"],
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = False
