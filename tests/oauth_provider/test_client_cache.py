"""client_credentials with clients remembered per process (PostgreSQL).

:mod:`better_auth_oauth_provider.services.client_cache` lets a warm
client_credentials request skip the client read: the token's insert carries
a guard on the version of the client's rows (``xmin`` and ``ctid``). These
tests hold it to the uncached behaviour: every change to a client, whichever
path makes it, is honoured by the very next request (RFC 6749 §2.3 and §5.2
errors as before), a stale memory refuses nothing that is now allowed, and a
failed guard writes no token.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from oauth2_provider.models import get_access_token_model

from better_auth_oauth_provider.models import ClientProfile
from better_auth_oauth_provider.services import client_cache
from better_auth_oauth_provider.services.client_secrets import rotate_secret
from tests.oauth_provider.test_token import client_credentials

pytestmark = pytest.mark.django_db

AccessToken = get_access_token_model()


@pytest.fixture(autouse=True)
def _empty_cache() -> Any:
    client_cache.forget_all()
    yield
    client_cache.forget_all()


@pytest.fixture
def warm(m2m_client: tuple[Any, str]) -> tuple[Any, str]:
    """The m2m client, remembered after one request."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")
    app, secret = m2m_client
    assert _token(app.client_id, secret).status_code == 200
    return app, secret


_token = client_credentials


def test_warm_request_is_one_guarded_statement(warm: tuple[Any, str]) -> None:
    app, secret = warm
    with CaptureQueriesContext(connection) as captured:
        response = _token(app.client_id, secret)
    assert response.status_code == 200, response.content
    statements = [q["sql"] for q in captured.captured_queries]
    assert len(statements) == 1, statements
    assert statements[0].startswith("WITH g AS (SELECT 1 FROM")
    assert '"oauth2_provider_application".xmin::text' in statements[0]
    assert "sha256" not in statements[0]


def test_two_updates_in_one_transaction_are_both_seen(
    warm: tuple[Any, str],
) -> None:
    """Row versions written by one transaction share their ``xmin``; each
    still has its own ``ctid`` (PostgreSQL docs, "System Columns" and
    "MVCC"), so a client remembered between two updates of one transaction
    is not taken for the second one."""
    app, secret = warm
    with transaction.atomic():
        ClientProfile.objects.filter(application=app).update(
            client_credentials_scopes=["read"]
        )
        first = _token(app.client_id, secret)
        assert first.status_code == 200
        assert first.json()["scope"] == "read"
        ClientProfile.objects.filter(application=app).update(disabled=True)
        refused = _token(app.client_id, secret)
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"


def test_row_locks_keep_the_memory(warm: tuple[Any, str]) -> None:
    """Locking a row changes neither ``xmin`` nor ``ctid``: the share locks
    of the token inserts' foreign-key checks, or a ``select_for_update()``
    elsewhere, must not send warm requests back to a fresh read."""
    app, secret = warm
    with transaction.atomic():
        list(type(app).objects.select_for_update().filter(pk=app.pk))
        list(ClientProfile.objects.select_for_update().filter(application=app))
        with CaptureQueriesContext(connection) as captured:
            response = _token(app.client_id, secret)
    assert response.status_code == 200, response.content
    assert len(captured.captured_queries) == 1


def test_rotated_secret_takes_effect_at_once(warm: tuple[Any, str]) -> None:
    app, old = warm
    new = rotate_secret(type(app).objects.get(pk=app.pk))
    refused = _token(app.client_id, old)
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"
    # The memory still holds the old digest: the new secret must not be
    # refused on its account.
    assert _token(app.client_id, new).status_code == 200
    assert _token(app.client_id, new).status_code == 200


def test_disabling_by_queryset_update_is_seen(warm: tuple[Any, str]) -> None:
    app, secret = warm
    ClientProfile.objects.filter(application=app).update(disabled=True)
    before = AccessToken.objects.count()
    response = _token(app.client_id, secret)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert AccessToken.objects.count() == before


def test_scopes_narrowed_by_raw_sql_are_seen(warm: tuple[Any, str]) -> None:
    app, secret = warm
    table = connection.ops.quote_name(ClientProfile._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET client_credentials_scopes = %s::jsonb"  # noqa: S608
            " WHERE application_id = %s",
            ['["read"]', app.pk],
        )
    response = _token(app.client_id, secret, scope="write")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"
    granted = _token(app.client_id, secret)
    assert granted.status_code == 200
    assert granted.json()["scope"] == "read"


def test_widened_scopes_are_granted_at_once(warm: tuple[Any, str]) -> None:
    """A stale memory must not refuse what the current row allows."""
    app, secret = warm
    ClientProfile.objects.filter(application=app).update(
        client_credentials_scopes=["read", "write", "admin"]
    )
    response = _token(app.client_id, secret, scope="admin")
    assert response.status_code == 200, response.content
    assert response.json()["scope"] == "admin"


def test_grant_type_removed_by_save_is_seen(warm: tuple[Any, str]) -> None:
    app, secret = warm
    profile = ClientProfile.objects.get(application=app)
    profile.grant_types = ["authorization_code"]
    profile.save()
    response = _token(app.client_id, secret)
    assert response.status_code == 400
    assert response.json()["error"] == "unauthorized_client"


def test_deleted_client_is_refused_and_nothing_written(warm: tuple[Any, str]) -> None:
    app, secret = warm
    type(app).objects.filter(pk=app.pk).delete()
    before = AccessToken.objects.count()
    response = _token(app.client_id, secret)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert AccessToken.objects.count() == before


def test_failed_guard_writes_exactly_one_token(warm: tuple[Any, str]) -> None:
    """A change that leaves the client allowed: the guarded insert writes
    nothing, the fresh retry writes the one token handed out."""
    app, secret = warm
    type(app).objects.filter(pk=app.pk).update(name="renamed")
    before = AccessToken.objects.count()
    with CaptureQueriesContext(connection) as captured:
        response = _token(app.client_id, secret)
    assert response.status_code == 200, response.content
    assert AccessToken.objects.count() == before + 1
    # The failed guarded insert, the fresh read, the unguarded insert.
    assert len(captured.captured_queries) == 3
    with CaptureQueriesContext(connection) as captured:
        assert _token(app.client_id, secret).status_code == 200
    assert len(captured.captured_queries) == 1


def test_wrong_secret_is_refused_from_a_warm_memory(warm: tuple[Any, str]) -> None:
    app, _secret = warm
    response = _token(app.client_id, "not-the-secret")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_memory_is_bounded(monkeypatch: Any, oauth_client_factory: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")
    monkeypatch.setattr(client_cache, "MAX_ENTRIES", 2)
    for n in range(4):
        app, secret = oauth_client_factory(
            client_name=f"m2m-{n}",
            grant_types=["client_credentials"],
            response_types=None,
            redirect_uris=None,
            client_credentials_scopes=["read"],
        )
        assert _token(app.client_id, secret).status_code == 200
    assert len(client_cache._entries) == 2


def test_nothing_remembered_off_postgres(m2m_client: tuple[Any, str]) -> None:
    if connection.vendor == "postgresql":
        pytest.skip("the fallback of databases without row versions")
    app, secret = m2m_client
    assert _token(app.client_id, secret).status_code == 200
    assert client_cache.cached_client(app.client_id) is None
    assert not client_cache._entries
