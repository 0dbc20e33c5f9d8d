"""Extension points: request checks, endpoint hooks and the user-info gate.

- A *request check* ``check(request, path) -> HttpResponse | None`` runs before
  routing, after the rate limiter (the captcha plugin is one).
- A *before-hook* ``hook(ctx) -> result | None`` runs after the origin check and
  before validation; returning anything answers the request with it.
- An *after-hook* ``hook(ctx, result) -> result | None`` may replace the result
  (a dict, a ``JSON``/``Redirect``, or an ``APIError``).
- *Route headers* are set on every response the API gives for a route, the
  router's own refusals included (a body too large, not form-encoded, not
  UTF-8), which no endpoint code sees: RFC 6749 §5.1 wants ``no-store`` on
  every answer of a credential endpoint.

Projects list hooks in ``BETTER_AUTH["HOOKS"]``; plugins call ``register_*``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse

from .conf import auth_settings
from .errors import APIError

logger = logging.getLogger(__name__)
security_log = logging.getLogger("better_auth.security.user_info")

__all__ = [
    "after_hooks",
    "before_hooks",
    "expose_header",
    "register_after_hook",
    "register_before_hook",
    "register_request_check",
    "register_route_headers",
    "route_headers",
    "request_checks",
    "validate_user_info",
]

RequestCheck = Callable[[HttpRequest, str], HttpResponse | None]

_request_checks: list[RequestCheck] = []
_before: list[Callable[..., Any]] = []
_after: list[Callable[..., Any]] = []
_route_headers: dict[str, dict[str, str]] = {}

_SOURCE_MISSING = "validation_source_missing"


def register_request_check(check: RequestCheck) -> None:
    """Add a plugin check run on every auth API request, before routing."""
    if check not in _request_checks:
        _request_checks.append(check)


def register_route_headers(headers: Mapping[str, str], *routes: str) -> None:
    """Set ``headers`` on every response for ``routes`` (paths under the base
    path, such as ``/oauth2/token``); a header the response has already set
    is kept."""
    for route in routes:
        _route_headers.setdefault(route, {}).update(headers)


def route_headers(route: str) -> Mapping[str, str]:
    return _route_headers.get(route, {})


def register_before_hook(hook: Callable[..., Any]) -> None:
    """Add a plugin before-hook; it runs ahead of the project's HOOKS.BEFORE."""
    if hook not in _before:
        _before.append(hook)


def register_after_hook(hook: Callable[..., Any]) -> None:
    """Add a plugin after-hook; it runs ahead of the project's HOOKS.AFTER."""
    if hook not in _after:
        _after.append(hook)


EXPOSE_HEADERS = "Access-Control-Expose-Headers"


def expose_header(ctx: Any, name: str) -> None:
    """Add ``name`` to the answer's ``Access-Control-Expose-Headers`` list.

    Plugins that hand a credential back in a response header (bearer's
    ``set-auth-token``, jwt's ``set-auth-jwt``) make it readable by a
    cross-origin script this way; each keeps the names added before it.
    """
    current = ctx.headers.get(EXPOSE_HEADERS, "")
    names = [n.strip() for n in current.split(",") if n.strip()]
    if name not in names:
        names.append(name)
    ctx.headers[EXPOSE_HEADERS] = ", ".join(names)


def request_checks() -> list[RequestCheck]:
    return _request_checks


def before_hooks() -> list[Callable[..., Any]]:
    configured = auth_settings.HOOKS.BEFORE
    return [*_before, *configured] if configured else _before


def after_hooks() -> list[Callable[..., Any]]:
    configured = auth_settings.HOOKS.AFTER
    return [*_after, *configured] if configured else _after


def _check_source(source: Mapping[str, Any] | None) -> None:
    """Refuse a call that does not say where the identity comes from.

    Better Auth 1.7 (``assertValidUserInfoSource``) needs ``method``, plus
    ``oauth.providerId`` for OAuth and ``sso.providerId`` for SSO, so a gate
    can always tell which provider vouches for the profile.
    """
    source = source or {}
    method = source.get("method")
    if not method:
        raise APIError(403, _SOURCE_MISSING, "User validation source is required")
    if method == "oauth" and not (source.get("oauth") or {}).get("providerId"):
        raise APIError(
            403,
            _SOURCE_MISSING,
            "OAuth user validation source requires oauth.providerId",
        )
    if method in ("sso-oidc", "sso-saml") and not (source.get("sso") or {}).get(
        "providerId"
    ):
        raise APIError(
            403, _SOURCE_MISSING, "SSO user validation source requires sso.providerId"
        )


def validate_user_info(user_info: dict[str, Any], source: dict[str, Any]) -> None:
    """Run the project's ``USER.VALIDATE_USER_INFO`` gate, or raise 403.

    Called before any user is created or account linked, on every sign-up
    path (Better Auth 1.7 ``user.validateUserInfo``, core-surface §7).
    ``source`` is ``{"action": "create-user" | "link-account" | "sign-in",
    "method": "email" | "oauth" | "sso-oidc" | ..., "oauth"?: {...}}``.

    An override must return None to allow, or ``{"error": code,
    "error_description": text}`` (``errorDescription`` also read) to refuse
    with 403 ``{"code": code, "message": text or code}``. As in Better Auth
    only a truthy ``error`` refuses, and a gate that raises fails closed
    with 403 ``validation_failed``.
    """
    gate = auth_settings.USER.VALIDATE_USER_INFO
    if gate is None:
        return
    _check_source(source)
    try:
        verdict = gate(user_info, source)
    except APIError:
        raise
    except Exception:
        logger.exception("USER.VALIDATE_USER_INFO raised; refusing the identity")
        raise APIError(403, "validation_failed", "User validation failed") from None
    if not isinstance(verdict, Mapping) or not verdict.get("error"):
        return
    code = str(verdict["error"])
    message = verdict.get("errorDescription") or verdict.get("error_description")
    security_log.warning("identity refused by USER.VALIDATE_USER_INFO: %s", code)
    raise APIError(403, code, str(message) if message else code)
