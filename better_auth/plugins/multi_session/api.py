"""``/multi-session/*`` endpoints and the hooks that keep the device cookies."""

from __future__ import annotations

from typing import Any

from better_auth.api import schema as s
from better_auth.api.context import Context
from better_auth.api.registry import endpoint
from better_auth.conf import auth_settings
from better_auth.cookies import DONT_REMEMBER, SESSION_TOKEN, read_signed
from better_auth.crypto import decode_cookie_value, unsign_cookie_value
from better_auth.errors import APIError
from better_auth.serializers import session_json, user_json
from better_auth.services.sessions import clear_session_cookies, set_session_cookie
from better_auth.storage.sessions import session_store

from .errors import INVALID_SESSION_TOKEN
from .services import (
    alive,
    delete_sessions,
    device_cookies,
    expire_device_cookie,
    multi_cookie_name,
    remember_session,
)

__all__ = [
    "forget_on_sign_out",
    "list_device_sessions",
    "remember_new_session",
    "revoke_device_session",
    "set_active_session",
]

TOKEN_BODY = s.Schema({"sessionToken": s.string()}, required=True)


def _invalid() -> APIError:
    return APIError(401, INVALID_SESSION_TOKEN)


def _pair(session: Any) -> dict[str, Any]:
    return {"session": session_json(session), "user": user_json(session.user)}


def _device_token(ctx: Context, session_token: str) -> tuple[str, str | None]:
    """The multi-session cookie named after ``session_token`` and its value."""
    name = multi_cookie_name(session_token)
    raw = ctx.cookies.get(name)
    if not raw:
        return name, None
    return name, unsign_cookie_value(decode_cookie_value(raw), auth_settings.secrets())


@endpoint("/multi-session/list-device-sessions", "GET")
def list_device_sessions(ctx: Context) -> list[dict[str, Any]]:
    """Every live session this browser holds, one per user."""
    store = session_store()
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for _name, token in device_cookies(ctx.cookies):
        if not token:
            continue
        session = store.find(token)
        if not alive(session) or session.user_id in seen:
            continue
        seen.add(session.user_id)
        out.append(_pair(session))
    return out


@endpoint("/multi-session/set-active", "POST", body=TOKEN_BODY)
def set_active_session(ctx: Context) -> dict[str, Any]:
    """Make one of this browser's device sessions the active session."""
    name, token = _device_token(ctx, ctx.body["sessionToken"])
    if not token:
        raise _invalid()
    session = session_store().find(token)
    if not alive(session):
        expire_device_cookie(ctx.jar, name)
        raise _invalid()
    remember = not read_signed(ctx.cookies, DONT_REMEMBER)
    set_session_cookie(ctx.jar, session, session.user, remember_me=remember)
    return _pair(session)


@endpoint("/multi-session/revoke", "POST", body=TOKEN_BODY, session="session")
def revoke_device_session(ctx: Context) -> dict[str, bool]:
    """Revoke one device session; revoking the active one switches to the next."""
    name, token = _device_token(ctx, ctx.body["sessionToken"])
    if not token:
        raise _invalid()
    store = session_store()
    session = store.find(token)
    if session is not None:
        delete_sessions([session], "revoke")
    expire_device_cookie(ctx.jar, name)
    if ctx.session.session.token != token:
        return {"status": True}
    for _other_name, other in device_cookies(ctx.cookies):
        if not other or other == token:
            continue
        candidate = store.find(other)
        if alive(candidate):
            remember = not read_signed(ctx.cookies, DONT_REMEMBER)
            set_session_cookie(ctx.jar, candidate, candidate.user, remember_me=remember)
            break
    else:
        clear_session_cookies(ctx.jar)
    return {"status": True}


def remember_new_session(ctx: Context, result: Any) -> None:
    """After any answer that sets the session cookie: keep a device cookie too."""
    raw = ctx.jar.value_of(SESSION_TOKEN)
    if not raw:
        return None
    token = unsign_cookie_value(decode_cookie_value(raw), auth_settings.secrets())
    if token:
        remember_session(ctx.jar, ctx.cookies, token)
    return None


def forget_on_sign_out(ctx: Context, result: Any) -> None:
    """Sign-out ends every device session of this browser, not just the active."""
    if ctx.path != "/sign-out" or isinstance(result, APIError):
        return None
    store = session_store()
    ending = []
    for name, token in device_cookies(ctx.cookies):
        if not token:
            continue
        expire_device_cookie(ctx.jar, name)
        session = store.find(token)
        if session is not None:
            ending.append(session)
    delete_sessions(ending, "sign-out")
    return None
