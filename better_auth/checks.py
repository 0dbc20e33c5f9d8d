"""System checks for ``settings.BETTER_AUTH``, with stable ids and hints."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from .conf import auth_settings

MIN_SECRET_LENGTH = 32


@checks.register(checks.Tags.security)
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    try:
        auth_settings.reload()
        root = auth_settings.root
    except ImproperlyConfigured as error:
        return [
            checks.Error(
                str(error),
                hint="Fix the BETTER_AUTH setting; see docs/settings.md.",
                id="better_auth.E000",
            )
        ]
    messages: list[checks.CheckMessage] = []
    messages += _secret(root)
    messages += _base_url(root)
    messages += _trusted_origins(root)
    messages += _cookies(root)
    messages += _rate_limit_storage(root)
    messages += _integration()
    return messages


def _secret(root: Any) -> list[checks.CheckMessage]:
    import os

    out: list[checks.CheckMessage] = []
    explicit = (
        (getattr(settings, "BETTER_AUTH", None) or {}).get("SECRET")
        or os.environ.get("BETTER_AUTH_SECRET")
        or os.environ.get("AUTH_SECRET")
    )
    if not explicit:
        out.append(
            checks.Warning(
                "BETTER_AUTH has no SECRET; Django's SECRET_KEY is used to sign "
                "session cookies and encrypt provider tokens.",
                hint="Set BETTER_AUTH['SECRET'] (or BETTER_AUTH_SECRET) to a random "
                "value of 32+ characters so rotating one does not rotate the other.",
                id="better_auth.W001",
            )
        )
    secret = root.SECRET or ""
    if len(secret) < MIN_SECRET_LENGTH:
        out.append(
            checks.Error(
                f"The Better Auth secret is {len(secret)} characters long; at least "
                f"{MIN_SECRET_LENGTH} are needed.",
                hint="Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'",
                id="better_auth.E001",
            )
        )
    return out


def _base_url(root: Any) -> list[checks.CheckMessage]:
    base = root.BASE_URL
    if not base:
        return [
            checks.Warning(
                "BETTER_AUTH has no BASE_URL; the public URL is taken from each "
                "request's Host header.",
                hint="Set BETTER_AUTH['BASE_URL'] (or BETTER_AUTH_URL) so emailed "
                "links and the trusted origin never depend on request headers.",
                id="better_auth.W002",
            )
        ]
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment or (parts.path not in ("", "/")):
        return [
            checks.Error(
                f"BETTER_AUTH BASE_URL {base!r} is not an http(s) origin.",
                hint="Use the scheme, host and optional port only, e.g. https://app.example.com",
                id="better_auth.E002",
            )
        ]
    return []


def _trusted_origins(root: Any) -> list[checks.CheckMessage]:
    from .security.origins import validate_origin_pattern

    out: list[checks.CheckMessage] = []
    for pattern in root.TRUSTED_ORIGINS:
        problem = validate_origin_pattern(pattern) if isinstance(pattern, str) else "not a string"
        if problem:
            out.append(
                checks.Error(
                    f"Trusted origin {pattern!r} is malformed: {problem}.",
                    hint="Use an origin (https://app.example.com), a wildcard "
                    "(https://*.example.com) or a custom scheme (myapp://).",
                    id="better_auth.E003",
                )
            )
    return out


def _cookies(root: Any) -> list[checks.CheckMessage]:
    from .cookies import _normalise, _secure

    secure = _secure()
    attrs = _normalise(dict(root.DEFAULT_COOKIE_ATTRIBUTES))
    candidates = [("DEFAULT_COOKIE_ATTRIBUTES", attrs)]
    for name, override in root.COOKIES.items():
        candidates.append((f"COOKIES[{name!r}]", {**attrs, **_normalise(override.get("ATTRIBUTES", {}))}))
    out: list[checks.CheckMessage] = []
    for where, values in candidates:
        same_site = str(values.get("samesite", "")).lower()
        if same_site == "none" and not (secure or values.get("secure")):
            out.append(
                checks.Error(
                    f"{where} sets SameSite=None on a cookie that is not Secure; "
                    "browsers drop such cookies (RFC 6265bis §4.1.2.7).",
                    hint="Serve over https (BASE_URL https://...) or set "
                    "USE_SECURE_COOKIES, or use SameSite=Lax.",
                    id="better_auth.E004",
                )
            )
    return out


def _rate_limit_storage(root: Any) -> list[checks.CheckMessage]:
    cfg = root.RATE_LIMIT
    if cfg.STORAGE not in ("memory", "database", "cache"):
        return [
            checks.Error(
                f"RATE_LIMIT STORAGE {cfg.STORAGE!r} is not memory, database or cache.",
                id="better_auth.E005",
            )
        ]
    if cfg.STORAGE != "cache" or not auth_settings.rate_limit_enabled:
        return []
    alias = cfg.CACHE_ALIAS or root.SECONDARY_STORAGE or "default"
    from django.core.cache import caches

    try:
        cache = caches[alias]
        cache.set("better-auth:check", "1", 5)
        reachable = cache.get("better-auth:check") == "1"
    except Exception as error:  # any backend error means unreachable
        reachable = False
        reason = f"{type(error).__name__}"
    else:
        reason = "the value written could not be read back"
    if not reachable:
        return [
            checks.Error(
                f"Rate-limit storage (cache alias {alias!r}) cannot be reached: {reason}.",
                hint="Start the cache server or set RATE_LIMIT STORAGE to 'database'.",
                id="better_auth.E006",
            )
        ]
    return []


def _integration() -> list[checks.CheckMessage]:
    out: list[checks.CheckMessage] = []
    middleware = list(getattr(settings, "MIDDLEWARE", []))
    ours = "better_auth.middleware.BetterAuthMiddleware"
    django_auth = "django.contrib.auth.middleware.AuthenticationMiddleware"
    if ours in middleware and django_auth in middleware:
        if middleware.index(ours) < middleware.index(django_auth):
            out.append(
                checks.Error(
                    "BetterAuthMiddleware runs before AuthenticationMiddleware, which "
                    "then replaces request.user.",
                    hint=f"Move {ours} after {django_auth}.",
                    id="better_auth.E007",
                )
            )
    if settings.AUTH_USER_MODEL != "better_auth.User":
        out.append(
            checks.Warning(
                "AUTH_USER_MODEL is not better_auth.User; the auth API stores its "
                "users in better_auth.User regardless.",
                hint="Set AUTH_USER_MODEL = 'better_auth.User' before the first migrate.",
                id="better_auth.W003",
            )
        )
    return out
