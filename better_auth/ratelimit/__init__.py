"""Rate limiting of the auth API (core-surface §6.3)."""

from __future__ import annotations

from django.http import HttpRequest

__all__ = ["consume_request"]


def consume_request(request: HttpRequest, path: str) -> int | None:
    """Count this request; the seconds to wait if it is over its limit."""
    return None
