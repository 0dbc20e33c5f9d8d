"""Helpers shared by the endpoint modules."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse

from better_auth.api import schema as s
from better_auth.api.context import Context
from better_auth.api.router import empty_response
from better_auth.api.schema import _type_name
from better_auth.errors import APIError

__all__ = ["P", "active_org", "not_found", "OPTIONAL", "roles_field", "session_user"]

P = "/organization"

OPTIONAL = s.string(optional=True)


def roles_field(ctx: Context, name: str = "role") -> Any:
    value = ctx.body.get(name)
    if isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(v, str) for v in value)
    ):
        return value
    got = "undefined" if name not in ctx.body else _type_name(value)
    raise APIError(
        400,
        "VALIDATION_ERROR",
        f"[body.{name}] Invalid input: expected string or array, received {got}",
        status_text="400",
    )


def active_org(ctx: Context, given: str | None = None) -> str | None:
    return given or ctx.session.session.active_organization_id


def session_user(ctx: Context) -> Any:
    return ctx.session.user


def not_found() -> HttpResponse:
    return empty_response(404)
