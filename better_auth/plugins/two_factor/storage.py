"""The plugin's atomic state changes, each one SQL statement.

* ``take_attempt``: spend one attempt of a sign-in challenge with a guarded
  ``UPDATE ... WHERE attempts < limit RETURNING``; of N concurrent guesses
  at most ``limit`` get through.
* ``record_failure``: count a failed verification and set the lock in the
  same ``UPDATE``, so concurrent failures can neither be lost nor skip the
  lock.
* ``replace_backup_codes``: compare-and-set on the stored ciphertext; AES-GCM
  nonces make every write unique, so a code is redeemed by one request only.

PostgreSQL and SQLite 3.35+ both run ``UPDATE ... RETURNING``.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from enum import Enum

from django.db import connections, router

from better_auth import clock
from better_auth.conf import auth_settings
from better_auth.crypto import encrypt_secret
from better_auth.models import Verification

from .models import TwoFactor

__all__ = [
    "Attempt",
    "clear_expired_lock",
    "raw_backup_codes",
    "record_failure",
    "replace_backup_codes",
    "reset_failures",
    "take_attempt",
]


class Attempt(Enum):
    GRANTED = "granted"
    EXHAUSTED = "exhausted"
    MISSING = "missing"


def _connection(model: type) -> object:
    return connections[router.db_for_write(model)]


def _now_param(model: type, connection: object, value: datetime) -> object:
    field = model._meta.get_field(  # type: ignore[attr-defined]
        "expires_at" if model is Verification else "locked_until"
    )
    return field.get_db_prep_value(value, connection)


def take_attempt(identifier: str, allowed: int) -> Attempt:
    """Spend one attempt of the counter row ``identifier`` (value = count)."""
    connection = _connection(Verification)
    qn = connection.ops.quote_name  # type: ignore[attr-defined]
    table = qn(Verification._meta.db_table)
    value, ident, expires = qn("value"), qn("identifier"), qn("expires_at")
    sql = (
        f"UPDATE {table} SET {value} = CAST(CAST({value} AS INTEGER) + 1 AS TEXT) "  # noqa: S608
        f"WHERE {ident} = %s AND {expires} > %s AND CAST({value} AS INTEGER) < %s "
        f"RETURNING {value}"
    )
    now = _now_param(Verification, connection, clock.now())
    with connection.cursor() as cursor:  # type: ignore[attr-defined]
        cursor.execute(sql, [identifier, now, allowed])
        row = cursor.fetchone()
    if row is not None:
        return Attempt.GRANTED
    live = Verification.objects.filter(
        identifier=identifier, expires_at__gt=clock.now()
    ).exists()
    return Attempt.EXHAUSTED if live else Attempt.MISSING


def record_failure(two_factor_id: str) -> int:
    """Add one failure; lock the account once the budget is spent.

    Returns the new count (0 when lockout is off).
    """
    cfg = auth_settings.TWO_FACTOR.ACCOUNT_LOCKOUT
    if not cfg.ENABLED:
        return 0
    connection = _connection(TwoFactor)
    qn = connection.ops.quote_name  # type: ignore[attr-defined]
    table = qn(TwoFactor._meta.db_table)
    count, locked = qn("failed_verification_count"), qn("locked_until")
    until = clock.now() + timedelta(seconds=int(cfg.DURATION_SECONDS))
    sql = (
        f"UPDATE {table} SET {count} = COALESCE({count}, 0) + 1, "  # noqa: S608
        f"{locked} = CASE WHEN COALESCE({count}, 0) + 1 >= %s THEN %s "
        f"ELSE {locked} END WHERE {qn('id')} = %s RETURNING {count}"
    )
    params = [
        int(cfg.MAX_FAILED_ATTEMPTS),
        _now_param(TwoFactor, connection, until),
        two_factor_id,
    ]
    with connection.cursor() as cursor:  # type: ignore[attr-defined]
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def clear_expired_lock(two_factor_id: str) -> None:
    """Lift a lock whose time has passed (guarded: a fresh lock stays)."""
    TwoFactor.objects.filter(pk=two_factor_id, locked_until__lte=clock.now()).update(
        failed_verification_count=0, locked_until=None
    )


def reset_failures(two_factor_id: str) -> None:
    """Only consecutive failures count: a success clears the budget."""
    if not auth_settings.TWO_FACTOR.ACCOUNT_LOCKOUT.ENABLED:
        return
    TwoFactor.objects.filter(pk=two_factor_id).update(
        failed_verification_count=0, locked_until=None
    )


def raw_backup_codes(two_factor_id: str) -> str | None:
    """The stored ciphertext of the backup codes, not decrypted."""
    connection = _connection(TwoFactor)
    qn = connection.ops.quote_name  # type: ignore[attr-defined]
    table = qn(TwoFactor._meta.db_table)
    sql = f"SELECT {qn('backup_codes')} FROM {table} WHERE {qn('id')} = %s"  # noqa: S608
    with connection.cursor() as cursor:  # type: ignore[attr-defined]
        cursor.execute(sql, [two_factor_id])
        row = cursor.fetchone()
    return row[0] if row else None


def replace_backup_codes(
    two_factor_id: str, expected_raw: str, codes: list[str]
) -> bool:
    """Store ``codes`` only if the ciphertext is still ``expected_raw``."""
    connection = _connection(TwoFactor)
    qn = connection.ops.quote_name  # type: ignore[attr-defined]
    table = qn(TwoFactor._meta.db_table)
    column = qn("backup_codes")
    new_raw = encrypt_secret(json.dumps(codes), auth_settings.SECRET)
    sql = (
        f"UPDATE {table} SET {column} = %s "  # noqa: S608
        f"WHERE {qn('id')} = %s AND {column} = %s"
    )
    with connection.cursor() as cursor:  # type: ignore[attr-defined]
        cursor.execute(sql, [new_raw, two_factor_id, expected_raw])
        return cursor.rowcount == 1
