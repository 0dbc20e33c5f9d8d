"""SQL statements and password-KDF calls per OAuth request, counted in-process.

Run with the bench settings and the benchmark database (``bench/oauth.py``
does, after ``migrate``)::

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=postgres://... \\
        .venv/bin/python bench/oauth_queries.py [--json]

Each request goes through Django's test client (the full middleware stack)
inside ``CaptureQueriesContext``: the token endpoint with each grant,
introspection and JWKS, one warm-up and three counted rounds each, the
worst round reported. The performance target is at most four statements per
token request. Around every counted request the password hashers are
watched: Django's ``make_password`` / ``check_password`` (wherever they were
imported), every configured hasher's ``encode`` / ``verify``, and
``hashlib.pbkdf2_hmac`` / ``hashlib.scrypt``; a client secret must never go
through a password KDF, so all counts should be 0.
"""

from __future__ import annotations

import argparse
import base64
import functools
import hashlib
import json
import os
import secrets
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import hashers  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from better_auth_oauth_provider.services.clients import create_client  # noqa: E402

EMAIL = os.environ.get("BENCH_QUERIES_EMAIL", "bench-oauth-queries@example.com")
PASSWORD = os.environ.get("BENCH_PASSWORD", "bench-password-123")
REDIRECT_URI = "https://rp.example.com/callback"
USER_SCOPE = "openid profile email offline_access"
M2M_SCOPE = "bench:read"
ROUNDS = 3
TOKEN_TARGET = 4
_TX_CONTROL = {"BEGIN", "COMMIT", "ROLLBACK"}

# ---------------------------------------------------------------- KDF watch

KDF_CALLS: dict[str, int] = {}
_watching = False


def _counted(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    KDF_CALLS.setdefault(name, 0)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _watching:
            KDF_CALLS[name] += 1
        return original(*args, **kwargs)

    return wrapper


def watch_kdfs() -> None:
    """Count every way a password KDF can run from here on."""
    for name in ("pbkdf2_hmac", "scrypt"):
        if hasattr(hashlib, name):
            setattr(hashlib, name, _counted(f"hashlib.{name}", getattr(hashlib, name)))
    for name in ("make_password", "check_password"):
        original = getattr(hashers, name)
        wrapper = _counted(name, original)
        for module in list(sys.modules.values()):
            for attr, value in list(getattr(module, "__dict__", {}).items()):
                if value is original:
                    setattr(module, attr, wrapper)
    for hasher in hashers.get_hashers():
        cls = type(hasher)
        for method in ("encode", "verify"):
            setattr(
                cls,
                method,
                _counted(f"{cls.__name__}.{method}", getattr(cls, method)),
            )


# ---------------------------------------------------------------- requests


def _client() -> Client:
    base = os.environ.get("BETTER_AUTH_URL", "http://127.0.0.1:8000")
    parts = urlsplit(base)
    return Client(
        HTTP_HOST=parts.netloc, HTTP_ORIGIN=f"{parts.scheme}://{parts.netloc}"
    )


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Flow:
    def __init__(self) -> None:
        self.client = _client()
        app, secret = create_client(
            {
                "client_name": "bench-queries",
                "redirect_uris": [REDIRECT_URI],
                "grant_types": [
                    "authorization_code",
                    "refresh_token",
                    "client_credentials",
                ],
                "response_types": ["code"],
                "token_endpoint_auth_method": "client_secret_basic",
            },
            skip_consent=True,
            client_credentials_scopes=[M2M_SCOPE],
        )
        self.client_id = app.client_id
        raw = f"{app.client_id}:{secret}".encode()
        self.auth = "Basic " + base64.b64encode(raw).decode()
        self._sign_in()

    def _sign_in(self) -> None:
        creds = {"email": EMAIL, "password": PASSWORD}
        response = self._json("/api/auth/sign-in/email", creds)
        if response.status_code != 200:
            response = self._json(
                "/api/auth/sign-up/email", {**creds, "name": "Bench Queries"}
            )
        if response.status_code != 200:
            raise SystemExit(f"sign-in failed: {response.status_code}")

    def _json(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.post(
            path, data=json.dumps(body), content_type="application/json"
        )

    def form(self, path: str, body: dict[str, str]) -> Any:
        return self.client.post(
            path,
            data=urlencode(body),
            content_type="application/x-www-form-urlencoded",
            HTTP_AUTHORIZATION=self.auth,
        )

    def code(self) -> tuple[str, str]:
        verifier = _b64url(secrets.token_bytes(32))
        challenge = _b64url(hashlib.sha256(verifier.encode()).digest())
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": REDIRECT_URI,
                "scope": USER_SCOPE,
                "state": "s",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        response = self.client.get(f"/api/auth/oauth2/authorize?{query}")
        location = response.headers.get("Location", "")
        if response.status_code == 200 and response.content.startswith(b"{"):
            location = json.loads(response.content).get("url", "")
        code = parse_qs(urlsplit(location).query).get("code", [""])[0]
        if not code:
            raise SystemExit(f"authorize failed: {response.status_code} {location}")
        return code, verifier

    def redeem(self) -> Any:
        code, verifier = self.code()
        return self.form(
            "/api/auth/oauth2/token",
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT_URI,
                "code_verifier": verifier,
            },
        )


def _measure(
    name: str,
    prepare: Callable[[], Any],
    send: Callable[[Any], Any],
    expect: str,
    target: int | None,
) -> dict[str, Any]:
    """Warm up once, then ROUNDS counted requests; ``prepare`` is not counted."""
    global _watching
    counts: list[int] = []
    statements: list[str] = []
    for round_ in range(ROUNDS + 1):
        arg = prepare()
        with CaptureQueriesContext(connection) as captured:
            _watching = True
            try:
                response = send(arg)
            finally:
                _watching = False
        text = response.content.decode()
        if response.status_code != 200 or expect not in text.replace(" ", ""):
            raise SystemExit(f"{name}: {response.status_code} {text[:200]}")
        if round_:
            counts.append(len(captured.captured_queries))
            statements = [q["sql"] for q in captured.captured_queries]
    worst = max(counts)
    control = sum(1 for s in statements if s.strip().upper() in _TX_CONTROL)
    return {
        "case": name,
        "queries": worst,
        "transaction_control": control,
        "per_round": counts,
        "target": target,
        "ok": target is None or worst <= target,
        "statements": [s if len(s) < 300 else s[:297] + "..." for s in statements],
    }


def run() -> dict[str, Any]:
    flow = Flow()
    # Import everything the paths load before the hashers are wrapped.
    flow.redeem()
    flow.client.get("/api/auth/jwks")
    watch_kdfs()
    token = "/api/auth/oauth2/token"
    cases = [
        _measure(
            "token client_credentials",
            lambda: None,
            lambda _: flow.form(
                token, {"grant_type": "client_credentials", "scope": M2M_SCOPE}
            ),
            '"access_token"',
            TOKEN_TARGET,
        ),
        _measure(
            "token authorization_code",
            flow.code,
            lambda cv: flow.form(
                token,
                {
                    "grant_type": "authorization_code",
                    "code": cv[0],
                    "redirect_uri": REDIRECT_URI,
                    "code_verifier": cv[1],
                },
            ),
            '"refresh_token"',
            TOKEN_TARGET,
        ),
        _measure(
            "token refresh_token",
            lambda: json.loads(flow.redeem().content)["refresh_token"],
            lambda rt: flow.form(
                token, {"grant_type": "refresh_token", "refresh_token": rt}
            ),
            '"refresh_token"',
            TOKEN_TARGET,
        ),
    ]
    access = json.loads(flow.redeem().content)["access_token"]
    cases.append(
        _measure(
            "introspect",
            lambda: None,
            lambda _: flow.form("/api/auth/oauth2/introspect", {"token": access}),
            '"active":true',
            None,
        )
    )
    cases.append(
        _measure(
            "jwks",
            lambda: None,
            lambda _: flow.client.get("/api/auth/jwks"),
            '"keys"',
            None,
        )
    )
    return {"cases": cases, "kdf_calls": dict(KDF_CALLS)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON only")
    args = parser.parse_args()
    results = run()
    if args.json:
        print(json.dumps(results))
        return
    for result in results["cases"]:
        target = "-" if result["target"] is None else f"<= {result['target']}"
        verdict = "ok" if result["ok"] else "MISSED"
        print(
            f"{result['case']:26} {result['queries']:3} queries "
            f"({result['transaction_control']} BEGIN/COMMIT)  target {target}  "
            f"{verdict}  rounds {result['per_round']}"
        )
        for statement in result["statements"]:
            print(f"    {statement}")
    print("password KDF calls:", results["kdf_calls"])


if __name__ == "__main__":
    main()
