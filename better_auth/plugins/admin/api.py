"""Endpoints of the admin plugin under ``/admin/`` (core-surface §8.6).

Thin: parse, check the permission, call one service, render. Checks run in
Better Auth's order (permission, then existence, then the rule), because
clients and tests see which error comes first. Without a session every
route answers Better Auth's bodiless 401.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from better_auth.api import schema as s
from better_auth.api.context import Context
from better_auth.api.registry import endpoint
from better_auth.api.schema import is_email
from better_auth.conf import auth_settings
from better_auth.cookies import DONT_REMEMBER, SESSION_DATA, read_signed
from better_auth.errors import APIError
from better_auth.models import User
from better_auth.serializers import session_json, user_json
from better_auth.services import passwords
from better_auth.services.sessions import (
    SessionContext,
    clear_session_cookies,
    require_session,
    set_session_cookie,
)
from better_auth.storage.sessions import session_store

from . import services
from .access import has_permission, is_admin_user, parse_roles, roles
from .conf import section

ADMIN_SESSION = "admin_session"
_BAN_KEYS = ("banned", "banReason", "banExpires")


def _js_string(value: Any) -> str:
    """``z.coerce.string()``: what JavaScript's ``String(value)`` gives."""
    if value is s.UNDEFINED:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _one_of(*options: str) -> Any:
    allowed = "|".join(f'"{o}"' for o in options)

    def check(value: Any) -> str | None:
        if value in options:
            return None
        return f"Invalid option: expected one of {allowed}"

    return check


def _roles_value(value: Any) -> str | None:
    if isinstance(value, str):
        return None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return None
    return "Invalid input"


def _string_or_number(value: Any) -> str | None:
    ok = isinstance(value, (str, int, float)) and not isinstance(value, bool)
    return None if ok else "Invalid input"


def _non_empty(message: str) -> Any:
    def check(value: Any) -> str | None:
        return None if value else message

    return check


class _CoercedString(s.Field):
    """``z.coerce.string()``: required, anything else becomes its JS string."""

    def validate(self, value: Any) -> tuple[Any, str | None]:
        if value is s.UNDEFINED:
            if self.optional:
                return value, None
            return value, "Invalid input: expected nonoptional, received undefined"
        return _js_string(value), None


class _Union(s.Field):
    """A zod union: any value its ``check`` accepts; zod's bare "Invalid input"."""

    def validate(self, value: Any) -> tuple[Any, str | None]:
        if value is s.UNDEFINED:
            return value, None if self.optional else "Invalid input"
        problem = self.check(value) if self.check is not None else None
        return value, problem


class _Record(s.Field):
    """``z.record(...)``: an object, reported as a record when it is not one."""

    def validate(self, value: Any) -> tuple[Any, str | None]:
        if value is s.UNDEFINED and self.optional:
            return value, None
        if isinstance(value, dict):
            return value, None
        received = "undefined" if value is s.UNDEFINED else _received(value)
        return value, f"Invalid input: expected record, received {received}"


def _received(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


USER_ID = _CoercedString("any")
USER_ID_BODY = s.Schema({"userId": USER_ID}, required=True)
SET_ROLE = s.Schema(
    {"userId": USER_ID, "role": _Union("any", check=_roles_value)}, required=True
)
GET_USER = s.Schema({"id": s.string()})
CREATE_USER = s.Schema(
    {
        "email": s.string(),
        "password": s.string(optional=True),
        "name": s.string(),
        "role": _Union("any", optional=True, check=_roles_value),
        "data": _Record("any", optional=True),
    },
    required=True,
)
UPDATE_USER = s.Schema({"userId": USER_ID, "data": _Record("any")}, required=True)
BAN_USER = s.Schema(
    {
        "userId": USER_ID,
        "banReason": s.string(optional=True),
        "banExpiresIn": s.number(optional=True),
    },
    required=True,
)
REVOKE_SESSION = s.Schema({"sessionToken": s.string()}, required=True)
SET_PASSWORD = s.Schema(
    {
        "newPassword": s.Field(
            "string", check=_non_empty("newPassword cannot be empty")
        ),
        "userId": USER_ID,
    },
    required=True,
)
HAS_PERMISSION = s.Schema(
    {
        "userId": _CoercedString("any", optional=True),
        "role": s.string(optional=True),
        "permission": _Record("any", optional=True),
        "permissions": _Record("any", optional=True),
    }
)
_OPERATORS = (
    "eq",
    "ne",
    "lt",
    "lte",
    "gt",
    "gte",
    "in",
    "not_in",
    "contains",
    "starts_with",
    "ends_with",
)
LIST_USERS = s.Schema(
    {
        "searchValue": s.string(optional=True),
        "searchField": s.Field("string", optional=True, check=_one_of("email", "name")),
        "searchOperator": s.Field(
            "string",
            optional=True,
            check=_one_of("contains", "starts_with", "ends_with"),
        ),
        "limit": _Union("any", optional=True, check=_string_or_number),
        "offset": _Union("any", optional=True, check=_string_or_number),
        "sortBy": s.string(optional=True),
        "sortDirection": s.Field("string", optional=True, check=_one_of("asc", "desc")),
        "filterField": s.string(optional=True),
        "filterValue": s.any_value(),
        "filterOperator": s.Field("string", optional=True, check=_one_of(*_OPERATORS)),
    }
)


def _session(ctx: Context) -> SessionContext:
    """The caller's session from the store (never the cookie cache) or 401."""
    try:
        return require_session(ctx, mode="sensitive")
    except APIError as error:
        if error.status == 401:
            raise APIError(401, empty=True) from None
        raise


def _allow(
    current: SessionContext, permissions: dict[str, list[str]], code: str
) -> None:
    user = current.user
    if not has_permission(user_id=user.pk, role=user.role, permissions=permissions):
        raise APIError(403, code)


def _check_roles(value: Any) -> list[str]:
    """Submitted role names, each a string and, with custom roles, defined."""
    items = value if isinstance(value, list) else [value]
    for role in items:
        if not isinstance(role, str):
            raise APIError(400, "INVALID_ROLE_TYPE")
        if section().ROLES and role not in roles():
            raise APIError(400, "YOU_ARE_NOT_ALLOWED_TO_SET_NON_EXISTENT_VALUE")
    return items


# The largest limit or offset passed to the database: far beyond any user
# table, and with ``offset + limit`` inside every backend's 64-bit integer.
MAX_PAGE = 2**31 - 1


def _number(value: Any) -> int | None:
    """JavaScript's ``Number(value) || undefined`` for limit and offset,
    clamped to :data:`MAX_PAGE` (``1e300`` and ``Infinity`` are numbers)."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if not number > 0:  # also NaN
        return None
    return int(min(number, MAX_PAGE))


@endpoint("/admin/set-role", "POST", body=SET_ROLE)
def set_role(ctx: Context) -> dict[str, Any]:
    current = _session(ctx)
    _allow(current, {"user": ["set-role"]}, "YOU_ARE_NOT_ALLOWED_TO_CHANGE_USERS_ROLE")
    role = ctx.body.get("role")
    if section().ROLES:
        for name in role if isinstance(role, list) else [role]:
            if name not in roles():
                raise APIError(400, "YOU_ARE_NOT_ALLOWED_TO_SET_NON_EXISTENT_VALUE")
    user = services.set_role(ctx.body["userId"], role)
    return {"user": user_json(user)}


@endpoint("/admin/get-user", "GET", query=GET_USER)
def get_user(ctx: Context) -> dict[str, Any]:
    current = _session(ctx)
    _allow(current, {"user": ["get"]}, "YOU_ARE_NOT_ALLOWED_TO_GET_USER")
    user = User.objects.filter(pk=ctx.query["id"]).first()
    if user is None:
        raise APIError(404, "USER_NOT_FOUND")
    return user_json(user)


@endpoint("/admin/create-user", "POST", body=CREATE_USER)
def create_user(ctx: Context) -> dict[str, Any]:
    current = _session(ctx)
    _allow(current, {"user": ["create"]}, "YOU_ARE_NOT_ALLOWED_TO_CREATE_USERS")
    b = ctx.body
    data = dict(b.get("data") or {})
    data_role = data.pop("role", None)
    # Better Auth spreads ``data`` before the body's own email and name.
    data.pop("email", None)
    data.pop("name", None)
    requested = b["role"] if "role" in b else data_role
    if requested is not None:
        _allow(
            current, {"user": ["set-role"]}, "YOU_ARE_NOT_ALLOWED_TO_CHANGE_USERS_ROLE"
        )
        _check_roles(requested)
    if any(key in data for key in _BAN_KEYS):
        _allow(current, {"user": ["ban"]}, "YOU_ARE_NOT_ALLOWED_TO_BAN_USERS")
    email = b["email"].lower()
    if not is_email(email):
        raise APIError(400, "INVALID_EMAIL")
    password = b.get("password")
    if password:
        passwords.refuse_over_long_password(password)
    user = services.create_user(
        email=email,
        name=b["name"],
        password=password or None,
        role=(
            ",".join(parse_roles(requested))
            if requested is not None
            else section().DEFAULT_ROLE or "user"
        ),
        data=_columns(data),
    )
    return {"user": user_json(user)}


# The user JSON fields admin update-user and create-user write.
_WRITABLE = {
    "name": "name",
    "email": "email",
    "emailVerified": "email_verified",
    "image": "image",
    "role": "role",
    "banned": "banned",
    "banReason": "ban_reason",
    "banExpires": "ban_expires",
    "username": "username",
    "displayUsername": "display_username",
}


def _columns(data: dict[str, Any]) -> dict[str, Any]:
    """JSON field names to model columns, values converted; unknown keys dropped."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        column = _WRITABLE.get(key)
        if column is None:
            continue
        field = User._meta.get_field(column)
        try:
            out[column] = None if value is None else field.to_python(value)
        except ValidationError:
            raise APIError(
                400, "VALIDATION_ERROR", f"[body.data.{key}] Invalid input"
            ) from None
    return out


@endpoint("/admin/update-user", "POST", body=UPDATE_USER)
def update_user(ctx: Context) -> dict[str, Any]:
    current = _session(ctx)
    _allow(current, {"user": ["update"]}, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_USERS")
    user_id = ctx.body["userId"]
    data = dict(ctx.body["data"])
    if not data:
        raise APIError(400, "NO_DATA_TO_UPDATE")
    if "password" in data:
        raise APIError(400, "PASSWORD_CANNOT_BE_UPDATED_VIA_UPDATE_USER")
    if "id" in data:
        raise APIError(400, "USER_ID_CANNOT_BE_UPDATED")
    if "role" in data:
        _allow(
            current, {"user": ["set-role"]}, "YOU_ARE_NOT_ALLOWED_TO_CHANGE_USERS_ROLE"
        )
        data["role"] = ",".join(parse_roles(_check_roles(data["role"])))
    if any(key in data for key in _BAN_KEYS):
        _allow(current, {"user": ["ban"]}, "YOU_ARE_NOT_ALLOWED_TO_BAN_USERS")
        if data.get("banned") is True and user_id == current.user.pk:
            raise APIError(400, "YOU_CANNOT_BAN_YOURSELF")
    if "email" in data or "emailVerified" in data:
        _allow(
            current, {"user": ["set-email"]}, "YOU_ARE_NOT_ALLOWED_TO_SET_USERS_EMAIL"
        )
        if "email" in data:
            email = _js_string(data["email"]).lower()
            if not is_email(email):
                raise APIError(400, "INVALID_EMAIL")
            other = User.objects.filter(email=email).exclude(pk=user_id).exists()
            if other:
                raise APIError(400, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL")
            data["email"] = email
    if "phoneNumber" in data or "phoneNumberVerified" in data:
        _allow(
            current,
            {"user": ["set-phone"]},
            "YOU_ARE_NOT_ALLOWED_TO_SET_USERS_PHONE_NUMBER",
        )
    columns = _columns(data)
    if not columns:
        user = User.objects.filter(pk=user_id).first()
        if user is None:
            raise APIError(404, "USER_NOT_FOUND")
        return user_json(user)
    user = services.update_user(user_id, columns, banned=data.get("banned") is True)
    return user_json(user)


@endpoint("/admin/list-users", "GET", query=LIST_USERS)
def list_users(ctx: Context) -> dict[str, Any]:
    current = _session(ctx)
    _allow(current, {"user": ["list"]}, "YOU_ARE_NOT_ALLOWED_TO_LIST_USERS")
    q = ctx.query
    limit, offset = _number(q.get("limit")), _number(q.get("offset"))
    users, total = services.list_users(
        services.ListUsersQuery(
            search_value=q.get("searchValue") or None,
            search_field=q.get("searchField") or "email",
            search_operator=q.get("searchOperator") or "contains",
            filter_field=q.get("filterField") or "email",
            filter_value=q.get("filterValue"),
            filter_operator=q.get("filterOperator") or "eq",
            sort_by=q.get("sortBy") or None,
            sort_direction=q.get("sortDirection") or "asc",
            limit=limit,
            offset=offset,
        )
    )
    body: dict[str, Any] = {"users": [user_json(u) for u in users], "total": total}
    if limit is not None:
        body["limit"] = limit
    if offset is not None:
        body["offset"] = offset
    return body


@endpoint("/admin/list-user-sessions", "POST", body=USER_ID_BODY)
def list_user_sessions(ctx: Context) -> dict[str, Any]:
    from better_auth import clock

    current = _session(ctx)
    _allow(current, {"session": ["list"]}, "YOU_ARE_NOT_ALLOWED_TO_LIST_USERS_SESSIONS")
    user_id = ctx.body["userId"]
    rows = session_store().list_for_user(user_id, clock.now())
    return {"sessions": [session_json(row) for row in rows]}


@endpoint("/admin/unban-user", "POST", body=USER_ID_BODY)
def unban_user(ctx: Context) -> dict[str, Any]:
    current = _session(ctx)
    _allow(current, {"user": ["ban"]}, "YOU_ARE_NOT_ALLOWED_TO_BAN_USERS")
    user = services.unban_user(ctx.body["userId"])
    return {"user": user_json(user)}


@endpoint("/admin/ban-user", "POST", body=BAN_USER)
def ban_user(ctx: Context) -> dict[str, Any]:
    current = _session(ctx)
    _allow(current, {"user": ["ban"]}, "YOU_ARE_NOT_ALLOWED_TO_BAN_USERS")
    user_id = ctx.body["userId"]
    if not User.objects.filter(pk=user_id).exists():
        raise APIError(404, "USER_NOT_FOUND")
    if user_id == current.user.pk:
        raise APIError(400, "YOU_CANNOT_BAN_YOURSELF")
    user = services.ban_user(
        user_id,
        reason=ctx.body.get("banReason"),
        expires_in=ctx.body.get("banExpiresIn"),
    )
    return {"user": user_json(user)}


@endpoint("/admin/impersonate-user", "POST", body=USER_ID_BODY)
def impersonate_user(ctx: Context) -> dict[str, Any]:
    current = _session(ctx)
    _allow(
        current, {"user": ["impersonate"]}, "YOU_ARE_NOT_ALLOWED_TO_IMPERSONATE_USERS"
    )
    target = User.objects.filter(pk=ctx.body["userId"]).first()
    if target is None:
        raise APIError(404, "USER_NOT_FOUND")
    if is_admin_user(target) and not (
        section().ALLOW_IMPERSONATING_ADMINS
        or has_permission(
            user_id=current.user.pk,
            role=current.user.role,
            permissions={"user": ["impersonate-admins"]},
        )
    ):
        raise APIError(403, "YOU_CANNOT_IMPERSONATE_ADMINS")
    session = services.impersonate(
        current.user, target, ip_address=ctx.info.ip, user_agent=ctx.info.user_agent
    )
    dont_remember = read_signed(ctx.cookies, DONT_REMEMBER) or ""
    clear_session_cookies(ctx.jar)
    ctx.jar.set_signed(
        ADMIN_SESSION,
        f"{current.session.token}:{dont_remember}",
        max_age=auth_settings.SESSION.EXPIRES_IN,
    )
    set_session_cookie(ctx.jar, session, target, remember_me=False)
    return {"session": session_json(session), "user": user_json(target)}


@endpoint("/admin/stop-impersonating", "POST")
def stop_impersonating(ctx: Context) -> dict[str, Any]:
    from better_auth.services.sessions import get_session

    current = get_session(ctx)
    if current is None:
        raise APIError(401, empty=True)
    if not current.session.impersonated_by:
        raise APIError(400, None, "You are not impersonating anyone")
    admin = User.objects.filter(pk=current.session.impersonated_by).first()
    if admin is None:
        raise APIError(500, None, "Failed to find user")
    cookie_value = read_signed(ctx.cookies, ADMIN_SESSION)
    if not cookie_value:
        raise APIError(500, None, "Failed to find admin session")
    admin_token, _, dont_remember = cookie_value.partition(":")
    admin_session = session_store().find(admin_token)
    if admin_session is None or admin_session.user_id != admin.pk:
        raise APIError(500, None, "Failed to find admin session")
    if not services.end_impersonation(current.session):
        raise APIError(401, empty=True)
    ctx.jar.expire(SESSION_DATA)
    if not dont_remember:
        # The impersonation cookie set dont_remember; the admin chose otherwise.
        ctx.jar.expire(DONT_REMEMBER)
    set_session_cookie(
        ctx.jar, admin_session, admin_session.user, remember_me=not dont_remember
    )
    ctx.jar.expire(ADMIN_SESSION)
    return {
        "session": session_json(admin_session),
        "user": user_json(admin_session.user),
    }


@endpoint("/admin/revoke-user-session", "POST", body=REVOKE_SESSION)
def revoke_user_session(ctx: Context) -> dict[str, bool]:
    current = _session(ctx)
    _allow(
        current, {"session": ["revoke"]}, "YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS"
    )
    from better_auth.services.sessions import revoke_session_token

    revoke_session_token(ctx.body["sessionToken"], reason="admin")
    return {"success": True}


@endpoint("/admin/revoke-user-sessions", "POST", body=USER_ID_BODY)
def revoke_user_sessions(ctx: Context) -> dict[str, bool]:
    current = _session(ctx)
    _allow(
        current, {"session": ["revoke"]}, "YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS"
    )
    user = User.objects.filter(pk=ctx.body["userId"]).first()
    if user is not None:
        from better_auth.services.sessions import revoke_all_sessions

        revoke_all_sessions(user, reason="admin-revoke")
    return {"success": True}


@endpoint("/admin/remove-user", "POST", body=USER_ID_BODY)
def remove_user(ctx: Context) -> dict[str, bool]:
    current = _session(ctx)
    _allow(current, {"user": ["delete"]}, "YOU_ARE_NOT_ALLOWED_TO_DELETE_USERS")
    user_id = ctx.body["userId"]
    if user_id == current.user.pk:
        raise APIError(400, "YOU_CANNOT_REMOVE_YOURSELF")
    services.remove_user(user_id)
    return {"success": True}


@endpoint("/admin/set-user-password", "POST", body=SET_PASSWORD)
def set_user_password(ctx: Context) -> dict[str, bool]:
    current = _session(ctx)
    _allow(
        current, {"user": ["set-password"]}, "YOU_ARE_NOT_ALLOWED_TO_SET_USERS_PASSWORD"
    )
    user_id = ctx.body["userId"]
    if not user_id:
        raise APIError(
            400,
            "VALIDATION_ERROR",
            "[body.userId] userId cannot be empty",
            status_text="400",
        )
    services.set_user_password(user_id, ctx.body["newPassword"])
    return {"status": True}


@endpoint("/admin/has-permission", "POST", body=HAS_PERMISSION)
def user_has_permission(ctx: Context) -> dict[str, Any]:
    b = ctx.body
    if ("permission" in b) == ("permissions" in b):
        # zod's xor of the two shapes: neither matched, or both did.
        detail = ": more than one option matched" if "permission" in b else ""
        raise APIError(
            400, "VALIDATION_ERROR", f"[body] Invalid input{detail}", status_text="400"
        )
    if not b.get("permissions"):
        raise APIError(
            400, None, "invalid permission check. no permission(s) were passed."
        )
    current = _session(ctx)
    user = current.user
    return {
        "error": None,
        "success": has_permission(
            user_id=user.pk, role=user.role, permissions=b["permissions"]
        ),
    }
