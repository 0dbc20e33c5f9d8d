"""Roles and permissions: Better Auth's ``hasPermission`` and /admin/has-permission.

Better Auth admin plugin (core-surface §8.6): the built-in ``admin`` role
grants every user and session action except ``impersonate-admins``; ``user``
grants nothing; ``ADMIN_USER_IDS`` grants everything; a user holding several
roles is granted when any one role grants the whole request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from better_auth.plugins.admin.access import has_permission
from tests.conftest import AuthClient


def test_admin_role_grants_user_actions_but_not_impersonating_admins(db: None) -> None:
    assert has_permission(user_id="x", role="admin", permissions={"user": ["ban"]})
    assert has_permission(
        user_id="x", role="admin", permissions={"user": ["list"], "session": ["revoke"]}
    )
    assert not has_permission(
        user_id="x", role="admin", permissions={"user": ["impersonate-admins"]}
    )


def test_user_role_and_unknown_resources_are_refused(db: None) -> None:
    assert not has_permission(user_id="x", role="user", permissions={"user": ["list"]})
    assert not has_permission(user_id="x", role=None, permissions={"user": ["list"]})
    assert not has_permission(
        user_id="x", role="admin", permissions={"project": ["create"]}
    )
    assert not has_permission(user_id="x", role="admin", permissions={})


def test_any_of_several_roles_grants(db: None) -> None:
    assert has_permission(
        user_id="x", role="user,admin", permissions={"user": ["delete"]}
    )


def test_admin_user_ids_grant_everything(
    better_auth_settings: Callable[..., None], db: None
) -> None:
    better_auth_settings(ADMIN={"ADMIN_USER_IDS": ["boss"]})
    assert has_permission(
        user_id="boss", role="user", permissions={"user": ["impersonate-admins"]}
    )


def test_custom_roles_replace_the_built_in_table(
    better_auth_settings: Callable[..., None], db: None
) -> None:
    better_auth_settings(
        ADMIN={"ROLES": {"support": {"user": ["list", "get"]}, "user": {}}}
    )
    assert has_permission(user_id="x", role="support", permissions={"user": ["get"]})
    assert not has_permission(
        user_id="x", role="support", permissions={"user": ["ban"]}
    )
    assert not has_permission(user_id="x", role="admin", permissions={"user": ["get"]})


def test_or_connector_on_one_resource(db: None) -> None:
    assert has_permission(
        user_id="x",
        role="admin",
        permissions={
            "user": {"actions": ["impersonate-admins", "list"], "connector": "OR"}
        },
    )


def test_has_permission_endpoint_answers_for_the_session_user(
    admin_api: AuthClient, target: Any
) -> None:
    r = admin_api.post("/admin/has-permission", {"permissions": {"user": ["ban"]}})
    assert r.status_code == 200
    assert r.json() == {"error": None, "success": True}
    # Body userId / role are ignored when there is a session, as in Better Auth.
    r = admin_api.post(
        "/admin/has-permission",
        {"role": "user", "permissions": {"user": ["impersonate-admins"]}},
    )
    assert r.json() == {"error": None, "success": False}


def test_has_permission_needs_permissions_then_a_session(api: AuthClient) -> None:
    r = api.post("/admin/has-permission", {"permission": {"user": ["ban"]}})
    assert r.status_code == 400
    assert r.json() == {
        "message": "invalid permission check. no permission(s) were passed."
    }
    r = api.post("/admin/has-permission", {"permissions": {"user": ["ban"]}})
    assert r.status_code == 401
    assert r.content == b""


def test_admin_endpoints_without_session_answer_bodiless_401(api: AuthClient) -> None:
    """Better Auth's admin middleware throws ``APIError("UNAUTHORIZED")``: no body."""
    for path in ("/admin/ban-user", "/admin/set-role", "/admin/remove-user"):
        r = api.post(path, {"userId": "u", "role": "admin"})
        assert r.status_code == 401, path
        assert r.content == b""
    r = api.get("/admin/list-users")
    assert r.status_code == 401


def test_ordinary_users_get_each_routes_own_code(
    api: AuthClient, user_factory: Callable[..., Any], target: Any
) -> None:
    user_factory("plain@example.test", "plain-password-1")
    assert api.sign_in("plain@example.test", "plain-password-1").status_code == 200
    cases = [
        ("/admin/ban-user", {"userId": target.pk}, "YOU_ARE_NOT_ALLOWED_TO_BAN_USERS"),
        (
            "/admin/set-role",
            {"userId": target.pk, "role": "admin"},
            "YOU_ARE_NOT_ALLOWED_TO_CHANGE_USERS_ROLE",
        ),
        (
            "/admin/impersonate-user",
            {"userId": target.pk},
            "YOU_ARE_NOT_ALLOWED_TO_IMPERSONATE_USERS",
        ),
        (
            "/admin/remove-user",
            {"userId": target.pk},
            "YOU_ARE_NOT_ALLOWED_TO_DELETE_USERS",
        ),
        (
            "/admin/set-user-password",
            {"userId": target.pk, "newPassword": "new-password-1"},
            "YOU_ARE_NOT_ALLOWED_TO_SET_USERS_PASSWORD",
        ),
        (
            "/admin/list-user-sessions",
            {"userId": target.pk},
            "YOU_ARE_NOT_ALLOWED_TO_LIST_USERS_SESSIONS",
        ),
        (
            "/admin/revoke-user-sessions",
            {"userId": target.pk},
            "YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS",
        ),
        (
            "/admin/create-user",
            {"email": "n@example.test", "name": "N"},
            "YOU_ARE_NOT_ALLOWED_TO_CREATE_USERS",
        ),
        (
            "/admin/update-user",
            {"userId": target.pk, "data": {"name": "x"}},
            "YOU_ARE_NOT_ALLOWED_TO_UPDATE_USERS",
        ),
    ]
    for path, body, code in cases:
        r = api.post(path, body)
        assert r.status_code == 403, path
        assert r.json()["code"] == code, path
    r = api.get("/admin/list-users")
    assert r.status_code == 403
    assert r.json()["code"] == "YOU_ARE_NOT_ALLOWED_TO_LIST_USERS"
    r = api.get("/admin/get-user", {"id": target.pk})
    assert r.json()["code"] == "YOU_ARE_NOT_ALLOWED_TO_GET_USER"


def test_admin_user_ids_make_an_admin_without_the_role(
    api: AuthClient,
    user_factory: Callable[..., Any],
    better_auth_settings: Callable[..., None],
    target: Any,
) -> None:
    boss = user_factory("boss@example.test", "boss-password-1")
    better_auth_settings(ADMIN={"ADMIN_USER_IDS": [boss.pk]})
    assert api.sign_in("boss@example.test", "boss-password-1").status_code == 200
    r = api.post("/admin/ban-user", {"userId": target.pk})
    assert r.status_code == 200
    assert r.json()["user"]["banned"] is True


def test_system_check_refuses_undefined_admin_roles(
    better_auth_settings: Callable[..., None], db: None
) -> None:
    """Better Auth throws "Invalid admin roles" at start-up; so does the check."""
    from better_auth.plugins.admin.checks import check_admin_roles

    assert check_admin_roles() == []
    better_auth_settings(ADMIN={"ADMIN_ROLES": ["superadmin"]})
    errors = check_admin_roles()
    assert [e.id for e in errors] == ["better_auth_admin.E001"]
    better_auth_settings(
        ADMIN={"ADMIN_ROLES": ["superadmin"], "ROLES": {"superadmin": {"user": []}}}
    )
    assert check_admin_roles() == []
