"""Password reset by emailed one-time token (Better Auth ``/request-password-reset``).

The token is 24 characters ``[a-zA-Z0-9]`` (about 143 bits). Only its
SHA-256 digest is stored, as ``reset-password:<hex digest>`` with the user id
as value, so a leaked database or log line of identifiers cannot be replayed
(core-surface §5.1 stores the raw token; the digest is this project's rule).

Redemption consumes the row with one ``DELETE ... RETURNING`` inside the
transaction that sets the password, so of concurrent redemptions exactly one
succeeds (core-surface §7 "consumeOne"). A successful reset also deletes the
user's other reset tokens: once the password has changed, an older link must
not change it again (case 59c, OWASP Forgot Password Cheat Sheet). Better
Auth 1.7 leaves those tokens usable; this is deliberately stricter.
"""

from __future__ import annotations

import hashlib
import logging

from django.db import transaction

from .. import signals
from ..conf import auth_settings
from ..crypto import generate_token
from ..errors import APIError
from ..mail import PendingEmail
from ..models import User, Verification
from ..models.user import normalize_email
from ..storage import verifications
from . import passwords
from .email_verification import encode_component
from .sessions import revoke_all_sessions

logger = logging.getLogger(__name__)
security_log = logging.getLogger("better_auth.security.token")

__all__ = [
    "PREFIX",
    "TOKEN_LENGTH",
    "identifier_for",
    "prepare_reset",
    "reset_password",
    "reset_url",
    "token_is_live",
]

PREFIX = "reset-password:"
TOKEN_LENGTH = 24
RESET_MESSAGE = (
    "If this email exists in our system, check your email for the reset link"
)


def identifier_for(token: str) -> str:
    """The verification identifier of ``token``: never the token itself."""
    return PREFIX + hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def reset_url(auth_url: str, token: str, redirect_to: str | None) -> str:
    """Better Auth's link; an absent ``redirectTo`` leaves ``callbackURL`` empty."""
    callback = encode_component(redirect_to) if redirect_to else ""
    return f"{auth_url}/reset-password/{token}?callbackURL={callback}"


def prepare_reset(
    email: str, *, auth_url: str, redirect_to: str | None
) -> PendingEmail | None:
    """Create a reset token for ``email`` and prepare its email, if the user exists.

    An unknown address costs a token generation, a digest and one lookup of
    the verification table, like a known one (Better Auth does the same), and
    the caller answers identically either way.
    """
    cfg = auth_settings.EMAIL_AND_PASSWORD
    sender = cfg.SEND_RESET_PASSWORD
    if sender is None:
        raise APIError(400, "RESET_PASSWORD_DISABLED")
    user = User.objects.filter(email=normalize_email(email)).first()
    token = generate_token(TOKEN_LENGTH)
    identifier = identifier_for(token)
    if user is None or not user.is_active:
        verifications.find(identifier)
        logger.info("password reset requested for an unknown address")
        return None
    verifications.create(identifier, user.pk, int(cfg.RESET_PASSWORD_TOKEN_EXPIRES_IN))
    logger.info("password reset token issued for user %s", user.pk)
    url = reset_url(auth_url, token, redirect_to)
    return PendingEmail(sender, user, url, token, purpose="reset-password")


def token_is_live(token: str) -> bool:
    """Whether ``token`` names an unexpired reset (does not consume it)."""
    return bool(token) and verifications.find(identifier_for(token)) is not None


def reset_password(token: str | None, new_password: str) -> User:
    """Set a new password with a reset token; the token works exactly once.

    The policy is checked and the password hashed before the token is
    consumed, so a too-short password does not burn the link and slow
    hashing happens outside the transaction. An unknown token is refused
    before any hashing, so random guesses cost the server nothing.
    """
    if not token:
        raise APIError(400, "INVALID_TOKEN")
    passwords.validate_password_policy(new_password)
    identifier = identifier_for(token)
    if verifications.find(identifier) is None:
        security_log.warning("rejected a password reset token")
        raise APIError(400, "INVALID_TOKEN")
    encoded = passwords.hash_password(new_password)
    revoke = bool(auth_settings.EMAIL_AND_PASSWORD.REVOKE_SESSIONS_ON_PASSWORD_RESET)

    with transaction.atomic():
        consumed = verifications.consume(identifier)
        if consumed is None:
            security_log.warning("rejected a spent password reset token")
            raise APIError(400, "INVALID_TOKEN")
        user = User.objects.filter(pk=consumed.value).first()
        if user is not None:
            if revoke:
                revoke_all_sessions(user, reason="password-reset")
            passwords.store_password_hash(user, encoded)
            # Every other outstanding link of this user dies with this reset.
            Verification.objects.filter(
                identifier__startswith=PREFIX, value=user.pk
            ).delete()
    if user is None:
        # Raised after commit so the orphaned token stays spent.
        raise APIError(400, "USER_NOT_FOUND")

    logger.info("user %s reset their password", user.pk)
    transaction.on_commit(
        lambda: signals.password_changed.send(
            sender=User, user=user, sessions_revoked=revoke, via="reset-password"
        )
    )
    return user
