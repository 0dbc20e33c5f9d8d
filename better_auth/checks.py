"""System checks for ``settings.BETTER_AUTH``, with stable ids and hints.

Each id is API: a project may silence one in ``SILENCED_SYSTEM_CHECKS``, so
an id is never reused for another problem.

- ``better_auth.E000`` the settings cannot be read (unknown or removed key).
- ``better_auth.W001`` no SECRET: Django's ``SECRET_KEY`` signs the cookies.
- ``better_auth.E001`` the secret is shorter than 32 characters.
- ``better_auth.W002`` no BASE_URL: the public URL comes from the Host header.
- ``better_auth.E002`` BASE_URL is not an http(s) origin.
- ``better_auth.E003`` a trusted-origin pattern can never match.
- ``better_auth.E004`` a cookie is ``SameSite=None`` without ``Secure``.
- ``better_auth.E005`` unknown rate-limit storage.
- ``better_auth.E006`` the rate-limit cache cannot be reached.
- ``better_auth.E007`` the middleware runs before Django's, which overwrites
  ``request.user``.
- ``better_auth.W003`` ``AUTH_USER_MODEL`` is not ``better_auth.User``.
- ``better_auth.E008`` ``AuthAPIMiddleware`` is installed but the API is not
  mounted at ``BASE_PATH``, so it would answer for paths the URLconf gives
  to other views.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from .conf import auth_settings

logger = logging.getLogger(__name__)

__all__ = ["MIN_SECRET_LENGTH", "check_settings"]

MIN_SECRET_LENGTH = 32
RATE_LIMIT_STORAGES = ("memory", "database", "cache")
OUR_MIDDLEWARE = "better_auth.middleware.BetterAuthMiddleware"
DJANGO_AUTH_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"
API_MIDDLEWARE = "better_auth.middleware.AuthAPIMiddleware"


@checks.register(checks.Tags.security)
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Validate the whole ``BETTER_AUTH`` namespace and its Django wiring."""
    try:
        auth_settings.reload()
        root = auth_settings.root
    except ImproperlyConfigured as error:
        return [
            checks.Error(
                str(error),
                hint="Fix the BETTER_AUTH setting; valid keys and their defaults are "
                "in better_auth.conf.DEFAULTS.",
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
    out: list[checks.CheckMessage] = []
    if auth_settings.secret_source() == "SECRET_KEY":
        out.append(
            checks.Warning(
                "BETTER_AUTH has no SECRET; Django's SECRET_KEY is used to sign "
                "session cookies and encrypt provider tokens.",
                hint="Set BETTER_AUTH['SECRET'] (or BETTER_AUTH_SECRET) to a random "
                "value of 32+ characters so rotating one does not rotate the other.",
                id="better_auth.W001",
            )
        )
    secret = root.SECRET if isinstance(root.SECRET, str) else ""
    if len(secret) < MIN_SECRET_LENGTH:
        out.append(
            checks.Error(
                f"The Better Auth secret is {len(secret)} characters long; at "
                f"least {MIN_SECRET_LENGTH} are needed.",
                hint="Generate one with: python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'",
                id="better_auth.E001",
            )
        )
    return out


def _base_url_problem(base: str) -> str | None:
    """Why ``base`` is not a bare http(s) origin, or None."""
    try:
        parts = urlsplit(base)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return "it cannot be parsed (bad port or brackets)"
    if parts.scheme not in ("http", "https"):
        return "its scheme is not http or https"
    if not parts.hostname:
        return "it has no host"
    if parts.username is not None or parts.password is not None:
        return "it contains credentials"
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return "it has a path, query or fragment (BASE_PATH holds the path)"
    return None


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
    problem = _base_url_problem(base)
    if problem:
        return [
            checks.Error(
                f"BETTER_AUTH BASE_URL {base!r} is not an http(s) origin: {problem}.",
                hint="Use the scheme, host and optional port only, e.g. "
                "https://app.example.com",
                id="better_auth.E002",
            )
        ]
    return []


def _trusted_origins(root: Any) -> list[checks.CheckMessage]:
    from .security.origins import validate_origin_pattern

    out: list[checks.CheckMessage] = []
    for pattern in root.TRUSTED_ORIGINS:
        problem = validate_origin_pattern(pattern)
        if problem:
            out.append(
                checks.Error(
                    f"BETTER_AUTH TRUSTED_ORIGINS entry {pattern!r} can never "
                    f"match: {problem}.",
                    hint="Use an origin (https://app.example.com), a wildcard "
                    "(https://*.example.com) or a custom scheme (myapp://).",
                    id="better_auth.E003",
                )
            )
    return out


def _cookies(root: Any) -> list[checks.CheckMessage]:
    """Refuse ``SameSite=None`` without ``Secure`` (case 60d).

    Browsers drop such a cookie (RFC 6265bis §4.1.2.7 and §5.6), so the
    user would be signed out on every request instead of seeing an error.
    The effective attributes are computed the way ``cookies.cookie`` does:
    Secure from the https base URL or USE_SECURE_COOKIES, then overrides.
    """
    from .cookies import _normalise, _secure

    base = {"secure": True} if _secure() else {}
    defaults = {**base, **_normalise(dict(root.DEFAULT_COOKIE_ATTRIBUTES))}
    candidates = [("DEFAULT_COOKIE_ATTRIBUTES", defaults)]
    for name, override in root.COOKIES.items():
        attrs = {}
        if isinstance(override, dict):
            attrs = override.get("ATTRIBUTES") or override.get("attributes") or {}
        candidates.append((f"COOKIES[{name!r}]", {**defaults, **_normalise(attrs)}))
    out: list[checks.CheckMessage] = []
    for where, values in candidates:
        same_site = str(values.get("samesite", "")).lower()
        if same_site == "none" and not values.get("secure"):
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
    if cfg.STORAGE not in RATE_LIMIT_STORAGES:
        return [
            checks.Error(
                f"RATE_LIMIT STORAGE {cfg.STORAGE!r} is not one of "
                f"{', '.join(RATE_LIMIT_STORAGES)}.",
                hint="Use 'database' (default), 'cache' (with CACHE_ALIAS or "
                "SECONDARY_STORAGE) or 'memory' (single process only).",
                id="better_auth.E005",
            )
        ]
    if cfg.STORAGE != "cache" or not auth_settings.rate_limit_enabled:
        return []
    alias = cfg.CACHE_ALIAS or root.SECONDARY_STORAGE or "default"
    reason = _cache_unreachable(alias)
    if reason:
        return [
            checks.Error(
                f"Rate-limit storage (cache alias {alias!r}) cannot be reached: "
                f"{reason}.",
                hint="Start the cache server, fix CACHES, or set RATE_LIMIT "
                "STORAGE to 'database'.",
                id="better_auth.E006",
            )
        ]
    return []


def _cache_unreachable(alias: str) -> str | None:
    """Write, read back and delete one key; describe the failure, if any."""
    from django.core.cache import caches

    key = "better-auth:system-check"
    try:
        cache = caches[alias]
        cache.set(key, "1", 5)
        ok = cache.get(key) == "1"
        cache.delete(key)
    except Exception as error:  # any backend error means unreachable
        logger.debug("rate-limit cache %s failed: %s", alias, type(error).__name__)
        return type(error).__name__
    return None if ok else "the value written could not be read back"


def _integration() -> list[checks.CheckMessage]:
    out: list[checks.CheckMessage] = []
    middleware = list(getattr(settings, "MIDDLEWARE", None) or [])
    if OUR_MIDDLEWARE in middleware and DJANGO_AUTH_MIDDLEWARE in middleware:
        if middleware.index(OUR_MIDDLEWARE) < middleware.index(DJANGO_AUTH_MIDDLEWARE):
            out.append(
                checks.Error(
                    "BetterAuthMiddleware runs before AuthenticationMiddleware, "
                    "which then replaces request.user.",
                    hint=f"Move {OUR_MIDDLEWARE} after {DJANGO_AUTH_MIDDLEWARE}.",
                    id="better_auth.E007",
                )
            )
    if API_MIDDLEWARE in middleware:
        out.extend(_api_mount())
    if settings.AUTH_USER_MODEL != "better_auth.User":
        out.append(
            checks.Warning(
                "AUTH_USER_MODEL is not better_auth.User; the auth API stores its "
                "users in better_auth.User regardless.",
                hint="Set AUTH_USER_MODEL = 'better_auth.User' before the first "
                "migrate.",
                id="better_auth.W003",
            )
        )
    return out


def _api_mount() -> list[checks.CheckMessage]:
    """The URLconf must send ``BASE_PATH/...`` to the API's dispatcher."""
    from django.urls import Resolver404, resolve

    from .api.router import dispatch

    probe = auth_settings.BASE_PATH + "/ok"
    try:
        found = resolve(probe).func
    except Resolver404:
        found = None
    if found is dispatch:
        return []
    return [
        checks.Error(
            f"AuthAPIMiddleware serves {auth_settings.BASE_PATH}/, but the URLconf "
            "does not route that path to the auth API.",
            hint=f'Mount path("{auth_settings.BASE_PATH.strip("/")}/", '
            'include("better_auth.urls")) or set BETTER_AUTH["BASE_PATH"] to '
            "where it is mounted.",
            id="better_auth.E008",
        )
    ]
