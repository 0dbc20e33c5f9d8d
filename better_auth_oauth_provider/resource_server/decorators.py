"""The view decorator of the resource-server toolkit.

::

    @require_access_token(resource="https://api.example.com", scopes=["read"])
    def items(request):
        return JsonResponse({"owner": request.access_token.subject})

A refused request gets the RFC 6750 §3 / RFC 9728 §5.1 challenge and a JSON
``{error, error_description}`` body.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from .challenges import bearer_challenge, resource_metadata_url
from .verification import AccessTokenError, authenticate_request

__all__ = ["challenge_response", "require_access_token"]


def challenge_response(
    error: AccessTokenError, resource: str, resource_metadata: str | None = None
) -> HttpResponse:
    """The 401/403 answer to a refused request."""
    metadata = resource_metadata or resource_metadata_url(resource)
    body: dict[str, Any] = {
        "error": error.error or "invalid_request",
        "error_description": error.description,
    }
    response = JsonResponse(body, status=error.status)
    response["WWW-Authenticate"] = bearer_challenge(
        resource_metadata=metadata,
        error=error.error,
        description=error.description,
        scopes=error.scopes,
    )
    # A DPoP proof error brings its own challenge and nonce (RFC 9449 §7.1).
    for name, value in error.headers.items():
        response[name] = value
    response["Cache-Control"] = "no-store"
    return response


def require_access_token(
    view: Callable[..., HttpResponse] | None = None,
    *,
    resource: str,
    scopes: Iterable[str] = (),
    resource_metadata: str | None = None,
    **options: Any,
) -> Any:
    """Refuse the view without an access token for ``resource`` carrying
    ``scopes``; the accepted token is ``request.access_token``.

    ``options`` go to :func:`.verification.verify_access_token`
    (``jwks_url``, ``introspection_url``, ``check_active``, ...).
    """
    required = list(scopes)
    if resource_metadata is None:
        resource_metadata_url(resource)  # fail at import for a urn: resource

    def decorate(func: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(func)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                request.access_token = authenticate_request(  # type: ignore[attr-defined]
                    request, resource=resource, scopes=required, **options
                )
            except AccessTokenError as error:
                return challenge_response(error, resource, resource_metadata)
            return func(request, *args, **kwargs)

        return wrapped

    return decorate(view) if view is not None else decorate
