"""Which request paths need a captcha (Better Auth 1.7 rules, core-surface §6.4).

Since 1.7 an entry without ``*`` must equal the whole path: ``/sign-in`` no
longer covers ``/sign-in/email``. An entry with ``*`` is Better Auth's glob:
``/x/*`` is exactly one more segment; ``/x/**`` is any depth and, because the
separator before ``**`` is optional in that glob, also ``/x`` itself and
``/xy``. The quirk is kept on purpose so that an endpoint list copied from a
Better Auth project protects the same paths here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ...security.origins import _glob_match

__all__ = ["DEFAULT_ENDPOINTS", "is_protected", "normalize_path"]

DEFAULT_ENDPOINTS = ("/sign-up/email", "/sign-in/email", "/request-password-reset")

_SLASHES = re.compile(r"/{2,}")


def normalize_path(path: str) -> str:
    """Collapse repeated slashes, ensure a leading one, drop a trailing one."""
    path = _SLASHES.sub("/", path)
    if not path.startswith("/"):
        path = "/" + path
    if len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    return path


def is_protected(path: str, endpoints: Iterable[str] | None) -> bool:
    """Whether ``path`` (below the base path) is one of ``endpoints``."""
    patterns = list(endpoints or ()) or list(DEFAULT_ENDPOINTS)
    path = normalize_path(path)
    return any(
        _glob_match(pattern, path) if "*" in pattern else pattern == path
        for pattern in patterns
    )
