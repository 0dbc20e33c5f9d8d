from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from ._ids import new_id


class Session(models.Model):
    """A signed-in device, as Better Auth's ``session`` table.

    ``token`` is the bearer secret carried (signed) in the session cookie.
    Better Auth returns it to the owner from list-sessions and takes it in
    revoke-session, so it is stored as is; the admin never displays it.
    """

    id = models.CharField(
        primary_key=True, max_length=64, default=new_id, editable=False
    )
    token = models.CharField(max_length=255, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="auth_sessions"
    )
    expires_at = models.DateTimeField(db_index=True)
    # Nullable as in Better Auth's schema (IP tracking can be disabled).
    ip_address = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    user_agent = models.TextField(null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # The organization plugin's session fields (plain ids, no foreign key, so
    # they are harmless while the plugin is not installed).
    active_organization_id = models.CharField(  # noqa: DJ001
        max_length=64, null=True, blank=True
    )
    active_team_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    # The admin plugin: the id of the admin acting as this session's user.
    impersonated_by = models.CharField(  # noqa: DJ001
        max_length=64, null=True, blank=True
    )

    class Meta:
        db_table = "better_auth_session"

    def __str__(self) -> str:
        return f"session {self.id} of {self.user_id}"
