"""Who may manage which clients (Better Auth's ``clientPrivileges``).

Actions are Better Auth's: create, read, update, delete, list, rotate and
configure-client-credentials-scopes. A ``CLIENT_PRIVILEGES`` hook decides
when configured; without one, staff may do everything, any signed-in user
may create and list, and the other actions need ownership
(``Application.user``, or the ``CLIENT_REFERENCE`` owner).
"""

from __future__ import annotations

from typing import Any

from ..conf import hook
from .client_lookup import Application, profile_of

__all__ = ["check_privileges", "manageable_clients"]


def _owns(client: Any, user: Any, reference_id: str | None) -> bool:
    if client.user_id is not None and client.user_id == user.pk:
        return True
    return bool(reference_id) and profile_of(client).reference_id == reference_id


def check_privileges(
    action: str,
    *,
    user: Any,
    session: Any = None,
    request: Any = None,
    client: Any | None = None,
    reference_id: str | None = None,
) -> bool:
    """Whether ``user`` may perform a client-management ``action``.

    Configuring client_credentials scopes is denied without a hook, as in
    Better Auth.
    """
    gate = hook("CLIENT_PRIVILEGES")
    if gate is not None:
        context = {
            "action": action,
            "user": user,
            "session": session,
            "request": request,
            "client": client,
            "reference_id": reference_id,
        }
        return bool(gate(context))
    if user is None:
        return False
    if getattr(user, "is_staff", False):
        return True
    if action == "configure-client-credentials-scopes":
        return False
    if action in ("create", "list"):
        return True
    return client is not None and _owns(client, user, reference_id)


def manageable_clients(user: Any, *, reference_id: str | None = None) -> list[Any]:
    """Clients ``user`` owns (all clients for staff without a privileges hook)."""
    rows = Application.objects.select_related("better_auth_profile").order_by(
        "created", "id"
    )
    if getattr(user, "is_staff", False) and hook("CLIENT_PRIVILEGES") is None:
        return list(rows)
    if reference_id:
        return list(rows.filter(better_auth_profile__reference_id=reference_id))
    return list(rows.filter(user=user))
