"""User-facing Better Auth messages in 22 languages through gettext."""

__all__: list[str] = []
