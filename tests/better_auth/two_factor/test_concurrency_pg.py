"""Two-factor counters and single-use codes under real concurrency (PostgreSQL).

Each request runs in its own thread and connection, released together
(tests/concurrency.py). Attempt counters are one conditional UPDATE, the
challenge and backup codes are consumed by one statement, so the limits
hold exactly however the requests interleave (core-surface §7, §8.4).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.db import connection

from better_auth.models import Session, User, Verification
from better_auth.plugins.two_factor.models import TwoFactor
from tests.concurrency import race
from tests.conftest import AuthClient

from .conftest import EMAIL, PASSWORD, current_code, secret_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RACERS = 10


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")


def _browser_with(challenge_cookie: str) -> AuthClient:
    browser = AuthClient()
    browser.cookies["better-auth.two_factor"] = challenge_cookie
    return browser


def test_parallel_wrong_guesses_never_exceed_the_allowance(
    challenged: AuthClient,
) -> None:
    """Ten simultaneous wrong codes: exactly five are judged, five refused."""
    cookie = challenged.cookies["better-auth.two_factor"].value

    def guess() -> str:
        response = _browser_with(cookie).post(
            "/two-factor/verify-totp", {"code": "000000"}
        )
        return response.json()["code"]

    codes = Counter(race(RACERS, guess))
    assert codes["INVALID_CODE"] == 5, codes
    assert (
        codes["INVALID_CODE"]
        + codes["TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE"]
        + codes["INVALID_TWO_FACTOR_COOKIE"]
        == RACERS
    )
    assert TwoFactor.objects.get().failed_verification_count == 5


@pytest.mark.parametrize("racers", [5, RACERS])
def test_parallel_right_codes_open_at_most_one_session(
    challenged: AuthClient, racers: int
) -> None:
    """Within the allowance exactly one wins; beyond it at most one.

    With more racers than attempts, a request refused for exhaustion cancels
    the challenge (Better Auth's rule), which may beat the winner to it: then
    nobody signs in, which is the safe outcome.
    """
    cookie = challenged.cookies["better-auth.two_factor"].value
    code = current_code(secret_of())
    before = Session.objects.filter(user__email=EMAIL).count()

    def verify() -> int:
        return (
            _browser_with(cookie)
            .post("/two-factor/verify-totp", {"code": code})
            .status_code
        )

    statuses = Counter(race(racers, verify))
    winners = statuses[200]
    assert winners == 1 if racers == 5 else winners <= 1, statuses
    assert Session.objects.filter(user__email=EMAIL).count() == before + winners


def test_parallel_backup_code_redemptions_open_exactly_one_session(
    challenged: AuthClient, totp_user: dict[str, Any]
) -> None:
    cookie = challenged.cookies["better-auth.two_factor"].value
    code = totp_user["backupCodes"][0]
    before = Session.objects.filter(user__email=EMAIL).count()

    def redeem() -> int:
        return (
            _browser_with(cookie)
            .post("/two-factor/verify-backup-code", {"code": code})
            .status_code
        )

    statuses = Counter(race(5, redeem))
    assert statuses[200] == 1, statuses
    assert Session.objects.filter(user__email=EMAIL).count() == before + 1


def test_parallel_failures_across_challenges_are_all_counted(
    totp_user: dict[str, Any],
) -> None:
    """Ten challenges, one wrong guess each, at once: the budget is spent exactly."""
    cookies = []
    for _ in range(RACERS):
        browser = AuthClient()
        browser.sign_in(EMAIL, PASSWORD)
        cookies.append(browser.cookies["better-auth.two_factor"].value)
    pending = iter(cookies)
    from threading import Lock

    lock = Lock()

    def guess() -> int:
        with lock:
            cookie = next(pending)
        return (
            _browser_with(cookie)
            .post("/two-factor/verify-totp", {"code": "000000"})
            .status_code
        )

    race(RACERS, guess)
    record = TwoFactor.objects.get()
    assert record.failed_verification_count == RACERS
    assert record.locked_until is not None
    assert User.objects.get(email=EMAIL).two_factor_enabled is True
    assert Verification.objects.filter(identifier__startswith="2fa-attempts-").count()
