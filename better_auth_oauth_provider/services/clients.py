"""Client registration and management: create, update and delete.

Clients are validated as Better Auth's ``checkOAuthClient`` validates them
(RFC 7591 §2, :mod:`..oauth.client_metadata`) whether they come from
``/oauth2/register``, the management endpoints, the admin or the
``create_oauth_client`` command. This module is also the provider's one
import point for client work: lookup, secrets, privileges and the JSON
shapes are re-exported from the modules that implement them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.db import transaction

from better_auth import clock

from ..conf import section
from ..errors import InvalidRequest
from ..models import ClientProfile
from ..oauth.client_metadata import (
    SERVER_ONLY_FIELDS,
    ClientMetadata,
    client_credentials_scopes,
    normalize_metadata,
)
from .client_json import client_json, public_client_json
from .client_lookup import Application, client_scopes, get_client, profile_of
from .client_privileges import check_privileges, manageable_clients
from .client_secrets import (
    generate_client_id,
    generate_client_secret,
    hash_client_secret,
    rotate_secret,
    uses_secret,
    verify_client_secret,
)

logger = logging.getLogger(__name__)

__all__ = [
    "SERVER_ONLY_FIELDS",
    "ClientMetadata",
    "check_privileges",
    "client_json",
    "client_scopes",
    "create_client",
    "current_metadata",
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


def _with_overrides(
    normalized: ClientMetadata, overrides: Mapping[str, Any], *, dynamic: bool
) -> dict[str, Any]:
    """The profile fields, with the caller's server-owned settings applied."""
    fields = dict(normalized.fields)
    fields.update({k: v for k, v in overrides.items() if v is not None})
    if overrides.get("client_credentials_scopes") is not None:
        fields["client_credentials_scopes"] = client_credentials_scopes(
            overrides["client_credentials_scopes"]
        )
    if dynamic and not section().CLIENT_REGISTRATION_REQUIRE_PKCE:
        if fields["token_endpoint_auth_method"] != "none":
            fields["require_pkce"] = False
    return fields


def _secret_expiry(fields: dict[str, Any], *, dynamic: bool) -> None:
    """CLIENT_REGISTRATION_CLIENT_SECRET_EXPIRES_IN for registered secrets."""
    expires_in = int(section().CLIENT_REGISTRATION_CLIENT_SECRET_EXPIRES_IN or 0)
    if dynamic and expires_in > 0:
        now = int(clock.now().timestamp())
        fields["client_secret_expires_at"] = now + expires_in


def _application_values(
    normalized: ClientMetadata,
    fields: dict[str, Any],
    secret: str | None,
    *,
    dynamic: bool,
) -> dict[str, Any]:
    """django-oauth-toolkit's ``Application`` columns for a new client."""
    public = fields["token_endpoint_auth_method"] == "none"
    code = "authorization_code" in fields["grant_types"]
    source = Application.RegistrationSource
    return {
        "redirect_uris": " ".join(normalized.redirect_uris),
        "post_logout_redirect_uris": " ".join(normalized.post_logout_redirect_uris),
        "client_type": (
            Application.CLIENT_PUBLIC if public else Application.CLIENT_CONFIDENTIAL
        ),
        "authorization_grant_type": (
            Application.GRANT_AUTHORIZATION_CODE
            if code
            else Application.GRANT_CLIENT_CREDENTIALS
        ),
        "client_secret": hash_client_secret(secret) if secret else "",
        "hash_client_secret": False,
        "skip_authorization": bool(fields.get("skip_consent", False)),
        "registration_source": source.DCR if dynamic else source.MANUAL,
    }


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
    overrides = {
        "skip_consent": skip_consent,
        "enable_end_session": enable_end_session,
        "disabled": disabled,
        "reference_id": reference_id,
        "require_pkce": require_pkce,
        "client_credentials_scopes": client_credentials_scopes,
    }
    fields = _with_overrides(normalized, overrides, dynamic=dynamic)
    method = fields["token_endpoint_auth_method"]
    secret = generate_client_secret() if uses_secret(method) else None
    if secret is not None:
        _secret_expiry(fields, dynamic=dynamic)
    values = _application_values(normalized, fields, secret, dynamic=dynamic)
    values.update(
        client_id=client_id or generate_client_id(),
        user=owner,
        name=fields.pop("client_name"),
    )
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
    for name in ("client_id", "client_id_issued_at", "user_id", "client_secret"):
        out.pop(name, None)
    return out


def _save_update(
    application: Any, profile: ClientProfile, normalized: ClientMetadata
) -> None:
    fields = dict(normalized.fields)
    name = fields.pop("client_name")
    with transaction.atomic():
        for key, value in fields.items():
            setattr(profile, key, value)
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
    if "scope" in update or profile.scopes is not None:
        profile.scopes = normalized.scopes
    _save_update(application, profile, normalized)
    return application


def delete_client(application: Any) -> None:
    """Delete the client with its profile, consents, grants and tokens."""
    client_id = application.client_id
    application.delete()
    logger.info("deleted OAuth client %s", client_id)
