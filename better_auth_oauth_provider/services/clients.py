"""Client registration, lookup, secrets and the RFC 7591 JSON shape.

Validation follows RFC 7591 §2 as Better Auth's ``checkOAuthClient`` applies
it (oauth-provider surface §9.2, §9.3). Client secrets are high-entropy
random strings, so they are stored as HMAC-SHA256 under a key derived from
the auth secret: a fast keyed digest, constant-time compared, never a
password KDF on the token path. ``Application.hash_client_secret`` is False
so django-oauth-toolkit leaves the stored digest alone.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.db import transaction
from oauth2_provider.models import get_application_model

from better_auth import clock
from better_auth.conf import auth_settings
from better_auth.crypto import js_utf8

from .. import capabilities
from ..conf import hook, section
from ..errors import (
    InvalidClient,
    InvalidClientMetadata,
    InvalidRedirectUri,
    InvalidRequest,
    InvalidScope,
    InvalidTarget,
)
from ..models import AUTH_METHODS, ClientProfile
from ..oauth.digests import generate_value
from ..oauth.redirect_uris import (
    is_loopback_host,
    validate_post_logout_redirect_uri,
    validate_redirect_uri,
)

logger = logging.getLogger(__name__)

__all__ = [
    "SERVER_ONLY_FIELDS",
    "ClientMetadata",
    "check_privileges",
    "client_json",
    "client_scopes",
    "create_client",
    "delete_client",
    "generate_client_id",
    "generate_client_secret",
    "get_client",
    "hash_client_secret",
    "manageable_clients",
    "normalize_metadata",
    "profile_of",
    "public_client_json",
    "rotate_secret",
    "update_client",
    "verify_client_secret",
]

Application = get_application_model()

_SECRET_INFO = b"better-auth-django oauth client secret v1"
_SECRET_VERSION = "v1$"
SUPPORTED_RESPONSE_TYPES = ("code",)
_SECRET_METHODS = ("client_secret_basic", "client_secret_post")
APPLICATION_TYPES = ("web", "native")
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
STRING_FIELDS = (
    "client_name",
    "client_uri",
    "logo_uri",
    "tos_uri",
    "policy_uri",
    "software_id",
    "software_version",
    "software_statement",
    "backchannel_logout_uri",
    "jwks_uri",
    "scope",
    "token_endpoint_auth_method",
    "application_type",
    "subject_type",
)
URI_FIELDS = ("client_uri", "logo_uri", "tos_uri", "policy_uri")
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
PUBLIC_JWK_MEMBERS = {"RSA": ("n", "e"), "EC": ("x", "y"), "OKP": ("x",)}
PRIVATE_JWK_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")
JWK_ALGS = {
    "RSA": ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512"),
    "P-256": ("ES256",),
    "P-384": ("ES384",),
    "P-521": ("ES512",),
    "Ed25519": ("EdDSA",),
}


# --- secrets ---------------------------------------------------------------


@lru_cache(maxsize=16)
def _secret_key(secret: str) -> bytes:
    """HKDF-SHA256 (RFC 5869) key for client-secret digests, one per app secret."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_SECRET_INFO)
    return hkdf.derive(js_utf8(secret))


def _digest(plain: str, secret: str) -> str:
    mac = hmac.new(_secret_key(secret), plain.encode("utf-8"), hashlib.sha256)
    return _SECRET_VERSION + mac.hexdigest()


def hash_client_secret(plain: str) -> str:
    """The stored form of a client secret: ``v1$`` + hex HMAC-SHA256."""
    return _digest(plain, auth_settings.SECRET)


def verify_client_secret(application: Any, plain: str | None) -> bool:
    """Compare a presented secret with the stored digest in constant time.

    Every configured secret (current, then previous) is tried, so rotating
    the auth secret does not lock clients out; no early exit reveals which.
    """
    stored = getattr(application, "client_secret", "") or ""
    if not plain or not stored:
        return False
    if not stored.startswith(_SECRET_VERSION):
        logger.warning(
            "client %s has a secret not stored by this provider; rotate it",
            application.client_id,
        )
        return False
    matched = False
    for secret in auth_settings.secrets():
        if hmac.compare_digest(stored, _digest(plain, secret)):
            matched = True
    return matched


def generate_client_id() -> str:
    """32 ``[a-zA-Z]`` characters, Better Auth's default ``client_id``."""
    return generate_value(32)


def generate_client_secret() -> str:
    """32 ``[a-zA-Z]`` characters plus the configured ``CLIENT_SECRET_PREFIX``."""
    return f"{section().CLIENT_SECRET_PREFIX or ''}{generate_value(32)}"


# --- lookup ----------------------------------------------------------------


def get_client(client_id: str | None) -> Any | None:
    """The application with its profile, in one query; None when unknown."""
    if not client_id or not isinstance(client_id, str) or len(client_id) > 255:
        return None
    app = (
        Application.objects.select_related("better_auth_profile")
        .filter(client_id=client_id)
        .first()
    )
    if app is not None:
        profile_of(app)
    return app


def profile_of(application: Any) -> ClientProfile:
    """The application's profile, created from DOT's fields when missing.

    Applications added through DOT's own admin or API have none; they are
    given one matching their ``client_type`` and grant type.
    """
    try:
        return application.better_auth_profile
    except ClientProfile.DoesNotExist:
        pass
    public = application.client_type == Application.CLIENT_PUBLIC
    grants = (
        ["client_credentials"]
        if application.authorization_grant_type == Application.GRANT_CLIENT_CREDENTIALS
        else ["authorization_code", "refresh_token"]
    )
    profile, _ = ClientProfile.objects.get_or_create(
        application=application,
        defaults={
            "token_endpoint_auth_method": "none" if public else "client_secret_basic",
            "grant_types": grants,
            "response_types": ["code"] if "authorization_code" in grants else [],
            "skip_consent": bool(application.skip_authorization),
        },
    )
    application.better_auth_profile = profile
    return profile


def client_scopes(application: Any) -> list[str]:
    """Scopes the client may request: its own list, else the provider's."""
    scopes = profile_of(application).scopes
    return list(scopes) if scopes is not None else list(section().SCOPES)


# --- validation ------------------------------------------------------------


@dataclass
class ClientMetadata:
    """Validated, defaulted client metadata ready to store."""

    fields: dict[str, Any]
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str]
    scopes: list[str] | None


def _string_list(value: Any, name: str, error: type = InvalidClientMetadata) -> list:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise error(f"{name} must be an array of strings")
    return list(value)


def _dedupe(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _check_http_uri(value: str, name: str) -> None:
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.netloc
        or "@" in parts.netloc
    ):
        raise InvalidClientMetadata(f"{name} must be an http(s) URL")


def _check_jwks(jwks: Any) -> None:
    """Structure of a public JWK Set (RFC 7517 §5); values are not imported."""
    if not isinstance(jwks, Mapping) or not isinstance(jwks.get("keys"), list):
        raise InvalidClientMetadata("jwks must be a JWK Set object with keys")
    if not jwks["keys"]:
        raise InvalidClientMetadata("jwks must contain at least one key")
    for key in jwks["keys"]:
        if not isinstance(key, Mapping):
            raise InvalidClientMetadata("jwks keys must be objects")
        kty = key.get("kty")
        if kty not in PUBLIC_JWK_MEMBERS:
            raise InvalidClientMetadata("jwks keys must be RSA, EC or OKP public keys")
        if any(member in key for member in PRIVATE_JWK_MEMBERS):
            raise InvalidClientMetadata("jwks must not contain private key material")
        if not all(isinstance(key.get(m), str) for m in PUBLIC_JWK_MEMBERS[kty]):
            raise InvalidClientMetadata("jwks key is missing public members")
        curve = "RSA" if kty == "RSA" else key.get("crv")
        if kty == "OKP" and curve != "Ed25519":
            raise InvalidClientMetadata("OKP keys must use Ed25519")
        if kty == "EC" and curve not in ("P-256", "P-384", "P-521"):
            raise InvalidClientMetadata("EC keys must use P-256, P-384 or P-521")
        alg = key.get("alg")
        if alg is not None and alg not in JWK_ALGS.get(str(curve), ()):
            raise InvalidClientMetadata(f"jwks key alg {alg} does not fit its key")


def _check_https_endpoint(value: str, name: str) -> None:
    """An absolute public https URL without credentials or fragment (§6.1)."""
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    host = (parts.hostname or "") if parts else ""
    if (
        parts is None
        or parts.scheme != "https"
        or not host
        or "@" in parts.netloc
        or "#" in value
        or is_loopback_host(host)
        or _private_ip(host)
    ):
        raise InvalidClientMetadata(f"{name} must be a public https URL")


def _private_ip(host: str) -> bool:
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return not ip.is_global


def _allowed_registration_scopes() -> tuple[list[str], list[str]]:
    cfg = section()
    defaults = cfg.CLIENT_REGISTRATION_DEFAULT_SCOPES
    defaults = list(defaults) if defaults is not None else list(cfg.SCOPES)
    return defaults, list(cfg.CLIENT_REGISTRATION_ALLOWED_SCOPES or [])


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
    for name in STRING_FIELDS:
        if data.get(name) is not None and not isinstance(data[name], str):
            raise InvalidClientMetadata(f"{name} must be a string")
    if data.get("client_name") is not None and not data["client_name"].strip():
        raise InvalidClientMetadata("client_name: client_name cannot be empty")
    for name in URI_FIELDS:
        if data.get(name):
            _check_http_uri(data[name], name)

    method = data.get("token_endpoint_auth_method") or "client_secret_basic"
    if method == "private_key_jwt" and not capabilities.is_supported("private_key_jwt"):
        raise InvalidClientMetadata(
            "token_endpoint_auth_method private_key_jwt is not supported"
        )
    if method not in AUTH_METHODS and method != "private_key_jwt":
        raise InvalidClientMetadata(f"unsupported token_endpoint_auth_method {method}")
    application_type = data.get("application_type") or "web"
    if application_type not in APPLICATION_TYPES:
        raise InvalidClientMetadata("application_type must be one of: web, native")

    supported = list(section().GRANT_TYPES)
    grants = data.get("grant_types")
    if grants is None:
        grants = ["authorization_code"]
    grants = _dedupe(_string_list(grants, "grant_types"))
    if not grants:
        raise InvalidClientMetadata(
            "grant_types: Too small: expected array to have >=1 items"
        )
    for grant in grants:
        if grant not in supported:
            raise InvalidClientMetadata(f"unsupported grant_type {grant}")
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
    if "client_credentials" in grants:
        if dynamic and not authenticated:
            raise InvalidClientMetadata(
                "client_credentials grant requires authenticated registration"
            )
        if method == "none":
            raise InvalidClientMetadata(
                "public clients cannot use the client_credentials grant"
            )

    raw_redirects = data.get("redirect_uris")
    redirect_uris = (
        []
        if raw_redirects is None
        else _string_list(raw_redirects, "redirect_uris", InvalidRedirectUri)
    )
    if raw_redirects is not None and not redirect_uris:
        raise InvalidRedirectUri(
            "redirect_uris: Too small: expected array to have >=1 items"
        )
    for index, uri in enumerate(redirect_uris):
        validate_redirect_uri(
            uri, application_type=application_type, label=f"redirect_uris[{index}]"
        )
    redirect_uris = _dedupe(redirect_uris)
    if "authorization_code" in grants and not redirect_uris:
        raise InvalidRedirectUri(
            "Redirect URIs are required for authorization_code and implicit grant types"
        )
    post_logout = data.get("post_logout_redirect_uris")
    post_logout = (
        []
        if post_logout is None
        else _string_list(post_logout, "post_logout_redirect_uris", InvalidRedirectUri)
    )
    for index, uri in enumerate(post_logout):
        validate_post_logout_redirect_uri(
            uri, label=f"post_logout_redirect_uris[{index}]"
        )
    post_logout = _dedupe(post_logout)

    contacts = data.get("contacts")
    contacts = [] if contacts is None else _string_list(contacts, "contacts")
    jwks, jwks_uri = data.get("jwks"), data.get("jwks_uri")
    if jwks is not None and jwks_uri:
        raise InvalidClientMetadata("jwks and jwks_uri are mutually exclusive")
    if jwks is not None:
        _check_jwks(jwks)
    if jwks_uri:
        _check_https_endpoint(jwks_uri, "jwks_uri")
    if method == "private_key_jwt" and jwks is None and not jwks_uri:
        raise InvalidClientMetadata("private_key_jwt requires jwks or jwks_uri")

    subject_type = data.get("subject_type") or ""
    if subject_type not in ("", "public", "pairwise"):
        raise InvalidClientMetadata("subject_type must be public or pairwise")
    if subject_type == "pairwise" and not capabilities.is_supported("pairwise"):
        raise InvalidClientMetadata("pairwise subject_type is not supported")
    if data.get("backchannel_logout_uri"):
        if not capabilities.is_supported("backchannel_logout"):
            raise InvalidClientMetadata("back-channel logout is not supported")
        _check_https_endpoint(data["backchannel_logout_uri"], "backchannel_logout_uri")
    dpop_bound = data.get("dpop_bound_access_tokens", False)
    if not isinstance(dpop_bound, bool):
        raise InvalidClientMetadata("dpop_bound_access_tokens must be a boolean")
    if dpop_bound and not capabilities.is_supported("dpop"):
        raise InvalidClientMetadata("DPoP-bound access tokens are not supported")
    resources = data.get("resources")
    if resources:
        first = resources[0] if isinstance(resources, list) else resources
        raise InvalidTarget(
            f"requested resource {first} is not allowed for client registration"
        )
    for name in (
        "backchannel_logout_session_required",
        "skip_consent",
        "enable_end_session",
        "disabled",
    ):
        if data.get(name) is not None and not isinstance(data[name], bool):
            raise InvalidClientMetadata(f"{name} must be a boolean")
    if data.get("require_pkce") is not None and not isinstance(
        data["require_pkce"], bool
    ):
        raise InvalidClientMetadata("require_pkce must be a boolean")

    scopes = _scopes(data.get("scope"), dynamic=dynamic)
    cc_scopes = data.get("client_credentials_scopes")
    if cc_scopes is not None:
        cc_scopes = _dedupe(_string_list(cc_scopes, "client_credentials_scopes"))
    extra = data.get("metadata")
    if extra is not None and not isinstance(extra, Mapping):
        raise InvalidClientMetadata("metadata must be an object")

    fields: dict[str, Any] = {
        "token_endpoint_auth_method": method,
        "application_type": application_type,
        "grant_types": grants,
        "response_types": responses,
        "client_name": data.get("client_name") or "",
        "client_uri": data.get("client_uri") or "",
        "logo_uri": data.get("logo_uri") or "",
        "tos_uri": data.get("tos_uri") or "",
        "policy_uri": data.get("policy_uri") or "",
        "contacts": contacts,
        "software_id": data.get("software_id") or "",
        "software_version": data.get("software_version") or "",
        "software_statement": data.get("software_statement") or "",
        "backchannel_logout_uri": data.get("backchannel_logout_uri") or "",
        "backchannel_logout_session_required": bool(
            data.get("backchannel_logout_session_required", False)
        ),
        "jwks": dict(jwks) if jwks is not None else None,
        "jwks_uri": jwks_uri or "",
        "dpop_bound_access_tokens": dpop_bound,
        "subject_type": subject_type,
    }
    if not dynamic:
        for name in ("skip_consent", "enable_end_session", "disabled"):
            if name in data and data[name] is not None:
                fields[name] = data[name]
        if "require_pkce" in data:
            fields["require_pkce"] = data["require_pkce"]
        if cc_scopes is not None:
            fields["client_credentials_scopes"] = cc_scopes
        if data.get("reference_id") is not None:
            fields["reference_id"] = str(data["reference_id"])
        if extra is not None:
            fields["metadata"] = {
                k: v for k, v in extra.items() if k not in RESERVED_METADATA
            }
        if data.get("client_secret_expires_at") is not None:
            expires = data["client_secret_expires_at"]
            if isinstance(expires, bool) or not isinstance(expires, int):
                raise InvalidClientMetadata(
                    "client_secret_expires_at must be an integer"
                )
            fields["client_secret_expires_at"] = expires
    return ClientMetadata(fields, redirect_uris, post_logout, scopes)


def _check_known_scopes(scopes: Iterable[str]) -> None:
    known = set(section().SCOPES) | set(
        section().CLIENT_REGISTRATION_ALLOWED_SCOPES or []
    )
    unknown = [s for s in scopes if s not in known]
    if unknown:
        raise InvalidScope(f"The following scopes are invalid: {', '.join(unknown)}")


def _scopes(raw: str | None, *, dynamic: bool) -> list[str] | None:
    requested = _dedupe((raw or "").split())
    if not dynamic:
        if not requested:
            return None
        _check_known_scopes(requested)
        return requested
    defaults, allowed = _allowed_registration_scopes()
    union = _dedupe([*defaults, *allowed])
    unknown = [s for s in requested if s not in union]
    if unknown:
        raise InvalidScope(f"cannot request scope {' '.join(unknown)}")
    return union


# --- create / update / delete ----------------------------------------------


def create_client(
    metadata: Mapping[str, Any],
    *,
    owner: Any | None = None,
    reference_id: str | None = None,
    skip_consent: bool | None = None,
    enable_end_session: bool | None = None,
    require_pkce: bool | None = None,
    client_credentials_scopes: list[str] | None = None,
    disabled: bool | None = None,
    dynamic: bool = False,
    authenticated: bool = True,
    instance: Any | None = None,
    client_id: str | None = None,
) -> tuple[Any, str | None]:
    """Register a client; returns the application and its plaintext secret.

    The secret (None for public clients) is only ever available here and in
    :func:`rotate_secret`. Keyword flags are server-owned settings that
    override the metadata (Better Auth's admin ``create-client``).
    ``instance`` is an unsaved ``Application`` to fill in (the admin's);
    ``client_id`` fixes the identifier instead of generating one.
    """
    normalized = normalize_metadata(
        metadata, dynamic=dynamic, authenticated=authenticated
    )
    fields = dict(normalized.fields)
    overrides = {
        "skip_consent": skip_consent,
        "enable_end_session": enable_end_session,
        "disabled": disabled,
        "reference_id": reference_id,
    }
    for name, value in overrides.items():
        if value is not None:
            fields[name] = value
    if require_pkce is not None:
        fields["require_pkce"] = require_pkce
    if client_credentials_scopes is not None:
        fields["client_credentials_scopes"] = _dedupe(
            _string_list(client_credentials_scopes, "client_credentials_scopes")
        )
    if dynamic:
        cfg = section()
        if (
            not cfg.CLIENT_REGISTRATION_REQUIRE_PKCE
            and fields["token_endpoint_auth_method"] != "none"
        ):
            fields["require_pkce"] = False
    method = fields["token_endpoint_auth_method"]
    secret = generate_client_secret() if method in _SECRET_METHODS else None
    if secret is not None and dynamic:
        expires_in = int(section().CLIENT_REGISTRATION_CLIENT_SECRET_EXPIRES_IN or 0)
        if expires_in > 0:
            fields["client_secret_expires_at"] = int(clock.now().timestamp()) + (
                expires_in
            )
    name = fields.pop("client_name")
    grants = fields["grant_types"]
    values = {
        "client_id": client_id or generate_client_id(),
        "user": owner,
        "name": name,
        "redirect_uris": " ".join(normalized.redirect_uris),
        "post_logout_redirect_uris": " ".join(normalized.post_logout_redirect_uris),
        "client_type": (
            Application.CLIENT_PUBLIC
            if method == "none"
            else Application.CLIENT_CONFIDENTIAL
        ),
        "authorization_grant_type": (
            Application.GRANT_AUTHORIZATION_CODE
            if "authorization_code" in grants
            else Application.GRANT_CLIENT_CREDENTIALS
        ),
        "client_secret": hash_client_secret(secret) if secret else "",
        "hash_client_secret": False,
        "skip_authorization": bool(fields.get("skip_consent", False)),
        "registration_source": (
            Application.RegistrationSource.DCR
            if dynamic
            else Application.RegistrationSource.MANUAL
        ),
    }
    with transaction.atomic():
        app = instance if instance is not None else Application()
        for key, value in values.items():
            setattr(app, key, value)
        app.save()
        profile = ClientProfile.objects.create(
            application=app, scopes=normalized.scopes, **fields
        )
    app.better_auth_profile = profile
    logger.info("registered OAuth client %s (%s)", app.client_id, method)
    return app, secret


def current_metadata(application: Any) -> dict[str, Any]:
    """The stored client as metadata input, for merging an update into."""
    out = client_json(application, admin=True)
    for name in ("client_id", "client_id_issued_at", "user_id"):
        out.pop(name, None)
    out.pop("client_secret", None)
    return out


def update_client(
    application: Any, update: Mapping[str, Any], *, dynamic: bool = False
) -> Any:
    """Apply a partial metadata update, re-validating the whole result.

    ``token_endpoint_auth_method`` is immutable and ignored, as in Better
    Auth's update-client (changing it would strand or invent a secret);
    ``dynamic`` (a non-staff owner) also ignores the server-owned fields.
    """
    if not isinstance(update, Mapping):
        raise InvalidRequest("update must be an object")
    profile = profile_of(application)
    ignored = {"client_id", "client_secret", "token_endpoint_auth_method"}
    if dynamic:
        ignored.update(SERVER_ONLY_FIELDS)
    merged = current_metadata(application)
    merged.update({k: v for k, v in update.items() if k not in ignored})
    if "scope" not in update and profile.scopes is None:
        merged.pop("scope", None)
    normalized = normalize_metadata(merged)
    fields = dict(normalized.fields)
    name = fields.pop("client_name")
    with transaction.atomic():
        for key, value in fields.items():
            setattr(profile, key, value)
        if "scope" in update or profile.scopes is not None:
            profile.scopes = normalized.scopes
        profile.save()
        application.name = name
        application.redirect_uris = " ".join(normalized.redirect_uris)
        application.post_logout_redirect_uris = " ".join(
            normalized.post_logout_redirect_uris
        )
        application.skip_authorization = profile.skip_consent
        application.save(
            update_fields=[
                "name",
                "redirect_uris",
                "post_logout_redirect_uris",
                "skip_authorization",
                "updated",
            ]
        )
    return application


def rotate_secret(application: Any) -> str:
    """Issue a new secret; the old one stops working at once."""
    profile = profile_of(application)
    if profile.token_endpoint_auth_method not in _SECRET_METHODS:
        raise InvalidClient(
            "secret rotation is only available for clients using client_secret "
            "authentication"
        )
    secret = generate_client_secret()
    application.client_secret = hash_client_secret(secret)
    application.hash_client_secret = False
    application.save(update_fields=["client_secret", "hash_client_secret", "updated"])
    logger.info("rotated the secret of OAuth client %s", application.client_id)
    return secret


def delete_client(application: Any) -> None:
    """Delete the client with its profile, consents, grants and tokens."""
    client_id = application.client_id
    application.delete()
    logger.info("deleted OAuth client %s", client_id)


# --- JSON shapes -----------------------------------------------------------


def client_json(
    application: Any, *, secret: str | None = None, admin: bool = False
) -> dict[str, Any]:
    """The client as RFC 7591 §3.2.1 metadata, as Better Auth returns it.

    Empty values are left out. ``secret`` is the plaintext, included only
    right after creation or rotation. ``admin`` adds
    ``client_credentials_scopes`` (the admin create-client response).
    """
    profile = profile_of(application)
    out: dict[str, Any] = {"client_id": application.client_id}
    confidential = profile.token_endpoint_auth_method in _SECRET_METHODS
    if secret is not None:
        out["client_secret"] = secret
    if confidential:
        out["client_secret_expires_at"] = profile.client_secret_expires_at
    if profile.scopes is not None:
        out["scope"] = " ".join(profile.scopes)
    if application.user_id:
        out["user_id"] = application.user_id
    if profile.reference_id:
        out["reference_id"] = profile.reference_id
    out["client_id_issued_at"] = int(application.created.timestamp())
    if application.name:
        out["client_name"] = application.name
    for name in ("client_uri", "logo_uri"):
        if getattr(profile, name):
            out[name] = getattr(profile, name)
    if profile.contacts:
        out["contacts"] = list(profile.contacts)
    for name in (
        "tos_uri",
        "policy_uri",
        "software_id",
        "software_version",
        "software_statement",
    ):
        if getattr(profile, name):
            out[name] = getattr(profile, name)
    out["redirect_uris"] = application.redirect_uris.split()
    if application.post_logout_redirect_uris:
        out["post_logout_redirect_uris"] = application.post_logout_redirect_uris.split()
    if profile.backchannel_logout_uri:
        out["backchannel_logout_uri"] = profile.backchannel_logout_uri
        out["backchannel_logout_session_required"] = (
            profile.backchannel_logout_session_required
        )
    out["token_endpoint_auth_method"] = profile.token_endpoint_auth_method
    out["grant_types"] = profile.effective_grant_types()
    if profile.response_types:
        out["response_types"] = list(profile.response_types)
    if profile.application_type:
        out["application_type"] = profile.application_type
    if profile.jwks is not None:
        out["jwks"] = profile.jwks
    if profile.jwks_uri:
        out["jwks_uri"] = profile.jwks_uri
    if profile.subject_type:
        out["subject_type"] = profile.subject_type
    out["disabled"] = profile.disabled
    if profile.skip_consent:
        out["skip_consent"] = True
    if profile.enable_end_session:
        out["enable_end_session"] = True
    if profile.require_pkce is not None:
        out["require_pkce"] = profile.require_pkce
    out["dpop_bound_access_tokens"] = profile.dpop_bound_access_tokens
    if admin:
        out["client_credentials_scopes"] = list(profile.client_credentials_scopes or [])
    if profile.metadata:
        out["metadata"] = dict(profile.metadata)
    return out


def public_client_json(application: Any) -> dict[str, Any]:
    """What a login or consent page may show (Better Auth's public-client)."""
    profile = profile_of(application)
    out: dict[str, Any] = {"client_id": application.client_id}
    if application.name:
        out["client_name"] = application.name
    for name in ("client_uri", "logo_uri"):
        if getattr(profile, name):
            out[name] = getattr(profile, name)
    if profile.contacts:
        out["contacts"] = list(profile.contacts)
    for name in ("tos_uri", "policy_uri"):
        if getattr(profile, name):
            out[name] = getattr(profile, name)
    # Better Auth's public-client keeps an empty redirect_uris member.
    out["redirect_uris"] = []
    return out


# --- privileges ------------------------------------------------------------


def _owns(client: Any, user: Any, reference_id: str | None) -> bool:
    if client.user_id is not None and client.user_id == user.pk:
        return True
    return bool(reference_id) and profile_of(client).reference_id == reference_id


def check_privileges(
    action: str,
    *,
    user: Any,
    session: Any = None,
    request: Any = None,
    client: Any | None = None,
    reference_id: str | None = None,
) -> bool:
    """Whether ``user`` may perform a client-management ``action``.

    Actions are Better Auth's: create, read, update, delete, list, rotate,
    configure-client-credentials-scopes. With a ``CLIENT_PRIVILEGES`` hook
    its answer decides. Without one, staff may do everything, any signed-in
    user may create and list, and read/update/delete/rotate need ownership
    (``Application.user``, or the ``CLIENT_REFERENCE`` owner); configuring
    client_credentials scopes is denied, as in Better Auth without a hook.
    """
    gate = hook("CLIENT_PRIVILEGES")
    if gate is not None:
        return bool(
            gate(
                {
                    "action": action,
                    "user": user,
                    "session": session,
                    "request": request,
                    "client": client,
                    "reference_id": reference_id,
                }
            )
        )
    if user is None:
        return False
    if getattr(user, "is_staff", False):
        return True
    if action == "configure-client-credentials-scopes":
        return False
    if action in ("create", "list"):
        return True
    return client is not None and _owns(client, user, reference_id)


def manageable_clients(user: Any, *, reference_id: str | None = None) -> list[Any]:
    """Clients ``user`` owns (all clients for staff without a privileges hook)."""
    rows = Application.objects.select_related("better_auth_profile").order_by(
        "created", "id"
    )
    if getattr(user, "is_staff", False) and hook("CLIENT_PRIVILEGES") is None:
        return list(rows)
    if reference_id:
        return list(rows.filter(better_auth_profile__reference_id=reference_id))
    return list(rows.filter(user=user))
