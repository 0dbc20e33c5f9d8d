"""Client metadata validation (RFC 7591 §2) as Better Auth applies it.

:func:`normalize_metadata` checks registration input in the order of Better
Auth's ``checkOAuthClient`` (oauth-provider surface §9.2, §9.3), so the
first problem reported is the one Better Auth reports, with its messages,
and fills Better Auth's defaults: ``client_secret_basic``, a ``web``
application, the ``authorization_code`` grant with the ``code`` response
type (RFC 7591 §2). Redirect URIs follow :mod:`.redirect_uris`. Features
this server does not implement (``private_key_jwt``, pairwise subjects,
back-channel logout, DPoP) are refused unless their module declared them
(:mod:`..capabilities`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from better_auth.conf import auth_settings
from better_auth.security.ssrf import classify_host

from .. import capabilities, extensions
from ..conf import section
from ..errors import InvalidClientMetadata, InvalidRedirectUri, InvalidTarget
from ..models import AUTH_METHODS
from .jwks import check_jwk_set
from .metadata_uris import check_page_uri, check_server_endpoint
from .redirect_uris import validate_post_logout_redirect_uri, validate_redirect_uri
from .scopes import registration_scopes

__all__ = [
    "APPLICATION_TYPES",
    "RESERVED_METADATA",
    "SERVER_ONLY_FIELDS",
    "SUPPORTED_RESPONSE_TYPES",
    "ClientMetadata",
    "client_credentials_scopes",
    "normalize_metadata",
]

SUPPORTED_RESPONSE_TYPES = ("code",)
APPLICATION_TYPES = ("web", "native")
# Fields only the server sets; dynamic registration never takes them.
SERVER_ONLY_FIELDS = (
    "skip_consent",
    "enable_end_session",
    "require_pkce",
    "client_credentials_scopes",
    "disabled",
    "reference_id",
    "user_id",
    "client_secret_expires_at",
    "metadata",
)
URI_FIELDS = ("client_uri", "logo_uri", "tos_uri", "policy_uri")
# Stored as given, "" when absent.
TEXT_FIELDS = (
    "client_name",
    *URI_FIELDS,
    "software_id",
    "software_version",
    "software_statement",
    "backchannel_logout_uri",
)
# Type-checked in this order, so the first reported is Better Auth's.
STRING_FIELDS = (
    *TEXT_FIELDS,
    "jwks_uri",
    "scope",
    "token_endpoint_auth_method",
    "application_type",
    "subject_type",
)
BOOLEAN_FIELDS = (
    "backchannel_logout_session_required",
    "skip_consent",
    "enable_end_session",
    "disabled",
)
# Names the metadata JSON may not shadow (they are columns of their own).
RESERVED_METADATA = frozenset(
    {
        "client_id",
        "client_secret",
        "client_secret_expires_at",
        "client_id_issued_at",
        "redirect_uris",
        "scope",
        "user_id",
        "reference_id",
        "disabled",
        "skip_consent",
        "token_endpoint_auth_method",
        "grant_types",
        "response_types",
    }
)


@dataclass
class ClientMetadata:
    """Validated, defaulted client metadata ready to store."""

    fields: dict[str, Any]
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str]
    scopes: list[str] | None


# --- small checks --------------------------------------------------------------


def _string_list(value: Any, name: str, error: type = InvalidClientMetadata) -> list:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise error(f"{name} must be an array of strings")
    return list(value)


def _dedupe(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def client_credentials_scopes(value: Any) -> list[str]:
    """A validated, de-duplicated ``client_credentials_scopes`` list."""
    return _dedupe(_string_list(value, "client_credentials_scopes"))


# --- the steps, in Better Auth's order ----------------------------------------


def _input(metadata: Any, *, dynamic: bool) -> dict[str, Any]:
    """An object; for dynamic registration, without server-owned fields."""
    if not isinstance(metadata, Mapping):
        kind = "array" if isinstance(metadata, list) else type(metadata).__name__
        raise InvalidClientMetadata(f"Invalid input: expected object, received {kind}")
    data = dict(metadata)
    if dynamic:
        if "skip_consent" in data:
            raise InvalidClientMetadata(
                "skip_consent cannot be set during dynamic client registration"
            )
        if data.get("require_pkce") is False:
            raise InvalidClientMetadata(
                "require_pkce cannot be disabled during dynamic client registration"
            )
        for name in SERVER_ONLY_FIELDS:
            data.pop(name, None)
    return data


def _check_strings(data: Mapping[str, Any]) -> None:
    for name in STRING_FIELDS:
        if data.get(name) is not None and not isinstance(data[name], str):
            raise InvalidClientMetadata(f"{name} must be a string")
    if data.get("client_name") is not None and not data["client_name"].strip():
        raise InvalidClientMetadata("client_name: client_name cannot be empty")
    for name in URI_FIELDS:
        if data.get(name):
            check_page_uri(data[name], name)


def _auth_method(data: Mapping[str, Any]) -> str:
    """``token_endpoint_auth_method`` (RFC 7591 §2), default client_secret_basic."""
    method = data.get("token_endpoint_auth_method") or "client_secret_basic"
    if method == "private_key_jwt" and not capabilities.is_supported("private_key_jwt"):
        raise InvalidClientMetadata(
            "token_endpoint_auth_method private_key_jwt is not supported"
        )
    known = method in AUTH_METHODS or method == "private_key_jwt"
    if not known and extensions.auth_method(method) is None:
        raise InvalidClientMetadata(f"unsupported token_endpoint_auth_method {method}")
    return method


def _application_type(data: Mapping[str, Any]) -> str:
    """OIDC Registration §2 ``application_type``, default ``web``."""
    application_type = data.get("application_type") or "web"
    if application_type not in APPLICATION_TYPES:
        raise InvalidClientMetadata("application_type must be one of: web, native")
    return application_type


def _grant_types(data: Mapping[str, Any]) -> list[str]:
    grants = data.get("grant_types")
    if grants is None:
        grants = ["authorization_code"]
    grants = _dedupe(_string_list(grants, "grant_types"))
    if not grants:
        raise InvalidClientMetadata(
            "grant_types: Too small: expected array to have >=1 items"
        )
    supported = [*section().GRANT_TYPES, *extensions.grant_types()]
    for grant in grants:
        if grant not in supported:
            raise InvalidClientMetadata(f"unsupported grant_type {grant}")
    return grants


def _response_types(data: Mapping[str, Any], grants: list[str]) -> list[str]:
    """RFC 7591 §2.1: ``code`` and ``authorization_code`` go together."""
    responses = data.get("response_types")
    if responses is None:
        responses = ["code"] if "authorization_code" in grants else []
    responses = _dedupe(_string_list(responses, "response_types"))
    for index, response in enumerate(responses):
        if response not in SUPPORTED_RESPONSE_TYPES:
            raise InvalidClientMetadata(
                f"response_types[{index}] must be one of: "
                + ", ".join(SUPPORTED_RESPONSE_TYPES)
            )
    if "authorization_code" in grants and "code" not in responses:
        raise InvalidClientMetadata(
            "When 'authorization_code' grant type is used, 'code' response type "
            "must be included"
        )
    if "code" in responses and "authorization_code" not in grants:
        raise InvalidClientMetadata(
            "When 'code' response type is used, 'authorization_code' grant type "
            "must be included"
        )
    return responses


def _check_client_credentials(
    grants: list[str], method: str, *, dynamic: bool, authenticated: bool
) -> None:
    """Only an authenticated, confidential client acts for itself (§4.4)."""
    if "client_credentials" not in grants:
        return
    if dynamic and not authenticated:
        raise InvalidClientMetadata(
            "client_credentials grant requires authenticated registration"
        )
    if method == "none":
        raise InvalidClientMetadata(
            "public clients cannot use the client_credentials grant"
        )


def _uri_list(
    data: Mapping[str, Any],
    name: str,
    validate: Callable[[str, str], None],
    *,
    non_empty: bool = False,
) -> list[str]:
    """The URIs of ``name``, each validated, each once; [] when absent."""
    raw = data.get(name)
    if raw is None:
        return []
    uris = _string_list(raw, name, InvalidRedirectUri)
    if non_empty and not uris:
        raise InvalidRedirectUri(f"{name}: Too small: expected array to have >=1 items")
    for index, uri in enumerate(uris):
        validate(uri, f"{name}[{index}]")
    return _dedupe(uris)


def _redirect_uris(
    data: Mapping[str, Any], application_type: str, grants: list[str]
) -> list[str]:
    def validate(uri: str, label: str) -> None:
        validate_redirect_uri(uri, application_type=application_type, label=label)

    uris = _uri_list(data, "redirect_uris", validate, non_empty=True)
    if "authorization_code" in grants and not uris:
        raise InvalidRedirectUri(
            "Redirect URIs are required for authorization_code and implicit grant types"
        )
    return uris


def _post_logout_redirect_uris(data: Mapping[str, Any]) -> list[str]:
    def validate(uri: str, label: str) -> None:
        validate_post_logout_redirect_uri(uri, label=label)

    return _uri_list(data, "post_logout_redirect_uris", validate)


def _key_fields(data: Mapping[str, Any], method: str) -> dict[str, Any]:
    """``jwks`` or ``jwks_uri``, never both (RFC 7591 §2)."""
    jwks, jwks_uri = data.get("jwks"), data.get("jwks_uri")
    if jwks is not None and jwks_uri:
        raise InvalidClientMetadata("jwks and jwks_uri are mutually exclusive")
    if jwks is not None:
        check_jwk_set(jwks)
    if jwks_uri:
        check_server_endpoint(jwks_uri, "jwks_uri")
    if method == "private_key_jwt" and jwks is None and not jwks_uri:
        raise InvalidClientMetadata("private_key_jwt requires jwks or jwks_uri")
    stored = dict(jwks) if jwks is not None else None
    return {"jwks": stored, "jwks_uri": jwks_uri or ""}


def _backchannel_logout_uri(value: str) -> None:
    """Back-Channel Logout §2.2: an absolute URI without a fragment.

    It must be a public https endpoint (the server calls it), except that
    ``http`` or ``https`` on a loopback host is accepted while the outbound
    guard allows loopback (``OUTBOUND.ALLOW_LOOPBACK``, for development).
    """
    name = "backchannel_logout_uri"
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
    except ValueError:
        raise InvalidClientMetadata(f"{name} must be a public https URL") from None
    loopback = classify_host(host) in ("loopback", "localhost") if host else False
    if loopback and auth_settings.OUTBOUND.ALLOW_LOOPBACK:
        if (
            parts.scheme in ("http", "https")
            and "#" not in value
            and "@" not in parts.netloc
        ):
            return
        raise InvalidClientMetadata(f"{name} must be an absolute URL without fragment")
    check_server_endpoint(value, name)


def _capability_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """Pairwise subjects, back-channel logout and DPoP, only when implemented."""
    subject_type = data.get("subject_type") or ""
    if subject_type not in ("", "public", "pairwise"):
        raise InvalidClientMetadata("subject_type must be public or pairwise")
    if subject_type == "pairwise" and not capabilities.is_supported("pairwise"):
        raise InvalidClientMetadata("pairwise subject_type is not supported")
    if data.get("backchannel_logout_uri"):
        if not capabilities.is_supported("backchannel_logout"):
            raise InvalidClientMetadata("back-channel logout is not supported")
        _backchannel_logout_uri(data["backchannel_logout_uri"])
    dpop_bound = data.get("dpop_bound_access_tokens", False)
    if not isinstance(dpop_bound, bool):
        raise InvalidClientMetadata("dpop_bound_access_tokens must be a boolean")
    if dpop_bound and not capabilities.is_supported("dpop"):
        raise InvalidClientMetadata("DPoP-bound access tokens are not supported")
    return {"subject_type": subject_type, "dpop_bound_access_tokens": dpop_bound}


def _check_flags(data: Mapping[str, Any]) -> None:
    """No resources at registration (RFC 8707); flags are booleans."""
    resources = data.get("resources")
    if resources:
        first = resources[0] if isinstance(resources, list) else resources
        raise InvalidTarget(
            f"requested resource {first} is not allowed for client registration"
        )
    for name in (*BOOLEAN_FIELDS, "require_pkce"):
        if data.get(name) is not None and not isinstance(data[name], bool):
            raise InvalidClientMetadata(f"{name} must be a boolean")


def _descriptive_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {name: data.get(name) or "" for name in TEXT_FIELDS}
    required = data.get("backchannel_logout_session_required", False)
    out["backchannel_logout_session_required"] = bool(required)
    return out


def _server_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """Server-owned settings, taken from the metadata outside registration."""
    out: dict[str, Any] = {}
    for name in ("skip_consent", "enable_end_session", "disabled"):
        if data.get(name) is not None:
            out[name] = data[name]
    if "require_pkce" in data:
        out["require_pkce"] = data["require_pkce"]
    if data.get("client_credentials_scopes") is not None:
        scopes = data["client_credentials_scopes"]
        out["client_credentials_scopes"] = client_credentials_scopes(scopes)
    extra = data.get("metadata")
    if extra is not None and not isinstance(extra, Mapping):
        raise InvalidClientMetadata("metadata must be an object")
    if data.get("reference_id") is not None:
        out["reference_id"] = str(data["reference_id"])
    if extra is not None:
        out["metadata"] = {k: v for k, v in extra.items() if k not in RESERVED_METADATA}
    expires = data.get("client_secret_expires_at")
    if expires is not None:
        if isinstance(expires, bool) or not isinstance(expires, int):
            raise InvalidClientMetadata("client_secret_expires_at must be an integer")
        out["client_secret_expires_at"] = expires
    return out


def normalize_metadata(
    metadata: Mapping[str, Any],
    *,
    dynamic: bool = False,
    authenticated: bool = True,
) -> ClientMetadata:
    """Validate RFC 7591 client metadata and fill Better Auth's defaults.

    ``dynamic`` applies the rules of ``/oauth2/register``: server-owned
    fields (``skip_consent`` and the like) are refused or dropped, and the
    stored scope is the whole registrable set (surface §9.3).
    ``authenticated=False`` is open registration, where the
    ``client_credentials`` grant is refused.
    """
    data = _input(metadata, dynamic=dynamic)
    _check_strings(data)
    method = _auth_method(data)
    application_type = _application_type(data)
    grants = _grant_types(data)
    responses = _response_types(data, grants)
    _check_client_credentials(
        grants, method, dynamic=dynamic, authenticated=authenticated
    )
    redirect_uris = _redirect_uris(data, application_type, grants)
    post_logout = _post_logout_redirect_uris(data)
    contacts = data.get("contacts")
    contacts = [] if contacts is None else _string_list(contacts, "contacts")
    fields: dict[str, Any] = {
        "token_endpoint_auth_method": method,
        "application_type": application_type,
        "grant_types": grants,
        "response_types": responses,
        "contacts": contacts,
        **_key_fields(data, method),
        **_capability_fields(data),
    }
    _check_flags(data)
    scopes = registration_scopes(data.get("scope"), dynamic=dynamic)
    fields.update(_descriptive_fields(data))
    if not dynamic:
        fields.update(_server_fields(data))
    return ClientMetadata(fields, redirect_uris, post_logout, scopes)
