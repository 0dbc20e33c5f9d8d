"""The provider registry and built-in providers' authorization requests."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from django.core.exceptions import ImproperlyConfigured

from better_auth.social import BUILTIN_PROVIDERS, get_provider, providers

from .conftest import PROVIDER, finish, start

pytestmark = pytest.mark.django_db


def _params(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _url(provider_id: str, **kw) -> dict[str, str]:
    provider = get_provider(provider_id)
    return _params(
        provider.authorization_url(
            state="s", code_verifier="v" * 43, redirect_uri="https://app/cb", **kw
        )
    )


def test_all_builtins_configure(better_auth_settings):
    extra = {
        "cognito": {
            "DOMAIN": "auth.example.com",
            "REGION": "eu-west-1",
            "USER_POOL_ID": "p",
        },
    }
    better_auth_settings(
        SOCIAL_PROVIDERS={
            pid: {"CLIENT_ID": "id", "CLIENT_SECRET": "secret", **extra.get(pid, {})}
            for pid in BUILTIN_PROVIDERS
        }
    )
    configured = providers()
    assert set(configured) == set(BUILTIN_PROVIDERS)
    for provider in configured.values():
        params = _params(
            provider.authorization_url(
                state="s", code_verifier="v" * 43, redirect_uri="https://app/cb"
            )
        )
        assert params["code_challenge_method"] == "S256"
        assert params["client_id"] == "id"


def test_google_incremental_and_offline(better_auth_settings):
    better_auth_settings(
        SOCIAL_PROVIDERS={
            "google": {"CLIENT_ID": "g", "CLIENT_SECRET": "s", "ACCESS_TYPE": "offline"}
        }
    )
    params = _url("google", nonce="n")
    assert params["include_granted_scopes"] == "true"
    assert params["access_type"] == "offline"
    assert params["scope"] == "email profile openid"
    assert params["nonce"] == "n"
    assert get_provider("google").account_issuer == "https://accounts.google.com"


def test_google_include_granted_scopes_off(better_auth_settings):
    better_auth_settings(
        SOCIAL_PROVIDERS={
            "google": {
                "CLIENT_ID": "g",
                "CLIENT_SECRET": "s",
                "INCLUDE_GRANTED_SCOPES": False,
            }
        }
    )
    assert "include_granted_scopes" not in _url("google")


def test_cognito_identity_provider_and_entra_domain_hint(better_auth_settings):
    better_auth_settings(
        SOCIAL_PROVIDERS={
            "cognito": {
                "CLIENT_ID": "c",
                "CLIENT_SECRET": "s",
                "DOMAIN": "auth.example.com",
                "REGION": "eu-west-1",
                "USER_POOL_ID": "pool",
                "IDENTITY_PROVIDER": "Google",
            },
            "microsoft": {"CLIENT_ID": "m", "CLIENT_SECRET": "s", "TENANT_ID": "t1"},
        }
    )
    assert _url("cognito")["identity_provider"] == "Google"
    params = _url("microsoft", additional_params={"domain_hint": "example.com"})
    assert params["domain_hint"] == "example.com"
    assert (
        get_provider("microsoft").issuer == "https://login.microsoftonline.com/t1/v2.0"
    )


def test_github_is_plain_oauth(better_auth_settings):
    better_auth_settings(
        SOCIAL_PROVIDERS={"github": {"CLIENT_ID": "g", "CLIENT_SECRET": "s"}}
    )
    params = _url("github")
    assert "nonce" not in params and params["scope"] == "read:user user:email"
    assert get_provider("github").account_issuer == "local:oauth:github"


def test_unknown_option_and_provider_refused(better_auth_settings):
    better_auth_settings(
        SOCIAL_PROVIDERS={"github": {"CLIENT_ID": "g", "CLIENTSECRET": "s"}}
    )
    with pytest.raises(ImproperlyConfigured, match="CLIENTSECRET"):
        providers()
    better_auth_settings(SOCIAL_PROVIDERS={"myspace": {"CLIENT_ID": "g"}})
    with pytest.raises(ImproperlyConfigured, match="myspace"):
        providers()


def test_secretless_method_with_secret_refused(better_auth_settings):
    better_auth_settings(
        SOCIAL_PROVIDERS={
            "github": {
                "CLIENT_ID": "g",
                "CLIENT_SECRET": "s",
                "TOKEN_ENDPOINT_AUTH": "none",
            }
        }
    )
    with pytest.raises(ImproperlyConfigured):
        providers()


def test_private_key_jwt_client_assertion(api, social, fake_op):
    """RFC 7523 §3: iss = sub = client id, aud = token endpoint, short-lived, jti."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    op = social(
        CLIENT_SECRET=None,
        TOKEN_ENDPOINT_AUTH={
            "METHOD": "private_key_jwt",
            "PRIVATE_KEY": pem,
            "KID": "rp1",
        },
    )
    params = start(api)
    op.answer_tokens(nonce=params["nonce"])
    finish(api, params, iss=op.issuer)
    form = [r for r in op.requests if r["method"] == "POST"][0]["form"]
    assert "client_secret" not in form
    assert form["client_assertion_type"] == (
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    )
    claims = jwt.decode(
        form["client_assertion"],
        key.public_key(),
        algorithms=["RS256"],
        audience=op.url + "/token",
    )
    assert claims["iss"] == claims["sub"] == "client-a"
    assert claims["exp"] - claims["iat"] == 120 and claims["jti"]
    assert jwt.get_unverified_header(form["client_assertion"])["kid"] == "rp1"


def test_explicit_endpoints_without_discovery(api, fake_op, better_auth_settings):
    better_auth_settings(
        OUTBOUND={"ALLOW_LOOPBACK": True},
        GENERIC_OAUTH=[
            {
                "PROVIDER_ID": PROVIDER,
                "AUTHORIZATION_URL": fake_op.url + "/authorize",
                "TOKEN_URL": fake_op.url + "/token",
                "USER_INFO_URL": fake_op.url + "/userinfo",
                "CLIENT_ID": "client-a",
                "CLIENT_SECRET": "s",
            }
        ],
    )
    params = start(api)
    assert "nonce" not in params
    fake_op.token_answer = lambda form: (
        200,
        {"access_token": "a", "token_type": "Bearer"},
    )
    fake_op.userinfo = {"id": 42, "email": "plain@example.test", "name": "Plain"}
    response = finish(api, params)
    assert response["Location"] == "/home"
    from better_auth.models import Account

    account = Account.objects.get()
    assert (account.issuer, account.account_id) == (f"local:oauth:{PROVIDER}", "42")
