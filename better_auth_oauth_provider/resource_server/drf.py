"""Django REST framework classes of the resource-server toolkit.

::

    class Items(APIView):
        authentication_classes = [AccessTokenAuthentication]
        permission_classes = [HasScopes]
        access_token_resource = "https://api.example.com"
        required_scopes = ["read"]

``request.auth`` is the :class:`.verification.VerifiedAccessToken`;
``request.user`` is the token's user, or ``AnonymousUser`` for a
client_credentials token (use ``HasScopes``, not ``IsAuthenticated``, for
machine clients). The resource comes from the view's
``access_token_resource`` or the authentication class's ``resource``.
Refusals carry the RFC 6750 §3 / RFC 9728 §5.1 challenge.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission

from .challenges import bearer_challenge, resource_metadata_url
from .verification import (
    AccessTokenError,
    InsufficientScopeError,
    InvalidAccessToken,
    VerifiedAccessToken,
    authenticate_request,
)

__all__ = ["AccessTokenAuthentication", "HasScopes", "InsufficientScope"]

_ERROR = "_better_auth_access_token_error"


def _view(request: Any) -> Any:
    return (getattr(request, "parser_context", None) or {}).get("view")


def _resource(request: Any, default: str | None) -> str:
    view = _view(request)
    resource = getattr(view, "access_token_resource", None) or default
    if not resource:
        raise exceptions.ImproperlyConfigured(
            "set access_token_resource on the view or resource on the class"
        )
    return resource


def _metadata(request: Any, resource: str) -> str:
    view = _view(request)
    return getattr(view, "resource_metadata", None) or resource_metadata_url(resource)


def _carry_headers(request: Any, error: AccessTokenError) -> None:
    """Headers other than the challenge (``DPoP-Nonce``, RFC 9449 §9).

    DRF's exception handler sets only ``WWW-Authenticate``, but every
    response, errors included, gets the view's ``headers`` in
    ``finalize_response``, so that is where they go.
    """
    view = _view(request)
    headers = getattr(view, "headers", None)
    if not isinstance(headers, dict):
        return
    for name, value in error.headers.items():
        if name.lower() != "www-authenticate":
            headers[name] = value


class AccessTokenAuthentication(BaseAuthentication):
    """Authenticate with an access token meant for this resource."""

    resource: str | None = None
    options: dict[str, Any] = {}

    def authenticate(self, request: Any) -> tuple[Any, VerifiedAccessToken] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header.split(" ", 1)[0].lower() not in ("bearer", "dpop"):
            return None  # another scheme: not ours to judge
        resource = _resource(request, self.resource)
        try:
            token = authenticate_request(
                request._request, resource=resource, scopes=(), **self.options
            )
            user = self._user(token)
        except AccessTokenError as error:
            setattr(request._request, _ERROR, error)
            _carry_headers(request, error)
            raise exceptions.AuthenticationFailed(error.description) from None
        return user, token

    def _user(self, token: VerifiedAccessToken) -> Any:
        if token.is_client_token:
            return AnonymousUser()
        try:
            user = get_user_model().objects.filter(pk=token.subject).first()
        except (ValueError, TypeError, DjangoValidationError):
            user = None
        if user is None or not user.is_active:
            raise InvalidAccessToken("the token's user is gone")
        return user

    def authenticate_header(self, request: Any) -> str:
        error = getattr(request._request, _ERROR, None)
        if error is not None and "WWW-Authenticate" in error.headers:
            # A DPoP proof error (RFC 9449 §7.1); its DPoP-Nonce travels
            # through the view's headers (:func:`_carry_headers`).
            return error.headers["WWW-Authenticate"]
        resource = _resource(request, self.resource)
        return bearer_challenge(
            resource_metadata=_metadata(request, resource),
            error=error.error if error is not None else None,
            description=error.description if error is not None else None,
        )


class InsufficientScope(exceptions.PermissionDenied):
    """403 ``insufficient_scope`` with its challenge (RFC 6750 §3.1)."""

    def __init__(self, error: InsufficientScopeError, metadata: str) -> None:
        super().__init__(error.description, code="insufficient_scope")
        self.auth_header = bearer_challenge(
            resource_metadata=metadata,
            error="insufficient_scope",
            description=error.description,
            scopes=error.scopes,
        )


class HasScopes(BasePermission):
    """The token carries every scope in the view's ``required_scopes``."""

    def has_permission(self, request: Any, view: Any) -> bool:
        token = request.auth
        if not isinstance(token, VerifiedAccessToken):
            return False
        required = list(getattr(view, "required_scopes", ()) or ())
        missing = [s for s in required if s not in token.scopes]
        if missing:
            raise InsufficientScope(
                InsufficientScopeError(missing), _metadata(request, token.resource)
            )
        return True
