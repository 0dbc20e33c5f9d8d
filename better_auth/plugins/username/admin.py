"""The username plugin's columns on the User admin page."""

from __future__ import annotations

from better_auth.plugins.user_admin import extend_user_admin

extend_user_admin(
    "Username",
    ("username", "display_username"),
    list_display=("username",),
    search_fields=("username",),
)
