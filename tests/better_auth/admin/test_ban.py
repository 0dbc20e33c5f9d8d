"""Bans (core-surface §8.6): a banned user gets no session by any method.

The check sits where every sign-in creates its session, so email, username,
magic-link, OTP, social and impersonation sessions are all refused with 403
``BANNED_USER``; an expired ban is lifted at the next sign-in; banning signs
the user out everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from better_auth import clock
from better_auth.errors import APIError
from better_auth.models import Session, User
from better_auth.plugins.admin.conf import DEFAULT_BANNED_MESSAGE
from better_auth.services.sessions import create_session
from tests.conftest import AuthClient

from .conftest import sign_in


def test_ban_user_sets_fields_and_revokes_sessions(
    admin_api: AuthClient, target: Any
) -> None:
    victim, r = sign_in("target@example.test", "target-password-1")
    assert r.status_code == 200
    r = admin_api.post(
        "/admin/ban-user",
        {"userId": target.pk, "banReason": "spam", "banExpiresIn": 3600},
    )
    assert r.status_code == 200
    user = r.json()["user"]
    assert user["banned"] is True
    assert user["banReason"] == "spam"
    assert user["banExpires"] is not None
    assert not Session.objects.filter(user_id=target.pk).exists()
    assert victim.get("/get-session").json() is None


def test_banned_user_cannot_sign_in_with_email(
    admin_api: AuthClient, target: Any
) -> None:
    admin_api.post("/admin/ban-user", {"userId": target.pk})
    _, r = sign_in("target@example.test", "target-password-1")
    assert r.status_code == 403
    assert r.json() == {"code": "BANNED_USER", "message": DEFAULT_BANNED_MESSAGE}
    assert "better-auth.session_token" not in r.cookies


def test_default_ban_reason_is_no_reason_and_permanent(
    admin_api: AuthClient, target: Any
) -> None:
    user = admin_api.post("/admin/ban-user", {"userId": target.pk}).json()["user"]
    assert user["banReason"] == "No reason"
    assert user["banExpires"] is None


def test_banned_user_cannot_sign_in_with_username(
    admin_api: AuthClient, target: Any
) -> None:
    User.objects.filter(pk=target.pk).update(username="target_1")
    admin_api.post("/admin/ban-user", {"userId": target.pk})
    r = AuthClient().post(
        "/sign-in/username", {"username": "target_1", "password": "target-password-1"}
    )
    assert r.status_code == 403
    assert r.json()["code"] == "BANNED_USER"


def test_every_session_creation_is_refused_for_a_banned_user(target: Any) -> None:
    """Magic link, OTP, social and the rest all end in ``create_session``."""
    User.objects.filter(pk=target.pk).update(banned=True)
    with pytest.raises(APIError) as raised:
        create_session(target, ip_address=None, user_agent=None)
    assert raised.value.status == 403
    assert raised.value.code == "BANNED_USER"


def test_expired_ban_is_lifted_at_the_next_sign_in(target: Any) -> None:
    User.objects.filter(pk=target.pk).update(
        banned=True,
        ban_reason="cool off",
        ban_expires=clock.now() - timedelta(seconds=1),
    )
    _, r = sign_in("target@example.test", "target-password-1")
    assert r.status_code == 200
    assert r.json()["user"]["banned"] is False
    target.refresh_from_db()
    assert (target.banned, target.ban_reason, target.ban_expires) == (False, None, None)


def test_ban_still_running_refuses(admin_api: AuthClient, target: Any) -> None:
    admin_api.post("/admin/ban-user", {"userId": target.pk, "banExpiresIn": 60})
    _, r = sign_in("target@example.test", "target-password-1")
    assert r.status_code == 403


def test_unban_user(admin_api: AuthClient, target: Any) -> None:
    admin_api.post("/admin/ban-user", {"userId": target.pk, "banReason": "x"})
    r = admin_api.post("/admin/unban-user", {"userId": target.pk})
    assert r.status_code == 200
    user = r.json()["user"]
    assert (user["banned"], user["banReason"], user["banExpires"]) == (
        False,
        None,
        None,
    )
    _, r = sign_in("target@example.test", "target-password-1")
    assert r.status_code == 200


def test_cannot_ban_yourself_or_a_missing_user(
    admin_api: AuthClient, admin_user: Any
) -> None:
    r = admin_api.post("/admin/ban-user", {"userId": admin_user.pk})
    assert r.status_code == 400
    assert r.json()["code"] == "YOU_CANNOT_BAN_YOURSELF"
    r = admin_api.post("/admin/ban-user", {"userId": "nobody"})
    assert r.status_code == 404
    assert r.json()["code"] == "USER_NOT_FOUND"


def test_custom_banned_message(
    admin_api: AuthClient,
    target: Any,
    better_auth_settings: Callable[..., None],
) -> None:
    better_auth_settings(ADMIN={"BANNED_USER_MESSAGE": lambda user: f"Bye {user.name}"})
    admin_api.post("/admin/ban-user", {"userId": target.pk})
    _, r = sign_in("target@example.test", "target-password-1")
    assert r.json() == {"code": "BANNED_USER", "message": "Bye Target"}


def test_banning_through_update_user_revokes_sessions(
    admin_api: AuthClient, target: Any, admin_user: Any
) -> None:
    sign_in("target@example.test", "target-password-1")
    r = admin_api.post(
        "/admin/update-user", {"userId": target.pk, "data": {"banned": True}}
    )
    assert r.status_code == 200
    assert r.json()["banned"] is True
    assert not Session.objects.filter(user_id=target.pk).exists()
    r = admin_api.post(
        "/admin/update-user", {"userId": admin_user.pk, "data": {"banned": True}}
    )
    assert r.json()["code"] == "YOU_CANNOT_BAN_YOURSELF"


def test_oauth_callback_redirects_with_banned_user_error(
    target: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Better Auth redirects the browser with ``?error=BANNED_USER``."""
    from better_auth.services import social

    User.objects.filter(pk=target.pk).update(banned=True)

    class Outcome:
        user = target
        is_register = False

    state: dict[str, Any] = {"callbackURL": "/home", "codeVerifier": "v"}

    class Provider:
        id = "fake"
        issuer = None
        sends_iss = False
        binds_nonce = False
        options: dict[str, Any] = {}

        def resolve(self) -> None:
            return None

        def exchange_code(self, *args: Any, **kwargs: Any) -> Any:
            return object()

        def user_info(self, *args: Any, **kwargs: Any) -> Any:
            return object()

    monkeypatch.setattr(social, "_consume_state", lambda *a: state)
    monkeypatch.setattr(social, "_provider_or_none", lambda _id: Provider())
    monkeypatch.setattr(
        social.oauth_accounts, "resolve_user", lambda *a, **k: Outcome()
    )
    from better_auth.cookies import CookieJar

    location = social.handle_callback(
        "fake",
        {"state": "s", "code": "c"},
        cookies={},
        jar=CookieJar(),
        auth_url="http://testserver/api/auth",
        base_url=None,
        ip_address=None,
        user_agent=None,
    )
    assert "error=BANNED_USER" in location
    assert not Session.objects.filter(user_id=target.pk).exists()
