"""A signed-in user moving their account to another address (``/change-email``).

Better Auth 1.7 has three ways, chosen from the settings and from whether
the current address is verified (core-surface §3.1, §5.1):

- unverified address and ``UPDATE_EMAIL_WITHOUT_VERIFICATION``: the address
  changes at once (still unverified) and the new one is sent a plain
  verification link;
- verified address and ``SEND_CHANGE_EMAIL_CONFIRMATION``: the *current*
  address gets a ``change-email-confirmation`` link; clicking it mails the
  new address a ``change-email-verification`` link, and that click moves
  the account. A stolen session alone therefore cannot move the account;
- otherwise the new address gets the ``change-email-verification`` link
  directly.

An address already in use answers the same ``{status: true}`` as a free one
(no enumeration), after the same token signing; every email is prepared
here and sent by the caller after the response.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from .. import clock
from ..conf import auth_settings
from ..errors import APIError
from ..mail import PendingEmail
from ..models import User
from ..models.user import normalize_email
from .email_verification import (
    CHANGE_EMAIL_CONFIRMATION,
    CHANGE_EMAIL_VERIFICATION,
    create_token,
    verification_url,
    with_email,
)

logger = logging.getLogger(__name__)

__all__ = ["ChangeEmailResult", "change_email"]


@dataclass(frozen=True)
class ChangeEmailResult:
    """``user`` is set when the address changed now; ``email`` is to be sent."""

    user: User | None
    email: PendingEmail | None


def change_email(
    user: User, *, new_email: str, callback_url: str | None, auth_url: str
) -> ChangeEmailResult:
    """Start (or, when allowed, make) the move of ``user`` to ``new_email``."""
    cfg = auth_settings.USER.CHANGE_EMAIL
    if not cfg.ENABLED:
        raise APIError(400, "CHANGE_EMAIL_DISABLED")
    new_email = normalize_email(new_email)
    if new_email == normalize_email(user.email):
        raise APIError(400, None, "Email is the same")

    verify_sender = auth_settings.EMAIL_VERIFICATION.SEND_VERIFICATION_EMAIL
    confirm_sender = cfg.SEND_CHANGE_EMAIL_CONFIRMATION
    direct = not user.email_verified and bool(cfg.UPDATE_EMAIL_WITHOUT_VERIFICATION)
    confirm = (
        bool(user.email_verified)
        and verify_sender is not None
        and confirm_sender is not None
    )
    # Checked before the lookup, or a taken address (200) and a free one
    # (400) would answer differently.
    if not direct and not confirm and verify_sender is None:
        raise APIError(400, None, "Verification email isn't enabled")

    if User.objects.filter(email=new_email).exists():
        create_token(user.email, user_id=user.pk, update_to=new_email)
        logger.info("user %s asked to move to an address in use", user.pk)
        return ChangeEmailResult(None, None)
    if direct:
        return _change_now(user, new_email, callback_url, auth_url, verify_sender)
    if confirm:
        token = create_token(
            user.email,
            user_id=user.pk,
            update_to=new_email,
            request_type=CHANGE_EMAIL_CONFIRMATION,
        )
        url = verification_url(auth_url, token, callback_url)
        logger.info("user %s asked to change email; confirmation prepared", user.pk)
        pending = PendingEmail(
            confirm_sender,
            user,
            url,
            token,
            purpose="change-email-confirmation",
            kwargs={"new_email": new_email},
        )
        return ChangeEmailResult(None, pending)
    token = create_token(
        user.email,
        user_id=user.pk,
        update_to=new_email,
        request_type=CHANGE_EMAIL_VERIFICATION,
    )
    url = verification_url(auth_url, token, callback_url)
    logger.info("user %s asked to change email; verification prepared", user.pk)
    pending = PendingEmail(
        verify_sender,
        with_email(user, new_email),
        url,
        token,
        purpose="change-email-verification",
    )
    return ChangeEmailResult(None, pending)


def _change_now(
    user: User,
    new_email: str,
    callback_url: str | None,
    auth_url: str,
    verify_sender: object,
) -> ChangeEmailResult:
    try:
        with transaction.atomic():
            User.objects.filter(pk=user.pk).update(
                email=new_email, updated_at=clock.now()
            )
    except IntegrityError:
        # Taken between the check and the write: same answer as taken.
        return ChangeEmailResult(None, None)
    updated = User.objects.get(pk=user.pk)
    logger.info("user %s changed their unverified email", user.pk)
    if verify_sender is None:
        return ChangeEmailResult(updated, None)
    token = create_token(new_email, user_id=user.pk)
    url = verification_url(auth_url, token, callback_url)
    pending = PendingEmail(verify_sender, updated, url, token, purpose="verification")
    return ChangeEmailResult(updated, pending)
