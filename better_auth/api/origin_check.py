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


def _skipped(path: str) -> bool:
    if auth_settings.DISABLE_CSRF_CHECK:
        return True
    disabled = auth_settings.DISABLE_ORIGIN_CHECK
    if disabled is True:
        return True
    if isinstance(disabled, (list, tuple)):
        return any(path == p or path.startswith(p.rstrip("/") + "/") for p in disabled)
    return False


def run(ctx: Context) -> None:
    if ctx.method in SAFE_METHODS or _skipped(ctx.path):
        return
    has_cookie = bool(ctx.request.META.get("HTTP_COOKIE"))
    if has_cookie:
        validate_origin(ctx)
    elif ctx.endpoint is not None and ctx.endpoint.form_csrf:
        _login_csrf(ctx)
    _validate_url_fields(ctx)


def validate_origin(ctx: Context) -> None:
    headers = ctx.request.headers
    origin = headers.get("origin") or headers.get("referer")
    if not origin or origin == "null":
        logger.warning("refused %s %s: missing Origin", ctx.method, ctx.path)
        raise APIError(403, "MISSING_OR_NULL_ORIGIN")
    if not is_trusted_origin(origin, ctx.info.trusted_origins):
        logger.warning("refused %s %s: untrusted Origin", ctx.method, ctx.path)
        raise APIError(403, "INVALID_ORIGIN")


def _login_csrf(ctx: Context) -> None:
    headers = ctx.request.headers
    if any(k.lower().startswith("sec-fetch-") for k in headers):
        site = headers.get("sec-fetch-site")
        mode = headers.get("sec-fetch-mode")
        if site == "cross-site" and mode == "navigate":
            logger.warning("refused cross-site navigation to %s", ctx.path)
            raise APIError(403, "CROSS_SITE_NAVIGATION_LOGIN_BLOCKED")
        validate_origin(ctx)
    elif headers.get("origin") or headers.get("referer"):
        validate_origin(ctx)


def check_redirect_value(
    value: Any, label: str, code: str, trusted: list[str]
) -> None:
    """Refuse a client-supplied redirect target that is not trusted."""
    if value is None or value == "":
        return
    if not isinstance(value, str):
        raise APIError(400, None, f"Invalid {label}: expected a string")
    if not is_allowed_redirect(value, trusted):
        logger.warning("refused untrusted %s", label)
        raise APIError(403, code)


def _validate_url_fields(ctx: Context) -> None:
    trusted = ctx.info.trusted_origins
    body = ctx.raw_body if isinstance(ctx.raw_body, dict) else {}
    callback = body.get("callbackURL") or ctx.query.get("callbackURL")
    check_redirect_value(callback, "callbackURL", "INVALID_CALLBACK_URL", trusted)
    for key, label, code in URL_FIELDS:
        check_redirect_value(body.get(key), label, code, trusted)
