"""Root well-known views for projects that mount the auth API under a path.

RFC 8414 §3.1 inserts the well-known segment before the issuer's path:
an issuer ``https://host/api/auth`` publishes its metadata at
``https://host/.well-known/oauth-authorization-server/api/auth``. Some
clients also probe ``/.well-known/openid-configuration`` at the root, or
with the issuer path appended; those forms are served too. A path that is
not the issuer's is 404, so the document never claims another issuer.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from .conf import issuer
from .discovery import metadata_response

__all__ = ["authorization_server_metadata_view", "openid_configuration_view"]


def _not_found() -> HttpResponse:
    response = HttpResponse(status=404)
    del response["Content-Type"]
    return response


def _issuer_path(request: HttpRequest) -> str:
    return urlsplit(issuer(request)).path.rstrip("/")


@csrf_exempt
def authorization_server_metadata_view(
    request: HttpRequest, issuer_path: str = ""
) -> HttpResponse:
    """``/.well-known/oauth-authorization-server{issuer path}`` (RFC 8414 §3.1)."""
    if issuer_path.rstrip("/") != _issuer_path(request):
        return _not_found()
    return metadata_response(request, "oauth-authorization-server")


@csrf_exempt
def openid_configuration_view(
    request: HttpRequest, issuer_path: str = ""
) -> HttpResponse:
    """``/.well-known/openid-configuration`` at the root or with the issuer path."""
    if issuer_path and issuer_path.rstrip("/") != _issuer_path(request):
        return _not_found()
    return metadata_response(request, "openid-configuration")
