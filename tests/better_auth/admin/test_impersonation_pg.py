"""Impersonation under real concurrency on PostgreSQL.

Each request runs in its own thread and connection, released together by a
barrier. Ten impersonations give ten distinct, marked, one-hour sessions;
ten stop-impersonating requests carrying the same cookies restore the admin
exactly once, because one DELETE of the impersonation session decides.
"""

from __future__ import annotations

from datetime import timedelta
from http.cookies import SimpleCookie
from typing import Any

import pytest
from django.db import connection

from better_auth import clock
from better_auth.models import Session, User
from tests.concurrency import race
from tests.conftest import AuthClient

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RACERS = 10


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")


@pytest.fixture
def people() -> tuple[Any, Any]:
    admin = User.objects.create_user(
        "admin@example.test", "admin-password-1", name="Admin", role="admin"
    )
    target = User.objects.create_user(
        "target@example.test", "target-password-1", name="Target"
    )
    return admin, target


def _admin_client() -> AuthClient:
    client = AuthClient()
    assert client.sign_in("admin@example.test", "admin-password-1").status_code == 200
    return client


def test_concurrent_impersonations_each_get_a_marked_short_session(
    people: tuple[Any, Any],
) -> None:
    admin, target = people
    cookies = _admin_client().cookies.output(header="", sep=";")

    def impersonate() -> tuple[int, str]:
        client = AuthClient()
        client.client.cookies = SimpleCookie(cookies)
        r = client.post("/admin/impersonate-user", {"userId": target.pk})
        return r.status_code, r.json()["session"]["token"]

    results = race(RACERS, impersonate)
    assert [status for status, _ in results] == [200] * RACERS
    tokens = {token for _, token in results}
    assert len(tokens) == RACERS
    rows = Session.objects.filter(token__in=tokens)
    assert rows.count() == RACERS
    limit = clock.now() + timedelta(hours=1)
    for row in rows:
        assert row.user_id == target.pk
        assert row.impersonated_by == admin.pk
        assert row.expires_at <= limit


def test_concurrent_stop_impersonating_restores_the_admin_once(
    people: tuple[Any, Any],
) -> None:
    _, target = people
    client = _admin_client()
    r = client.post("/admin/impersonate-user", {"userId": target.pk})
    assert r.status_code == 200
    impersonation = r.json()["session"]["token"]
    cookies = client.cookies.output(header="", sep=";")

    def stop() -> int:
        racer = AuthClient()
        racer.client.cookies = SimpleCookie(cookies)
        return racer.post("/admin/stop-impersonating").status_code

    statuses = race(RACERS, stop)
    assert statuses.count(200) == 1, statuses
    assert set(statuses) <= {200, 401}
    assert not Session.objects.filter(token=impersonation).exists()
