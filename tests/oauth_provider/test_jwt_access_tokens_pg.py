"""Resource tokens under real concurrency on PostgreSQL.

Single use of a code that yields a JWT (RFC 6749 §4.1.2) and the one-row
rules of the resource tables, with overlapping requests on their own
connections. Skipped unless the database is PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from better_auth_oauth_provider.models import ClientResource, Resource
from tests.concurrency import race
from tests.oauth_provider.test_resources import API, link
from tests.oauth_provider.test_token import issue_code, pkce_pair, redeem, refresh

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RACERS = 10


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")


@pytest.fixture
def rp(trusted_client: tuple[Any, str], signed_in_api: Any) -> tuple[Any, str, Any]:
    from better_auth.keys import get_signing_key

    get_signing_key()
    app, secret = trusted_client
    link(app, API)
    return app, secret, signed_in_api.user


def test_ten_concurrent_redemptions_of_a_resource_code(rp: Any) -> None:
    """One JWT is issued; the losers are a second use of the code, so the
    winner's refresh token is revoked with its lineage (RFC 6749 §10.5)."""
    from oauth2_provider.models import RefreshToken

    app, secret, user = rp
    verifier, challenge = pkce_pair()
    code = issue_code(app, user, challenge=challenge, resources=[API])

    def attempt() -> tuple[int, dict[str, Any]]:
        response = redeem(app, secret, code, verifier)
        return response.status_code, response.json()

    results = race(RACERS, attempt)
    winners = [body for status, body in results if status == 200]
    assert len(winners) == 1
    assert winners[0]["access_token"].count(".") == 2
    assert RefreshToken.objects.count() == 0
    assert refresh(app, secret, winners[0]["refresh_token"]).status_code == 400


def test_concurrent_links_make_one_row(rp: Any) -> None:
    """The (client, resource) pair is unique; concurrent links all succeed
    and exactly one of them created the row."""
    from better_auth_oauth_provider.services.resources import link_client

    app, _secret, _user = rp
    other = Resource.objects.create(identifier="https://files.example.test")
    results = race(RACERS, lambda: link_client(other.identifier, app))
    assert sorted(results) == [False] * (RACERS - 1) + [True]
    assert ClientResource.objects.filter(resource=other).count() == 1


def test_concurrent_seeding_makes_one_row_per_identifier(oauth_settings: Any) -> None:
    """Seeding from several processes at once: one row each, no error."""
    from better_auth_oauth_provider.services.resources import seed_resources

    entries = [API, "https://files.example.test"]
    race(RACERS, lambda: seed_resources(entries, "insert_only"))
    assert Resource.objects.count() == 2
