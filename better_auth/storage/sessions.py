"""Where sessions live: the database (default) or the secondary storage.

Every read a request makes for its session is one indexed query joining the
user, so get-session costs at most one query.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from ..conf import auth_settings
from ..models import Session


class SessionStore(Protocol):
    def find(self, token: str) -> Session | None: ...
    def create(self, session: Session) -> Session: ...
    def extend(self, session: Session, expires_at: datetime, now: datetime) -> bool: ...
    def delete(self, token: str) -> None: ...
    def delete_for_user(
        self, user_id: str, *, keep_token: str | None = None
    ) -> list[str]: ...
    def list_for_user(self, user_id: str, now: datetime) -> list[Session]: ...


class DatabaseSessionStore:
    def find(self, token: str) -> Session | None:
        return Session.objects.select_related("user").filter(token=token).first()

    def create(self, session: Session) -> Session:
        session.save(force_insert=True)
        return session

    def extend(self, session: Session, expires_at: datetime, now: datetime) -> bool:
        updated = Session.objects.filter(pk=session.pk).update(
            expires_at=expires_at, updated_at=now
        )
        if updated:
            session.expires_at = expires_at
            session.updated_at = now
        return bool(updated)

    def delete(self, token: str) -> None:
        Session.objects.filter(token=token).delete()

    def delete_for_user(
        self, user_id: str, *, keep_token: str | None = None
    ) -> list[str]:
        qs = Session.objects.filter(user_id=user_id)
        if keep_token is not None:
            qs = qs.exclude(token=keep_token)
        ids = list(qs.values_list("id", flat=True))
        if ids:
            Session.objects.filter(id__in=ids).delete()
        return ids

    def list_for_user(self, user_id: str, now: datetime) -> list[Session]:
        return list(
            Session.objects.filter(user_id=user_id, expires_at__gt=now).order_by(
                "created_at"
            )
        )


_db_store = DatabaseSessionStore()


def session_store() -> SessionStore:
    if auth_settings.SESSION.STORAGE == "cache":
        from .cache_sessions import CacheSessionStore

        return CacheSessionStore.for_settings()
    return _db_store
