"""One-time values: created, read, and consumed in exactly one statement.

``consume`` is ``DELETE ... WHERE identifier = %s RETURNING ...``: the row is
read and removed by the same statement, so of two concurrent redemptions of
one token only one gets the row (core-surface §7, "consumeOne"). SQLite
(3.35+) and PostgreSQL both support ``RETURNING``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import connections, router

from .. import clock
from ..models import Verification

__all__ = [
    "Consumed",
    "consume",
    "consume_value",
    "create",
    "delete",
    "find",
    "swap",
]


@dataclass(frozen=True)
class Consumed:
    identifier: str
    value: str
    expires_at: datetime


def create(identifier: str, value: str, expires_in: int) -> Verification:
    now = clock.now()
    return Verification.objects.create(
        identifier=identifier,
        value=value,
        expires_at=now + timedelta(seconds=expires_in),
        created_at=now,
        updated_at=now,
    )


def find(identifier: str) -> Verification | None:
    """The newest live row for ``identifier`` (expired rows are ignored)."""
    return (
        Verification.objects.filter(identifier=identifier, expires_at__gt=clock.now())
        .order_by("-created_at")
        .first()
    )


def delete(identifier: str) -> None:
    Verification.objects.filter(identifier=identifier).delete()


def consume(identifier: str) -> Consumed | None:
    """Remove and return one live row for ``identifier``, or None.

    Expired rows are removed by the same statement and reported as None.
    """
    alias = router.db_for_write(Verification)
    connection = connections[alias]
    table = connection.ops.quote_name(Verification._meta.db_table)
    now = clock.now()
    sql = (
        f"DELETE FROM {table} WHERE id = ("  # noqa: S608 - table name is ours
        f"SELECT id FROM {table} WHERE identifier = %s ORDER BY created_at DESC LIMIT 1"
        f") RETURNING identifier, value, expires_at"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [identifier])
        row = cursor.fetchone()
    if row is None:
        return None
    expires_at = _as_datetime(row[2])
    if expires_at <= now:
        return None
    return Consumed(row[0], row[1], expires_at)


def swap(identifier: str, expected: str, new: str) -> bool:
    """Replace a live row's value only if it is still ``expected`` (one UPDATE).

    A compare-and-set: of concurrent writers that read the same value, one
    wins and the others see False and re-read, so a counter kept in the
    value (an OTP's ``<code>:<attempts>``) never loses an increment.
    """
    changed = Verification.objects.filter(
        identifier=identifier, value=expected, expires_at__gt=clock.now()
    ).update(value=new, updated_at=clock.now())
    return changed > 0


def consume_value(identifier: str, expected: str) -> Consumed | None:
    """Remove and return the live row only if its value is still ``expected``.

    The single-use counterpart of :func:`swap`: a correct code is redeemed by
    exactly one of any number of concurrent requests.
    """
    alias = router.db_for_write(Verification)
    connection = connections[alias]
    table = connection.ops.quote_name(Verification._meta.db_table)
    sql = (
        f"DELETE FROM {table} WHERE identifier = %s AND value = %s"  # noqa: S608
        f" AND expires_at > %s RETURNING identifier, value, expires_at"
    )
    with connection.cursor() as cursor:
        field = Verification._meta.get_field("expires_at")
        now = field.get_db_prep_value(clock.now(), connection)
        cursor.execute(sql, [identifier, expected, now])
        row = cursor.fetchone()
    if row is None:
        return None
    return Consumed(row[0], row[1], _as_datetime(row[2]))


def _as_datetime(value: object) -> datetime:
    from django.db.models import DateTimeField
    from django.utils import timezone

    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)
    parsed = DateTimeField().to_python(value)
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)
