from __future__ import annotations

from django.apps import AppConfig


class UsernameConfig(AppConfig):
    name = "better_auth.plugins.username"
    label = "better_auth_username"
    verbose_name = "Better Auth: Username"

    def ready(self) -> None:
        """Register settings, codes, endpoints, the JSON fields and the hooks."""
        from better_auth.hooks import register_after_hook, register_before_hook
        from better_auth.serializers import register_restorer, register_user_fields

        from . import (
            api,  # noqa: F401 - registers the endpoints
            conf,
            errors,
            receivers,  # noqa: F401 - normalizes usernames on every save
        )
        from .hooks import accept_username, name_the_lost_race
        from .serializers import restore, user_fields

        conf.register()
        errors.register()
        register_user_fields(user_fields)
        register_restorer(restore)
        register_before_hook(accept_username)
        register_after_hook(name_the_lost_race)
