"""The admin plugin's use cases: bans, roles, user management, impersonation.

Every function takes the acting administrator (or the user concerned) and
explicit values; permission checks live in the endpoints, which answer
Better Auth's codes in Better Auth's order.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from better_auth import clock
from better_auth.api.context import Context
from better_auth.api.schema import text_problem
from better_auth.conf import auth_settings
from better_auth.errors import APIError
from better_auth.models import Session, User
from better_auth.models.account import Account
from better_auth.services import passwords
from better_auth.services.sessions import create_session, revoke_all_sessions
from better_auth.storage.sessions import session_store

from .access import parse_roles
from .conf import banned_message, section

logger = logging.getLogger(__name__)
security_log = logging.getLogger("better_auth.security.admin")

__all__ = [
    "ListUsersQuery",
    "ban_user",
    "create_user",
    "end_impersonation",
    "hide_impersonation_sessions",
    "impersonate",
    "list_users",
    "refuse_banned",
    "remove_user",
    "set_role",
    "set_user_password",
    "unban_user",
    "update_user",
]


def refuse_banned(user: User) -> None:
    """The session guard: a banned user gets no session by any method.

    The ban is read from the database, not from the instance the sign-in
    path loaded, so a ban that landed a moment earlier still counts. A ban
    whose expiry has passed is lifted here, in one conditional UPDATE, as
    Better Auth lifts it on the next sign-in.
    """
    row = User.objects.filter(pk=user.pk).values_list("banned", "ban_expires").first()
    if row is None or not row[0]:
        return
    expires = row[1]
    if expires is not None and expires < clock.now():
        User.objects.filter(pk=user.pk, banned=True, ban_expires=expires).update(
            banned=False, ban_reason=None, ban_expires=None, updated_at=clock.now()
        )
        user.banned, user.ban_reason, user.ban_expires = False, None, None
        logger.info("expired ban of user %s lifted", user.pk)
        return
    security_log.warning("sign-in refused: user %s is banned", user.pk)
    raise APIError(403, "BANNED_USER", banned_message(user))


def hide_impersonation_sessions(ctx: Context, result: Any) -> Any:
    """After-hook: a user's own list-sessions never shows an admin's session."""
    if ctx.path != "/list-sessions" or not isinstance(result, list):
        return None
    return [s for s in result if not (isinstance(s, dict) and s.get("impersonatedBy"))]


# list-users: the JSON field names Better Auth accepts, mapped to columns.
FIELDS: dict[str, str] = {
    "id": "id",
    "name": "name",
    "email": "email",
    "emailVerified": "email_verified",
    "image": "image",
    "createdAt": "created_at",
    "updatedAt": "updated_at",
    "role": "role",
    "banned": "banned",
    "banReason": "ban_reason",
    "banExpires": "ban_expires",
    "username": "username",
    "displayUsername": "display_username",
    "isAnonymous": "is_anonymous",
    "twoFactorEnabled": "two_factor_enabled",
}
_LOOKUPS = {
    "eq": "exact",
    "lt": "lt",
    "lte": "lte",
    "gt": "gt",
    "gte": "gte",
    "in": "in",
    "contains": "icontains",
    "starts_with": "istartswith",
    "ends_with": "iendswith",
}


class _BadQuery(Exception):
    """A field or value the user table cannot be queried with."""


@dataclass
class ListUsersQuery:
    search_value: str | None = None
    search_field: str = "email"
    search_operator: str = "contains"
    filter_field: str = "email"
    filter_value: Any = None
    filter_operator: str = "eq"
    sort_by: str | None = None
    sort_direction: str = "asc"
    limit: int | None = None
    offset: int | None = None


def _typed(column: str, value: Any) -> Any:
    """A query-string value as the column's type (``"true"`` for a boolean)."""
    field = User._meta.get_field(column)
    if isinstance(value, list):
        return [_typed(column, v) for v in value]
    if isinstance(value, str) and text_problem(value):
        # NUL or a lone surrogate: no stored text can equal it, and
        # PostgreSQL refuses it as a parameter.
        raise _BadQuery(column)
    if field.get_internal_type() == "BooleanField" and isinstance(value, str):
        return value.lower() in ("true", "1")
    try:
        return field.to_python(value)
    except Exception:
        raise _BadQuery(column) from None


def _condition(field: str, operator: str, value: Any) -> Q:
    column = FIELDS.get(field)
    if column is None:
        raise _BadQuery(field)
    value = _typed(column, value)
    if operator in ("in", "not_in") and not isinstance(value, list):
        value = [value]
    if operator == "ne":
        return ~Q(**{column: value})
    if operator == "not_in":
        return ~Q(**{f"{column}__in": value})
    return Q(**{f"{column}__{_LOOKUPS[operator]}": value})


def list_users(query: ListUsersQuery) -> tuple[list[User], int]:
    """One page of users and the total matching the search and filter.

    A field that does not exist answers an empty page, as Better Auth's
    adapter error is caught by its endpoint. Text matches ignore case.
    """
    try:
        qs: QuerySet[User] = User.objects.all()
        if query.search_value:
            qs = qs.filter(
                _condition(
                    query.search_field, query.search_operator, query.search_value
                )
            )
        if query.filter_value is not None:
            qs = qs.filter(
                _condition(
                    query.filter_field, query.filter_operator, query.filter_value
                )
            )
        total = qs.count()
        if query.sort_by:
            column = FIELDS.get(query.sort_by)
            if column is None:
                raise _BadQuery(query.sort_by)
            prefix = "-" if query.sort_direction == "desc" else ""
            qs = qs.order_by(f"{prefix}{column}", "id")
        else:
            qs = qs.order_by("created_at", "id")
        start = query.offset or 0
        page = qs[start : start + query.limit] if query.limit else qs[start:]
        return list(page), total
    except _BadQuery:
        return [], 0


def create_user(
    *,
    email: str,
    name: str,
    password: str | None,
    role: str,
    data: dict[str, Any],
) -> User:
    """A user (and its credential account when a password is given)."""
    if User.objects.filter(email=email).exists():
        raise APIError(400, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL")
    encoded = passwords.hash_password(password) if password else None
    now = clock.now()
    with transaction.atomic():
        user = User(
            email=email, name=name, role=role, created_at=now, updated_at=now, **data
        )
        user.save(force_insert=True)
        if encoded is not None:
            passwords.store_password_hash(user, encoded)
    logger.info("admin created user %s", user.pk)
    return user


def set_role(user_id: str, role: Any) -> User:
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise APIError(404, "USER_NOT_FOUND")
    user.role = ",".join(parse_roles(role))
    user.save(update_fields=["role"])
    logger.info("role of user %s set to %s", user.pk, user.role)
    return user


def update_user(user_id: str, data: dict[str, Any], *, banned: bool) -> User:
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise APIError(404, "USER_NOT_FOUND")
    for column, value in data.items():
        setattr(user, column, value)
    with transaction.atomic():
        user.save(update_fields=list(data))
        if banned:
            revoke_all_sessions(user, reason="ban")
    return user


def _ban_expiry(seconds: float) -> datetime:
    """``seconds`` from now, or a 400 when no date column can hold it.

    JSON numbers reach far past year 9999 (``1e12`` seconds is year 33658)
    and may be NaN or infinite; none of those is a ban end.
    """
    try:
        if not math.isfinite(seconds):
            raise OverflowError
        return clock.now() + timedelta(seconds=seconds)
    except (OverflowError, ValueError, TypeError):
        raise APIError(
            400,
            "VALIDATION_ERROR",
            "[body.banExpiresIn] Invalid input: the ban would end past any date",
            status_text="400",
        ) from None


def ban_user(
    user_id: str, *, reason: str | None, expires_in: int | float | None
) -> User:
    """Ban and sign the user out everywhere, in one transaction."""
    cfg = section()
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise APIError(404, "USER_NOT_FOUND")
    seconds = expires_in or cfg.DEFAULT_BAN_EXPIRES_IN
    expires = _ban_expiry(seconds) if seconds else None
    user.banned = True
    user.ban_reason = reason or cfg.DEFAULT_BAN_REASON or "No reason"
    user.ban_expires = expires
    with transaction.atomic():
        user.save(update_fields=["banned", "ban_reason", "ban_expires"])
        revoke_all_sessions(user, reason="ban")
    security_log.warning("user %s banned", user.pk)
    return user


def unban_user(user_id: str) -> User:
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise APIError(404, "USER_NOT_FOUND")
    user.banned, user.ban_reason, user.ban_expires = False, None, None
    user.save(update_fields=["banned", "ban_reason", "ban_expires"])
    logger.info("user %s unbanned", user.pk)
    return user


def remove_user(user_id: str) -> None:
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise APIError(404, "USER_NOT_FOUND")
    with transaction.atomic():
        revoke_all_sessions(user, reason="remove-user")
        Account.objects.filter(user_id=user.pk).delete()
        User.objects.filter(pk=user.pk).delete()
    logger.info("admin removed user %s", user_id)


def set_user_password(user_id: str, new_password: str) -> None:
    passwords.validate_password_policy(new_password)
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise APIError(404, "USER_NOT_FOUND")
    passwords.set_user_password(user, new_password)
    logger.info("admin set the password of user %s", user.pk)


def impersonate(
    admin: User, target: User, *, ip_address: str | None, user_agent: str | None
) -> Session:
    """A short session as ``target`` that remembers who opened it.

    It goes through the core session creation, so the ban guard applies to
    the impersonated user as to any sign-in.
    """
    session = create_session(
        target,
        ip_address=ip_address,
        user_agent=user_agent,
        remember_me=False,
        expires_in=int(section().IMPERSONATION_SESSION_DURATION),
        fields={"impersonated_by": admin.pk},
    )
    security_log.warning("admin %s impersonates user %s", admin.pk, target.pk)
    return session


def end_impersonation(session: Session) -> bool:
    """Delete the impersonation session; True for exactly one caller.

    With database sessions one DELETE decides, so of two concurrent
    stop-impersonating requests carrying the same cookies only one restores
    the admin session. Sessions in the secondary storage are deleted there.
    """
    if auth_settings.SESSION.STORAGE == "cache":
        session_store().delete(session.token)
        return True
    deleted, _ = Session.objects.filter(
        pk=session.pk, impersonated_by__isnull=False
    ).delete()
    return bool(deleted)
