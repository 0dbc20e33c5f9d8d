"""Sets ``request.user`` and ``request.auth_session`` from the session cookie.

Place it after Django's ``AuthenticationMiddleware`` (system check
``better_auth.E007``): a user signed in to the Django admin keeps that
identity, everyone else is resolved lazily from the Better Auth session
cookie, so pages that never look at ``request.user`` cost no query.
``login_required``, ``LoginRequiredMiddleware`` and DRF permissions then work
unchanged. A refreshed or expired session cookie is written back on the
response, as Better Auth's get-session does (core-surface §5).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from .api.context import Context
from .errors import APIError
from .services.sessions import SessionContext, get_session

logger = logging.getLogger(__name__)

__all__ = ["AuthAPIMiddleware", "BetterAuthMiddleware", "session_for_request"]


def session_for_request(request: HttpRequest) -> SessionContext | None:
    """Return the Better Auth session of a plain Django request, or None.

    Memoised on the request. Cookies the lookup wants to change (a refresh,
    or clearing a dead session) are kept for the middleware to apply.
    """
    if not hasattr(request, "_better_auth_session"):
        ctx = Context(request, request.method or "GET", request.path, {}, {}, {})
        try:
            # The cookie cache holds only the API's user fields; Django code
            # needs the real row (is_staff, permissions), so read the store.
            current = get_session(ctx, disable_cookie_cache=True)
        except APIError as error:
            # The store refused to extend the session: treat it as signed out.
            logger.info("no session for %s: %s", request.path, error.code)
            current = None
        request._better_auth_session = current  # type: ignore[attr-defined]
        request._better_auth_jar = ctx.jar  # type: ignore[attr-defined]
    return request._better_auth_session  # type: ignore[attr-defined]


def _user_for_request(request: HttpRequest, django_user: Any) -> Any:
    """Return the Django-session user if signed in, else the cookie's user."""
    if not hasattr(request, "_better_auth_user"):
        if django_user is not None and django_user.is_authenticated:
            user = django_user
        else:
            current = session_for_request(request)
            user = current.user if current is not None else AnonymousUser()
        request._better_auth_user = user  # type: ignore[attr-defined]
    return request._better_auth_user  # type: ignore[attr-defined]


def _auth_session_for_request(
    request: HttpRequest, django_user: Any
) -> SessionContext | None:
    """The session behind ``request.user``; None for a Django-admin login.

    A browser may hold a Django admin login for one user and a Better Auth
    cookie for another; ``auth_session`` never describes someone other than
    ``request.user``.
    """
    current = session_for_request(request)
    if current is None:
        return None
    user = _user_for_request(request, django_user)
    return current if getattr(user, "pk", None) == current.user.pk else None


class BetterAuthMiddleware:
    """Resolve ``request.user`` from the Better Auth session cookie, lazily."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        django_user = getattr(request, "user", None)

        request.user = SimpleLazyObject(  # type: ignore[assignment]
            lambda: _user_for_request(request, django_user)
        )
        request.auser = lambda: sync_to_async(  # type: ignore[attr-defined]
            _user_for_request
        )(request, django_user)
        request.auth_session = SimpleLazyObject(  # type: ignore[attr-defined]
            lambda: _auth_session_for_request(request, django_user)
        )
        response = self.get_response(request)
        jar = getattr(request, "_better_auth_jar", None)
        if jar is not None and jar.items and not _is_api_path(request.path):
            jar.apply(response)
        return response


def _is_api_path(path: str) -> bool:
    """The auth API writes its own cookies; never apply them twice."""
    from .conf import auth_settings

    return path.startswith(auth_settings.BASE_PATH + "/")


class AuthAPIMiddleware:
    """Answer auth API requests before the rest of the middleware stack.

    The API reads its own session cookie, checks origins and fetch metadata
    itself and never touches Django's session, CSRF token, messages or
    ``request.user``, so those middlewares only add work to its requests
    (about a fifth of a get-session's instructions in the demo's stack).
    Placed right after ``SecurityMiddleware``, this hands every path under
    ``BASE_PATH`` straight to the API and lets every other request go on down
    the stack. It requires the API to be mounted at ``BASE_PATH`` (system
    check ``better_auth.E008``); middleware listed after it does not run for
    API requests, which is the point.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from .api.router import dispatch
        from .conf import auth_settings

        prefix = auth_settings.BASE_PATH + "/"
        path = request.path_info
        if path.startswith(prefix):
            # CommonMiddleware, which would check ALLOWED_HOSTS, is skipped;
            # get_host() raises DisallowedHost (a 400) for a foreign Host.
            request.get_host()
            return dispatch(request, path[len(prefix) :])
        return self.get_response(request)
