"""Every new user gets the default role, whichever path creates it.

Better Auth sets the role in a user-create database hook; a ``pre_save``
receiver is Django's equivalent and also covers ``createsuperuser``, the
admin site and project code that creates users directly.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models.signals import pre_save
from django.dispatch import receiver

from .conf import section


@receiver(pre_save, sender=settings.AUTH_USER_MODEL)
def default_role(sender: Any, instance: Any, raw: bool = False, **_: Any) -> None:
    if raw or not instance._state.adding:
        return
    if not getattr(instance, "role", None):
        instance.role = section().DEFAULT_ROLE or "user"
