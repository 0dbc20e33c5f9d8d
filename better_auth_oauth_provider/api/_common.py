"""Helpers shared by the management endpoints: ownership and empty answers."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse

from better_auth.api.context import Context
from better_auth.errors import APIError

from ..conf import hook

__all__ = ["client_reference", "empty_json", "forbidden"]


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
