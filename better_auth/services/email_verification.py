"""Email verification links (HS256 JWTs, no database row, as Better Auth).

A verification token is ``HS256({email, updateTo?, requestType?, userId, iat,
exp})`` signed with the current secret (core-surface §5.1), so tokens minted
by a Node deployment sharing the secret verify here and the other way round.
``userId`` binds the token to one account (Better Auth 1.7.25): a user
deleted and re-created with the same address cannot reuse an old link.
The link is ``<auth url>/verify-email?token=<jwt>&callbackURL=<enc or %2F>``;
its base is always the configured public URL, never a request header
(case 67).

Plain verification tokens stay valid until they expire, which is harmless:
a second click finds the address verified and changes nothing. An email
change token is applied only while the account still has the address the
token names, so it works once.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import jwt
from django.db import IntegrityError, transaction

from .. import clock, signals
from ..api.schema import is_email
from ..conf import auth_settings
from ..mail import PendingEmail
from ..models import User
from ..models._ids import new_id
from ..models.user import normalize_email

logger = logging.getLogger(__name__)
security_log = logging.getLogger("better_auth.security.token")

__all__ = [
    "CHANGE_EMAIL_CONFIRMATION",
    "CHANGE_EMAIL_VERIFICATION",
    "TokenClaims",
    "VerificationError",
    "VerifyOutcome",
    "create_token",
    "encode_component",
    "prepare_for_address",
    "prepare_verification",
    "read_token",
    "send_verification_for",
    "verification_url",
    "verify_email",
]

CHANGE_EMAIL_CONFIRMATION = "change-email-confirmation"
CHANGE_EMAIL_VERIFICATION = "change-email-verification"
_ALGORITHM = "HS256"
# Characters encodeURIComponent leaves alone besides letters, digits, "-_.~".
_COMPONENT_SAFE = "!*'()"


class VerificationError(Exception):
    """A verification link that cannot be honoured; ``code`` is the API code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class TokenClaims:
    email: str
    user_id: str | None
    update_to: str | None
    request_type: str | None


@dataclass(frozen=True)
class VerifyOutcome:
    """What a verification link did.

    ``kind`` is "verified" (address newly verified), "already-verified",
    "confirmation-sent" (old address approved a change; the new one is
    mailed) or "email-changed". ``user`` is the account afterwards.
    """

    kind: str
    user: User


def encode_component(value: str) -> str:
    """Percent-encode like JavaScript's ``encodeURIComponent`` (ECMA-262 §19.2.6.5)."""
    return quote(value, safe=_COMPONENT_SAFE, encoding="utf-8", errors="replace")


def create_token(
    email: str,
    *,
    user_id: str | None,
    update_to: str | None = None,
    request_type: str | None = None,
) -> str:
    """Sign a verification token with the current secret.

    Claims are in Better Auth's order and the header is ``{"alg":"HS256"}``
    only, so the same inputs give the same bytes as the Node server.
    """
    now = int(clock.now().timestamp())
    payload: dict[str, Any] = {"email": normalize_email(email)}
    if update_to is not None:
        payload["updateTo"] = normalize_email(update_to)
    if request_type is not None:
        payload["requestType"] = request_type
    if user_id is not None:
        payload["userId"] = user_id
    payload["iat"] = now
    payload["exp"] = now + int(auth_settings.EMAIL_VERIFICATION.EXPIRES_IN)
    return jwt.encode(
        payload, auth_settings.SECRET, algorithm=_ALGORITHM, headers={"typ": None}
    )


def read_token(token: str) -> TokenClaims:
    """Verify ``token`` against every configured secret and return its claims.

    Raises :class:`VerificationError` with ``INVALID_TOKEN`` (bad signature,
    malformed token or claims, not yet valid) or ``TOKEN_EXPIRED``. The
    signature is checked before expiry, as jose does, so an expired forgery
    is reported as invalid. Time comes from the injectable clock.
    """
    payload = _verified_payload(token)
    now = int(clock.now().timestamp())
    exp = payload.get("exp")
    nbf = payload.get("nbf")
    if exp is not None and (not _is_number(exp) or exp <= now):
        raise VerificationError("TOKEN_EXPIRED" if _is_number(exp) else "INVALID_TOKEN")
    if nbf is not None and (not _is_number(nbf) or nbf > now):
        raise VerificationError("INVALID_TOKEN")
    email = payload.get("email")
    if not isinstance(email, str) or not is_email(email):
        raise VerificationError("INVALID_TOKEN")
    optional = {k: payload.get(k) for k in ("userId", "updateTo", "requestType")}
    if any(v is not None and not isinstance(v, str) for v in optional.values()):
        raise VerificationError("INVALID_TOKEN")
    return TokenClaims(
        email=email,
        user_id=optional["userId"],
        update_to=optional["updateTo"],
        request_type=optional["requestType"],
    )


def _verified_payload(token: str) -> dict[str, Any]:
    options = {"verify_exp": False, "verify_nbf": False, "verify_iat": False}
    for secret in auth_settings.secrets():
        if not secret:
            continue
        try:
            payload = jwt.decode(
                token, secret, algorithms=[_ALGORITHM], options=options
            )
        except jwt.InvalidSignatureError:
            continue
        except jwt.PyJWTError:
            break
        if isinstance(payload, dict):
            return payload
        break
    security_log.warning("rejected an email verification token")
    raise VerificationError("INVALID_TOKEN")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def verification_url(auth_url: str, token: str, callback_url: str | None) -> str:
    """Better Auth's link: the callback is encoded, ``/`` when absent."""
    callback = encode_component(callback_url or "/")
    return f"{auth_url}/verify-email?token={token}&callbackURL={callback}"


def default_auth_url() -> str:
    """The auth API root from configuration alone, for flows without a request."""
    return f"{auth_settings.BASE_URL or ''}{auth_settings.BASE_PATH}"


def _sender() -> Any:
    return auth_settings.EMAIL_VERIFICATION.SEND_VERIFICATION_EMAIL


def prepare_verification(
    user: User, *, callback_url: str | None, auth_url: str
) -> PendingEmail | None:
    """The verification email for ``user``, ready to send; None without a sender."""
    sender = _sender()
    if sender is None:
        return None
    token = create_token(user.email, user_id=user.pk)
    url = verification_url(auth_url, token, callback_url)
    return PendingEmail(sender, user, url, token, purpose="verification")


def prepare_for_address(
    email: str, *, callback_url: str | None, auth_url: str
) -> PendingEmail | None:
    """The verification email an anonymous caller may trigger for ``email``.

    Only an existing, active, unverified account gets one; every address
    costs the same work here (one lookup, one signature, one link) so the
    answer, built before the email is sent, cannot be timed to learn which
    case applied. Better Auth pads this answer to 500 ms instead.
    """
    sender = _sender()
    user = User.objects.filter(email=normalize_email(email)).first()
    eligible = user is not None and user.is_active and not user.email_verified
    token = create_token(email, user_id=user.pk if user is not None else new_id())
    url = verification_url(auth_url, token, callback_url)
    if not eligible or sender is None:
        return None
    return PendingEmail(sender, user, url, token, purpose="verification")


def send_verification_for(
    user: User, *, callback_url: str | None, auth_url: str | None = None
) -> None:
    """Email ``user`` a verification link (sign-up / sign-in ``sendOn*``).

    Does nothing when no sender is configured, as Better Auth's sign-up and
    sign-in do. Without ``auth_url`` the link is built from the configured
    BASE_URL only: with no request at hand nothing else can be trusted.
    """
    if auth_url is None:
        if not auth_settings.BASE_URL:
            logger.warning("verification link built without BASE_URL is relative")
        auth_url = default_auth_url()
    pending = prepare_verification(user, callback_url=callback_url, auth_url=auth_url)
    if pending is None:
        logger.error("email verification requested but no sender is configured")
        return
    pending.send()
    logger.info("verification email sent to user %s", user.pk)


def verify_email(
    claims: TokenClaims,
    *,
    auth_url: str,
    callback_url: str | None,
    session_user_id: str | None,
) -> VerifyOutcome:
    """Apply a verified token: mark the address verified or move the account.

    Follows Better Auth's ``/verify-email``: a token carrying ``updateTo``
    must name its user (``userId``) and that user's current address; a
    signed-in caller must be that user (``INVALID_USER``).
    """
    if claims.update_to:
        return _email_change(
            claims,
            auth_url=auth_url,
            callback_url=callback_url,
            session_user_id=session_user_id,
        )
    user = User.objects.filter(email=normalize_email(claims.email)).first()
    if user is None:
        raise VerificationError("USER_NOT_FOUND")
    if claims.user_id is not None and claims.user_id != user.pk:
        raise VerificationError("INVALID_TOKEN")
    if user.email_verified:
        return VerifyOutcome("already-verified", user)
    # The guard makes a double click verify (and signal) exactly once.
    changed = User.objects.filter(pk=user.pk, email_verified=False).update(
        email_verified=True, updated_at=clock.now()
    )
    user.refresh_from_db()
    if not changed:
        return VerifyOutcome("already-verified", user)
    logger.info("user %s verified their email", user.pk)
    _emit_verified(user)
    return VerifyOutcome("verified", user)


def _email_change(
    claims: TokenClaims,
    *,
    auth_url: str,
    callback_url: str | None,
    session_user_id: str | None,
) -> VerifyOutcome:
    if not claims.user_id:
        raise VerificationError("INVALID_TOKEN")
    user = User.objects.filter(pk=claims.user_id).first()
    if user is None:
        raise VerificationError("USER_NOT_FOUND")
    if normalize_email(user.email) != normalize_email(claims.email):
        # The account has moved on: the token was used or superseded.
        raise VerificationError("INVALID_TOKEN")
    if session_user_id is not None and session_user_id != user.pk:
        raise VerificationError("INVALID_USER")
    new_email = normalize_email(claims.update_to or "")
    if claims.request_type == CHANGE_EMAIL_CONFIRMATION:
        _send_change_verification(user, new_email, auth_url, callback_url)
        return VerifyOutcome("confirmation-sent", user)
    if claims.request_type == CHANGE_EMAIL_VERIFICATION:
        return VerifyOutcome("email-changed", _apply_email_change(user, new_email))
    # Better Auth still honours a pre-1.7 token without requestType by
    # changing the address unverified; this server never mints one, and the
    # only such token 1.7 signs is the never-sent decoy of change-email.
    raise VerificationError("INVALID_TOKEN")


def _send_change_verification(
    user: User, new_email: str, auth_url: str, callback_url: str | None
) -> None:
    """Second step of the verified-account flow: mail the new address."""
    sender = _sender()
    if sender is None:
        return
    token = create_token(
        user.email,
        user_id=user.pk,
        update_to=new_email,
        request_type=CHANGE_EMAIL_VERIFICATION,
    )
    url = verification_url(auth_url, token, callback_url)
    sender(with_email(user, new_email), url, token)
    logger.info("user %s approved an email change; new address mailed", user.pk)


def _apply_email_change(user: User, new_email: str) -> User:
    """Move the account to ``new_email``, once, and mark it verified.

    SPEC-GAP(Better Auth 1.7 verify-email): Better Auth keeps the old
    ``emailVerified`` flag here, so an unverified account stays unverified
    although the click proves control of the new mailbox; this server marks
    the new address verified, which is what the link asserts.
    """
    if User.objects.filter(email=new_email).exclude(pk=user.pk).exists():
        raise VerificationError("USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL")
    try:
        with transaction.atomic():
            # Guarded on the old address so a replayed link changes nothing.
            changed = User.objects.filter(pk=user.pk, email=user.email).update(
                email=new_email, email_verified=True, updated_at=clock.now()
            )
    except IntegrityError:
        raise VerificationError("USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL") from None
    if not changed:
        raise VerificationError("INVALID_TOKEN")
    user.refresh_from_db()
    logger.info("user %s changed their email", user.pk)
    _emit_verified(user)
    return user


def with_email(user: User, email: str) -> User:
    """An unsaved copy of ``user`` addressed to ``email``, for a sender."""
    clone = copy.copy(user)
    clone._state = copy.copy(user._state)
    clone.email = email
    return clone


def _emit_verified(user: User) -> None:
    transaction.on_commit(lambda: signals.email_verified.send(sender=User, user=user))
