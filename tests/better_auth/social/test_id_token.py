"""Identity-token verification (OIDC Core §3.1.3.7, RFC 8725 §3.1-3.2).

Tokens are checked against the loopback provider's JWKS, fetched through
the outbound client; the id-token sign-in flow answers 401 INVALID_TOKEN
for every refused token.
"""

from __future__ import annotations

import time

import pytest

from better_auth.models import Account, User
from better_auth.social import get_provider
from better_auth.social.id_token import IdTokenError

from .conftest import CLIENT_ID, PROVIDER

pytestmark = pytest.mark.django_db


def _sign_in(api, token, **extra):
    return api.post(
        "/sign-in/social",
        {"provider": PROVIDER, "idToken": {"token": token, **extra}},
    )


def test_valid_token_signs_in(api, social):
    op = social()
    response = _sign_in(api, op.id_token())
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["redirect"] is False
    assert body["token"]
    assert body["user"]["email"] == "ext@example.test"
    assert response.cookies["better-auth.session_token"].value
    account = Account.objects.get()
    assert (account.issuer, account.account_id) == (op.issuer, "sub-1")


@pytest.mark.parametrize(
    "case",
    [
        "forged",
        "expired",
        "wrong_aud",
        "wrong_iss",
        "alg_none",
        "hs256_with_public_key",
        "unknown_kid",
        "no_sub",
        "several_aud_without_azp",
        "foreign_azp",
        "nonce_mismatch",
        "not_a_jwt",
    ],
)
def test_refused_tokens(api, social, case):
    op = social()
    now = int(time.time())
    extra = {}
    if case == "forged":
        op.add_key("evil", publish=False)
        token = op.sign(op.claims(), kid="evil")
        token = token.replace(token.split(".")[0], op.id_token().split(".")[0])
    elif case == "expired":
        token = op.id_token(iat=now - 7200, exp=now - 3600)
    elif case == "wrong_aud":
        token = op.id_token(aud="someone-else")
    elif case == "wrong_iss":
        token = op.id_token(iss="https://evil.example")
    elif case == "alg_none":
        token = op.sign(op.claims(), alg="none")
    elif case == "hs256_with_public_key":
        token = op.sign(op.claims(), alg="HS256")
    elif case == "unknown_kid":
        op.add_key("k2", publish=False)
        token = op.id_token(kid="k2")
    elif case == "no_sub":
        token = op.sign({k: v for k, v in op.claims().items() if k != "sub"})
    elif case == "several_aud_without_azp":
        token = op.id_token(aud=[CLIENT_ID, "other"])
    elif case == "foreign_azp":
        token = op.id_token(aud=[CLIENT_ID, "other"], azp="other")
    elif case == "nonce_mismatch":
        token = op.id_token(nonce="n-1")
        extra = {"nonce": "n-2"}
    else:
        token = "not-a-jwt"
    response = _sign_in(api, token, **extra)
    assert response.status_code == 401, response.content
    assert response.json()["code"] == "INVALID_TOKEN"
    assert not User.objects.exists()


def test_several_audiences_with_our_azp_accepted(api, social):
    op = social()
    token = op.id_token(aud=[CLIENT_ID, "other"], azp=CLIENT_ID)
    assert _sign_in(api, token).status_code == 200


def test_unknown_kid_refetches_once_then_accepts_rotated_key(api, social):
    op = social()
    assert _sign_in(api, op.id_token()).status_code == 200
    fetches = op.jwks_fetches
    op.add_key("k2")  # rotation: published after our cache was filled
    response = api.post(
        "/sign-in/social",
        {"provider": PROVIDER, "idToken": {"token": op.id_token(kid="k2")}},
    )
    assert response.status_code == 200
    assert op.jwks_fetches == fetches + 1
    # A still-unknown kid costs exactly one refetch per verification.
    op.add_key("k3", publish=False)
    assert _sign_in(api, op.id_token(kid="k3")).status_code == 401
    assert op.jwks_fetches == fetches + 2


def test_algorithm_allowlist_comes_from_discovery(api, social):
    """A token in an algorithm the provider does not advertise is refused."""
    op = social()
    op.discovery_extra = {"id_token_signing_alg_values_supported": ["ES256"]}
    assert _sign_in(api, op.id_token()).status_code == 401


def test_verify_id_token_reasons(social):
    op = social()
    provider = get_provider(PROVIDER)
    with pytest.raises(IdTokenError, match="nonce binding missing"):
        provider.verify_id_token(op.id_token(), nonce=None, require_nonce=True)
    claims = provider.verify_id_token(op.id_token(nonce="n"), nonce="n")
    assert claims["sub"] == "sub-1"


def test_id_token_not_supported_without_jwks(api, fake_op, better_auth_settings):
    better_auth_settings(
        OUTBOUND={"ALLOW_LOOPBACK": True},
        GENERIC_OAUTH=[
            {
                "PROVIDER_ID": "plain",
                "AUTHORIZATION_URL": fake_op.url + "/authorize",
                "TOKEN_URL": fake_op.url + "/token",
                "USER_INFO_URL": fake_op.url + "/userinfo",
                "CLIENT_ID": "c",
                "CLIENT_SECRET": "s",
            }
        ],
    )
    response = api.post(
        "/sign-in/social", {"provider": "plain", "idToken": {"token": "a.b.c"}}
    )
    assert response.status_code == 404
    assert response.json()["code"] == "ID_TOKEN_NOT_SUPPORTED"


def test_require_email_verification_withholds_session(api, social):
    op = social(REQUIRE_EMAIL_VERIFICATION=True)
    response = _sign_in(api, op.id_token(email_verified=False))
    assert response.status_code == 403
    assert response.json()["code"] == "EMAIL_NOT_VERIFIED"
    assert User.objects.filter(email="ext@example.test").exists()
