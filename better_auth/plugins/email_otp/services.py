"""Email OTP use cases (Better Auth 1.7 ``emailOTP``, core-surface §8.3).

Sending answers the same whether or not the address has an account; codes
for unknown addresses are withdrawn rather than mailed. Passwordless
sign-in of an unverified account first removes its unproven credentials
(``better_auth.services.passwordless``).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction

from better_auth import clock, signals
from better_auth.conf import auth_settings
from better_auth.errors import APIError
from better_auth.models import Session, User
from better_auth.models.user import normalize_email
from better_auth.services import passwords
from better_auth.services.passwordless import (
    create_verified_user,
    revoke_unproven_access,
)
from better_auth.services.sessions import create_session, revoke_all_sessions

from . import codes
from .conf import callable_setting, section

logger = logging.getLogger(__name__)

__all__ = [
    "change_email",
    "check_otp",
    "send_code",
    "request_email_change",
    "request_password_reset",
    "reset_password",
    "send_verification_otp",
    "sign_in",
    "verify_email",
]


def send_code(email: str, otp: str, type_: str, request: Any) -> None:
    sender = callable_setting("SEND_VERIFICATION_OTP")
    if sender is None:
        raise APIError(400, None, "send email verification is not implemented")
    try:
        sender(email=email, otp=otp, type=type_, request=request)
    except Exception as error:
        # Only the type: a sender's message may quote the code.
        logger.error("email OTP sender failed (%s)", type(error).__name__)


def _user(email: str) -> User | None:
    return User.objects.filter(email=normalize_email(email), is_active=True).first()


def send_verification_otp(email: str, type_: str, request: Any) -> None:
    if callable_setting("SEND_VERIFICATION_OTP") is None:
        raise APIError(400, None, "send email verification is not implemented")
    if type_ == "change-email":
        raise APIError(400, None, "Invalid OTP type")
    email = normalize_email(email)
    otp = codes.issue(type_, email, email)
    user = _user(email)
    may_sign_up = type_ == "sign-in" and not section().DISABLE_SIGN_UP
    if user is None and not may_sign_up:
        codes.withdraw(type_, email)
        return
    send_code(user.email if user else email, otp, type_, request)


def check_otp(email: str, type_: str, otp: str) -> None:
    email = normalize_email(email)
    codes.check(type_, email, otp, consume=False)
    if _user(email) is None:
        raise APIError(400, "USER_NOT_FOUND")


def verify_email(email: str, otp: str) -> User:
    email = normalize_email(email)
    codes.check("email-verification", email, otp)
    user = _user(email)
    if user is None:
        raise APIError(400, "USER_NOT_FOUND")
    if not user.email_verified:
        changed = User.objects.filter(pk=user.pk, email_verified=False).update(
            email_verified=True, updated_at=clock.now()
        )
        user.refresh_from_db()
        if changed:
            transaction.on_commit(
                lambda: signals.email_verified.send(sender=User, user=user)
            )
    return user


def sign_in(
    email: str,
    otp: str,
    *,
    name: str | None,
    image: str | None,
    ip_address: str | None,
    user_agent: str | None,
) -> tuple[User, Session]:
    email = normalize_email(email)
    codes.check("sign-in", email, otp)
    user = _user(email)
    if user is None:
        if section().DISABLE_SIGN_UP:
            raise APIError(400, "INVALID_OTP")
        user = create_verified_user(
            email, name=name or "", image=image, method="email-otp"
        )
    else:
        user = revoke_unproven_access(user)
    session = create_session(user, ip_address=ip_address, user_agent=user_agent)
    uid, sid = user, session.pk
    transaction.on_commit(
        lambda: signals.user_signed_in.send(
            sender=User, user=uid, session_id=sid, method="email-otp"
        )
    )
    return user, session


def request_password_reset(email: str, request: Any) -> None:
    email = normalize_email(email)
    otp = codes.issue("forget-password", email, email)
    user = _user(email)
    if user is None:
        codes.withdraw("forget-password", email)
        return
    send_code(user.email, otp, "forget-password", request)


def reset_password(email: str, otp: str, password: str) -> User:
    """Set the password with a code; the code is spent with the write."""
    email = normalize_email(email)
    passwords.validate_password_policy(password)
    codes.check("forget-password", email, otp, consume=False)
    user = _user(email)
    if user is None:
        raise APIError(400, "USER_NOT_FOUND")
    encoded = passwords.hash_password(password)
    revoke = bool(auth_settings.EMAIL_AND_PASSWORD.REVOKE_SESSIONS_ON_PASSWORD_RESET)
    with transaction.atomic():
        codes.check("forget-password", email, otp)
        if revoke:
            revoke_all_sessions(user, reason="password-reset")
        passwords.store_password_hash(user, encoded)
        if not user.email_verified:
            User.objects.filter(pk=user.pk).update(
                email_verified=True, updated_at=clock.now()
            )
    user.refresh_from_db()
    transaction.on_commit(
        lambda: signals.password_changed.send(
            sender=User, user=user, sessions_revoked=revoke, via="reset-password"
        )
    )
    return user


def _change_subject(user: User, new_email: str) -> str:
    return f"{user.pk}:{new_email}"


def _check_change_allowed(user: User, new_email: str) -> str:
    if not section().CHANGE_EMAIL.ENABLED:
        raise APIError(400, None, "Change email with OTP is disabled")
    new_email = normalize_email(new_email)
    if new_email == normalize_email(user.email):
        raise APIError(400, None, "Email is the same")
    return new_email


def request_email_change(
    user: User, new_email: str, otp: str | None, request: Any
) -> None:
    new_email = _check_change_allowed(user, new_email)
    if section().CHANGE_EMAIL.VERIFY_CURRENT_EMAIL:
        if not otp:
            raise APIError(400, None, "OTP is required to verify current email")
        codes.check("email-verification", normalize_email(user.email), otp)
    subject = _change_subject(user, new_email)
    code = codes.issue("change-email", subject, new_email)
    if User.objects.filter(email=new_email).exists():
        codes.withdraw("change-email", subject)
        return
    send_code(new_email, code, "change-email", request)


def change_email(user: User, new_email: str, otp: str) -> User:
    new_email = _check_change_allowed(user, new_email)
    codes.check("change-email", _change_subject(user, new_email), otp)
    if User.objects.filter(email=new_email).exists():
        raise APIError(400, None, "Email already in use")
    try:
        with transaction.atomic():
            User.objects.filter(pk=user.pk).update(
                email=new_email, email_verified=True, updated_at=clock.now()
            )
    except IntegrityError:
        raise APIError(400, None, "Email already in use") from None
    user.refresh_from_db()
    transaction.on_commit(lambda: signals.email_verified.send(sender=User, user=user))
    return user
