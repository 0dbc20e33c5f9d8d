"""OAuth 2.0 / OpenID Connect errors: one class per registered error code.

Every error renders as the RFC 6749 §5.2 envelope ``{"error",
"error_description"}``. Credential responses carry ``Cache-Control:
no-store`` and ``Pragma: no-cache`` (RFC 6749 §5.1), errors included, as
Better Auth's token, introspection and userinfo endpoints do. The classes
subclass the core :class:`~better_auth.errors.APIError`, so raising one from
an endpoint handler is enough: the core router renders it.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse

from better_auth.errors import APIError

__all__ = [
    "NO_STORE_HEADERS",
    "AccessDenied",
    "AccountSelectionRequired",
    "ClientDisabled",
    "ConsentRequired",
    "InsufficientScope",
    "InteractionRequired",
    "InvalidClient",
    "InvalidClientMetadata",
    "InvalidDpopProof",
    "InvalidGrant",
    "InvalidRedirectUri",
    "InvalidRequest",
    "InvalidRequestUri",
    "InvalidScope",
    "InvalidSignature",
    "InvalidSoftwareStatement",
    "InvalidTarget",
    "InvalidToken",
    "LoginRequired",
    "NotFound",
    "OAuthError",
    "RequestNotSupported",
    "RequestUriNotSupported",
    "ServerError",
    "TemporarilyUnavailable",
    "UnauthorizedClient",
    "UnsupportedGrantType",
    "UnsupportedResponseType",
    "UnsupportedTokenType",
    "no_store",
    "oauth_error_response",
]

NO_STORE_HEADERS: dict[str, str] = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def no_store(headers: dict[str, str] | None = None) -> dict[str, str]:
    """``headers`` plus the RFC 6749 §5.1 cache headers."""
    return {**(headers or {}), **NO_STORE_HEADERS}


class OAuthError(APIError):
    """An OAuth error envelope with a status and optional extra headers.

    ``no_store=False`` leaves out the cache headers, for endpoints that are
    not credential responses (Better Auth's revocation endpoint). The
    description is free text for the developer (RFC 6749 §5.2) and must
    never contain a secret.
    """

    error: str = "invalid_request"
    default_status: int = 400
    default_description: str | None = None

    def __init__(
        self,
        description: str | None = None,
        *,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        no_store: bool = True,
        error: str | None = None,
    ) -> None:
        if error is not None:
            self.error = error
        self.description = (
            description if description is not None else self.default_description
        )
        self.no_store = no_store
        extra = dict(headers or {})
        if no_store:
            extra.update(NO_STORE_HEADERS)
        super().__init__(
            status or self.default_status,
            self.error,
            self.description or self.error,
            headers=extra,
        )

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"error": self.error}
        if self.description:
            out["error_description"] = self.description
        return out

    def as_params(self) -> dict[str, str]:
        """The error as authorization-response parameters (RFC 6749 §4.1.2.1)."""
        out = {"error": self.error}
        if self.description:
            out["error_description"] = self.description
        return out


class InvalidRequest(OAuthError):
    error = "invalid_request"


class InvalidClient(OAuthError):
    """RFC 6749 §5.2; 401 with ``WWW-Authenticate`` for header-based attempts."""

    error = "invalid_client"
    default_status = 400


class InvalidGrant(OAuthError):
    error = "invalid_grant"


class UnauthorizedClient(OAuthError):
    error = "unauthorized_client"


class UnsupportedGrantType(OAuthError):
    error = "unsupported_grant_type"


class UnsupportedResponseType(OAuthError):
    error = "unsupported_response_type"


class InvalidScope(OAuthError):
    error = "invalid_scope"


class AccessDenied(OAuthError):
    error = "access_denied"
    default_status = 403


class ServerError(OAuthError):
    error = "server_error"
    default_status = 500


class TemporarilyUnavailable(OAuthError):
    error = "temporarily_unavailable"
    default_status = 503


class InvalidTarget(OAuthError):
    """RFC 8707 §2: a resource indicator that is malformed or not permitted."""

    error = "invalid_target"


class UnsupportedTokenType(OAuthError):
    """RFC 7009 §2.2.1."""

    error = "unsupported_token_type"


class InvalidToken(OAuthError):
    """RFC 6750 §3.1; carries the ``WWW-Authenticate: Bearer`` challenge."""

    error = "invalid_token"
    default_status = 401

    def __init__(
        self,
        description: str | None = "Invalid access token",
        *,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        no_store: bool = True,
        challenge: bool = True,
    ) -> None:
        extra = dict(headers or {})
        if challenge and "WWW-Authenticate" not in extra:
            value = 'Bearer error="invalid_token"'
            if description:
                value += f', error_description="{_quote(description)}"'
            extra["WWW-Authenticate"] = value
        super().__init__(description, status=status, headers=extra, no_store=no_store)


class InsufficientScope(OAuthError):
    """RFC 6750 §3.1."""

    error = "insufficient_scope"
    default_status = 403


class InvalidDpopProof(OAuthError):
    """RFC 9449 §7.1."""

    error = "invalid_dpop_proof"


class InvalidRedirectUri(OAuthError):
    """RFC 7591 §3.2.2."""

    error = "invalid_redirect_uri"


class InvalidClientMetadata(OAuthError):
    """RFC 7591 §3.2.2."""

    error = "invalid_client_metadata"


class InvalidSoftwareStatement(OAuthError):
    """RFC 7591 §3.2.2."""

    error = "invalid_software_statement"


class LoginRequired(OAuthError):
    """OIDC Core §3.1.2.6."""

    error = "login_required"


class ConsentRequired(OAuthError):
    """OIDC Core §3.1.2.6."""

    error = "consent_required"


class InteractionRequired(OAuthError):
    """OIDC Core §3.1.2.6."""

    error = "interaction_required"


class AccountSelectionRequired(OAuthError):
    """OIDC Core §3.1.2.6."""

    error = "account_selection_required"


class RequestNotSupported(OAuthError):
    """OIDC Core §6: request objects are not supported."""

    error = "request_not_supported"


class RequestUriNotSupported(OAuthError):
    """OIDC Core §6: ``request_uri`` is not supported."""

    error = "request_uri_not_supported"


class InvalidRequestUri(OAuthError):
    error = "invalid_request_uri"


class ClientDisabled(OAuthError):
    """Better Auth's ``client_disabled`` authorization error page code."""

    error = "client_disabled"


class NotFound(OAuthError):
    """Better Auth's management ``not_found`` (missing client or consent)."""

    error = "not_found"
    default_status = 404


class InvalidSignature(OAuthError):
    """Better Auth's answer to a tampered or expired ``oauth_query``."""

    error = "invalid_signature"


def _quote(text: str) -> str:
    """Make text safe inside an RFC 7235 quoted-string."""
    cleaned = "".join(ch for ch in text if 0x20 <= ord(ch) < 0x7F)
    return cleaned.replace("\\", "").replace('"', "'")


def oauth_error_response(error: OAuthError) -> HttpResponse:
    """Render an error outside the auth API router (plain Django views)."""
    from better_auth.api.router import error_response

    return error_response(error)
