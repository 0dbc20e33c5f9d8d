"""Protect a Django MCP server with this provider's access tokens.

The MCP authorization specification (2025-06-18 and later) makes an MCP
server an OAuth 2.1 *protected resource*:

- its identifier is the MCP endpoint's URL (the canonical server URI), and
  it publishes RFC 9728 protected resource metadata naming its
  authorization servers, at ``/.well-known/oauth-protected-resource{path}``
  (RFC 9728 §3.1), and for clients that only try the root, at
  ``/.well-known/oauth-protected-resource`` too;
- a request without a valid token gets ``401`` with ``WWW-Authenticate:
  Bearer resource_metadata="..."`` (RFC 9728 §5.1), from which the client
  discovers the metadata, then the authorization server (RFC 8414);
- clients send the identifier as the RFC 8707 ``resource`` parameter, and
  the server accepts only tokens whose audience is itself (RFC 8707 §2,
  RFC 9068 §4): a token minted for another API is refused, so a token
  cannot be passed through from one server to another.

This module is glue over :mod:`.resource_server` (verification,
challenges, metadata) in the shape Better Auth's ``mcp()`` plugin and
``requireMcpAuth`` have (oauth-provider surface §9.7): a refused request
gets a JSON-RPC error body (code ``-32000``) with the challenge headers::

    MCP = mcp_protected_resource("https://mcp.example.com/mcp", scopes=["mcp"])

    # settings.py: the resource the provider issues tokens for
    "RESOURCES": [MCP.resource_entry()]

    # urls.py
    urlpatterns = [*MCP.urlpatterns(), path("mcp", MCP.protect(mcp_view))]

With the provider in the same project, clients created after start-up
(dynamic registration, metadata documents, the admin) are linked to the MCP
resource while it is in ``RESOURCES``, as ``mcp()`` adds it to Better
Auth's ``clientRegistrationDefaultResources``; otherwise
``ENFORCE_PER_CLIENT_RESOURCES`` would refuse them a token for it.

Nothing here imports models at module level, so the configuration object
can be built in ``settings.py``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import wraps
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse, JsonResponse

from .oauth.redirect_uris import is_loopback_host
from .oauth.resource_indicators import resource_problem
from .resource_server.challenges import bearer_challenge, resource_metadata_url
from .resource_server.verification import (
    AccessTokenError,
    VerifiedAccessToken,
    authenticate_request,
)

logger = logging.getLogger(__name__)

__all__ = ["JSONRPC_UNAUTHORIZED", "MCPResource", "mcp_protected_resource"]

# Better Auth's requireMcpAuth answers refusals with this JSON-RPC error code
# (the implementation-defined server error range of JSON-RPC 2.0 §5.1).
JSONRPC_UNAUTHORIZED = -32000
ROOT_METADATA_PATH = "/.well-known/oauth-protected-resource"

ViewFunc = Callable[..., HttpResponse]


def _check_identifier(resource: str) -> None:
    """The rules of Better Auth's ``mcp({resource})``: an absolute https URL
    (http only on loopback), without credentials, query or fragment; RFC
    8707 §2 then forbids the fragment for every resource indicator."""
    problem = resource_problem(resource)
    if problem:
        raise ValueError(f"MCP resource {resource!r}: {problem}")
    parts = urlsplit(resource)
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        raise ValueError(f"MCP resource {resource!r} must be an https URL")
    if parts.scheme == "http" and not is_loopback_host(host):
        raise ValueError(f"MCP resource {resource!r}: http only on loopback")
    if "@" in parts.netloc or parts.query or "?" in resource:
        raise ValueError(
            f"MCP resource {resource!r} must not carry credentials or a query"
        )


@dataclass(frozen=True, eq=False)
class MCPResource:
    """One MCP endpoint as an OAuth protected resource; see the module doc.

    ``scopes`` are required on every call; ``challenge_scopes`` (default:
    ``scopes``) go in the ``scope`` of 401 challenges, which MCP clients
    request. ``authorization_servers`` names a provider in another project
    (empty: this project's provider); ``verify_options`` go to
    :func:`.resource_server.verification.verify_access_token` (``jwks_url``
    and ``issuer_url`` for a remote provider, ``check_active`` for the
    provider's own liveness rules, ...).
    """

    resource: str
    scopes: tuple[str, ...] = ()
    challenge_scopes: tuple[str, ...] | None = None
    name: str | None = None
    dpop_required: bool = False
    authorization_servers: tuple[str, ...] = ()
    serve_root_metadata: bool = True
    link_new_clients: bool = True
    verify_options: Mapping[str, Any] = field(default_factory=dict)

    # --- where things are ----------------------------------------------------

    @property
    def metadata_url(self) -> str:
        """The RFC 9728 §3.1 metadata URL, as the challenges announce it."""
        return resource_metadata_url(self.resource)

    @property
    def metadata_path(self) -> str:
        return urlsplit(self.metadata_url).path

    def resource_entry(self) -> dict[str, Any]:
        """The ``OAUTH_PROVIDER["RESOURCES"]`` entry declaring the resource."""
        entry: dict[str, Any] = {"identifier": self.resource}
        if self.name:
            entry["name"] = self.name
        if self.dpop_required:
            entry["dpop_required"] = True
        return entry

    def is_declared(self) -> bool:
        """Whether the provider of this project lists the resource."""
        from .conf import section

        for entry in section().RESOURCES or []:
            identifier = entry if isinstance(entry, str) else entry.get("identifier")
            if identifier == self.resource:
                return True
        return False

    def stored_resource(self) -> Any | None:
        """The provider's row for the resource (seeded from ``RESOURCES``)."""
        from .models import Resource
        from .services.resources import ensure_seeded

        ensure_seeded()
        return Resource.objects.filter(identifier=self.resource).first()

    def link_client(self, application: Any) -> bool:
        """Allow ``application`` tokens for the resource; True when linked
        now, False when it already was or the resource is not stored."""
        from .models import ClientResource

        row = self.stored_resource()
        if row is None:
            return False
        _, created = ClientResource.objects.get_or_create(
            client=application, resource=row
        )
        return created

    # --- metadata (RFC 9728) ---------------------------------------------------

    def metadata(self, request: HttpRequest | None = None) -> dict[str, Any] | None:
        """The RFC 9728 §2 document, or None when the stored resource is
        disabled or missing (with a local provider)."""
        from .resource_server.metadata import protected_resource_metadata

        if self.authorization_servers:
            described = SimpleNamespace(
                identifier=self.resource,
                allowed_scopes=list(self.scopes) or None,
                name=self.name or "",
                dpop_required=self.dpop_required,
            )
            doc = protected_resource_metadata(described, request)
            doc["authorization_servers"] = list(self.authorization_servers)
            return doc
        row = self.stored_resource()
        if row is None or not row.enabled:
            return None
        return protected_resource_metadata(row, request)

    def metadata_view(self, request: HttpRequest, **_: Any) -> HttpResponse:
        """GET/HEAD of the metadata document (other methods: 405)."""
        from better_auth.api.router import render

        from .discovery import CACHE_CONTROL, method_not_allowed

        if request.method not in ("GET", "HEAD"):
            return method_not_allowed()
        doc = self.metadata(request)
        if doc is None:
            response = HttpResponse(status=404)
            del response["Content-Type"]
            return response
        body = b"" if request.method == "HEAD" else render(doc)
        response = HttpResponse(body, content_type="application/json")
        response["Cache-Control"] = CACHE_CONTROL
        response["Access-Control-Allow-Origin"] = "*"
        return response

    def urlpatterns(self) -> list[Any]:
        """URL patterns of the metadata, for the project's root URLconf
        (ahead of ``better_auth_oauth_provider.urls`` when both are used)."""
        from django.urls import path
        from django.views.decorators.csrf import csrf_exempt

        view = csrf_exempt(self.metadata_view)
        patterns = [path(self.metadata_path.lstrip("/"), view)]
        if self.serve_root_metadata and self.metadata_path != ROOT_METADATA_PATH:
            # MCP clients fall back to the root document (MCP authorization,
            # "Protected Resource Metadata Discovery Requirements").
            patterns.append(path(ROOT_METADATA_PATH.lstrip("/"), view))
        return patterns

    # --- verification and challenges -------------------------------------------

    def verify(
        self, request: HttpRequest, scopes: Iterable[str] | None = None
    ) -> VerifiedAccessToken:
        """The request's token, accepted for this resource and the scopes
        (``scopes``, else the configured ones); raises ``AccessTokenError``."""
        required = list(self.scopes if scopes is None else scopes)
        return authenticate_request(
            request, resource=self.resource, scopes=required, **self.verify_options
        )

    def challenge(self, error: AccessTokenError) -> HttpResponse:
        """The 401/403 answer to a refused MCP request: a JSON-RPC error and
        the RFC 6750 §3 / RFC 9728 §5.1 ``WWW-Authenticate`` challenge."""
        if error.error == "insufficient_scope":
            scopes = list(error.scopes)
        else:
            challenge = self.challenge_scopes
            scopes = list(self.scopes if challenge is None else challenge)
        body = {
            "jsonrpc": "2.0",
            "error": {"code": JSONRPC_UNAUTHORIZED, "message": error.description},
            "id": None,
        }
        response = JsonResponse(body, status=error.status)
        response["WWW-Authenticate"] = bearer_challenge(
            resource_metadata=self.metadata_url,
            error=error.error,
            description=error.description,
            scopes=scopes,
        )
        response["Cache-Control"] = "no-store"
        return response

    def protect(
        self, view: ViewFunc | None = None, *, scopes: Iterable[str] | None = None
    ) -> Any:
        """Decorate a Django view (the MCP endpoint): refused requests get
        :meth:`challenge`, accepted ones ``request.access_token``."""
        required = None if scopes is None else list(scopes)

        def decorate(func: ViewFunc) -> ViewFunc:
            @wraps(func)
            def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
                try:
                    token = self.verify(request, required)
                except AccessTokenError as error:
                    return self.challenge(error)
                request.access_token = token  # type: ignore[attr-defined]
                return func(request, *args, **kwargs)

            # The MCP transport is a JSON POST from non-browser clients; the
            # bearer token, not a cookie, authenticates it.
            wrapped.csrf_exempt = True  # type: ignore[attr-defined]
            return wrapped

        return decorate(view) if view is not None else decorate

    # --- Django REST framework -------------------------------------------------

    def drf_authentication(self) -> type:
        """An ``AccessTokenAuthentication`` bound to this resource (its 401
        challenge is the toolkit's: ``resource_metadata``, no scope hint)."""
        from .resource_server.drf import AccessTokenAuthentication

        return type(
            "MCPAccessTokenAuthentication",
            (AccessTokenAuthentication,),
            {"resource": self.resource, "options": dict(self.verify_options)},
        )

    def drf_permission(self) -> type:
        """``HasScopes`` requiring this resource's scopes unless the view
        names its own ``required_scopes``."""
        from .resource_server.drf import HasScopes

        config = self

        class MCPHasScopes(HasScopes):
            def has_permission(self, request: Any, view: Any) -> bool:
                if not getattr(view, "required_scopes", None):
                    view.required_scopes = list(config.scopes)
                return super().has_permission(request, view)

        return MCPHasScopes


# --- new clients are linked to the declared MCP resources ----------------------

_declared: dict[str, MCPResource] = {}
_declared_lock = threading.Lock()


def _link_new_client(sender: Any, instance: Any, created: bool, **_: Any) -> None:
    """post_save of a new ``ClientProfile``: link its client to every MCP
    resource the provider lists in ``RESOURCES`` (in the creating
    transaction, as Better Auth links default resources)."""
    if not created:
        return
    meta = getattr(sender, "_meta", None)
    if meta is None or meta.label_lower != "better_auth_oauth_provider.clientprofile":
        return
    with _declared_lock:
        configs = [c for c in _declared.values() if c.link_new_clients]
    for config in configs:
        if config.is_declared() and config.link_client(instance.application):
            logger.info(
                "linked client %s to MCP resource %s",
                instance.application.client_id,
                config.resource,
            )


def mcp_protected_resource(
    resource: str,
    *,
    scopes: Iterable[str] = (),
    challenge_scopes: Iterable[str] | None = None,
    name: str | None = None,
    dpop_required: bool = False,
    authorization_servers: Iterable[str] = (),
    serve_root_metadata: bool = True,
    link_new_clients: bool = True,
    verify_options: Mapping[str, Any] | None = None,
) -> MCPResource:
    """Declare the MCP endpoint at ``resource`` (its URL) a protected resource.

    Raises ``ValueError`` for an identifier Better Auth's ``mcp()`` refuses.
    """
    _check_identifier(resource)
    config = MCPResource(
        resource=resource,
        scopes=tuple(scopes),
        challenge_scopes=None if challenge_scopes is None else tuple(challenge_scopes),
        name=name,
        dpop_required=dpop_required,
        authorization_servers=tuple(authorization_servers),
        serve_root_metadata=serve_root_metadata,
        link_new_clients=link_new_clients,
        verify_options=dict(verify_options or {}),
    )
    if link_new_clients and not config.authorization_servers:
        from django.db.models.signals import post_save

        with _declared_lock:
            _declared[resource] = config
        post_save.connect(
            _link_new_client, dispatch_uid="better_auth_oauth_provider.mcp.link"
        )
    return config
