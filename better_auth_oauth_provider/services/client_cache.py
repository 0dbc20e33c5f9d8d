"""Clients remembered by this process, checked by the write that uses them.

A client_credentials request reads the client, checks its secret and
scopes, and inserts the token: two statements, the read often costing as
much as the write. Here each process keeps the clients it has read, with the
version of their rows: each row's ``xmin`` and ``ctid``, read with the row.
A remembered client authenticates the request in Python, and the insert
that issues the token then carries a :class:`~._persist.Guard`: it writes
only while both rows are still those versions. Any change made since, by
any process and by any path (the admin, the management endpoints, a
queryset ``update()``, raw SQL, a deletion), makes the insert write
nothing; the caller then forgets the client and serves the request again
from a fresh read, so a change is honoured by the next request, as without
the cache. The guard is checked in the statement that writes, so the
decision can be no staler than the uncached read and insert, which are two
statements apart.

Why the version holds: PostgreSQL never changes a row in place. An
``UPDATE`` writes a new row version, stamped with the writing
transaction's id (``xmin``) at a new physical position (``ctid``), and
marks the old one dead; locking a row (the foreign-key checks of every
token insert) changes neither. Two updates in one transaction share an
``xmin`` but never a position, since the first version stays in place
until that transaction ends; positions are reused only after a vacuum,
by later transactions. Freezing keeps the stored ``xmin``. A table rewrite
(``VACUUM FULL``, ``CLUSTER``, ``TRUNCATE``) packs rows into new positions,
where a row could take the position that another version of it, written
by the same transaction, had when it was remembered; a rewrite also gives
the table a new file node, which is part of the version, so a rewrite
only costs a fresh read. Comparing system columns is far cheaper than
hashing both rows on every request, which the guard did before.

Only PostgreSQL has these columns; elsewhere nothing is remembered.
Clients named by a metadata document URL and clients without a profile
row are not remembered (their lookup does more than read a row).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from django.db import connections, router
from django.db.models.expressions import RawSQL
from oauth2_provider.models import get_application_model

from ..models import ClientProfile
from ..storage import PreparedLookup
from ._persist import Guard

__all__ = ["cached_client", "forget", "forget_all"]

Application = get_application_model()
MAX_ENTRIES = 1024

_app_table = Application._meta.db_table
_profile_table = ClientProfile._meta.db_table
_profile_fk = ClientProfile._meta.get_field("application").column
_app_pk = Application._meta.pk.column


def _version_sql(qn: Any, app: str, profile: str) -> str:
    """The two rows' versions as one text (the profile's is empty when the
    row is missing, which no remembered client had)."""

    def version(table: str) -> str:
        t = qn(table)
        return (
            f"pg_relation_filenode({t}.tableoid)::text || ':' || {t}.xmin::text"
            f" || {t}.ctid::text"
        )

    return f"{version(app)} || '|' || coalesce({version(profile)}, '')"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# The lookup of client_lookup, plus the version of the two rows it joins
# (the ORM joins the profile under its table name, which the columns name).
_BY_CLIENT_ID = PreparedLookup(
    Application,
    lambda _variant, client_id: (
        Application.objects.select_related("better_auth_profile")
        .filter(client_id=client_id)
        .annotate(
            # Built from model metadata only; no value is interpolated.
            row_version=RawSQL(  # noqa: S611
                _version_sql(_quote, _app_table, _profile_table), ()
            )
        )
    ),
    client_id=Application._meta.get_field("client_id"),
)

_GUARD_SQL = (
    f"SELECT 1 FROM {_quote(_app_table)} LEFT OUTER JOIN {_quote(_profile_table)}"  # noqa: S608
    f" ON ({_quote(_profile_table)}.{_quote(_profile_fk)}"
    f" = {_quote(_app_table)}.{_quote(_app_pk)})"
    f" WHERE {_quote(_app_table)}.{_quote(_app_pk)} = %s"
    f" AND {_version_sql(_quote, _app_table, _profile_table)} = %s"
)

_entries: OrderedDict[tuple[str, str], tuple[Any, str]] = OrderedDict()
_lock = threading.Lock()


def _alias() -> str | None:
    alias = router.db_for_read(Application)
    if connections[alias].vendor != "postgresql":
        return None
    return alias


def cached_client(
    client_id: str, *, fresh: bool = False
) -> tuple[Any | None, Guard | None] | None:
    """The client, and the guard its use must pass when it was remembered.

    A client read here (always, with ``fresh``) comes without a guard and
    is remembered; ``(None, None)`` is an unknown client. None: not for
    this cache (see above), the caller looks the client up the ordinary way.
    """
    alias = _alias()
    if alias is None or "://" in client_id:
        return None
    if "\x00" in client_id:  # no text column holds it: no such client
        return None, None
    key = (alias, client_id)
    entry = None
    if not fresh:
        with _lock:
            entry = _entries.get(key)
            if entry is not None:
                _entries.move_to_end(key)
    if entry is not None:
        app, version = entry
        return app, Guard(_GUARD_SQL, (app.pk, version))
    app = _BY_CLIENT_ID.first(client_id=client_id)
    if app is None:
        return None, None
    if not hasattr(app, "better_auth_profile"):  # no profile row yet
        return None
    version = app.row_version
    if version:
        with _lock:
            _entries[key] = (app, version)
            _entries.move_to_end(key)
            while len(_entries) > MAX_ENTRIES:
                _entries.popitem(last=False)
    return app, None


def forget(client_id: str) -> None:
    """Drop a remembered client, after its guard failed."""
    with _lock:
        for key in [k for k in _entries if k[1] == client_id]:
            del _entries[key]


def forget_all() -> None:
    with _lock:
        _entries.clear()
