"""Sign-in by username and password."""

from __future__ import annotations

import logging

from django.db import transaction

from better_auth import signals
from better_auth.conf import auth_settings
from better_auth.errors import APIError
from better_auth.models import User
from better_auth.services import passwords
from better_auth.services.accounts_flow import SignInResult
from better_auth.services.sessions import create_session

from .rules import normalize, username_problem

logger = logging.getLogger(__name__)
security_log = logging.getLogger("better_auth.security.login")

__all__ = ["sign_in_username"]


def sign_in_username(
    *,
    username: str,
    password: str,
    ip_address: str | None,
    user_agent: str | None,
    remember_me: bool = True,
    callback_url: str | None = None,
    auth_url: str | None = None,
) -> SignInResult:
    """Check the password of the user holding ``username`` and open a session.

    Unknown username, no password and wrong password all answer 401
    ``INVALID_USERNAME_OR_PASSWORD`` after exactly one hash operation, so
    timing does not tell which usernames exist (OWASP ASVS V2.2).
    """
    if not username or not password:
        raise APIError(401, "INVALID_USERNAME_OR_PASSWORD")
    problem = username_problem(username)
    if problem:
        raise APIError(422, problem)
    passwords.refuse_over_long_password(password)
    user = User.objects.filter(username=normalize(username)).first()
    if user is None or not user.is_active:
        passwords.burn_password_hash(password)
        security_log.warning("failed username sign-in: unknown account")
        raise APIError(401, "INVALID_USERNAME_OR_PASSWORD")
    if not passwords.check_user_password(user, password):
        security_log.warning("failed username sign-in for user %s", user.pk)
        raise APIError(401, "INVALID_USERNAME_OR_PASSWORD")
    cfg = auth_settings.EMAIL_AND_PASSWORD
    if cfg.REQUIRE_EMAIL_VERIFICATION and not user.email_verified:
        verification = auth_settings.EMAIL_VERIFICATION
        if verification.SEND_VERIFICATION_EMAIL is not None and (
            verification.SEND_ON_SIGN_IN
        ):
            from better_auth.services.email_verification import (
                send_verification_for,
            )

            send_verification_for(user, callback_url=callback_url, auth_url=auth_url)
        raise APIError(403, "EMAIL_NOT_VERIFIED")
    session = create_session(
        user, ip_address=ip_address, user_agent=user_agent, remember_me=remember_me
    )
    logger.info("user %s signed in by username (session %s)", user.pk, session.pk)
    transaction.on_commit(
        lambda: signals.user_signed_in.send(
            sender=User, user=user, session_id=session.pk, method="username"
        )
    )
    return SignInResult(user, session)
