"""ID tokens (OIDC Core §2, §3.1.3.6, §3.1.3.7) as Better Auth 1.7 issues them."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import jwt
import pytest

from better_auth.keys import public_jwks
from tests.oauth_provider.conftest import ISSUER
from tests.oauth_provider.test_token import (
    issue_code,
    login_tokens,
    pkce_pair,
    redeem,
    refresh,
    session_of,
)


def _verify(token: str, audience: str) -> dict[str, Any]:
    """Verify against the published JWKS with PyJWT (an independent check)."""
    kid = jwt.get_unverified_header(token)["kid"]
    jwk = next(k for k in public_jwks()["keys"] if k["kid"] == kid)
    key = jwt.PyJWK(jwk)
    return jwt.decode(
        token, key.key, algorithms=[jwk["alg"]], audience=audience, issuer=ISSUER
    )


def _left_half(token: str, hash_name: str) -> str:
    digest = hashlib.new(hash_name, token.encode()).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode()


def test_id_token_claims(rp: Any) -> None:
    """Transcript A/token-authorization-code: the claim set and header.

    ``aud`` is the client id string (so no ``azp``, OIDC Core §2), ``acr`` is
    "0", ``auth_time`` is the session's sign-in time, ``sid`` its id (the
    client takes part in logout), and profile or email claims are left to
    UserInfo (Better Auth 1.7).
    """
    app, secret, user = rp
    body = login_tokens(app, secret, user, nonce="n-0S6_WzA2Mj")
    header = jwt.get_unverified_header(body["id_token"])
    assert set(header) == {"alg", "kid"}
    assert header["alg"] == "EdDSA"
    claims = _verify(body["id_token"], app.client_id)
    assert set(claims) == {
        "auth_time",
        "acr",
        "at_hash",
        "iss",
        "sub",
        "aud",
        "nonce",
        "iat",
        "exp",
        "sid",
    }
    session = session_of(user)
    assert claims["iss"] == ISSUER
    assert claims["sub"] == str(user.pk)
    assert claims["aud"] == app.client_id
    assert claims["nonce"] == "n-0S6_WzA2Mj"
    assert claims["acr"] == "0"
    assert claims["sid"] == str(session.id)
    assert claims["auth_time"] == int(session.created_at.timestamp())
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["at_hash"] == _left_half(body["access_token"], "sha512")


def test_no_sid_for_clients_outside_logout(
    oauth_client_factory: Any, signed_in_api: Any
) -> None:
    """Surface §6.1: ``sid`` only for clients with end-session or back-channel."""
    app, secret = oauth_client_factory(skip_consent=True)
    body = login_tokens(app, secret, signed_in_api.user)
    assert "sid" not in jwt.decode(
        body["id_token"], options={"verify_signature": False}
    )


def test_no_id_token_without_openid(rp: Any) -> None:
    """OIDC Core §3.1.2.1: an ID token only for an ``openid`` request."""
    app, secret, user = rp
    body = login_tokens(app, secret, user, scope="profile offline_access")
    assert "id_token" not in body


@pytest.mark.parametrize(
    ("alg", "hash_name"),
    [("EdDSA", "sha512"), ("ES256", "sha256"), ("RS256", "sha256")],
)
def test_signing_algorithms_and_at_hash(
    rp: Any, oauth_settings: Any, alg: str, hash_name: str
) -> None:
    """OIDC Core §3.1.3.6: ``at_hash`` uses the hash of the JWS algorithm.

    EdDSA (Ed25519) pairs with SHA-512, as Better Auth and openid-client do.
    """
    oauth_settings(SIGNING_ALGORITHM=alg)
    app, secret, user = rp
    body = login_tokens(app, secret, user)
    assert jwt.get_unverified_header(body["id_token"])["alg"] == alg
    claims = _verify(body["id_token"], app.client_id)
    assert claims["at_hash"] == _left_half(body["access_token"], hash_name)


def test_custom_claims_cannot_overwrite_reserved(rp: Any, oauth_settings: Any) -> None:
    """Surface §13.37: reserved protocol claims are stripped from the hook."""
    reserved = {
        name: "forged"
        for name in (
            "iss",
            "sub",
            "aud",
            "exp",
            "iat",
            "nbf",
            "jti",
            "auth_time",
            "nonce",
            "acr",
            "amr",
            "azp",
            "sid",
            "at_hash",
            "c_hash",
            "s_hash",
            "cnf",
        )
    }
    oauth_settings(
        CUSTOM_ID_TOKEN_CLAIMS=lambda info: {
            **reserved,
            "https://example.test/tenant": "acme",
            "name": info["user"].name,
        }
    )
    app, secret, user = rp
    claims = _verify(login_tokens(app, secret, user)["id_token"], app.client_id)
    assert claims["https://example.test/tenant"] == "acme"
    assert claims["name"] == user.name
    assert claims["acr"] == "0"
    assert claims["sub"] == str(user.pk)
    for name in ("nbf", "jti", "amr", "azp", "c_hash", "s_hash", "cnf"):
        assert name not in claims
    assert all(claims.get(name) != "forged" for name in reserved)


def test_signer_with_another_algorithm_is_refused(rp: Any, oauth_settings: Any) -> None:
    """Surface §7, §12: ``at_hash`` was computed for the configured algorithm.

    A ``JWT_SIGNER`` that signs with another one makes issuance fail with
    500 ``server_error``, and the code is not spent by the failure.
    """
    from better_auth.keys import sign_jwt

    app, secret, user = rp
    verifier, challenge = pkce_pair()
    code = issue_code(app, user, challenge=challenge)
    oauth_settings(JWT_SIGNER=lambda payload, headers: sign_jwt(payload, alg="ES256"))
    response = redeem(app, secret, code, verifier)
    assert response.status_code == 500
    assert response.json()["error"] == "server_error"

    oauth_settings(JWT_SIGNER=lambda payload, headers: sign_jwt(payload, alg="EdDSA"))
    response = redeem(app, secret, code, verifier)
    assert response.status_code == 200, response.content
    assert jwt.get_unverified_header(response.json()["id_token"])["alg"] == "EdDSA"


def test_refreshed_id_token(rp: Any) -> None:
    """Surface §10: new iat/exp, original ``auth_time``, no ``nonce``."""
    app, secret, user = rp
    first = login_tokens(app, secret, user)
    second = refresh(app, secret, first["refresh_token"]).json()
    before = _verify(first["id_token"], app.client_id)
    after = _verify(second["id_token"], app.client_id)
    assert "nonce" not in after
    assert after["auth_time"] == before["auth_time"]
    assert after["sid"] == before["sid"]
    assert after["at_hash"] == _left_half(second["access_token"], "sha512")
