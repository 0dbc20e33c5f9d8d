"""The authorization server's extension surface, for separate Django apps.

A project or a third-party app adds what this app does not ship (a device
or token-exchange grant, mTLS client authentication, a discovery field,
claims) by calling :func:`extend_oauth_provider` from its
``AppConfig.ready()``, without forking or patching anything here::

    class DeviceFlowConfig(AppConfig):
        name = "device_flow"

        def ready(self) -> None:
            extend_oauth_provider(
                grant_types={DEVICE_CODE: device_code_grant},
                grant_params=["device_code"],
                metadata={"device_authorization_endpoint": device_endpoint_url},
            )

What an extension registers is advertised the same way as what is built
in: a grant type appears in ``grant_types_supported``, an authentication
method in ``token_endpoint_auth_methods_supported`` (RFC 8414 §2), so
discovery stays truthful. An extension can never replace a built-in grant,
method or discovery field, and its claims can never overwrite a protocol
claim: those are the places where a silent override would be a security
bug rather than an extension.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "BUILTIN_AUTH_METHODS",
    "BUILTIN_GRANTS",
    "ClientAuthRequest",
    "TokenRequest",
    "auth_method",
    "auth_methods",
    "claims_for",
    "extend_oauth_provider",
    "grant_handler",
    "grant_params",
    "grant_types",
    "metadata_fields",
    "reset_extensions",
]

BUILTIN_GRANTS = frozenset(
    {"authorization_code", "client_credentials", "refresh_token"}
)
BUILTIN_AUTH_METHODS = frozenset(
    {"client_secret_basic", "client_secret_post", "none", "private_key_jwt"}
)
CLAIM_TARGETS = frozenset({"id_token", "userinfo", "access_token"})


@dataclass(frozen=True)
class TokenRequest:
    """What an extension grant gets: the form, and client authentication.

    ``authenticate()`` runs the server's client authentication (every
    configured method, extensions' included) and checks that the client may
    use this grant; call it before trusting anything in the form.
    """

    grant_type: str
    form: Mapping[str, list[str]]
    params: Mapping[str, str | None]
    resources: list[str]
    authenticate: Callable[[], Any]
    request: Any = None


@dataclass(frozen=True)
class ClientAuthRequest:
    """What an extension authentication method sees of a token request."""

    form: Mapping[str, list[str]]
    headers: Mapping[str, str]
    request: Any = None


# grant handler: TokenRequest -> RFC 6749 §5.1 response body (a dict).
GrantHandler = Callable[[TokenRequest], dict[str, Any]]
# auth method: ClientAuthRequest -> the authenticated Application, or None
# when the request does not use this method (the next one is tried).
AuthMethod = Callable[[ClientAuthRequest], Any]
# claims: context {"user", "client", "scopes", ...} -> extra claims.
ClaimsProvider = Callable[[Mapping[str, Any]], Mapping[str, Any]]
# metadata: a value, or a callable taking the issuer URL.
MetadataValue = Any


@dataclass
class _Registry:
    grants: dict[str, GrantHandler] = field(default_factory=dict)
    params: list[str] = field(default_factory=list)
    methods: dict[str, AuthMethod] = field(default_factory=dict)
    metadata: dict[str, MetadataValue] = field(default_factory=dict)
    claims: dict[str, list[ClaimsProvider]] = field(
        default_factory=lambda: {target: [] for target in CLAIM_TARGETS}
    )


_registry = _Registry()
_lock = threading.Lock()


def _refuse_taken(kind: str, names: Iterable[str], taken: Iterable[str]) -> None:
    clash = sorted(set(names) & set(taken))
    if clash:
        raise ValueError(f"{kind} already defined: {', '.join(clash)}")


def extend_oauth_provider(
    *,
    grant_types: Mapping[str, GrantHandler] | None = None,
    grant_params: Iterable[str] = (),
    client_auth_methods: Mapping[str, AuthMethod] | None = None,
    metadata: Mapping[str, MetadataValue] | None = None,
    id_token_claims: ClaimsProvider | None = None,
    userinfo_claims: ClaimsProvider | None = None,
    access_token_claims: ClaimsProvider | None = None,
) -> None:
    """Register grant types, authentication methods, discovery fields, claims.

    Raises ``ValueError`` when a name is built in or already registered, so
    two apps cannot silently fight over one grant type or field. Call once
    per app, from ``AppConfig.ready()``.
    """
    from .discovery import reserved_metadata_fields

    grants = dict(grant_types or {})
    methods = dict(client_auth_methods or {})
    fields = dict(metadata or {})
    with _lock:
        _refuse_taken("grant type", grants, BUILTIN_GRANTS | _registry.grants.keys())
        _refuse_taken(
            "client authentication method",
            methods,
            BUILTIN_AUTH_METHODS | _registry.methods.keys(),
        )
        _refuse_taken(
            "discovery field",
            fields,
            reserved_metadata_fields() | _registry.metadata.keys(),
        )
        for name, handler in {**grants, **methods}.items():
            if not callable(handler):
                raise ValueError(f"{name}: handler must be callable")
        _registry.grants.update(grants)
        _registry.methods.update(methods)
        _registry.metadata.update(fields)
        for param in grant_params:
            if param not in _registry.params:
                _registry.params.append(param)
        for target, provider in (
            ("id_token", id_token_claims),
            ("userinfo", userinfo_claims),
            ("access_token", access_token_claims),
        ):
            if provider is not None:
                _registry.claims[target].append(provider)


def reset_extensions() -> None:
    """Forget every registration (tests)."""
    global _registry
    with _lock:
        _registry = _Registry()


def grant_types() -> list[str]:
    return list(_registry.grants)


def grant_handler(grant_type: str) -> GrantHandler | None:
    return _registry.grants.get(grant_type)


def grant_params() -> list[str]:
    return list(_registry.params)


def auth_methods() -> list[str]:
    return list(_registry.methods)


def auth_method(name: str) -> AuthMethod | None:
    return _registry.methods.get(name)


def metadata_fields(iss: str) -> dict[str, Any]:
    """Extension discovery fields, callables resolved against the issuer."""
    return {
        name: value(iss) if callable(value) else value
        for name, value in _registry.metadata.items()
    }


def claims_for(target: str, context: Mapping[str, Any]) -> dict[str, Any]:
    """Extension claims for ``target`` (id_token, userinfo, access_token).

    The caller merges them under its own claims, so a reserved claim always
    wins over an extension's.
    """
    out: dict[str, Any] = {}
    for provider in _registry.claims[target]:
        out.update(provider(context) or {})
    return out
