"""The default code email, sent through ``better_auth.mail`` (Django or Celery)."""

from __future__ import annotations

from typing import Any

from better_auth.mail import deliver

SUBJECTS = {
    "sign-in": "Your sign-in code",
    "email-verification": "Verify your email",
    "forget-password": "Reset your password",
    "change-email": "Confirm your new email",
}


def send_otp(email: str, otp: str, type: str, request: Any = None) -> None:  # noqa: A002
    subject = SUBJECTS.get(type, "Your code")
    deliver(email, subject, f"Your code is {otp}. It expires in a few minutes.")
