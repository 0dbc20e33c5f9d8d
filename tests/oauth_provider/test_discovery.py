"""Discovery documents (RFC 8414, OIDC Discovery 1.0) and the JWKS endpoint."""

from __future__ import annotations

from typing import Any

import pytest

from better_auth.api.registry import match

from .conf_helpers import transcript_case

ENDPOINT_KEYS = {
    "authorization_endpoint": ("/oauth2/authorize", "GET"),
    "token_endpoint": ("/oauth2/token", "POST"),
    "introspection_endpoint": ("/oauth2/introspect", "POST"),
    "revocation_endpoint": ("/oauth2/revoke", "POST"),
    "userinfo_endpoint": ("/oauth2/userinfo", "GET"),
    "end_session_endpoint": ("/oauth2/end-session", "GET"),
}
# Advertised by Better Auth for features this server does not implement (yet);
# discovery must not claim them (case A.21, RFC 8414 §2).
UNIMPLEMENTED_KEYS: set[str] = set()
# Lists of algorithms this server verifies: Better Auth's, and RFC 9864's
# fully-specified Ed25519 (a peer on a current JOSE library sends it).
VERIFIED_ALG_KEYS = {
    "token_endpoint_auth_signing_alg_values_supported",
    "introspection_endpoint_auth_signing_alg_values_supported",
    "revocation_endpoint_auth_signing_alg_values_supported",
    "dpop_signing_alg_values_supported",
}
ORACLE_ISSUER = "http://127.0.0.1:3100/api/auth"
ISSUER = "http://testserver/api/auth"


def _localise(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace(ORACLE_ISSUER, ISSUER)
    if isinstance(value, list):
        return [_localise(v) for v in value]
    return value


def _served(key: str) -> bool:
    path, method = ENDPOINT_KEYS[key]
    return match(path, method) is not None


@pytest.mark.parametrize(
    "case",
    [
        "discovery/openid-configuration-raw",
        "discovery/oauth-authorization-server-under-base",
        "discovery/openid-client",
    ],
)
def test_rfc8414_metadata_matches_better_auth_where_implemented(
    api: Any, case: str
) -> None:
    """The documents carry Better Auth's values for every implemented feature.

    Differences are deliberate and RFC-driven: endpoints that are not served
    and features not implemented (DPoP, back-channel logout) are left out,
    ``registration_endpoint`` appears only when dynamic registration is
    enabled, ``none`` is listed among revocation methods
    (RFC 7009 §2.1: public clients revoke with their client_id), and
    ``select_account`` is only a prompt value with a SELECT_ACCOUNT_PAGE,
    and the algorithms of signatures this server verifies add RFC 9864's
    ``Ed25519``.
    """
    recorded = transcript_case(case)
    response = api.get(recorded["request"]["path"].removeprefix("/api/auth"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == recorded["response"]["headers"]["cache-control"]
    ours = response.json()
    expected = {k: _localise(v) for k, v in recorded["response"]["body"].items()}
    for key, value in expected.items():
        if key in UNIMPLEMENTED_KEYS or key == "registration_endpoint":
            assert key not in ours, key
        elif key in ENDPOINT_KEYS:
            assert (key in ours) == _served(key), key
            if key in ours:
                assert ours[key] == value
        elif key == "revocation_endpoint_auth_methods_supported":
            if key in ours:
                assert ours[key] == ["none", *value]
        elif key == "prompt_values_supported":
            assert ours[key] == [p for p in value if p != "select_account"]
        elif key in ("introspection_endpoint_auth_methods_supported",):
            if key in ours:
                assert ours[key] == value
        elif key in VERIFIED_ALG_KEYS:
            if key in ours:
                assert ours[key] == [*value, "Ed25519"], key
        else:
            assert ours[key] == value, key
    assert set(ours) <= set(expected)


def test_rfc8414_path_insertion_form_at_the_root(api: Any) -> None:
    """RFC 8414 §3.1: ``/.well-known/oauth-authorization-server/api/auth``."""
    recorded = transcript_case("discovery/oauth-authorization-server-rfc8414-path")
    response = api.client.get(recorded["request"]["path"])
    assert response.status_code == 200
    assert response["Cache-Control"] == recorded["response"]["headers"]["cache-control"]
    assert response.json() == api.get("/.well-known/openid-configuration").json()


def test_root_openid_configuration_forms(api: Any) -> None:
    """The root and path-appended OIDC forms serve the same document."""
    base = api.get("/.well-known/openid-configuration").json()
    for path in (
        "/.well-known/openid-configuration",
        "/.well-known/openid-configuration/api/auth",
    ):
        response = api.client.get(path)
        assert response.status_code == 200, path
        assert response.json() == base


def test_well_known_for_another_issuer_path_is_not_found(api: Any) -> None:
    """A document never claims an issuer other than the configured one."""
    for path in (
        "/.well-known/oauth-authorization-server",
        "/.well-known/oauth-authorization-server/other",
        "/.well-known/openid-configuration/other",
    ):
        assert api.client.get(path).status_code == 404, path


@pytest.mark.parametrize(
    "path",
    [
        "/api/auth/.well-known/openid-configuration",
        "/api/auth/.well-known/oauth-authorization-server",
        "/.well-known/oauth-authorization-server/api/auth",
        "/.well-known/openid-configuration",
    ],
)
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_other_methods_are_405_with_allow(api: Any, path: str, method: str) -> None:
    """Better Auth answers 405 ``Allow: GET, HEAD`` (transcript case)."""
    recorded = transcript_case("discovery/openid-configuration-post")
    response = getattr(api.client, method)(
        path, data="{}", content_type="application/json"
    )
    assert response.status_code == recorded["response"]["status"] == 405
    assert response["Allow"] == recorded["response"]["headers"]["allow"]


def test_head_has_headers_and_no_body(api: Any) -> None:
    for path in (
        "/api/auth/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server/api/auth",
    ):
        response = api.client.head(path)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert response.content == b""


def test_no_registration_endpoint_while_registration_is_disabled(api: Any) -> None:
    """Case A.21(a): DCR disabled → neither document names a registration
    endpoint; both say ``iss`` is returned, S256 only, and ``none`` prompt."""
    for path in (
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
    ):
        doc = api.get(path).json()
        assert "registration_endpoint" not in doc
        assert doc["issuer"] == ISSUER
        assert doc["authorization_response_iss_parameter_supported"] is True
        assert doc["code_challenge_methods_supported"] == ["S256"]
        assert "none" in doc["prompt_values_supported"]


def test_registration_endpoint_when_enabled(api: Any, oauth_settings: Any) -> None:
    oauth_settings(ALLOW_DYNAMIC_CLIENT_REGISTRATION=True)
    doc = api.get("/.well-known/oauth-authorization-server").json()
    assert doc["registration_endpoint"] == f"{ISSUER}/oauth2/register"


def test_public_clients_are_advertised(api: Any, native_client: Any) -> None:
    """Case A.21(b): with a public client, ``none`` is a token auth method."""
    doc = api.get("/.well-known/openid-configuration").json()
    assert "none" in doc["token_endpoint_auth_methods_supported"]


def test_declared_capabilities_are_advertised(api: Any) -> None:
    from better_auth_oauth_provider import capabilities

    declared = capabilities.is_supported("dpop")
    capabilities.declare("dpop")
    try:
        doc = api.get("/.well-known/openid-configuration").json()
    finally:
        if not declared:
            capabilities.withdraw("dpop")
    assert doc["dpop_signing_alg_values_supported"] == [
        "EdDSA",
        "ES256",
        "ES512",
        "PS256",
        "RS256",
        "Ed25519",
    ]


def test_scopes_and_claims_follow_settings(api: Any, oauth_settings: Any) -> None:
    """``claims_supported`` lists profile/email claims only for their scopes."""
    oauth_settings(SCOPES=["openid", "email"], SIGNING_ALGORITHM="ES256")
    doc = api.get("/.well-known/openid-configuration").json()
    assert doc["scopes_supported"] == ["openid", "email"]
    assert "email" in doc["claims_supported"]
    assert "name" not in doc["claims_supported"]
    assert doc["id_token_signing_alg_values_supported"] == ["ES256"]


def test_without_openid_the_as_document_is_rfc8414_only(
    api: Any, oauth_settings: Any
) -> None:
    """Better Auth: the OIDC path 404s and the AS path serves RFC 8414 only."""
    oauth_settings(SCOPES=["read", "write"])
    assert api.get("/.well-known/openid-configuration").status_code == 404
    doc = api.get("/.well-known/oauth-authorization-server").json()
    assert "userinfo_endpoint" not in doc
    assert "claims_supported" not in doc
    assert doc["scopes_supported"] == ["read", "write"]


def test_advertised_metadata_overrides(api: Any, oauth_settings: Any) -> None:
    oauth_settings(ADVERTISED_METADATA={"scopes_supported": ["openid"]})
    doc = api.get("/.well-known/openid-configuration").json()
    assert doc["scopes_supported"] == ["openid"]


def test_jwks_publishes_public_keys_only(api: Any) -> None:
    """RFC 7517 §5: the JWKS has ``kid``/``alg``/``use`` and no private member."""
    response = api.get("/jwks")
    assert response.status_code == 200
    keys = response.json()["keys"]
    assert keys and keys[0]["alg"] == "EdDSA" and keys[0]["kty"] == "OKP"
    for key in keys:
        assert {"kid", "alg", "use"} <= set(key)
        assert not {"d", "p", "q", "dp", "dq", "qi", "k"} & set(key)
    doc = api.get("/.well-known/openid-configuration").json()
    assert doc["jwks_uri"] == f"{ISSUER}/jwks"
