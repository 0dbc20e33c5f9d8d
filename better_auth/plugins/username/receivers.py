"""Usernames are stored normalized whichever path writes them.

Sign-up and update-user normalize in the plugin's before-hook; the admin
endpoints, the Django admin and project code reach the row directly, so a
``pre_save`` receiver keeps the unique column canonical for all of them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models.signals import pre_save
from django.dispatch import receiver

from .rules import normalize


@receiver(pre_save, sender=settings.AUTH_USER_MODEL)
def normalize_username(sender: Any, instance: Any, raw: bool = False, **_: Any) -> None:
    if raw:
        return
    username = getattr(instance, "username", None)
    if isinstance(username, str):
        instance.username = normalize(username) if username else None
