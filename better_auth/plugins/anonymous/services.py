"""Anonymous users: creation, self-deletion and the link to a real account."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from better_auth import clock, signals
from better_auth.api.schema import is_email
from better_auth.errors import APIError
from better_auth.hooks import validate_user_info
from better_auth.models import Session, User
from better_auth.models._ids import new_id
from better_auth.services.sessions import create_session, revoke_all_sessions

from .conf import callable_setting, section

logger = logging.getLogger(__name__)

__all__ = ["anonymous_email", "delete_anonymous_user", "sign_in_anonymous"]

# RFC 6761 §6.4: ".invalid" never resolves, so the address can never
# receive mail, collide with a real one, or be claimed by someone else.
PLACEHOLDER_DOMAIN = "placeholder.invalid"


def anonymous_email() -> str:
    custom = callable_setting("GENERATE_RANDOM_EMAIL")
    if custom is not None:
        email = custom()
        if email:
            if not isinstance(email, str) or not is_email(email):
                raise APIError(400, "INVALID_EMAIL_FORMAT")
            return email.lower()
    identifier = new_id()
    domain = section().EMAIL_DOMAIN_NAME
    if domain:
        return f"temp-{identifier}@{domain}".lower()
    return f"{identifier}@anonymous.{PLACEHOLDER_DOMAIN}".lower()


def sign_in_anonymous(
    request: Any, *, ip_address: str | None, user_agent: str | None
) -> tuple[User, Session]:
    """A new anonymous user and its session."""
    email = anonymous_email()
    generate_name = callable_setting("GENERATE_NAME")
    name = (generate_name(request) if generate_name else None) or "Anonymous"
    validate_user_info(
        {"email": email, "name": name, "image": None, "emailVerified": False},
        {"action": "create-user", "method": "anonymous"},
    )
    now = clock.now()
    user = User(
        email=email,
        name=str(name),
        email_verified=False,
        is_anonymous=True,
        created_at=now,
        updated_at=now,
    )
    user.save(force_insert=True)
    transaction.on_commit(
        lambda: signals.user_created.send(sender=User, user=user, method="anonymous")
    )
    session = create_session(user, ip_address=ip_address, user_agent=user_agent)
    logger.info("anonymous user %s signed in (session %s)", user.pk, session.pk)
    return user, session


def delete_anonymous_user(user: User) -> None:
    """Delete an anonymous user with every session it holds."""
    with transaction.atomic():
        revoke_all_sessions(user, reason="delete-anonymous-user")
        User.objects.filter(pk=user.pk, is_anonymous=True).delete()
    logger.info("anonymous user %s deleted", user.pk)
