"""The row version of the client memory against PostgreSQL's MVCC rules.

:mod:`better_auth_oauth_provider.services.client_cache` remembers a client
with the version of its two rows (the table's file node, ``xmin`` and
``ctid`` of the application and of its profile), and the warm client_credentials insert
(RFC 6749 §4.4) writes only while both rows still carry that version. The
claim tried here: any change to either row, by any path, is seen by the
next request, and a stale memory neither refuses nor allows anything the
current rows would not.

Each test builds one MVCC situation (same-transaction updates, savepoints,
HOT updates, same-value updates, re-inserted rows, a recreated client,
VACUUM in its forms, row locks, another connection's committed and
uncommitted writes) and then compares every probe answered from the memory
with the answer of an uncached request (``client_cache.forget_all()``),
the stale memory being put back before each probe as a worker that has not
seen the change would hold it. The PostgreSQL 15 documentation sections
each test relies on are cited in its docstring.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from oauth2_provider.models import get_access_token_model, get_application_model

from better_auth_oauth_provider.models import ClientProfile
from better_auth_oauth_provider.services import client_cache
from better_auth_oauth_provider.services.client_secrets import (
    hash_client_secret,
    rotate_secret,
)
from tests.oauth_provider.test_token import client_credentials

AccessToken = get_access_token_model()
Application = get_application_model()
APP = Application._meta.db_table
PROFILE = ClientProfile._meta.db_table
qn = connection.ops.quote_name

# Statements of the tests; table names from model metadata, values bound.
SET_DISABLED = (
    f"UPDATE {qn(PROFILE)} SET disabled = %s"  # noqa: S608
    " WHERE application_id = %s"
)
RENAME = f"UPDATE {qn(APP)} SET name = %s WHERE id = %s"  # noqa: S608
SAME_PROFILE = (
    f"UPDATE {qn(PROFILE)} SET disabled = disabled"  # noqa: S608
    " WHERE application_id = %s"
)
SAME_APP = f"UPDATE {qn(APP)} SET name = name WHERE id = %s"  # noqa: S608

Probe = Callable[[Any, str], Any]
Memory = dict[Any, Any]


@pytest.fixture(autouse=True)
def _postgres_and_empty_memory() -> Iterator[None]:
    if connection.vendor != "postgresql":
        pytest.skip("row versions need PostgreSQL (set DATABASE_URL=postgres://...)")
    client_cache.forget_all()
    yield
    client_cache.forget_all()


# --- helpers ---------------------------------------------------------------------


_cc = client_credentials


PROBES: dict[str, Probe] = {
    "default": lambda app, secret: _cc(app.client_id, secret),
    "scope-read": lambda app, secret: _cc(app.client_id, secret, scope="read"),
    "scope-admin": lambda app, secret: _cc(app.client_id, secret, scope="admin"),
    "wrong-secret": lambda app, _secret: _cc(app.client_id, "not-the-secret"),
}


def _outcome(response: Any) -> tuple[Any, ...]:
    """What a client can observe of an answer, minus the random token."""
    body = response.json() if response.content else {}
    if response.status_code == 200:
        return 200, body["token_type"], body.get("scope")
    return (
        response.status_code,
        body.get("error"),
        body.get("error_description"),
        response.headers.get("WWW-Authenticate"),
    )


def _memory(app: Any) -> Memory:
    """This process's memory of ``app`` (to put back later)."""
    return {k: v for k, v in client_cache._entries.items() if k[1] == app.client_id}


def _remembered(app: Any) -> str:
    memory = _memory(app)
    assert memory, "the client is remembered"
    return next(iter(memory.values()))[1]


def _warm(app: Any, secret: str) -> Memory:
    """One request remembers the client; returns that memory."""
    client_cache.forget_all()
    assert _cc(app.client_id, secret).status_code == 200
    return _memory(app)


def _version(app: Any) -> str | None:
    """The version the guard compares, of the rows as they are now."""
    sql = (
        f"SELECT {client_cache._version_sql(qn, APP, PROFILE)}"  # noqa: S608
        f" FROM {qn(APP)} LEFT JOIN {qn(PROFILE)}"
        f" ON {qn(PROFILE)}.application_id = {qn(APP)}.id WHERE {qn(APP)}.id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [app.pk])
        row = cursor.fetchone()
    return row[0] if row else None


def _without_file_nodes(version: str | None) -> list[str]:
    """A version's xmin and ctid of each row, its tables' file nodes left out."""
    assert version is not None
    return [part.split(":", 1)[1] for part in version.split("|")]


def _ctid(table: str, where: str, pk: Any) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ctid::text FROM {qn(table)} WHERE {where} = %s",  # noqa: S608
            [pk],
        )
        return cursor.fetchone()[0]


def _assert_as_uncached(
    memory: Memory, app: Any, secret: str, probes: dict[str, Probe] = PROBES
) -> dict[str, tuple[Any, ...]]:
    """Every probe answered from ``memory`` (put back before it) gets the
    answer of an uncached request; returns the answers."""
    answers = {}
    for name, probe in probes.items():
        client_cache.forget_all()
        fresh = _outcome(probe(app, secret))
        client_cache.forget_all()
        client_cache._entries.update(memory)
        stale = _outcome(probe(app, secret))
        assert stale == fresh, (name, "memory:", stale, "uncached:", fresh)
        answers[name] = fresh
    return answers


def _served_from_memory(app: Any, secret: str) -> bool:
    """Whether a warm request is one guarded statement (the guard held)."""
    with CaptureQueriesContext(connection) as captured:
        assert _cc(app.client_id, secret).status_code == 200
    sqls = [q["sql"] for q in captured.captured_queries]
    return len(sqls) == 1 and sqls[0].startswith("WITH g AS")


def _profile(app: Any) -> Any:
    return ClientProfile.objects.filter(application=app)


def _sql(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def _copy_row(model: Any, pk: Any, **overrides: Any) -> None:
    """INSERT one copy of a row (a new primary key), as one heap tuple."""
    meta = model._meta
    fields = [
        f for f in meta.concrete_fields if not f.primary_key or f.attname in overrides
    ]
    columns = ", ".join(qn(f.column) for f in fields)
    values = ", ".join("%s" if f.attname in overrides else qn(f.column) for f in fields)
    params = [overrides[f.attname] for f in fields if f.attname in overrides]
    _sql(
        f"INSERT INTO {qn(meta.db_table)} ({columns})"  # noqa: S608
        f" SELECT {values} FROM {qn(meta.db_table)} WHERE {qn(meta.pk.column)} = %s",
        [*params, pk],
    )


class OtherConnection:
    """SQL run by a thread of its own, on its own connection, one statement
    at a time, so a test can hold a transaction open there."""

    def __init__(self) -> None:
        self._jobs: queue.Queue[Any] = queue.Queue()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        from django.db import connection as own

        try:
            while (job := self._jobs.get()) is not None:
                sql, params, done = job
                try:
                    with own.cursor() as cursor:
                        cursor.execute(sql, params)
                    done.put(None)
                except Exception as error:  # noqa: BLE001 - handed to the test
                    done.put(error)
        finally:
            own.close()

    def run(self, sql: str, params: list[Any] | None = None) -> None:
        done: queue.Queue[Any] = queue.Queue()
        self._jobs.put((sql, params or [], done))
        error = done.get(timeout=10)
        if error is not None:
            raise error

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join(timeout=10)


@pytest.fixture
def other() -> Iterator[OtherConnection]:
    other = OtherConnection()
    yield other
    other.close()


# --- updates: same values, HOT, savepoints ---------------------------------------


@pytest.mark.django_db
def test_update_to_the_same_values_is_a_new_version(
    m2m_client: tuple[Any, str],
) -> None:
    """An ``UPDATE`` that sets the values the row has still writes a new row
    version ("5.5. System Columns": each update of a row creates a new row
    version; "13.1 Introduction" of "Concurrency Control"), so the memory
    is read again, and answers as before."""
    app, secret = m2m_client
    memory = _warm(app, secret)
    before = _remembered(app)
    _sql(SAME_PROFILE, [app.pk])
    _sql(SAME_APP, [app.pk])
    assert _version(app) != before
    answers = _assert_as_uncached(memory, app, secret)
    assert answers["default"][0] == 200


@pytest.mark.django_db
def test_hot_update_is_a_new_version(m2m_client: tuple[Any, str]) -> None:
    """A heap-only-tuple update (no indexed column changed, room on the
    page: "73.7. Heap-Only Tuples (HOT)") stays on the same page but is
    still a new tuple at a new item: the guard sees it."""
    app, secret = m2m_client
    memory = _warm(app, secret)
    old = _ctid(PROFILE, "application_id", app.pk)
    _profile(app).update(disabled=True)
    new = _ctid(PROFILE, "application_id", app.pk)
    assert new != old and new.split(",")[0] == old.split(",")[0], (old, new)
    answers = _assert_as_uncached(memory, app, secret)
    assert answers["default"][:2] == (401, "invalid_client")


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["widen-scopes", "disable", "rotate-secret"])
def test_memory_of_a_rolled_back_savepoint(
    m2m_client: tuple[Any, str], change: str
) -> None:
    """The memory is read inside a savepoint that is then rolled back: the
    row versions it saw were written by an aborted subtransaction, which
    no later snapshot sees ("SAVEPOINT", "ROLLBACK TO SAVEPOINT" reference
    pages; "74.3. Subtransactions"), so what the savepoint allowed or
    refused is decided again on the current rows."""
    app, secret = m2m_client
    _warm(app, secret)
    new_secret = secret
    with pytest.raises(RuntimeError), transaction.atomic():
        if change == "widen-scopes":
            _profile(app).update(client_credentials_scopes=["read", "write", "admin"])
        elif change == "disable":
            _profile(app).update(disabled=True)
        else:
            new_secret = rotate_secret(Application.objects.get(pk=app.pk))
        client_cache.forget_all()
        # A refusal from the memory forgets the client: one request only.
        _cc(app.client_id, new_secret, scope="admin")
        inside = _memory(app)
        assert inside
        raise RuntimeError("roll the savepoint back")
    assert _version(app) != next(iter(inside.values()))[1]
    answers = _assert_as_uncached(inside, app, secret)
    assert answers["default"][0] == 200
    assert answers["scope-admin"][:2] == (400, "invalid_scope")
    if change == "rotate-secret":
        refused = _assert_as_uncached(
            inside, app, new_secret, {"new": PROBES["default"]}
        )
        assert refused["new"][:2] == (401, "invalid_client")


@pytest.mark.django_db
def test_savepoints_released_and_rolled_back_in_turn(
    m2m_client: tuple[Any, str],
) -> None:
    """Subtransaction ids: a released savepoint's rows keep the
    subtransaction's ``xmin``; one rolled back leaves the row as the
    earlier savepoint wrote it ("74.3. Subtransactions"). The memory of
    each step must answer as the rows at every later step."""
    app, secret = m2m_client
    _warm(app, secret)
    with transaction.atomic():
        with transaction.atomic():
            _profile(app).update(client_credentials_scopes=["read"])
        assert _cc(app.client_id, secret).json()["scope"] == "read"
        narrow = _memory(app)
        with pytest.raises(RuntimeError), transaction.atomic():
            _profile(app).update(client_credentials_scopes=["read", "admin"])
            assert _cc(app.client_id, secret, scope="admin").status_code == 200
            wide = _memory(app)
            raise RuntimeError("roll back")
        assert _version(app) == next(iter(narrow.values()))[1]
        for memory in (narrow, wide):
            answers = _assert_as_uncached(memory, app, secret)
            assert answers["default"][2] == "read"
            assert answers["scope-admin"][:2] == (400, "invalid_scope")
        # The rolled-back subtransaction's id is never reused: the next
        # write, in a new savepoint, is yet another version.
        with transaction.atomic():
            _profile(app).update(client_credentials_scopes=["read", "admin"])
        answers = _assert_as_uncached(wide, app, secret)
        assert answers["scope-admin"][0] == 200
        assert _assert_as_uncached(narrow, app, secret)["scope-admin"][0] == 200


# --- rows deleted and inserted again ---------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("disabled", [False, True], ids=["same", "disabled"])
def test_profile_deleted_and_reinserted(
    m2m_client: tuple[Any, str], disabled: bool
) -> None:
    """DELETE then INSERT of the profile row, same primary key and (or not)
    the same content: a new tuple with a new ``xmin`` and ``ctid`` ("5.5.
    System Columns"); the memory of the old one is read again."""
    app, secret = m2m_client
    memory = _warm(app, secret)
    profile = ClientProfile.objects.get(application=app)
    _profile(app).delete()
    profile.disabled = disabled
    profile.save(force_insert=True)
    assert _version(app) != _remembered(app)
    answers = _assert_as_uncached(memory, app, secret)
    assert answers["default"][0] == (401 if disabled else 200)


@pytest.mark.django_db
@pytest.mark.parametrize("same_pk", [True, False], ids=["same-pk", "new-pk"])
def test_client_recreated_with_the_same_client_id(
    m2m_client: tuple[Any, str], oauth_client_factory: Any, same_pk: bool
) -> None:
    """The client is deleted and made again under its ``client_id`` with a
    new secret, under the same primary key or a new one: the old secret
    must be refused at once, the new one served."""
    app, old_secret = m2m_client
    memory = _warm(app, old_secret)
    if same_pk:
        row = Application.objects.get(pk=app.pk)
        profile = ClientProfile.objects.get(application=app)
        Application.objects.filter(pk=app.pk).delete()
        new_secret = "a-brand-new-secret"
        row.client_secret = hash_client_secret(new_secret)
        row.save(force_insert=True)
        profile.save(force_insert=True)
        new = row
    else:
        new, new_secret = oauth_client_factory(
            client_name="m2m-again",
            grant_types=["client_credentials"],
            response_types=None,
            redirect_uris=None,
            client_credentials_scopes=["read", "write"],
        )
        Application.objects.filter(pk=app.pk).delete()
        Application.objects.filter(pk=new.pk).update(client_id=app.client_id)
        new.client_id = app.client_id
    old = _assert_as_uncached(memory, new, old_secret)
    assert old["default"][:2] == (401, "invalid_client")
    fresh = _assert_as_uncached(memory, new, new_secret)
    assert fresh["default"][0] == 200


# --- row locks -------------------------------------------------------------------


LOCKS = ["FOR UPDATE", "FOR NO KEY UPDATE", "FOR SHARE", "FOR KEY SHARE"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("mode", LOCKS)
def test_row_locks_elsewhere_keep_the_memory(
    m2m_client: tuple[Any, str], other: OtherConnection, mode: str
) -> None:
    """A row lock sets ``xmax`` (perhaps a multixact), never ``xmin`` nor
    ``ctid`` ("13.3.2. Row-Level Locks"; "5.5. System Columns"): locks
    taken by another connection, held or committed, keep warm requests
    served from the memory. Only the modes that do not conflict with the
    FOR KEY SHARE of the token's foreign-key check are held open during a
    request (the conflict table in 13.3.2); that wait would be the
    uncached path's too."""
    app, secret = m2m_client
    _warm(app, secret)
    before = _remembered(app)
    other.run("BEGIN")
    other.run(f"SELECT 1 FROM {qn(APP)} WHERE id = %s {mode}", [app.pk])  # noqa: S608
    other.run(
        f"SELECT 1 FROM {qn(PROFILE)} WHERE application_id = %s {mode}",  # noqa: S608
        [app.pk],
    )
    if mode != "FOR UPDATE":
        assert _served_from_memory(app, secret)
    other.run("COMMIT")
    assert _version(app) == before
    assert _served_from_memory(app, secret)


# --- another connection's writes -------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_update_committed_by_another_connection(
    m2m_client: tuple[Any, str], other: OtherConnection
) -> None:
    """Read Committed: each statement sees what was committed before it
    began ("13.2.1. Read Committed Isolation Level"), the guard's CTE
    included: another connection's committed change is the next answer."""
    app, secret = m2m_client
    memory = _warm(app, secret)
    other.run(
        SET_DISABLED,
        [True, app.pk],
    )
    assert _assert_as_uncached(memory, app, secret)["default"][:2] == (
        401,
        "invalid_client",
    )
    refused = _memory(app)
    other.run(
        SET_DISABLED,
        [False, app.pk],
    )
    assert _assert_as_uncached(refused, app, secret)["default"][0] == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("end", ["COMMIT", "ROLLBACK"])
def test_update_left_uncommitted_by_another_connection(
    m2m_client: tuple[Any, str], other: OtherConnection, end: str
) -> None:
    """Another connection updates both rows and leaves its transaction
    open: no other snapshot sees those versions ("13.2.1. Read Committed
    Isolation Level"), so the memory still holds and matches the uncached
    answer; the update takes FOR NO KEY UPDATE, which does not block the
    token's FOR KEY SHARE ("13.3.2. Row-Level Locks"). Once it commits the
    change is the next answer; once it rolls back the memory holds on."""
    app, secret = m2m_client
    memory = _warm(app, secret)
    other.run("BEGIN")
    other.run(
        SET_DISABLED,
        [True, app.pk],
    )
    other.run(RENAME, ["changed", app.pk])
    assert _served_from_memory(app, secret)
    assert _assert_as_uncached(memory, app, secret)["default"][0] == 200
    other.run(end)
    answers = _assert_as_uncached(memory, app, secret)
    if end == "COMMIT":
        assert answers["default"][:2] == (401, "invalid_client")
    else:
        assert answers["default"][0] == 200
        client_cache.forget_all()
        client_cache._entries.update(memory)
        assert _served_from_memory(app, secret)


@pytest.mark.django_db(transaction=True)
def test_memory_read_in_a_transaction_that_rolled_back(
    m2m_client: tuple[Any, str],
) -> None:
    """The memory is read inside a whole transaction that then aborts: its
    ``xmin`` belongs to an aborted transaction, whose rows no snapshot
    sees and whose id is not given out again ("5.5. System Columns";
    "13.1. Introduction"); not even after VACUUM FULL copied the table
    (only live tuples are copied)."""
    app, secret = m2m_client
    with pytest.raises(RuntimeError), transaction.atomic():
        _profile(app).update(client_credentials_scopes=["read", "admin"])
        assert _cc(app.client_id, secret, scope="admin").status_code == 200
        memory = _memory(app)
        raise RuntimeError("roll back")
    for _ in range(2):
        answers = _assert_as_uncached(memory, app, secret)
        assert answers["scope-admin"][:2] == (400, "invalid_scope")
        _sql(f"VACUUM FULL {qn(APP)}")
        _sql(f"VACUUM FULL {qn(PROFILE)}")


# --- VACUUM ----------------------------------------------------------------------


VACUUMS = ["VACUUM", "VACUUM FREEZE", "VACUUM FULL", "VACUUM (FULL, FREEZE)"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("command", VACUUMS)
def test_vacuum_between_requests(m2m_client: tuple[Any, str], command: str) -> None:
    """VACUUM cannot run in a transaction block (the "VACUUM" reference
    page), hence autocommit. Plain VACUUM and FREEZE move nothing and,
    since 9.4, freezing sets a flag and keeps the row's original ``xmin``
    ("25.1.5. Preventing Transaction ID Wraparound Failures"): the memory
    holds. VACUUM FULL writes a new copy of the table, moving ``ctid``
    ("5.5. System Columns"): the client is read again. Either way a
    change made before the vacuum is the next answer."""
    app, secret = m2m_client
    memory = _warm(app, secret)
    before = _remembered(app)
    _sql(f"{command} {qn(APP)}")
    _sql(f"{command} {qn(PROFILE)}")
    if "FULL" not in command:
        assert _version(app) == before
        assert _served_from_memory(app, secret)
    assert _assert_as_uncached(memory, app, secret)["default"][0] == 200
    memory = _warm(app, secret)
    _profile(app).update(disabled=True)
    _sql(f"{command} {qn(APP)}")
    _sql(f"{command} {qn(PROFILE)}")
    answers = _assert_as_uncached(memory, app, secret)
    assert answers["default"][:2] == (401, "invalid_client")


@pytest.mark.django_db(transaction=True)
def test_item_freed_by_vacuum_and_reused(m2m_client: tuple[Any, str]) -> None:
    """The item pointer of a remembered heap-only tuple is freed by VACUUM
    ("73.7. Heap-Only Tuples (HOT)"; "25.1.2. Recovering Disk Space") and
    taken by the next update: same ``ctid``, but a later transaction's
    ``xmin``, so the guard still fails and the change is seen."""
    app, secret = m2m_client
    _profile(app).update(software_version="1")  # a heap-only version
    memory = _warm(app, secret)
    remembered = _ctid(PROFILE, "application_id", app.pk)
    _profile(app).update(software_version="2")
    _sql(f"VACUUM {qn(PROFILE)}")
    _profile(app).update(disabled=True)
    assert _ctid(PROFILE, "application_id", app.pk) == remembered
    assert _version(app) != _remembered(app)
    answers = _assert_as_uncached(memory, app, secret)
    assert answers["default"][:2] == (401, "invalid_client")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("table", ["application", "profile"])
def test_vacuum_full_moves_a_row_onto_a_remembered_item(
    m2m_client: tuple[Any, str], table: str
) -> None:
    """One transaction updates a row twice and the memory is read between
    the two (a token request inside the same transaction, as with
    ``ATOMIC_REQUESTS`` or a script): both versions carry that
    transaction's ``xmin`` ("5.5. System Columns"). VACUUM FULL copies the
    live version into a new heap, keeping its ``xmin`` and giving it a new
    ``ctid`` ("VACUUM" reference page: FULL writes a new copy of the
    table; "5.5. System Columns": a row's ctid changes when it is moved by
    VACUUM FULL). With one other row inserted between the two updates, the
    copy lands on the very item the remembered intermediate version held:
    same ``xmin``, same ``ctid``, different row. The rewritten table has a
    new file node, which the version includes, so the last update (a
    rotated secret, a disabled client) is still honoured."""
    app, secret = m2m_client
    model = Application if table == "application" else ClientProfile
    if table == "profile":
        # An application without a profile yet, to give one in the middle.
        _copy_row(Application, app.pk, client_id="filler-client")
        filler = Application.objects.get(client_id="filler-client")
    _sql(f"VACUUM FULL {qn(model._meta.db_table)}")  # items packed from 1
    with transaction.atomic():
        if table == "application":
            Application.objects.filter(pk=app.pk).update(name="intermediate")
        else:
            _profile(app).update(software_version="intermediate")
        client_cache.forget_all()
        assert _cc(app.client_id, secret).status_code == 200
        memory = _memory(app)
        if table == "application":
            _copy_row(Application, app.pk, client_id="filler-client")
            rotate_secret(Application.objects.get(pk=app.pk))
        else:
            profile = ClientProfile.objects.get(application=app).pk
            _copy_row(ClientProfile, profile, application_id=filler.pk)
            _profile(app).update(disabled=True)
    _sql(f"VACUUM FULL {qn(model._meta.db_table)}")
    # The scenario: the live row now has the remembered xmin and ctid; only
    # the table's new file node ("73.1. Database File Layout") tells the
    # versions apart.
    remembered = next(iter(memory.values()))[1]
    assert _version(app) != remembered
    assert _without_file_nodes(_version(app)) == _without_file_nodes(remembered)
    # The worker that read the intermediate version still holds it.
    assert _memory(app) == memory
    tokens = AccessToken.objects.filter(application_id=app.pk)
    before = tokens.count()
    stale = _outcome(_cc(app.client_id, secret))
    # (answer, tokens written): refused and nothing stored, as uncached.
    assert (stale[:2], tokens.count() - before) == ((401, "invalid_client"), 0)
    answers = _assert_as_uncached(memory, app, secret)
    assert answers["default"][:2] == (401, "invalid_client")
