"""Sign-up and sign-in with email and password."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from .. import clock, signals
from ..api.schema import is_email
from ..conf import auth_settings
from ..errors import APIError
from ..hooks import validate_user_info
from ..models import Session, User
from ..models._ids import new_id
from ..models.user import normalize_email
from . import passwords
from .sessions import create_session

logger = logging.getLogger(__name__)
security_log = logging.getLogger("better_auth.security.login")

__all__ = [
    "SignInResult",
    "SignUpResult",
    "open_password_session",
    "sign_in_email",
    "sign_up_email",
]


@dataclass
class SignUpResult:
    user: User
    session: Session | None
    synthetic: bool = False


@dataclass
class SignInResult:
    user: User
    session: Session


def _enumeration_safe() -> bool:
    cfg = auth_settings.EMAIL_AND_PASSWORD
    return bool(cfg.REQUIRE_EMAIL_VERIFICATION) or not cfg.AUTO_SIGN_IN


def _synthetic_user(email: str, name: str, image: str | None) -> User:
    now = clock.now()
    return User(
        id=new_id(),
        email=email,
        name=name,
        image=image,
        email_verified=False,
        created_at=now,
        updated_at=now,
    )


def sign_up_email(
    *,
    name: str,
    email: str,
    password: str,
    image: str | None = None,
    ip_address: str | None,
    user_agent: str | None,
    remember_me: bool = True,
    callback_url: str | None = None,
    auth_url: str | None = None,
    extra_fields: dict[str, Any] | None = None,
) -> SignUpResult:
    """Create a user with a credential account and, when allowed, a session.

    In enumeration-safe mode (email verification required, or no automatic
    sign-in) a duplicate email answers with the same shape as a success,
    carrying a synthetic user, as Better Auth 1.7 does. ``callback_url``
    (already origin-checked) goes into the verification link.
    ``extra_fields`` are plugin columns (``username``) already validated by
    the plugin's before-hook; they are written in the same insert, so a
    unique column is enforced by the database, not by an earlier lookup.
    """
    cfg = auth_settings.EMAIL_AND_PASSWORD
    if not cfg.ENABLED or cfg.DISABLE_SIGN_UP:
        raise APIError(400, "EMAIL_PASSWORD_SIGN_UP_DISABLED")
    email = normalize_email(email)
    if not is_email(email):
        raise APIError(400, "INVALID_EMAIL")
    passwords.validate_password_policy(password)
    safe = _enumeration_safe()
    if User.objects.filter(email=email).exists():
        passwords.burn_password_hash(password)
        if safe:
            return SignUpResult(
                _synthetic_user(email, name, image), None, synthetic=True
            )
        raise APIError(422, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL")
    try:
        validate_user_info(
            {"email": email, "name": name, "image": image, "emailVerified": False},
            {"action": "create-user", "method": "email"},
        )
    except APIError as error:
        if safe and error.status == 403:
            return SignUpResult(
                _synthetic_user(email, name, image), None, synthetic=True
            )
        raise
    encoded = passwords.hash_password(password)
    try:
        with transaction.atomic():
            now = clock.now()
            user = User(
                email=email,
                name=name,
                image=image,
                created_at=now,
                updated_at=now,
                **(extra_fields or {}),
            )
            user.save(force_insert=True)
            passwords.store_password_hash(user, encoded)
    except IntegrityError:
        if safe:
            return SignUpResult(
                _synthetic_user(email, name, image), None, synthetic=True
            )
        raise APIError(422, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL") from None
    logger.info("user %s signed up with email", user.pk)
    transaction.on_commit(
        lambda: signals.user_created.send(sender=User, user=user, method="email")
    )
    if _should_send_verification_on_sign_up():
        from .email_verification import send_verification_for

        send_verification_for(user, callback_url=callback_url, auth_url=auth_url)
    if not cfg.AUTO_SIGN_IN or cfg.REQUIRE_EMAIL_VERIFICATION:
        return SignUpResult(user, None)
    session = create_session(
        user, ip_address=ip_address, user_agent=user_agent, remember_me=remember_me
    )
    _signed_in(user, session)
    return SignUpResult(user, session)


def _should_send_verification_on_sign_up() -> bool:
    send_on = auth_settings.EMAIL_VERIFICATION.SEND_ON_SIGN_UP
    if send_on is None:
        send_on = auth_settings.EMAIL_AND_PASSWORD.REQUIRE_EMAIL_VERIFICATION
    return (
        bool(send_on)
        and auth_settings.EMAIL_VERIFICATION.SEND_VERIFICATION_EMAIL is not None
    )


def sign_in_email(
    *,
    email: str,
    password: str,
    ip_address: str | None,
    user_agent: str | None,
    remember_me: bool = True,
    callback_url: str | None = None,
    auth_url: str | None = None,
) -> SignInResult:
    """Check the password and open a session.

    Unknown email, no credential account and wrong password all answer 401
    ``INVALID_EMAIL_OR_PASSWORD`` after exactly one hash operation (case 58).
    """
    cfg = auth_settings.EMAIL_AND_PASSWORD
    if not cfg.ENABLED:
        raise APIError(400, "EMAIL_PASSWORD_DISABLED")
    email = normalize_email(email)
    if not is_email(email):
        raise APIError(400, "INVALID_EMAIL")
    passwords.refuse_over_long_password(password)
    return open_password_session(
        User.objects.filter(email=email).first(),
        password,
        error_code="INVALID_EMAIL_OR_PASSWORD",
        method="email",
        ip_address=ip_address,
        user_agent=user_agent,
        remember_me=remember_me,
        callback_url=callback_url,
        auth_url=auth_url,
    )


def open_password_session(
    user: User | None,
    password: str,
    *,
    error_code: str,
    method: str,
    ip_address: str | None,
    user_agent: str | None,
    remember_me: bool = True,
    callback_url: str | None = None,
    auth_url: str | None = None,
) -> SignInResult:
    """Check ``password`` for the account a sign-in identifier found and open a session.

    ``user`` is None when the identifier (email, username) matched nobody. Every
    failure answers 401 ``error_code`` after exactly one hash operation, so timing
    does not tell which identifiers exist (case 58, OWASP ASVS V2.2); sharing this
    keeps every password sign-in in the same order: password, then verified email,
    then the session.
    """
    if user is None or not user.is_active:
        passwords.burn_password_hash(password)
        security_log.warning("failed %s sign-in: unknown account", method)
        raise APIError(401, error_code)
    if not passwords.check_user_password(user, password):
        security_log.warning("failed %s sign-in for user %s", method, user.pk)
        raise APIError(401, error_code)
    if (
        auth_settings.EMAIL_AND_PASSWORD.REQUIRE_EMAIL_VERIFICATION
        and not user.email_verified
    ):
        if auth_settings.EMAIL_VERIFICATION.SEND_ON_SIGN_IN:
            from .email_verification import send_verification_for

            send_verification_for(user, callback_url=callback_url, auth_url=auth_url)
        raise APIError(403, "EMAIL_NOT_VERIFIED")
    session = create_session(
        user, ip_address=ip_address, user_agent=user_agent, remember_me=remember_me
    )
    _signed_in(user, session, method)
    return SignInResult(user, session)


def _signed_in(user: User, session: Session, method: str = "email") -> None:
    logger.info("user %s signed in by %s (session %s)", user.pk, method, session.pk)
    transaction.on_commit(
        lambda: signals.user_signed_in.send(
            sender=User, user=user, session_id=session.pk, method=method
        )
    )
