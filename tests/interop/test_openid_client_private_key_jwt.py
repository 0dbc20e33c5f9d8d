"""openid-client (npm, v6, pinned) as a ``private_key_jwt`` client.

``oauth_private_key_jwt_flow.mjs`` authenticates at the token,
introspection and revocation endpoints with openid-client's own
``PrivateKeyJwt(privateKey)`` (RFC 7523 §2.2, OIDC Core §9): the
authorization code flow with PKCE, refresh with rotation, introspection
and revocation, a replayed assertion ``jti`` (RFC 7523 §3 item 7) and an
assertion signed by a key the client never registered. The client's public
key is registered inline (``jwks``) or published at a ``jwks_uri`` served
from loopback by the test (RFC 7591 §2), which the provider fetches through
its outbound guard (``OUTBOUND.ALLOW_LOOPBACK``).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

from .conftest import NODE_MODULES, FlowResult

pytestmark = [pytest.mark.interop]

REDIRECT_URI = "https://rp.example.test/callback"
SCOPE = "openid profile email offline_access"
STEPS = [
    "discovery",
    "sign-up",
    "authorize-redirects-to-login-page",
    "sign-in-with-oauth-query",
    "consent-page-client-info",
    "consent-accept",
    "callback-carries-code-state-iss",
    "token-exchange-with-private-key-jwt",
    "introspect-access-token",
    "introspect-refresh-token",
    "refresh-rotates",
    "revoke-refresh-token",
    "refresh-with-revoked-token-refused",
    "assertion-jti-replay-refused",
    "assertion-from-an-unregistered-key-refused",
]


class LoopbackDocuments:
    """JSON documents served from 127.0.0.1 on a free port, by path; counts
    the fetches of each path."""

    def __init__(self, **documents: Any) -> None:
        # Keyword names are paths without the leading slash and ".json".
        self.documents: dict[str, Any] = {
            f"/{name}.json": doc for name, doc in documents.items()
        }
        self.fetches: dict[str, int] = dict.fromkeys(self.documents, 0)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                if self.path not in outer.documents:
                    self.send_response(404)
                    self.end_headers()
                    return
                outer.fetches[self.path] += 1
                body = json.dumps(outer.documents[self.path]).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
        )

    def url(self, name: str) -> str:
        return f"{self.origin}/{name}.json"

    def __enter__(self) -> LoopbackDocuments:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def key_pair(alg: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(public JWK, private JWK) of a fresh key for ``alg``."""
    kid = secrets.token_hex(4)
    if alg == "ES256":
        private: Any = ec.generate_private_key(ec.SECP256R1())
        algorithm: Any = ECAlgorithm
    elif alg in ("EdDSA", "Ed25519"):
        private = ed25519.Ed25519PrivateKey.generate()
        algorithm = OKPAlgorithm
    else:
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        algorithm = RSAAlgorithm
    public = json.loads(algorithm.to_jwk(private.public_key()))
    secret = json.loads(algorithm.to_jwk(private))
    meta = {"kid": kid, "alg": alg}
    return {**public, **meta, "use": "sig"}, {**secret, **meta}


@pytest.fixture
def provider(
    auth_server: str, better_auth_settings: Callable[..., None]
) -> Iterator[str]:
    """The live server as the provider, with loopback fetches allowed for the
    client's jwks_uri and empty key caches (the database is rolled back
    between tests, caches are not)."""
    from better_auth.keys import reset_cache
    from better_auth_oauth_provider.services import client_jwks

    better_auth_settings(
        BASE_URL=auth_server,
        OUTBOUND={"ALLOW_LOOPBACK": True},
        OAUTH_PROVIDER={
            "LOGIN_PAGE": f"{auth_server}/login",
            "CONSENT_PAGE": f"{auth_server}/consent",
        },
    )
    reset_cache()
    client_jwks.reset_cache()
    yield auth_server
    reset_cache()
    client_jwks.reset_cache()


def _register(public_jwk: dict[str, Any], jwks_uri: str | None) -> str:
    """Create the client as an operator would; returns its client_id."""
    from better_auth_oauth_provider.models import ClientProfile
    from better_auth_oauth_provider.services.clients import create_client

    metadata: dict[str, Any] = {
        "client_name": "Key-holding RP",
        "redirect_uris": [REDIRECT_URI],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": SCOPE,
    }
    if jwks_uri is None:
        metadata["jwks"] = {"keys": [public_jwk]}
    else:
        # Registration insists on a public https jwks_uri; the loopback URL
        # is stored directly, as an operator of a test deployment could.
        metadata["jwks_uri"] = "https://keys.example.test/jwks.json"
    app, secret = create_client(metadata)
    assert secret is None
    if jwks_uri is not None:
        ClientProfile.objects.filter(application=app).update(jwks_uri=jwks_uri)
    return str(app.client_id)


@pytest.mark.parametrize(
    ("alg", "source", "eddsa_header"),
    [
        pytest.param("ES256", "jwks", False, id="ES256-jwks"),
        pytest.param("RS256", "jwks_uri", False, id="RS256-jwks_uri"),
        pytest.param("PS256", "jwks", False, id="PS256-jwks"),
        pytest.param("EdDSA", "jwks_uri", True, id="EdDSA-jwks_uri"),
        # openid-client's own header for an Ed25519 key: RFC 9864's name,
        # with a key published as Ed25519 and as EdDSA (RFC 8037).
        pytest.param("Ed25519", "jwks", False, id="Ed25519-jwks"),
        pytest.param("EdDSA", "jwks", False, id="EdDSA-key-Ed25519-header"),
    ],
)
def test_openid_client_authenticates_with_private_key_jwt(
    provider: str,
    run_flow: Callable[..., FlowResult],
    tmp_path: Path,
    alg: str,
    source: str,
    eddsa_header: bool,
) -> None:
    """RFC 7523 §2.2 / §3: openid-client's assertions authenticate the client
    at the token, introspection and revocation endpoints; a reused ``jti``
    is refused 400 and a stranger's signature 401 (``invalid_client``)."""
    if not (NODE_MODULES / "openid-client").is_dir():
        pytest.fail(
            "openid-client is not installed; run `npm ci --prefix tests/interop`"
        )
    public, private = key_pair(alg)
    run = secrets.token_hex(4)
    with LoopbackDocuments(jwks={"keys": [public]}) as keys:
        jwks_uri = keys.url("jwks") if source == "jwks_uri" else None
        client_id = _register(public, jwks_uri)
        config = {
            "client_id": client_id,
            "private_jwk": private,
            "eddsa_header": eddsa_header,
            "redirect_uri": REDIRECT_URI,
            "scope": SCOPE,
            "login_page": f"{provider}/login",
            "consent_page": f"{provider}/consent",
            "expect_consent": True,
            "user": {
                "email": f"pkjwt-{run}@example.test",
                "password": f"pw-{secrets.token_urlsafe(12)}",
                "name": "Key Holder",
            },
        }
        config_file = tmp_path / "client.json"
        config_file.write_text(json.dumps(config))
        try:
            result = run_flow(
                "oauth_private_key_jwt_flow.mjs", provider, str(config_file)
            )
        finally:
            time.sleep(0.3)  # let the live server close its connection
        fetches = keys.fetches["/jwks.json"]

    assert result.returncode == 0, result.report()
    assert [step["step"] for step in result.steps] == STEPS, result.report()
    assert result.summary is not None and result.summary["ok"], result.report()
    if source == "jwks_uri":
        # Cached per process (CLIENT_JWKS_CACHE_SECONDS): one fetch serves
        # every assertion of the flow.
        assert fetches == 1
    else:
        assert fetches == 0
