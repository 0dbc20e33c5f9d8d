"""Writing the rows of one token issuance in as few statements as possible.

An issuance inserts up to four rows into four tables (access token, its
context, refresh token, its context), each later row pointing at an
earlier one's primary key, and may update one more. On PostgreSQL a single
statement does it all: each INSERT is a data-modifying CTE whose
``RETURNING`` key feeds the foreign keys of the later ones. SQLite and
MySQL cannot put an INSERT inside a CTE, and ``bulk_create`` batches rows
of one model only, so there each row is its own INSERT in the caller's
transaction.

A single-use :class:`Claim` (the code's redemption, the refresh token's
rotation) joins that statement on PostgreSQL as its first CTE, and every
insert and update selects from it: a request that loses the claim writes
nothing, and the winner's rows commit with its claim.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, router
from django.db.models import Model

__all__ = ["Claim", "Row", "Update", "persist"]

# (model, primary key, {field name: value})
Update = tuple[type[Model], Any, dict[str, Any]]


@dataclass(frozen=True)
class Claim:
    """Single use: set ``values`` on the row ``pk`` while ``unset`` is NULL.

    A compare-and-set: of concurrent claims of one row exactly one changes
    it (RFC 6749 §4.1.2 codes, RFC 9700 §4.14.2 refresh rotation).
    """

    model: type[Model]
    pk: Any
    unset: str
    values: dict[str, Any]

    def run(self, using: str) -> bool:
        """The claim as a statement of its own; True for the one winner."""
        manager = self.model._default_manager.using(using)
        lookup = {"pk": self.pk, f"{self.unset}__isnull": True}
        return manager.filter(**lookup).update(**self.values) == 1


@dataclass
class Row:
    """A model instance to insert."""

    instance: Model
    # attname -> index of an earlier row whose primary key fills it.
    links: dict[str, int] = field(default_factory=dict)


def persist(
    rows: Sequence[Row], updates: Sequence[Update] = (), claim: Claim | None = None
) -> bool:
    """Insert ``rows`` in order and apply ``updates``, if ``claim`` wins.

    On PostgreSQL the claim, the inserts and the updates are one statement,
    so no transaction is needed around it; elsewhere the caller provides
    one. Returns whether the claim won (always True without one).
    """
    alias = router.db_for_write(rows[0].instance.__class__)
    connection = connections[alias]
    if connection.vendor == "postgresql":
        return _persist_cte(connection, alias, rows, updates, claim)
    if claim is not None and not claim.run(alias):
        return False
    for row in rows:
        for attname, index in row.links.items():
            setattr(row.instance, attname, rows[index].instance.pk)
        row.instance.save(force_insert=True, using=alias)
    for model, pk, values in updates:
        model._default_manager.using(alias).filter(pk=pk).update(**values)
    return True


# The statement is built from model metadata only: table and column names
# are quoted identifiers from ``_meta`` and every value is a bound parameter.
# Its text depends only on the shape of the issuance (which models, links,
# updated fields and claim), so it is built once per shape and connection.

_Shape = tuple[Any, ...]
# shape -> (SQL, per row: the fields bound as parameters, in order)
_STATEMENTS: dict[_Shape, tuple[str, tuple[tuple[Any, ...], ...]]] = {}


def _insert_fields(meta: Any) -> tuple[Any, ...]:
    return tuple(f for f in meta.concrete_fields if f is not meta.auto_field)


def _insert_cte(
    qn: Callable[[str], str], row: Row, index: int, rows: Sequence[Row], gated: bool
) -> str:
    meta = row.instance._meta
    columns, values = [], []
    for f in _insert_fields(meta):
        columns.append(qn(f.column))
        if f.attname in row.links:
            link = row.links[f.attname]
            source = rows[link].instance._meta.pk.column
            values.append(f"(SELECT {qn(source)} FROM t{link})")  # noqa: S608
        else:
            values.append("%s")
    target = f"{qn(meta.db_table)} ({', '.join(columns)})"
    if gated:
        # One row when the claim changed its row, none when it lost.
        source_sql = f"SELECT {', '.join(values)} FROM g"  # noqa: S608
    else:
        source_sql = f"VALUES ({', '.join(values)})"
    insert = f"INSERT INTO {target} {source_sql}"  # noqa: S608
    return f"t{index} AS ({insert} RETURNING {qn(meta.pk.column)})"


def _update_cte(
    qn: Callable[[str], str], model: Any, names: Sequence[str], number: int, gated: bool
) -> str:
    meta = model._meta
    sets = ", ".join(f"{qn(meta.get_field(n).column)} = %s" for n in names)
    where = f"{qn(meta.pk.column)} = %s"
    if gated:
        where += " AND EXISTS (SELECT 1 FROM g)"
    update_sql = f"UPDATE {qn(meta.db_table)} SET {sets}"  # noqa: S608
    return f"u{number} AS ({update_sql} WHERE {where})"


def _claim_cte(qn: Callable[[str], str], claim: Claim) -> str:
    meta = claim.model._meta
    sets = ", ".join(f"{qn(meta.get_field(n).column)} = %s" for n in claim.values)
    unset = qn(meta.get_field(claim.unset).column)
    pk = qn(meta.pk.column)
    update_sql = f"UPDATE {qn(meta.db_table)} SET {sets}"  # noqa: S608
    return f"g AS ({update_sql} WHERE {pk} = %s AND {unset} IS NULL RETURNING {pk})"


def _statement(
    connection: Any,
    rows: Sequence[Row],
    updates: Sequence[Update],
    claim: Claim | None,
) -> tuple[str, tuple[tuple[Any, ...], ...]]:
    shape = (
        connection.alias,
        connection.vendor,
        tuple((type(r.instance), tuple(r.links.items())) for r in rows),
        tuple((model, tuple(values)) for model, _pk, values in updates),
        None if claim is None else (claim.model, claim.unset, tuple(claim.values)),
    )
    cached = _STATEMENTS.get(shape)
    if cached is not None:
        return cached
    qn = connection.ops.quote_name
    gated = claim is not None
    ctes = [_claim_cte(qn, claim)] if claim is not None else []
    ctes += [_insert_cte(qn, r, i, rows, gated) for i, r in enumerate(rows)]
    ctes += [
        _update_cte(qn, model, tuple(values), n, gated)
        for n, (model, _pk, values) in enumerate(updates)
    ]
    keys = [
        f"(SELECT {qn(row.instance._meta.pk.column)} FROM t{i})"  # noqa: S608
        for i, row in enumerate(rows)
    ]
    if claim is not None:
        keys.insert(0, "(SELECT count(*) FROM g)")
    sql = f"WITH {', '.join(ctes)} SELECT {', '.join(keys)}"
    bound = tuple(
        tuple(f for f in _insert_fields(r.instance._meta) if f.attname not in r.links)
        for r in rows
    )
    _STATEMENTS[shape] = (sql, bound)
    return sql, bound


def _params(
    connection: Any,
    rows: Sequence[Row],
    bound: tuple[tuple[Any, ...], ...],
    updates: Sequence[Update],
    claim: Claim | None,
) -> list[Any]:
    """The values in the statement's placeholder order."""
    params: list[Any] = []
    if claim is not None:
        meta = claim.model._meta
        for name, value in claim.values.items():
            params.append(meta.get_field(name).get_db_prep_save(value, connection))
        params.append(meta.pk.get_db_prep_save(claim.pk, connection))
    for row, fields in zip(rows, bound, strict=True):
        instance = row.instance
        for f in fields:
            params.append(f.get_db_prep_save(f.pre_save(instance, True), connection))
    for model, pk, changes in updates:
        meta = model._meta
        for name, value in changes.items():
            params.append(meta.get_field(name).get_db_prep_save(value, connection))
        params.append(meta.pk.get_db_prep_save(pk, connection))
    return params


def _persist_cte(
    connection: Any,
    alias: str,
    rows: Sequence[Row],
    updates: Sequence[Update],
    claim: Claim | None,
) -> bool:
    sql, bound = _statement(connection, rows, updates, claim)
    with connection.cursor() as cursor:
        cursor.execute(sql, _params(connection, rows, bound, updates, claim))
        keys = list(cursor.fetchone())
    if claim is not None and not keys.pop(0):
        return False
    for row, key in zip(rows, keys, strict=True):
        for attname, index in row.links.items():
            setattr(row.instance, attname, keys[index])
        row.instance.pk = key
        row.instance._state.adding = False
        row.instance._state.db = alias
    return True
