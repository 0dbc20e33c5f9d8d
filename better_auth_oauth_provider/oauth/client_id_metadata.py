"""Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document).

A client may use an https URL as its ``client_id``; the document at that
URL is its RFC 7591 §2 metadata, so no registration step is needed (the
way MCP clients identify themselves). This module holds the rules on the
URL and on the document; fetching and storing are
:mod:`..services.client_metadata_documents`.

The URL (draft §3): ``https``, a path, no dot segments, no fragment, no
userinfo; a query is tolerated. Plain ``http`` on a loopback host only when
``OUTBOUND.ALLOW_LOOPBACK`` is on, which exists for tests.

The document (draft §4, Better Auth's ``cimd`` plugin, surface §9.5): a
JSON object whose ``client_id`` equals the URL exactly; it carries no
secret and no symmetric authentication method (the client has no shared
secret with this server: ``none`` or ``private_key_jwt``); server-owned
fields (``skip_consent`` and the like) and back-channel logout are
refused; unknown members are dropped. Redirect URIs then pass the usual
registration rules (:mod:`.client_metadata`): a document without
``application_type`` may list both web and native redirect URIs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from ..errors import InvalidClient
from .redirect_uris import is_loopback_host

__all__ = [
    "ALLOWED_AUTH_METHODS",
    "DOCUMENT_FIELDS",
    "FORBIDDEN_FIELDS",
    "is_metadata_document_url",
    "metadata_from_document",
]

ALLOWED_AUTH_METHODS = ("none", "private_key_jwt")
# RFC 7591 §2 and OIDC Registration members a document may set.
DOCUMENT_FIELDS = (
    "client_name",
    "client_uri",
    "logo_uri",
    "tos_uri",
    "policy_uri",
    "contacts",
    "software_id",
    "software_version",
    "redirect_uris",
    "post_logout_redirect_uris",
    "grant_types",
    "response_types",
    "scope",
    "token_endpoint_auth_method",
    "jwks",
    "jwks_uri",
    "application_type",
)
# Members whose presence means the document asks for something only the
# server (or a shared secret) may grant: the whole document is refused.
FORBIDDEN_FIELDS = (
    "client_secret",
    "client_secret_expires_at",
    "client_id_issued_at",
    "disabled",
    "skip_consent",
    "enable_end_session",
    "require_pkce",
    "reference_id",
    "user_id",
    "resources",
    "client_credentials_scopes",
    "software_statement",
    "backchannel_logout_uri",
    "backchannel_logout_session_required",
    # Better Auth's storage column names, refused as it refuses them.
    "clientSecret",
    "clientId",
    "redirectUris",
    "applicationType",
    "jwksUri",
    "tokenEndpointAuthMethod",
    "skipConsent",
    "scopes",
)
_DOT_SEGMENT = re.compile(r"(^|/)(\.|%2e){1,2}(/|$)", re.IGNORECASE)


def is_metadata_document_url(client_id: str, *, allow_loopback: bool = False) -> bool:
    """Whether ``client_id`` is a URL naming a metadata document (draft §3)."""
    if not isinstance(client_id, str) or "\\" in client_id or "#" in client_id:
        return False
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in client_id):
        return False
    try:
        parts = urlsplit(client_id)
        port = parts.port
    except ValueError:
        return False
    host = parts.hostname or ""
    if not host or "@" in parts.netloc or port == 0:
        return False
    if parts.scheme == "http":
        if not (allow_loopback and is_loopback_host(host)):
            return False
    elif parts.scheme != "https":
        return False
    if not parts.path.startswith("/"):
        return False
    return not _DOT_SEGMENT.search(parts.path)


def _check_auth_method(document: Mapping[str, Any]) -> str:
    method = document.get("token_endpoint_auth_method") or "none"
    if method not in ALLOWED_AUTH_METHODS:
        raise InvalidClient(
            "client metadata document must use token_endpoint_auth_method "
            "none or private_key_jwt"
        )
    if method == "private_key_jwt" and not (
        document.get("jwks") or document.get("jwks_uri")
    ):
        raise InvalidClient("private_key_jwt requires jwks or jwks_uri")
    return method


def metadata_from_document(document: Any, url: str) -> dict[str, Any]:
    """Registration metadata from a fetched document, or ``InvalidClient``."""
    if not isinstance(document, Mapping):
        raise InvalidClient("client metadata document must be a JSON object")
    if document.get("client_id") != url:
        raise InvalidClient("client metadata document client_id does not match")
    present = [name for name in FORBIDDEN_FIELDS if name in document]
    if present:
        raise InvalidClient(f"client metadata document must not contain {present[0]}")
    metadata = {k: document[k] for k in DOCUMENT_FIELDS if k in document}
    metadata["token_endpoint_auth_method"] = _check_auth_method(document)
    if not metadata.get("client_name"):
        metadata["client_name"] = urlsplit(url).hostname or url
    if not metadata.get("application_type"):
        # Native rules accept the web ones (https on a public host) as well
        # as loopback and private-use redirects, the union the draft allows.
        metadata["application_type"] = "native"
    return metadata
