"""The anonymous plugin's flag on the User admin page."""

from __future__ import annotations

from better_auth.plugins.user_admin import extend_user_admin

extend_user_admin(
    "Anonymous",
    ("is_anonymous",),
    list_display=("is_anonymous",),
    list_filter=("is_anonymous",),
)
