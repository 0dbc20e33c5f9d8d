"""Changes a signed-in user makes to their own account."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from .. import signals
from ..api.schema import text_problem
from ..errors import APIError
from ..models import Session, User
from . import passwords
from .sessions import create_session, revoke_all_sessions

logger = logging.getLogger(__name__)

# Fields a user may set on themselves through update-user.
UPDATABLE = {"name": str, "image": (str, type(None))}


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {list: "array", dict: "object", str: "string"}.get(type(value), "null")


def update_user(
    user: User, body: Any, extra_fields: dict[str, Any] | None = None
) -> User:
    """Apply ``name`` / ``image`` from an update-user body.

    As in Better Auth 1.7, every other key (``emailVerified``, ``id``,
    ``createdAt``, unknown ones) is silently dropped, a truthy ``email`` is
    refused, and a body with nothing left is "No fields to update". Values
    are type-checked, which Better Auth does not do.
    """
    if not isinstance(body, dict):
        raise APIError(400, "BODY_MUST_BE_AN_OBJECT")
    email = body.get("email")
    if email or isinstance(email, (list, dict)):
        raise APIError(400, "EMAIL_CAN_NOT_BE_UPDATED")
    changes = {k: v for k, v in body.items() if k in UPDATABLE}
    if not changes and not extra_fields:
        raise APIError(400, None, "No fields to update")
    for name, value in changes.items():
        if not isinstance(value, UPDATABLE[name]):
            raise APIError(
                400,
                "VALIDATION_ERROR",
                f"[body.{name}] Invalid input: expected string, "
                f"received {_type_name(value)}",
            )
        problem = text_problem(value) if isinstance(value, str) else None
        if problem:
            raise APIError(400, "VALIDATION_ERROR", f"[body.{name}] {problem}")
    fresh = User.objects.get(pk=user.pk)
    # Plugin columns (username) were validated by the plugin's before-hook.
    changes.update(extra_fields or {})
    for name, value in changes.items():
        setattr(fresh, name, value)
    fresh.save(update_fields=list(changes))
    logger.info("user %s updated %s", fresh.pk, ",".join(sorted(changes)))
    return fresh


def change_password(
    user: User,
    *,
    current_password: str,
    new_password: str,
    revoke_other_sessions: bool,
    ip_address: str | None,
    user_agent: str | None,
) -> Session | None:
    """Replace the password; with revocation, every session is replaced by one new one.

    The current password gets the same length limit as the new one, before
    any hashing (Better Auth ``assertPasswordNotTooLong``).
    """
    passwords.validate_password_policy(new_password)
    passwords.refuse_over_long_password(current_password)
    account = passwords.credential_account(user)
    if account is None or not account.password:
        raise APIError(400, "CREDENTIAL_ACCOUNT_NOT_FOUND")
    ok, _ = passwords.verify_password(current_password, account.password)
    if not ok:
        raise APIError(400, "INVALID_PASSWORD")
    with transaction.atomic():
        passwords.set_user_password(user, new_password)
        new_session = None
        if revoke_other_sessions:
            revoke_all_sessions(user, reason="password-change")
            new_session = create_session(
                user, ip_address=ip_address, user_agent=user_agent
            )
    logger.info("user %s changed their password", user.pk)
    transaction.on_commit(
        lambda: signals.password_changed.send(
            sender=User,
            user=user,
            sessions_revoked=revoke_other_sessions,
            via="change-password",
        )
    )
    return new_session


def verify_password(user: User, password: str) -> None:
    account = passwords.credential_account(user)
    ok, _ = passwords.verify_password(password, account.password if account else None)
    if not ok:
        raise APIError(400, "INVALID_PASSWORD")
