"""Who is proving a second factor: a signed-in user, or a pending sign-in.

A password sign-in of a user with two-factor on leaves no session, only a
challenge: a verification row ``2fa-<20 chars>`` naming the user, an
attempt counter ``2fa-attempts-<id>`` and the signed ``two_factor`` cookie
carrying the identifier (core-surface §4.1, §8.4). A verify endpoint either
finishes that challenge (a new session) or, for a signed-in user, confirms
a factor during setup.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from better_auth import signals
from better_auth.api.context import Context
from better_auth.conf import auth_settings
from better_auth.cookies import DONT_REMEMBER, read_signed
from better_auth.crypto import (
    constant_time_equals,
    generate_token,
    hmac_sha256_b64url,
)
from better_auth.errors import APIError
from better_auth.models import Session, User
from better_auth.serializers import user_json
from better_auth.services.sessions import (
    create_session,
    get_session,
    set_session_cookie,
)
from better_auth.storage import verifications

from . import storage
from .conf import section

logger = logging.getLogger(__name__)
security_log = logging.getLogger("better_auth.security.two_factor")

__all__ = [
    "ATTEMPTS_PREFIX",
    "CHALLENGE_PREFIX",
    "TRUST_DEVICE",
    "TRUST_PREFIX",
    "TWO_FACTOR",
    "Challenge",
    "open_challenge",
    "resolve",
    "trust_token",
]

TWO_FACTOR = "two_factor"
TRUST_DEVICE = "trust_device"
CHALLENGE_PREFIX = "2fa-"
ATTEMPTS_PREFIX = "2fa-attempts-"
TRUST_PREFIX = "trust-device-"


def trust_token(user_id: str, trust_id: str) -> str:
    """The HMAC binding a trusted-device record to its user."""
    return hmac_sha256_b64url(auth_settings.SECRET, f"{user_id}!{trust_id}")


def issue_trust_device(ctx: Context, user: User) -> None:
    """Record a trusted device and set its signed cookie (rotated on each use)."""
    max_age = int(section().TRUST_DEVICE_MAX_AGE)
    trust_id = TRUST_PREFIX + generate_token(32)
    verifications.create(trust_id, user.pk, max_age)
    ctx.jar.set_signed(
        TRUST_DEVICE, f"{trust_token(user.pk, trust_id)}!{trust_id}", max_age=max_age
    )


def read_trust_device(ctx: Context) -> tuple[str, str] | None:
    """``(hmac, trust_id)`` from the signed cookie, or None."""
    value = read_signed(ctx.cookies, TRUST_DEVICE)
    if not value:
        return None
    token, _, trust_id = value.partition("!")
    if not token or not trust_id:
        return None
    return token, trust_id


def device_is_trusted(ctx: Context, user: User) -> bool:
    found = read_trust_device(ctx)
    if found is None:
        return False
    token, trust_id = found
    if not constant_time_equals(token, trust_token(user.pk, trust_id)):
        return False
    record = verifications.find(trust_id)
    return record is not None and record.value == user.pk


def open_challenge(ctx: Context, user: User) -> None:
    """Create the challenge rows and set the signed ``two_factor`` cookie."""
    max_age = int(section().TWO_FACTOR_COOKIE_MAX_AGE)
    identifier = CHALLENGE_PREFIX + generate_token(20)
    verifications.create(identifier, user.pk, max_age)
    verifications.create(ATTEMPTS_PREFIX + identifier, "0", max_age)
    ctx.jar.set_signed(TWO_FACTOR, identifier, max_age=max_age)


@dataclass
class Challenge:
    """A verification in progress.

    ``session`` is None for a pending sign-in. ``key`` names per-challenge
    state (the emailed OTP): the challenge identifier, or
    ``<user id>!<session id>`` for a signed-in user.
    """

    user: User
    session: Session | None
    key: str
    identifier: str | None = None

    @property
    def is_sign_in(self) -> bool:
        return self.session is None

    def begin_attempt(self, ctx: Context) -> None:
        """Spend one attempt of a sign-in challenge, or refuse.

        The challenge is cancelled once its attempts are spent, so a new
        password sign-in is needed; if cancelling fails the caller must not
        mistake the challenge for closed (500).
        """
        if self.identifier is None:
            return
        allowed = int(section().ALLOWED_ATTEMPTS_PER_CHALLENGE)
        outcome = storage.take_attempt(ATTEMPTS_PREFIX + self.identifier, allowed)
        if outcome is storage.Attempt.GRANTED:
            return
        if outcome is storage.Attempt.MISSING:
            raise APIError(401, "INVALID_TWO_FACTOR_COOKIE")
        security_log.warning("two-factor challenge exhausted for user %s", self.user.pk)
        try:
            verifications.consume(self.identifier)
            verifications.delete(ATTEMPTS_PREFIX + self.identifier)
        except Exception:
            logger.exception("could not cancel an exhausted two-factor challenge")
            ctx.jar.expire(TWO_FACTOR)
            raise APIError(500, "FAILED_TO_INVALIDATE_TWO_FACTOR_CHALLENGE") from None
        ctx.jar.expire(TWO_FACTOR)
        raise APIError(400, "TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE")

    def complete(
        self, ctx: Context, *, trust_device: bool, method: str
    ) -> dict[str, Any]:
        """The factor is proven: finish the sign-in (or confirm for a session)."""
        if self.session is not None:
            return {"token": self.session.token, "user": user_json(self.user)}
        assert self.identifier is not None
        consumed = verifications.consume(self.identifier)
        if consumed is None or consumed.value != self.user.pk:
            ctx.jar.expire(TWO_FACTOR)
            raise APIError(401, "INVALID_TWO_FACTOR_COOKIE")
        verifications.delete(ATTEMPTS_PREFIX + self.identifier)
        remember = not read_signed(ctx.cookies, DONT_REMEMBER)
        session = create_session(
            self.user,
            ip_address=ctx.info.ip,
            user_agent=ctx.info.user_agent,
            remember_me=remember,
        )
        set_session_cookie(ctx.jar, session, self.user, remember_me=remember)
        ctx.jar.expire(TWO_FACTOR)
        if trust_device:
            issue_trust_device(ctx, self.user)
            ctx.jar.expire(DONT_REMEMBER)
        logger.info("user %s passed two-factor (%s)", self.user.pk, method)
        user, session_id = self.user, session.pk
        transaction.on_commit(
            lambda: signals.user_signed_in.send(
                sender=User,
                user=user,
                session_id=session_id,
                method=f"two-factor-{method}",
            )
        )
        return {"token": session.token, "user": user_json(user)}


def resolve(ctx: Context) -> Challenge:
    """The challenge of this request: the session's user, or the cookie's."""
    current = get_session(ctx, disable_cookie_cache=True)
    if current is not None:
        return Challenge(
            current.user, current.session, f"{current.user.pk}!{current.session.pk}"
        )
    identifier = read_signed(ctx.cookies, TWO_FACTOR)
    if not identifier:
        raise APIError(401, "INVALID_TWO_FACTOR_COOKIE")
    record = verifications.find(identifier)
    if record is None:
        raise APIError(401, "INVALID_TWO_FACTOR_COOKIE")
    user = User.objects.filter(pk=record.value, is_active=True).first()
    if user is None:
        raise APIError(401, "INVALID_TWO_FACTOR_COOKIE")
    return Challenge(user, None, identifier, identifier)
