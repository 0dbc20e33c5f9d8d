"""Authorization responses: where the browser is sent with the outcome.

A success or an error goes to the client's redirect URI as query
parameters appended to the registered URI's own query (RFC 6749 §3.1.2,
§4.1.2, §4.1.2.1), with ``state`` when the request carried one and ``iss``
always (RFC 9207 §2). An error that must not reach an unverified redirect
URI goes to the server's error page instead (RFC 6749 §4.1.2.1, §10.15),
with neither. Values are encoded as Better Auth's ``URLSearchParams``
encodes them (:mod:`.signed_query`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..conf import issuer, section
from ..errors import OAuthError
from . import signed_query

__all__ = ["add_query", "error_page_url", "error_redirect_url", "response_mode"]

_IMPLICIT = re.compile(r"\b(token|id_token)\b")


def add_query(url: str, pairs: Iterable[tuple[str, str]]) -> str:
    """Append parameters, keeping the registered URI's own query (§3.1.2)."""
    query = signed_query.serialize(pairs)
    if not query:
        return url
    if "?" not in url:
        return f"{url}?{query}"
    return f"{url}{'' if url.endswith(('?', '&')) else '&'}{query}"


def _error_pairs(error: OAuthError) -> list[tuple[str, str]]:
    return [("error", error.error), ("error_description", error.description or "")]


def error_redirect_url(
    redirect_uri: str,
    error: OAuthError,
    *,
    state: str | None,
    iss: str | None = None,
    mode: str = "query",
) -> str:
    """An authorization error response to the client (RFC 6749 §4.1.2.1),
    with ``state`` and ``iss`` (RFC 9207 §2)."""
    pairs = _error_pairs(error)
    if state:
        pairs.append(("state", state))
    pairs.append(("iss", iss or issuer()))
    if mode == "fragment":
        return f"{redirect_uri}#{signed_query.serialize(pairs)}"
    return add_query(redirect_uri, pairs)


def error_page_url(error: OAuthError, iss: str | None = None) -> str:
    """The server's error page (``ERROR_URL``, default ``{issuer}/error``)."""
    base = section().ERROR_URL or f"{iss or issuer()}/error"
    return add_query(base, _error_pairs(error))


def response_mode(raw: Mapping[str, Any]) -> str:
    """Where an early error goes (OAuth 2.0 Multiple Response Types §2.1):
    the requested ``response_mode``, else the fragment for response types
    that issue tokens from the authorization endpoint."""
    mode = raw.get("response_mode")
    if mode in ("fragment", "query"):
        return mode
    response_type = raw.get("response_type")
    if isinstance(response_type, str) and _IMPLICIT.search(response_type):
        return "fragment"
    return "query"
