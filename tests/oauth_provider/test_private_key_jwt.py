"""``private_key_jwt`` client authentication (RFC 7523 §2.2, §3; OIDC Core §9).

Assertions are signed here with keys the test generates; the client's
``jwks_uri`` is served from a loopback server (``OUTBOUND.ALLOW_LOOPBACK``),
so nothing leaves the machine.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

from better_auth_oauth_provider.models import ClientProfile
from better_auth_oauth_provider.oauth.client_assertion import JWT_BEARER
from better_auth_oauth_provider.services import client_jwks
from better_auth_oauth_provider.services.clients import create_client
from tests.oauth_provider.conftest import ISSUER, WEB_REDIRECT
from tests.oauth_provider.test_token import issue_code, pkce_pair, post_form

pytestmark = pytest.mark.django_db

TOKEN_URL = f"{ISSUER}/oauth2/token"


# --- keys and assertions -------------------------------------------------------


class Key:
    """A client key pair: ``sign`` makes assertions, ``jwk`` is the public half."""

    def __init__(self, alg: str = "ES256", kid: str | None = None) -> None:
        self.alg = alg
        self.kid = kid or secrets.token_hex(4)
        if alg.startswith("ES"):
            self.private = ec.generate_private_key(ec.SECP256R1())
            public = json.loads(ECAlgorithm.to_jwk(self.private.public_key()))
        elif alg == "EdDSA":
            self.private = ed25519.Ed25519PrivateKey.generate()
            public = json.loads(OKPAlgorithm.to_jwk(self.private.public_key()))
        else:
            self.private = rsa.generate_private_key(
                public_exponent=65537, key_size=2048
            )
            public = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        self.jwk = {**public, "kid": self.kid, "alg": alg, "use": "sig"}

    def private_jwk(self) -> dict[str, Any]:
        algorithm = ECAlgorithm if self.alg.startswith("ES") else RSAAlgorithm
        if self.alg == "EdDSA":
            algorithm = OKPAlgorithm
        return {**json.loads(algorithm.to_jwk(self.private)), "kid": self.kid}

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo,
        )

    def sign(
        self, client_id: str, *, headers: dict[str, Any] | None = None, **claims: Any
    ) -> str:
        now = int(time.time())
        payload = {
            "iss": client_id,
            "sub": client_id,
            "aud": TOKEN_URL,
            "iat": now,
            "exp": now + 60,
            "jti": secrets.token_urlsafe(16),
            **claims,
        }
        payload = {k: v for k, v in payload.items() if v is not None}
        header = {"kid": self.kid, **(headers or {})}
        return jwt.encode(payload, self.private, algorithm=self.alg, headers=header)


def jwk_set(*keys: Key) -> dict[str, Any]:
    return {"keys": [k.jwk for k in keys]}


def assertion_form(assertion: str, **extra: str) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_assertion_type": JWT_BEARER,
        "client_assertion": assertion,
        **extra,
    }


def token(assertion: str, **extra: str) -> Any:
    return post_form("/oauth2/token", assertion_form(assertion, **extra))


def error_of(response: Any) -> tuple[int, str, str]:
    body = response.json()
    return response.status_code, body["error"], body.get("error_description", "")


@pytest.fixture(autouse=True)
def _fresh_jwks_cache() -> Iterator[None]:
    client_jwks.reset_cache()
    yield
    client_jwks.reset_cache()


@pytest.fixture
def key() -> Key:
    return Key("ES256")


@pytest.fixture
def jwt_client_factory() -> Callable[..., Any]:
    """A machine client registered for private_key_jwt with the given keys."""

    def make(**metadata: Any) -> Any:
        body = {
            "client_name": "jwt-client",
            "grant_types": ["client_credentials"],
            "response_types": [],
            "token_endpoint_auth_method": "private_key_jwt",
            **metadata,
        }
        app, secret = create_client(body, client_credentials_scopes=["read"])
        assert secret is None
        return app

    return make


@pytest.fixture
def client(jwt_client_factory: Callable[..., Any], key: Key) -> Any:
    return jwt_client_factory(jwks=jwk_set(key))


# --- the happy paths -----------------------------------------------------------


def test_assertion_for_the_token_endpoint_gets_a_token(client: Any, key: Key) -> None:
    """RFC 7523 §2.2: a valid assertion authenticates the client (no secret
    was ever issued); iss = sub = client_id, aud = the token endpoint URL."""
    response = token(key.sign(client.client_id))
    assert response.status_code == 200, response.content
    assert response.json()["scope"] == "read"
    assert response["Cache-Control"] == "no-store"


def test_issuer_is_an_accepted_audience(client: Any, key: Key) -> None:
    """RFC 7523 §3 item 3: the issuer identifies the server too (Better
    Auth accepts the endpoint URL or the issuer)."""
    assert token(key.sign(client.client_id, aud=ISSUER)).status_code == 200
    assert token(key.sign(client.client_id, aud=["x", ISSUER])).status_code == 200


@pytest.mark.parametrize("alg", ["RS256", "PS256", "EdDSA"])
def test_other_asymmetric_algorithms(
    jwt_client_factory: Callable[..., Any], alg: str
) -> None:
    """Every discovery-listed algorithm family verifies (RFC 7518 §3.1)."""
    signer = Key(alg)
    app = jwt_client_factory(jwks=jwk_set(signer))
    assert token(signer.sign(app.client_id)).status_code == 200


def test_body_client_id_may_accompany_the_assertion(client: Any, key: Key) -> None:
    """RFC 7521 §4.2: client_id is optional; when sent it must match."""
    ok = token(key.sign(client.client_id), client_id=client.client_id)
    assert ok.status_code == 200
    bad = token(key.sign(client.client_id), client_id="someone-else")
    assert error_of(bad)[:2] == (400, "invalid_client")


def test_code_exchange_with_an_assertion(
    jwt_client_factory: Callable[..., Any], key: Key, signed_in_api: Any
) -> None:
    """OIDC Core §9: private_key_jwt at the code exchange, with PKCE."""
    app = jwt_client_factory(
        grant_types=["authorization_code"],
        response_types=["code"],
        redirect_uris=[WEB_REDIRECT],
        jwks=jwk_set(key),
    )
    verifier, challenge = pkce_pair()
    code = issue_code(app, signed_in_api.user, challenge=challenge)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": verifier,
        "redirect_uri": WEB_REDIRECT,
        "client_assertion_type": JWT_BEARER,
        "client_assertion": key.sign(app.client_id),
    }
    response = post_form("/oauth2/token", form)
    assert response.status_code == 200, response.content
    assert "id_token" in response.json()


def test_introspection_and_revocation_accept_assertions(client: Any, key: Key) -> None:
    """RFC 7662 §2.1 / RFC 7009 §2.1: the same method authenticates there,
    with the endpoint's own URL as the audience."""
    access = token(key.sign(client.client_id)).json()["access_token"]
    introspected = post_form(
        "/oauth2/introspect",
        {
            "token": access,
            "client_assertion_type": JWT_BEARER,
            "client_assertion": key.sign(
                client.client_id, aud=f"{ISSUER}/oauth2/introspect"
            ),
        },
    )
    assert introspected.status_code == 200, introspected.content
    assert introspected.json()["active"] is True
    revoked = post_form(
        "/oauth2/revoke",
        {
            "token": access,
            "client_assertion_type": JWT_BEARER,
            "client_assertion": key.sign(client.client_id, aud=ISSUER),
        },
    )
    assert revoked.status_code == 200, revoked.content


def test_assertion_for_another_endpoint_is_refused(client: Any, key: Key) -> None:
    """RFC 7523 §3 item 3: an assertion meant for the introspection endpoint
    does not authenticate at the token endpoint."""
    assertion = key.sign(client.client_id, aud=f"{ISSUER}/oauth2/introspect")
    assert error_of(token(assertion))[:2] == (401, "invalid_client")


# --- refusals ------------------------------------------------------------------


def test_reused_jti_is_refused(client: Any, key: Key) -> None:
    """RFC 7523 §3 item 7: the jti is single use; the very same assertion
    presented twice fails the second time."""
    assertion = key.sign(client.client_id)
    assert token(assertion).status_code == 200
    assert error_of(token(assertion)) == (
        400,
        "invalid_client",
        "client assertion jti has already been used",
    )


def test_missing_jti_is_refused(client: Any, key: Key) -> None:
    """RFC 7523 §3 item 7 (Better Auth: jti is required)."""
    assert error_of(token(key.sign(client.client_id, jti=None)))[:2] == (
        400,
        "invalid_client",
    )


@pytest.mark.parametrize(
    "aud", ["https://other.example.test/oauth2/token", f"{ISSUER}/oauth2", [], 5]
)
def test_wrong_audience_is_refused(client: Any, key: Key, aud: Any) -> None:
    """RFC 7523 §3 item 3: the server MUST reject a JWT not naming it."""
    assert error_of(token(key.sign(client.client_id, aud=aud)))[:2] == (
        401,
        "invalid_client",
    )


def test_iss_must_equal_sub(client: Any, key: Key, oauth_client_factory: Any) -> None:
    """RFC 7523 §3 items 1-2 (OIDC Core §9): iss and sub are both the
    client_id; an assertion about another client is refused."""
    other, _ = oauth_client_factory()
    mixed = key.sign(client.client_id, iss=other.client_id)
    assert error_of(token(mixed))[:2] == (401, "invalid_client")
    foreign = key.sign(client.client_id, sub=other.client_id, iss=other.client_id)
    # The assertion names a secret client: the method does not match.
    assert error_of(token(foreign))[:2] == (400, "invalid_client")


def test_expired_assertion_is_refused(client: Any, key: Key) -> None:
    """RFC 7523 §3 item 4: exp in the past -> 401 invalid_client."""
    now = int(time.time())
    expired = key.sign(client.client_id, iat=now - 120, exp=now - 60)
    assert error_of(token(expired)) == (
        401,
        "invalid_client",
        "client assertion has expired",
    )


def test_exp_is_required(client: Any, key: Key) -> None:
    """RFC 7523 §3 item 4: the JWT MUST contain exp."""
    assert error_of(token(key.sign(client.client_id, exp=None)))[:2] == (
        400,
        "invalid_client",
    )


def test_long_lived_and_stale_assertions_are_refused(client: Any, key: Key) -> None:
    """RFC 7523 §3 items 4, 6: exp more than the maximum lifetime (300 s)
    ahead, or iat older than it, are refused (400, as Better Auth)."""
    now = int(time.time())
    far = key.sign(client.client_id, exp=now + 3600)
    assert error_of(token(far))[1:] == (
        "invalid_client",
        "client assertion exp is too far in the future",
    )
    stale = key.sign(client.client_id, iat=now - 900, exp=now + 60)
    assert error_of(token(stale))[1:] == (
        "invalid_client",
        "client assertion iat is too old",
    )
    future = key.sign(client.client_id, iat=now + 600, exp=now + 200)
    assert error_of(token(future))[:2] == (400, "invalid_client")


def test_nbf_in_the_future_is_refused(client: Any, key: Key) -> None:
    """RFC 7523 §3 item 5: not before nbf (30 s of skew tolerated)."""
    now = int(time.time())
    assert token(key.sign(client.client_id, nbf=now + 10)).status_code == 200
    early = key.sign(client.client_id, nbf=now + 120)
    assert error_of(token(early))[:2] == (401, "invalid_client")


def test_alg_none_is_refused(client: Any) -> None:
    """RFC 8725 §3.1: an unsigned assertion never authenticates."""
    unsigned = jwt.encode(
        {"iss": client.client_id, "sub": client.client_id, "aud": TOKEN_URL},
        None,
        algorithm="none",
    )
    assert error_of(token(unsigned)) == (
        400,
        "invalid_client",
        "unsupported client assertion algorithm",
    )


def test_hs256_with_the_public_key_as_secret_is_refused(client: Any, key: Key) -> None:
    """RFC 8725 §2.1 (algorithm confusion): an HMAC keyed with the client's
    public key is not a signature by the client; HS* is never accepted."""
    import hashlib
    import hmac
    from base64 import urlsafe_b64encode

    def b64(data: bytes) -> str:
        return urlsafe_b64encode(data).rstrip(b"=").decode()

    now = int(time.time())
    header = b64(json.dumps({"alg": "HS256", "kid": key.kid}).encode())
    claims = {
        "iss": client.client_id,
        "sub": client.client_id,
        "aud": TOKEN_URL,
        "exp": now + 60,
        "jti": "confused",
    }
    body = b64(json.dumps(claims).encode())
    signing_input = f"{header}.{body}".encode()
    for secret in (key.public_pem(), json.dumps(key.jwk).encode()):
        mac = hmac.new(secret, signing_input, hashlib.sha256).digest()
        forged = f"{header}.{body}.{b64(mac)}"
        assert error_of(token(forged))[:2] == (400, "invalid_client")


def test_signature_by_another_key_is_refused(client: Any, key: Key) -> None:
    """RFC 7523 §3 item 9: the signature must verify with the client's key,
    also when the forger reuses the registered kid."""
    forger = Key("ES256", kid=key.kid)
    assert error_of(token(forger.sign(client.client_id))) == (
        401,
        "invalid_client",
        "invalid client assertion signature",
    )


def test_malformed_assertions_are_refused(client: Any) -> None:
    for value in ("a.b.c", "not-a-jwt", "x" * 20000):
        assert error_of(token(value))[:2] == (400, "invalid_client")


def test_wrong_or_missing_assertion_type(client: Any, key: Key) -> None:
    """RFC 7521 §4.2: both parameters are required and the type must be the
    JWT bearer URN."""
    form = assertion_form(key.sign(client.client_id))
    form["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:saml2"
    assert error_of(post_form("/oauth2/token", form))[:2] == (400, "invalid_client")
    del form["client_assertion_type"]
    assert error_of(post_form("/oauth2/token", form))[:2] == (400, "invalid_client")


def test_assertion_and_secret_together_are_refused(client: Any, key: Key) -> None:
    """RFC 6749 §2.3: one authentication method per request. RFC 6749 §5.2
    names this ``invalid_request`` ("utilizes more than one mechanism for
    authenticating the client"), which Better Auth answers as well."""
    form = assertion_form(key.sign(client.client_id), client_secret="s3cret")
    assert error_of(post_form("/oauth2/token", form)) == (
        400,
        "invalid_request",
        "A request must use only one client authentication method",
    )
    header = post_form(
        "/oauth2/token",
        assertion_form(key.sign(client.client_id)),
        auth=(client.client_id, "s3cret"),
    )
    assert error_of(header)[:2] == (400, "invalid_request")


def test_secret_client_cannot_use_an_assertion(
    oauth_client_factory: Any, key: Key
) -> None:
    """RFC 7591 §2: the registered method is the only one accepted."""
    app, _ = oauth_client_factory(jwks=jwk_set(key))
    assert error_of(token(key.sign(app.client_id))) == (
        400,
        "invalid_client",
        "client registered for client_secret_basic cannot use private_key_jwt",
    )


def test_jwt_client_cannot_fall_back_to_no_authentication(client: Any) -> None:
    """A private_key_jwt client is confidential: client_id alone fails."""
    response = post_form(
        "/oauth2/token",
        {"grant_type": "client_credentials", "client_id": client.client_id},
    )
    assert error_of(response)[:2] == (400, "invalid_client")


def test_disabled_client_is_refused(client: Any, key: Key) -> None:
    ClientProfile.objects.filter(application=client).update(disabled=True)
    assert error_of(token(key.sign(client.client_id)))[:2] == (400, "invalid_client")


def test_unknown_client_is_refused(key: Key) -> None:
    assert error_of(token(key.sign("nobody")))[:2] == (400, "invalid_client")


def test_assertions_never_reach_the_logs(
    client: Any, key: Key, caplog: pytest.LogCaptureFixture
) -> None:
    """No assertion (a bearer credential until it expires) in any log line."""
    caplog.set_level("DEBUG")
    assertion = key.sign(client.client_id)
    token(assertion)
    token(assertion)
    token(Key("ES256", kid=key.kid).sign(client.client_id))
    signature = assertion.rsplit(".", 1)[1]
    assert all(signature not in record.getMessage() for record in caplog.records)


# --- registration (RFC 7591 §2) ------------------------------------------------


def test_registration_requires_exactly_one_key_source(key: Key) -> None:
    """RFC 7591 §2: jwks and jwks_uri are mutually exclusive, and a
    private_key_jwt client needs one of them."""
    from better_auth_oauth_provider.errors import InvalidClientMetadata

    base = {
        "grant_types": ["client_credentials"],
        "response_types": [],
        "token_endpoint_auth_method": "private_key_jwt",
    }
    with pytest.raises(InvalidClientMetadata):
        create_client(base)
    with pytest.raises(InvalidClientMetadata):
        create_client(
            {**base, "jwks": jwk_set(key), "jwks_uri": "https://k.example.test/j"}
        )
    app, secret = create_client({**base, "jwks_uri": "https://k.example.test/j"})
    assert secret is None
    assert app.better_auth_profile.jwks_uri == "https://k.example.test/j"


def test_private_key_in_jwks_is_refused(key: Key) -> None:
    """RFC 7517 §9.2: a published set must not carry private members."""
    from better_auth_oauth_provider.errors import InvalidClientMetadata

    with pytest.raises(InvalidClientMetadata):
        create_client(
            {
                "grant_types": ["client_credentials"],
                "response_types": [],
                "token_endpoint_auth_method": "private_key_jwt",
                "jwks": {"keys": [key.private_jwk()]},
            }
        )


def test_dynamic_registration_accepts_private_key_jwt(
    api: Any, oauth_settings: Any, key: Key
) -> None:
    """RFC 7591 §2: open registration of a private_key_jwt client gets no
    secret, and the client then authenticates with its key."""
    oauth_settings(
        ALLOW_DYNAMIC_CLIENT_REGISTRATION=True,
        ALLOW_UNAUTHENTICATED_CLIENT_REGISTRATION=True,
    )
    response = api.post(
        "/oauth2/register",
        {
            "redirect_uris": [WEB_REDIRECT],
            "token_endpoint_auth_method": "private_key_jwt",
            "jwks": jwk_set(key),
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert "client_secret" not in body
    assert body["token_endpoint_auth_method"] == "private_key_jwt"


def test_discovery_lists_private_key_jwt(api: Any) -> None:
    """RFC 8414 §2: the method and its signing algorithms are advertised,
    asymmetric ones only."""
    doc = api.get("/.well-known/oauth-authorization-server").json()
    for kind in ("token", "introspection", "revocation"):
        assert "private_key_jwt" in doc[f"{kind}_endpoint_auth_methods_supported"]
        algs = doc[f"{kind}_endpoint_auth_signing_alg_values_supported"]
        assert "none" not in algs and not any(a.startswith("HS") for a in algs)


# --- keys from a jwks_uri ------------------------------------------------------


class _JwksServer:
    """A loopback jwks_uri whose key set the test swaps; counts fetches."""

    def __init__(self) -> None:
        self.document: dict[str, Any] = {"keys": []}
        self.fetches = 0
        self.redirect_to: str | None = None
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                outer.fetches += 1
                if outer.redirect_to:
                    self.send_response(302)
                    self.send_header("Location", outer.redirect_to)
                    self.end_headers()
                    return
                body = json.dumps(outer.document).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/jwks.json"


@pytest.fixture
def jwks_server(better_auth_settings: Callable[..., None]) -> Iterator[_JwksServer]:
    better_auth_settings(OUTBOUND={"ALLOW_LOOPBACK": True})
    served = _JwksServer()
    thread = threading.Thread(
        target=served.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield served
    served.server.shutdown()
    served.server.server_close()


@pytest.fixture
def uri_client(jwt_client_factory: Callable[..., Any], jwks_server: Any) -> Any:
    # Registration insists on a public https jwks_uri; the loopback URL of
    # the test server is stored directly, as an operator could.
    app = jwt_client_factory(jwks_uri="https://keys.example.test/jwks.json")
    ClientProfile.objects.filter(application=app).update(jwks_uri=jwks_server.url)
    app.refresh_from_db()
    return app


def test_keys_from_jwks_uri_are_cached(uri_client: Any, jwks_server: Any) -> None:
    """RFC 7591 §2 jwks_uri: fetched once, reused for later assertions."""
    signer = Key("ES256")
    jwks_server.document = jwk_set(signer)
    assert token(signer.sign(uri_client.client_id)).status_code == 200
    assert token(signer.sign(uri_client.client_id)).status_code == 200
    assert jwks_server.fetches == 1


def test_unknown_kid_refetches_a_rotated_jwks_uri_once(
    uri_client: Any, jwks_server: Any
) -> None:
    """RFC 7517 §4.5 kid: an assertion signed with a key the cached set
    lacks triggers one refetch (the client rotated its keys); a made-up kid
    right after does not cause another fetch."""
    old, new = Key("ES256", kid="k1"), Key("ES256", kid="k2")
    jwks_server.document = jwk_set(old)
    assert token(old.sign(uri_client.client_id)).status_code == 200
    jwks_server.document = jwk_set(new)
    assert token(new.sign(uri_client.client_id)).status_code == 200
    assert jwks_server.fetches == 2
    made_up = Key("ES256", kid="k3")
    assert error_of(token(made_up.sign(uri_client.client_id)))[:2] == (
        401,
        "invalid_client",
    )
    assert jwks_server.fetches == 2


def test_jwks_uri_with_a_private_key_is_refused(
    uri_client: Any, jwks_server: Any
) -> None:
    """RFC 7517 §9.2: a fetched set holding private members is not used."""
    signer = Key("ES256")
    jwks_server.document = {"keys": [signer.private_jwk()]}
    assert error_of(token(signer.sign(uri_client.client_id)))[:2] == (
        400,
        "invalid_client",
    )


def test_jwks_uri_redirects_are_not_followed(uri_client: Any, jwks_server: Any) -> None:
    """A jwks_uri answers itself: a redirect is a failure, not a hop."""
    signer = Key("ES256")
    jwks_server.document = jwk_set(signer)
    jwks_server.redirect_to = jwks_server.url + "?moved"
    assert error_of(token(signer.sign(uri_client.client_id)))[:2] == (
        400,
        "invalid_client",
    )
    assert jwks_server.fetches == 1
