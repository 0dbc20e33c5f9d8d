"""What a proven mailbox means for an account (magic link, email OTP).

Passwordless sign-in proves control of the address. When the account on
that address was never verified, whatever was attached to it before the
proof (a password, linked provider accounts, open sessions) may belong to
someone who registered the address first: a squatter. Better Auth 1.7
(``revokeUnprovenAccountAccess``, core-surface §7) removes all of it, then
marks the address verified, before the real owner's session is created.

Here the claim is one guarded UPDATE (``email_verified = false`` to
``true``) in the same transaction as the removals, so exactly one request
cleans up, concurrent ones see a verified account, and a failure leaves
everything as it was.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction

from .. import clock, signals
from ..errors import APIError
from ..hooks import validate_user_info
from ..models import Account, User
from ..models.user import normalize_email
from ..storage.sessions import session_store

logger = logging.getLogger(__name__)
security_log = logging.getLogger("better_auth.security.login")

__all__ = ["create_verified_user", "revoke_unproven_access"]


def revoke_unproven_access(user: User) -> User:
    """Strip an unverified account of unproven credentials; mark it verified.

    A no-op for a verified account. Returns the account afterwards.
    """
    if user.email_verified:
        return user
    with transaction.atomic():
        claimed = User.objects.filter(pk=user.pk, email_verified=False).update(
            email_verified=True, updated_at=clock.now()
        )
        if claimed:
            removed, _ = Account.objects.filter(user_id=user.pk).delete()
            session_ids = session_store().delete_for_user(user.pk)
    user.refresh_from_db()
    if claimed:
        security_log.warning(
            "passwordless proof of user %s removed %d unproven account(s) "
            "and %d session(s)",
            user.pk,
            removed,
            len(session_ids),
        )
        user.__dict__.pop("_credential_hash_cache", None)
        if session_ids:
            uid = user.pk
            transaction.on_commit(
                lambda: signals.session_revoked.send(
                    sender=type(user),
                    user_id=uid,
                    session_ids=session_ids,
                    reason="unproven-credentials",
                )
            )
        transaction.on_commit(
            lambda: signals.email_verified.send(sender=User, user=user)
        )
    return user


def create_verified_user(
    email: str,
    *,
    name: str = "",
    image: str | None = None,
    method: str,
    extra: dict[str, Any] | None = None,
) -> User:
    """Sign up a user whose address the request has just proven.

    The project's ``USER.VALIDATE_USER_INFO`` gate runs first. A concurrent
    sign-up of the same address answers the account it created.
    """
    email = normalize_email(email)
    validate_user_info(
        {"email": email, "name": name, "image": image, "emailVerified": True},
        {"action": "create-user", "method": method},
    )
    now = clock.now()
    try:
        with transaction.atomic():
            user = User(
                email=email,
                name=name or "",
                image=image,
                email_verified=True,
                created_at=now,
                updated_at=now,
            )
            user.save(force_insert=True)
    except IntegrityError:
        existing = User.objects.filter(email=email).first()
        if existing is None:
            raise APIError(422, "FAILED_TO_CREATE_USER") from None
        return existing
    logger.info("user %s signed up by %s", user.pk, method)
    transaction.on_commit(
        lambda: signals.user_created.send(sender=User, user=user, method=method)
    )
    return user
