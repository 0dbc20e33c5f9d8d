"""``GET /token`` and the ``set-auth-jwt`` header on ``/get-session``."""

from __future__ import annotations

import logging
from typing import Any

from better_auth.api.context import Context
from better_auth.api.registry import endpoint
from better_auth.errors import APIError
from better_auth.hooks import expose_header

from .conf import section
from .tokens import session_jwt

logger = logging.getLogger(__name__)

__all__ = ["add_jwt_header", "token"]

JWT_HEADER = "set-auth-jwt"


@endpoint("/token", "GET", session="session")
def token(ctx: Context) -> dict[str, str]:
    """A JWT for the caller's session; 401 without one."""
    return {"token": session_jwt(ctx.session, origin=ctx.info.origin)}


def add_jwt_header(ctx: Context, result: Any) -> None:
    """After ``/get-session`` with a session: the same JWT in a header."""
    if ctx.path != "/get-session" or ctx.session is None:
        return None
    if isinstance(result, APIError) or section().DISABLE_SETTING_JWT_HEADER:
        return None
    ctx.headers[JWT_HEADER] = session_jwt(ctx.session, origin=ctx.info.origin)
    expose_header(ctx, JWT_HEADER)
    return None
