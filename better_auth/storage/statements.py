"""A cursor for the few statements that every request sends.

Django's psycopg 3 backend binds parameters on the client and switches
PostgreSQL's prepared statements off (``prepare_threshold`` None), so that
transaction-mode connection poolers keep working. For most queries that is
the right trade. The statements on the request path (the session join, the
token endpoint's lookups and inserts) are different: there are a handful
of them, their text never changes, and PostgreSQL spends more CPU planning
a six-table join than running it.

:func:`statement_cursor` gives those statements a cursor that binds on the
server, so psycopg prepares each of them once per connection when the
database's ``OPTIONS`` set ``prepare_threshold`` (a number: prepare after
that many runs; 0: on the first). Django's own cursors bind on the client
and are never prepared, whatever the threshold says, so the option changes
nothing else. Without the option, with psycopg 2, or on another database
the cursor is the connection's ordinary one. The cursor is wrapped the way
Django wraps its own, so ``execute_wrapper``, query logging and
``CaptureQueriesContext`` see every statement.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

__all__ = ["prepares_statements", "statement_cursor"]


@functools.cache
def _server_binding() -> tuple[Any, Any, int, Any] | None:
    """psycopg 3's pieces, imported once; None without psycopg 3."""
    try:
        from django.db.backends.postgresql.psycopg_any import is_psycopg3
    except ImportError:  # no PostgreSQL driver installed
        return None
    if not is_psycopg3:
        return None
    from django.db.backends.postgresql.base import ServerBindingCursor
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg import adapters
    from psycopg.pq import Format

    class StatementCursor(ServerBindingCursor):
        """Keeps the statement Django's query log reads (``last_executed_query``
        takes ``_query``, which psycopg only sets for unprepared runs)."""

        def _convert_query(self, query: Any, params: Any = None) -> Any:
            converted = super()._convert_query(query, params)
            self._query = converted
            return converted

    oid = adapters.types["timestamptz"].oid
    return StatementCursor, register_tzloader, oid, Format.TEXT


def prepares_statements(connection: BaseDatabaseWrapper) -> bool:
    """Whether :func:`statement_cursor` prepares on this connection."""
    if connection.vendor != "postgresql" or _server_binding() is None:
        return False
    options = connection.settings_dict.get("OPTIONS") or {}
    return options.get("prepare_threshold") is not None


def statement_cursor(connection: BaseDatabaseWrapper) -> Any:
    """A cursor whose statements PostgreSQL may keep prepared (see above)."""
    if not prepares_statements(connection) or (
        connection.features.uses_server_side_binding  # type: ignore[attr-defined]
    ):
        # Already server-side for every cursor, or nothing to prepare.
        return connection.cursor()
    cursor_class, register_tzloader, oid, text = _server_binding()  # type: ignore[misc]
    check = getattr(connection, "close_if_health_check_failed", None)
    if check is not None:
        check()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = cursor_class(connection.connection)
        # As the backend's create_cursor: follow a TIME_ZONE changed since
        # the connection was made.
        loader = connection.connection.adapters.get_loader(oid, text)
        if connection.timezone != getattr(loader, "timezone", connection.timezone):
            register_tzloader(connection.timezone, raw)
        connection.validate_thread_sharing()
        if connection.queries_logged:
            return connection.make_debug_cursor(raw)
        return connection.make_cursor(raw)
