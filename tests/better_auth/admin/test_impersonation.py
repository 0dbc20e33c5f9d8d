"""Impersonation (core-surface §8.6): a 1 h session that remembers the admin.

The admin's own session token goes into the signed ``admin_session``
cookie; stop-impersonating deletes the impersonation session and restores
the admin's. Administrators cannot be impersonated without
``impersonate-admins``, and the impersonated user's own list-sessions never
shows the admin's session.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from better_auth import clock
from better_auth.models import Session
from tests.conftest import AuthClient

from .conftest import sign_in


def test_impersonate_user(admin_api: AuthClient, target: Any, admin_user: Any) -> None:
    admin_token = admin_api.get("/get-session").json()["session"]["token"]
    r = admin_api.post("/admin/impersonate-user", {"userId": target.pk})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["user"]["id"] == target.pk
    session = body["session"]
    assert session["impersonatedBy"] == admin_user.pk
    row = Session.objects.get(token=session["token"])
    lifetime = row.expires_at - clock.now()
    assert timedelta(minutes=59) < lifetime <= timedelta(hours=1)
    assert r.cookies["better-auth.admin_session"].value.startswith(admin_token)
    token_cookie = r.cookies["better-auth.session_token"]
    assert token_cookie.value.startswith(session["token"])
    assert token_cookie["max-age"] == ""  # a browser-session cookie
    current = admin_api.get("/get-session").json()
    assert current["user"]["id"] == target.pk
    assert current["session"]["impersonatedBy"] == admin_user.pk


def test_stop_impersonating_restores_the_admin(
    admin_api: AuthClient, target: Any, admin_user: Any
) -> None:
    r = admin_api.post("/admin/impersonate-user", {"userId": target.pk})
    token = r.json()["session"]["token"]
    r = admin_api.post("/admin/stop-impersonating")
    assert r.status_code == 200, r.content
    assert r.json()["user"]["id"] == admin_user.pk
    assert not Session.objects.filter(token=token).exists()
    assert r.cookies["better-auth.admin_session"]["max-age"] == 0
    assert admin_api.get("/get-session").json()["user"]["id"] == admin_user.pk


def test_stop_impersonating_without_impersonation(admin_api: AuthClient) -> None:
    r = admin_api.post("/admin/stop-impersonating")
    assert r.status_code == 400
    assert r.json() == {"message": "You are not impersonating anyone"}
    r = AuthClient().post("/admin/stop-impersonating")
    assert r.status_code == 401


def test_stop_impersonating_needs_the_admin_cookie(
    admin_api: AuthClient, target: Any
) -> None:
    admin_api.post("/admin/impersonate-user", {"userId": target.pk})
    del admin_api.client.cookies["better-auth.admin_session"]
    r = admin_api.post("/admin/stop-impersonating")
    assert r.status_code == 500
    assert r.json() == {"message": "Failed to find admin session"}


def test_admins_cannot_be_impersonated_without_permission(
    admin_api: AuthClient, user_factory: Callable[..., Any]
) -> None:
    other = user_factory("other-admin@example.test", role="admin")
    r = admin_api.post("/admin/impersonate-user", {"userId": other.pk})
    assert r.status_code == 403
    assert r.json()["code"] == "YOU_CANNOT_IMPERSONATE_ADMINS"


def test_allow_impersonating_admins(
    admin_api: AuthClient,
    user_factory: Callable[..., Any],
    better_auth_settings: Callable[..., None],
) -> None:
    other = user_factory("other-admin@example.test", role="admin")
    better_auth_settings(ADMIN={"ALLOW_IMPERSONATING_ADMINS": True})
    r = admin_api.post("/admin/impersonate-user", {"userId": other.pk})
    assert r.status_code == 200


def test_impersonate_missing_user(admin_api: AuthClient) -> None:
    r = admin_api.post("/admin/impersonate-user", {"userId": "nobody"})
    assert r.status_code == 404


def test_banned_users_cannot_be_impersonated(
    admin_api: AuthClient, target: Any
) -> None:
    admin_api.post("/admin/ban-user", {"userId": target.pk})
    r = admin_api.post("/admin/impersonate-user", {"userId": target.pk})
    assert r.status_code == 403
    assert r.json()["code"] == "BANNED_USER"


def test_configured_impersonation_duration(
    admin_api: AuthClient,
    target: Any,
    better_auth_settings: Callable[..., None],
) -> None:
    better_auth_settings(ADMIN={"IMPERSONATION_SESSION_DURATION": 600})
    r = admin_api.post("/admin/impersonate-user", {"userId": target.pk})
    row = Session.objects.get(token=r.json()["session"]["token"])
    assert row.expires_at - clock.now() <= timedelta(minutes=10)


def test_list_sessions_hides_impersonation_sessions(
    admin_api: AuthClient, target: Any
) -> None:
    victim, _ = sign_in("target@example.test", "target-password-1")
    admin_api.post("/admin/impersonate-user", {"userId": target.pk})
    assert Session.objects.filter(user_id=target.pk).count() == 2
    sessions = victim.get("/list-sessions").json()
    assert len(sessions) == 1
    assert sessions[0]["impersonatedBy"] is None
