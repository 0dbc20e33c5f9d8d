"""Extension points: request checks, endpoint hooks and the user-info gate.

- A *request check* ``check(request, path) -> HttpResponse | None`` runs before
  routing, after the rate limiter (the captcha plugin is one).
- A *before-hook* ``hook(ctx) -> result | None`` runs after the origin check and
  before validation; returning anything answers the request with it.
- An *after-hook* ``hook(ctx, result) -> result | None`` may replace the result
  (a dict, a ``JSON``/``Redirect``, or an ``APIError``).

Projects list hooks in ``BETTER_AUTH["HOOKS"]``; plugins call ``register_*``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from .conf import auth_settings
from .errors import APIError

__all__ = [
    "after_hooks",
    "before_hooks",
    "register_after_hook",
    "register_before_hook",
    "register_request_check",
    "request_checks",
    "validate_user_info",
]

RequestCheck = Callable[[HttpRequest, str], HttpResponse | None]

_request_checks: list[RequestCheck] = []
_before: list[Callable[..., Any]] = []
_after: list[Callable[..., Any]] = []


def register_request_check(check: RequestCheck) -> None:
    if check not in _request_checks:
        _request_checks.append(check)


def register_before_hook(hook: Callable[..., Any]) -> None:
    if hook not in _before:
        _before.append(hook)


def register_after_hook(hook: Callable[..., Any]) -> None:
    if hook not in _after:
        _after.append(hook)


def request_checks() -> list[RequestCheck]:
    return _request_checks


def before_hooks() -> list[Callable[..., Any]]:
    configured = auth_settings.HOOKS.BEFORE
    return [*_before, *configured] if configured else _before


def after_hooks() -> list[Callable[..., Any]]:
    configured = auth_settings.HOOKS.AFTER
    return [*_after, *configured] if configured else _after


def validate_user_info(user_info: dict[str, Any], source: dict[str, Any]) -> None:
    """Run the project's ``USER.VALIDATE_USER_INFO`` gate, or raise 403.

    Called before any user is created or account linked, on every sign-up
    path (Better Auth 1.7 ``user.validateUserInfo``). ``source`` is
    ``{"action": "create-user" | "link-account" | "sign-in", "method": ...}``.
    The gate returns None to allow, or ``{"error", "error_description"}``.
    """
    gate = auth_settings.USER.VALIDATE_USER_INFO
    if gate is None:
        return
    if not source or "action" not in source:
        raise APIError(403, "validation_source_missing")
    try:
        verdict = gate(user_info, source)
    except APIError:
        raise
    except Exception:
        raise APIError(403, "validation_failed") from None
    if verdict:
        code = str(verdict.get("error") or "validation_failed")
        message = verdict.get("error_description") or verdict.get("errorDescription")
        raise APIError(403, code, message or code)
