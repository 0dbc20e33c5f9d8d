"""An authorization of our OpenID provider resumed after a social sign-in.

The provider's login page offers a social button: it posts
``/sign-in/social`` with the signed ``oauth_query`` it received
(oauth-provider surface §1.4). The continuation rides in the social flow's
stored state, and when the provider callback signs the user in the
authorization continues, so the browser lands on the client's redirect URI
with a code (RFC 6749 §4.1.2) and the RFC 9207 ``iss``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from better_auth.models import Session

from .conftest import PROVIDER, error_of, finish

pytestmark = pytest.mark.django_db

LOGIN_PAGE = "http://testserver/login"
ISSUER = "http://testserver/api/auth"
CLIENT_REDIRECT = "https://app.example.test/cb"
CHALLENGE = "rUGXoN2_j5qkiEzx9kqEW2ih_AJcHh5iQSt75uNnM3E"


@pytest.fixture
def setup(social: Any) -> tuple[Any, Any]:
    from better_auth.keys import reset_cache
    from better_auth_oauth_provider.services.clients import create_client

    reset_cache()
    op = social(
        extra_settings={
            "OAUTH_PROVIDER": {
                "LOGIN_PAGE": LOGIN_PAGE,
                "CONSENT_PAGE": "http://testserver/consent",
            }
        }
    )
    app, _ = create_client(
        {
            "client_name": "rp",
            "redirect_uris": [CLIENT_REDIRECT],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_basic",
        },
        skip_consent=True,
    )
    yield op, app
    reset_cache()


def _login_page_query(api: Any, client_id: str, **extra: str) -> str:
    response = api.get(
        "/oauth2/authorize",
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": CLIENT_REDIRECT,
            "scope": "openid email",
            "state": "rp-state",
            "code_challenge": CHALLENGE,
            "code_challenge_method": "S256",
            **extra,
        },
        headers={"accept": "text/html"},
    )
    assert response.status_code == 302, response.content
    url = response.headers["Location"]
    assert url.startswith(LOGIN_PAGE + "?")
    return urlsplit(url).query


def _social(api: Any, **body: Any) -> dict[str, str]:
    response = api.post(
        "/sign-in/social", {"provider": PROVIDER, "callbackURL": "/home", **body}
    )
    assert response.status_code == 200, response.content
    return {
        k: v[0] for k, v in parse_qs(urlsplit(response.json()["url"]).query).items()
    }


@pytest.mark.parametrize("key", ["oauth_query", "oauthQuery"])
def test_callback_resumes_the_authorization(api, setup, key):
    """The callback's 302 goes to the client with a code for the new session."""
    op, app = setup
    query = _login_page_query(api, app.client_id, prompt="login")
    params = _social(api, **{key: query})
    op.answer_tokens(nonce=params["nonce"])
    response = finish(api, params, iss=op.issuer)
    assert response.status_code == 302, response.content
    landed = response["Location"]
    assert landed.startswith(CLIENT_REDIRECT + "?"), landed
    back = {k: v[0] for k, v in parse_qs(urlsplit(landed).query).items()}
    assert back["state"] == "rp-state"
    assert back["iss"] == ISSUER
    assert back["code"]
    session = Session.objects.get()
    assert response.cookies["better-auth.session_token"].value.startswith(
        session.token + "."
    )
    from oauth2_provider.models import Grant

    from better_auth_oauth_provider.oauth.digests import token_digest

    grant = Grant.objects.get(code=token_digest(back["code"]))
    assert grant.user_id == session.user_id
    assert grant.redirect_uri == CLIENT_REDIRECT


def test_tampered_continuation_refused_before_the_provider(api, setup):
    """A continuation we did not sign never reaches the social flow."""
    _, app = setup
    query = _login_page_query(api, app.client_id)
    response = api.post(
        "/sign-in/social",
        {"provider": PROVIDER, "oauth_query": query.replace("rp-state", "evil")},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_signature"


def test_failed_callback_does_not_resume(api, setup):
    """No session, no authorization: the usual error redirect."""
    op, app = setup
    params = _social(api, oauth_query=_login_page_query(api, app.client_id))
    op.answer_tokens(nonce="not-the-nonce")
    response = finish(api, params, iss=op.issuer)
    assert error_of(response) == "unable_to_get_user_info"


def test_social_sign_in_without_continuation_is_unchanged(api, setup):
    op, _ = setup
    params = _social(api)
    op.answer_tokens(nonce=params["nonce"])
    assert finish(api, params, iss=op.issuer)["Location"] == "/home"
