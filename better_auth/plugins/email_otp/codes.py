"""Issuing and checking codes: identifier ``<type>-otp-<email>``, value
``<code or digest>:<attempts>`` (core-surface §8.3).

The attempt counter lives in the value, so every change is a
compare-and-set on the whole value (``verifications.swap``) and a correct
code is redeemed with a conditional ``DELETE ... RETURNING``
(``verifications.consume_value``). Of concurrent guesses exactly
``ALLOWED_ATTEMPTS`` wrong ones are counted, and a right one is used once.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
import string

from better_auth import clock
from better_auth.crypto import constant_time_equals
from better_auth.errors import APIError
from better_auth.models import Verification
from better_auth.storage import verifications

from .conf import callable_setting, section

logger = logging.getLogger(__name__)
security_log = logging.getLogger("better_auth.security.otp")

__all__ = ["TYPES", "check", "identifier", "issue", "withdraw"]

TYPES = ("email-verification", "sign-in", "forget-password", "change-email")
_RETRIES = 50


def identifier(type_: str, subject: str) -> str:
    return f"{type_}-otp-{subject}"


def _digest(code: str) -> str:
    raw = hashlib.sha256(code.encode("utf-8", "replace")).digest()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _stored(code: str) -> str:
    return _digest(code) if section().STORE_OTP == "hashed" else code


def issue(type_: str, subject: str, email: str) -> str:
    """Create a fresh code for ``subject``, replacing any earlier one."""
    generator = callable_setting("GENERATE_OTP")
    code = generator(email, type_) if generator is not None else None
    if not code:
        length = int(section().OTP_LENGTH)
        code = "".join(secrets.choice(string.digits) for _ in range(length))
    ident = identifier(type_, subject)
    verifications.delete(ident)
    verifications.create(ident, f"{_stored(code)}:0", int(section().EXPIRES_IN))
    return code


def withdraw(type_: str, subject: str) -> None:
    verifications.delete(identifier(type_, subject))


def check(type_: str, subject: str, otp: str, *, consume: bool = True) -> None:
    """Accept ``otp`` or raise; a wrong guess is counted exactly once.

    ``consume=False`` checks without spending the code (Better Auth's
    check-verification-otp and the first look of reset-password).
    """
    ident = identifier(type_, subject)
    allowed = int(section().ALLOWED_ATTEMPTS)
    given = _stored(str(otp))
    for _ in range(_RETRIES):
        row = (
            Verification.objects.filter(identifier=ident)
            .order_by("-created_at")
            .first()
        )
        if row is None:
            raise APIError(400, "INVALID_OTP")
        if row.expires_at <= clock.now():
            verifications.delete(ident)
            raise APIError(400, "OTP_EXPIRED")
        stored, _, counter = row.value.rpartition(":")
        attempts = int(counter) if counter.isdigit() else allowed
        if attempts >= allowed:
            # Spent: the code is removed, as Better Auth leaves it consumed.
            verifications.consume_value(ident, row.value)
            raise APIError(403, "TOO_MANY_ATTEMPTS")
        if constant_time_equals(stored, given):
            if not consume:
                return
            if verifications.consume_value(ident, row.value) is not None:
                return
            continue  # changed under us: read again
        if verifications.swap(ident, row.value, f"{stored}:{attempts + 1}"):
            security_log.warning("wrong %s code", type_)
            raise APIError(400, "INVALID_OTP")
    raise APIError(400, "INVALID_OTP")
