"""Let a plugin show its user columns on the core User admin page.

Plugins that add columns to the core user table (admin, username,
anonymous) call :func:`extend_user_admin` from their ``admin.py``; each
call subclasses whatever User admin is registered at that moment, so
several plugins stack their fieldsets, filters and actions without knowing
about each other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model

__all__ = ["extend_user_admin"]


def extend_user_admin(
    title: str,
    fields: Sequence[str],
    *,
    list_display: Sequence[str] = (),
    list_filter: Sequence[str] = (),
    search_fields: Sequence[str] = (),
    readonly_fields: Sequence[str] = (),
    actions: dict[str, Callable[..., Any]] | None = None,
) -> None:
    user_model = get_user_model()
    current = admin.site._registry.get(user_model)
    if current is None:
        return
    base = type(current)
    attrs: dict[str, Any] = {
        "__module__": __name__,
        "fieldsets": (*(base.fieldsets or ()), (title, {"fields": tuple(fields)})),
        "list_display": (*base.list_display, *list_display),
        "list_filter": (*base.list_filter, *list_filter),
        "search_fields": (*base.search_fields, *search_fields),
        "readonly_fields": (*base.readonly_fields, *readonly_fields),
    }
    if actions:
        attrs.update(actions)
        attrs["actions"] = [*(base.actions or ()), *actions]
    extended = type(f"{title.replace(' ', '')}{base.__name__}", (base,), attrs)
    admin.site.unregister(user_model)
    admin.site.register(user_model, extended)
