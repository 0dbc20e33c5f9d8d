"""The JWT plugin: ``/token``, ``/jwks``, ``set-auth-jwt`` and verification.

Behaviour is Better Auth 1.7's ``jwt()`` plugin (core-surface §8.7); the
claims follow RFC 7519 §4.1 and the key set RFC 7517 §5.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import jwt as pyjwt
import pytest

from better_auth import clock, keys
from better_auth.api.registry import registered
from better_auth.keys.endpoint import serve_jwks
from better_auth.keys.models import SigningKey
from better_auth.outbound import OutboundResponse
from better_auth.plugins.jwt import SessionJWTError, verify_session_jwt
from better_auth.plugins.jwt import conf as jwt_conf

from ..wire.transcript import EXCHANGES, EXTRA_FIELDS

ORIGIN = "http://testserver"
JWKS_URL = f"{ORIGIN}/api/auth/jwks"


def _signed_in(api: Any) -> Any:
    assert api.sign_up().status_code == 200
    return api


def _token(api: Any) -> str:
    response = api.get("/token")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def test_token_requires_a_session(api: Any) -> None:
    """Better Auth's sessionMiddleware answers 401 UNAUTHORIZED."""
    response = api.get("/token")
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized", "code": "UNAUTHORIZED"}


def test_token_claims_are_better_auths(api: Any) -> None:
    """RFC 7519 §4.1: iss = aud = base URL origin, sub = user id, exp = 15 min."""
    _signed_in(api)
    token = _token(api)
    header = pyjwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA" and set(header) == {"alg", "kid"}
    claims = keys.verify_jwt(token, audience=ORIGIN, issuer=ORIGIN)
    user = api.get("/get-session").json()["user"]
    assert claims["sub"] == user["id"]
    assert claims["exp"] - claims["iat"] == 15 * 60
    assert claims["iss"] == claims["aud"] == ORIGIN
    for key, value in user.items():
        assert claims[key] == value


def test_token_claim_order_matches_the_recording(api: Any) -> None:
    """The payload has the recorded claim names, in Better Auth's order."""
    recorded = next(e for e in EXCHANGES if e["case"] == "jwt/token")
    (payload,) = (v["payload"] for v in recorded["jwt"].values())
    _signed_in(api)
    token = _token(api)
    claims = json.loads(pyjwt.utils.base64url_decode(token.split(".")[1]))
    assert [k for k in claims if k not in EXTRA_FIELDS] == list(payload)


def test_get_session_carries_set_auth_jwt(api: Any) -> None:
    """The after-hook adds the JWT and exposes it to cross-origin scripts."""
    signed_out = api.get("/get-session")
    assert "set-auth-jwt" not in signed_out.headers
    _signed_in(api)
    response = api.get("/get-session")
    token = response.headers["set-auth-jwt"]
    assert "set-auth-jwt" in response.headers["access-control-expose-headers"]
    claims = keys.verify_jwt(token, audience=ORIGIN, issuer=ORIGIN)
    assert claims["sub"] == response.json()["user"]["id"]


def test_disable_setting_jwt_header(api: Any, better_auth_settings: Any) -> None:
    better_auth_settings(JWT={"DISABLE_SETTING_JWT_HEADER": True})
    _signed_in(api)
    response = api.get("/get-session")
    assert response.status_code == 200 and response.json()["user"]
    assert "set-auth-jwt" not in response.headers
    assert api.get("/token").status_code == 200


def custom_payload(current: Any) -> dict[str, Any]:
    return {"email": current.user.email, "role": "reader"}


def custom_subject(current: Any) -> str:
    return f"user:{current.user.email}"


def test_define_payload_and_get_subject(api: Any, better_auth_settings: Any) -> None:
    better_auth_settings(
        JWT={
            "DEFINE_PAYLOAD": "tests.better_auth.jwt.test_jwt.custom_payload",
            "GET_SUBJECT": custom_subject,
            "ISSUER": "https://issuer.example",
            "AUDIENCE": "https://api.example",
            "EXPIRES_IN": 60,
        }
    )
    _signed_in(api)
    claims = keys.verify_jwt(
        _token(api), audience="https://api.example", issuer="https://issuer.example"
    )
    assert claims["role"] == "reader" and "name" not in claims
    assert claims["sub"] == "user:alice@example.test"
    assert claims["exp"] - claims["iat"] == 60


def test_jwks_is_better_auths_shape(api: Any) -> None:
    """RFC 7517 §5; members in Better Auth's order, no private member."""
    _signed_in(api)
    token = _token(api)
    doc = api.get("/jwks").json()
    (key,) = doc["keys"]
    assert list(key) == ["alg", "crv", "x", "kty", "kid", "use"]
    assert key["kid"] == pyjwt.get_unverified_header(token)["kid"]
    assert key["alg"] == "EdDSA" and key["crv"] == "Ed25519"
    row = SigningKey.objects.get(pk=key["kid"])
    assert "PRIVATE KEY" not in row.private_key


def test_jwks_path_is_registered_once() -> None:
    """The JWT plugin and the OAuth provider share one /jwks view."""
    found = [e for e in registered() if e.path == "/jwks"]
    assert len(found) == 1 and found[0].handler is serve_jwks


def test_key_policy_reads_the_settings(better_auth_settings: Any) -> None:
    better_auth_settings(JWT={"ROTATION_INTERVAL": 3600, "GRACE_PERIOD": 120})
    policy = jwt_conf.key_policy()
    assert policy.alg == "EdDSA"
    assert policy.rotation_interval == 3600
    # A key must stay published at least as long as a token it signed lives.
    assert policy.grace_period == 15 * 60


@pytest.fixture
def plugin_policy() -> Any:
    """The key policy the plugin installs when it owns the key store."""
    from better_auth.keys import store

    previous = store._policy_provider
    keys.set_policy(jwt_conf.key_policy)
    yield
    keys.set_policy(previous)


def test_rotation_keeps_old_keys_for_the_grace_period(
    api: Any, better_auth_settings: Any, plugin_policy: None
) -> None:
    """A key signs for ROTATION_INTERVAL, then stays published GRACE_PERIOD."""
    better_auth_settings(JWT={"ROTATION_INTERVAL": 60, "GRACE_PERIOD": 3600})
    with clock.freeze():
        _signed_in(api)
        first = _token(api)
        first_kid = pyjwt.get_unverified_header(first)["kid"]
        clock.advance(61)
        second = _token(api)
        second_kid = pyjwt.get_unverified_header(second)["kid"]
        assert second_kid != first_kid
        keys.reset_cache()
        kids = [k["kid"] for k in api.get("/jwks").json()["keys"]]
        assert kids == [second_kid, first_kid]
        clock.advance(3600)
        keys.reset_cache()
        kids = [k["kid"] for k in api.get("/jwks").json()["keys"]]
        assert first_kid not in kids


def test_get_session_stays_one_query(api: Any, django_assert_num_queries: Any) -> None:
    """Signing comes from the per-process key cache, not the database."""
    _signed_in(api)
    api.get("/get-session")
    with django_assert_num_queries(1):
        response = api.get("/get-session")
    assert response.headers["set-auth-jwt"]


# -- verification by another service ---------------------------------------


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _jwks_doc(api: Any) -> dict[str, Any]:
    return api.get("/jwks").json()


def test_verify_session_jwt_with_a_key_set(api: Any) -> None:
    _signed_in(api)
    token = _token(api)
    claims = verify_session_jwt(token, _jwks_doc(api), issuer=ORIGIN)
    assert claims["iss"] == ORIGIN
    assert verify_session_jwt(token, _jwks_doc(api)["keys"], issuer=ORIGIN)


def test_verify_session_jwt_refuses_another_audience(api: Any) -> None:
    """RFC 7519 §4.1.3: a token for another audience is refused."""
    _signed_in(api)
    token = _token(api)
    with pytest.raises(SessionJWTError):
        verify_session_jwt(
            token, _jwks_doc(api), issuer=ORIGIN, audience="https://other.example"
        )
    with pytest.raises(SessionJWTError):
        verify_session_jwt(token, _jwks_doc(api), issuer="https://other.example")


@pytest.mark.parametrize("mutate", ["signature", "alg-none", "hs256", "kid"])
def test_verify_session_jwt_refuses_forgeries(api: Any, mutate: str) -> None:
    """RFC 8725 §3.1: no ``none``, no HMAC against a public key."""
    _signed_in(api)
    token = _token(api)
    doc = _jwks_doc(api)
    head, body, sig = token.split(".")
    claims = json.loads(pyjwt.utils.base64url_decode(body))
    if mutate == "signature":
        forged = f"{head}.{body}.{sig[:-4]}AAAA"
    elif mutate == "alg-none":
        forged = pyjwt.encode(claims, None, algorithm="none")
    elif mutate == "hs256":
        # Signed by hand: PyJWT itself refuses a JWK as an HMAC secret.
        key = json.dumps(doc["keys"][0]).encode()
        header = {"alg": "HS256", "kid": doc["keys"][0]["kid"]}
        signing_input = f"{_b64(json.dumps(header).encode())}.{body}"
        mac = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
        forged = f"{signing_input}.{_b64(mac)}"
    else:
        forged = keys.sign_jwt(claims, alg="ES256")
    with pytest.raises(SessionJWTError):
        verify_session_jwt(forged, doc, issuer=ORIGIN)


def test_verify_session_jwt_refuses_an_expired_token(api: Any) -> None:
    _signed_in(api)
    with clock.freeze():
        clock.advance(-16 * 60)
        token = _token(api)
    with pytest.raises(SessionJWTError):
        verify_session_jwt(token, _jwks_doc(api), issuer=ORIGIN)


def test_verify_session_jwt_fetches_and_caches_the_jwks(
    api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The JWKS URL is fetched once through the outbound client, then cached;
    iss and aud default to the URL's origin (Better Auth's defaults)."""
    _signed_in(api)
    token = _token(api)
    body = json.dumps(_jwks_doc(api)).encode()
    fetched: list[str] = []

    def fake_fetch(url: str, **_: Any) -> OutboundResponse:
        fetched.append(url)
        return OutboundResponse(200, {}, body, url)

    monkeypatch.setattr("better_auth.social.id_token.fetch", fake_fetch)
    for _ in range(3):
        assert verify_session_jwt(token, JWKS_URL)["iss"] == ORIGIN
    assert fetched == [JWKS_URL]
    with pytest.raises(SessionJWTError):
        verify_session_jwt(token, "https://elsewhere.example/api/auth/jwks")


def test_unknown_kid_refetches_at_most_once_per_interval(
    api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _signed_in(api)
    body = json.dumps(_jwks_doc(api)).encode()
    fetched: list[str] = []

    def fake_fetch(url: str, **_: Any) -> OutboundResponse:
        fetched.append(url)
        return OutboundResponse(200, {}, body, url)

    monkeypatch.setattr("better_auth.social.id_token.fetch", fake_fetch)
    claims = {"sub": "x", "exp": int(clock.now().timestamp()) + 60}
    for _ in range(5):
        forged = keys.sign_jwt(claims, alg="ES256")
        with pytest.raises(SessionJWTError):
            verify_session_jwt(forged, JWKS_URL)
    assert len(fetched) == 2


def test_verify_session_jwt_reports_an_unreachable_jwks(
    monkeypatch: pytest.MonkeyPatch, db: None
) -> None:
    def refuse(url: str, **_: Any) -> OutboundResponse:
        return OutboundResponse(503, {}, b"", url)

    monkeypatch.setattr("better_auth.social.id_token.fetch", refuse)
    token = keys.sign_jwt({"sub": "x", "exp": 4102444800})
    with pytest.raises(SessionJWTError, match="cannot be fetched"):
        verify_session_jwt(token, JWKS_URL)


def test_cookie_cache_hit_signs_without_a_query(
    api: Any, better_auth_settings: Any, django_assert_num_queries: Any
) -> None:
    """With the cookie cache on, a cached get-session still gets its JWT."""
    better_auth_settings(SESSION={"COOKIE_CACHE": {"ENABLED": True}})
    _signed_in(api)
    api.get("/token")
    with django_assert_num_queries(0):
        response = api.get("/get-session")
    claims = keys.verify_jwt(
        response.headers["set-auth-jwt"], audience=ORIGIN, issuer=ORIGIN
    )
    assert claims["sub"] == response.json()["user"]["id"]


def test_jwks_path_setting(settings: Any, api: Any) -> None:
    """JWKS_PATH is read from the raw settings at startup (Better Auth's
    ``jwks.jwksPath``) and served by the same view."""
    from better_auth.api import registry
    from better_auth.keys import register_jwks_endpoint

    settings.BETTER_AUTH = {**settings.BETTER_AUTH, "JWT": {"JWKS_PATH": "/keys"}}
    assert jwt_conf.jwks_path() == "/keys"
    register_jwks_endpoint(jwt_conf.jwks_path())
    try:
        assert api.get("/keys").json() == api.get("/jwks").json()
    finally:
        registry._STATIC.pop("/keys", None)
    with pytest.raises(ValueError):
        register_jwks_endpoint("../jwks")
