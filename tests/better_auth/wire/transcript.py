"""The golden core transcript and what comparing against it leaves out.

``data/core.jsonl`` was recorded from a real Better Auth 1.7.25 server (Node,
SQLite) by the oracle's ``record.mjs``: one exchange a line, volatile values
replaced by numbered placeholders (``<token#3>``, ``<id#1>``, ``<date>``).

Everything the comparison skips is named here, each with its reason, so that
installing a plugin later means deleting its entries and nothing else.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

__all__ = [
    "EXCHANGES",
    "EXTRA_COOKIES",
    "EXTRA_EXPOSED_HEADERS",
    "EXTRA_FIELDS",
    "ISO_DATE",
    "ORACLE_ORIGIN",
    "PLACEHOLDER",
    "SKIP",
    "STATUS_ONLY",
    "VALUE_MAY_DIFFER",
    "load",
    "parse_set_cookie",
    "skip_reason",
]

DATA = Path(__file__).parent / "data" / "core.jsonl"
ORACLE_ORIGIN = "http://127.0.0.1:3100"

# One placeholder of the recorder: ``<kind#n>``.
PLACEHOLDER = re.compile(r"<([a-z_]+)#(\d+)>")
# JavaScript ``Date.prototype.toISOString()``.
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")

PLUGIN_NOT_INSTALLED = "plugin not installed"

# Whole exchanges ("case:<name>"), response headers ("header:<name>") and JSON
# fields ("field:<name>") that only a plugin the oracle runs produces. The
# value names the plugin. Remove a plugin's entries once it is built.
SKIP: dict[str, str] = {
    "case:sso/providers": "sso",
    "case:sso/sign-in-unknown-domain": "sso",
    "case:scim/service-provider-config": "scim",
    "case:scim/no-token": "scim",
    "case:scim/create-user": "scim",
}

# JSON fields only this side sends, because the test settings install a
# plugin the oracle did not run; left out of the comparison.
EXTRA_FIELDS: dict[str, str] = {
    "twoFactorEnabled": "two-factor",
    "role": "admin",
    "banned": "admin",
    "banReason": "admin",
    "banExpires": "admin",
    "impersonatedBy": "admin",
    "username": "username",
    "displayUsername": "username",
    "isAnonymous": "anonymous",
    # RFC 7517 §4.2 key use, which the shared key store publishes for the
    # OAuth provider's relying parties.
    "use": "oauth-provider",
}

# Set-Cookie names (by fragment) and exposed response headers only this side
# sends, for the same reason; left out of the comparison.
EXTRA_COOKIES: dict[str, str] = {
    "_multi-": "multi-session",
}
EXTRA_EXPOSED_HEADERS: dict[str, str] = {
    "set-auth-token": "bearer",
}

# JSON fields whose value legitimately differs; only the type is compared.
VALUE_MAY_DIFFER: dict[str, str] = {
    # Better Auth on Node sees no socket address and stores "" without an
    # X-Forwarded-For header; the Django port records the peer address
    # (REMOTE_ADDR), which is still a string (better_auth.security.client_ip).
    "ipAddress": "peer address from REMOTE_ADDR instead of an empty string",
}

# Exchanges where only the status is compared.
STATUS_ONLY: dict[str, str] = {
    # Outside the auth mount the host project's URLconf answers, not the auth
    # API; its 404 page is the project's choice.
    "routing/outside-base-path": "answered by the host project's URLconf",
}


def load(path: Path = DATA) -> list[dict[str, Any]]:
    """Parse a ``.jsonl`` transcript into a list of exchanges."""
    lines = path.read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


EXCHANGES = load()


def skip_reason(key: str) -> str | None:
    """The skip reason for ``case:…``, ``header:…`` or ``field:…``, if any."""
    plugin = SKIP.get(key)
    return f"{PLUGIN_NOT_INSTALLED} ({plugin})" if plugin else None


def parse_set_cookie(line: str) -> dict[str, Any]:
    """Split one ``Set-Cookie`` value as the recorder does.

    Attribute names are lower-cased, flag attributes become ``True`` and
    values are kept as sent (``Max-Age`` stays a string).
    """
    pair, *attrs = (part.strip() for part in line.split(";"))
    name, _, value = pair.partition("=")
    parsed: dict[str, Any] = {}
    for attr in attrs:
        if not attr:
            continue
        key, sep, attr_value = attr.partition("=")
        parsed[key.lower()] = attr_value if sep else True
    return {"name": name, "value": value, "attrs": parsed}


# Response headers that the hosting Django project adds (SecurityMiddleware,
# XFrameOptionsMiddleware, the WSGI server), not the auth API.
HOST_HEADERS = frozenset(
    {
        "server",
        "x-frame-options",
        "x-content-type-options",
        "referrer-policy",
        "cross-origin-opener-policy",
    }
)


def _strip_fields(value: Any) -> Any:
    if isinstance(value, list):
        return [_strip_fields(v) for v in value]
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if skip_reason(f"field:{key}") or key in EXTRA_FIELDS:
                continue
            if key in VALUE_MAY_DIFFER and isinstance(item, str):
                out[key] = "<string>"
                continue
            out[key] = _strip_fields(item)
        return out
    return value


def normalise(exchanges: list[dict[str, Any]], origin: str) -> dict[str, Any]:
    """Comparable form of a recorded transcript, keyed by case name.

    ``origin`` (the recorded server's) becomes the oracle's, and everything
    listed in ``SKIP``, ``VALUE_MAY_DIFFER``, ``STATUS_ONLY`` and
    ``HOST_HEADERS`` is dropped, so two recordings that differ only there
    compare equal.
    """
    text = json.dumps(exchanges).replace(origin, ORACLE_ORIGIN)
    out: dict[str, Any] = {}
    for exchange in json.loads(text):
        case = exchange["case"]
        if skip_reason(f"case:{case}"):
            continue
        response = exchange["response"]
        if case in STATUS_ONLY:
            out[case] = {"status": response["status"]}
            continue
        headers = {
            k: v
            for k, v in response["headers"].items()
            if k not in HOST_HEADERS and not skip_reason(f"header:{k}")
        }
        if skip_reason("header:set-auth-jwt"):
            exchange.pop("jwt", None)
        exchange["response"] = _strip_fields({**response, "headers": headers})
        out[case] = exchange
    return out
