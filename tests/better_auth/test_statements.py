"""The request path's statements, prepared on PostgreSQL when allowed.

:func:`better_auth.storage.statements.statement_cursor` binds on the
server only where the database's ``OPTIONS`` give psycopg 3 a
``prepare_threshold`` (the test settings set 0 on PostgreSQL); everywhere
else it is Django's ordinary cursor. Either way Django's query log and
``execute_wrapper`` see the statement.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from better_auth.models import User
from better_auth.services.sessions import create_session
from better_auth.storage.statements import prepares_statements, statement_cursor

pytestmark = pytest.mark.django_db

_PROBE = "SELECT CAST(%s AS text) AS probe_of_statement_cursor"


def _needs_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_ordinary_cursor_without_postgres_or_threshold(monkeypatch: Any) -> None:
    if connection.vendor == "postgresql":
        options = dict(connection.settings_dict.get("OPTIONS") or {})
        options.pop("prepare_threshold", None)
        monkeypatch.setitem(connection.settings_dict, "OPTIONS", options)
    assert not prepares_statements(connection)
    with statement_cursor(connection) as cursor:
        cursor.execute(_PROBE, ["x"])
        assert cursor.fetchone() == ("x",)
        raw = cursor.cursor
    with connection.cursor() as ordinary:
        assert type(raw) is type(ordinary.cursor)


def test_statement_is_prepared_and_still_logged() -> None:
    _needs_postgres()
    assert prepares_statements(connection)
    seen: list[str] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, ctx: Any) -> Any:
        seen.append(sql)
        return execute(sql, params, many, ctx)

    with CaptureQueriesContext(connection) as captured:
        with connection.execute_wrapper(wrapper):
            for value in ("a", "b"):
                with statement_cursor(connection) as cursor:
                    cursor.execute(_PROBE, [value])
                    assert cursor.fetchone() == (value,)
    assert seen == [_PROBE, _PROBE]
    logged = [q["sql"] for q in captured.captured_queries]
    assert len(logged) == 2
    assert all(q and "probe_of_statement_cursor" in q for q in logged)
    assert any("probe_of_statement_cursor" in s for s in _prepared())


def test_session_lookup_is_prepared(client: Any) -> None:
    _needs_postgres()
    user = User.objects.create(email="prepared@example.com", name="P")
    session = create_session(user, ip_address="127.0.0.1", user_agent="t")
    from better_auth.storage.sessions import DatabaseSessionStore

    found = DatabaseSessionStore().find(session.token)
    assert found is not None and found.user_id == user.pk
    assert DatabaseSessionStore().find("no-such-token") is None
    table = connection.ops.quote_name(found._meta.db_table)
    assert any(table in s for s in _prepared())


def test_time_zone_follows_the_connection(settings: Any) -> None:
    """Date-times read through the cursor are aware, in UTC, as Django's are."""
    _needs_postgres()
    with statement_cursor(connection) as cursor:
        cursor.execute("SELECT now()")
        (value,) = cursor.fetchone()
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        (expected,) = cursor.fetchone()
    assert value.tzinfo is not None
    assert value.utcoffset() == expected.utcoffset()
