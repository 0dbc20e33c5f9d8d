"""``WWW-Authenticate`` challenges of a protected resource.

RFC 6750 §3 (the Bearer scheme and its ``error`` codes) with RFC 9728
§5.1's ``resource_metadata`` parameter, in Better Auth's layout
(oauth-provider surface §4 "Resource challenge"):

- no token: ``Bearer resource_metadata="..."`` (RFC 6750 §3.1: no error
  code when the request carried no credentials);
- a bad token: ``Bearer resource_metadata="...", error="invalid_token",
  error_description="..."`` (Better Auth leaves ``error`` out; RFC 6750
  §3.1 asks for it, surface §14);
- missing scopes: 403 ``Bearer error="insufficient_scope", scope="...",
  resource_metadata="...", error_description="..."``.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = ["bearer_challenge", "resource_metadata_url"]

WELL_KNOWN = "/.well-known/oauth-protected-resource"
_SCOPE_TOKEN = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]+$")


def resource_metadata_url(resource: str) -> str:
    """Where RFC 9728 §3.1 puts the metadata of ``resource``: the
    well-known segment between its origin and its path.

    Raises ``ValueError`` for a resource that is not an http(s) URL (a
    ``urn:`` resource names its metadata URL explicitly).
    """
    parts = urlsplit(resource)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(
            f"resource {resource!r} is not an http(s) URL; pass resource_metadata"
        )
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme}://{parts.netloc}{WELL_KNOWN}{parts.path.rstrip('/')}{query}"


def _quoted(text: str) -> str:
    """An RFC 7235 quoted-string body: printable ASCII, no quote or backslash."""
    return "".join(ch for ch in text if 0x20 <= ord(ch) < 0x7F and ch not in '"\\')


def bearer_challenge(
    *,
    resource_metadata: str | None,
    error: str | None = None,
    description: str | None = None,
    scopes: list[str] | None = None,
) -> str:
    """One ``Bearer`` challenge in Better Auth's parameter order."""
    scope = " ".join(s for s in scopes or [] if _SCOPE_TOKEN.match(s))
    params: list[str] = []
    if error == "insufficient_scope":
        params.append(f'error="{error}"')
        if scope:
            params.append(f'scope="{scope}"')
        if resource_metadata:
            params.append(f'resource_metadata="{_quoted(resource_metadata)}"')
    else:
        if resource_metadata:
            params.append(f'resource_metadata="{_quoted(resource_metadata)}"')
        if error:
            params.append(f'error="{error}"')
        if scope:
            params.append(f'scope="{scope}"')
    if error and description:
        params.append(f'error_description="{_quoted(description)}"')
    return "Bearer " + ", ".join(params) if params else "Bearer"
