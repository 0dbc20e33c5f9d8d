"""User management under /admin/ (core-surface §8.6): bodies, answers, codes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from better_auth.models import Account, Session, User
from tests.conftest import AuthClient

from .conftest import sign_in


def test_new_users_get_the_default_role(api: AuthClient) -> None:
    r = api.sign_up()
    assert r.json()["user"]["role"] == "user"
    assert r.json()["user"]["banned"] is False


def test_configured_default_role(
    api: AuthClient, better_auth_settings: Callable[..., None]
) -> None:
    better_auth_settings(ADMIN={"DEFAULT_ROLE": "member"})
    assert api.sign_up().json()["user"]["role"] == "member"


def test_create_user_with_password_and_role(admin_api: AuthClient) -> None:
    r = admin_api.post(
        "/admin/create-user",
        {
            "email": "New@Example.test",
            "password": "new-password-1",
            "name": "New",
            "role": ["user", "support"],
            "data": {"image": "https://example.test/a.png"},
        },
    )
    assert r.status_code == 200, r.content
    user = r.json()["user"]
    assert user["email"] == "new@example.test"
    assert user["role"] == "user,support"
    assert user["image"] == "https://example.test/a.png"
    _, r = sign_in("new@example.test", "new-password-1")
    assert r.status_code == 200


def test_create_user_without_password_has_no_credential(admin_api: AuthClient) -> None:
    r = admin_api.post(
        "/admin/create-user", {"email": "nopw@example.test", "name": "No Pw"}
    )
    assert r.status_code == 200
    user_id = r.json()["user"]["id"]
    assert r.json()["user"]["role"] == "user"
    assert not Account.objects.filter(user_id=user_id).exists()


def test_create_user_refusals(admin_api: AuthClient, target: Any) -> None:
    r = admin_api.post(
        "/admin/create-user", {"email": "target@example.test", "name": "Dup"}
    )
    assert r.status_code == 400
    assert r.json()["code"] == "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL"
    r = admin_api.post("/admin/create-user", {"email": "not-an-email", "name": "X"})
    assert r.json()["code"] == "INVALID_EMAIL"
    r = admin_api.post(
        "/admin/create-user", {"email": "r@example.test", "name": "X", "role": [1]}
    )
    assert r.status_code == 400
    r = admin_api.post("/admin/create-user", {"email": "r@example.test"})
    assert r.status_code == 400
    assert r.json()["code"] == "VALIDATION_ERROR"


def test_create_user_unknown_role_with_custom_roles(
    admin_api: AuthClient, better_auth_settings: Callable[..., None]
) -> None:
    better_auth_settings(
        ADMIN={
            "ROLES": {
                "admin": {"user": ["create", "set-role"]},
                "user": {},
            }
        }
    )
    r = admin_api.post(
        "/admin/create-user",
        {"email": "r@example.test", "name": "X", "role": "wizard"},
    )
    assert r.status_code == 400
    assert r.json()["code"] == "YOU_ARE_NOT_ALLOWED_TO_SET_NON_EXISTENT_VALUE"


def _make_users(user_factory: Callable[..., Any]) -> None:
    for index, name in enumerate(["Carol", "Bob", "Dave", "Eve"]):
        user_factory(
            f"{name.lower()}@example.test",
            name=name,
            role="user",
            email_verified=index % 2 == 0,
        )


def test_list_users_search_filter_sort_paginate(
    admin_api: AuthClient, user_factory: Callable[..., Any]
) -> None:
    _make_users(user_factory)
    r = admin_api.get("/admin/list-users")
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 5 and len(body["users"]) == 5
    assert "limit" not in body and "offset" not in body

    r = admin_api.get(
        "/admin/list-users",
        {"searchValue": "bo", "searchField": "name", "searchOperator": "starts_with"},
    )
    assert [u["name"] for u in r.json()["users"]] == ["Bob"]

    r = admin_api.get(
        "/admin/list-users",
        {"searchValue": "EXAMPLE"},
    )
    assert r.json()["total"] == 5

    r = admin_api.get(
        "/admin/list-users",
        {"filterField": "emailVerified", "filterValue": "true"},
    )
    assert sorted(u["name"] for u in r.json()["users"]) == ["Carol", "Dave"]

    r = admin_api.get(
        "/admin/list-users",
        {"filterField": "role", "filterValue": "admin", "filterOperator": "ne"},
    )
    assert r.json()["total"] == 4

    r = admin_api.get(
        "/admin/list-users",
        {"sortBy": "name", "sortDirection": "desc", "limit": "2", "offset": "1"},
    )
    body = r.json()
    assert [u["name"] for u in body["users"]] == ["Eve", "Dave"]
    assert body["total"] == 5
    assert body["limit"] == 2 and body["offset"] == 1


def test_list_users_unknown_field_is_an_empty_page(admin_api: AuthClient) -> None:
    r = admin_api.get("/admin/list-users", {"sortBy": "password"})
    assert r.status_code == 200
    assert r.json() == {"users": [], "total": 0}


def test_list_users_validates_enums(admin_api: AuthClient) -> None:
    r = admin_api.get("/admin/list-users", {"searchField": "password"})
    assert r.status_code == 400
    assert r.json()["code"] == "VALIDATION_ERROR"
    assert "searchField" in r.json()["message"]


def test_get_user(admin_api: AuthClient, target: Any) -> None:
    r = admin_api.get("/admin/get-user", {"id": target.pk})
    assert r.status_code == 200
    assert r.json()["email"] == "target@example.test"
    r = admin_api.get("/admin/get-user", {"id": "nobody"})
    assert r.status_code == 404
    assert r.json()["code"] == "USER_NOT_FOUND"


def test_set_role(admin_api: AuthClient, target: Any) -> None:
    r = admin_api.post("/admin/set-role", {"userId": target.pk, "role": "admin"})
    assert r.status_code == 200
    assert r.json()["user"]["role"] == "admin"
    r = admin_api.post(
        "/admin/set-role", {"userId": target.pk, "role": ["admin", "user"]}
    )
    assert r.json()["user"]["role"] == "admin,user"
    r = admin_api.post("/admin/set-role", {"userId": "nobody", "role": "admin"})
    assert r.status_code == 404


def test_update_user_rules(admin_api: AuthClient, target: Any, admin_user: Any) -> None:
    url = "/admin/update-user"
    r = admin_api.post(url, {"userId": target.pk, "data": {}})
    assert r.json()["code"] == "NO_DATA_TO_UPDATE"
    r = admin_api.post(url, {"userId": target.pk, "data": {"password": "x"}})
    assert r.json()["code"] == "PASSWORD_CANNOT_BE_UPDATED_VIA_UPDATE_USER"
    r = admin_api.post(url, {"userId": target.pk, "data": {"id": "x"}})
    assert r.json()["code"] == "USER_ID_CANNOT_BE_UPDATED"
    r = admin_api.post(url, {"userId": target.pk, "data": {"email": "bad"}})
    assert r.json()["code"] == "INVALID_EMAIL"
    r = admin_api.post(
        url, {"userId": target.pk, "data": {"email": "ADMIN@example.test"}}
    )
    assert r.json()["code"] == "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL"
    r = admin_api.post(url, {"userId": target.pk, "data": {"role": [3]}})
    assert r.json()["code"] == "INVALID_ROLE_TYPE"
    r = admin_api.post(
        url,
        {
            "userId": target.pk,
            "data": {
                "name": "Renamed",
                "email": "Renamed@Example.test",
                "emailVerified": True,
            },
        },
    )
    assert r.status_code == 200
    body = r.json()
    assert (body["name"], body["email"], body["emailVerified"]) == (
        "Renamed",
        "renamed@example.test",
        True,
    )
    r = admin_api.post(url, {"userId": "nobody", "data": {"name": "x"}})
    assert r.status_code == 404


def test_set_user_password(admin_api: AuthClient, target: Any) -> None:
    r = admin_api.post(
        "/admin/set-user-password",
        {"userId": target.pk, "newPassword": "brand-new-password"},
    )
    assert r.status_code == 200
    assert r.json() == {"status": True}
    _, r = sign_in("target@example.test", "brand-new-password")
    assert r.status_code == 200
    r = admin_api.post(
        "/admin/set-user-password", {"userId": target.pk, "newPassword": "short"}
    )
    assert r.json()["code"] == "PASSWORD_TOO_SHORT"
    r = admin_api.post(
        "/admin/set-user-password", {"userId": target.pk, "newPassword": ""}
    )
    assert r.status_code == 400
    assert r.json()["message"] == "[body.newPassword] newPassword cannot be empty"


def test_set_user_password_creates_a_credential(
    admin_api: AuthClient, user_factory: Callable[..., Any]
) -> None:
    social = user_factory("social@example.test", None)
    r = admin_api.post(
        "/admin/set-user-password",
        {"userId": social.pk, "newPassword": "first-password-1"},
    )
    assert r.status_code == 200
    _, r = sign_in("social@example.test", "first-password-1")
    assert r.status_code == 200


def test_sessions_list_and_revoke(admin_api: AuthClient, target: Any) -> None:
    victim, _ = sign_in("target@example.test", "target-password-1")
    sign_in("target@example.test", "target-password-1")
    r = admin_api.post("/admin/list-user-sessions", {"userId": target.pk})
    sessions = r.json()["sessions"]
    assert len(sessions) == 2
    assert all(s["userId"] == target.pk for s in sessions)
    r = admin_api.post(
        "/admin/revoke-user-session", {"sessionToken": sessions[0]["token"]}
    )
    assert r.json() == {"success": True}
    assert Session.objects.filter(user_id=target.pk).count() == 1
    r = admin_api.post("/admin/revoke-user-sessions", {"userId": target.pk})
    assert r.json() == {"success": True}
    assert not Session.objects.filter(user_id=target.pk).exists()
    assert victim.get("/get-session").json() is None


def test_remove_user(admin_api: AuthClient, target: Any, admin_user: Any) -> None:
    sign_in("target@example.test", "target-password-1")
    r = admin_api.post("/admin/remove-user", {"userId": admin_user.pk})
    assert r.json()["code"] == "YOU_CANNOT_REMOVE_YOURSELF"
    r = admin_api.post("/admin/remove-user", {"userId": target.pk})
    assert r.json() == {"success": True}
    assert not User.objects.filter(pk=target.pk).exists()
    assert not Session.objects.filter(user_id=target.pk).exists()
    r = admin_api.post("/admin/remove-user", {"userId": target.pk})
    assert r.status_code == 404


def test_role_is_not_user_settable(api: AuthClient) -> None:
    """Better Auth marks role and ban fields ``input: false``."""
    api.sign_up()
    r = api.post("/update-user", {"role": "admin", "banned": False, "name": "A"})
    assert r.status_code == 200
    assert User.objects.get(email="alice@example.test").role == "user"
    r = api.sign_up("bob@example.test", role="admin")
    assert r.json()["user"]["role"] == "user"


def test_fields_come_back_from_the_cookie_cache(
    api: AuthClient, better_auth_settings: Callable[..., None]
) -> None:
    better_auth_settings(SESSION={"COOKIE_CACHE": {"ENABLED": True, "MAX_AGE": 300}})
    api.sign_up()
    User.objects.filter(email="alice@example.test").update(role="support")
    api.sign_in()
    body = api.get("/get-session").json()
    assert body["user"]["role"] == "support"
    assert body["session"]["impersonatedBy"] is None


def test_validation_messages_match_better_auth(
    admin_api: AuthClient, target: Any
) -> None:
    """zod's wording for coerce.string, union, record and xor bodies."""
    cases = [
        (
            "/admin/set-role",
            {"role": "x"},
            "[body.userId] Invalid input: expected nonoptional, received undefined",
        ),
        (
            "/admin/set-role",
            {"userId": target.pk, "role": 5},
            "[body.role] Invalid input",
        ),
        (
            "/admin/create-user",
            {"email": "n2@example.test", "name": "N2", "role": 5},
            "[body.role] Invalid input",
        ),
        (
            "/admin/update-user",
            {"userId": target.pk},
            "[body.data] Invalid input: expected record, received undefined",
        ),
        (
            "/admin/ban-user",
            {"userId": target.pk, "banExpiresIn": "10"},
            "[body.banExpiresIn] Invalid input: expected number, received string",
        ),
        ("/admin/has-permission", {}, "[body] Invalid input"),
        (
            "/admin/has-permission",
            {"permission": {"user": ["ban"]}, "permissions": {"user": ["ban"]}},
            "[body] Invalid input: more than one option matched",
        ),
    ]
    for path, body, message in cases:
        r = admin_api.post(path, body)
        assert r.status_code == 400, path
        assert r.json() == {"code": "VALIDATION_ERROR", "message": message}, path


def test_numeric_user_ids_are_coerced_to_strings(admin_api: AuthClient) -> None:
    r = admin_api.post("/admin/ban-user", {"userId": 12345})
    assert r.status_code == 404
    assert r.json()["code"] == "USER_NOT_FOUND"


def test_list_users_is_get_only(admin_api: AuthClient) -> None:
    r = admin_api.post("/admin/list-users", {})
    assert r.status_code == 404
    assert r.content == b""


@pytest.mark.django_db(transaction=True)
def test_revoking_one_session_announces_it(admin_api: AuthClient, target: Any) -> None:
    """An admin's revocation ends the session like any other: receivers of
    ``session_revoked`` (back-channel logout among them) hear of it."""
    from better_auth import signals

    sign_in("target@example.test", "target-password-1")
    token = Session.objects.get(user_id=target.pk).token
    session_id = Session.objects.get(user_id=target.pk).id
    heard: list[dict[str, Any]] = []

    def receiver(**kwargs: Any) -> None:
        heard.append(kwargs)

    signals.session_revoked.connect(receiver, weak=False)
    try:
        r = admin_api.post("/admin/revoke-user-session", {"sessionToken": token})
    finally:
        signals.session_revoked.disconnect(receiver)
    assert r.json() == {"success": True}
    assert [h["session_ids"] for h in heard] == [[session_id]]
    assert heard[0]["user_id"] == target.pk
    assert heard[0]["reason"] == "admin"
