"""An MCP server protected with :mod:`better_auth_oauth_provider.mcp`.

The MCP authorization specification (2025-06-18 and later): the MCP
endpoint is an RFC 9728 protected resource whose identifier is its URL;
unauthenticated calls get 401 with ``WWW-Authenticate: Bearer
resource_metadata="..."`` (RFC 9728 §5.1); the metadata names the
authorization server, whose RFC 8414 metadata the client reads next; tokens
are audience-bound (RFC 8707 §2, RFC 9068 §4), so a token for another API
is refused. Refusals carry Better Auth's JSON-RPC error body (surface
§9.7).

This module is also the URLconf of its tests: an MCP-shaped JSON-RPC view
next to the auth API.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.http import HttpRequest, JsonResponse
from django.test import Client
from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView

from better_auth_oauth_provider.mcp import (
    JSONRPC_UNAUTHORIZED,
    MCPResource,
    mcp_protected_resource,
)
from better_auth_oauth_provider.models import ClientProfile, ClientResource, Resource
from tests.oauth_provider.conftest import ISSUER
from tests.oauth_provider.test_resources import link
from tests.oauth_provider.test_token import login_tokens

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

MCP_URL = "https://mcp.example.test/mcp"
MCP_HOST = "mcp.example.test"
METADATA_URL = "https://mcp.example.test/.well-known/oauth-protected-resource/mcp"
OTHER_API = "https://api.example.test/other"
SCOPES = ["openid", "profile", "email", "offline_access", "mcp:tools", "mcp:admin"]

MCP = mcp_protected_resource(MCP_URL, scopes=["mcp:tools"], name="Test MCP server")


DPOP_ALGS = ["EdDSA", "ES256", "ES512", "PS256", "RS256", "Ed25519"]


def _jsonrpc(request: HttpRequest) -> JsonResponse:
    """A minimal MCP endpoint: ``initialize`` and ``tools/list``."""
    message = json.loads(request.body or b"{}")
    if message.get("method") == "initialize":
        result: dict[str, Any] = {
            "protocolVersion": "2025-06-18",
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "test-mcp", "version": "1"},
        }
    else:
        result = {
            "tools": [{"name": "whoami"}],
            "caller": request.access_token.subject,  # type: ignore[attr-defined]
        }
    return JsonResponse({"jsonrpc": "2.0", "id": message.get("id"), "result": result})


mcp_endpoint = MCP.protect(_jsonrpc)
mcp_admin_endpoint = MCP.protect(_jsonrpc, scopes=["mcp:tools", "mcp:admin"])


class DrfMcpView(APIView):
    authentication_classes = [MCP.drf_authentication()]
    permission_classes = [MCP.drf_permission()]

    def post(self, request: Any) -> Response:
        return Response({"jsonrpc": "2.0", "id": 1, "result": {"ok": True}})


urlpatterns = [
    *MCP.urlpatterns(),
    path("mcp", mcp_endpoint),
    path("mcp-admin", mcp_admin_endpoint),
    path("drf-mcp", DrfMcpView.as_view()),
    path("api/auth/", include("better_auth.urls")),
    path("", include("better_auth_oauth_provider.urls")),
]


@pytest.fixture(autouse=True)
def provider(oauth_settings: Callable[..., None]) -> None:
    oauth_settings(SCOPES=SCOPES, RESOURCES=[MCP.resource_entry(), OTHER_API])


def mcp_call(
    token: str | None, method: str = "tools/list", endpoint: str = "/mcp"
) -> Any:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return Client(HTTP_HOST=MCP_HOST).post(
        endpoint,
        data=json.dumps({"jsonrpc": "2.0", "id": 7, "method": method}),
        content_type="application/json",
        headers={"accept": "application/json, text/event-stream", **headers},
        secure=True,
    )


def tokens_for(rp: Any, *resources: str, scope: str = "profile mcp:tools") -> str:
    app, secret, user = rp
    link(app, MCP_URL, OTHER_API)
    ClientProfile.objects.filter(application=app).update(scopes=SCOPES)
    return login_tokens(app, secret, user, scope=scope, resources=list(resources))[
        "access_token"
    ]


# --- refusals and their challenges ---------------------------------------------


def test_unauthenticated_call_gets_the_resource_metadata_challenge() -> None:
    """RFC 9728 §5.1 / RFC 6750 §3.1: no token, 401 with
    ``resource_metadata`` and no error code; the scope hint names what to
    ask for (MCP 2025-11-25 scope selection); a JSON-RPC error body with
    ``id: null`` (Better Auth's requireMcpAuth)."""
    response = mcp_call(None, "initialize")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == (
        f'Bearer resource_metadata="{METADATA_URL}", scope="mcp:tools"'
    )
    assert response["Cache-Control"] == "no-store"
    assert response.json() == {
        "jsonrpc": "2.0",
        "error": {"code": JSONRPC_UNAUTHORIZED, "message": "access token not found"},
        "id": None,
    }


def test_garbage_token_is_invalid_token() -> None:
    """RFC 6750 §3.1: a presented but unusable token is ``invalid_token``."""
    response = mcp_call("not-a-token")
    assert response.status_code == 401
    challenge = response["WWW-Authenticate"]
    assert challenge.startswith(f'Bearer resource_metadata="{METADATA_URL}"')
    assert 'error="invalid_token"' in challenge
    assert response.json()["error"]["code"] == JSONRPC_UNAUTHORIZED


def test_token_for_another_resource_is_refused(rp: Any) -> None:
    """RFC 8707 §2 / RFC 9068 §4 (MCP "Token Audience Binding"): a genuine
    token whose audience is another API is refused by the MCP server."""
    token = tokens_for(rp, OTHER_API)
    response = mcp_call(token)
    assert response.status_code == 401
    challenge = response["WWW-Authenticate"]
    assert f'resource_metadata="{METADATA_URL}"' in challenge
    assert 'error="invalid_token"' in challenge
    assert "not meant for this resource" in response.json()["error"]["message"]


def test_opaque_token_without_audience_is_refused(rp: Any) -> None:
    """A token issued without ``resource`` has no audience (RFC 8707 §2):
    it is not a token for the MCP server."""
    app, secret, user = rp
    token = login_tokens(app, secret, user, scope="profile")["access_token"]
    assert mcp_call(token).status_code == 401


def test_missing_scope_is_403_insufficient_scope(rp: Any) -> None:
    """RFC 6750 §3.1 ``insufficient_scope``: 403 naming only the missing
    scopes (surface §4)."""
    token = tokens_for(rp, MCP_URL)
    response = mcp_call(token, endpoint="/mcp-admin")
    assert response.status_code == 403
    assert response["WWW-Authenticate"] == (
        'Bearer error="insufficient_scope", scope="mcp:admin", '
        f'resource_metadata="{METADATA_URL}", '
        'error_description="access token is missing required scope: mcp:admin"'
    )


# --- accepted -------------------------------------------------------------------


def test_token_for_the_mcp_resource_passes(rp: Any) -> None:
    """The token whose ``aud`` is the MCP URL and carries the scope reaches
    the JSON-RPC handler, which sees the caller."""
    _, _, user = rp
    token = tokens_for(rp, MCP_URL)
    response = mcp_call(token)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == 7
    assert body["result"]["caller"] == str(user.pk)


def test_drf_view_challenges_and_accepts(rp: Any) -> None:
    """The DRF classes bound to the MCP resource: 401 with the metadata
    challenge, 200 with the MCP token, 401 with another API's token."""
    response = mcp_call(None, endpoint="/drf-mcp")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == f'Bearer resource_metadata="{METADATA_URL}"'
    assert mcp_call(tokens_for(rp, MCP_URL), endpoint="/drf-mcp").status_code == 200
    other = mcp_call(tokens_for(rp, OTHER_API), endpoint="/drf-mcp")
    assert other.status_code == 401
    assert 'error="invalid_token"' in other["WWW-Authenticate"]


# --- discovery --------------------------------------------------------------------


def _get(url: str, method: str = "get") -> Any:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    client = Client(HTTP_HOST=parts.netloc)
    return getattr(client, method)(
        parts.path, secure=parts.scheme == "https", headers={"accept": "*/*"}
    )


def test_discovery_chain_resolves() -> None:
    """The client's path (MCP authorization, "Authorization Server
    Discovery"): challenge -> RFC 9728 metadata -> its authorization server
    -> RFC 8414 metadata at the path-inserted well-known URL (§3.1), whose
    issuer is that server (§3.3)."""
    challenge = mcp_call(None)["WWW-Authenticate"]
    metadata_url = challenge.split('resource_metadata="', 1)[1].split('"', 1)[0]
    prm = _get(metadata_url)
    assert prm.status_code == 200
    doc = prm.json()
    assert doc == {
        "resource": MCP_URL,
        "authorization_servers": [ISSUER],
        "scopes_supported": ["mcp:tools", "mcp:admin"],
        "bearer_methods_supported": ["header"],
        "resource_name": "Test MCP server",
        "dpop_signing_alg_values_supported": DPOP_ALGS,
    }
    (server,) = doc["authorization_servers"]
    from urllib.parse import urlsplit

    parts = urlsplit(server)
    as_url = (
        f"{parts.scheme}://{parts.netloc}/.well-known/oauth-authorization-server"
        f"{parts.path}"
    )
    asm = _get(as_url)
    assert asm.status_code == 200
    meta = asm.json()
    assert meta["issuer"] == server
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["token_endpoint"] == f"{ISSUER}/oauth2/token"


def test_root_metadata_fallback_and_methods() -> None:
    """MCP clients that try the root well-known URL get the same document;
    HEAD has no body; other methods are 405 (surface §1.3)."""
    root = _get("https://mcp.example.test/.well-known/oauth-protected-resource")
    assert root.status_code == 200
    assert root.json()["resource"] == MCP_URL
    head = _get(METADATA_URL, "head")
    assert head.status_code == 200 and head.content == b""
    assert _get(METADATA_URL, "post").status_code == 405


def test_disabled_resource_has_no_metadata() -> None:
    MCP.stored_resource()
    Resource.objects.filter(identifier=MCP_URL).update(enabled=False)
    assert _get(METADATA_URL).status_code == 404


def test_metadata_with_a_remote_authorization_server() -> None:
    """An MCP server whose provider is another project names it in
    ``authorization_servers`` (RFC 9728 §2)."""
    remote = mcp_protected_resource(
        "https://tools.example.test/mcp",
        scopes=["tools"],
        authorization_servers=["https://auth.example.test/api/auth"],
        verify_options={
            "jwks_url": "https://auth.example.test/api/auth/jwks",
            "issuer_url": "https://auth.example.test/api/auth",
        },
    )
    doc = remote.metadata()
    assert doc is not None
    assert doc["authorization_servers"] == ["https://auth.example.test/api/auth"]
    assert doc["resource"] == "https://tools.example.test/mcp"
    assert doc["scopes_supported"] == ["tools"]
    assert remote.metadata_url == (
        "https://tools.example.test/.well-known/oauth-protected-resource/mcp"
    )


# --- declaring the resource -----------------------------------------------------------


@pytest.mark.parametrize(
    "identifier",
    [
        "http://mcp.example.test/mcp",
        "https://mcp.example.test/mcp?x=1",
        "https://mcp.example.test/mcp#frag",
        "https://user:pw@mcp.example.test/mcp",
        "urn:example:mcp",
        "mcp",
    ],
)
def test_bad_identifiers_are_refused(identifier: str) -> None:
    """Better Auth's mcp({resource}) rules (surface §13 no. 84): absolute,
    https (http only on loopback), no query, fragment or credentials."""
    with pytest.raises(ValueError):
        mcp_protected_resource(identifier, link_new_clients=False)


def test_loopback_http_identifier_is_accepted() -> None:
    config = mcp_protected_resource("http://127.0.0.1:8000/mcp", link_new_clients=False)
    assert isinstance(config, MCPResource)
    assert config.metadata_url == (
        "http://127.0.0.1:8000/.well-known/oauth-protected-resource/mcp"
    )


def test_resource_entry_declares_the_resource() -> None:
    assert MCP.resource_entry() == {"identifier": MCP_URL, "name": "Test MCP server"}
    row = MCP.stored_resource()
    assert row is not None and row.identifier == MCP_URL and row.enabled


def test_registered_clients_are_linked_to_the_mcp_resource(
    api: Any, oauth_settings: Callable[..., None], user_factory: Any
) -> None:
    """Clients registered dynamically get tokens for the MCP resource, as
    Better Auth's mcp() adds it to the registration default resources
    (surface §9.7); ENFORCE_PER_CLIENT_RESOURCES stays on."""
    oauth_settings(
        SCOPES=SCOPES,
        RESOURCES=[MCP.resource_entry(), OTHER_API],
        ALLOW_DYNAMIC_CLIENT_REGISTRATION=True,
        ALLOW_UNAUTHENTICATED_CLIENT_REGISTRATION=True,
    )
    response = api.post(
        "/oauth2/register",
        {
            "client_name": "MCP client",
            "redirect_uris": ["https://app.example.test/cb"],
            "token_endpoint_auth_method": "client_secret_basic",
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    from better_auth_oauth_provider.services.client_lookup import Application

    app = Application.objects.get(client_id=body["client_id"])
    linked = ClientResource.objects.filter(client=app).values_list(
        "resource__identifier", flat=True
    )
    assert list(linked) == [MCP_URL]
    user = user_factory()
    api.sign_in(user.email, "user-password-1")
    token = login_tokens(
        app, body["client_secret"], user, scope="mcp:tools", resources=[MCP_URL]
    )["access_token"]
    assert mcp_call(token).status_code == 200


def test_clients_are_not_linked_when_the_resource_is_not_declared(
    oauth_client_factory: Callable[..., Any], oauth_settings: Callable[..., None]
) -> None:
    """Linking follows the provider's RESOURCES: an MCP configuration alone
    (a server whose provider is elsewhere) links nothing."""
    oauth_settings(SCOPES=SCOPES, RESOURCES=[OTHER_API])
    app, _ = oauth_client_factory()
    assert not ClientResource.objects.filter(client=app).exists()
