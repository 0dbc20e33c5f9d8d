"""One DPoP proof used ten times at once (RFC 9449 §11.1).

Each request runs in its own thread with its own PostgreSQL connection,
all released together. The ``jti`` record is one atomic operation (an
upsert on PostgreSQL, ``SET NX`` on Redis with ``SECONDARY_STORAGE``), so
exactly one request is served. Skipped unless the database is PostgreSQL;
the Redis case also needs ``REDIS_URL``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import caches
from django.db import connection

from tests.concurrency import race
from tests.oauth_provider.test_dpop_tokens import (
    USERINFO_URL,
    bound_login,
    make_proof,
)
from tests.oauth_provider.test_rfc9449_dpop_proofs import Holder
from tests.oauth_provider.test_token import post_form

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RACERS = 10
USED = {
    "error": "invalid_dpop_proof",
    "error_description": "DPoP proof jti has already been used",
}


@pytest.fixture(
    params=[
        "database",
        pytest.param(
            "redis",
            marks=pytest.mark.skipif(
                not os.environ.get("REDIS_URL"), reason="no REDIS_URL"
            ),
        ),
    ]
)
def storage(request: pytest.FixtureRequest, better_auth_settings: Callable) -> str:
    """Where proofs are recorded; set before anything signs in."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")
    if request.param == "redis":
        better_auth_settings(SECONDARY_STORAGE="redis")
        caches["redis"].clear()
    return request.param


def _answer(response: Any) -> tuple[int, dict[str, Any]]:
    return response.status_code, response.json()


def _one_winner(results: list[tuple[int, dict[str, Any]]]) -> None:
    winners = [body for status, body in results if status == 200]
    losers = [body for status, body in results if status != 200]
    assert len(winners) == 1, results
    assert losers == [USED] * (RACERS - 1)


def test_ten_concurrent_token_requests_with_one_proof(
    storage: str, m2m_client: Any
) -> None:
    """Ten client_credentials requests with the same proof: one token."""
    from better_auth.keys import get_signing_key

    get_signing_key()
    app, secret = m2m_client
    proof = make_proof(Holder())

    def request() -> tuple[int, dict[str, Any]]:
        return _answer(
            post_form(
                "/oauth2/token",
                {"grant_type": "client_credentials"},
                auth=(app.client_id, secret),
                headers={"DPoP": proof},
            )
        )

    _one_winner(race(RACERS, request))


def test_ten_concurrent_userinfo_calls_with_one_proof(storage: str, rp: Any) -> None:
    """Ten resource requests with the same proof and a bound token: one 200."""
    from django.test import Client

    from tests.conftest import BASE

    app, secret, user = rp
    holder = Holder()
    token = bound_login(app, secret, user, holder)["access_token"]
    proof = make_proof(holder, htm="GET", htu=USERINFO_URL, access_token=token)

    def request() -> tuple[int, dict[str, Any]]:
        return _answer(
            Client().get(
                BASE + "/oauth2/userinfo",
                headers={"authorization": f"DPoP {token}", "DPoP": proof},
            )
        )

    _one_winner(race(RACERS, request))
