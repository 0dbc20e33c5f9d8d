"""Discovery and key endpoints under the base path: well-known documents, JWKS.

``{BASE}/.well-known/openid-configuration`` and
``{BASE}/.well-known/oauth-authorization-server`` answer GET and HEAD; any
other method is 405 with ``Allow: GET, HEAD`` before body parsing, as
Better Auth's ``onRequest`` hook answers (oauth-provider surface §1.3). The
root RFC 8414 forms are plain Django views (:mod:`..views`).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from better_auth.api.context import Context
from better_auth.api.registry import endpoint
from better_auth.hooks import register_request_check
from better_auth.keys import register_jwks_endpoint

from ..discovery import metadata_response, method_not_allowed

__all__: list[str] = []

WELL_KNOWN = {
    "/.well-known/openid-configuration": "openid-configuration",
    "/.well-known/oauth-authorization-server": "oauth-authorization-server",
}


def _other_methods(request: HttpRequest, path: str) -> HttpResponse | None:
    if path in WELL_KNOWN and request.method not in ("GET", "HEAD"):
        return method_not_allowed()
    return None


register_request_check(_other_methods)


@endpoint("/.well-known/openid-configuration", ("GET", "HEAD"))
def openid_configuration(ctx: Context) -> HttpResponse:
    return metadata_response(ctx.request, "openid-configuration")


@endpoint("/.well-known/oauth-authorization-server", ("GET", "HEAD"))
def authorization_server(ctx: Context) -> HttpResponse:
    return metadata_response(ctx.request, "oauth-authorization-server")


# The same view the JWT plugin registers: /jwks exists once with either or both.
register_jwks_endpoint()
