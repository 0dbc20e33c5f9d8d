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
nothing, and the winner's rows commit with its claim. A :class:`Guard` takes
the same place for a condition that is only read: a client remembered by
this process must still be the row it was (:mod:`.client_cache`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connections, models, router
from django.db.models import Model

from better_auth.storage.statements import statement_cursor

__all__ = ["Claim", "Guard", "Row", "Update", "persist"]

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


@dataclass(frozen=True)
class Guard:
    """Write only while ``sql``, a SELECT, returns a row.

    ``sql`` must depend only on the shape of what it checks (its values
    are ``params``): the statement it joins is built once per text.
    """

    sql: str
    params: tuple[Any, ...]

    def run(self, using: str) -> bool:
        """The guard as a statement of its own; True when it holds."""
        with statement_cursor(connections[using]) as cursor:
            cursor.execute(self.sql, list(self.params))
            return cursor.fetchone() is not None


Gate = Claim | Guard


@dataclass
class Row:
    """A model instance to insert."""

    instance: Model
    # attname -> index of an earlier row whose primary key fills it.
    links: dict[str, int] = field(default_factory=dict)


def persist(
    rows: Sequence[Row], updates: Sequence[Update] = (), claim: Gate | None = None
) -> bool:
    """Insert ``rows`` in order and apply ``updates``, if ``claim`` wins (a
    guard: holds).

    On PostgreSQL the gate, the inserts and the updates are one statement,
    so no transaction is needed around it; elsewhere the caller provides
    one. Returns whether the gate passed (always True without one).
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
# shape -> (SQL, per row: (field, attname, value types taken as they are) for
# each field bound as a parameter, in order)
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


def _claim_cte(qn: Callable[[str], str], claim: Gate) -> str:
    if isinstance(claim, Guard):
        return f"g AS ({claim.sql})"
    meta = claim.model._meta
    sets = ", ".join(f"{qn(meta.get_field(n).column)} = %s" for n in claim.values)
    unset = qn(meta.get_field(claim.unset).column)
    pk = qn(meta.pk.column)
    update_sql = f"UPDATE {qn(meta.db_table)} SET {sets}"  # noqa: S608
    return f"g AS ({update_sql} WHERE {pk} = %s AND {unset} IS NULL RETURNING {pk})"


def _gate_shape(claim: Gate | None) -> Any:
    if claim is None:
        return None
    if isinstance(claim, Guard):
        return ("guard", claim.sql)
    return (claim.model, claim.unset, tuple(claim.values))


def _statement(
    connection: Any,
    rows: Sequence[Row],
    updates: Sequence[Update],
    claim: Gate | None,
) -> tuple[str, tuple[tuple[Any, ...], ...]]:
    shape = (
        connection.alias,
        connection.vendor,
        tuple((type(r.instance), tuple(r.links.items())) for r in rows),
        tuple((model, tuple(values)) for model, _pk, values in updates),
        _gate_shape(claim),
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
        tuple(
            (f, f.attname, _plain_kinds(f))
            for f in _insert_fields(r.instance._meta)
            if f.attname not in r.links
        )
        for r in rows
    )
    _STATEMENTS[shape] = (sql, bound)
    return sql, bound


# Django's own field classes whose get_db_prep_save on PostgreSQL (the only
# database this statement runs on) passes None, and values of the listed
# types, through unchanged; a subclass may not, so the class must match
# exactly. auto_now fields always take the full path (their pre_save).
_PASSTHROUGH: dict[type, tuple[type, ...]] = {
    models.CharField: (str,),
    models.TextField: (str,),
    models.BooleanField: (bool,),
    models.IntegerField: (int,),
    models.BigIntegerField: (int,),
    models.PositiveIntegerField: (int,),
    models.SmallIntegerField: (int,),
    models.AutoField: (int,),
    models.BigAutoField: (int,),
    # Aware date-times only (checked below): the adapter passes them as
    # they are, a naive one would be made aware with a warning.
    models.DateTimeField: (datetime,),
    models.UUIDField: (),
    models.ForeignKey: (),
    models.OneToOneField: (),
    models.JSONField: (),
}
# Marks a field that takes the full path: pre_save, then get_db_prep_save.
_CALLS_PRE_SAVE = object()


def _plain_kinds(f: Any) -> Any:
    """The value types ``f`` takes as they are, or ``_CALLS_PRE_SAVE``."""
    cls = type(f)
    if cls not in _PASSTHROUGH:
        return _CALLS_PRE_SAVE
    if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add):
        return _CALLS_PRE_SAVE
    if cls in (models.ForeignKey, models.OneToOneField):
        # The key is prepared by the field it points at.
        target = _plain_kinds(f.target_field)
        return frozenset() if target is _CALLS_PRE_SAVE else target
    return frozenset(_PASSTHROUGH[cls])


def _params(
    connection: Any,
    rows: Sequence[Row],
    bound: tuple[tuple[Any, ...], ...],
    updates: Sequence[Update],
    claim: Gate | None,
) -> list[Any]:
    """The values in the statement's placeholder order."""
    params: list[Any] = []
    if isinstance(claim, Guard):
        params.extend(claim.params)
    elif claim is not None:
        meta = claim.model._meta
        for name, value in claim.values.items():
            params.append(meta.get_field(name).get_db_prep_save(value, connection))
        params.append(meta.pk.get_db_prep_save(claim.pk, connection))
    for row, fields in zip(rows, bound, strict=True):
        instance = row.instance
        for f, attname, kinds in fields:
            if kinds is _CALLS_PRE_SAVE:
                value = f.pre_save(instance, True)
            else:
                value = getattr(instance, attname)
                if value is None or (
                    type(value) in kinds
                    and (type(value) is not datetime or value.tzinfo is not None)
                ):
                    # What get_db_prep_save returns for these unchanged.
                    params.append(value)
                    continue
            params.append(f.get_db_prep_save(value, connection))
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
    claim: Gate | None,
) -> bool:
    sql, bound = _statement(connection, rows, updates, claim)
    with statement_cursor(connection) as cursor:
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
