"""Our own OpenID provider as the upstream of our social login.

One live server plays both parts: ``better_auth_oauth_provider`` is the
OpenID Provider (a confidential client registered for the server's own
callback, ``skip_consent``), and the same server's social login has a
``GENERIC_OAUTH`` entry configured from nothing but the provider's
discovery URL. A user signed in at the provider side then signs in through
``/sign-in/social`` → ``/oauth2/authorize`` → ``/callback/self``, so
discovery (OIDC Discovery §4.3 issuer check), PKCE (RFC 7636), the nonce
(OIDC Core §3.1.2.1), RFC 9207 ``iss``, the token exchange and the ID
token verified against the provider's JWKS all run over real HTTP, through
the same code path as any external provider.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

pytestmark = [pytest.mark.interop, pytest.mark.django_db(transaction=True)]

PROVIDER_ID = "self"


def as_relying_party_user(profile: dict[str, Any]) -> dict[str, Any]:
    """Give the identity its own address, as a separate deployment would see it.

    Both roles share one user table here; without this the provider's user
    would simply be linked to itself.
    """
    return {"email": f"rp-{profile['sub']}@relying-party.test"}


@pytest.fixture
def self_upstream(
    live_server: Any, better_auth_settings: Callable[..., None]
) -> dict[str, Any]:
    from better_auth.keys import reset_cache
    from better_auth.social import discovery, id_token, reset
    from better_auth_oauth_provider.services.clients import create_client

    reset_cache()
    discovery.clear()
    id_token.jwks_cache.clear()
    reset()
    base = str(live_server.url)
    issuer = f"{base}/api/auth"
    app, secret = create_client(
        {
            "client_name": "own social login",
            # The live server is plain http on localhost, which RFC 8252 §7.3
            # allows native clients only.
            "application_type": "native",
            "redirect_uris": [f"{issuer}/callback/{PROVIDER_ID}"],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_post",
            "scope": "openid profile email offline_access",
        },
        skip_consent=True,
    )
    better_auth_settings(
        BASE_URL=base,
        OUTBOUND={"ALLOW_LOOPBACK": True},
        OAUTH_PROVIDER={"LOGIN_PAGE": f"{base}/login", "CONSENT_PAGE": f"{base}/c"},
        GENERIC_OAUTH=[
            {
                "PROVIDER_ID": PROVIDER_ID,
                "DISCOVERY_URL": f"{issuer}/.well-known/openid-configuration",
                "CLIENT_ID": app.client_id,
                "CLIENT_SECRET": secret,
                "SCOPES": ["email", "profile", "offline_access"],
                "MAP_PROFILE_TO_USER": as_relying_party_user,
            }
        ],
    )
    yield {"base": base, "issuer": issuer, "client_id": app.client_id}
    # The server thread of the last request closes its (shared, in-memory
    # SQLite) connection just after answering; let it finish first.
    time.sleep(0.3)
    reset_cache()


def test_second_user_signs_in_through_our_own_provider(self_upstream, user_factory):
    base, issuer = self_upstream["base"], self_upstream["issuer"]
    provider_user = user_factory(
        email="op-user@example.test", password="op-password-1", email_verified=True
    )
    browser = requests.Session()
    signed_in = browser.post(
        f"{base}/api/auth/sign-in/email",
        json={"email": "op-user@example.test", "password": "op-password-1"},
        headers={"Origin": base},
        timeout=30,
    )
    assert signed_in.status_code == 200, signed_in.text

    started = browser.post(
        f"{base}/api/auth/sign-in/social",
        json={"provider": PROVIDER_ID, "callbackURL": "/dashboard"},
        headers={"Origin": base},
        timeout=30,
    )
    assert started.status_code == 200, started.text
    authorize = started.json()["url"]
    assert authorize.startswith(f"{issuer}/oauth2/authorize?")
    sent = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
    assert sent["code_challenge_method"] == "S256" and len(sent["nonce"]) == 32

    # The provider side: signed in, skip_consent, so straight back with a code.
    answered = browser.get(
        authorize, headers={"Accept": "text/html"}, allow_redirects=False, timeout=30
    )
    assert answered.status_code == 302, answered.text
    callback = answered.headers["location"]
    back = parse_qs(urlsplit(callback).query)
    assert callback.startswith(f"{issuer}/callback/{PROVIDER_ID}?")
    assert back["iss"] == [issuer] and back["state"] == [sent["state"]]

    landed = browser.get(callback, allow_redirects=False, timeout=30)
    assert landed.status_code == 302, landed.text
    assert landed.headers["location"] == "/dashboard", landed.headers["location"]

    session = browser.get(f"{base}/api/auth/get-session", timeout=10).json()
    expected = f"rp-{provider_user.pk}@relying-party.test".lower()
    assert session["user"]["email"] == expected
    assert session["user"]["id"] != provider_user.pk

    from better_auth.models import Account

    account = Account.objects.get(provider_id=PROVIDER_ID)
    assert (account.issuer, account.account_id) == (issuer, provider_user.pk)
    assert account.user.email == expected
    assert account.id_token and account.refresh_token

    # The same provider's refresh token works through /refresh-token.
    refreshed = browser.post(
        f"{base}/api/auth/refresh-token",
        json={"accountId": account.id},
        headers={"Origin": base},
        timeout=30,
    )
    assert refreshed.status_code == 200, refreshed.text
    browser.close()
