"""The one clock seam: tests move time with ``clock.freeze`` instead of sleeping."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.utils import timezone

__all__ = ["advance", "freeze", "now", "now_ms"]

_offset = timedelta(0)
_frozen: datetime | None = None


def now() -> datetime:
    base = _frozen if _frozen is not None else timezone.now()
    return base + _offset


def now_ms() -> int:
    return int(now().timestamp() * 1000)


def advance(seconds: float) -> None:
    global _offset
    _offset += timedelta(seconds=seconds)


@contextmanager
def freeze(at: datetime | None = None) -> Iterator[None]:
    global _frozen, _offset
    previous = (_frozen, _offset)
    _frozen, _offset = (at or timezone.now()), timedelta(0)
    try:
        yield
    finally:
        _frozen, _offset = previous
