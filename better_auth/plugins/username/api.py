"""Endpoints of the username plugin (core-surface §8.11)."""

from __future__ import annotations

from typing import Any

from better_auth.api import schema as s
from better_auth.api.context import Context
from better_auth.api.endpoints.email_password import password_sign_in
from better_auth.api.registry import endpoint
from better_auth.errors import APIError

from . import services
from .rules import is_taken, normalize, username_problem

SIGN_IN = s.Schema(
    {
        "username": s.string(),
        "password": s.string(),
        "rememberMe": s.boolean(optional=True),
        "callbackURL": s.string(optional=True),
    },
    required=True,
)
AVAILABLE = s.Schema({"username": s.string()}, required=True)


@endpoint("/sign-in/username", "POST", body=SIGN_IN)
def sign_in_username(ctx: Context) -> Any:
    return password_sign_in(
        ctx, services.sign_in_username, username=ctx.body["username"]
    )


@endpoint("/is-username-available", "POST", body=AVAILABLE)
def is_username_available(ctx: Context) -> dict[str, bool]:
    username = ctx.body["username"]
    if not username:
        raise APIError(422, "INVALID_USERNAME")
    problem = username_problem(username)
    if problem:
        raise APIError(422, problem)
    return {"available": not is_taken(normalize(username))}
