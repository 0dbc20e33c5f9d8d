"""Validation of client-supplied redirect targets (open-redirect defence).

Covers Better Auth's ``callbackURL``, ``redirectTo``, ``errorCallbackURL``
and ``newUserCallbackURL`` (core surface §6.1): a target is either a safe
same-origin path or an absolute URL whose origin is trusted. RFC 9700 §4.11
(open redirectors) is the threat; every form that a browser, a router or a
second URL parser could resolve to another host is refused, including
protocol-relative ``//host``, ``/\\host``, encoded ``%2f%2f`` / ``%5c``
variants, userinfo (``https://trusted@evil``), backslashes, control
characters and leading whitespace.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from better_auth.security.origins import is_trusted_origin, parse_http_url

__all__ = ["SAFE_RELATIVE_PATH", "is_allowed_redirect", "is_safe_relative_path"]

# Better Auth's relative callback rule, verbatim: a single leading "/" not
# followed by "/", "\" or an encoded one, then only word characters and
# -.+/@ in the path, and an optional query without "#", ":" or spaces.
# re.ASCII keeps "\w" to [A-Za-z0-9_] as in JavaScript.
SAFE_RELATIVE_PATH = re.compile(
    r"^/(?!/|\\|%2f|%5c)[\w\-.+/@]*(\?[\w\-.+/=&%@]*)?$", re.IGNORECASE | re.ASCII
)

_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f-\x9f]")


def is_safe_relative_path(value: str) -> bool:
    """Tell whether ``value`` is a same-origin path Better Auth accepts.

    ``fullmatch`` is used because ``$`` alone would accept a trailing
    newline, which a header or log line would then carry.
    """
    return isinstance(value, str) and SAFE_RELATIVE_PATH.fullmatch(value) is not None


def _has_unsafe_chars(value: str) -> bool:
    return bool(_CONTROL_OR_SPACE.search(value)) or any(c.isspace() for c in value)


def is_allowed_redirect(value: str, trusted_patterns: Iterable[str]) -> bool:
    """Tell whether ``value`` may be used as a redirect or callback target.

    Accepts a path matching ``SAFE_RELATIVE_PATH`` or an absolute URL that a
    trusted-origin pattern covers. An empty value is not a target: callers
    treat a missing or empty field as absent, as Better Auth does. Stricter
    than Better Auth in two ways, both closing parser differentials:
    userinfo is refused even when the real host would be trusted, and so is
    a backslash anywhere in an absolute URL.
    """
    if not isinstance(value, str) or not value or _has_unsafe_chars(value):
        return False
    if value.startswith("/"):
        return is_safe_relative_path(value)
    if "\\" in value:
        return False
    parsed = parse_http_url(value)
    if parsed is not None and parsed.userinfo is not None:
        return False
    return is_trusted_origin(value, trusted_patterns)
