"""Per-provider options and per-request parameters of the social flow.

``ALLOW_IDP_INITIATED`` (a provider-started login restarted safely),
``REQUIRE_EMAIL_VERIFICATION`` on the redirect flow, reserved
``additionalParams``, and the provider-specific authorization parameters
(Google offline / incremental access, Entra ``domain_hint``, Cognito
``identity_provider``) as a client sends them through ``/sign-in/social``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from better_auth.models import Account, User
from better_auth.social.base import RESERVED_AUTHORIZATION_PARAMS

from .conftest import CLIENT_ID, CLIENT_SECRET, PROVIDER, error_of, finish, start

pytestmark = pytest.mark.django_db


def _token_requests(op: Any) -> list[dict[str, Any]]:
    return [r for r in op.requests if r["method"] == "POST" and r["path"] == "/token"]


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


class TestIdpInitiated:
    def test_code_without_state_restarts_with_fresh_state_and_pkce(self, api, social):
        """RFC 6749 §10.12 / RFC 9700 §4.7: the unsolicited code is never redeemed;
        the login restarts bound to this browser (state cookie, PKCE)."""
        op = social(ALLOW_IDP_INITIATED=True)
        response = api.get(f"/callback/{PROVIDER}", {"code": "unsolicited"})
        assert response.status_code == 302
        url = response["Location"]
        assert url.startswith(op.url + "/authorize?")
        params = _query(url)
        assert len(params["state"]) == 32
        assert params["code_challenge_method"] == "S256"
        assert response.cookies["better-auth.state"].value.startswith(params["state"])
        assert _token_requests(op) == []
        assert "better-auth.session_token" not in response.cookies
        # The restarted flow completes like any other.
        op.answer_tokens(nonce=params["nonce"])
        done = finish(api, params, iss=op.issuer)
        assert done.status_code == 302 and "error=" not in done["Location"]
        assert done.cookies["better-auth.session_token"].value
        assert _token_requests(op)[0]["form"]["code"] == "code-1"

    def test_off_by_default(self, api, social):
        op = social()
        response = api.get(f"/callback/{PROVIDER}", {"code": "unsolicited"})
        assert error_of(response) == "state_not_found"
        assert _token_requests(op) == []


def test_require_email_verification_on_the_redirect_flow(api, social):
    """The user and account exist, but no session until the email is verified."""
    op = social(REQUIRE_EMAIL_VERIFICATION=True)
    params = start(api)
    op.answer_tokens(nonce=params["nonce"], email_verified=False)
    response = finish(api, params, iss=op.issuer)
    assert error_of(response) == "email_not_verified"
    assert "better-auth.session_token" not in response.cookies
    user = User.objects.get(email="ext@example.test")
    assert not user.email_verified
    assert Account.objects.filter(user=user, provider_id=PROVIDER).exists()


def test_verified_provider_email_passes_require_email_verification(api, social):
    op = social(REQUIRE_EMAIL_VERIFICATION=True)
    params = start(api)
    op.answer_tokens(nonce=params["nonce"])
    response = finish(api, params, iss=op.issuer)
    assert response["Location"] == "/home"


@pytest.mark.parametrize("key", sorted(RESERVED_AUTHORIZATION_PARAMS))
@pytest.mark.parametrize("path", ["/sign-in/social", "/link-social"])
def test_every_reserved_additional_param_refused(api, social, user_factory, key, path):
    """core-surface §3.2: the flow's own parameters cannot be overridden."""
    social()
    if path == "/link-social":
        user_factory(email="me@example.test", password="me-password-1")
        assert api.sign_in("me@example.test", "me-password-1").status_code == 200
    response = api.post(path, {"provider": PROVIDER, "additionalParams": {key: "x"}})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "VALIDATION_ERROR"
    assert f"additionalParams.{key}" in body["message"]


class TestTokenEndpointAuth:
    def test_client_secret_post(self, api, social):
        """Case 31: post sends id and secret in the body, no Authorization."""
        op = social(TOKEN_ENDPOINT_AUTH="client_secret_post")
        params = start(api)
        op.answer_tokens(nonce=params["nonce"])
        finish(api, params, iss=op.issuer)
        (request,) = _token_requests(op)
        assert "Authorization" not in request["headers"]
        assert request["form"]["client_id"] == CLIENT_ID
        assert request["form"]["client_secret"] == CLIENT_SECRET

    def test_public_client_never_sends_basic(self, api, social):
        """Case 31: without a secret, never ``Basic base64("client-a:null")``."""
        op = social(CLIENT_SECRET=None)
        params = start(api)
        op.answer_tokens(nonce=params["nonce"])
        finish(api, params, iss=op.issuer)
        (request,) = _token_requests(op)
        assert "Authorization" not in request["headers"]
        assert request["form"]["client_id"] == CLIENT_ID
        assert "client_secret" not in request["form"]


def _builtin(api, better_auth_settings, provider_id: str, options: dict, **body):
    better_auth_settings(
        SOCIAL_PROVIDERS={
            provider_id: {"CLIENT_ID": "cid", "CLIENT_SECRET": "secret", **options}
        }
    )
    response = api.post(
        "/sign-in/social",
        {"provider": provider_id, "callbackURL": "/home", **body},
    )
    assert response.status_code == 200, response.content
    return _query(response.json()["url"])


def test_google_offline_and_incremental_access_per_request(api, better_auth_settings):
    """Google: ``include_granted_scopes=true`` by default (incremental auth) and
    ``access_type=offline`` + ``prompt=consent`` asked for by the request."""
    params = _builtin(
        api,
        better_auth_settings,
        "google",
        {},
        scopes=["https://www.googleapis.com/auth/drive.readonly"],
        additionalParams={"access_type": "offline", "prompt": "consent"},
    )
    assert params["include_granted_scopes"] == "true"
    assert params["access_type"] == "offline"
    assert params["prompt"] == "consent"
    assert params["scope"].split() == [
        "email",
        "profile",
        "openid",
        "https://www.googleapis.com/auth/drive.readonly",
    ]


def test_entra_domain_hint_per_request(api, better_auth_settings):
    params = _builtin(
        api,
        better_auth_settings,
        "microsoft",
        {"TENANT_ID": "t1"},
        additionalParams={"domain_hint": "contoso.com"},
    )
    assert params["domain_hint"] == "contoso.com"


def test_cognito_identity_provider_configured_or_per_request(api, better_auth_settings):
    cognito = {
        "DOMAIN": "auth.example.com",
        "REGION": "eu-west-1",
        "USER_POOL_ID": "pool",
        "IDENTITY_PROVIDER": "Google",
    }
    params = _builtin(api, better_auth_settings, "cognito", cognito)
    assert params["identity_provider"] == "Google"
    params = _builtin(
        api,
        better_auth_settings,
        "cognito",
        cognito,
        additionalParams={"identity_provider": "SAML-Corp"},
    )
    assert params["identity_provider"] == "SAML-Corp"
