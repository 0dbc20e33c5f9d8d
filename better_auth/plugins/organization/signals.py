"""Signals of the organization plugin.

Sent with ``sender=`` the model class from ``transaction.on_commit``, so a
receiver never sees a change that was rolled back. Receivers accept
``**kwargs``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.dispatch import Signal

__all__ = [
    "invitation_accepted",
    "member_added",
    "member_removed",
    "organization_created",
    "send_on_commit",
]

# sender=Organization. kwargs: organization, user (the creator), member.
organization_created = Signal()
# sender=Member. kwargs: member, organization_id, user_id.
member_added = Signal()
# sender=Member. kwargs: member_id, organization_id, user_id, reason
# ("removed", "left").
member_removed = Signal()
# sender=Invitation. kwargs: invitation, member.
invitation_accepted = Signal()


def send_on_commit(signal: Signal, sender: Any, **kwargs: Any) -> None:
    send: Callable[[], Any] = lambda: signal.send(sender=sender, **kwargs)  # noqa: E731
    transaction.on_commit(send)
