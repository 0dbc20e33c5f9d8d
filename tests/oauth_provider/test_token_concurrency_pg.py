"""Single use under real concurrency on PostgreSQL (RFC 6749 §4.1.2, §10.5).

Each request runs in its own thread with its own connection, all released
together by a barrier, so the statements genuinely overlap. Skipped unless
the database is PostgreSQL (SQLite in memory has one connection).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from tests.concurrency import race
from tests.oauth_provider.test_token import (
    issue_code,
    login_tokens,
    pkce_pair,
    redeem,
    refresh,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RACERS = 10


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")


def _answer(response: Any) -> tuple[int, dict[str, Any]]:
    return response.status_code, response.json()


@pytest.fixture
def rp(trusted_client: tuple[Any, str], signed_in_api: Any) -> tuple[Any, str, Any]:
    from better_auth.keys import get_signing_key

    get_signing_key()  # mint the key before the threads need it
    app, secret = trusted_client
    return app, secret, signed_in_api.user


def test_ten_concurrent_redemptions_of_one_code(rp: Any) -> None:
    """Exactly one of ten redemptions wins; afterwards no token is live.

    The single-use gate is one conditional UPDATE, so one request changes
    the row. Every other request is a second use of the code: RFC 6749
    §4.1.2 says the server MUST deny it and SHOULD revoke every token
    issued from the code, so the winner's tokens are revoked as well. This
    is deterministic: a loser either blocks on the winner's row lock until
    the winner (tokens included) commits, or reads the spent code after
    that commit; either way its revocation sees the winner's tokens.
    """
    from oauth2_provider.models import AccessToken, RefreshToken

    app, secret, user = rp
    verifier, challenge = pkce_pair()
    code = issue_code(app, user, challenge=challenge)

    results = race(RACERS, lambda: _answer(redeem(app, secret, code, verifier)))

    winners = [body for status, body in results if status == 200]
    losers = [body for status, body in results if status != 200]
    assert len(winners) == 1
    assert len(losers) == RACERS - 1
    assert all(
        body == {"error": "invalid_grant", "error_description": "invalid code"}
        for body in losers
    )
    assert AccessToken.objects.count() == 0
    assert RefreshToken.objects.count() == 0


def test_ten_concurrent_refreshes_of_one_token(rp: Any) -> None:
    """Exactly one of ten rotations wins; no loser mints a token.

    Rotation is a compare-and-set on ``revoked`` (retry window off). A
    loser that read the token before the winner committed loses the CAS
    (invalid_grant). One that reads it afterwards presents a rotated token,
    which RFC 9700 §4.14.2 treats as a replay and answers by removing the
    family, the winner's new tokens included. So the only tokens that may
    remain live are the winner's and the original access token.
    """
    from oauth2_provider.models import AccessToken, RefreshToken

    from better_auth_oauth_provider.oauth.digests import token_digest

    app, secret, user = rp
    body = login_tokens(app, secret, user)

    results = race(RACERS, lambda: _answer(refresh(app, secret, body["refresh_token"])))

    winners = [data for status, data in results if status == 200]
    losers = [data for status, data in results if status != 200]
    assert len(winners) == 1
    assert all(data["error"] == "invalid_grant" for data in losers)
    allowed_refresh = {token_digest(winners[0]["refresh_token"])}
    live_refresh = set(
        RefreshToken.objects.filter(revoked__isnull=True).values_list(
            "token_checksum", flat=True
        )
    )
    assert live_refresh <= allowed_refresh
    allowed_access = {
        token_digest(winners[0]["access_token"]),
        token_digest(body["access_token"]),
    }
    issued = set(AccessToken.objects.values_list("token_checksum", flat=True))
    assert issued <= allowed_access


def test_ten_concurrent_refreshes_inside_the_retry_window(
    rp: Any, oauth_settings: Any
) -> None:
    """With a retry window every racer gets the one rotation's response.

    Losers of the compare-and-set wait for the winner's commit, then find
    its stored response (Better Auth's reuse interval, surface §10).
    """
    from oauth2_provider.models import RefreshToken

    oauth_settings(REFRESH_TOKEN_RETRY_WINDOW=30)
    app, secret, user = rp
    body = login_tokens(app, secret, user)

    results = race(RACERS, lambda: _answer(refresh(app, secret, body["refresh_token"])))

    assert all(status == 200 for status, _ in results)
    assert len({data["refresh_token"] for _, data in results}) == 1
    assert len({data["access_token"] for _, data in results}) == 1
    assert RefreshToken.objects.count() == 2
