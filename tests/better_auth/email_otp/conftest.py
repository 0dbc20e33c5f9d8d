"""Fixtures of the email OTP tests: a recording sender."""

from __future__ import annotations

from typing import Any

import pytest

from better_auth import clock

SENT: list[dict[str, Any]] = []


def record(*, email: str, otp: str, type: str, request: Any) -> None:  # noqa: A002
    SENT.append({"email": email, "otp": otp, "type": type})


@pytest.fixture
def outbox(better_auth_settings: Any) -> list[dict[str, Any]]:
    SENT.clear()
    better_auth_settings(
        EMAIL_OTP={
            "SEND_VERIFICATION_OTP": "tests.better_auth.email_otp.conftest.record"
        }
    )
    return SENT


@pytest.fixture(autouse=True)
def _frozen_clock() -> Any:
    with clock.freeze():
        yield


def last_code(outbox: list[dict[str, Any]]) -> str:
    return outbox[-1]["otp"]
