"""Bans and impersonation with sessions in the secondary storage (core-surface §5.1).

The ``impersonatedBy`` mark travels with the cached session row, banning
revokes cached sessions, and stop-impersonating deletes the cached
impersonation session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import caches

from better_auth.storage.sessions import session_store
from tests.conftest import AuthClient

from .conftest import sign_in


@pytest.fixture(autouse=True)
def _cache_sessions(better_auth_settings: Callable[..., None]) -> None:
    better_auth_settings(SESSION={"STORAGE": "cache"}, SECONDARY_STORAGE="default")
    caches["default"].clear()


def test_impersonation_round_trip_in_the_cache(
    admin_api: AuthClient, target: Any, admin_user: Any
) -> None:
    r = admin_api.post("/admin/impersonate-user", {"userId": target.pk})
    assert r.status_code == 200, r.content
    token = r.json()["session"]["token"]
    stored = session_store().find(token)
    assert stored is not None and stored.impersonated_by == admin_user.pk
    current = admin_api.get("/get-session").json()
    assert current["session"]["impersonatedBy"] == admin_user.pk
    r = admin_api.post("/admin/stop-impersonating")
    assert r.status_code == 200
    assert session_store().find(token) is None
    assert admin_api.get("/get-session").json()["user"]["id"] == admin_user.pk


def test_ban_revokes_cached_sessions(admin_api: AuthClient, target: Any) -> None:
    victim, r = sign_in("target@example.test", "target-password-1")
    assert r.status_code == 200
    admin_api.post("/admin/ban-user", {"userId": target.pk})
    assert victim.get("/get-session").json() is None
    _, r = sign_in("target@example.test", "target-password-1")
    assert r.status_code == 403
