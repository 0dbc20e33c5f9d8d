"""Sessions: creation, the get-session algorithm, refresh and revocation.

The algorithm is Better Auth's (core-surface §5): read the signed
``session_token`` cookie; try the cookie cache if it is on and bound to that
token; otherwise look the session up; expire cookies when it is gone; extend
it once ``UPDATE_AGE`` has passed since the last extension, unless the user
chose not to be remembered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.dateparse import parse_datetime

from .. import clock, cookie_cache, signals
from ..conf import auth_settings
from ..cookies import (
    DONT_REMEMBER,
    SESSION_DATA,
    SESSION_TOKEN,
    CookieJar,
    cookie,
    read_signed,
)
from ..crypto import generate_token
from ..errors import APIError
from ..models import Session, User
from ..serializers import restore_fields, session_json, user_json
from ..storage.sessions import session_store

if TYPE_CHECKING:
    from ..api.context import Context

logger = logging.getLogger(__name__)

__all__ = [
    "SessionContext",
    "clear_session_cookies",
    "create_session",
    "get_session",
    "register_before_session_create",
    "require_session",
    "revoke_all_sessions",
    "revoke_other_sessions",
    "revoke_session_token",
    "revoke_session",
    "set_session_cookie",
]

DONT_REMEMBER_EXPIRES_IN = 24 * 60 * 60


@dataclass
class SessionContext:
    session: Session
    user: User
    from_cache: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"session": session_json(self.session), "user": user_json(self.user)}


SessionGuard = Callable[[User], None]

_before_create: list[SessionGuard] = []


def register_before_session_create(guard: SessionGuard) -> None:
    """Add a check run before any session is created, by every sign-in method.

    A guard refuses by raising ``APIError`` (the admin plugin's ban check);
    this is the one place all sign-in paths pass through, so a rule put here
    cannot be bypassed by a method added later.
    """
    if guard not in _before_create:
        _before_create.append(guard)


def create_session(
    user: User,
    *,
    ip_address: str | None,
    user_agent: str | None,
    remember_me: bool = True,
    expires_in: int | None = None,
    fields: dict[str, Any] | None = None,
) -> Session:
    """Open a session for ``user``; ``fields`` fills plugin session columns."""
    for guard in _before_create:
        guard(user)
    now = clock.now()
    if expires_in is None:
        expires_in = (
            auth_settings.SESSION.EXPIRES_IN
            if remember_me
            else DONT_REMEMBER_EXPIRES_IN
        )
    session = Session(
        token=generate_token(32),
        user=user,
        expires_at=now + timedelta(seconds=expires_in),
        ip_address=ip_address or "",
        user_agent=user_agent or "",
        created_at=now,
        updated_at=now,
        **(fields or {}),
    )
    try:
        session_store().create(session)
    except Exception:
        logger.exception("could not create a session for user %s", user.pk)
        raise APIError(401, "FAILED_TO_CREATE_SESSION") from None
    return session


def set_session_cookie(
    jar: CookieJar, session: Session, user: User, *, remember_me: bool = True
) -> None:
    """Set ``session_token`` (and ``dont_remember`` / the cookie cache)."""
    max_age = auth_settings.SESSION.EXPIRES_IN if remember_me else None
    jar.set_signed(SESSION_TOKEN, session.token, max_age=max_age)
    if not remember_me:
        jar.set_signed(DONT_REMEMBER, "true", max_age=None)
    _set_cookie_cache(jar, session, user, remember_me=remember_me)


def _set_cookie_cache(
    jar: CookieJar, session: Session, user: User, *, remember_me: bool
) -> None:
    cache = auth_settings.SESSION.COOKIE_CACHE
    if not cache.ENABLED:
        return
    payload = {
        "session": session_json(session),
        "user": user_json(user),
        "updatedAt": clock.now_ms(),
        "version": str(cache.VERSION),
    }
    if cache.STRATEGY == "jwt":
        value = cookie_cache.encode_jwt(
            payload, auth_settings.SECRET, cache.MAX_AGE, int(clock.now().timestamp())
        )
    else:
        value = cookie_cache.encode_compact(
            payload, auth_settings.SECRET, cache.MAX_AGE, clock.now_ms()
        )
    jar.set(SESSION_DATA, value, max_age=cache.MAX_AGE if remember_me else None)


def clear_session_cookies(jar: CookieJar) -> None:
    jar.expire(SESSION_TOKEN)
    jar.expire(SESSION_DATA)
    jar.expire(DONT_REMEMBER)


def _from_cache(ctx: Context, token: str) -> SessionContext | None:
    cache = auth_settings.SESSION.COOKIE_CACHE
    raw = ctx.cookies.get(cookie(SESSION_DATA).name)
    if not raw:
        return None
    version = str(cache.VERSION)
    if cache.STRATEGY == "jwt":
        data = cookie_cache.decode_jwt(
            raw,
            auth_settings.secrets(),
            int(clock.now().timestamp()),
            session_token=token,
            version=version,
        )
    else:
        data = cookie_cache.decode_compact(
            raw,
            auth_settings.secrets(),
            clock.now_ms(),
            session_token=token,
            version=version,
        )
    # The decoders answer {"session": <cached payload>, "expiresAt": ms}.
    restored = _restore(data["session"], token, version) if data else None
    if restored is None:
        ctx.jar.expire(SESSION_DATA)
    return restored


def _restore(data: dict[str, Any], token: str, version: str) -> SessionContext | None:
    """Rebuild a session from a cache payload bound to ``token`` (1.7 binding)."""
    try:
        s, u = data["session"], data["user"]
        if s.get("token") != token or str(data.get("version", "1")) != version:
            return None
        expires_at = parse_datetime(s["expiresAt"])
        if expires_at is None or expires_at <= clock.now():
            return None
        user = User(
            id=u["id"],
            name=u.get("name") or "",
            email=u["email"],
            email_verified=bool(u.get("emailVerified")),
            image=u.get("image"),
            created_at=parse_datetime(u["createdAt"]),
            updated_at=parse_datetime(u["updatedAt"]),
        )
        user._state.adding = False
        session = Session(
            id=s["id"],
            token=s["token"],
            user=user,
            expires_at=expires_at,
            ip_address=s.get("ipAddress"),
            user_agent=s.get("userAgent"),
            created_at=parse_datetime(s["createdAt"]),
            updated_at=parse_datetime(s["updatedAt"]),
            active_organization_id=s.get("activeOrganizationId"),
            active_team_id=s.get("activeTeamId"),
        )
        session._state.adding = False
        restore_fields(user, u, session, s)
    except (KeyError, TypeError, ValueError):
        return None
    return SessionContext(session, user, from_cache=True)


def get_session(
    ctx: Context,
    *,
    disable_cookie_cache: bool = False,
    disable_refresh: bool = False,
) -> SessionContext | None:
    """The request's session, refreshed when due; None when signed out."""
    token = read_signed(ctx.cookies, SESSION_TOKEN)
    if not token:
        return None
    if auth_settings.SESSION.COOKIE_CACHE.ENABLED and not disable_cookie_cache:
        cached = _from_cache(ctx, token)
        if cached is not None:
            return cached
    store = session_store()
    session = store.find(token)
    now = clock.now()
    if session is None or session.expires_at <= now:
        if session is not None:
            store.delete(token)
        clear_session_cookies(ctx.jar)
        return None
    user = session.user
    if not user.is_active:
        clear_session_cookies(ctx.jar)
        return None
    dont_remember = read_signed(ctx.cookies, DONT_REMEMBER)
    remember = not dont_remember
    cfg = auth_settings.SESSION
    if dont_remember or disable_refresh or cfg.DISABLE_SESSION_REFRESH:
        _set_cookie_cache(ctx.jar, session, user, remember_me=remember)
        return SessionContext(session, user)
    expires_in = timedelta(seconds=cfg.EXPIRES_IN)
    due = session.expires_at - expires_in + timedelta(seconds=cfg.UPDATE_AGE) <= now
    if due:
        if not store.extend(session, now + expires_in, now):
            clear_session_cookies(ctx.jar)
            raise APIError(401, "FAILED_TO_GET_SESSION")
        ctx.jar.set_signed(SESSION_TOKEN, session.token, max_age=cfg.EXPIRES_IN)
    _set_cookie_cache(ctx.jar, session, user, remember_me=remember)
    return SessionContext(session, user)


def require_session(ctx: Context, *, mode: str = "session") -> SessionContext:
    """The session an endpoint needs, or 401 / 403 as Better Auth answers.

    ``sensitive`` reads the authoritative store, never the cookie cache, so a
    revoked session cannot act through a cached copy (case 61d). ``fresh``
    also needs the session to be younger than ``FRESH_AGE``.
    """
    if ctx.session is not None and not (mode != "session" and ctx.session.from_cache):
        current = ctx.session
    else:
        current = get_session(ctx, disable_cookie_cache=mode != "session")
    if current is None:
        raise APIError(401, "UNAUTHORIZED")
    if mode == "fresh":
        fresh_age = auth_settings.SESSION.FRESH_AGE
        if (
            fresh_age
            and current.session.created_at + timedelta(seconds=fresh_age) < clock.now()
        ):
            raise APIError(403, "SESSION_NOT_FRESH")
    return current


def is_fresh(session: Session) -> bool:
    fresh_age = auth_settings.SESSION.FRESH_AGE
    return (
        not fresh_age
        or session.created_at + timedelta(seconds=fresh_age) >= clock.now()
    )


def _emit_revoked(user_id: str, session_ids: list[str], reason: str) -> None:
    if not session_ids:
        return
    transaction.on_commit(
        lambda: signals.session_revoked.send(
            sender=Session, user_id=user_id, session_ids=session_ids, reason=reason
        )
    )


def revoke_session(user: User, token: str) -> None:
    """Delete one of ``user``'s sessions; another user's token is a no-op."""
    store = session_store()
    session = store.find(token)
    if session is None or session.user_id != user.pk:
        return
    store.delete(token)
    _emit_revoked(user.pk, [session.id], "revoke")


def revoke_session_token(token: str, *, reason: str) -> bool:
    """Delete the session of ``token``, whoever owns it, and announce it.

    For callers already allowed to end any session (the admin plugin); a
    user ending their own uses :func:`revoke_session`.
    """
    store = session_store()
    session = store.find(token)
    if session is None:
        return False
    store.delete(token)
    _emit_revoked(session.user_id, [session.id], reason)
    return True


def revoke_all_sessions(user: User, *, reason: str = "revoke-all") -> list[str]:
    ids = session_store().delete_for_user(user.pk)
    _emit_revoked(user.pk, ids, reason)
    return ids


def revoke_other_sessions(user: User, keep_token: str) -> list[str]:
    ids = session_store().delete_for_user(user.pk, keep_token=keep_token)
    _emit_revoked(user.pk, ids, "revoke-others")
    return ids


def end_session(ctx: Context) -> None:
    """Sign-out: delete the cookie's session (if any) and expire the cookies."""
    token = read_signed(ctx.cookies, SESSION_TOKEN)
    if token:
        store = session_store()
        session = store.find(token)
        if session is not None:
            store.delete(token)
            user_id, session_id = session.user_id, session.id
            transaction.on_commit(
                lambda: signals.user_signed_out.send(
                    sender=Session, user_id=user_id, session_id=session_id
                )
            )
            _emit_revoked(user_id, [session_id], "sign-out")
    clear_session_cookies(ctx.jar)


def refresh_due(session: Session) -> bool:
    cfg = auth_settings.SESSION
    return (
        session.expires_at
        - timedelta(seconds=cfg.EXPIRES_IN)
        + timedelta(seconds=cfg.UPDATE_AGE)
        <= clock.now()
    )
