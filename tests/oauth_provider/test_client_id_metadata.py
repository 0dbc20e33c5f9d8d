"""Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document).

Documents are served from a loopback server started by each test, with
``OUTBOUND.ALLOW_LOOPBACK`` on (which is also what lets an ``http``
loopback URL stand for the draft's https client_id); nothing reaches the
internet. The fixtures in ``data/cimd/`` have the shapes MCP clients
publish; their ``client_id`` is replaced by the URL they are served at.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from better_auth import clock
from better_auth_oauth_provider.models import ClientProfile
from better_auth_oauth_provider.oauth.client_assertion import JWT_BEARER
from better_auth_oauth_provider.oauth.client_id_metadata import (
    is_metadata_document_url,
)
from better_auth_oauth_provider.services import client_metadata_documents
from better_auth_oauth_provider.services.client_lookup import Application, get_client
from better_auth_oauth_provider.services.clients import create_client
from tests.oauth_provider.conftest import ISSUER, LOGIN_PAGE, OAUTH_TEST_SETTINGS
from tests.oauth_provider.test_private_key_jwt import Key, jwk_set
from tests.oauth_provider.test_token import issue_code, pkce_pair, post_form

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent / "data" / "cimd"
CLAUDE_REDIRECT = "https://claude.ai/api/mcp/auth_callback"


def fixture_document(name: str) -> dict[str, Any]:
    return json.loads((DATA / name).read_text())


class DocumentServer:
    """Serves ``routes[path] = (status, headers, body)``; counts requests."""

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.hits: dict[str, int] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                outer.hits[self.path] = outer.hits.get(self.path, 0) + 1
                status, headers, body = outer.routes.get(
                    self.path, (404, {}, b"not found")
                )
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def publish(
        self,
        path: str,
        document: Any,
        *,
        status: int = 200,
        cache_control: str | None = None,
        content_type: str = "application/json",
        raw: bytes | None = None,
    ) -> str:
        """Serve ``document`` at ``path`` with its client_id set to the URL."""
        url = self.base + path
        if isinstance(document, dict) and "client_id" in document:
            document = {**document, "client_id": url}
        headers = {"Content-Type": content_type}
        if cache_control:
            headers["Cache-Control"] = cache_control
        body = raw if raw is not None else json.dumps(document).encode()
        self.routes[path] = (status, headers, body)
        return url


def enable(better_auth_settings: Callable[..., None], **overrides: Any) -> None:
    """Documents on, loopback fetches allowed (one call: each call of the
    settings fixture starts again from the test settings)."""
    better_auth_settings(
        OUTBOUND={"ALLOW_LOOPBACK": True},
        OAUTH_PROVIDER={
            **OAUTH_TEST_SETTINGS,
            "CLIENT_ID_METADATA_DOCUMENTS": True,
            **overrides,
        },
    )


@pytest.fixture
def cimd(better_auth_settings: Callable[..., None]) -> Iterator[DocumentServer]:
    enable(better_auth_settings)
    client_metadata_documents.reset_backoff()
    served = DocumentServer()
    thread = threading.Thread(
        target=served.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield served
    served.server.shutdown()
    served.server.server_close()
    client_metadata_documents.reset_backoff()


def _authorize(api: Any, client_id: str, verifier_challenge: str) -> Any:
    return api.get(
        "/oauth2/authorize",
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": CLAUDE_REDIRECT,
            "scope": "openid profile",
            "state": "s1",
            "code_challenge": verifier_challenge,
            "code_challenge_method": "S256",
        },
        headers={"accept": "text/html"},
    )


# --- resolution ------------------------------------------------------------------


def test_claude_document_becomes_a_public_client(cimd: DocumentServer) -> None:
    """Draft §4: the document is the client's metadata; it is stored as a
    marked Application keyed by the URL, public (``none``), needing consent."""
    url = cimd.publish(
        "/oauth/mcp-oauth-client-metadata", fixture_document("claude.json")
    )
    app = get_client(url)
    assert app is not None
    assert app.client_id == url
    assert app.registration_source == Application.RegistrationSource.CIMD
    assert app.client_type == Application.CLIENT_PUBLIC
    assert app.redirect_uris == CLAUDE_REDIRECT
    assert app.name == "Claude"
    profile = app.better_auth_profile
    assert profile.token_endpoint_auth_method == "none"
    assert profile.skip_consent is False
    assert profile.grant_types == ["authorization_code", "refresh_token"]
    assert app.cimd_expires_at > clock.now()


def test_vscode_document_mixes_loopback_and_web_redirects(
    cimd: DocumentServer,
) -> None:
    """RFC 8252 §7.3 loopback and https redirect URIs in one native client."""
    url = cimd.publish("/oauth/client-metadata.json", fixture_document("vscode.json"))
    app = get_client(url)
    assert app is not None
    assert app.redirect_uris.split() == [
        "http://127.0.0.1:33418/",
        "https://vscode.dev/redirect",
    ]


def test_authorize_and_token_without_registration(
    cimd: DocumentServer, signed_in_api: Any
) -> None:
    """Draft §1: the URL works at the authorization endpoint (the browser is
    sent on towards consent) and at the token endpoint (public client, PKCE)
    with no registration step."""
    url = cimd.publish("/claude.json", fixture_document("claude.json"))
    verifier, challenge = pkce_pair()
    response = _authorize(signed_in_api, url, challenge)
    assert response.status_code == 302, response.content
    assert "/error" not in response["Location"]

    app = get_client(url)
    code = issue_code(
        app, signed_in_api.user, challenge=challenge, redirect_uri=CLAUDE_REDIRECT
    )
    exchanged = post_form(
        "/oauth2/token",
        {
            "grant_type": "authorization_code",
            "client_id": url,
            "code": code,
            "code_verifier": verifier,
            "redirect_uri": CLAUDE_REDIRECT,
        },
    )
    assert exchanged.status_code == 200, exchanged.content
    assert cimd.hits["/claude.json"] == 1


def test_unknown_url_client_goes_to_login_like_any_client(
    cimd: DocumentServer, api: Any
) -> None:
    """Without a session the flow proceeds to the login page, as for a
    registered client."""
    url = cimd.publish("/claude.json", fixture_document("claude.json"))
    _, challenge = pkce_pair()
    response = _authorize(api, url, challenge)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_PAGE)


def test_fresh_documents_are_not_refetched(cimd: DocumentServer) -> None:
    """HTTP freshness (RFC 9111 §4.2): within max-age the stored row is used."""
    url = cimd.publish(
        "/c.json", fixture_document("claude.json"), cache_control="max-age=600"
    )
    assert get_client(url) is not None
    assert get_client(url) is not None
    assert cimd.hits["/c.json"] == 1


def test_stale_documents_are_refetched_and_the_row_follows(
    cimd: DocumentServer,
) -> None:
    """After max-age (clamped to the 60 s floor) the next lookup refetches
    and rewrites the row from the new document; operator settings stay."""
    document = fixture_document("claude.json")
    with clock.freeze():
        url = cimd.publish("/c.json", document, cache_control="max-age=0")
        app = get_client(url)
        ClientProfile.objects.filter(application=app).update(skip_consent=True)
        clock.advance(30)
        assert get_client(url) is not None
        assert cimd.hits["/c.json"] == 1
        changed = {**document, "redirect_uris": ["https://claude.ai/new/cb"]}
        cimd.publish("/c.json", changed)
        clock.advance(31)
        refreshed = get_client(url)
    assert cimd.hits["/c.json"] == 2
    assert refreshed.pk == app.pk
    assert refreshed.redirect_uris == "https://claude.ai/new/cb"
    assert refreshed.better_auth_profile.skip_consent is True
    assert Application.objects.filter(client_id=url).count() == 1


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, 60),
        ("max-age=10", 60),
        ("max-age=600", 600),
        ("public, max-age=999999", 3600),
        ("no-store", 60),
        ("max-age=abc", 60),
    ],
)
def test_freshness_is_clamped(cimd: DocumentServer, header: Any, seconds: int) -> None:
    """max-age within the configured floor (60 s) and ceiling (3600 s)."""
    assert client_metadata_documents.freshness(header) == seconds


def test_stale_row_whose_document_is_gone_fails_closed(
    cimd: DocumentServer,
) -> None:
    """A document that can no longer be fetched does not keep a stale
    client alive (Better Auth: a failed refresh fails the request)."""
    with clock.freeze():
        url = cimd.publish("/c.json", fixture_document("claude.json"))
        assert get_client(url) is not None
        cimd.routes["/c.json"] = (500, {}, b"oops")
        clock.advance(120)
        assert get_client(url) is None


def test_failures_are_backed_off(cimd: DocumentServer) -> None:
    """A refused document is not fetched again during the backoff."""
    url = cimd.publish("/bad.json", {"client_id": "https://elsewhere.test/x"})
    cimd.routes["/bad.json"] = (
        200,
        {"Content-Type": "application/json"},
        json.dumps({"client_id": "https://elsewhere.test/x"}).encode(),
    )
    assert get_client(url) is None
    assert get_client(url) is None
    assert cimd.hits["/bad.json"] == 1


# --- refusals --------------------------------------------------------------------


def _refused(cimd: DocumentServer, document: Any, **options: Any) -> None:
    path = f"/doc-{len(cimd.routes)}.json"
    url = cimd.publish(path, document, **options)
    assert get_client(url) is None
    assert not Application.objects.filter(client_id=url).exists()


def test_mismatched_client_id_is_refused(cimd: DocumentServer) -> None:
    """Draft §4.1: the document's client_id must equal its URL exactly."""
    path = "/m.json"
    url = cimd.base + path
    for other in (url + "/", url.upper(), url + "?x=1", "https://claude.ai/x"):
        cimd.routes[path] = (
            200,
            {"Content-Type": "application/json"},
            json.dumps(
                {**fixture_document("claude.json"), "client_id": other}
            ).encode(),
        )
        client_metadata_documents.reset_backoff()
        assert get_client(url) is None


@pytest.mark.parametrize(
    "extra",
    [
        {"client_secret": "s3cret"},
        {"client_secret_expires_at": 0},
        {"token_endpoint_auth_method": "client_secret_basic"},
        {"token_endpoint_auth_method": "client_secret_post"},
        {"token_endpoint_auth_method": "client_secret_jwt"},
        {"token_endpoint_auth_method": "private_key_jwt"},
        {"skip_consent": True},
        {"backchannel_logout_uri": "https://claude.ai/logout"},
        {"redirect_uris": ["javascript:alert(1)"]},
        {"redirect_uris": ["http://claude.ai/cb"]},
        {"redirect_uris": []},
        {"grant_types": ["client_credentials"], "redirect_uris": None},
        {"jwks": [{"kty": "OKP"}], "token_endpoint_auth_method": "private_key_jwt"},
    ],
)
def test_unacceptable_documents_are_refused(
    cimd: DocumentServer, extra: dict[str, Any]
) -> None:
    """Draft §4.1: no shared secret and no symmetric method (the client
    has no secret with this server); private_key_jwt needs keys; no
    server-owned flags; redirect URIs by the registration rules; and an
    unauthenticated document never gets client_credentials (RFC 7591 §3)."""
    document = {**fixture_document("claude.json"), **extra}
    _refused(cimd, {k: v for k, v in document.items() if v is not None})


def test_oversize_documents_are_refused(cimd: DocumentServer) -> None:
    """Draft §6: documents are small; more than 5 KB is refused."""
    document = {**fixture_document("claude.json"), "client_name": "x" * 6000}
    _refused(cimd, document)


def test_non_json_and_non_200_answers_are_refused(cimd: DocumentServer) -> None:
    _refused(cimd, fixture_document("claude.json"), content_type="text/html")
    _refused(cimd, fixture_document("claude.json"), status=203)
    _refused(cimd, None, raw=b"{not json")
    _refused(cimd, ["not", "an", "object"])


def test_redirects_are_refused(cimd: DocumentServer) -> None:
    """The document is identified by its URL: a redirect is not followed."""
    target = cimd.publish("/real.json", fixture_document("claude.json"))
    cimd.routes["/moved.json"] = (302, {"Location": target}, b"")
    assert get_client(cimd.base + "/moved.json") is None
    assert cimd.hits.get("/real.json") is None


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.1/client.json",
        "https://169.254.169.254/latest/meta-data",
        "https://[::ffff:127.0.0.1]/client.json",
        "https://192.168.1.10/client.json",
    ],
)
def test_private_addresses_are_never_fetched(cimd: DocumentServer, url: str) -> None:
    """SSRF (draft §6; RFC 9700 §4.x): the outbound guard refuses them."""
    assert get_client(url) is None


@pytest.mark.parametrize(
    "url",
    [
        "https://client.example.test",
        "https://client.example.test/a#frag",
        "https://user:pass@client.example.test/a",
        "https://client.example.test/a/../b",
        "https://client.example.test/a/%2e%2e/b",
        "https://client.example.test/./a",
        "http://client.example.test/a",
        "ftp://client.example.test/a",
        "https://client.example.test\\@evil.test/a",
        "not a url",
    ],
)
def test_client_id_url_rules(url: str) -> None:
    """Draft §3: https, a path, no dot segments, fragment or credentials."""
    assert is_metadata_document_url(url, allow_loopback=True) is False


def test_loopback_http_only_when_allowed() -> None:
    assert is_metadata_document_url("https://client.example.test/a")
    assert is_metadata_document_url("https://client.example.test/a?v=1")
    assert not is_metadata_document_url("http://127.0.0.1:8000/a")
    assert is_metadata_document_url("http://127.0.0.1:8000/a", allow_loopback=True)


def test_loopback_document_is_not_fetched_without_the_setting(
    cimd: DocumentServer, better_auth_settings: Callable[..., None]
) -> None:
    url = cimd.publish("/c.json", fixture_document("claude.json"))
    better_auth_settings(
        OUTBOUND={"ALLOW_LOOPBACK": False},
        OAUTH_PROVIDER={**OAUTH_TEST_SETTINGS, "CLIENT_ID_METADATA_DOCUMENTS": True},
    )
    assert get_client(url) is None
    assert cimd.hits == {}


# --- settings, ownership, discovery ------------------------------------------------


def test_off_by_default(better_auth_settings: Callable[..., None], api: Any) -> None:
    """Better Auth's cimd plugin is opt-in; off, a URL is an unknown client
    and discovery does not claim support."""
    better_auth_settings(OUTBOUND={"ALLOW_LOOPBACK": True})
    served = DocumentServer()
    thread = threading.Thread(
        target=served.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        url = served.publish("/c.json", fixture_document("claude.json"))
        assert get_client(url) is None
        assert served.hits == {}
    finally:
        served.server.shutdown()
        served.server.server_close()
    doc = api.get("/.well-known/oauth-authorization-server").json()
    assert "client_id_metadata_document_supported" not in doc


def test_discovery_advertises_support_when_on(cimd: DocumentServer, api: Any) -> None:
    """Draft §5: client_id_metadata_document_supported in RFC 8414 metadata."""
    doc = api.get("/.well-known/oauth-authorization-server").json()
    assert doc["client_id_metadata_document_supported"] is True
    assert "none" in doc["token_endpoint_auth_methods_supported"]


def test_stored_document_client_fails_closed_when_turned_off(
    cimd: DocumentServer, better_auth_settings: Callable[..., None]
) -> None:
    url = cimd.publish("/c.json", fixture_document("claude.json"))
    assert get_client(url) is not None
    enable(better_auth_settings, CLIENT_ID_METADATA_DOCUMENTS=False)
    assert get_client(url) is None


def test_registered_client_owning_the_url_is_never_fetched(
    cimd: DocumentServer,
) -> None:
    """A managed or dynamically registered client keeps its URL client_id;
    the document is not fetched and cannot take the client over."""
    url = cimd.base + "/owned.json"
    app, _ = create_client(
        {"redirect_uris": ["https://app.example.test/cb"]}, client_id=url
    )
    cimd.publish("/owned.json", fixture_document("claude.json"))
    found = get_client(url)
    assert found.pk == app.pk
    assert found.redirect_uris == "https://app.example.test/cb"
    assert cimd.hits == {}


def test_document_client_with_private_key_jwt(cimd: DocumentServer) -> None:
    """Draft §4.1 allows asymmetric client authentication: the document's
    jwks authenticates assertions at the token endpoint (RFC 7523)."""
    key = Key("ES256")
    document = {
        **fixture_document("claude.json"),
        "token_endpoint_auth_method": "private_key_jwt",
        "jwks": jwk_set(key),
    }
    url = cimd.publish("/jwt.json", document)
    app = get_client(url)
    assert app.client_type == Application.CLIENT_CONFIDENTIAL
    # A code grant needs a user; the assertion alone is checked at the
    # revocation endpoint, which any authenticated client may call.
    revoked = post_form(
        "/oauth2/revoke",
        {
            "token": "unknown-token",
            "client_assertion_type": JWT_BEARER,
            "client_assertion": key.sign(url, aud=f"{cimd.base}/x"),
        },
    )
    assert revoked.status_code == 401
    ok = post_form(
        "/oauth2/revoke",
        {
            "token": "unknown-token",
            "client_assertion_type": JWT_BEARER,
            "client_assertion": key.sign(url, aud=ISSUER),
        },
    )
    assert ok.status_code == 200, ok.content


def test_no_secret_is_ever_issued(cimd: DocumentServer) -> None:
    url = cimd.publish("/c.json", fixture_document("claude.json"))
    app = get_client(url)
    assert app.client_secret == ""
