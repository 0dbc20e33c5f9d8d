"""Signal receivers of the core app, connected from ``AppConfig.ready()``."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from .conf import auth_settings
from .models import User


@receiver(post_save, sender=User, dispatch_uid="better_auth.refresh_cached_sessions")
def refresh_cached_sessions(sender: type[User], instance: User, **kwargs: Any) -> None:
    """Keep the user copy inside cache-stored sessions current.

    Sessions kept in the secondary storage carry a JSON copy of the user; a
    renamed or deactivated user must not live on in it until expiry.
    """
    if auth_settings.SESSION.STORAGE != "cache" or kwargs.get("raw"):
        return
    from .storage.cache_sessions import CacheSessionStore

    CacheSessionStore.for_settings().refresh_user(instance)
