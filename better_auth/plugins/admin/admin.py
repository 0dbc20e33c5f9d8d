"""The admin plugin's columns on the User admin page, and ban / unban actions.

Banning from here goes through the same service as ``/admin/ban-user``, so
the user's sessions are revoked in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages

from better_auth.plugins.user_admin import extend_user_admin

from . import services


@admin.action(description="Ban the selected users (revokes their sessions)")
def ban_users(modeladmin: Any, request: Any, queryset: Any) -> None:
    for user in queryset:
        services.ban_user(user.pk, reason="Banned from the admin site", expires_in=None)
    modeladmin.message_user(
        request, f"Banned {queryset.count()} user(s).", messages.SUCCESS
    )


@admin.action(description="Unban the selected users")
def unban_users(modeladmin: Any, request: Any, queryset: Any) -> None:
    for user in queryset:
        services.unban_user(user.pk)
    modeladmin.message_user(
        request, f"Unbanned {queryset.count()} user(s).", messages.SUCCESS
    )


extend_user_admin(
    "Role and ban",
    ("role", "banned", "ban_reason", "ban_expires"),
    list_display=("role", "banned"),
    list_filter=("banned",),
    actions={"ban_users": ban_users, "unban_users": unban_users},
)
