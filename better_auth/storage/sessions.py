"""Where sessions live: the database (default) or the secondary storage.

Every read a request makes for its session is one indexed query joining the
user, so get-session costs at most one query.

That read is the hot path of every authenticated request (Better Auth's
get-session, core-surface §5), so its SQL is written once per database
connection (alias and vendor) from the models' metadata instead of being
compiled by the ORM on every call, and the rows become model instances
through ``Model.from_db``, the way the ORM's ``select_related`` builds them.
It still runs on a Django cursor, so query logging, ``CaptureQueriesContext``
and ``execute_wrapper`` see it like any other query.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

from ..conf import auth_settings
from ..models import Session
from .statements import statement_cursor

_Converter = Callable[[Any, Any, BaseDatabaseWrapper], Any]


class SessionStore(Protocol):
    def find(self, token: str) -> Session | None: ...
    def create(self, session: Session) -> Session: ...
    def extend(self, session: Session, expires_at: datetime, now: datetime) -> bool: ...
    def delete(self, token: str) -> None: ...
    def delete_for_user(
        self, user_id: str, *, keep_token: str | None = None
    ) -> list[str]: ...
    def list_for_user(self, user_id: str, now: datetime) -> list[Session]: ...


@dataclass(frozen=True)
class _SessionJoin:
    """``SELECT session.*, user.* … WHERE token = %s`` for one connection.

    ``converters`` are the backend's and the fields' ``from_db_value``
    converters by column position, exactly those the ORM compiler would
    apply to the same columns (``SQLCompiler.get_converters``).
    """

    sql: str
    session_fields: tuple[str, ...]
    user_model: type[Model]
    user_fields: tuple[str, ...]
    converters: tuple[tuple[int, tuple[_Converter, ...], Any], ...]

    def instances(
        self, row: Sequence[Any], db: str, connection: BaseDatabaseWrapper
    ) -> Session:
        """The session, with its user cached as ``select_related`` leaves it."""
        if self.converters:
            values = list(row)
            for position, functions, expression in self.converters:
                value = values[position]
                for convert in functions:
                    value = convert(value, expression, connection)
                values[position] = value
            row = values
        split = len(self.session_fields)
        session = Session.from_db(db, self.session_fields, row[:split])
        user = self.user_model.from_db(db, self.user_fields, row[split:])
        _USER_FK.set_cached_value(session, user)
        return session


_USER_FK = Session._meta.get_field("user")
_JOINS: dict[tuple[str, str], _SessionJoin] = {}


def _build_join(connection: BaseDatabaseWrapper) -> _SessionJoin:
    quote = connection.ops.quote_name
    user_model = _USER_FK.related_model
    session_table = quote(Session._meta.db_table)
    user_table = quote(user_model._meta.db_table)
    session_fields = Session._meta.concrete_fields
    user_fields = user_model._meta.concrete_fields
    columns = [(Session._meta.db_table, f) for f in session_fields] + [
        (user_model._meta.db_table, f) for f in user_fields
    ]
    select = ", ".join(f"{quote(table)}.{quote(f.column)}" for table, f in columns)
    (fk_column, target_column), *_ = (
        (local.column, remote.column) for local, remote in _USER_FK.related_fields
    )
    token_column = quote(Session._meta.get_field("token").column)
    on = f"{session_table}.{quote(fk_column)} = {user_table}.{quote(target_column)}"
    # Only quoted identifiers from the models' metadata are interpolated; the
    # token is always a bound parameter.
    sql = (
        f"SELECT {select} FROM {session_table} INNER JOIN {user_table}"  # noqa: S608
        f" ON ({on}) WHERE {session_table}.{token_column} = %s"
    )
    converters = []
    for position, (table, field) in enumerate(columns):
        expression = field.get_col(table)
        functions = connection.ops.get_db_converters(
            expression
        ) + expression.get_db_converters(connection)
        if functions:
            converters.append((position, tuple(functions), expression))
    return _SessionJoin(
        sql=sql,
        session_fields=tuple(f.attname for f in session_fields),
        user_model=user_model,
        user_fields=tuple(f.attname for f in user_fields),
        converters=tuple(converters),
    )


def _session_join(connection: BaseDatabaseWrapper) -> _SessionJoin:
    key = (connection.alias, connection.vendor)
    join = _JOINS.get(key)
    if join is None:
        join = _JOINS[key] = _build_join(connection)
    return join


class DatabaseSessionStore:
    def find(self, token: str) -> Session | None:
        """The session with ``token`` and its user, in one indexed query.

        The same rows as ``select_related("user").filter(token=token)`` (an
        inner join: the foreign key is not nullable); ``token`` is unique, so
        no ``ORDER BY`` or ``LIMIT`` is needed to pick one.
        """
        db = router.db_for_read(Session)
        connection = connections[db]
        join = _session_join(connection)
        with statement_cursor(connection) as cursor:
            cursor.execute(join.sql, [token])
            row = cursor.fetchone()
        if row is None:
            return None
        return join.instances(row, db, connection)

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
