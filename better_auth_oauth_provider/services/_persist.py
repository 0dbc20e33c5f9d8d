"""Writing the rows of one token issuance in as few statements as possible.

An issuance inserts up to four rows into four tables (access token, its
context, refresh token, its context), each later row pointing at an
earlier one's primary key, and may update one more. On PostgreSQL a single
statement does it all: each INSERT is a data-modifying CTE whose
``RETURNING`` key feeds the foreign keys of the later ones. SQLite and
MySQL cannot put an INSERT inside a CTE, and ``bulk_create`` batches rows
of one model only, so there each row is its own INSERT in the caller's
transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, router
from django.db.models import Model

__all__ = ["Row", "Update", "persist"]

# (model, primary key, {field name: value})
Update = tuple[type[Model], Any, dict[str, Any]]


@dataclass
class Row:
    """A model instance to insert."""

    instance: Model
    # attname -> index of an earlier row whose primary key fills it.
    links: dict[str, int] = field(default_factory=dict)


def persist(rows: Sequence[Row], updates: Sequence[Update] = ()) -> None:
    """Insert ``rows`` in order and apply ``updates``."""
    alias = router.db_for_write(rows[0].instance.__class__)
    connection = connections[alias]
    if connection.vendor == "postgresql":
        _persist_cte(connection, alias, rows, updates)
        return
    for row in rows:
        for attname, index in row.links.items():
            setattr(row.instance, attname, rows[index].instance.pk)
        row.instance.save(force_insert=True, using=alias)
    for model, pk, values in updates:
        model._default_manager.using(alias).filter(pk=pk).update(**values)


# The statement is built from model metadata only: table and column names
# are quoted identifiers from ``_meta`` and every value is a bound parameter.


def _insert_cte(
    connection: Any, rows: Sequence[Row], index: int, params: list[Any]
) -> str:
    qn = connection.ops.quote_name
    row = rows[index]
    meta = row.instance._meta
    columns, values = [], []
    for f in meta.concrete_fields:
        if f is meta.auto_field:
            continue
        columns.append(qn(f.column))
        if f.attname in row.links:
            link = row.links[f.attname]
            source = rows[link].instance._meta.pk.column
            values.append(f"(SELECT {qn(source)} FROM t{link})")  # noqa: S608
            continue
        value = f.pre_save(row.instance, True)
        params.append(f.get_db_prep_save(value, connection))
        values.append("%s")
    target = f"{qn(meta.db_table)} ({', '.join(columns)})"
    insert = f"INSERT INTO {target} VALUES ({', '.join(values)})"  # noqa: S608
    return f"t{index} AS ({insert} RETURNING {qn(meta.pk.column)})"


def _update_cte(connection: Any, update: Update, number: int, params: list[Any]) -> str:
    qn = connection.ops.quote_name
    model, pk, changes = update
    meta = model._meta
    sets = []
    for name, value in changes.items():
        f = meta.get_field(name)
        sets.append(f"{qn(f.column)} = %s")
        params.append(f.get_db_prep_save(value, connection))
    params.append(meta.pk.get_db_prep_save(pk, connection))
    table, assignments = qn(meta.db_table), ", ".join(sets)
    update_sql = f"UPDATE {table} SET {assignments}"  # noqa: S608
    return f"u{number} AS ({update_sql} WHERE {qn(meta.pk.column)} = %s)"


def _persist_cte(
    connection: Any, alias: str, rows: Sequence[Row], updates: Sequence[Update]
) -> None:
    qn = connection.ops.quote_name
    params: list[Any] = []
    ctes = [_insert_cte(connection, rows, i, params) for i in range(len(rows))]
    ctes += [_update_cte(connection, u, n, params) for n, u in enumerate(updates)]
    select = ", ".join(
        f"(SELECT {qn(row.instance._meta.pk.column)} FROM t{i})"  # noqa: S608
        for i, row in enumerate(rows)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(ctes)} SELECT {select}", params)
        keys = cursor.fetchone()
    for row, key in zip(rows, keys, strict=True):
        for attname, index in row.links.items():
            setattr(row.instance, attname, keys[index])
        row.instance.pk = key
        row.instance._state.adding = False
        row.instance._state.db = alias
