"""Changes a signed-in user makes to their own account."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from .. import signals
from ..errors import APIError
from ..models import Session, User
from . import passwords
from .sessions import create_session, revoke_all_sessions

logger = logging.getLogger(__name__)

# Fields a user may set on themselves through update-user.
UPDATABLE = {"name": str, "image": (str, type(None))}
# Fields only the server sets; sending them is refused (FIELD_NOT_ALLOWED).
SERVER_ONLY = {"emailVerified", "id", "createdAt", "updatedAt"}


def update_user(user: User, body: Any) -> User:
    if not isinstance(body, dict):
        raise APIError(400, "BODY_MUST_BE_AN_OBJECT")
    if "email" in body:
        raise APIError(400, "EMAIL_CAN_NOT_BE_UPDATED")
    for name in body:
        if name in SERVER_ONLY:
            raise APIError(400, "FIELD_NOT_ALLOWED", f"{name} is not allowed to be set")
    changes = {k: v for k, v in body.items() if k in UPDATABLE}
    if not changes:
        raise APIError(400, None, "No fields to update")
    for name, value in changes.items():
        if not isinstance(value, UPDATABLE[name]):
            raise APIError(
                400, "VALIDATION_ERROR", f"[body.{name}] Invalid input: expected string"
            )
    fresh = User.objects.get(pk=user.pk)
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
    """Replace the password; with revocation, every session is replaced by one new one."""
    passwords.validate_password_policy(new_password)
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


