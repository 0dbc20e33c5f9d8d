"""Resource management endpoints and admin (Better Auth surface §1.2, §3).

``/admin/oauth2/resources[/:identifier[/clients/:client_id]]``, staff-only
without ``RESOURCE_PRIVILEGES`` (Better Auth keeps them server-only).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from better_auth_oauth_provider.models import ClientResource, Resource
from tests.conftest import BASE

API = "https://api.example.test/v1"
URN = "urn:example:billing"


def send(client: Any, method: str, path: str, body: Any = None) -> Any:
    return client.client.generic(
        method,
        BASE + path,
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        headers=client._headers(None),
    )


def test_create_list_read_update_delete(staff_api: Any) -> None:
    """Create 201 with Better Auth's member names; read, patch, delete
    (``{deleted: true}``)."""
    created = staff_api.post(
        "/admin/oauth2/resources",
        {
            "identifier": API,
            "name": "API v1",
            "accessTokenTtl": 600,
            "allowedScopes": ["read"],
            "signingAlgorithm": "ES256",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["identifier"] == API and body["accessTokenTtl"] == 600
    assert body["allowedScopes"] == ["read"] and body["disabled"] is False
    assert [r["identifier"] for r in staff_api.get("/admin/oauth2/resources").json()]
    assert (
        staff_api.get(f"/admin/oauth2/resource?identifier={quote(API)}").json()["name"]
        == "API v1"
    )
    patched = send(
        staff_api,
        "PATCH",
        f"/admin/oauth2/resource?identifier={quote(API, safe='')}",
        {"update": {"disabled": True, "refreshTokenTtl": 60}},
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["disabled"] is True
    assert Resource.objects.get(identifier=API).refresh_token_ttl == 60
    deleted = send(staff_api, "DELETE", f"/admin/oauth2/resource?identifier={API}")
    assert deleted.json() == {"deleted": True}
    assert not Resource.objects.exists()


def test_identifier_in_the_path(staff_api: Any) -> None:
    """The ``:identifier`` segment is URL-encoded (a urn here; an https one
    encoded twice survives WSGI's decoding of ``%2F``)."""
    staff_api.post("/admin/oauth2/resources", {"identifier": URN})
    staff_api.post("/admin/oauth2/resources", {"identifier": API})
    assert staff_api.get(f"/admin/oauth2/resources/{quote(URN)}").status_code == 200
    twice = quote(quote(API, safe=""), safe="")
    assert staff_api.get(f"/admin/oauth2/resources/{twice}").json()["identifier"] == (
        API
    )
    patched = send(
        staff_api, "PATCH", f"/admin/oauth2/resources/{URN}", {"allowedScopes": ["a"]}
    )
    assert patched.json()["allowedScopes"] == ["a"]
    assert send(staff_api, "DELETE", f"/admin/oauth2/resources/{URN}").json() == {
        "deleted": True
    }


def test_bad_and_duplicate_identifiers(staff_api: Any) -> None:
    """Not absolute or with a fragment -> 400 ``invalid_target``; a
    duplicate -> 400 ``invalid_request``; a bad TTL -> ``invalid_request``."""
    for bad in ("relative/path", f"{API}#x", ""):
        response = staff_api.post("/admin/oauth2/resources", {"identifier": bad})
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_target"
    assert (
        staff_api.post("/admin/oauth2/resources", {"identifier": API}).status_code
        == 201
    )
    dup = staff_api.post("/admin/oauth2/resources", {"identifier": API})
    assert (dup.status_code, dup.json()["error"]) == (400, "invalid_request")
    ttl = staff_api.post(
        "/admin/oauth2/resources", {"identifier": URN, "accessTokenTtl": 0}
    )
    assert ttl.json()["error"] == "invalid_request"
    alg = staff_api.post(
        "/admin/oauth2/resources", {"identifier": URN, "signingAlgorithm": "HS256"}
    )
    assert alg.json()["error"] == "invalid_request"


def test_link_and_unlink_clients(staff_api: Any, web_client: Any) -> None:
    app, _ = web_client
    staff_api.post("/admin/oauth2/resources", {"identifier": URN})
    path = f"/admin/oauth2/resources/{URN}/clients/{app.client_id}"
    assert send(staff_api, "POST", path).json() == {"linked": True}
    assert send(staff_api, "POST", path).json() == {
        "linked": True,
        "alreadyLinked": True,
    }
    assert ClientResource.objects.filter(client=app).count() == 1
    send(staff_api, "DELETE", path)
    assert not ClientResource.objects.exists()
    unknown = send(staff_api, "POST", f"/admin/oauth2/resources/{URN}/clients/nope")
    assert unknown.status_code == 404


def test_only_staff_or_the_hook(
    signed_in_api: Any, api: Any, oauth_settings: Any
) -> None:
    """Without a session 401; a non-staff user gets the bodiless 401 unless
    ``RESOURCE_PRIVILEGES`` allows the action."""
    assert api.get("/admin/oauth2/resources").status_code == 401
    refused = signed_in_api.post("/admin/oauth2/resources", {"identifier": URN})
    assert refused.status_code == 401 and refused.content == b""
    seen: list[str] = []

    def gate(context: dict[str, Any]) -> bool:
        seen.append(context["action"])
        return context["action"] in ("create", "list")

    oauth_settings(RESOURCE_PRIVILEGES=gate)
    assert (
        signed_in_api.post("/admin/oauth2/resources", {"identifier": URN}).status_code
        == 201
    )
    assert signed_in_api.get("/admin/oauth2/resources").status_code == 200
    assert (
        send(signed_in_api, "DELETE", f"/admin/oauth2/resources/{URN}").status_code
        == 401
    )
    assert seen == ["create", "list", "delete"]


def test_admin_pages(admin_client: Any, web_client: Any) -> None:
    """The Resource admin lists and edits resources with their linked
    clients; the client page links resources; no secret is shown."""
    app, secret = web_client
    row = Resource.objects.create(identifier=API, name="API")
    ClientResource.objects.create(client=app, resource=row)
    listing = admin_client.get("/admin/better_auth_oauth_provider/resource/")
    assert listing.status_code == 200 and API in listing.content.decode()
    change = admin_client.get(
        f"/admin/better_auth_oauth_provider/resource/{row.pk}/change/"
    )
    assert change.status_code == 200 and app.name in change.content.decode()
    client_page = admin_client.get(
        f"/admin/oauth2_provider/application/{app.pk}/change/"
    ).content.decode()
    assert "protected resources" in client_page.lower()
    assert secret not in client_page
    bad = admin_client.post(
        "/admin/better_auth_oauth_provider/resource/add/",
        {
            "identifier": "not a uri",
            "enabled": "on",
            "signing_algorithm": "",
            "client_links-TOTAL_FORMS": "0",
            "client_links-INITIAL_FORMS": "0",
        },
    )
    assert bad.status_code == 200 and Resource.objects.count() == 1
