"""Sets ``request.user`` and ``request.auth_session`` from the session cookie.

Place it after Django's ``AuthenticationMiddleware``: a user signed in to the
Django admin keeps that identity, everyone else is resolved lazily from the
Better Auth session cookie, so pages that never look at ``request.user``
cost no query. ``login_required`` and DRF permissions then work unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from .api.context import Context
from .services.sessions import SessionContext, get_session

__all__ = ["BetterAuthMiddleware", "session_for_request"]


def session_for_request(request: HttpRequest) -> SessionContext | None:
    """The Better Auth session of a plain Django request (memoised on it)."""
    if not hasattr(request, "_better_auth_session"):
        ctx = Context(request, request.method or "GET", request.path, {}, {}, {})
        request._better_auth_session = get_session(ctx)  # type: ignore[attr-defined]
        request._better_auth_jar = ctx.jar  # type: ignore[attr-defined]
    return request._better_auth_session  # type: ignore[attr-defined]


class BetterAuthMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        django_user = getattr(request, "user", None)

        def resolve_user() -> object:
            if django_user is not None and getattr(django_user, "is_authenticated", False):
                return django_user
            current = session_for_request(request)
            return current.user if current is not None else AnonymousUser()

        request.user = SimpleLazyObject(resolve_user)  # type: ignore[assignment]
        request.auth_session = SimpleLazyObject(  # type: ignore[attr-defined]
            lambda: session_for_request(request)
        )
        response = self.get_response(request)
        jar = getattr(request, "_better_auth_jar", None)
        if jar is not None and jar.items and not request.path.startswith(_base_path()):
            jar.apply(response)
        return response


def _base_path() -> str:
    from .conf import auth_settings

    return auth_settings.BASE_PATH + "/"
