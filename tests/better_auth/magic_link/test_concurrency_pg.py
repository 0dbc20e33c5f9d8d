"""One magic link, ten simultaneous redemptions: exactly one session (PostgreSQL).

Redemption is a single ``DELETE ... RETURNING`` (core-surface §7: magic
links are single use, consumed atomically).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.db import connection

from better_auth.models import Session, User
from tests.concurrency import race
from tests.conftest import AuthClient

from .conftest import verify_path

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

EMAIL = "race-link@example.test"


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")


def test_ten_redemptions_of_one_link(links: list[Any]) -> None:
    AuthClient().post("/sign-in/magic-link", {"email": EMAIL})
    _, query = verify_path(links[-1]["url"])

    def redeem() -> int:
        return (
            AuthClient()
            .get("/magic-link/verify", {"token": query["token"]})
            .status_code
        )

    statuses = Counter(race(10, redeem))
    assert statuses[200] == 1, statuses
    assert statuses[302] == 9, statuses
    assert User.objects.filter(email=EMAIL).count() == 1
    assert Session.objects.filter(user__email=EMAIL).count() == 1
