"""Receivers of core signals: the end of a session starts back-channel logout.

Connected at import, from ``AppConfig.ready()``. Core sends these signals
after the commit that ended the session, so a rolled-back sign-out never
notifies anyone; a failure here is logged and never reaches the sign-out.
A user's deletion is seen before it happens (``pre_delete``), because the
user's tokens, which name the clients to notify, are deleted with the user.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import pre_delete

from better_auth import signals

from .services import backchannel_logout

logger = logging.getLogger(__name__)

__all__: list[str] = []


def _ended(user_id: Any, session_ids: list[Any]) -> None:
    try:
        backchannel_logout.sessions_ended(str(user_id), [str(s) for s in session_ids])
    except Exception:
        logger.exception("back-channel logout planning failed")


def on_session_revoked(
    sender: Any, user_id: Any = None, session_ids: Any = (), **kwargs: Any
) -> None:
    _ended(user_id, list(session_ids or ()))


def on_user_signed_out(
    sender: Any, user_id: Any = None, session_id: Any = None, **kwargs: Any
) -> None:
    _ended(user_id, [session_id] if session_id else [])


def on_user_deleting(sender: Any, instance: Any = None, **kwargs: Any) -> None:
    """Before a user row goes, since their tokens go with it."""
    try:
        backchannel_logout.user_deleting(str(instance.pk))
    except Exception:
        logger.exception("back-channel logout planning failed")


signals.session_revoked.connect(
    on_session_revoked, dispatch_uid="better_auth_oauth_provider.bcl.revoked"
)
signals.user_signed_out.connect(
    on_user_signed_out, dispatch_uid="better_auth_oauth_provider.bcl.signed_out"
)
pre_delete.connect(
    on_user_deleting,
    sender=get_user_model(),
    dispatch_uid="better_auth_oauth_provider.bcl.user_deleting",
)
