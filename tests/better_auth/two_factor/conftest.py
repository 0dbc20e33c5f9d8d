"""Fixtures of the two-factor tests: a signed-up user and a TOTP helper."""

from __future__ import annotations

from typing import Any

import pytest

from better_auth import clock
from better_auth.plugins.two_factor import totp

PASSWORD = "alice-password-1"
EMAIL = "alice@example.test"
SENT: list[dict[str, Any]] = []


def record_otp(*, user: Any, otp: str, request: Any) -> None:
    SENT.append({"user": user, "otp": otp})


def current_code(secret: str, offset_steps: int = 0) -> str:
    now = clock.now().timestamp() + 30 * offset_steps
    return totp.totp(secret.encode(), now)


def secret_of(email: str = EMAIL) -> str:
    from better_auth.plugins.two_factor.models import TwoFactor

    return TwoFactor.objects.get(user__email=email).secret


@pytest.fixture(autouse=True)
def _clear_sent() -> None:
    SENT.clear()


@pytest.fixture
def otp_sender(better_auth_settings: Any) -> list[dict[str, Any]]:
    better_auth_settings(
        TWO_FACTOR={
            "OTP_OPTIONS": {
                "SEND_OTP": "tests.better_auth.two_factor.conftest.record_otp"
            }
        }
    )
    return SENT


@pytest.fixture
def signed_in(api: Any) -> Any:
    assert api.sign_up(EMAIL, PASSWORD).status_code == 200
    return api


def enable_totp(api: Any) -> dict[str, Any]:
    """Enable TOTP and confirm it with a first code, as a user would."""
    response = api.post("/two-factor/enable", {"password": PASSWORD})
    assert response.status_code == 200, response.content
    data = response.json()
    verify = api.post("/two-factor/verify-totp", {"code": current_code(secret_of())})
    assert verify.status_code == 200, verify.content
    clock.advance(30)  # the next code is a fresh one (no replay)
    return data


@pytest.fixture
def totp_user(signed_in: Any) -> dict[str, Any]:
    return enable_totp(signed_in)


@pytest.fixture
def challenged(api_factory: Any, totp_user: dict[str, Any]) -> Any:
    """A fresh browser whose password sign-in now awaits a second factor."""
    browser = api_factory()
    response = browser.sign_in(EMAIL, PASSWORD)
    assert response.json() == {"twoFactorRedirect": True, "twoFactorMethods": ["totp"]}
    return browser


@pytest.fixture(autouse=True)
def _frozen_clock() -> Any:
    with clock.freeze():
        yield
