"""Protected-resource management endpoints (Better Auth surface §1.2).

- ``POST|GET /admin/oauth2/resources``: create (201) / list;
- ``GET|PATCH|DELETE /admin/oauth2/resources/:identifier``: read, update
  (``{update: {...}}`` or the fields themselves), delete (``{deleted: true}``);
- ``POST|DELETE /admin/oauth2/resources/:identifier/clients/:client_id``:
  link (``{linked: true[, alreadyLinked: true]}``) / unlink.

Better Auth keeps these server-only; here they need a session whose user
``RESOURCE_PRIVILEGES`` allows (staff only without the hook), else the
bodiless 401 of the client endpoints. Bodies use Better Auth's member
names (``accessTokenTtl``, ``allowedScopes``, ...; snake_case works too).

The identifier is URL-encoded in the path, as Better Auth's clients send
it. A WSGI server decodes ``%2F`` before routing, so an ``https://``
identifier can only travel in the path encoded twice; the same operations
are also served with the identifier in the query (``/admin/oauth2/resource
?identifier=...``, ``/admin/oauth2/resource/clients?identifier=...
&client_id=...``), which needs no such care.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from better_auth.api.context import JSON, Context
from better_auth.api.registry import endpoint
from better_auth.api.schema import Schema

from ..errors import NotFound
from ..services import resources as service
from ..services.client_lookup import get_client
from ._common import forbidden

__all__: list[str] = []

ANY_BODY = Schema(passthrough=True)


def _privileged(ctx: Context, action: str, resource: Any = None) -> None:
    assert ctx.session is not None
    allowed = service.check_resource_privileges(
        action,
        user=ctx.session.user,
        session=ctx.session.session,
        request=ctx.request,
        resource=resource,
    )
    if not allowed:
        raise forbidden()


def _identifier(ctx: Context) -> str:
    raw = ctx.params.get("identifier") or ctx.query.get("identifier") or ""
    value = unquote(raw) if ctx.params.get("identifier") else raw
    return value if isinstance(value, str) else ""


def _client_id(ctx: Context) -> str:
    return ctx.params.get("client_id") or ctx.query.get("client_id") or ""


def _resource(ctx: Context, action: str) -> Any:
    row = service.get_resource(_identifier(ctx))
    if row is None:
        raise NotFound("resource not found", no_store=False)
    _privileged(ctx, action, row)
    return row


@endpoint("/admin/oauth2/resources", "POST", body=ANY_BODY, session="session")
def create_resource(ctx: Context) -> JSON:
    _privileged(ctx, "create")
    row = service.create_resource(ctx.body)
    return JSON(service.resource_json(row), 201)


@endpoint("/admin/oauth2/resources", "GET", session="session")
def list_resources(ctx: Context) -> list[dict[str, Any]]:
    _privileged(ctx, "list")
    from ..models import Resource

    rows = Resource.objects.all()
    return [service.resource_json(row) for row in rows]


def read_resource(ctx: Context) -> dict[str, Any]:
    return service.resource_json(_resource(ctx, "read"))


def update_resource(ctx: Context) -> dict[str, Any]:
    row = _resource(ctx, "update")
    update = ctx.body.get("update", ctx.body)
    if not isinstance(update, dict):
        update = {}
    return service.resource_json(service.update_resource(row.identifier, update))


def delete_resource(ctx: Context) -> dict[str, Any]:
    row = _resource(ctx, "delete")
    service.delete_resource(row.identifier)
    return {"deleted": True}


def _linked_client(ctx: Context) -> Any:
    app = get_client(_client_id(ctx))
    if app is None:
        raise NotFound("client not found", no_store=False)
    return app


def link_client(ctx: Context) -> dict[str, Any]:
    row = _resource(ctx, "link")
    created = service.link_client(row.identifier, _linked_client(ctx))
    return {"linked": True} if created else {"linked": True, "alreadyLinked": True}


def unlink_client(ctx: Context) -> dict[str, Any]:
    row = _resource(ctx, "unlink")
    service.unlink_client(row.identifier, _linked_client(ctx))
    return {"linked": False}


_ONE = "/admin/oauth2/resources/:identifier"
_LINK = "/admin/oauth2/resources/:identifier/clients/:client_id"
endpoint(_ONE, "GET", session="session")(read_resource)
endpoint(_ONE, "PATCH", body=ANY_BODY, session="session")(update_resource)
endpoint(_ONE, "DELETE", session="session")(delete_resource)
endpoint(_LINK, "POST", session="session")(link_client)
endpoint(_LINK, "DELETE", session="session")(unlink_client)
# The same with the identifier in the query (see the module docstring).
endpoint("/admin/oauth2/resource", "GET", session="session")(read_resource)
endpoint("/admin/oauth2/resource", "PATCH", body=ANY_BODY, session="session")(
    update_resource
)
endpoint("/admin/oauth2/resource", "DELETE", session="session")(delete_resource)
endpoint("/admin/oauth2/resource/clients", "POST", session="session")(link_client)
endpoint("/admin/oauth2/resource/clients", "DELETE", session="session")(unlink_client)
