"""DRF authentication classes for Better Auth sessions.

``SessionCookieAuthentication`` reads the signed session cookie and, like
Better Auth's own origin check (core-surface §6.1), refuses unsafe methods
that do not come from a trusted origin: a cookie alone proves nothing about
which page sent the request, and Better Auth's client sends no CSRF token.
``BearerSessionAuthentication`` takes ``Authorization: Bearer <token>``,
either the raw session token or the signed cookie value, as Better Auth's
bearer plugin does (§8.9); no cookie is involved, so no origin check.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication

from .api.context import Context
from .api.origin_check import SAFE_METHODS, validate_origin
from .conf import auth_settings
from .errors import APIError
from .middleware import session_for_request
from .services.sessions import SessionContext

logger = logging.getLogger("better_auth.security.bearer")

__all__ = ["BearerSessionAuthentication", "SessionCookieAuthentication"]


class SessionCookieAuthentication(BaseAuthentication):
    """Authenticate from the Better Auth session cookie (origin-checked)."""

    def authenticate(self, request: Any) -> tuple[Any, SessionContext] | None:
        django_request: HttpRequest = request._request
        current = session_for_request(django_request)
        if current is None:
            return None
        if django_request.method not in SAFE_METHODS and not _origin_check_off():
            self.enforce_origin(django_request)
        return current.user, current

    def enforce_origin(self, django_request: HttpRequest) -> None:
        """Raise 403 unless the request's Origin (or Referer) is trusted."""
        ctx = Context(
            django_request,
            django_request.method or "POST",
            django_request.path,
            {},
            {},
            {},
        )
        try:
            validate_origin(ctx)
        except APIError as error:
            raise exceptions.PermissionDenied(error.message, code=error.code) from None

    def authenticate_header(self, request: Any) -> str:
        return "Session"


def _origin_check_off() -> bool:
    """Honour the project-wide switches; path lists name auth API routes only."""
    return bool(auth_settings.DISABLE_CSRF_CHECK) or (
        auth_settings.DISABLE_ORIGIN_CHECK is True
    )


class BearerSessionAuthentication(BaseAuthentication):
    """Authenticate from ``Authorization: Bearer <session token>``."""

    keyword = "Bearer"

    def authenticate(self, request: Any) -> tuple[Any, SessionContext] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, credential = header.partition(" ")
        if scheme.lower() != self.keyword.lower() or not credential.strip():
            return None
        from .services.bearer import session_from_bearer

        current = session_from_bearer(credential.strip())
        if current is None:
            logger.warning("refused bearer credential on %s", request.path)
            raise exceptions.AuthenticationFailed("Invalid or expired session token.")
        return current.user, current

    def authenticate_header(self, request: Any) -> str:
        return f'{self.keyword} realm="api"'
