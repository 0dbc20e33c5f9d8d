"""Account deletion by its owner (Better Auth ``/delete-user``).

Deletion needs proof beyond a cookie: the password, a fresh session
(``FRESH_AGE``), or a one-time link mailed to the account when
``SEND_DELETE_ACCOUNT_VERIFICATION`` is set (core-surface §3.1, §10.3). The
link token is 32 characters ``[0-9a-z]`` as in Better Auth, stored only as
``delete-account:<sha256 hex>`` (Better Auth stores ``delete-account-<token>``
in clear), and consumed by one ``DELETE ... RETURNING`` so it works once.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import string
from datetime import timedelta

from django.db import transaction
from django.db.models import Q

from .. import clock
from ..conf import auth_settings
from ..errors import APIError
from ..models import Session, User, Verification
from ..storage import verifications
from . import passwords
from .email_verification import encode_component
from .password_reset import PREFIX as RESET_PREFIX
from .sessions import revoke_all_sessions

logger = logging.getLogger(__name__)
security_log = logging.getLogger("better_auth.security.token")

__all__ = [
    "PREFIX",
    "check_password",
    "delete_account",
    "delete_with_token",
    "identifier_for",
    "request_deletion",
    "session_too_old",
]

PREFIX = "delete-account:"
TOKEN_LENGTH = 32
_TOKEN_ALPHABET = string.digits + string.ascii_lowercase


def identifier_for(token: str) -> str:
    return PREFIX + hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def check_password(user: User, password: str) -> None:
    """Refuse the deletion unless ``password`` is the account's password."""
    if len(password) > auth_settings.EMAIL_AND_PASSWORD.MAX_PASSWORD_LENGTH:
        raise APIError(400, "PASSWORD_TOO_LONG")
    account = passwords.credential_account(user)
    if account is None or not account.password:
        raise APIError(400, "CREDENTIAL_ACCOUNT_NOT_FOUND")
    ok, _ = passwords.verify_password(password, account.password)
    if not ok:
        logger.warning("account deletion refused for user %s: wrong password", user.pk)
        raise APIError(400, "INVALID_PASSWORD")


def session_too_old(session: Session) -> bool:
    """Better Auth's ``now - createdAt >= freshAge`` (0 disables the check)."""
    fresh_age = auth_settings.SESSION.FRESH_AGE
    if not fresh_age:
        return False
    return clock.now() - session.created_at >= timedelta(seconds=fresh_age)


def request_deletion(user: User, *, auth_url: str, callback_url: str | None) -> bool:
    """Mail a deletion link when a sender is configured; False when none is."""
    cfg = auth_settings.USER.DELETE_USER
    sender = cfg.SEND_DELETE_ACCOUNT_VERIFICATION
    if sender is None:
        return False
    token = "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))
    verifications.create(
        identifier_for(token), user.pk, int(cfg.DELETE_TOKEN_EXPIRES_IN)
    )
    callback = encode_component(callback_url or "/")
    url = f"{auth_url}/delete-user/callback?token={token}&callbackURL={callback}"
    sender(user, url, token)
    logger.info("account deletion link sent to user %s", user.pk)
    return True


def delete_with_token(user: User, token: str) -> None:
    """Consume a deletion token issued to ``user`` and delete the account.

    The token is spent even when it belongs to someone else, as in Better
    Auth: a link that reached the wrong hands must not stay usable.
    """
    consumed = verifications.consume(identifier_for(token)) if token else None
    if consumed is None or consumed.value != user.pk:
        security_log.warning("rejected an account deletion token")
        raise APIError(404, "INVALID_TOKEN")
    delete_account(user)


def delete_account(user: User) -> None:
    """Delete ``user`` with their sessions and outstanding one-time links."""
    user_id = user.pk
    with transaction.atomic():
        revoke_all_sessions(user, reason="delete-user")
        Verification.objects.filter(
            Q(identifier__startswith=RESET_PREFIX) | Q(identifier__startswith=PREFIX),
            value=user_id,
        ).delete()
        User.objects.filter(pk=user_id).delete()
    logger.info("user %s deleted their account", user_id)
