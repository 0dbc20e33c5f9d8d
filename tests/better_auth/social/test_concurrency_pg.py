"""One-time OAuth state and single refresh under real concurrency (PostgreSQL).

RFC 6749 §10.12 / RFC 9700 §4.7.1: a state is redeemed once. The state row
is consumed by one ``DELETE ... RETURNING``, so of many simultaneous
callbacks carrying the same state and cookie only one reaches the token
endpoint. Concurrent ``/get-access-token`` calls on an expiring token
refresh it once (row lock), so a rotating refresh token is not spent twice.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection

from better_auth import clock
from better_auth.models import Account, Session
from tests.concurrency import race
from tests.conftest import AuthClient

from .conftest import PROVIDER, start

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RACERS = 8


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")


def _clone(api: AuthClient) -> AuthClient:
    other = AuthClient()
    for name, morsel in api.cookies.items():
        other.cookies[name] = morsel.value
    return other


def test_state_redeemed_once_under_concurrency(social: Any) -> None:
    op = social()
    api = AuthClient()
    params = start(api)
    op.answer_tokens(nonce=params["nonce"])
    clients = [_clone(api) for _ in range(RACERS)]
    it = iter(clients)

    def work() -> str:
        client = next(it)
        response = client.get(
            f"/callback/{PROVIDER}",
            {"code": "code-1", "state": params["state"], "iss": op.issuer},
        )
        return response["Location"]

    locations = race(RACERS, work)
    assert sorted(locations).count("/home") == 1, locations
    assert all("error=state_mismatch" in loc for loc in locations if loc != "/home")
    token_posts = [r for r in op.requests if r["method"] == "POST"]
    assert len(token_posts) == 1
    assert Session.objects.count() == 1


def test_concurrent_get_access_token_refreshes_once(social: Any) -> None:
    op = social()
    api = AuthClient()
    params = start(api)
    op.answer_tokens(nonce=params["nonce"])
    api.get(
        f"/callback/{PROVIDER}",
        {"code": "c", "state": params["state"], "iss": op.issuer},
    )
    account = Account.objects.get(provider_id=PROVIDER)
    Account.objects.filter(pk=account.pk).update(
        access_token_expires_at=clock.now() + timedelta(seconds=1)
    )
    refreshes: list[str] = []

    def answer(form: dict[str, str]) -> tuple[int, Any]:
        refreshes.append(form["refresh_token"])
        return 200, {"access_token": f"at-{len(refreshes)}", "expires_in": 600}

    op.token_answer = answer
    clients = [_clone(api) for _ in range(RACERS)]
    it = iter(clients)

    def work() -> str:
        client = next(it)
        return client.post("/get-access-token", {"accountId": account.id}).json()[
            "accessToken"
        ]

    tokens = race(RACERS, work)
    assert len(refreshes) == 1
    assert set(tokens) == {"at-1"}
