from __future__ import annotations

from typing import Any

from ...conf import auth_settings
from ...errors import APIError
from ...serializers import session_json
from ...services import sessions
from .. import schema as s
from ..context import JSON, Context
from ..registry import endpoint

GET_SESSION_QUERY = s.Schema(
    {"disableCookieCache": s.coerce_boolean(), "disableRefresh": s.coerce_boolean()}
)
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@endpoint("/get-session", ("GET", "POST"), query=GET_SESSION_QUERY)
def get_session(ctx: Context) -> JSON:
    """The current session or JSON ``null``; never cached by intermediaries."""
    defer = auth_settings.SESSION.DEFER_SESSION_REFRESH
    if ctx.method == "POST" and not defer:
        raise APIError(405, "METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED")
    disable_refresh = ctx.query["disableRefresh"] or (defer and ctx.method == "GET")
    current = sessions.get_session(
        ctx,
        disable_cookie_cache=ctx.query["disableCookieCache"],
        disable_refresh=disable_refresh,
    )
    ctx.session = current
    body = current.as_json() if current is not None else None
    if body is not None and defer and ctx.method == "GET":
        body["needsRefresh"] = sessions.refresh_due(current.session)
    return JSON(body, headers=dict(NO_STORE))


@endpoint("/sign-out", "POST", body=s.Schema(
    {
        "callbackURL": s.string(optional=True),
        "disableRedirect": s.boolean(optional=True),
        "state": s.string(optional=True),
    }
))
def sign_out(ctx: Context) -> dict[str, bool]:
    sessions.end_session(ctx)
    return {"success": True}


@endpoint("/list-sessions", "GET", session="fresh")
def list_sessions(ctx: Context) -> list[dict[str, Any]]:
    from ... import clock
    from ...storage.sessions import session_store

    rows = session_store().list_for_user(ctx.session.user.pk, clock.now())
    return [session_json(row) for row in rows]


@endpoint("/revoke-session", "POST", session="sensitive", body=s.Schema({"token": s.string()}))
def revoke_session(ctx: Context) -> dict[str, bool]:
    sessions.revoke_session(ctx.session.user, ctx.body["token"])
    return {"status": True}


@endpoint("/revoke-sessions", "POST", session="sensitive")
def revoke_sessions(ctx: Context) -> dict[str, bool]:
    sessions.revoke_all_sessions(ctx.session.user)
    return {"status": True}


@endpoint("/revoke-other-sessions", "POST", session="sensitive")
def revoke_other_sessions(ctx: Context) -> dict[str, bool]:
    sessions.revoke_other_sessions(ctx.session.user, ctx.session.session.token)
    return {"status": True}
