"""Optional protocol features, declared by the modules that implement them.

Discovery (RFC 8414 §2) and registration must only claim what the server
does. Endpoints are found in the API registry; features without an endpoint
of their own (DPoP, back-channel logout, ``private_key_jwt``) are declared
here by the module implementing them, at import time, e.g.
``capabilities.declare("dpop")``.
"""

from __future__ import annotations

__all__ = ["KNOWN", "declare", "declared", "is_supported", "withdraw"]

KNOWN = frozenset(
    {
        "dpop",
        "backchannel_logout",
        "private_key_jwt",
        "pairwise",
        "client_id_metadata_document",
    }
)

_declared: set[str] = set()


def declare(name: str) -> None:
    if name not in KNOWN:
        raise ValueError(f"unknown capability {name!r}")
    _declared.add(name)


def withdraw(name: str) -> None:
    _declared.discard(name)


def is_supported(name: str) -> bool:
    return name in _declared


def declared() -> frozenset[str]:
    return frozenset(_declared)
