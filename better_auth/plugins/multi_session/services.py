"""Device sessions kept in one browser: the ``_multi-`` cookies and their rules.

Each session a browser signs in gets a signed cookie named after the session
cookie plus ``_multi-<token lowercased>`` (core-surface §4.1, §8.10), holding
the token. A cookie is only a pointer: every use re-reads the session from
the store, so a revoked or expired session behind a cookie is worthless.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction

from better_auth import clock, signals
from better_auth.conf import auth_settings
from better_auth.cookies import SESSION_TOKEN, CookieJar, cookie
from better_auth.crypto import (
    decode_cookie_value,
    encode_cookie_value,
    sign_cookie_value,
    unsign_cookie_value,
)
from better_auth.models import Session
from better_auth.storage.sessions import session_store

from .conf import section

__all__ = [
    "MARK",
    "alive",
    "delete_sessions",
    "device_cookies",
    "expire_device_cookie",
    "multi_cookie_name",
    "remember_session",
    "set_device_cookie",
]

MARK = "_multi-"
# A browser holds at most MAXIMUM_SESSIONS of them; more in one request is
# not a browser, and is not worth one lookup each.
MAX_COOKIES_READ = 32


def multi_cookie_name(token: str) -> str:
    return f"{cookie(SESSION_TOKEN).name}{MARK}{token.lower()}"


def device_cookies(cookies: Mapping[str, str]) -> list[tuple[str, str | None]]:
    """``(name, verified token or None)`` of each multi-session cookie sent."""
    names = [name for name in cookies if MARK in name][:MAX_COOKIES_READ]
    secrets = auth_settings.secrets()
    return [
        (name, unsign_cookie_value(decode_cookie_value(cookies[name]), secrets))
        for name in names
    ]


def alive(session: Session | None) -> bool:
    return (
        session is not None
        and session.expires_at > clock.now()
        and session.user.is_active
    )


def set_device_cookie(jar: CookieJar, token: str) -> None:
    """The multi-session cookie with the session cookie's attributes."""
    attrs = dict(cookie(SESSION_TOKEN).attrs)
    attrs["max-age"] = auth_settings.SESSION.EXPIRES_IN
    signed = sign_cookie_value(token, auth_settings.SECRET)
    jar.items[multi_cookie_name(token)] = (encode_cookie_value(signed), attrs)


def expire_device_cookie(jar: CookieJar, name: str) -> None:
    attrs = dict(cookie(SESSION_TOKEN).attrs)
    attrs["max-age"] = 0
    jar.items[name] = ("", attrs)


def delete_sessions(sessions: list[Session], reason: str) -> None:
    """Delete sessions found behind device cookies, announcing each revocation."""
    store = session_store()
    for session in sessions:
        store.delete(session.token)
        user_id, ids = session.user_id, [session.id]
        transaction.on_commit(
            lambda user_id=user_id, ids=ids: signals.session_revoked.send(
                sender=Session, user_id=user_id, session_ids=ids, reason=reason
            )
        )


def remember_session(jar: CookieJar, cookies: Mapping[str, str], token: str) -> None:
    """Add a device cookie for the session just set, Better Auth's way.

    The same user's older device sessions in this browser are deleted (a
    second sign-in as the same user replaces the first), and beyond
    ``MAXIMUM_SESSIONS`` the new session simply gets no device cookie.
    """
    name = multi_cookie_name(token)
    if name in cookies or name in jar.items:
        return
    store = session_store()
    new = store.find(token)
    if new is None:
        return
    sent = device_cookies(cookies)
    replaced: list[Session] = []
    for cookie_name, other in sent:
        if not other or other == token:
            continue
        session = store.find(other)
        if session is not None and session.user_id == new.user_id:
            replaced.append(session)
            expire_device_cookie(jar, cookie_name)
    delete_sessions(replaced, "revoke")
    if len(sent) - len(replaced) + 1 > section().MAXIMUM_SESSIONS:
        return
    set_device_cookie(jar, token)
