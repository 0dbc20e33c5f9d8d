"""Finding a client: the application, its profile and its scopes.

A client is django-oauth-toolkit's ``Application`` plus the provider's
``ClientProfile`` (the RFC 7591 metadata DOT lacks). Both come back from one
query, compiled once per connection (:mod:`..storage`); an application
created through DOT's own admin or API gets a profile matching its DOT
fields the first time it is looked up. A
``client_id`` that is a client ID metadata document URL may resolve to a
client made from that document (:mod:`.client_metadata_documents`).
"""

from __future__ import annotations

from typing import Any

from oauth2_provider.models import get_application_model

from ..conf import section
from ..models import ClientProfile
from ..storage import PreparedLookup
from . import client_metadata_documents

__all__ = ["Application", "client_scopes", "get_client", "profile_of"]

Application = get_application_model()
# Longest client_id the lookup accepts (DOT's column width).
MAX_CLIENT_ID = 255
# client_id is unique: no ordering needed to pick the row.
_BY_CLIENT_ID = PreparedLookup(
    Application,
    lambda _variant, client_id: Application.objects.select_related(
        "better_auth_profile"
    ).filter(client_id=client_id),
    client_id=Application._meta.get_field("client_id"),
)


def get_client(client_id: str | None) -> Any | None:
    """The application with its profile, in one query; None when unknown."""
    if (
        not client_id
        or not isinstance(client_id, str)
        or len(client_id) > MAX_CLIENT_ID
        # PostgreSQL's text cannot hold NUL: no client has one.
        or "\x00" in client_id
    ):
        return None
    app = _BY_CLIENT_ID.first(client_id=client_id)
    if app is not None:
        profile_of(app)
    if "://" in client_id:
        # Also for a stored document client when the feature is off: that
        # row must then fail closed.
        app = client_metadata_documents.resolve(client_id, app)
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
