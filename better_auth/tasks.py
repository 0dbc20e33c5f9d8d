"""Celery tasks of the core app. Tasks take plain values and are idempotent."""

from __future__ import annotations

from celery import shared_task


@shared_task(
    name="better_auth.send_email",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_email(to: str, subject: str, body: str) -> None:
    from .mail import send_now

    send_now(to, subject, body)
