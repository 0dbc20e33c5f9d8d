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
    """The current session or JSON ``null``; never cached by intermediaries.

    The no-store headers are set first, so error answers carry them too.
    """
    ctx.headers.update(NO_STORE)
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
    return JSON(body)


@endpoint(
    "/sign-out",
    "POST",
    body=s.Schema(
        {
            "callbackURL": s.string(optional=True),
            "disableRedirect": s.boolean(optional=True),
            "state": s.string(optional=True),
        }
    ),
)
def sign_out(ctx: Context) -> dict[str, Any]:
    from ...services.social import provider_logout_url

    # RP-initiated logout at the user's provider (Better Auth 1.7), looked
    # up before the session, and with it the user, is gone.
    url = provider_logout_url(
        ctx.cookies,
        auth_url=ctx.info.auth_url,
        callback_url=ctx.body.get("callbackURL"),
        state=ctx.body.get("state"),
    )
    sessions.end_session(ctx)
    if url is None:
        return {"success": True}
    redirect = not ctx.body.get("disableRedirect")
    if redirect:
        ctx.headers["Location"] = url
    return {"success": True, "url": url, "redirect": redirect}


@endpoint("/list-sessions", "GET", session="fresh")
def list_sessions(ctx: Context) -> list[dict[str, Any]]:
    from ... import clock
    from ...storage.sessions import session_store

    rows = session_store().list_for_user(ctx.session.user.pk, clock.now())
    return [session_json(row) for row in rows]


@endpoint(
    "/revoke-session",
    "POST",
    session="sensitive",
    body=s.Schema({"token": s.string()}, required=True),
)
def revoke_session(ctx: Context) -> dict[str, bool]:
    """Revoke one session; revoking the caller's own also expires its cookies."""
    token = ctx.body["token"]
    sessions.revoke_session(ctx.session.user, token)
    if token == ctx.session.session.token:
        sessions.clear_session_cookies(ctx.jar)
    return {"status": True}


@endpoint("/revoke-sessions", "POST", session="sensitive")
def revoke_sessions(ctx: Context) -> dict[str, bool]:
    """Revoke every session, the current one too, so its cookies are expired."""
    sessions.revoke_all_sessions(ctx.session.user)
    sessions.clear_session_cookies(ctx.jar)
    return {"status": True}


@endpoint("/revoke-other-sessions", "POST", session="sensitive")
def revoke_other_sessions(ctx: Context) -> dict[str, bool]:
    sessions.revoke_other_sessions(ctx.session.user, ctx.session.session.token)
    return {"status": True}
