"""Client registration: RFC 7591 metadata validation and ``/oauth2/register``."""

from __future__ import annotations

from typing import Any

import pytest

from better_auth_oauth_provider.errors import (
    InvalidClientMetadata,
    InvalidRedirectUri,
    InvalidScope,
    InvalidTarget,
)
from better_auth_oauth_provider.models import ClientProfile
from better_auth_oauth_provider.services.clients import (
    client_json,
    create_client,
    verify_client_secret,
)

from .conf_helpers import transcript_case

pytestmark = pytest.mark.django_db

WEB = {"redirect_uris": ["https://app.example.test/cb"]}


def register(api: Any, body: Any, **headers: str) -> Any:
    return api.post("/oauth2/register", body, headers=headers or None)


@pytest.fixture
def dcr(oauth_settings: Any) -> None:
    oauth_settings(
        ALLOW_DYNAMIC_CLIENT_REGISTRATION=True,
        ALLOW_UNAUTHENTICATED_CLIENT_REGISTRATION=True,
    )


@pytest.mark.parametrize(
    "redirect_uris",
    [
        ["javascript:alert(1)//"],
        ["data:text/html,hi"],
        ["https://app.example.test/cb#x"],
        ["http://app.example.test/cb"],
        [],
    ],
)
def test_case_a19_dangerous_redirect_uris_are_refused(
    api: Any, dcr: None, redirect_uris: list[str]
) -> None:
    """Case A.19(a)-(e): 400 ``invalid_redirect_uri`` and nothing persisted."""
    response = register(api, {"redirect_uris": redirect_uris})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_redirect_uri"
    assert response["Cache-Control"] == "no-store"
    assert not ClientProfile.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"redirect_uris": ["http://127.0.0.1/cb"], "application_type": "native"},
        {"redirect_uris": ["com.example.app:/cb"], "application_type": "native"},
    ],
)
def test_case_a19_native_loopback_and_private_use_are_accepted(
    api: Any, dcr: None, body: dict[str, Any]
) -> None:
    """Case A.19(f)(g): 201 for native apps (RFC 8252 §7.1, §7.3). For (f)
    the client must be ``native``: Better Auth refuses http loopback for web
    clients (transcript B/register-web-http-redirect-rejected), so that is
    the answer this port keeps for ``web``."""
    response = register(api, body)
    assert response.status_code == 201, response.json()
    assert response.json()["redirect_uris"] == body["redirect_uris"]


def test_web_http_loopback_is_refused_as_better_auth(api: Any, dcr: None) -> None:
    recorded = transcript_case("B/register-web-http-redirect-rejected")
    response = register(api, recorded["request"]["body"])
    assert response.status_code == recorded["response"]["status"]
    assert response.json() == recorded["response"]["body"]
    assert response["Pragma"] == "no-cache"


def test_open_registration_refuses_client_credentials(api: Any, dcr: None) -> None:
    recorded = transcript_case("B/register-unauthenticated-client-credentials-rejected")
    response = register(api, recorded["request"]["body"])
    assert response.status_code == 400
    assert response.json() == recorded["response"]["body"]


def test_session_registration_of_a_public_client_matches_better_auth(
    signed_in_api: Any, dcr: None
) -> None:
    """Transcript B/register-public-client: 201, no secret, owner ``user_id``."""
    recorded = transcript_case("B/register-public-client")
    body = {
        **recorded["request"]["body"],
        "redirect_uris": ["http://127.0.0.1:3200/callback"],
    }
    response = register(signed_in_api, body)
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    ours = response.json()
    expected = recorded["response"]["body"]
    assert set(ours) == set(expected)
    assert ours["user_id"] == signed_in_api.user.id
    for key in (
        "scope",
        "client_name",
        "redirect_uris",
        "token_endpoint_auth_method",
        "grant_types",
        "response_types",
        "application_type",
        "disabled",
        "dpop_bound_access_tokens",
    ):
        assert ours[key] == expected[key], key
    assert len(ours["client_id"]) == 32
    assert isinstance(ours["client_id_issued_at"], int)


def test_registration_disabled_is_403_before_validation(api: Any) -> None:
    """§9.1: 403 ``access_denied`` regardless of the body (scenario 64)."""
    response = register(api, {"redirect_uris": "nonsense"})
    assert response.status_code == 403
    assert response.json()["error"] == "access_denied"


def test_registration_without_any_authentication(api: Any, oauth_settings: Any) -> None:
    """Scenario 65: 401, ``WWW-Authenticate: Bearer``, no ``error`` member."""
    oauth_settings(ALLOW_DYNAMIC_CLIENT_REGISTRATION=True)
    response = register(api, WEB)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response["Cache-Control"] == "no-store"
    assert response.json() == {
        "error_description": "Authentication required for client registration"
    }


def test_open_registration_defaults(api: Any, dcr: None) -> None:
    """Scenario 66: default ``client_secret_basic`` with a secret; ``none``
    gets none; ``client_secret_post`` preserved; no ``public`` member."""
    basic = register(api, WEB).json()
    assert basic["token_endpoint_auth_method"] == "client_secret_basic"
    assert basic["client_secret"] and basic["client_secret_expires_at"] == 0
    assert "public" not in basic and "user_id" not in basic
    none = register(api, {**WEB, "token_endpoint_auth_method": "none"}).json()
    assert "client_secret" not in none
    post = register(
        api, {**WEB, "token_endpoint_auth_method": "client_secret_post"}
    ).json()
    assert post["token_endpoint_auth_method"] == "client_secret_post"


def test_initial_access_token_registration(api: Any, oauth_settings: Any) -> None:
    """Scenarios 67/68: a valid IAT registers with the validator's reference;
    ``client_credentials_scopes`` is never taken from the request."""

    def validate(context: dict[str, Any]) -> Any:
        if context["initial_access_token"] == "good-token":
            return {"reference_id": "org-1"}
        return False

    oauth_settings(
        ALLOW_DYNAMIC_CLIENT_REGISTRATION=True, VALIDATE_INITIAL_ACCESS_TOKEN=validate
    )
    body = {
        "grant_types": ["client_credentials"],
        "client_credentials_scopes": ["admin"],
    }
    ok = register(api, body, authorization="Bearer good-token")
    assert ok.status_code == 201, ok.json()
    data = ok.json()
    assert data["reference_id"] == "org-1" and "user_id" not in data
    assert ClientProfile.objects.get().client_credentials_scopes == []
    bad = register(api, body, authorization="Bearer bad-token")
    assert bad.status_code == 401
    assert bad["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    bare = register(api, body, authorization="Bearer")
    assert bare.status_code == 400
    assert bare["WWW-Authenticate"] == 'Bearer error="invalid_request"'


def test_skip_consent_cannot_be_self_registered(api: Any, dcr: None) -> None:
    """Scenario 71: ``skip_consent`` → 400; ``enable_end_session`` dropped."""
    assert register(api, {**WEB, "skip_consent": True}).status_code == 400
    response = register(api, {**WEB, "enable_end_session": True})
    assert response.status_code == 201
    assert "enable_end_session" not in response.json()
    assert not ClientProfile.objects.get().enable_end_session


@pytest.mark.parametrize(
    ("body", "error", "description"),
    [
        (
            {**WEB, "response_types": ["token"]},
            "invalid_client_metadata",
            "response_types[0] must be one of: code",
        ),
        (
            {"grant_types": ["client_credentials"], "response_types": ["code"]},
            "invalid_client_metadata",
            "When 'code' response type is used, 'authorization_code' grant type "
            "must be included",
        ),
        (
            {"client_name": "x"},
            "invalid_redirect_uri",
            "Redirect URIs are required for authorization_code and implicit grant "
            "types",
        ),
        (
            {**WEB, "grant_types": ["authorization_code", "password"]},
            "invalid_client_metadata",
            "unsupported grant_type password",
        ),
        (
            {**WEB, "token_endpoint_auth_method": "weird"},
            "invalid_client_metadata",
            "unsupported token_endpoint_auth_method weird",
        ),
        (
            {**WEB, "application_type": "desktop"},
            "invalid_client_metadata",
            "application_type must be one of: web, native",
        ),
        (
            {**WEB, "client_name": "  "},
            "invalid_client_metadata",
            "client_name: client_name cannot be empty",
        ),
        (
            {**WEB, "scope": "openid bogus"},
            "invalid_scope",
            "cannot request scope bogus",
        ),
        (
            {**WEB, "resources": ["https://api.example.test"]},
            "invalid_target",
            "requested resource https://api.example.test is not allowed for client "
            "registration",
        ),
        (
            {
                **WEB,
                "post_logout_redirect_uris": ["http://a.example.test/out"],
            },
            "invalid_redirect_uri",
            "post_logout_redirect_uris[0]: Redirect URI must use HTTPS (HTTP allowed "
            "only for loopback hosts)",
        ),
        (
            [],
            "invalid_client_metadata",
            "Invalid input: expected object, received array",
        ),
    ],
)
def test_metadata_errors_match_better_auth(
    api: Any, dcr: None, body: Any, error: str, description: str
) -> None:
    """Scenario 69 and the oracle's answers to malformed metadata."""
    response = register(api, body)
    assert response.status_code == 400
    assert response.json() == {"error": error, "error_description": description}


def test_registered_scope_is_the_whole_registrable_set(
    api: Any, oauth_settings: Any
) -> None:
    """Scenario 75: defaults [openid, read] + allowed [write], request
    ``read`` → stored and returned ``openid read write``; ``admin`` → 400."""
    oauth_settings(
        ALLOW_DYNAMIC_CLIENT_REGISTRATION=True,
        ALLOW_UNAUTHENTICATED_CLIENT_REGISTRATION=True,
        SCOPES=["openid", "read", "write", "admin"],
        CLIENT_REGISTRATION_DEFAULT_SCOPES=["openid", "read"],
        CLIENT_REGISTRATION_ALLOWED_SCOPES=["write"],
    )
    response = register(api, {**WEB, "scope": "read"})
    assert response.json()["scope"] == "openid read write"
    bad = register(api, {**WEB, "scope": "admin"})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_scope"


@pytest.mark.parametrize(
    "extra",
    [
        {"jwks": [{"kty": "OKP"}]},
        {"jwks": {"keys": []}},
        {"jwks": {"keys": [{"kty": "oct", "k": "abc"}]}},
        {
            "jwks": {
                "keys": [{"kty": "EC", "crv": "P-256", "x": "a", "y": "b", "d": "c"}]
            }
        },
        {
            "jwks": {
                "keys": [{"kty": "OKP", "crv": "Ed25519", "x": "a", "alg": "ES256"}]
            }
        },
        {
            "jwks": {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "a"}]},
            "jwks_uri": "https://k.example.test/jwks",
        },
        {"jwks_uri": "http://k.example.test/jwks"},
        {"token_endpoint_auth_method": "private_key_jwt"},
        {"dpop_bound_access_tokens": "yes"},
        {"backchannel_logout_uri": "https://10.0.0.1/logout"},
        {"subject_type": "pairwise"},
    ],
)
def test_unsupported_or_malformed_key_metadata(extra: dict[str, Any]) -> None:
    """Scenario 72 shapes, and features this server does not implement
    (private_key_jwt, back-channel logout, pairwise) or malformed DPoP
    metadata are refused rather than silently accepted."""
    with pytest.raises(InvalidClientMetadata):
        create_client({**WEB, **extra}, dynamic=True)


def test_public_key_set_is_stored() -> None:
    jwks = {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "abc", "alg": "EdDSA"}]}
    app, _ = create_client({**WEB, "jwks": jwks})
    assert client_json(app)["jwks"] == jwks


def test_public_clients_cannot_use_client_credentials() -> None:
    """RFC 6749 §4.4: the client_credentials grant is for confidential clients
    only (stricter than Better Auth, which stores such a client)."""
    with pytest.raises(InvalidClientMetadata):
        create_client(
            {
                "grant_types": ["client_credentials"],
                "token_endpoint_auth_method": "none",
            }
        )


def test_managed_creation_keeps_server_flags_and_scopes(user_factory: Any) -> None:
    owner = user_factory()
    app, secret = create_client(
        {**WEB, "scope": "openid profile"},
        owner=owner,
        skip_consent=True,
        enable_end_session=True,
        require_pkce=False,
        client_credentials_scopes=["read"],
    )
    profile = app.better_auth_profile
    assert profile.skip_consent and app.skip_authorization
    assert profile.enable_end_session and profile.require_pkce is False
    assert profile.scopes == ["openid", "profile"]
    assert profile.client_credentials_scopes == ["read"]
    assert app.user == owner and app.hash_client_secret is False
    assert verify_client_secret(app, secret)
    data = client_json(app, secret=secret, admin=True)
    assert data["skip_consent"] is True
    assert data["client_credentials_scopes"] == ["read"]
    assert data["client_secret"] == secret


def test_managed_scope_must_be_configured() -> None:
    with pytest.raises(InvalidScope):
        create_client({**WEB, "scope": "openid nonsense"})


def test_redirect_uris_must_be_strings() -> None:
    with pytest.raises(InvalidRedirectUri):
        create_client({"redirect_uris": "https://app.example.test/cb"})
    with pytest.raises(InvalidTarget):
        create_client({**WEB, "resources": ["https://api.example.test"]}, dynamic=True)
