"""Username uniqueness under real concurrency on PostgreSQL.

The before-hook's availability lookup can be passed by several sign-ups at
once; the username goes into the user INSERT itself, so the unique index
decides and exactly one account holds it; the others are told the
username is taken, whichever check stopped them.
"""

from __future__ import annotations

import pytest
from django.db import connection

from better_auth.models import User
from tests.concurrency import race
from tests.conftest import AuthClient

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RACERS = 10


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")


def test_concurrent_sign_ups_for_one_username_make_one_owner() -> None:
    counter = iter(range(RACERS))

    def sign_up() -> tuple[int, str | None]:
        number = next(counter)
        r = AuthClient().sign_up(f"racer{number}@example.test", username="Wanted")
        return r.status_code, r.json().get("code")

    answers = race(RACERS, sign_up)
    assert [status for status, _ in answers].count(200) == 1, answers
    losers = {answer for answer in answers if answer[0] != 200}
    assert losers == {(400, "USERNAME_IS_ALREADY_TAKEN")}, answers
    assert User.objects.filter(username="wanted").count() == 1
