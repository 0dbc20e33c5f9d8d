"""openid-client (npm, v6, pinned) as a client ID metadata document client.

draft-ietf-oauth-client-id-metadata-document: the ``client_id`` is an URL
whose document is the client's RFC 7591 §2 metadata, so the client needs no
registration (how MCP clients identify themselves). The test serves the
document from loopback; the live server runs with
``CLIENT_ID_METADATA_DOCUMENTS`` and ``OUTBOUND.ALLOW_LOOPBACK`` on (plain
``http`` document URLs are accepted only on loopback, for tests).
``oauth_cimd_flow.mjs`` then signs in with the URL as ``client_id``: as a
public client with PKCE, or authenticating with ``private_key_jwt`` and the
key the document publishes. A document whose ``client_id`` differs from its
URL (draft §4.1) is refused.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import NODE_MODULES, FlowResult
from .test_openid_client_private_key_jwt import LoopbackDocuments, key_pair

pytestmark = [pytest.mark.interop]

REDIRECT_URI = "http://127.0.0.1/callback"
SCOPE = "openid profile email offline_access"
STEPS = [
    "discovery",
    "sign-up",
    "authorize-redirects-to-login-page",
    "sign-in-with-oauth-query",
    "consent-page-client-info",
    "consent-accept",
    "callback-carries-code-state-iss",
    "consent-shows-the-document-name",
    "token-exchange-with-id-token-validation",
    "refresh-rotates",
    "revoke-refresh-token",
    "refresh-with-revoked-token-refused",
    "mismatched-document-refused",
]


@pytest.fixture
def provider(
    auth_server: str, better_auth_settings: Callable[..., None]
) -> Iterator[str]:
    from better_auth.keys import reset_cache
    from better_auth_oauth_provider.services import client_metadata_documents

    better_auth_settings(
        BASE_URL=auth_server,
        OUTBOUND={"ALLOW_LOOPBACK": True},
        OAUTH_PROVIDER={
            "LOGIN_PAGE": f"{auth_server}/login",
            "CONSENT_PAGE": f"{auth_server}/consent",
            "CLIENT_ID_METADATA_DOCUMENTS": True,
        },
    )
    reset_cache()
    client_metadata_documents.reset_backoff()
    yield auth_server
    reset_cache()
    client_metadata_documents.reset_backoff()


def _document(client_id: str, public_jwk: dict[str, Any] | None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "client_id": client_id,
        "client_name": "Document-identified client",
        "client_uri": client_id.rsplit("/", 1)[0],
        "redirect_uris": [REDIRECT_URI],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
    }
    if public_jwk is not None:
        doc["token_endpoint_auth_method"] = "private_key_jwt"
        doc["jwks"] = {"keys": [public_jwk]}
    return doc


@pytest.mark.parametrize("method", ["none", "private_key_jwt"])
def test_openid_client_signs_in_with_a_metadata_document_client_id(
    provider: str,
    run_flow: Callable[..., FlowResult],
    tmp_path: Path,
    method: str,
) -> None:
    """The document is fetched once, becomes a client row marked ``cimd``,
    and the URL works as client_id at authorize, token and revocation."""
    if not (NODE_MODULES / "openid-client").is_dir():
        pytest.fail(
            "openid-client is not installed; run `npm ci --prefix tests/interop`"
        )
    public, private = key_pair("ES256") if method == "private_key_jwt" else (None, None)
    run = secrets.token_hex(4)
    with LoopbackDocuments(client={}, mismatched={}) as served:
        client_id = served.url("client")
        served.documents["/client.json"] = _document(client_id, public)
        served.documents["/mismatched.json"] = _document(
            "https://elsewhere.example.test/client.json", None
        )
        config = {
            "client_id": client_id,
            "client_name": "Document-identified client",
            "mismatched_client_id": served.url("mismatched"),
            "private_jwk": private,
            "redirect_uri": REDIRECT_URI,
            "scope": SCOPE,
            "login_page": f"{provider}/login",
            "consent_page": f"{provider}/consent",
            "user": {
                "email": f"cimd-{run}@example.test",
                "password": f"pw-{secrets.token_urlsafe(12)}",
                "name": "Document Client User",
            },
        }
        config_file = tmp_path / "client.json"
        config_file.write_text(json.dumps(config))
        try:
            result = run_flow("oauth_cimd_flow.mjs", provider, str(config_file))
        finally:
            time.sleep(0.3)  # let the live server close its connection
        fetches = dict(served.fetches)

    assert result.returncode == 0, result.report()
    assert [s["step"] for s in result.steps] == STEPS, result.report()
    assert result.summary is not None and result.summary["ok"], result.report()
    # Fresh for CLIENT_ID_METADATA_DOCUMENT_MIN_CACHE_SECONDS: one fetch
    # serves the whole flow; the refused document is fetched once too.
    assert fetches == {"/client.json": 1, "/mismatched.json": 1}

    from better_auth_oauth_provider.services.client_lookup import Application

    row = Application.objects.get(client_id=client_id)
    assert row.registration_source == Application.RegistrationSource.CIMD
    assert not Application.objects.filter(client_id=served.url("mismatched")).exists()
