"""The one ``/jwks`` endpoint, whichever apps publish the key store.

The JWT plugin and the OAuth provider both publish the same key set. Each
calls :func:`register_jwks_endpoint` from its ``ready()``; registering the
same view twice on one path is a no-op, so the route exists exactly once
whether one of them, or both, are installed.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DEFAULT_JWKS_PATH", "register_jwks_endpoint", "serve_jwks"]

DEFAULT_JWKS_PATH = "/jwks"


def serve_jwks(ctx: Any) -> dict[str, Any]:
    """The public signing keys (RFC 7517 §5), current and still-published ones."""
    from .store import public_jwks

    return public_jwks()


def register_jwks_endpoint(path: str = DEFAULT_JWKS_PATH) -> None:
    """Serve the key store's JWKS at ``path`` (relative to the auth base path)."""
    if not path.startswith("/") or ".." in path or "//" in path:
        raise ValueError(f"invalid JWKS path {path!r}")
    from ..api.registry import endpoint

    endpoint(path, "GET")(serve_jwks)
