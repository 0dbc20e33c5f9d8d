"""The ``OAUTH_PROVIDER`` section of ``settings.BETTER_AUTH``.

Keys mirror Better Auth's ``oauthProvider({...})`` options (oauth-provider
surface §1, §9, §10, §12), spelled in upper case. Durations are seconds.
Hook keys take a callable or its dotted path; they are resolved on use with
:func:`hook`, because the core accessor only imports the core's own hooks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.utils.module_loading import import_string

from better_auth.conf import auth_settings, register_section

__all__ = [
    "DEFAULTS",
    "SECTION",
    "endpoint_url",
    "hook",
    "issuer",
    "register",
    "section",
]

SECTION = "OAUTH_PROVIDER"
DAY = 24 * 60 * 60

DEFAULTS: dict[str, Any] = {
    # Pages of the project's frontend (absolute URL or path). The authorize
    # endpoint sends the browser there with a signed query (``oauth_query``).
    "LOGIN_PAGE": None,
    "CONSENT_PAGE": None,
    "SELECT_ACCOUNT_PAGE": None,
    "SIGNUP_PAGE": None,
    "POST_LOGIN_PAGE": None,
    # Callables (request-independent context dict -> bool), Better Auth's
    # ``selectAccount.shouldRedirect`` / ``signup.shouldRedirect`` /
    # ``postLogin.shouldRedirect``.
    "SELECT_ACCOUNT_SHOULD_REDIRECT": None,
    "SIGNUP_SHOULD_REDIRECT": None,
    "POST_LOGIN_SHOULD_REDIRECT": None,
    # Where unredirectable authorization errors are shown; None = BASE/error.
    "ERROR_URL": None,
    "SCOPES": ["openid", "profile", "email", "offline_access"],
    "GRANT_TYPES": ["authorization_code", "client_credentials", "refresh_token"],
    "CODE_EXPIRES_IN": 600,
    "ACCESS_TOKEN_EXPIRES_IN": 3600,
    "M2M_ACCESS_TOKEN_EXPIRES_IN": 3600,
    "REFRESH_TOKEN_EXPIRES_IN": 30 * DAY,
    "ID_TOKEN_EXPIRES_IN": 3600,
    # {scope: seconds}: an access token carrying the scope lives at most this.
    "SCOPE_EXPIRATIONS": None,
    # Better Auth's refreshTokenReuseInterval: seconds during which a rotated
    # refresh token replays the same response instead of revoking the family.
    "REFRESH_TOKEN_RETRY_WINDOW": 0,
    # RFC 7591 dynamic registration at /oauth2/register.
    "ALLOW_DYNAMIC_CLIENT_REGISTRATION": False,
    "ALLOW_UNAUTHENTICATED_CLIENT_REGISTRATION": False,
    # Scopes a registered client gets (None = SCOPES) and may add on request.
    "CLIENT_REGISTRATION_DEFAULT_SCOPES": None,
    "CLIENT_REGISTRATION_ALLOWED_SCOPES": [],
    # False: dynamically registered confidential clients may skip PKCE.
    "CLIENT_REGISTRATION_REQUIRE_PKCE": True,
    # Seconds until a dynamically registered client's secret expires; 0 never.
    "CLIENT_REGISTRATION_CLIENT_SECRET_EXPIRES_IN": 0,
    # Callable ({"action", "user", "session", "request", "client"}) -> bool
    # deciding client management; None = owners manage their clients and
    # staff manage all (Better Auth's clientPrivileges).
    "CLIENT_PRIVILEGES": None,
    # Callable ({"user", "session", "request"}) -> str | None: the reference
    # (e.g. organization id) new clients belong to (clientReference).
    "CLIENT_REFERENCE": None,
    # Callable ({"initial_access_token", "request", "metadata"}) -> dict | False
    # accepting an RFC 7591 initial access token (validateInitialAccessToken).
    "VALIDATE_INITIAL_ACCESS_TOKEN": None,
    # ID-token and JWT access-token signing: EdDSA, ES256, ES512, PS256, RS256.
    "SIGNING_ALGORITHM": "EdDSA",
    # Callable (payload, headers) -> compact JWS, replacing the local key
    # store; the produced ``alg`` must equal SIGNING_ALGORITHM.
    "JWT_SIGNER": None,
    # Seconds after which a signing key stops signing (None: until rotated),
    # and how long a retired key stays in the JWKS.
    "KEY_ROTATION_INTERVAL": None,
    "KEY_GRACE_PERIOD": 30 * DAY,
    # Claim hooks: callables ({"user", "scopes", "client", ...}) -> dict.
    "CUSTOM_ID_TOKEN_CLAIMS": None,
    "CUSTOM_USERINFO_CLAIMS": None,
    "CUSTOM_ACCESS_TOKEN_CLAIMS": None,
    "CUSTOM_TOKEN_RESPONSE_FIELDS": None,
    # RFC 8707 resource servers the provider issues JWT access tokens for:
    # identifiers or mappings {"identifier", "name", "enabled",
    # "access_token_ttl", "refresh_token_ttl", "allowed_scopes",
    # "custom_claims", "signing_algorithm", "signing_key_id",
    # "dpop_required", "metadata"}. Seeded into the Resource table at
    # ``migrate``, by ``seed_oauth_resources`` and lazily on first use; the
    # table is authoritative (Better Auth's ``resources``).
    "RESOURCES": [],
    # How seeding treats an existing row: "insert_only" leaves it alone,
    # "merge" fills the fields the entry names, "overwrite" resets the row
    # to the entry (Better Auth's ``resourceSeedMode``).
    "RESOURCE_SEED_MODE": "insert_only",
    # A client gets tokens only for resources it is linked to
    # (ClientResource; Better Auth's ``enforcePerClientResources``).
    "ENFORCE_PER_CLIENT_RESOURCES": True,
    # Callable ({"action", "user", "session", "request", "resource"}) -> bool
    # deciding resource management (create|read|update|delete|list|link|
    # unlink); None = staff only (Better Auth's ``resourcePrivileges``).
    "RESOURCE_PRIVILEGES": None,
    # Resource-server toolkit: where a resource server that is not this
    # process reads the issuer's keys (None = the local key store), and the
    # client credentials it introspects with when told to.
    "RESOURCE_SERVER_JWKS_URL": None,
    "RESOURCE_SERVER_ISSUER": None,
    "RESOURCE_SERVER_INTROSPECTION_URL": None,
    "RESOURCE_SERVER_CLIENT_ID": None,
    "RESOURCE_SERVER_CLIENT_SECRET": None,
    # Overrides of discovery fields: {"scopes_supported": [...],
    # "claims_supported": [...]}.
    "ADVERTISED_METADATA": None,
    "ALLOW_PUBLIC_CLIENT_PRELOGIN": False,
    # Optional prefixes of issued opaque values (Better Auth's ``prefix``).
    "OPAQUE_ACCESS_TOKEN_PREFIX": "",
    "REFRESH_TOKEN_PREFIX": "",
    "CLIENT_SECRET_PREFIX": "",
    # --- logout (RP-Initiated Logout 1.0, Back-Channel Logout 1.0) ---------
    # Frontend page asking the user to confirm a logout (absolute URL or
    # path), given a signed continuation as its query; None = the built-in
    # page served by /oauth2/end-session.
    "END_SESSION_PAGE": None,
    # Seconds a logout confirmation (continuation and cookie) stays valid.
    "END_SESSION_CONFIRMATION_EXPIRES_IN": 300,
    # Seconds between a Logout Token's ``iat`` and ``exp``.
    "BACKCHANNEL_LOGOUT_TOKEN_EXPIRES_IN": 120,
    # Seconds one delivery attempt may take.
    "BACKCHANNEL_LOGOUT_TIMEOUT": 5,
    # Retries after a failed delivery (Celery only), waiting BACKOFF * 2**n
    # seconds before retry n + 1, at most BACKOFF_MAX seconds.
    "BACKCHANNEL_LOGOUT_MAX_RETRIES": 5,
    "BACKCHANNEL_LOGOUT_RETRY_BACKOFF": 2,
    "BACKCHANNEL_LOGOUT_RETRY_BACKOFF_MAX": 600,
    # True / False forces delivery through Celery or inline; None = Celery
    # when it is installed and configured (CELERY_BROKER_URL or eager mode).
    "BACKCHANNEL_LOGOUT_USE_CELERY": None,
    # --- client authentication (RFC 7523) and client ID metadata documents --
    # Longest accepted lifetime of a private_key_jwt assertion (exp - now) and
    # oldest accepted iat, in seconds (Better Auth's assertionMaxLifetime).
    "CLIENT_ASSERTION_MAX_LIFETIME": 300,
    # Clock skew tolerated on an assertion's nbf and future iat.
    "CLIENT_ASSERTION_LEEWAY": 30,
    # How long a client's fetched jwks_uri document is reused, in seconds.
    "CLIENT_JWKS_CACHE_SECONDS": 300,
    # Clients identified by an https URL whose metadata document is fetched
    # on first use (draft-ietf-oauth-client-id-metadata-document); Better
    # Auth's cimd() plugin, off unless installed.
    "CLIENT_ID_METADATA_DOCUMENTS": False,
    # Fetch limits for a metadata document: the draft suggests 5 KB.
    "CLIENT_ID_METADATA_DOCUMENT_MAX_BYTES": 5 * 1024,
    "CLIENT_ID_METADATA_DOCUMENT_TIMEOUT": 5,
    # Cache-Control max-age is clamped to [MIN, MAX] seconds; without one the
    # document is refetched after MIN.
    "CLIENT_ID_METADATA_DOCUMENT_MIN_CACHE_SECONDS": 60,
    "CLIENT_ID_METADATA_DOCUMENT_MAX_CACHE_SECONDS": 3600,
    # After a failed fetch, the URL is not fetched again for this many seconds.
    "CLIENT_ID_METADATA_DOCUMENT_FAILURE_BACKOFF": 30,
    # An accepted initial access token registers one client only, unless the
    # VALIDATE_INITIAL_ACCESS_TOKEN verdict says {"single_use": False}.
    "INITIAL_ACCESS_TOKEN_SINGLE_USE": True,
    # --- DPoP (RFC 9449) ---------------------------------------------------
    # Proof algorithms accepted (asymmetric only), and a proof's greatest age
    # in seconds (Better Auth's dpop.signingAlgorithms / proofMaxAgeSeconds).
    "DPOP_SIGNING_ALGORITHMS": ["EdDSA", "ES256", "ES512", "PS256", "RS256", "Ed25519"],
    "DPOP_PROOF_MAX_AGE": 300,
    # Require server nonces (§8, §9), which Better Auth does not send; a
    # nonce stays valid for one to two of these periods, in seconds.
    "DPOP_REQUIRE_NONCE": False,
    "DPOP_NONCE_LIFETIME": 300,
    # Public scheme://host the protected resources of this project are
    # called at, for the htu check of their proofs; None: the issuer's.
    "DPOP_RESOURCE_ORIGIN": None,
}


def register() -> None:
    register_section(SECTION, "better_auth_oauth_provider", DEFAULTS)


def section() -> Any:
    return getattr(auth_settings, SECTION)


def hook(name: str) -> Callable[..., Any] | None:
    """The callable configured under ``name``, importing a dotted path."""
    value = section()[name]
    if value is None or callable(value):
        return value
    if isinstance(value, str):
        try:
            imported = import_string(value)
        except ImportError as error:
            raise ImproperlyConfigured(
                f"BETTER_AUTH.{SECTION}.{name} = {value!r} cannot be imported: {error}"
            ) from error
        if callable(imported):
            return imported
    raise ImproperlyConfigured(f"BETTER_AUTH.{SECTION}.{name} must be a callable.")


def issuer(request: HttpRequest | None = None) -> str:
    """The issuer identifier: ``BASE_URL + BASE_PATH`` (OIDC Discovery §3).

    Query and fragment are dropped and no trailing slash is kept, as Better
    Auth's ``validateIssuerUrl`` normalises it, so the ``iss`` of tokens and
    authorization responses (RFC 9207) equals discovery's ``issuer``
    byte for byte. Without BASE_URL the request's public origin is used.
    """
    base = auth_settings.BASE_URL
    if not base and request is not None:
        from better_auth.request_info import request_info

        base = request_info(request).base_url
    raw = f"{base or ''}{auth_settings.BASE_PATH}"
    parts = urlsplit(raw)
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def endpoint_url(path: str, request: HttpRequest | None = None) -> str:
    """Absolute URL of an auth API path, e.g. ``endpoint_url("/oauth2/token")``."""
    return issuer(request) + "/" + path.lstrip("/")
