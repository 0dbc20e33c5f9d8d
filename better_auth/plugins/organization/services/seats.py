"""Seat counters: one conditional UPDATE per add or remove.

``reserve`` takes a seat only while the counter is below the limit, in the
same statement that moves it, so concurrent adds can never overshoot (on
PostgreSQL the row lock makes the second UPDATE re-check the condition
after the first commits). Callers run inside the transaction that writes
the row the seat is for, so a failed insert gives the seat back.
"""

from __future__ import annotations

from django.db.models import F, Model

__all__ = ["release", "reserve"]


def reserve(model: type[Model], pk: str, field: str, limit: int | None) -> bool:
    qs = model.objects.filter(pk=pk)
    if limit is not None:
        qs = qs.filter(**{f"{field}__lt": limit})
    return bool(qs.update(**{field: F(field) + 1}))


def release(model: type[Model], pk: str, field: str, count: int = 1) -> None:
    if count <= 0:
        return
    model.objects.filter(pk=pk, **{f"{field}__gte": count}).update(
        **{field: F(field) - count}
    )
