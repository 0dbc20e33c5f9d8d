"""Endpoints of the username plugin (core-surface §8.11)."""

from __future__ import annotations

from typing import Any

from better_auth.api import schema as s
from better_auth.api.context import JSON, Context
from better_auth.api.registry import endpoint
from better_auth.errors import APIError
from better_auth.serializers import user_json
from better_auth.services.sessions import set_session_cookie

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
    b = ctx.body
    remember = b.get("rememberMe", True) is not False
    callback = b.get("callbackURL")
    result = services.sign_in_username(
        username=b["username"],
        password=b["password"],
        ip_address=ctx.info.ip,
        user_agent=ctx.info.user_agent,
        remember_me=remember,
        callback_url=callback,
        auth_url=ctx.info.auth_url,
    )
    set_session_cookie(ctx.jar, result.session, result.user, remember_me=remember)
    body: dict[str, Any] = {"redirect": bool(callback), "token": result.session.token}
    if callback:
        body["url"] = callback
    body["user"] = user_json(result.user)
    if callback:
        return JSON(body, headers={"Location": callback})
    return body


@endpoint("/is-username-available", "POST", body=AVAILABLE)
def is_username_available(ctx: Context) -> dict[str, bool]:
    username = ctx.body["username"]
    if not username:
        raise APIError(422, "INVALID_USERNAME")
    problem = username_problem(username)
    if problem:
        raise APIError(422, problem)
    return {"available": not is_taken(normalize(username))}
