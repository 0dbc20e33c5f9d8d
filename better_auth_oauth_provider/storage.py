"""Lookups on the token path, compiled by the ORM once instead of per call.

Every token, introspection and revocation request reads one or two rows
with ``select_related`` joins (a client with its profile; a code, access or
refresh token with its context, client, profile and user, and whether its
session is alive). Compiling such a queryset costs several times more CPU
than running it, and the SQL only depends on the models, the database
connection and a few settings. So a :class:`PreparedLookup` lets the ORM
compile the queryset once per connection alias, vendor and variant (a
settings-dependent key the caller gives), keeps the SQL with the positions
of its parameters and the compiler's row layout, and from then on only
binds new values, runs the statement on a Django cursor (query logging,
``CaptureQueriesContext`` and ``execute_wrapper`` still see it) and builds
the instances the way ``QuerySet.__iter__`` does: the backend's and the
fields' ``from_db_value`` converters, ``Model.from_db`` and the
``select_related`` populators, annotations set as attributes.

The row layout comes from the compiler's ``select``, ``klass_info`` and
``annotation_col_map`` and from ``get_related_populators``, which is how
Django's own ``ModelIterable`` reads rows; the equivalence with the plain
queryset is tested (``tests/oauth_provider/test_prepared_lookups.py``).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model, QuerySet
from django.db.models.query import get_related_populators

from better_auth.storage.statements import statement_cursor

__all__ = ["PreparedLookup"]


def _sentinel(field: Field) -> Any:
    """A value of the field's type that no real parameter equals."""
    if field.get_internal_type() == "DateTimeField":
        # Microseconds from a random number: no two sentinels are equal.
        return datetime(1901, 2, 3, 4, 5, 6, uuid.uuid4().int % 999_983, tzinfo=UTC)
    return f"\x00prepared-{uuid.uuid4().hex}\x00"


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    # name -> (positions in params, field preparing the value)
    slots: tuple[tuple[str, tuple[int, ...], Field], ...]
    model: type[Model]
    start: int
    end: int
    init_list: tuple[str, ...]
    populators: tuple[Any, ...]
    annotations: tuple[tuple[str, int], ...]
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]

    def bind(self, values: dict[str, Any], connection: BaseDatabaseWrapper) -> list:
        params = list(self.params)
        for name, positions, field in self.slots:
            prepared = field.get_db_prep_value(values[name], connection)
            for position in positions:
                params[position] = prepared
        return params

    def instance(self, row: Any, db: str, connection: BaseDatabaseWrapper) -> Model:
        values = list(row)
        for position, functions, expression in self.converters:
            value = values[position]
            for convert in functions:
                value = convert(value, expression, connection)
            values[position] = value
        obj = self.model.from_db(db, self.init_list, values[self.start : self.end])
        for populator in self.populators:
            populator.populate(values, obj)
        for name, position in self.annotations:
            setattr(obj, name, values[position])
        return obj


class PreparedLookup:
    """``build(variant, **sentinels)[:1]``, compiled once, run many times.

    ``params`` names each value the lookup takes and the model field whose
    ``get_db_prep_value`` prepares it (the field the ORM would prepare it
    with): a text or a date-time field, the kinds a sentinel exists for.
    ``build`` gets a sentinel per name and must use each one as a plain
    filter or annotation value; a value that the variant's queryset does
    not use is ignored. Results must be picked by a unique key or an
    explicit ordering: only the first row is read.
    """

    def __init__(
        self,
        model: type[Model],
        build: Callable[..., QuerySet],
        **params: Field,
    ) -> None:
        self._model = model
        self._build = build
        self._params = params
        self._compiled: dict[tuple[str, str, Hashable], _Compiled] = {}
        self._lock = threading.Lock()

    def _compile(
        self, variant: Hashable, db: str, connection: BaseDatabaseWrapper
    ) -> _Compiled:
        sentinels = {name: _sentinel(field) for name, field in self._params.items()}
        queryset = self._build(variant, **sentinels).using(db)[:1]
        compiler = queryset.query.get_compiler(using=db)
        sql, params = compiler.as_sql()
        slots = []
        for name, field in self._params.items():
            marker = field.get_db_prep_value(sentinels[name], connection)
            positions = tuple(i for i, p in enumerate(params) if p == marker)
            if positions:
                slots.append((name, positions, field))
        select, klass_info = compiler.select, compiler.klass_info
        assert klass_info is not None
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        converters = []
        for position, (expression, _sql, _alias) in enumerate(
            select[: compiler.col_count]
        ):
            functions = connection.ops.get_db_converters(
                expression
            ) + expression.get_db_converters(connection)
            if functions:
                converters.append((position, tuple(functions), expression))
        return _Compiled(
            sql=sql,
            params=tuple(params),
            slots=tuple(slots),
            model=klass_info["model"],
            start=start,
            end=end,
            init_list=tuple(f[0].target.attname for f in select[start:end]),
            populators=tuple(get_related_populators(klass_info, select, db)),
            annotations=tuple((compiler.annotation_col_map or {}).items()),
            converters=tuple(converters),
        )

    def first(self, variant: Hashable = None, **values: Any) -> Any | None:
        """The first row's instance (relations cached), or None."""
        db = router.db_for_read(self._model)
        connection = connections[db]
        key = (db, connection.vendor, variant)
        compiled = self._compiled.get(key)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(key)
                if compiled is None:
                    compiled = self._compiled[key] = self._compile(
                        variant, db, connection
                    )
        with statement_cursor(connection) as cursor:
            cursor.execute(compiled.sql, compiled.bind(values, connection))
            row = cursor.fetchone()
        if row is None:
            return None
        return compiled.instance(row, db, connection)
