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
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from .conf import auth_settings

logger = logging.getLogger(__name__)

__all__ = ["deliver", "send_reset_password", "send_verification_email"]


def _use_celery() -> bool:
    configured = auth_settings.EMAIL.USE_CELERY
    if configured is not None:
        return bool(configured)
    try:
        import celery  # noqa: F401
    except ImportError:
        return False
    return bool(
        getattr(settings, "CELERY_BROKER_URL", None)
        or getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)
    )


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


def send_reset_password(user: Any, url: str, token: str, **_: Any) -> None:
    app = auth_settings.APP_NAME
    deliver(
        user.email,
        f"Reset your {app} password",
        f"Hello {user.name or user.email},\n\nOpen this link to choose a new "
        f"password:\n\n{url}\n\nIf you did not ask for this, ignore this email.\n",
    )


def send_verification_email(user: Any, url: str, token: str, **_: Any) -> None:
    app = auth_settings.APP_NAME
    deliver(
        user.email,
        f"Verify your email for {app}",
        f"Hello {user.name or user.email},\n\nOpen this link to verify your "
        f"email address:\n\n{url}\n",
    )
