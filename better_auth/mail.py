"""Default senders of the emails Better Auth asks the application to send.

Each sender takes the user, the link and the token, renders a plain-text
message and hands it to Django's email backend: through Celery when Celery
is configured (``EMAIL.USE_CELERY``, or automatically when the project has a
Celery broker setting), inline otherwise. Mail is sent after the current
transaction commits, so a rolled-back reset never emails a dead link.
Projects replace a sender by pointing the matching setting at their own
callable with the same signature.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from .background import use_celery
from .conf import auth_settings

logger = logging.getLogger(__name__)

__all__ = [
    "PendingEmail",
    "deliver",
    "send_change_email_confirmation",
    "send_delete_account_verification",
    "send_reset_password",
    "send_verification_email",
]


def _use_celery() -> bool:
    return use_celery(auth_settings.EMAIL.USE_CELERY)


def deliver(to: str, subject: str, body: str) -> None:
    """Send one message after commit, through Celery when configured."""

    def send() -> None:
        if _use_celery():
            from .tasks import send_email

            send_email.delay(to, subject, body)
        else:
            send_now(to, subject, body)

    transaction.on_commit(send)


def send_now(to: str, subject: str, body: str) -> None:
    sender = auth_settings.EMAIL.FROM or settings.DEFAULT_FROM_EMAIL
    send_mail(subject, body, sender, [to])
    logger.info("sent %r email", subject)


def _greet(user: Any, subject: str, text: str) -> None:
    deliver(user.email, subject, f"Hello {user.name or user.email},\n\n{text}")


def send_reset_password(user: Any, url: str, token: str, **_: Any) -> None:
    _greet(
        user,
        f"Reset your {auth_settings.APP_NAME} password",
        f"Open this link to choose a new password:\n\n{url}\n\n"
        "If you did not ask for this, ignore this email.\n",
    )


def send_verification_email(user: Any, url: str, token: str, **_: Any) -> None:
    _greet(
        user,
        f"Verify your email for {auth_settings.APP_NAME}",
        f"Open this link to verify your email address:\n\n{url}\n",
    )


def send_change_email_confirmation(
    user: Any, url: str, token: str, *, new_email: str = "", **_: Any
) -> None:
    """Ask the current address to approve a move to ``new_email``.

    Better Auth's ``user.changeEmail.sendChangeEmailConfirmation``: the link
    goes to the address being replaced, so a stolen session alone cannot
    move a verified account to another mailbox.
    """
    app = auth_settings.APP_NAME
    _greet(
        user,
        f"Confirm your new email for {app}",
        f"Someone asked to change the email of your {app} account to "
        f"{new_email}. Open this link to approve:\n\n{url}\n\n"
        "If you did not ask for this, ignore this email.\n",
    )


def send_delete_account_verification(user: Any, url: str, token: str, **_: Any) -> None:
    _greet(
        user,
        f"Confirm the deletion of your {auth_settings.APP_NAME} account",
        f"Open this link to delete your account for good:\n\n{url}\n\n"
        "If you did not ask for this, ignore this email and consider changing "
        "your password.\n",
    )


@dataclass(frozen=True)
class PendingEmail:
    """One prepared sender call, made later by :meth:`send`.

    Flows that must not reveal whether an address exists prepare the call
    and let the HTTP layer make it once the response has gone out, so a slow
    mail server cannot be timed. ``url`` and ``token`` stay out of ``repr``
    because both are credentials.
    """

    sender: Callable[..., Any]
    user: Any
    url: str = field(repr=False)
    token: str = field(repr=False)
    purpose: str = "email"
    kwargs: dict[str, Any] = field(default_factory=dict, repr=False)

    def send(self) -> None:
        self.sender(self.user, self.url, self.token, **self.kwargs)

    def send_quietly(self) -> None:
        """Send, logging (never raising) a failure, for after-response use."""
        try:
            self.send()
        except Exception as error:
            # Only the exception type: a sender's message may quote the link.
            logger.error(
                "%s email to user %s failed (%s)",
                self.purpose,
                getattr(self.user, "pk", None),
                type(error).__name__,
            )
