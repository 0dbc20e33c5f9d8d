"""Authorization server metadata (RFC 8414) and OpenID Provider metadata.

The documents follow Better Auth's ``oauthAuthorizationServerMetadata`` and
``oauthProviderOpenIdConfigMetadata`` (oauth-provider surface §2), with one
rule on top: only what this server implements is advertised (RFC 8414 §2,
OIDC Discovery §3). An endpoint is listed only when its route is registered;
DPoP, back-channel logout, ``private_key_jwt``, pairwise subjects and
client ID metadata documents only when the module implementing them
declared it (:mod:`.capabilities`), the last also only when enabled.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from better_auth.api.registry import match
from better_auth.api.router import render
from better_auth.social.id_token import ASYMMETRIC_ALGORITHM_NAMES

from . import capabilities, extensions
from .conf import issuer, section

__all__ = [
    "CACHE_CONTROL",
    "reserved_metadata_fields",
    "JWS_ALGS",
    "authorization_server_metadata",
    "claims_supported",
    "metadata_response",
    "method_not_allowed",
    "openid_configuration",
]

CACHE_CONTROL = "public, max-age=15, stale-while-revalidate=15, stale-if-error=86400"
# Client-assertion algorithms Better Auth accepts (surface §2): every
# asymmetric JWS algorithm, never an HMAC one.
JWS_ALGS = list(ASYMMETRIC_ALGORITHM_NAMES)
DPOP_ALGS = ["EdDSA", "ES256", "ES512", "PS256", "RS256", "Ed25519"]
BASE_CLAIMS = ["sub", "iss", "aud", "exp", "iat", "sid", "scope", "azp"]
SCOPE_CLAIMS = {
    "profile": ["name", "picture", "given_name", "family_name"],
    "email": ["email", "email_verified"],
}


def _served(path: str, method: str = "POST") -> bool:
    return match(path, method) is not None


# Fields of RFC 8414 §2, OIDC Discovery §3 and the registered extensions this
# server fills itself; an extension may add fields, never replace these.
RESERVED_FIELDS = frozenset(
    {
        "issuer",
        "authorization_endpoint",
        "token_endpoint",
        "jwks_uri",
        "registration_endpoint",
        "scopes_supported",
        "response_types_supported",
        "response_modes_supported",
        "grant_types_supported",
        "token_endpoint_auth_methods_supported",
        "token_endpoint_auth_signing_alg_values_supported",
        "service_documentation",
        "ui_locales_supported",
        "op_policy_uri",
        "op_tos_uri",
        "revocation_endpoint",
        "revocation_endpoint_auth_methods_supported",
        "revocation_endpoint_auth_signing_alg_values_supported",
        "introspection_endpoint",
        "introspection_endpoint_auth_methods_supported",
        "introspection_endpoint_auth_signing_alg_values_supported",
        "code_challenge_methods_supported",
        "authorization_response_iss_parameter_supported",
        "userinfo_endpoint",
        "acr_values_supported",
        "subject_types_supported",
        "id_token_signing_alg_values_supported",
        "claims_supported",
        "claims_parameter_supported",
        "end_session_endpoint",
        "request_parameter_supported",
        "request_uri_parameter_supported",
        "prompt_values_supported",
        "dpop_signing_alg_values_supported",
        "backchannel_logout_supported",
        "backchannel_logout_session_supported",
        "client_id_metadata_document_supported",
    }
)


def reserved_metadata_fields() -> frozenset[str]:
    return RESERVED_FIELDS


def _advertised(name: str) -> Any:
    advertised = section().ADVERTISED_METADATA or {}
    return advertised.get(name)


def _endpoint_urls(iss: str) -> dict[str, str]:
    """The endpoints this server serves (RFC 8414 §2, RFC 7591 §3, 7662, 7009)."""
    out: dict[str, str] = {}
    if _served("/oauth2/authorize", "GET"):
        out["authorization_endpoint"] = f"{iss}/oauth2/authorize"
    if _served("/oauth2/token"):
        out["token_endpoint"] = f"{iss}/oauth2/token"
    if _served("/jwks", "GET"):
        out["jwks_uri"] = f"{iss}/jwks"
    if section().ALLOW_DYNAMIC_CLIENT_REGISTRATION and _served("/oauth2/register"):
        out["registration_endpoint"] = f"{iss}/oauth2/register"
    if _served("/oauth2/introspect"):
        out["introspection_endpoint"] = f"{iss}/oauth2/introspect"
    if _served("/oauth2/revoke"):
        out["revocation_endpoint"] = f"{iss}/oauth2/revoke"
    return out


def _auth_methods(endpoints: dict[str, str]) -> dict[str, list[str]]:
    """Client authentication methods per endpoint (RFC 8414 §2)."""
    secret_methods = ["client_secret_basic", "client_secret_post"]
    assertion = capabilities.is_supported("private_key_jwt")
    if assertion:
        secret_methods.append("private_key_jwt")
    secret_methods.extend(extensions.auth_methods())
    # Public clients (PKCE, no secret) are always supported, so ``none`` is
    # listed even without open registration (Better Auth lists it only then);
    # RFC 7009 §2.1: public clients revoke their own tokens with client_id.
    public = {"token": True, "introspection": False, "revocation": True}
    out: dict[str, list[str]] = {}
    for kind, with_none in public.items():
        if kind != "token" and f"{kind}_endpoint" not in endpoints:
            continue
        methods = ["none", *secret_methods] if with_none else list(secret_methods)
        out[f"{kind}_endpoint_auth_methods_supported"] = methods
        if assertion:
            out[f"{kind}_endpoint_auth_signing_alg_values_supported"] = list(JWS_ALGS)
    return out


def _optional_features() -> dict[str, Any]:
    out: dict[str, Any] = {}
    if (
        capabilities.is_supported("client_id_metadata_document")
        and section().CLIENT_ID_METADATA_DOCUMENTS
    ):
        # draft-ietf-oauth-client-id-metadata-document: URL client_ids work.
        out["client_id_metadata_document_supported"] = True
    if capabilities.is_supported("dpop"):
        out["dpop_signing_alg_values_supported"] = list(
            section().DPOP_SIGNING_ALGORITHMS or DPOP_ALGS
        )
    if capabilities.is_supported("backchannel_logout"):
        out["backchannel_logout_supported"] = True
        out["backchannel_logout_session_supported"] = True
    return out


def authorization_server_metadata(request: HttpRequest | None = None) -> dict[str, Any]:
    """The RFC 8414 §2 document, in Better Auth's field order."""
    cfg = section()
    iss = issuer(request)
    grants = [*cfg.GRANT_TYPES, *extensions.grant_types()]
    scopes = _advertised("scopes_supported") or list(cfg.SCOPES)
    endpoints = _endpoint_urls(iss)
    return {
        "scopes_supported": list(scopes),
        "issuer": iss,
        **endpoints,
        "response_types_supported": ["code"] if "authorization_code" in grants else [],
        "response_modes_supported": ["query"],
        "grant_types_supported": grants,
        **_auth_methods(endpoints),
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": True,
        **_optional_features(),
        **extensions.metadata_fields(iss),
    }


def claims_supported() -> list[str]:
    """Claims this provider can serve (OIDC Discovery §3 ``claims_supported``).

    ``ADVERTISED_METADATA`` may replace the list; otherwise the protocol
    claims plus those of the configured ``profile`` / ``email`` scopes.
    """
    advertised = _advertised("claims_supported")
    if advertised:
        return list(advertised)
    claims = list(BASE_CLAIMS)
    for scope in section().SCOPES:
        claims.extend(c for c in SCOPE_CLAIMS.get(scope, []) if c not in claims)
    return claims


def openid_configuration(request: HttpRequest | None = None) -> dict[str, Any]:
    """The OpenID Provider metadata (OIDC Discovery §3): RFC 8414 plus OIDC."""
    cfg = section()
    iss = issuer(request)
    doc = authorization_server_metadata(request)
    doc["claims_supported"] = claims_supported()
    doc["claims_parameter_supported"] = True
    if _served("/oauth2/userinfo", "GET"):
        doc["userinfo_endpoint"] = f"{iss}/oauth2/userinfo"
    doc["subject_types_supported"] = (
        ["public", "pairwise"] if capabilities.is_supported("pairwise") else ["public"]
    )
    doc["acr_values_supported"] = ["0"]
    doc["id_token_signing_alg_values_supported"] = [cfg.SIGNING_ALGORITHM]
    if _served("/oauth2/end-session", "GET"):
        doc["end_session_endpoint"] = f"{iss}/oauth2/end-session"
    doc["request_parameter_supported"] = False
    doc["request_uri_parameter_supported"] = False
    prompts = ["login", "consent", "create"]
    if cfg.SELECT_ACCOUNT_PAGE:
        prompts.append("select_account")
    prompts.append("none")
    doc["prompt_values_supported"] = prompts
    return doc


def method_not_allowed() -> HttpResponse:
    """405 with ``Allow: GET, HEAD``, Better Auth's answer to other methods."""
    response = HttpResponse(status=405)
    del response["Content-Type"]
    response["Allow"] = "GET, HEAD"
    return response


def metadata_response(request: HttpRequest, kind: str) -> HttpResponse:
    """Serve one discovery document with Better Auth's cache headers.

    ``kind`` is ``"openid-configuration"`` or ``"oauth-authorization-server"``.
    The AS path serves the OIDC document when ``openid`` is a scope, as
    Better Auth does; the OIDC path is 404 without ``openid``. HEAD gets the
    headers without a body.
    """
    if request.method not in ("GET", "HEAD"):
        return method_not_allowed()
    openid = "openid" in section().SCOPES
    if kind == "openid-configuration" and not openid:
        response = HttpResponse(status=404)
        del response["Content-Type"]
        return response
    doc = (
        openid_configuration(request)
        if openid
        else authorization_server_metadata(request)
    )
    body = b"" if request.method == "HEAD" else render(doc)
    response = HttpResponse(body, content_type="application/json")
    response["Cache-Control"] = CACHE_CONTROL
    return response
