"""The JSON shapes of a client: RFC 7591 §3.2.1 metadata and the public view.

Member names and order are Better Auth's (``client_json`` is what its
create-client, get-client and register endpoints answer; the public view is
its ``public-client``). Empty values are left out, except where Better
Auth keeps them (``redirect_uris``, ``disabled``,
``dpop_bound_access_tokens``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..models import ClientProfile
from .client_lookup import profile_of
from .client_secrets import uses_secret

__all__ = ["client_json", "public_client_json"]

_SOFTWARE = ("software_id", "software_version", "software_statement")


def _non_empty(profile: ClientProfile, names: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(profile, name) for name in names if getattr(profile, name)}


def _presentation(application: Any, profile: ClientProfile) -> dict[str, Any]:
    """What a user may be shown about a client (RFC 7591 §2 human-facing fields)."""
    out: dict[str, Any] = {}
    if application.name:
        out["client_name"] = application.name
    out.update(_non_empty(profile, ("client_uri", "logo_uri")))
    if profile.contacts:
        out["contacts"] = list(profile.contacts)
    out.update(_non_empty(profile, ("tos_uri", "policy_uri")))
    return out


def _identity(
    application: Any, profile: ClientProfile, secret: str | None
) -> dict[str, Any]:
    """Identifier, secret (RFC 7591 §3.2.1), scope and owner members."""
    out: dict[str, Any] = {"client_id": application.client_id}
    if secret is not None:
        out["client_secret"] = secret
    if uses_secret(profile.token_endpoint_auth_method):
        out["client_secret_expires_at"] = profile.client_secret_expires_at
    if profile.scopes is not None:
        out["scope"] = " ".join(profile.scopes)
    if application.user_id:
        out["user_id"] = application.user_id
    if profile.reference_id:
        out["reference_id"] = profile.reference_id
    out["client_id_issued_at"] = int(application.created.timestamp())
    return out


def _protocol(application: Any, profile: ClientProfile) -> dict[str, Any]:
    """Redirect URIs, logout, grant and key members (RFC 7591 §2)."""
    out: dict[str, Any] = {"redirect_uris": application.redirect_uris.split()}
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
    out.update(_non_empty(profile, ("jwks_uri", "subject_type")))
    return out


def _server_owned(profile: ClientProfile, *, admin: bool) -> dict[str, Any]:
    """The members only the server sets (Better Auth's client flags)."""
    out: dict[str, Any] = {"disabled": profile.disabled}
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


def client_json(
    application: Any, *, secret: str | None = None, admin: bool = False
) -> dict[str, Any]:
    """The client as RFC 7591 §3.2.1 metadata, as Better Auth returns it.

    ``secret`` is the plaintext, included only right after creation or
    rotation. ``admin`` adds ``client_credentials_scopes`` (the admin
    create-client response).
    """
    profile = profile_of(application)
    return {
        **_identity(application, profile, secret),
        **_presentation(application, profile),
        **_non_empty(profile, _SOFTWARE),
        **_protocol(application, profile),
        **_server_owned(profile, admin=admin),
    }


def public_client_json(application: Any) -> dict[str, Any]:
    """What a login or consent page may show (Better Auth's public-client)."""
    profile = profile_of(application)
    out: dict[str, Any] = {"client_id": application.client_id}
    out.update(_presentation(application, profile))
    # Better Auth's public-client keeps an empty redirect_uris member.
    out["redirect_uris"] = []
    return out
