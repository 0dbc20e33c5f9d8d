"""Two-factor use cases: enable, disable, TOTP, OTP and backup codes.

Behaviour follows Better Auth 1.7's two-factor plugin (core-surface §8.4).
Counters and single-use values change in one statement each (``storage``,
``better_auth.storage.verifications``); sign-in challenges spend an
attempt before the code is compared, so parallel guesses cannot exceed the
allowance.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets
import string
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from better_auth import clock
from better_auth.api.context import Context
from better_auth.conf import auth_settings
from better_auth.crypto import constant_time_equals, decrypt_secret, generate_token
from better_auth.errors import APIError
from better_auth.models import User
from better_auth.serializers import user_json
from better_auth.services import passwords
from better_auth.services.sessions import (
    SessionContext,
    create_session,
    revoke_session,
    set_session_cookie,
)
from better_auth.storage import replay, verifications

from . import signals, storage, totp
from .challenge import TRUST_DEVICE, Challenge, read_trust_device
from .conf import section, send_otp
from .models import TwoFactor

logger = logging.getLogger(__name__)
security_log = logging.getLogger("better_auth.security.two_factor")

__all__ = [
    "OTP_PREFIX",
    "disable",
    "enable",
    "generate_backup_codes",
    "hash_code",
    "send_two_factor_otp",
    "totp_uri",
    "verify_backup_code",
    "verify_otp",
    "verify_totp",
]

OTP_PREFIX = "2fa-otp-"
_CAS_RETRIES = 50
_BACKUP_ALPHABET = string.ascii_letters + string.digits


def hash_code(code: str) -> str:
    """Base64url (no padding) SHA-256, Better Auth's ``defaultKeyHasher``."""
    digest = hashlib.sha256(code.encode("utf-8", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


# -- passwords and sessions -------------------------------------------------


def check_password(user: User, password: str | None) -> None:
    """400 INVALID_PASSWORD unless the password is right or not required.

    With ALLOW_PASSWORDLESS a user without a password (social or
    passwordless sign-in) may manage two-factor without one.
    """
    if section().ALLOW_PASSWORDLESS and not passwords.credential_password_hash(user):
        return
    if not password:
        raise APIError(400, "INVALID_PASSWORD")
    passwords.refuse_over_long_password(password)
    if not passwords.check_user_password(user, password):
        security_log.warning("wrong password managing two-factor of user %s", user.pk)
        raise APIError(400, "INVALID_PASSWORD")


def _rotate_session(ctx: Context, current: SessionContext, user: User) -> str:
    """Replace the session after a change of the account's security state."""
    session = create_session(
        user, ip_address=ctx.info.ip, user_agent=ctx.info.user_agent
    )
    set_session_cookie(ctx.jar, session, user)
    revoke_session(user, current.session.token)
    return session.token


def _set_enabled(user: User, enabled: bool) -> None:
    now = clock.now()
    User.objects.filter(pk=user.pk).update(two_factor_enabled=enabled, updated_at=now)
    user.two_factor_enabled = enabled
    user.updated_at = now


def _issuer(requested: str | None) -> str:
    return requested or section().ISSUER or auth_settings.APP_NAME


def _uri(user: User, secret: str, issuer: str | None = None) -> str:
    opts = section().TOTP_OPTIONS
    return totp.key_uri(
        secret.encode(),
        issuer=_issuer(issuer),
        account=user.email,
        digits=int(opts.DIGITS),
        period=int(opts.PERIOD),
    )


def _new_backup_codes() -> list[str]:
    opts = section().BACKUP_CODE_OPTIONS
    length = int(opts.LENGTH)
    codes = []
    for _ in range(int(opts.AMOUNT)):
        raw = "".join(secrets.choice(_BACKUP_ALPHABET) for _ in range(length))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


# -- enable / disable ---------------------------------------------------------


def enable(
    ctx: Context,
    current: SessionContext,
    *,
    password: str | None,
    method: str,
    issuer: str | None,
) -> dict[str, Any]:
    """Better Auth 1.7's discriminated enable: ``otp`` now, ``totp`` on verify."""
    user = current.user
    check_password(user, password)
    if method == "otp":
        if send_otp() is None:
            raise APIError(400, "OTP_NOT_CONFIGURED")
        _set_enabled(user, True)
        _rotate_session(ctx, current, user)
        _emit(signals.two_factor_enabled, user, "otp")
        return {"method": "otp"}
    if section().TOTP_OPTIONS.DISABLE:
        raise APIError(400, "TOTP_NOT_CONFIGURED")
    existing = TwoFactor.objects.filter(user=user).first()
    if existing is not None and existing.verified is not False:
        raise APIError(400, "TOTP_ALREADY_ENABLED")
    codes = _new_backup_codes()
    secret = generate_token(32)
    skip = bool(section().SKIP_VERIFICATION_ON_ENABLE)
    with transaction.atomic():
        TwoFactor.objects.update_or_create(
            user=user,
            defaults={
                "secret": secret,
                "backup_codes": json.dumps(codes),
                "verified": skip,
                "failed_verification_count": 0,
                "locked_until": None,
            },
        )
        if skip:
            _set_enabled(user, True)
    if skip:
        _rotate_session(ctx, current, user)
        _emit(signals.two_factor_enabled, user, "totp")
    return {
        "method": "totp",
        "totpURI": _uri(user, secret, issuer),
        "backupCodes": codes,
    }


def disable(ctx: Context, current: SessionContext, *, password: str | None) -> None:
    user = current.user
    check_password(user, password)
    with transaction.atomic():
        _set_enabled(user, False)
        TwoFactor.objects.filter(user=user).delete()
    _rotate_session(ctx, current, user)
    trusted = read_trust_device(ctx)
    if trusted is not None:
        verifications.delete(trusted[1])
        ctx.jar.expire(TRUST_DEVICE)
    _emit(signals.two_factor_disabled, user, None)


def totp_uri(current: SessionContext, *, password: str | None) -> str:
    if section().TOTP_OPTIONS.DISABLE:
        raise APIError(400, "TOTP_NOT_CONFIGURED")
    record = TwoFactor.objects.filter(user=current.user).first()
    if record is None:
        raise APIError(400, "TOTP_NOT_ENABLED")
    check_password(current.user, password)
    return _uri(current.user, record.secret)


def _emit(signal: Any, user: User, method: str | None) -> None:
    transaction.on_commit(lambda: signal.send(sender=User, user=user, method=method))


# -- the account-wide failure budget ------------------------------------------


def _assert_not_locked(record: TwoFactor) -> None:
    if not section().ACCOUNT_LOCKOUT.ENABLED or record.locked_until is None:
        return
    if record.locked_until > clock.now():
        raise APIError(429, "ACCOUNT_TEMPORARILY_LOCKED")
    storage.clear_expired_lock(record.pk)


def _record_failure(record: TwoFactor | None, user: User) -> None:
    if record is None:
        return
    count = storage.record_failure(record.pk)
    limit = int(section().ACCOUNT_LOCKOUT.MAX_FAILED_ATTEMPTS)
    if count == limit:
        until = clock.now() + timedelta(
            seconds=int(section().ACCOUNT_LOCKOUT.DURATION_SECONDS)
        )
        security_log.warning("two-factor locked for user %s", user.pk)
        _emit_locked(user, until)


def _emit_locked(user: User, until: datetime) -> None:
    transaction.on_commit(
        lambda: signals.two_factor_locked.send(sender=User, user=user, until=until)
    )


# -- TOTP ---------------------------------------------------------------------


def verify_totp(
    ctx: Context, challenge: Challenge, *, code: str, trust_device: bool
) -> dict[str, Any]:
    opts = section().TOTP_OPTIONS
    if opts.DISABLE:
        raise APIError(400, "TOTP_NOT_CONFIGURED")
    user = challenge.user
    record = TwoFactor.objects.filter(user=user).first()
    if record is None or (challenge.is_sign_in and record.verified is False):
        raise APIError(400, "TOTP_NOT_ENABLED")
    if challenge.is_sign_in:
        _assert_not_locked(record)
        challenge.begin_attempt(ctx)
    period = int(opts.PERIOD)
    now = clock.now().timestamp()
    step = totp.verify_totp(
        record.secret.encode(), code, now, digits=int(opts.DIGITS), period=period
    )
    # RFC 6238 §5.2: a code, once accepted, must not be accepted again.
    fresh = step is not None and replay.first_use(
        "two-factor-totp",
        f"{user.pk}:{step}",
        clock.now() + timedelta(seconds=3 * period),
    )
    if not fresh:
        if challenge.is_sign_in:
            _record_failure(record, user)
        security_log.warning("wrong TOTP code for user %s", user.pk)
        raise APIError(401, "INVALID_CODE")
    if challenge.is_sign_in:
        storage.reset_failures(record.pk)
    if record.verified is not True:
        TwoFactor.objects.filter(pk=record.pk).update(verified=True)
        if not user.two_factor_enabled and challenge.session is not None:
            _set_enabled(user, True)
            current = SessionContext(challenge.session, user)
            token = _rotate_session(ctx, current, user)
            _emit(signals.two_factor_enabled, user, "totp")
            return {"token": token, "user": user_json(user)}
    return challenge.complete(ctx, trust_device=trust_device, method="totp")


# -- OTP ----------------------------------------------------------------------


def _store_otp(code: str) -> str:
    return hash_code(code) if section().OTP_OPTIONS.STORE_OTP == "hashed" else code


def send_two_factor_otp(ctx: Context, challenge: Challenge) -> None:
    sender = send_otp()
    if sender is None:
        raise APIError(400, "OTP_NOT_CONFIGURED")
    opts = section().OTP_OPTIONS
    digits = int(opts.DIGITS)
    code = "".join(secrets.choice(string.digits) for _ in range(digits))
    identifier = OTP_PREFIX + challenge.key
    verifications.delete(identifier)
    verifications.create(identifier, f"{_store_otp(code)}:0", int(opts.PERIOD) * 60)
    try:
        sender(user=challenge.user, otp=code, request=ctx.request)
    except Exception:
        logger.exception("two-factor OTP sender failed for user %s", challenge.user.pk)


def verify_otp(
    ctx: Context, challenge: Challenge, *, code: str, trust_device: bool
) -> dict[str, Any]:
    user = challenge.user
    record: TwoFactor | None = None
    if challenge.is_sign_in:
        record = TwoFactor.objects.filter(user=user).first()
        if record is not None:
            _assert_not_locked(record)
    identifier = OTP_PREFIX + challenge.key
    allowed = int(section().OTP_OPTIONS.ALLOWED_ATTEMPTS)
    given = _store_otp(str(code))
    for _ in range(_CAS_RETRIES):
        row = verifications.find(identifier)
        if row is None:
            raise APIError(400, "OTP_HAS_EXPIRED")
        stored, _, counter = row.value.rpartition(":")
        attempts = int(counter) if counter.isdigit() else allowed
        if attempts >= allowed:
            raise APIError(400, "TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE")
        if constant_time_equals(stored, given):
            if verifications.consume_value(identifier, row.value) is None:
                continue  # changed under us: read again
            break
        if verifications.swap(identifier, row.value, f"{stored}:{attempts + 1}"):
            _record_failure(record, user)
            security_log.warning("wrong two-factor OTP for user %s", user.pk)
            raise APIError(401, "INVALID_CODE")
    else:
        raise APIError(401, "INVALID_CODE")
    if record is not None:
        storage.reset_failures(record.pk)
    if not user.two_factor_enabled:
        if challenge.session is None:
            raise APIError(400, "FAILED_TO_CREATE_SESSION")
        _set_enabled(user, True)
        token = _rotate_session(ctx, SessionContext(challenge.session, user), user)
        _emit(signals.two_factor_enabled, user, "otp")
        return {"token": token, "user": user_json(user)}
    return challenge.complete(ctx, trust_device=trust_device, method="otp")


# -- backup codes ---------------------------------------------------------------


def _decode_codes(raw: str | None) -> list[str] | None:
    if not raw:
        return None
    try:
        codes = json.loads(decrypt_secret(raw, auth_settings.secrets()))
    except Exception:
        return None
    if not isinstance(codes, list):
        return None
    return [c for c in codes if isinstance(c, str)]


def verify_backup_code(
    ctx: Context,
    challenge: Challenge,
    *,
    code: str,
    disable_session: bool,
    trust_device: bool,
) -> dict[str, Any]:
    user = challenge.user
    record = TwoFactor.objects.filter(user=user).first()
    if record is None:
        raise APIError(400, "BACKUP_CODES_NOT_ENABLED")
    if challenge.is_sign_in:
        _assert_not_locked(record)
        challenge.begin_attempt(ctx)
    raw = storage.raw_backup_codes(record.pk)
    codes = _decode_codes(raw)
    matched = codes is not None and any(constant_time_equals(c, code) for c in codes)
    if not matched or codes is None or raw is None:
        if challenge.is_sign_in:
            _record_failure(record, user)
        security_log.warning("wrong backup code for user %s", user.pk)
        raise APIError(401, "INVALID_BACKUP_CODE")
    remaining = [c for c in codes if c != code]
    if not storage.replace_backup_codes(record.pk, raw, remaining):
        raise APIError(409, None, "Failed to verify backup code. Please try again.")
    if challenge.is_sign_in:
        storage.reset_failures(record.pk)
    if not disable_session:
        return challenge.complete(ctx, trust_device=trust_device, method="backup-code")
    body: dict[str, Any] = {}
    if challenge.session is not None:
        body["token"] = challenge.session.token
    body["user"] = user_json(user)
    return body


def generate_backup_codes(
    current: SessionContext, *, password: str | None
) -> list[str]:
    user = current.user
    if not user.two_factor_enabled:
        raise APIError(400, "TWO_FACTOR_NOT_ENABLED")
    check_password(user, password)
    record = TwoFactor.objects.filter(user=user).first()
    if record is None:
        raise APIError(400, "TWO_FACTOR_NOT_ENABLED")
    codes = _new_backup_codes()
    record.backup_codes = json.dumps(codes)
    record.save(update_fields=["backup_codes"])
    return codes
