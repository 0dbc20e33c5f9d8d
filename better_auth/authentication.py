"""DRF authentication classes for Better Auth sessions.

``SessionCookieAuthentication`` reads the signed session cookie and, like
Better Auth's own origin check, refuses unsafe methods that do not come from
a trusted origin (the cookie alone proves nothing about who sent the
request). ``BearerSessionAuthentication`` takes ``Authorization: Bearer
<token>``, either the raw session token or the signed cookie value, as
Better Auth's bearer plugin does; no cookie is involved, so no origin check.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication

from .api.context import Context
from .api.origin_check import SAFE_METHODS, validate_origin
from .errors import APIError
from .middleware import session_for_request
from .services.sessions import SessionContext

__all__ = ["BearerSessionAuthentication", "SessionCookieAuthentication"]


class SessionCookieAuthentication(BaseAuthentication):
    def authenticate(self, request: Any) -> tuple[Any, SessionContext] | None:
        django_request: HttpRequest = request._request
        current = session_for_request(django_request)
        if current is None:
            return None
        if django_request.method not in SAFE_METHODS:
            ctx = Context(django_request, django_request.method or "POST", django_request.path, {}, {}, {})
            try:
                validate_origin(ctx)
            except APIError as error:
                raise exceptions.PermissionDenied(error.message, code=error.code) from None
        return current.user, current

    def authenticate_header(self, request: Any) -> str:
        return "Session"


class BearerSessionAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Any) -> tuple[Any, SessionContext] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, credential = header.partition(" ")
        if scheme.lower() != "bearer" or not credential.strip():
            return None
        from .services.bearer import session_from_bearer

        current = session_from_bearer(credential.strip())
        if current is None:
            raise exceptions.AuthenticationFailed("Invalid or expired session token.")
        return current.user, current

    def authenticate_header(self, request: Any) -> str:
        return 'Bearer realm="api"'
