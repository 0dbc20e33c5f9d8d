"""A fake OpenID provider on loopback, and settings that point at it.

The fake serves discovery, a JWKS, a token endpoint and userinfo over real
HTTP, so every fetch goes through the outbound client exactly as it would
to a real provider. Tests decide what the token endpoint answers.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLIENT_ID = "client-a"
CLIENT_SECRET = "secret-a"
PROVIDER = "generic-a"


def _b64(data: str | bytes) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class FakeOP:
    def __init__(self) -> None:
        self.url = ""
        self.keys: dict[str, Any] = {}
        self.published: list[str] = []
        self.requests: list[dict[str, Any]] = []
        self.token_answer: Callable[[dict[str, str]], tuple[int, Any]] | None = None
        self.userinfo: dict[str, Any] | None = None
        self.jwks_fetches = 0
        self.discovery_extra: dict[str, Any] = {}
        self.add_key("k1")

    def add_key(self, kid: str, *, publish: bool = True) -> None:
        self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if publish:
            self.published.append(kid)

    def jwks(self) -> dict[str, Any]:
        out = []
        for kid in self.published:
            jwk = json.loads(RSAAlgorithm.to_jwk(self.keys[kid].public_key()))
            jwk.update({"kid": kid, "use": "sig", "alg": "RS256"})
            out.append(jwk)
        return {"keys": out}

    @property
    def issuer(self) -> str:
        return self.url

    @property
    def discovery_url(self) -> str:
        return self.url + "/.well-known/openid-configuration"

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.url + "/authorize",
            "token_endpoint": self.url + "/token",
            "userinfo_endpoint": self.url + "/userinfo",
            "jwks_uri": self.url + "/jwks",
            "id_token_signing_alg_values_supported": ["RS256"],
            "authorization_response_iss_parameter_supported": True,
            **self.discovery_extra,
        }

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "sub": "sub-1",
            "iat": now,
            "exp": now + 300,
            "email": "ext@example.test",
            "email_verified": True,
            "name": "Ext User",
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def sign(
        self, claims: dict[str, Any], *, kid: str = "k1", alg: str = "RS256"
    ) -> str:
        if alg == "none":
            return jwt.encode(claims, None, algorithm="none", headers={"kid": kid})
        if alg.startswith("HS"):
            # An attacker signing with the *public* key as an HMAC secret
            # (PyJWT refuses to, so the JWS is assembled by hand).
            pub = RSAAlgorithm.to_jwk(self.keys["k1"].public_key()).encode()
            header = _b64(json.dumps({"alg": alg, "typ": "JWT", "kid": kid}))
            body = _b64(json.dumps(claims))
            mac = hmac.new(pub, f"{header}.{body}".encode(), hashlib.sha256)
            return f"{header}.{body}.{_b64(mac.digest())}"
        return jwt.encode(claims, self.keys[kid], algorithm=alg, headers={"kid": kid})

    def id_token(self, *, kid: str = "k1", **overrides: Any) -> str:
        return self.sign(self.claims(**overrides), kid=kid)

    def answer_tokens(self, **claims: Any) -> None:
        """Make the token endpoint return an ID token with these claims."""

        def answer(form: dict[str, str]) -> tuple[int, Any]:
            return 200, {
                "access_token": "at-" + uuid.uuid4().hex,
                "token_type": "Bearer",
                "expires_in": 3600,
                "refresh_token": "rt-" + uuid.uuid4().hex,
                "scope": "openid email profile",
                "id_token": self.id_token(**claims),
            }

        self.token_answer = answer


def _handler(op: FakeOP) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            op.requests.append(
                {"method": "GET", "path": path, "headers": dict(self.headers)}
            )
            if path == "/.well-known/openid-configuration":
                self._send(200, op.discovery())
            elif path == "/jwks":
                op.jwks_fetches += 1
                self._send(200, op.jwks())
            elif path == "/userinfo":
                self._send(200, op.userinfo or {"sub": "sub-1"})
            else:
                self._send(404, {})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            form = dict(parse_qsl(raw, keep_blank_values=True))
            op.requests.append(
                {
                    "method": "POST",
                    "path": urlsplit(self.path).path,
                    "headers": dict(self.headers),
                    "form": form,
                    "raw": parse_qs(raw),
                }
            )
            if op.token_answer is None:
                self._send(400, {"error": "invalid_grant"})
                return
            status, body = op.token_answer(form)
            self._send(status, body)

    return Handler


@pytest.fixture
def fake_op() -> Iterator[FakeOP]:
    op = FakeOP()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(op))
    op.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield op
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    from better_auth.social import discovery, id_token, reset

    yield
    discovery.clear()
    id_token.jwks_cache.clear()
    reset()


@pytest.fixture
def social(
    fake_op: FakeOP, better_auth_settings: Callable[..., None]
) -> Callable[..., FakeOP]:
    """Configure ``generic-a`` against the fake; keyword args add options."""

    def apply(
        account: dict[str, Any] | None = None,
        extra_settings: dict[str, Any] | None = None,
        **options: Any,
    ) -> FakeOP:
        entry = {
            "PROVIDER_ID": PROVIDER,
            "DISCOVERY_URL": fake_op.discovery_url,
            "CLIENT_ID": CLIENT_ID,
            "CLIENT_SECRET": CLIENT_SECRET,
            **options,
        }
        better_auth_settings(
            OUTBOUND={"ALLOW_LOOPBACK": True},
            GENERIC_OAUTH=[entry],
            ACCOUNT=account or {},
            **(extra_settings or {}),
        )
        return fake_op

    return apply


def start(api: Any, **body: Any) -> dict[str, Any]:
    """POST /sign-in/social and return the authorization URL's parameters."""
    response = api.post(
        "/sign-in/social",
        {"provider": PROVIDER, "callbackURL": "/home", **body},
    )
    assert response.status_code == 200, response.content
    url = response.json()["url"]
    params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    params["_url"] = url
    return params


def finish(api: Any, params: dict[str, Any], **extra: Any) -> Any:
    """GET /callback/generic-a as the provider's redirect would."""
    query = {"code": "code-1", "state": params["state"], **extra}
    query = {k: v for k, v in query.items() if v is not None}
    return api.get(f"/callback/{PROVIDER}", query)


def error_of(response: Any) -> str | None:
    assert response.status_code == 302, response.content
    query = parse_qs(urlsplit(response["Location"]).query)
    return (query.get("error") or [None])[0]
