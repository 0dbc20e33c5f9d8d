"""Concurrent redemption of one password-reset token on PostgreSQL.

Core-surface §7 ("consumeOne": single-use tokens are consumed atomically)
and case 59 (b): twenty simultaneous ``POST /reset-password`` requests with
the same token, each through the full Django stack on its own connection,
give exactly one 200 and nineteen 400 ``INVALID_TOKEN``.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from better_auth.models import User, Verification
from better_auth.services import password_reset, passwords

pytestmark = pytest.mark.postgres

THREADS = 20


@pytest.fixture
def postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://...)")


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_resets_consume_the_token_once(
    postgresql_only: None,
) -> None:
    """Exactly one request resets the password; every other one is refused."""
    user = User.objects.create_user("alice@example.test", "alice-password-1")
    pending = password_reset.prepare_reset(
        "alice@example.test", auth_url="http://testserver/api/auth", redirect_to=None
    )
    assert pending is not None
    body = json.dumps({"token": pending.token, "newPassword": "New-pass-456"})
    barrier = threading.Barrier(THREADS)
    results: list[tuple[int, Any]] = []
    lock = threading.Lock()

    def redeem() -> None:
        client = Client()
        try:
            barrier.wait(timeout=30)
            response = client.post(
                "/api/auth/reset-password", data=body, content_type="application/json"
            )
            with lock:
                results.append((response.status_code, response.json()))
        finally:
            connections.close_all()

    workers = [threading.Thread(target=redeem) for _ in range(THREADS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert len(results) == THREADS
    ok = [r for r in results if r[0] == 200]
    refused = [r for r in results if r[0] != 200]
    assert ok == [(200, {"status": True})]
    assert refused == [(400, {"message": "Invalid token", "code": "INVALID_TOKEN"})] * (
        THREADS - 1
    )
    assert not Verification.objects.exists()
    assert passwords.check_user_password(user, "New-pass-456")
