"""An example relying party that signs in through the demo's OAuth provider.

Uses Authlib's OAuth 2.0 client (``pip install -e '.[demo]'``), a library
the provider's authors did not write, so it shows that a standard client
works unchanged: OpenID Connect discovery, the authorization code flow with
PKCE (RFC 7636, S256), the ``iss`` check of RFC 9207, the token exchange,
ID token validation against ``/jwks``, UserInfo, refresh and revocation.

Run the demo first (``./scripts/demo``), sign in on http://127.0.0.1:8000,
register the example client once, then run this script::

    .venv/bin/python manage.py seed_demo_client
    .venv/bin/python demo/example_rp.py

It opens the browser on the authorization URL, receives the redirect on
``http://127.0.0.1:8765/callback`` and prints what it learned. Options:
``--issuer`` (default http://127.0.0.1:8000/api/auth), ``--client-id``,
``--redirect-uri``, ``--no-browser`` (print the URL instead).
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import threading
import warnings
import webbrowser
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet

DEFAULT_ISSUER = "http://127.0.0.1:8000/api/auth"
DEFAULT_CLIENT_ID = "demo-example-rp"
DEFAULT_REDIRECT_URI = "http://127.0.0.1:8765/callback"
SCOPE = "openid profile email offline_access"


class FlowError(RuntimeError):
    """A step of the flow did not behave as the specifications require."""


def discover(issuer: str) -> dict[str, Any]:
    """OpenID Connect Discovery §4: the document must name the same issuer."""
    response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10)
    response.raise_for_status()
    metadata = response.json()
    if metadata.get("issuer") != issuer:
        raise FlowError(f"discovery names issuer {metadata.get('issuer')!r}")
    return metadata


def verify_id_token(
    id_token: str, metadata: dict[str, Any], client_id: str, nonce: str | None
) -> dict[str, Any]:
    """OIDC Core §3.1.3.7: signature from the JWKS, iss, aud, exp, nonce."""
    jwks = requests.get(metadata["jwks_uri"], timeout=10).json()
    algorithms = metadata.get("id_token_signing_alg_values_supported") or ["EdDSA"]
    with warnings.catch_warnings():
        # joserfc flags the polymorphic name EdDSA, which RFC 9864 deprecates
        # in favour of Ed25519; the provider signs as EdDSA, as Better Auth
        # does. The name is the point of the warning, not the signature.
        warnings.filterwarnings("ignore", message=".*RFC 9864.*")
        token = jwt.decode(id_token, KeySet.import_key_set(jwks), algorithms=algorithms)
    claims = dict(token.claims)
    options: dict[str, Any] = {
        "iss": {"essential": True, "value": metadata["issuer"]},
        "aud": {"essential": True, "value": client_id},
        "exp": {"essential": True},
        "sub": {"essential": True},
    }
    if nonce is not None:
        options["nonce"] = {"essential": True, "value": nonce}
    jwt.JWTClaimsRegistry(**options).validate(claims)
    return claims


def run_flow(
    issuer: str,
    client_id: str,
    redirect_uri: str,
    user_agent: Callable[[str], str],
    *,
    client_secret: str | None = None,
) -> dict[str, Any]:
    """Sign in once and exercise the token lifecycle; returns what was seen.

    ``user_agent(authorization_url)`` plays the browser: it must return the
    full URL the provider redirected to. A public client (no secret) uses
    ``none`` client authentication; with a secret, ``client_secret_basic``.
    """
    with OAuth2Session(
        client_id,
        client_secret,
        scope=SCOPE,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic" if client_secret else "none",
    ) as client:
        return _flow(client, discover(issuer), client_id, user_agent)


def _flow(
    client: OAuth2Session,
    metadata: dict[str, Any],
    client_id: str,
    user_agent: Callable[[str], str],
) -> dict[str, Any]:
    verifier = secrets.token_urlsafe(48)
    nonce = secrets.token_urlsafe(16)
    url, state = client.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    callback = user_agent(url)
    params = parse_qs(urlsplit(callback).query)
    if params.get("state") != [state]:
        raise FlowError("the redirect does not carry the state that was sent")
    if metadata.get("authorization_response_iss_parameter_supported") and params.get(
        "iss"
    ) != [metadata["issuer"]]:
        raise FlowError("the redirect's iss is not the issuer (RFC 9207)")
    if "error" in params:
        raise FlowError(f"authorization failed: {params['error'][0]}")
    token = client.fetch_token(
        metadata["token_endpoint"],
        authorization_response=callback,
        code_verifier=verifier,
    )
    claims = verify_id_token(token["id_token"], metadata, client_id, nonce)
    userinfo = client.get(metadata["userinfo_endpoint"]).json()
    if userinfo.get("sub") != claims["sub"]:
        raise FlowError("UserInfo sub differs from the ID token's (OIDC Core §5.3.2)")
    seen: dict[str, Any] = {
        "issuer": metadata["issuer"],
        "id_token_claims": claims,
        "userinfo": userinfo,
        "scope": token.get("scope"),
    }
    if token.get("refresh_token"):
        refreshed = client.refresh_token(
            metadata["token_endpoint"], refresh_token=token["refresh_token"]
        )
        seen["refreshed"] = refreshed.get("access_token") != token["access_token"]
        if metadata.get("revocation_endpoint"):
            response = client.revoke_token(
                metadata["revocation_endpoint"],
                token=refreshed["refresh_token"],
                token_type_hint="refresh_token",
            )
            seen["revoked"] = response.status_code == 200
    return seen


def browser_user_agent(redirect_uri: str, *, open_browser: bool = True) -> Callable:
    """A user agent that opens the system browser and catches the redirect."""
    parts = urlsplit(redirect_uri)
    received: dict[str, str] = {}
    done = threading.Event()

    class Callback(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            if urlsplit(self.path).path != parts.path:
                self.send_error(404)
                return
            received["url"] = f"{parts.scheme}://{parts.netloc}{self.path}"
            body = b"Signed in. You can close this tab and return to the terminal.\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            done.set()

        def log_message(self, format: str, *args: Any) -> None:
            return  # the callback URL carries the code; keep it off the console

    def user_agent(url: str) -> str:
        server = HTTPServer((parts.hostname or "127.0.0.1", parts.port or 80), Callback)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            if open_browser:
                webbrowser.open(url)
            print(f"Sign in at:\n  {url}\n", file=sys.stderr)
            if not done.wait(timeout=300):
                raise FlowError("no redirect received within 5 minutes")
        finally:
            server.shutdown()
        return received["url"]

    return user_agent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--issuer", default=DEFAULT_ISSUER)
    parser.add_argument("--client-id", default=DEFAULT_CLIENT_ID)
    parser.add_argument("--client-secret")
    parser.add_argument("--redirect-uri", default=DEFAULT_REDIRECT_URI)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args(argv)
    agent = browser_user_agent(args.redirect_uri, open_browser=not args.no_browser)
    try:
        seen = run_flow(
            args.issuer,
            args.client_id,
            args.redirect_uri,
            agent,
            client_secret=args.client_secret,
        )
    except (FlowError, requests.RequestException) as error:
        print(f"example RP failed: {error}", file=sys.stderr)
        return 1
    print(json.dumps(seen, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
