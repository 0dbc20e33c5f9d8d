"""Client management endpoints (Better Auth's oauth-provider §1.2).

Session-backed and gated by ``CLIENT_PRIVILEGES``
(:func:`~..services.clients.check_privileges`). A client the caller may not
manage answers Better Auth's bodiless 401; an unknown one 404
``not_found``. Responses are RFC 7591 §3.2.1 client metadata; the secret
appears only in the create and rotate-secret answers, which therefore carry
``Cache-Control: no-store``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse

from better_auth.api import schema as s
from better_auth.api.context import JSON, Context
from better_auth.api.registry import endpoint
from better_auth.api.router import empty_response
from better_auth.api.schema import Field, Schema

from ..conf import section
from ..errors import NO_STORE_HEADERS, NotFound
from ..oauth.signed_query import require_verified
from ..services import clients as service
from ._common import client_reference, empty_json, forbidden

__all__: list[str] = []

CLIENT_ID_QUERY = Schema({"client_id": s.string()})
CLIENT_ID_BODY = Schema({"client_id": s.string()})
UPDATE_BODY = Schema({"client_id": s.string(), "update": Field("object")})


def _privileged(ctx: Context, action: str, client: Any | None = None) -> None:
    assert ctx.session is not None
    allowed = service.check_privileges(
        action,
        user=ctx.session.user,
        session=ctx.session.session,
        request=ctx.request,
        client=client,
        reference_id=client_reference(ctx),
    )
    if not allowed:
        raise forbidden()


def _managed(ctx: Context, client_id: str, action: str) -> Any:
    app = service.get_client(client_id)
    if app is None:
        raise NotFound("client not found", no_store=False)
    _privileged(ctx, action, app)
    return app


@endpoint(
    "/oauth2/create-client", "POST", body=Schema(passthrough=True), session="session"
)
def create_client(ctx: Context) -> JSON:
    """Register a client owned by the caller (or the CLIENT_REFERENCE owner)."""
    _privileged(ctx, "create")
    assert ctx.session is not None
    metadata = {
        k: v for k, v in ctx.body.items() if k not in service.SERVER_ONLY_FIELDS
    }
    reference = client_reference(ctx)
    app, secret = service.create_client(
        metadata,
        owner=None if reference else ctx.session.user,
        reference_id=reference,
    )
    return JSON(service.client_json(app, secret=secret), 201, dict(NO_STORE_HEADERS))


@endpoint("/oauth2/get-client", "GET", query=CLIENT_ID_QUERY, session="session")
def get_client(ctx: Context) -> dict[str, Any]:
    app = _managed(ctx, ctx.query["client_id"], "read")
    return service.client_json(app)


@endpoint("/oauth2/get-clients", "GET", session="session")
def get_clients(ctx: Context) -> list[dict[str, Any]]:
    """The caller's clients (all of them for staff without a privileges hook)."""
    _privileged(ctx, "list")
    assert ctx.session is not None
    apps = service.manageable_clients(
        ctx.session.user, reference_id=client_reference(ctx)
    )
    return [service.client_json(app) for app in apps]


@endpoint("/oauth2/update-client", "POST", body=UPDATE_BODY, session="session")
def update_client(ctx: Context) -> dict[str, Any]:
    """Update metadata; server-owned fields only for staff (admin update)."""
    app = _managed(ctx, ctx.body["client_id"], "update")
    assert ctx.session is not None
    staff = bool(getattr(ctx.session.user, "is_staff", False))
    service.update_client(app, ctx.body["update"], dynamic=not staff)
    return service.client_json(app)


@endpoint(
    "/oauth2/client/rotate-secret", "POST", body=CLIENT_ID_BODY, session="session"
)
def rotate_secret(ctx: Context) -> JSON:
    app = _managed(ctx, ctx.body["client_id"], "rotate")
    secret = service.rotate_secret(app)
    return JSON(service.client_json(app, secret=secret), 200, dict(NO_STORE_HEADERS))


@endpoint("/oauth2/delete-client", "POST", body=CLIENT_ID_BODY, session="session")
def delete_client(ctx: Context) -> HttpResponse:
    app = _managed(ctx, ctx.body["client_id"], "delete")
    service.delete_client(app)
    return empty_json()


@endpoint("/oauth2/public-client", "GET", query=CLIENT_ID_QUERY, session="session")
def public_client(ctx: Context) -> dict[str, Any]:
    """What a login or consent page may show about a client."""
    app = service.get_client(ctx.query["client_id"])
    if app is None or service.profile_of(app).disabled:
        raise NotFound("client not found", no_store=False)
    return service.public_client_json(app)


PRELOGIN_BODY = Schema({"client_id": s.string(), "oauth_query": s.string()})


@endpoint("/oauth2/public-client-prelogin", "POST", body=PRELOGIN_BODY)
def public_client_prelogin(ctx: Context) -> Any:
    """Public client info for a login page, before any session exists.

    Only with ``ALLOW_PUBLIC_CLIENT_PRELOGIN`` (else the route does not
    exist) and a valid signed ``oauth_query`` naming the same client, so the
    endpoint cannot be used to enumerate clients.
    """
    if not section().ALLOW_PUBLIC_CLIENT_PRELOGIN:
        return empty_response(404)
    verified = require_verified(ctx.body["oauth_query"])
    named = [v for k, v in verified.params if k == "client_id"]
    if named != [ctx.body["client_id"]]:
        raise NotFound("client not found", no_store=False)
    app = service.get_client(ctx.body["client_id"])
    if app is None or service.profile_of(app).disabled:
        raise NotFound("client not found", no_store=False)
    return service.public_client_json(app)
