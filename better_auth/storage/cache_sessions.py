"""Sessions kept in the secondary storage: a Django cache alias (Redis).

Selected with ``SESSION.STORAGE = "cache"`` on the alias named by
``SECONDARY_STORAGE``. The layout is Better Auth's secondary-storage layout
(core-surface §5.1), so one Redis can be shared with a Better Auth server:

* ``<token>`` → JSON ``{"session": {...}, "user": {...}}``, living until the
  session expires; both objects carry every column of their row, camelCased,
  dates as ISO 8601 strings;
* ``active-sessions-<userId>`` → JSON ``[{"token", "expiresAt" (ms)}]``
  sorted by expiry, living until the last of them expires;
* ``revoked-sessions-before-<userId>`` → epoch ms: after "revoke all",
  sessions created earlier are refused even if the list missed them.

The list is updated under a short cache lock so that two sign-ins of one
user cannot drop each other's entry; the lock is best effort, and revoke-all
stays correct without it through the revocation marker.
"""

from __future__ import annotations

import json
import logging
import math
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from django.core.cache import BaseCache, caches
from django.core.exceptions import ValidationError
from django.db import models, router
from django.utils.dateparse import parse_datetime

from .. import clock
from ..conf import auth_settings
from ..models import Session, User
from ..serializers import iso

logger = logging.getLogger(__name__)

__all__ = ["CacheSessionStore"]

DAY = 24 * 60 * 60


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _row_json(instance: models.Model) -> dict[str, Any]:
    """Every concrete column of ``instance`` as Better Auth writes a row."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        if isinstance(value, datetime):
            value = iso(value)
        elif isinstance(value, date):
            value = value.isoformat()
        elif value is not None and not isinstance(value, str | int | float | bool):
            value = field.value_to_string(instance)
        data[_camel(field.attname)] = value
    return data


def _from_row_json(model: type[models.Model], data: dict[str, Any]) -> models.Model:
    values: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        key = _camel(field.attname)
        if key not in data:
            continue
        raw = data[key]
        if isinstance(field, models.DateTimeField) and isinstance(raw, str):
            values[field.attname] = parse_datetime(raw)
        else:
            values[field.attname] = field.to_python(raw)
    return model(**values)


def _ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def _ttl(expires_ms: int, now_ms: int) -> int:
    """Better Auth's ``getTTLSeconds``: whole seconds left, never negative."""
    return max(math.floor((expires_ms - now_ms) / 1000), 0)


class CacheSessionStore:
    """The ``SessionStore`` protocol on a Django cache alias."""

    lock_timeout = 2
    lock_wait = 1.0

    def __init__(self, alias: str = "default") -> None:
        self.alias = alias

    @classmethod
    def for_settings(cls) -> CacheSessionStore:
        return cls(auth_settings.SECONDARY_STORAGE or "default")

    @property
    def cache(self) -> BaseCache:
        return caches[self.alias]

    # Keys.

    @staticmethod
    def list_key(user_id: str) -> str:
        return f"active-sessions-{user_id}"

    @staticmethod
    def revoked_key(user_id: str) -> str:
        return f"revoked-sessions-before-{user_id}"

    # Reading.

    def _load(self, token: str) -> dict[str, Any] | None:
        raw = self.cache.get(token)
        if not raw:
            return None
        try:
            data = json.loads(raw)
        except (TypeError, ValueError):
            return None
        if not isinstance(data, dict) or not isinstance(data.get("session"), dict):
            return None
        return data

    def _rebuild(self, data: dict[str, Any]) -> Session | None:
        user_data, session_data = data.get("user"), data.get("session")
        if not isinstance(user_data, dict) or not isinstance(session_data, dict):
            return None
        if not user_data.get("id") or session_data.get("userId") != user_data["id"]:
            return None
        try:
            user = _from_row_json(User, user_data)
            session = _from_row_json(Session, session_data)
        except (KeyError, TypeError, ValueError, ValidationError):
            return None
        if session.expires_at is None or session.created_at is None:
            return None
        user._state.adding = False
        user._state.db = router.db_for_read(User)
        session.user = user
        return session

    def _revoked(self, session: Session) -> bool:
        marker = self.cache.get(self.revoked_key(session.user_id))
        try:
            before = int(marker) if marker is not None else 0
        except (TypeError, ValueError):
            before = 0
        return _ms(session.created_at) < before

    def find(self, token: str) -> Session | None:
        data = self._load(token)
        session = self._rebuild(data) if data else None
        if session is None or self._revoked(session):
            return None
        return session

    def list_for_user(self, user_id: str, now: datetime) -> list[Session]:
        now_ms = _ms(now)
        found: dict[str, Session] = {}
        for ref in self._references(user_id):
            if ref["expiresAt"] <= now_ms or ref["token"] in found:
                continue
            session = self.find(ref["token"])
            if session is not None and session.user_id == user_id:
                found[ref["token"]] = session
        return sorted(found.values(), key=lambda s: s.created_at)

    # Writing.

    def _write(self, session: Session, user_json: dict[str, Any], now_ms: int) -> bool:
        ttl = _ttl(_ms(session.expires_at), now_ms)
        if ttl <= 0:
            return False
        payload = {"session": _row_json(session), "user": user_json}
        self.cache.set(session.token, json.dumps(payload), timeout=ttl)
        return True

    def create(self, session: Session) -> Session:
        now_ms = clock.now_ms()
        if self._write(session, _row_json(session.user), now_ms):
            self._update_references(
                session.user_id,
                now_ms,
                drop={session.token},
                add=[{"token": session.token, "expiresAt": _ms(session.expires_at)}],
            )
        return session

    def extend(self, session: Session, expires_at: datetime, now: datetime) -> bool:
        data = self._load(session.token)
        if data is None:
            return False
        session.expires_at = expires_at
        session.updated_at = now
        now_ms = clock.now_ms()
        if not self._write(session, data.get("user") or {}, now_ms):
            return False
        self._update_references(
            session.user_id,
            now_ms,
            drop={session.token},
            add=[{"token": session.token, "expiresAt": _ms(expires_at)}],
        )
        return True

    def delete(self, token: str) -> None:
        data = self._load(token)
        user_id = (data or {}).get("session", {}).get("userId")
        if user_id:
            self._update_references(str(user_id), clock.now_ms(), drop={token})
        self.cache.delete(token)

    def delete_for_user(
        self, user_id: str, *, keep_token: str | None = None
    ) -> list[str]:
        now_ms = clock.now_ms()
        if keep_token is None:
            self._mark_revoked(user_id, now_ms)
        tokens = {ref["token"] for ref in self._references(user_id)} - {keep_token}
        ids: list[str] = []
        for token in tokens:
            data = self._load(token)
            session = (data or {}).get("session") or {}
            if session.get("userId") == user_id and session.get("id"):
                ids.append(str(session["id"]))
            self.cache.delete(token)
        self._update_references(user_id, now_ms, drop=tokens)
        return ids

    def refresh_user(self, user: User) -> None:
        """Rewrite the user copy in each live session after the user changed.

        Better Auth does this on every user update (``refreshUserSessions``);
        without it a renamed or verified user reads stale in get-session.
        """
        now_ms = clock.now_ms()
        user_json = _row_json(user)
        for ref in self._references(user.pk):
            data = self._load(ref["token"])
            session = self._rebuild(data) if data else None
            if session is not None and ref["expiresAt"] > now_ms:
                self._write(session, user_json, now_ms)

    def _mark_revoked(self, user_id: str, now_ms: int) -> None:
        key = self.revoked_key(user_id)
        previous = self.cache.get(key)
        try:
            marker = max(now_ms, int(previous or 0))
        except (TypeError, ValueError):
            marker = now_ms
        ttl = max(int(auth_settings.SESSION.EXPIRES_IN), DAY)
        self.cache.set(key, str(marker), timeout=ttl)

    # The active-sessions list.

    def _references(self, user_id: str) -> list[dict[str, Any]]:
        raw = self.cache.get(self.list_key(user_id))
        try:
            refs = json.loads(raw) if raw else []
        except (TypeError, ValueError):
            return []
        if not isinstance(refs, list):
            return []
        return [
            r
            for r in refs
            if isinstance(r, dict)
            and isinstance(r.get("token"), str)
            and isinstance(r.get("expiresAt"), int | float)
        ]

    def _update_references(
        self,
        user_id: str,
        now_ms: int,
        *,
        drop: set[str],
        add: list[dict[str, Any]] | None = None,
    ) -> None:
        with self._locked(user_id):
            refs = [
                r
                for r in self._references(user_id)
                if r["expiresAt"] > now_ms and r["token"] not in drop
            ]
            refs = sorted([*refs, *(add or [])], key=lambda r: r["expiresAt"])
            ttl = _ttl(int(refs[-1]["expiresAt"]), now_ms) if refs else 0
            if ttl > 0:
                self.cache.set(self.list_key(user_id), json.dumps(refs), timeout=ttl)
            else:
                self.cache.delete(self.list_key(user_id))

    @contextmanager
    def _locked(self, user_id: str) -> Iterator[None]:
        key = f"{self.list_key(user_id)}-lock"
        owner = secrets.token_hex(8)
        deadline = time.monotonic() + self.lock_wait
        acquired = self.cache.add(key, owner, timeout=self.lock_timeout)
        while not acquired and time.monotonic() < deadline:
            time.sleep(0.005)
            acquired = self.cache.add(key, owner, timeout=self.lock_timeout)
        if not acquired:
            logger.warning("active-sessions lock for user %s not acquired", user_id)
        try:
            yield
        finally:
            if acquired and self.cache.get(key) == owner:
                self.cache.delete(key)
