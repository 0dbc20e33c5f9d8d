"""An MCP client's discovery, registration and token use, end to end.

The live server serves an MCP-shaped JSON-RPC endpoint at ``<server>/mcp``
protected with :mod:`better_auth_oauth_provider.mcp`, next to the auth API.
``oauth_mcp_registration_cimd_flow.mjs`` (openid-client v6 and its
oauth4webapi) then does what the MCP authorization specification
(2025-06-18 and later) asks of a client: follow the 401 challenge to the
RFC 9728 metadata, discover the authorization server (RFC 8414), become a
client by dynamic registration (RFC 7591) or by a client ID metadata
document served from loopback, authorize with ``resource`` = the MCP URL
(RFC 8707), and call the endpoint with the audience-bound token, also after
a refresh. The registered or document client gets tokens for the MCP
resource because the module links new clients to it.
"""

from __future__ import annotations

import json
import secrets
import sys
import time
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.http import HttpRequest, JsonResponse
from django.urls import clear_url_caches, include, path

from .conftest import NODE_MODULES, FlowResult
from .test_openid_client_private_key_jwt import LoopbackDocuments

pytestmark = [pytest.mark.interop]

REDIRECT_URI = "http://127.0.0.1/callback"
URLCONF = "tests.interop._mcp_live_urls"


def _tools_list(request: HttpRequest) -> JsonResponse:
    message = json.loads(request.body or b"{}")
    caller = request.access_token.subject  # type: ignore[attr-defined]
    result = {"tools": [{"name": "whoami"}], "caller": caller}
    return JsonResponse({"jsonrpc": "2.0", "id": message.get("id"), "result": result})


@pytest.fixture
def mcp_server(
    auth_server: str, settings: Any, better_auth_settings: Callable[..., None]
) -> Iterator[Any]:
    """The live server with the MCP endpoint in its URLconf and the
    provider configured as an MCP authorization server."""
    from better_auth.keys import reset_cache
    from better_auth_oauth_provider.mcp import mcp_protected_resource
    from better_auth_oauth_provider.services import client_metadata_documents

    mcp = mcp_protected_resource(f"{auth_server}/mcp", scopes=["mcp:tools"])
    module = types.ModuleType(URLCONF)
    module.urlpatterns = [  # type: ignore[attr-defined]
        *mcp.urlpatterns(),
        path("mcp", mcp.protect(_tools_list)),
        path("", include("tests.urls")),
    ]
    sys.modules[URLCONF] = module
    settings.ROOT_URLCONF = URLCONF
    clear_url_caches()
    better_auth_settings(
        BASE_URL=auth_server,
        OUTBOUND={"ALLOW_LOOPBACK": True},
        OAUTH_PROVIDER={
            "LOGIN_PAGE": f"{auth_server}/login",
            "CONSENT_PAGE": f"{auth_server}/consent",
            "SCOPES": ["openid", "profile", "email", "offline_access", "mcp:tools"],
            "RESOURCES": [mcp.resource_entry()],
            "ALLOW_DYNAMIC_CLIENT_REGISTRATION": True,
            "ALLOW_UNAUTHENTICATED_CLIENT_REGISTRATION": True,
            "CLIENT_ID_METADATA_DOCUMENTS": True,
        },
    )
    reset_cache()
    client_metadata_documents.reset_backoff()
    yield mcp
    reset_cache()
    client_metadata_documents.reset_backoff()
    sys.modules.pop(URLCONF, None)
    clear_url_caches()


@pytest.mark.parametrize("mode", ["registration", "cimd"])
def test_mcp_client_discovers_registers_and_calls(
    auth_server: str,
    mcp_server: Any,
    run_flow: Callable[..., FlowResult],
    tmp_path: Path,
    mode: str,
) -> None:
    """MCP authorization: 401 challenge -> RFC 9728 metadata -> RFC 8414
    metadata -> client (RFC 7591 or metadata document) -> RFC 8707
    audience-bound token accepted by the MCP endpoint."""
    if not (NODE_MODULES / "openid-client").is_dir():
        pytest.fail(
            "openid-client is not installed; run `npm ci --prefix tests/interop`"
        )
    run = secrets.token_hex(4)
    with LoopbackDocuments(client={}) as served:
        client_id = served.url("client")
        served.documents["/client.json"] = {
            "client_id": client_id,
            "client_name": "MCP client (document)",
            "redirect_uris": [REDIRECT_URI],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "none",
        }
        config = {
            "mcp_url": mcp_server.resource,
            "mode": mode,
            "client_id": client_id,
            "redirect_uri": REDIRECT_URI,
            "login_page": f"{auth_server}/login",
            "consent_page": f"{auth_server}/consent",
            "user": {
                "email": f"mcp-{run}@example.test",
                "password": f"pw-{secrets.token_urlsafe(12)}",
                "name": "MCP User",
            },
        }
        config_file = tmp_path / "client.json"
        config_file.write_text(json.dumps(config))
        try:
            result = run_flow(
                "oauth_mcp_registration_cimd_flow.mjs", auth_server, str(config_file)
            )
        finally:
            time.sleep(0.3)  # let the live server close its connection

    client_step = {
        "cimd": "client-id-metadata-document",
        "registration": "dynamic-client-registration",
    }[mode]
    assert result.returncode == 0, result.report()
    assert [s["step"] for s in result.steps] == [
        "unauthenticated-call-is-challenged",
        "protected-resource-metadata",
        "authorization-server-discovery",
        client_step,
        "sign-up",
        "authorize-redirects-to-login-page",
        "sign-in-with-oauth-query",
        "consent-page-client-info",
        "consent-accept",
        "callback-carries-code-state-iss",
        "token-for-the-mcp-resource",
        "mcp-call-with-the-token",
        "refresh-keeps-the-resource",
    ], result.report()
    assert result.summary is not None and result.summary["ok"], result.report()
