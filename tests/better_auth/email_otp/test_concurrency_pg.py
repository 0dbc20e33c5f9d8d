"""Email OTP attempts and redemption under real concurrency (PostgreSQL).

The attempt counter is kept in the code's value and only changed by a
compare-and-set UPDATE; a right code is redeemed by a conditional DELETE
... RETURNING. So ten simultaneous wrong guesses count exactly
ALLOWED_ATTEMPTS (3) and ten simultaneous right ones open one session
(core-surface §7 "consumeOne", §8.3).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.db import connection

from better_auth.models import Account, Session, User
from better_auth.storage import verifications
from tests.concurrency import race
from tests.conftest import AuthClient

from .conftest import last_code

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RACERS = 10
EMAIL = "race@example.test"


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")


def _send() -> None:
    AuthClient().post(
        "/email-otp/send-verification-otp", {"email": EMAIL, "type": "sign-in"}
    )


def test_parallel_wrong_guesses_count_exactly_the_allowance(
    outbox: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    _send()
    code = last_code(outbox)
    wrong = "000000" if code != "000000" else "111111"
    counted: list[bool] = []
    real_swap = verifications.swap

    def counting_swap(identifier: str, expected: str, new: str) -> bool:
        done = real_swap(identifier, expected, new)
        if done:
            counted.append(True)
        return done

    monkeypatch.setattr(verifications, "swap", counting_swap)

    def guess() -> str:
        return (
            AuthClient()
            .post("/sign-in/email-otp", {"email": EMAIL, "otp": wrong})
            .json()["code"]
        )

    answers = Counter(race(RACERS, guess))
    assert len(counted) == 3, answers
    assert answers["TOO_MANY_ATTEMPTS"] >= 1, answers
    late = AuthClient().post("/sign-in/email-otp", {"email": EMAIL, "otp": code})
    assert late.status_code in (400, 403)
    assert not User.objects.filter(email=EMAIL).exists()


def test_parallel_right_codes_open_exactly_one_session(outbox: list[Any]) -> None:
    _send()
    code = last_code(outbox)

    def redeem() -> int:
        return (
            AuthClient()
            .post("/sign-in/email-otp", {"email": EMAIL, "otp": code})
            .status_code
        )

    statuses = Counter(race(RACERS, redeem))
    assert statuses[200] == 1, statuses
    assert User.objects.filter(email=EMAIL).count() == 1
    assert Session.objects.filter(user__email=EMAIL).count() == 1


def test_parallel_squatter_cleanup_runs_once(
    outbox: list[Any], user_factory: Any
) -> None:
    """Concurrent proofs of an unverified mailbox all succeed; cleanup is once."""
    user_factory(EMAIL, password="squatter-password-1")
    _send()
    code = last_code(outbox)

    def redeem() -> int:
        return (
            AuthClient()
            .post("/sign-in/email-otp", {"email": EMAIL, "otp": code})
            .status_code
        )

    statuses = Counter(race(5, redeem))
    assert statuses[200] == 1, statuses
    user = User.objects.get(email=EMAIL)
    assert user.email_verified
    assert not Account.objects.filter(user=user).exists()
