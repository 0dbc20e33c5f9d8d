"""Client and consent management endpoints (Better Auth oauth-provider §1.2).

Shapes and status codes were checked against the oracle (Better Auth
1.7.25): 201 + no-store on create, bodiless 401 for another user's client
or consent, 404 ``not_found`` for an unknown one, empty 200 on delete.
"""

from __future__ import annotations

from typing import Any

import pytest

from better_auth_oauth_provider.models import Consent
from better_auth_oauth_provider.services.clients import (
    create_client,
    get_client,
    verify_client_secret,
)

pytestmark = pytest.mark.django_db

WEB = {"client_name": "c1", "redirect_uris": ["https://app.example.test/cb"]}


@pytest.fixture
def other_api(api_factory: Any) -> Any:
    client = api_factory()
    assert (
        client.sign_up("bob@example.test", "bob-password-1", "Bob").status_code == 200
    )
    return client


def create(api: Any, body: dict[str, Any] | None = None) -> Any:
    return api.post("/oauth2/create-client", body or WEB)


def test_create_client_for_the_signed_in_user(signed_in_api: Any) -> None:
    """201 + no-store, secret once, owner ``user_id``; server-only flags such
    as ``skip_consent`` are ignored (Better Auth strips them)."""
    response = create(
        signed_in_api, {**WEB, "skip_consent": True, "scope": "openid profile"}
    )
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store" and response["Pragma"] == "no-cache"
    body = response.json()
    assert list(body) == [
        "client_id",
        "client_secret",
        "client_secret_expires_at",
        "scope",
        "user_id",
        "client_id_issued_at",
        "client_name",
        "redirect_uris",
        "token_endpoint_auth_method",
        "grant_types",
        "response_types",
        "application_type",
        "disabled",
        "dpop_bound_access_tokens",
    ]
    assert body["scope"] == "openid profile"
    assert body["user_id"] == signed_in_api.user.id
    app = get_client(body["client_id"])
    assert not app.better_auth_profile.skip_consent
    assert verify_client_secret(app, body["client_secret"])


def test_management_needs_a_session(api: Any) -> None:
    for response in (create(api), api.get("/oauth2/get-clients")):
        assert response.status_code == 401
        assert response.json() == {"message": "Unauthorized", "code": "UNAUTHORIZED"}


def test_get_and_list_own_clients(signed_in_api: Any, other_api: Any) -> None:
    client_id = create(signed_in_api).json()["client_id"]
    got = signed_in_api.get("/oauth2/get-client", {"client_id": client_id})
    assert got.status_code == 200 and "client_secret" not in got.json()
    assert "Cache-Control" not in got
    listed = signed_in_api.get("/oauth2/get-clients").json()
    assert [c["client_id"] for c in listed] == [client_id]
    assert other_api.get("/oauth2/get-clients").json() == []


def test_another_users_client_is_a_bodiless_401(
    signed_in_api: Any, other_api: Any
) -> None:
    client_id = create(signed_in_api).json()["client_id"]
    for response in (
        other_api.get("/oauth2/get-client", {"client_id": client_id}),
        other_api.post("/oauth2/delete-client", {"client_id": client_id}),
        other_api.post("/oauth2/client/rotate-secret", {"client_id": client_id}),
        other_api.post("/oauth2/update-client", {"client_id": client_id, "update": {}}),
    ):
        assert response.status_code == 401
        assert response.content == b""
    assert get_client(client_id) is not None


def test_unknown_client_is_not_found(signed_in_api: Any) -> None:
    response = signed_in_api.get("/oauth2/get-client", {"client_id": "nope"})
    assert response.status_code == 404
    assert response.json() == {
        "error": "not_found",
        "error_description": "client not found",
    }


def test_staff_manage_every_client(signed_in_api: Any, staff_api: Any) -> None:
    client_id = create(signed_in_api).json()["client_id"]
    assert (
        staff_api.get("/oauth2/get-client", {"client_id": client_id}).status_code == 200
    )
    assert [c["client_id"] for c in staff_api.get("/oauth2/get-clients").json()] == [
        client_id
    ]
    updated = staff_api.post(
        "/oauth2/update-client",
        {"client_id": client_id, "update": {"skip_consent": True}},
    )
    assert updated.json()["skip_consent"] is True


def test_privileges_hook_decides(signed_in_api: Any, oauth_settings: Any) -> None:
    seen: list[str] = []

    def privileges(context: dict[str, Any]) -> bool:
        seen.append(context["action"])
        return context["action"] != "create"

    oauth_settings(CLIENT_PRIVILEGES=privileges)
    response = create(signed_in_api)
    assert response.status_code == 401 and seen == ["create"]


def test_update_client(signed_in_api: Any) -> None:
    """Owners update metadata; the auth method and server flags are ignored."""
    client_id = create(signed_in_api).json()["client_id"]
    response = signed_in_api.post(
        "/oauth2/update-client",
        {
            "client_id": client_id,
            "update": {
                "client_name": "renamed",
                "redirect_uris": ["https://app.example.test/cb2"],
                "token_endpoint_auth_method": "none",
                "skip_consent": True,
                "disabled": True,
            },
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["client_name"] == "renamed"
    assert body["redirect_uris"] == ["https://app.example.test/cb2"]
    assert body["token_endpoint_auth_method"] == "client_secret_basic"
    assert "skip_consent" not in body and body["disabled"] is False
    app = get_client(client_id)
    assert app.redirect_uris == "https://app.example.test/cb2"


def test_update_client_validates(signed_in_api: Any) -> None:
    client_id = create(signed_in_api).json()["client_id"]
    bad = signed_in_api.post(
        "/oauth2/update-client",
        {"client_id": client_id, "update": {"redirect_uris": ["javascript:x"]}},
    )
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_redirect_uri"
    missing = signed_in_api.post("/oauth2/update-client", {"client_id": client_id})
    assert missing.status_code == 400
    assert missing.json()["message"] == (
        "[body.update] Invalid input: expected object, received undefined"
    )


def test_rotate_secret(signed_in_api: Any) -> None:
    created = create(signed_in_api).json()
    response = signed_in_api.post(
        "/oauth2/client/rotate-secret", {"client_id": created["client_id"]}
    )
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    secret = response.json()["client_secret"]
    app = get_client(created["client_id"])
    assert verify_client_secret(app, secret)
    assert not verify_client_secret(app, created["client_secret"])


def test_rotate_secret_of_a_public_client(signed_in_api: Any) -> None:
    client_id = create(
        signed_in_api,
        {
            "redirect_uris": ["http://127.0.0.1:5000/cb"],
            "application_type": "native",
            "token_endpoint_auth_method": "none",
        },
    ).json()["client_id"]
    response = signed_in_api.post(
        "/oauth2/client/rotate-secret", {"client_id": client_id}
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_client",
        "error_description": "secret rotation is only available for clients using "
        "client_secret authentication",
    }


def test_delete_client(signed_in_api: Any) -> None:
    client_id = create(signed_in_api).json()["client_id"]
    response = signed_in_api.post("/oauth2/delete-client", {"client_id": client_id})
    assert response.status_code == 200 and response.content == b""
    assert response["Content-Type"] == "application/json"
    assert get_client(client_id) is None
    again = signed_in_api.post("/oauth2/delete-client", {"client_id": client_id})
    assert again.status_code == 404


def test_public_client_info(signed_in_api: Any, api_factory: Any) -> None:
    app, _ = create_client(
        {
            **WEB,
            "client_uri": "https://app.example.test",
            "logo_uri": "https://app.example.test/l.png",
        }
    )
    response = signed_in_api.get("/oauth2/public-client", {"client_id": app.client_id})
    assert response.json() == {
        "client_id": app.client_id,
        "client_name": "c1",
        "client_uri": "https://app.example.test",
        "logo_uri": "https://app.example.test/l.png",
        "redirect_uris": [],
    }
    app.better_auth_profile.disabled = True
    app.better_auth_profile.save()
    gone = signed_in_api.get("/oauth2/public-client", {"client_id": app.client_id})
    assert gone.status_code == 404
    assert (
        api_factory()
        .get("/oauth2/public-client", {"client_id": app.client_id})
        .status_code
        == 401
    )


@pytest.fixture
def consent(signed_in_api: Any) -> Consent:
    app, _ = create_client({**WEB, "scope": "openid profile"})
    return Consent.objects.create(
        user=signed_in_api.user, application=app, scopes=["openid", "profile"]
    )


def test_consents_are_listed_in_better_auth_shape(
    signed_in_api: Any, consent: Consent
) -> None:
    listed = signed_in_api.get("/oauth2/get-consents").json()
    assert listed == [
        {
            "clientId": consent.application.client_id,
            "userId": signed_in_api.user.id,
            "referenceId": None,
            "resources": None,
            "requestedUserInfoClaims": [],
            "scopes": ["openid", "profile"],
            "createdAt": listed[0]["createdAt"],
            "updatedAt": listed[0]["updatedAt"],
            "id": consent.id,
        }
    ]
    one = signed_in_api.get("/oauth2/get-consent", {"id": consent.id})
    assert one.json() == listed[0]


def test_consents_of_others_and_unknown_ids(
    signed_in_api: Any, other_api: Any, consent: Consent
) -> None:
    assert other_api.get("/oauth2/get-consents").json() == []
    denied = other_api.get("/oauth2/get-consent", {"id": consent.id})
    assert denied.status_code == 401 and denied.content == b""
    assert (
        other_api.post("/oauth2/delete-consent", {"id": consent.id}).status_code == 401
    )
    missing = signed_in_api.get("/oauth2/get-consent", {"id": "nope"})
    assert missing.status_code == 404
    assert missing.json() == {"error": "not_found", "error_description": "no consent"}


def test_update_consent_narrows_within_the_clients_scopes(
    signed_in_api: Any, consent: Consent
) -> None:
    ok = signed_in_api.post(
        "/oauth2/update-consent", {"id": consent.id, "update": {"scopes": ["openid"]}}
    )
    assert ok.status_code == 200 and ok.json()["scopes"] == ["openid"]
    bad = signed_in_api.post(
        "/oauth2/update-consent",
        {"id": consent.id, "update": {"scopes": ["openid", "email"]}},
    )
    assert bad.status_code == 400
    assert bad.json() == {
        "error": "invalid_request",
        "error_description": f"unable to provide scopes to {signed_in_api.user.id}",
    }


def test_delete_consent(signed_in_api: Any, consent: Consent) -> None:
    response = signed_in_api.post("/oauth2/delete-consent", {"id": consent.id})
    assert response.status_code == 200 and response.content == b""
    assert not Consent.objects.exists()
    again = signed_in_api.post("/oauth2/delete-consent", {"id": consent.id})
    assert again.status_code == 404


def test_public_client_prelogin(api: Any, oauth_settings: Any, web_client: Any) -> None:
    """Without a session, with ALLOW_PUBLIC_CLIENT_PRELOGIN and a signed query
    for the same client only; otherwise the route does not exist."""
    from better_auth_oauth_provider.oauth.signed_query import sign

    app, _ = web_client
    query = sign([("client_id", app.client_id), ("response_type", "code")])
    body = {"client_id": app.client_id, "oauth_query": query}
    assert api.post("/oauth2/public-client-prelogin", body).status_code == 404
    oauth_settings(ALLOW_PUBLIC_CLIENT_PRELOGIN=True)
    ok = api.post("/oauth2/public-client-prelogin", body)
    assert ok.status_code == 200 and ok.json()["client_id"] == app.client_id
    forged = api.post(
        "/oauth2/public-client-prelogin", {**body, "oauth_query": query + "x"}
    )
    assert forged.status_code == 400
    assert forged.json() == {"error": "invalid_signature"}
    other, _ = create_client(WEB)
    mismatch = api.post(
        "/oauth2/public-client-prelogin", {**body, "client_id": other.client_id}
    )
    assert mismatch.status_code == 404
