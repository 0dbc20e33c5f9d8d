"""Consent management endpoints: a user lists, narrows and revokes consents.

Better Auth's get-consent(s) / update-consent / delete-consent (§1.2): own
consents only (another user's is a bodiless 401, an unknown id 404
``not_found`` "no consent"); rows are returned in Better Auth's camelCase
shape. Narrowing a consent to scopes the client may not have is refused.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse

from better_auth.api import schema as s
from better_auth.api.context import Context
from better_auth.api.registry import endpoint
from better_auth.api.schema import Field, Schema
from better_auth.serializers import iso

from ..errors import NotFound
from ..models import Consent
from ..services.consent import consents_of, narrow_consent
from ._common import empty_json, forbidden

__all__: list[str] = []

ID_QUERY = Schema({"id": s.string()})
ID_BODY = Schema({"id": s.string()})
UPDATE_BODY = Schema({"id": s.string(), "update": Field("object")})


def consent_json(consent: Consent) -> dict[str, Any]:
    """A consent in Better Auth's camelCase ``oauthConsent`` shape."""
    return {
        "clientId": consent.application.client_id,
        "userId": consent.user_id,
        "referenceId": consent.reference_id or None,
        "resources": list(consent.resources) or None,
        "requestedUserInfoClaims": list(consent.requested_userinfo_claims or []),
        "scopes": list(consent.scopes or []),
        "createdAt": iso(consent.created_at),
        "updatedAt": iso(consent.updated_at),
        "id": consent.id,
    }


def _own(ctx: Context, consent_id: str) -> Consent:
    consent = (
        Consent.objects.select_related("application").filter(pk=consent_id).first()
    )
    if consent is None:
        raise NotFound("no consent", no_store=False)
    assert ctx.session is not None
    if consent.user_id != ctx.session.user.pk:
        raise forbidden()
    return consent


@endpoint("/oauth2/get-consents", "GET", session="session")
def get_consents(ctx: Context) -> list[dict[str, Any]]:
    assert ctx.session is not None
    return [consent_json(row) for row in consents_of(ctx.session.user.pk)]


@endpoint("/oauth2/get-consent", "GET", query=ID_QUERY, session="session")
def get_consent(ctx: Context) -> dict[str, Any]:
    return consent_json(_own(ctx, ctx.query["id"]))


@endpoint("/oauth2/update-consent", "POST", body=UPDATE_BODY, session="session")
def update_consent(ctx: Context) -> dict[str, Any]:
    """Replace the granted scopes; they must be scopes the client may receive."""
    consent = _own(ctx, ctx.body["id"])
    return consent_json(narrow_consent(consent, ctx.body["update"].get("scopes")))


@endpoint("/oauth2/delete-consent", "POST", body=ID_BODY, session="session")
def delete_consent(ctx: Context) -> HttpResponse:
    _own(ctx, ctx.body["id"]).delete()
    return empty_json()
