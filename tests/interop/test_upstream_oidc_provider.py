"""Social login against a real upstream OpenID Provider: panva's oidc-provider.

``upstream_op.mjs`` runs oidc-provider (npm, pinned; an OpenID-certified
provider implementation nobody here wrote) on a free loopback port with one
confidential client whose redirect URI is our live server's
``/callback/upstream``, PKCE required. The test configures that provider
from its discovery URL only, drives ``/sign-in/social`` → the provider's
authorization endpoint → its development login and consent forms (plain
HTTP) → our callback, and ends with a session. The provider reports what
it received, so PKCE S256 and the nonce are checked on its side too
(RFC 7636 §4.3, OIDC Core §3.1.2.1); our callback verifies the ID token
against its JWKS and the RFC 9207 ``iss`` it sends.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from .conftest import HERE, NODE_MODULES

pytestmark = [pytest.mark.interop, pytest.mark.django_db(transaction=True)]

CLIENT_ID = "django-better-auth"
CLIENT_SECRET = "upstream-client-secret-0123456789"
PROVIDER_ID = "upstream"
# A second client of the same provider that authenticates with
# private_key_jwt (RFC 7523 §2.2) instead of a secret.
JWT_CLIENT_ID = "django-better-auth-jwt"
JWT_PROVIDER_ID = "upstream-jwt"
JWT_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
JWT_KID = "rp-key-1"


def _public_jwk() -> str:
    jwk = json.loads(RSAAlgorithm.to_jwk(JWT_KEY.public_key()))
    jwk.update({"kid": JWT_KID, "use": "sig", "alg": "RS256"})
    return json.dumps(jwk)


def _private_pem() -> str:
    return JWT_KEY.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


class Upstream:
    def __init__(self, process: subprocess.Popen[str], issuer: str) -> None:
        self.process = process
        self.issuer = issuer
        self.seen: list[dict[str, Any]] = []
        self.tokens: list[dict[str, Any]] = []
        self.lines: list[str] = []

    def read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)
            try:
                data = json.loads(line)
            except ValueError:
                continue
            if isinstance(data, dict) and "seen" in data:
                self.seen.append(data["seen"])
            if isinstance(data, dict) and "token" in data:
                self.tokens.append(data["token"])


@pytest.fixture
def upstream(live_server: Any) -> Iterator[Upstream]:
    node = shutil.which("node")
    if node is None or not (NODE_MODULES / "oidc-provider").is_dir():
        pytest.fail("needs node and `npm ci --prefix tests/interop` (oidc-provider)")
    redirect_uri = f"{live_server.url}/api/auth/callback/{PROVIDER_ID}"
    jwt_redirect_uri = f"{live_server.url}/api/auth/callback/{JWT_PROVIDER_ID}"
    process = subprocess.Popen(
        [
            node,
            str(HERE / "upstream_op.mjs"),
            redirect_uri,
            CLIENT_ID,
            CLIENT_SECRET,
            jwt_redirect_uri,
            JWT_CLIENT_ID,
            _public_jwk(),
        ],
        cwd=HERE,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = ""
        for _ in range(20):
            first = process.stdout.readline()
            if first.startswith("{"):
                break
        issuer = json.loads(first)["issuer"]
        op = Upstream(process, issuer)
        reader = threading.Thread(target=op.read, daemon=True)
        reader.start()
        yield op
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def configured(
    live_server: Any, upstream: Upstream, better_auth_settings: Callable[..., None]
) -> str:
    from better_auth.social import discovery, id_token, reset

    discovery.clear()
    id_token.jwks_cache.clear()
    reset()
    better_auth_settings(
        BASE_URL=live_server.url,
        OUTBOUND={"ALLOW_LOOPBACK": True},
        GENERIC_OAUTH=[
            {
                "PROVIDER_ID": PROVIDER_ID,
                "DISCOVERY_URL": upstream.issuer + "/.well-known/openid-configuration",
                "CLIENT_ID": CLIENT_ID,
                "CLIENT_SECRET": CLIENT_SECRET,
                "SCOPES": ["email", "profile", "offline_access"],
                "AUTHORIZATION_URL_PARAMS": {"prompt": "consent"},
            },
            {
                "PROVIDER_ID": JWT_PROVIDER_ID,
                "DISCOVERY_URL": upstream.issuer + "/.well-known/openid-configuration",
                "CLIENT_ID": JWT_CLIENT_ID,
                "TOKEN_ENDPOINT_AUTH": {
                    "METHOD": "private_key_jwt",
                    "PRIVATE_KEY": _private_pem(),
                    "KID": JWT_KID,
                },
                "SCOPES": ["email", "profile", "offline_access"],
                "AUTHORIZATION_URL_PARAMS": {"prompt": "consent"},
                # Multi-tenant providers (Zitadel, Auth0) want their tenant
                # or audience on refresh as well.
                "REFRESH_TOKEN_PARAMS": {"tenant": "acme"},
            },
        ],
    )
    return str(live_server.url)


def _form(html: str) -> tuple[str, dict[str, str]]:
    action = re.search(r'<form[^>]*action="([^"]+)"', html)
    assert action, html[:2000]
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))
    return action.group(1), fields


def _drive_provider(browser: requests.Session, url: str, login: str) -> str:
    """Follow the provider's login and consent until it redirects to us."""
    for _ in range(12):
        response = browser.get(url, allow_redirects=False, timeout=10)
        if response.status_code in (302, 303):
            url = urljoin(url, response.headers["location"])
            if "/api/auth/callback/" in url:
                return url
            continue
        assert response.status_code == 200, response.text[:1000]
        action, fields = _form(response.text)
        if fields.get("prompt") == "login":
            fields.update({"login": login, "password": "any"})
        posted = browser.post(
            urljoin(url, action), data=fields, allow_redirects=False, timeout=10
        )
        assert posted.status_code in (302, 303), posted.text[:1000]
        url = urljoin(url, posted.headers["location"])
        if "/api/auth/callback/" in url:
            return url
    raise AssertionError("the provider never redirected back")


def test_full_redirect_flow_with_oidc_provider(configured: str, upstream: Upstream):
    base = configured
    browser = requests.Session()
    started = browser.post(
        f"{base}/api/auth/sign-in/social",
        json={"provider": PROVIDER_ID, "callbackURL": "/dashboard"},
        headers={"Origin": base},
        timeout=30,
    )
    assert started.status_code == 200, started.text
    authorize = started.json()["url"]
    assert authorize.startswith(upstream.issuer + "/auth?")
    sent = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}

    callback = _drive_provider(browser, authorize, "alice")
    query = parse_qs(urlsplit(callback).query)
    assert query["iss"] == [upstream.issuer]  # RFC 9207 from the provider
    assert query["state"] == [sent["state"]]

    landed = browser.get(callback, allow_redirects=False, timeout=30)
    assert landed.status_code == 302, landed.text
    assert landed.headers["location"] == "/dashboard", landed.headers["location"]

    session = browser.get(f"{base}/api/auth/get-session", timeout=10).json()
    assert session is not None
    assert session["user"]["email"] == "alice@upstream.example"
    assert session["user"]["emailVerified"] is True

    (seen,) = [s for s in upstream.seen if s["state"] == sent["state"]]
    assert seen["code_challenge_method"] == "S256"
    assert seen["code_challenge"] == sent["code_challenge"]
    assert seen["nonce"] == sent["nonce"] and len(seen["nonce"]) == 32

    from better_auth.models import Account

    account = Account.objects.get(provider_id=PROVIDER_ID)
    assert (account.issuer, account.account_id) == (upstream.issuer, "alice")
    assert "offline_access" in account.scopes

    # The provider's refresh token works through /refresh-token.
    refreshed = browser.post(
        f"{base}/api/auth/refresh-token",
        json={"accountId": account.id},
        headers={"Origin": base},
        timeout=30,
    )
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["accessToken"] != account.access_token

    # A second authorization response cannot be redeemed with the same state.
    replay = browser.get(callback, allow_redirects=False, timeout=30)
    assert "error=state_mismatch" in replay.headers["location"]


def test_id_token_sign_in_with_a_token_the_provider_issued(
    configured: str, upstream: Upstream
):
    """The id-token flow (mobile / SPA) with an ID token oidc-provider signed."""
    base = configured
    browser = requests.Session()
    started = browser.post(
        f"{base}/api/auth/sign-in/social",
        json={"provider": PROVIDER_ID, "disableRedirect": True},
        headers={"Origin": base},
        timeout=30,
    )
    authorize = started.json()["url"]
    callback = _drive_provider(browser, authorize, "bob")
    landed = browser.get(callback, allow_redirects=False, timeout=30)
    assert landed.status_code == 302

    from better_auth.models import Account

    account = Account.objects.get(account_id="bob")
    id_token = account.id_token
    assert id_token and id_token.count(".") == 2

    app = requests.Session()
    signed_in = app.post(
        f"{base}/api/auth/sign-in/social",
        json={"provider": PROVIDER_ID, "idToken": {"token": id_token}},
        headers={"Origin": base},
        timeout=30,
    )
    assert signed_in.status_code == 200, signed_in.text
    body = signed_in.json()
    assert body["redirect"] is False and body["token"]
    assert body["user"]["email"] == "bob@upstream.example"

    forged = id_token[:-4] + ("AAAA" if not id_token.endswith("AAAA") else "BBBB")
    refused = app.post(
        f"{base}/api/auth/sign-in/social",
        json={"provider": PROVIDER_ID, "idToken": {"token": forged}},
        headers={"Origin": base},
        timeout=30,
    )
    assert refused.status_code == 401
    assert refused.json()["code"] == "INVALID_TOKEN"


def test_private_key_jwt_and_refresh_params_seen_by_the_provider(
    configured: str, upstream: Upstream
):
    """RFC 7523 §2.2 client authentication on code and refresh grants.

    oidc-provider verifies our client assertion against the public JWK the
    client was registered with, and reports the extra refresh parameter
    (``REFRESH_TOKEN_PARAMS``) it received on the refresh grant (RFC 6749 §6).
    Sign-out then hands back its end-session URL (RP-Initiated Logout 1.0 §2).
    """
    base = configured
    browser = requests.Session()
    started = browser.post(
        f"{base}/api/auth/sign-in/social",
        json={"provider": JWT_PROVIDER_ID, "callbackURL": "/dashboard"},
        headers={"Origin": base},
        timeout=30,
    )
    assert started.status_code == 200, started.text
    callback = _drive_provider(browser, started.json()["url"], "carol")
    landed = browser.get(callback, allow_redirects=False, timeout=30)
    assert landed.headers["location"] == "/dashboard", landed.headers["location"]

    from better_auth.models import Account

    account = Account.objects.get(provider_id=JWT_PROVIDER_ID)
    assert account.account_id == "carol"
    refreshed = browser.post(
        f"{base}/api/auth/refresh-token",
        json={"accountId": account.id},
        headers={"Origin": base},
        timeout=30,
    )
    assert refreshed.status_code == 200, refreshed.text

    seen = [t for t in upstream.tokens if t["client_id"] == JWT_CLIENT_ID]
    grants = [t["grant_type"] for t in seen]
    assert grants == ["authorization_code", "refresh_token"], upstream.tokens
    for token in seen:
        assert token["status"] == 200
        assert token["auth_method"] == "private_key_jwt"
        assert token["client_assertion_type"] == (
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        )
    assert seen[0]["extra"] == {}
    assert seen[1]["extra"] == {"tenant": "acme"}

    # RP-initiated logout: sign-out hands back the provider's end-session
    # URL from discovery, which oidc-provider accepts (its confirm form).
    signed_out = browser.post(
        f"{base}/api/auth/sign-out",
        json={"disableRedirect": True},
        headers={"Origin": base},
        timeout=30,
    )
    assert signed_out.status_code == 200, signed_out.text
    logout = signed_out.json()
    assert logout["success"] is True and logout["redirect"] is False
    assert logout["url"].startswith(upstream.issuer + "/session/end?")
    hint = parse_qs(urlsplit(logout["url"]).query)["id_token_hint"]
    assert hint == [Account.objects.get(pk=account.pk).id_token]
    confirm = browser.get(logout["url"], allow_redirects=False, timeout=30)
    assert confirm.status_code == 200, confirm.text[:500]
    assert "logout" in confirm.text.lower()
