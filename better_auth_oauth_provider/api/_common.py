"""What the endpoint modules share: media types, ownership, empty answers."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from better_auth.api.context import Context
from better_auth.api.router import error_response
from better_auth.errors import APIError
from better_auth.hooks import register_request_check, register_route_headers

from ..conf import hook
from ..errors import NO_STORE_HEADERS
from ..oauth.form_params import FORM_TYPE

__all__ = [
    "client_reference",
    "empty_json",
    "forbidden",
    "form_only",
    "unsupported_media_type",
]

_FORM_ONLY: set[str] = set()


def forbidden() -> APIError:
    """Better Auth's bodiless 401 for a resource the caller may not touch."""
    return APIError(401, "UNAUTHORIZED", empty=True)


def empty_json() -> HttpResponse:
    """200 with an empty body labelled JSON (Better Auth's delete answers)."""
    return HttpResponse(b"", content_type="application/json")


def client_reference(ctx: Context) -> str | None:
    """The ``CLIENT_REFERENCE`` hook's owner reference for this session."""
    reference = hook("CLIENT_REFERENCE")
    if reference is None or ctx.session is None:
        return None
    value: Any = reference(
        {
            "user": ctx.session.user,
            "session": ctx.session.session,
            "request": ctx.request,
        }
    )
    return str(value) if value else None


def unsupported_media_type(request: HttpRequest) -> APIError:
    """better-call's 415 for a body that is not form-encoded."""
    if request.META.get("CONTENT_TYPE"):
        message = (
            f'Content-Type "{request.content_type}" is not allowed. '
            f"Allowed types: {FORM_TYPE}"
        )
    else:
        message = f"Content-Type is required. Allowed types: {FORM_TYPE}"
    return APIError(415, "UNSUPPORTED_MEDIA_TYPE", message, status_text="415")


def _refuse_other_media(request: HttpRequest, path: str) -> HttpResponse | None:
    """Request check: 415 before anything else on a form-only endpoint."""
    if path not in _FORM_ONLY or request.method != "POST" or not request.body:
        return None
    if request.content_type == FORM_TYPE:
        return None
    return error_response(unsupported_media_type(request))


def form_only(*paths: str, no_store: bool = False) -> None:
    """Make the endpoints at ``paths`` accept form-encoded bodies only
    (RFC 6749 §3.2, RFC 7009 §2.1, RFC 7662 §2.1).

    With ``no_store`` their every answer is ``no-store`` (RFC 6749 §5.1 for
    the token endpoint), the router's own refusals of a body (too large,
    not form-encoded, not UTF-8) included.
    """
    _FORM_ONLY.update(paths)
    register_request_check(_refuse_other_media)
    if no_store:
        register_route_headers(NO_STORE_HEADERS, *paths)
