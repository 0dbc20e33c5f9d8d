"""Magic-link use cases (Better Auth 1.7 ``magicLink``, core-surface §8.2).

The token (32 letters, about 182 bits) is stored as
``magic-link:<SHA-256 digest>`` by default, so the verification table never
holds a usable link. Redemption is one ``DELETE ... RETURNING``: a link
signs in once, however many requests race for it (§7: magic links are
always single use).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets
import string
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db import transaction

from better_auth import signals
from better_auth.api.schema import is_email
from better_auth.errors import APIError
from better_auth.models import Session, User
from better_auth.models.user import normalize_email
from better_auth.services.passwordless import (
    create_verified_user,
    revoke_unproven_access,
)
from better_auth.services.sessions import create_session
from better_auth.storage import verifications

from .conf import callable_setting, section

logger = logging.getLogger(__name__)
security_log = logging.getLogger("better_auth.security.token")

__all__ = ["LinkError", "Redeemed", "redeem", "send_link", "stored_token"]

PREFIX = "magic-link:"
_LETTERS = string.ascii_letters


class LinkError(Exception):
    """A link that cannot sign in; ``code`` goes into ``?error=``."""

    def __init__(self, code: str, description: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.description = description


@dataclass(frozen=True)
class Redeemed:
    user: User
    session: Session
    is_new_user: bool


def stored_token(token: str) -> str:
    """What the verification row keeps for ``token`` (STORE_TOKEN)."""
    how = section().STORE_TOKEN
    if callable(how):
        return str(how(token))
    if how == "plain":
        return token
    digest = hashlib.sha256(token.encode("utf-8", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def send_link(
    *,
    email: str,
    name: str | None,
    auth_url: str,
    callback_url: str | None,
    new_user_callback_url: str | None,
    error_callback_url: str | None,
    metadata: Any,
    request: Any,
) -> None:
    sender = callable_setting("SEND_MAGIC_LINK")
    if sender is None:
        raise APIError(400, None, "Magic link sender is not configured")
    generator = callable_setting("GENERATE_TOKEN")
    token = generator(email) if generator is not None else None
    if not token:
        token = "".join(secrets.choice(_LETTERS) for _ in range(32))
    value: dict[str, Any] = {"type": "magic-link", "email": email}
    if name is not None:
        value["name"] = name
    verifications.create(
        PREFIX + stored_token(token), json.dumps(value), int(section().EXPIRES_IN)
    )
    params = {"token": token, "callbackURL": callback_url or "/"}
    if new_user_callback_url:
        params["newUserCallbackURL"] = new_user_callback_url
    if error_callback_url:
        params["errorCallbackURL"] = error_callback_url
    url = f"{auth_url}/magic-link/verify?{urlencode(params)}"
    sender(email=email, url=url, token=token, metadata=metadata, request=request)
    logger.info("magic link issued")


def _record(value: str) -> tuple[str, str | None] | None:
    """``(email, name)`` of a well-formed stored record, else None."""
    try:
        data = json.loads(value)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("type") != "magic-link":
        return None
    if set(data) - {"type", "email", "name"}:
        return None
    email, name = data.get("email"), data.get("name")
    if not isinstance(email, str) or not is_email(email):
        return None
    if name is not None and not isinstance(name, str):
        return None
    return email, name


def redeem(token: str, *, ip_address: str | None, user_agent: str | None) -> Redeemed:
    """Spend the link and open a session; raises :class:`LinkError`."""
    consumed = verifications.consume(PREFIX + stored_token(token)) if token else None
    record = _record(consumed.value) if consumed is not None else None
    if record is None:
        security_log.warning("rejected a magic link")
        raise LinkError("INVALID_TOKEN")
    email, name = record
    email = normalize_email(email)
    user = User.objects.filter(email=email).first()
    is_new = False
    if user is None:
        if section().DISABLE_SIGN_UP:
            raise LinkError("new_user_signup_disabled")
        try:
            user = create_verified_user(email, name=name or "", method="magic-link")
        except APIError as error:
            raise LinkError(
                error.code or "failed_to_create_user", error.message
            ) from None
        is_new = True
    elif not user.is_active:
        raise LinkError("user_not_found")
    else:
        user = revoke_unproven_access(user)
    try:
        session = create_session(user, ip_address=ip_address, user_agent=user_agent)
    except APIError as error:
        # A refusal by a session hook (a banned user: 403 BANNED_USER) is
        # answered as it is, as Better Auth lets it through.
        if error.code != "FAILED_TO_CREATE_SESSION":
            raise
        raise LinkError("failed_to_create_session") from None
    sid = session.pk
    transaction.on_commit(
        lambda: signals.user_signed_in.send(
            sender=User, user=user, session_id=sid, method="magic-link"
        )
    )
    return Redeemed(user, session, is_new)
