"""A replayed client assertion under real concurrency (RFC 7523 §3 item 7).

Ten token requests carrying the same assertion, released together, each on
its own PostgreSQL connection: the jti gate is one upsert statement, so
exactly one request is authenticated. Skipped unless the database is
PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from better_auth_oauth_provider.services.clients import create_client
from tests.concurrency import race
from tests.oauth_provider.test_private_key_jwt import Key, jwk_set, token

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RACERS = 10


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")


def test_ten_concurrent_uses_of_one_assertion() -> None:
    """Exactly one of ten simultaneous presentations gets a token; the
    others are told the jti was already used."""
    key = Key("ES256")
    app, _ = create_client(
        {
            "client_name": "jwt-client",
            "grant_types": ["client_credentials"],
            "response_types": [],
            "token_endpoint_auth_method": "private_key_jwt",
            "jwks": jwk_set(key),
        },
        client_credentials_scopes=["read"],
    )
    assertion = key.sign(app.client_id)

    def present() -> tuple[int, dict[str, Any]]:
        response = token(assertion)
        return response.status_code, response.json()

    results = race(RACERS, present)
    winners = [body for status, body in results if status == 200]
    losers = [body for status, body in results if status != 200]
    assert len(winners) == 1
    assert losers == [
        {
            "error": "invalid_client",
            "error_description": "client assertion jti has already been used",
        }
    ] * (RACERS - 1)
