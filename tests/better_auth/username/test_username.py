"""The username plugin (core-surface §8.11): rules, sign-in, availability.

Usernames are unique and stored lower-cased; 3 to 30 characters of
``[a-zA-Z0-9_.]`` by default; sign-in answers like sign-in/email, with
``INVALID_USERNAME_OR_PASSWORD`` for every failure and one password hash
per attempt even for unknown usernames (OWASP ASVS V2.2.1 timing).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from better_auth.models import User
from tests.conftest import AuthClient


def _sign_up(api: AuthClient, username: str = "Alice_1", **extra: Any) -> Any:
    return api.sign_up(username=username, **extra)


def test_sign_up_with_username_normalizes_and_keeps_display(api: AuthClient) -> None:
    r = _sign_up(api)
    assert r.status_code == 200, r.content
    user = r.json()["user"]
    assert user["username"] == "alice_1"
    assert user["displayUsername"] == "Alice_1"
    assert User.objects.get(email="alice@example.test").username == "alice_1"


def test_sign_up_takes_display_username_as_username(api: AuthClient) -> None:
    r = api.sign_up(displayUsername="Alice.Smith")
    user = r.json()["user"]
    assert (user["username"], user["displayUsername"]) == ("alice.smith", "Alice.Smith")


def test_sign_up_without_username(api: AuthClient) -> None:
    user = api.sign_up().json()["user"]
    assert user["username"] is None and user["displayUsername"] is None


@pytest.mark.parametrize(
    ("username", "code"),
    [
        ("ab", "USERNAME_TOO_SHORT"),
        ("a" * 31, "USERNAME_TOO_LONG"),
        ("has space", "INVALID_USERNAME"),
        ("at@sign", "INVALID_USERNAME"),
        ("аlice", "INVALID_USERNAME"),  # Cyrillic а looks like Latin a
    ],
)
def test_sign_up_refuses_bad_usernames(
    api: AuthClient, username: str, code: str
) -> None:
    r = _sign_up(api, username)
    assert r.status_code == 400
    assert r.json()["code"] == code
    assert not User.objects.exists()


def test_usernames_are_unique_in_any_case(api: AuthClient) -> None:
    _sign_up(api)
    r = AuthClient().sign_up("bob@example.test", username="ALICE_1")
    assert r.status_code == 400
    assert r.json() == {
        "code": "USERNAME_IS_ALREADY_TAKEN",
        "message": "Username is already taken. Please try another.",
    }


def test_sign_in_with_username(api: AuthClient) -> None:
    _sign_up(api)
    client = AuthClient()
    r = client.post(
        "/sign-in/username", {"username": "ALICE_1", "password": "alice-password-1"}
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert list(body)[:2] == ["redirect", "token"]
    assert body["redirect"] is False and "url" not in body
    assert body["user"]["username"] == "alice_1"
    assert client.get("/get-session").json()["user"]["email"] == "alice@example.test"


def test_sign_in_with_callback_url(api: AuthClient) -> None:
    _sign_up(api)
    r = AuthClient().post(
        "/sign-in/username",
        {"username": "alice_1", "password": "alice-password-1", "callbackURL": "/app"},
    )
    assert r.json()["redirect"] is True and r.json()["url"] == "/app"
    assert r["Location"] == "/app"


def test_sign_in_remember_me_false(api: AuthClient) -> None:
    _sign_up(api)
    r = AuthClient().post(
        "/sign-in/username",
        {"username": "alice_1", "password": "alice-password-1", "rememberMe": False},
    )
    assert r.cookies["better-auth.session_token"]["max-age"] == ""
    assert "better-auth.dont_remember" in r.cookies


def test_sign_in_failures_share_one_answer(api: AuthClient) -> None:
    _sign_up(api)
    for body in (
        {"username": "alice_1", "password": "wrong-password"},
        {"username": "nobody_here", "password": "alice-password-1"},
        {"username": "", "password": "x"},
    ):
        r = AuthClient().post("/sign-in/username", body)
        assert r.status_code == 401
        assert r.json() == {
            "code": "INVALID_USERNAME_OR_PASSWORD",
            "message": "Invalid username or password",
        }


def test_sign_in_invalid_username_is_422(api: AuthClient) -> None:
    r = api.post("/sign-in/username", {"username": "a b", "password": "x"})
    assert r.status_code == 422
    assert r.json()["code"] == "INVALID_USERNAME"


def test_unknown_username_costs_one_hash(
    api: AuthClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from better_auth.services import passwords

    calls: list[str] = []
    real = passwords.burn_password_hash
    monkeypatch.setattr(
        passwords, "burn_password_hash", lambda pw: calls.append(pw) or real(pw)
    )
    api.post("/sign-in/username", {"username": "ghost", "password": "pw-123456"})
    assert calls == ["pw-123456"]


def test_sign_in_requires_verified_email_when_configured(
    api: AuthClient, user_factory: Callable[..., Any], better_auth_settings: Any
) -> None:
    user_factory("v@example.test", "verify-password-1", username="verify_me")
    better_auth_settings(EMAIL_AND_PASSWORD={"REQUIRE_EMAIL_VERIFICATION": True})
    r = api.post(
        "/sign-in/username", {"username": "verify_me", "password": "verify-password-1"}
    )
    assert r.status_code == 403
    assert r.json()["code"] == "EMAIL_NOT_VERIFIED"


def test_is_username_available(api: AuthClient) -> None:
    _sign_up(api)
    r = api.post("/is-username-available", {"username": "Alice_1"})
    assert r.json() == {"available": False}
    r = api.post("/is-username-available", {"username": "carol"})
    assert r.json() == {"available": True}
    r = api.post("/is-username-available", {"username": "x"})
    assert r.status_code == 422
    assert r.json()["code"] == "USERNAME_TOO_SHORT"
    r = api.post("/is-username-available", {"username": ""})
    assert r.status_code == 422
    assert r.json()["code"] == "INVALID_USERNAME"


def test_update_user_sets_and_changes_username(api: AuthClient) -> None:
    api.sign_up()
    r = api.post("/update-user", {"username": "New.Name"})
    assert r.status_code == 200, r.content
    user = User.objects.get(email="alice@example.test")
    assert (user.username, user.display_username) == ("new.name", None)
    r = api.post("/update-user", {"username": "new.name", "displayUsername": "NN"})
    assert r.status_code == 200
    assert api.get("/get-session").json()["user"]["displayUsername"] == "NN"


def test_update_user_refuses_a_taken_username(api: AuthClient) -> None:
    AuthClient().sign_up("bob@example.test", username="bob_b")
    api.sign_up()
    r = api.post("/update-user", {"username": "BOB_B"})
    assert r.status_code == 400
    assert r.json()["code"] == "USERNAME_IS_ALREADY_TAKEN"


def test_immutable_username(api: AuthClient, better_auth_settings: Any) -> None:
    better_auth_settings(USERNAME={"IMMUTABLE_USERNAME": True})
    _sign_up(api)
    r = api.post("/update-user", {"username": "other_name"})
    assert r.status_code == 400
    assert r.json()["code"] == "USERNAME_IS_IMMUTABLE"
    r = api.post("/update-user", {"username": "ALICE_1", "name": "A"})
    assert r.status_code == 200


def test_custom_lengths_and_validator(
    api: AuthClient, better_auth_settings: Any
) -> None:
    better_auth_settings(
        USERNAME={
            "MIN_USERNAME_LENGTH": 5,
            "USERNAME_VALIDATOR": lambda name: not name.startswith("admin"),
        }
    )
    assert _sign_up(api, "abcd").json()["code"] == "USERNAME_TOO_SHORT"
    assert _sign_up(api, "adminx").json()["code"] == "INVALID_USERNAME"
    assert _sign_up(api, "alice").status_code == 200


def test_display_username_validator(api: AuthClient, better_auth_settings: Any) -> None:
    better_auth_settings(
        USERNAME={"DISPLAY_USERNAME_VALIDATOR": lambda name: "<" not in name}
    )
    r = api.sign_up(username="alice_1", displayUsername="<b>Alice</b>")
    assert r.status_code == 400
    assert r.json()["code"] == "INVALID_DISPLAY_USERNAME"


def test_admin_create_and_update_normalize_usernames(
    api: AuthClient, user_factory: Callable[..., Any]
) -> None:
    user_factory("admin@example.test", "admin-password-1", role="admin")
    assert api.sign_in("admin@example.test", "admin-password-1").status_code == 200
    r = api.post(
        "/admin/create-user",
        {"email": "n@example.test", "name": "N", "data": {"username": "Neo_1"}},
    )
    assert r.status_code == 200, r.content
    assert r.json()["user"]["username"] == "neo_1"
    assert r.json()["user"]["displayUsername"] == "Neo_1"
    r = api.post(
        "/admin/create-user",
        {"email": "m@example.test", "name": "M", "data": {"username": "NEO_1"}},
    )
    assert r.json()["code"] == "USERNAME_IS_ALREADY_TAKEN"
    user_id = User.objects.get(email="n@example.test").pk
    r = api.post("/admin/update-user", {"userId": user_id, "data": {"username": "x"}})
    assert r.json()["code"] == "USERNAME_TOO_SHORT"
