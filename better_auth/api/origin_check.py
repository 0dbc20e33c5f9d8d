"""Origin and fetch-metadata checks on state-changing requests (core-surface §6.1).

Better Auth's JavaScript client sends no CSRF token: it relies on the
browser's ``Origin`` header plus SameSite cookies. So every non-GET request
that carries a cookie must come from a trusted origin, the login endpoints
also refuse cross-site navigations without any cookie (login CSRF), and every
redirect target a client supplies is validated before anything is built
from it.
"""

from __future__ import annotations

import logging
from typing import Any

from ..conf import auth_settings
from ..errors import APIError
from ..security.client_ip import public_origin
from ..security.origins import is_trusted_origin
from ..security.redirects import is_allowed_redirect
from .context import Context

logger = logging.getLogger("better_auth.security.origin")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# (body key, label, error code)
URL_FIELDS = (
    ("redirectTo", "redirectURL", "INVALID_REDIRECT_URL"),
    ("errorCallbackURL", "errorCallbackURL", "INVALID_ERROR_CALLBACK_URL"),
    ("newUserCallbackURL", "newUserCallbackURL", "INVALID_NEW_USER_CALLBACK_URL"),
)


def _origin_check_skipped(path: str) -> bool:
    """``DISABLE_ORIGIN_CHECK``: everything off, or off for listed paths."""
    disabled = auth_settings.DISABLE_ORIGIN_CHECK
    if disabled is True:
        return True
    if isinstance(disabled, (list, tuple)):
        return any(path == p or path.startswith(p.rstrip("/") + "/") for p in disabled)
    return False


def _csrf_skipped(path: str) -> bool:
    """``DISABLE_CSRF_CHECK`` turns off the Origin check but never URL validation."""
    return bool(auth_settings.DISABLE_CSRF_CHECK) or _origin_check_skipped(path)


def _has_cookie(ctx: Context) -> bool:
    return bool(ctx.request.META.get("HTTP_COOKIE"))


def run(ctx: Context) -> None:
    """The router-level check (Better Auth ``originCheckMiddleware``)."""
    if ctx.method in SAFE_METHODS:
        return
    if _has_cookie(ctx) and not _csrf_skipped(ctx.path):
        validate_origin(ctx)
    if _origin_check_skipped(ctx.path):
        return
    _validate_url_fields(ctx)


def validate_origin(ctx: Context) -> None:
    headers = ctx.request.headers
    origin = headers.get("origin") or headers.get("referer")
    if origin == "null" and headers.get("sec-fetch-site") == "same-origin":
        # A browser that hides the origin of a same-origin request (privacy
        # contexts) is judged by the request's own origin, as Better Auth
        # does; Sec-Fetch-Site is a forbidden header no page script can set.
        origin = _request_origin(ctx) or origin
    if not origin or origin == "null":
        logger.warning("refused %s %s: missing Origin", ctx.method, ctx.path)
        raise APIError(403, "MISSING_OR_NULL_ORIGIN")
    if not is_trusted_origin(origin, ctx.info.trusted_origins):
        logger.warning("refused %s %s: untrusted Origin", ctx.method, ctx.path)
        raise APIError(403, "INVALID_ORIGIN")


def _request_origin(ctx: Context) -> str | None:
    """The origin the request was sent to (Host, proxy headers only if trusted)."""
    request = ctx.request
    return public_origin(
        request.headers,
        scheme_from_request=request.scheme or "http",
        trusted_proxy_headers=auth_settings.TRUSTED_PROXY_HEADERS,
    )


def form_csrf(ctx: Context) -> None:
    """Login CSRF on cookieless sign-in / sign-up (``formCsrfMiddleware``).

    An endpoint middleware in Better Auth, so it runs after body validation.
    Only non-blank Sec-Fetch-Site / -Mode / -Dest count as fetch metadata.
    """
    if ctx.method in SAFE_METHODS or _csrf_skipped(ctx.path) or _has_cookie(ctx):
        return
    headers = ctx.request.headers
    site = headers.get("sec-fetch-site")
    mode = headers.get("sec-fetch-mode")
    dest = headers.get("sec-fetch-dest")
    if any(value and value.strip() for value in (site, mode, dest)):
        if site == "cross-site" and mode == "navigate":
            logger.warning("refused cross-site navigation to %s", ctx.path)
            raise APIError(403, "CROSS_SITE_NAVIGATION_LOGIN_BLOCKED")
        validate_origin(ctx)
    elif headers.get("origin") or headers.get("referer"):
        validate_origin(ctx)


def _js_truthy(value: Any) -> bool:
    """JavaScript truthiness: ``[]`` and ``{}`` are true, ``0`` and ``""`` false."""
    if isinstance(value, (list, dict)):
        return True
    return bool(value)


def check_redirect_value(value: Any, label: str, code: str, trusted: list[str]) -> None:
    """Refuse a client-supplied redirect target that is not trusted.

    A falsy value (JavaScript truthiness) is no target and is left to the
    schema, as Better Auth's ``validateURL`` does.
    """
    if not _js_truthy(value):
        return
    if not isinstance(value, str):
        raise APIError(400, None, f"Invalid {label}: expected a string")
    if not is_allowed_redirect(value, trusted):
        logger.warning("refused untrusted %s", label)
        raise APIError(403, code)


def _validate_url_fields(ctx: Context) -> None:
    body = ctx.raw_body if isinstance(ctx.raw_body, dict) else {}
    callback = body.get("callbackURL")
    if not _js_truthy(callback):
        callback = ctx.query.get("callbackURL")
    fields = [(callback, "callbackURL", "INVALID_CALLBACK_URL")]
    fields += [(body.get(key), label, code) for key, label, code in URL_FIELDS]
    if not any(_js_truthy(value) for value, _label, _code in fields):
        # Most requests name no URL: the trusted origins (settings, the
        # request's own origin, the dynamic hook) are not worked out.
        return
    trusted = ctx.info.trusted_origins
    for value, label, code in fields:
        check_redirect_value(value, label, code, trusted)
