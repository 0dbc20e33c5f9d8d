"""The signed continuation of an authorization request (``oauth_query``).

When the authorization endpoint needs the user at a page of the frontend
(login, consent, account selection, sign-up, post-login), it sends the
browser there with the authorization request as the query, plus ``exp``
(epoch seconds), ``ba_iat`` (issue time, epoch milliseconds), optionally
``ba_pl`` (the session that already passed the post-login gate), the names
of the signed parameters (``ba_param``, repeated) and ``sig``: a padded
base64 HMAC-SHA256 under the auth secret over every other parameter, sorted
by name then value and form-encoded. The page posts the query back as
``oauth_query`` on sign-in, consent and continue, so the request the user
resumes is the one the server verified, byte for byte (Better Auth's
``signParams`` / ``verifyOAuthQueryParams``, oauth-provider surface §1.4).

Verification accepts exactly one non-empty ``sig``, compares it in constant
time against every configured secret (current first, then previous ones, so
a rotation does not break flows in progress) and refuses an expired query.
Encoding and decoding follow the WHATWG ``application/x-www-form-urlencoded``
rules that Better Auth's ``URLSearchParams`` applies, so the signature covers
the same bytes whichever side serialised the query.
"""

from __future__ import annotations

import base64
import logging
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus, unquote_to_bytes

from better_auth import clock
from better_auth.conf import auth_settings
from better_auth.crypto import constant_time_equals, hmac_sha256, js_utf8

from ..errors import InvalidSignature

logger = logging.getLogger(__name__)
security_log = logging.getLogger("better_auth.security.oauth_authorize")

__all__ = [
    "EXPIRES",
    "ISSUED_AT",
    "PARAM_NAMES",
    "POST_LOGIN",
    "SIGNATURE",
    "Pairs",
    "VerifiedQuery",
    "canonicalize",
    "js_number",
    "parse",
    "require_verified",
    "serialize",
    "sign",
    "signature",
    "verify",
]

Pairs = list[tuple[str, str]]

EXPIRES = "exp"
ISSUED_AT = "ba_iat"
POST_LOGIN = "ba_pl"
PARAM_NAMES = "ba_param"
SIGNATURE = "sig"
# Parameters the signing step owns; none of them is part of the request.
CONTROL_PARAMS = frozenset({EXPIRES, ISSUED_AT, POST_LOGIN, PARAM_NAMES, SIGNATURE})
# A continuation is a URL query; anything far larger is not one of ours.
MAX_LENGTH = 32 * 1024
_JS_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


@dataclass(frozen=True)
class VerifiedQuery:
    """A verified ``oauth_query``: the request parameters and the signed flags.

    ``params`` excludes the control parameters (``sig``, ``exp``,
    ``ba_iat``, ``ba_pl``, ``ba_param``). ``issued_at`` is when the server
    sent the browser away (``prompt=login`` and ``max_age`` are satisfied
    only by a session created after it, OIDC Core §3.1.2.1).
    """

    params: Pairs
    issued_at: datetime | None
    post_login_session: str | None


def parse(query: str) -> Pairs:
    """Decode a query string as ``URLSearchParams`` does (WHATWG URL §5.1).

    ``+`` is a space, malformed percent escapes stay literal and invalid
    UTF-8 becomes U+FFFD; a leading ``?`` is ignored.
    """
    if query.startswith("?"):
        query = query[1:]
    pairs: Pairs = []
    for part in query.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs.append((_decode(name), _decode(value)))
    return pairs


def _decode(text: str) -> str:
    return unquote_to_bytes(text.replace("+", " ")).decode("utf-8", "replace")


def _encode(text: str) -> str:
    # WHATWG keeps only ASCII alphanumerics and *-._ unescaped; Python's
    # quote_plus also keeps "~", which URLSearchParams escapes.
    return quote_plus(js_utf8(text), safe="*").replace("~", "%7E")


def serialize(pairs: Iterable[tuple[str, str]]) -> str:
    """Encode pairs as ``URLSearchParams.toString()`` does, keeping their order."""
    return "&".join(f"{_encode(k)}={_encode(v)}" for k, v in pairs)


def _utf16(text: str) -> bytes:
    # JavaScript compares strings by UTF-16 code units; big-endian UTF-16
    # bytes sort the same way.
    return text.encode("utf-16-be", "surrogatepass")


def canonicalize(pairs: Iterable[tuple[str, str]]) -> str:
    """The signed form: pairs sorted by name, then value, then serialised."""
    ordered = sorted(pairs, key=lambda kv: (_utf16(kv[0]), _utf16(kv[1])))
    return serialize(ordered)


def signature(pairs: Iterable[tuple[str, str]], secret: str) -> str:
    """Padded base64 HMAC-SHA256 of the canonical form (Better Auth's
    ``makeSignature``)."""
    digest = hmac_sha256(secret, canonicalize(pairs))
    return base64.b64encode(digest).decode("ascii")


def _set(pairs: Pairs, name: str, value: str) -> None:
    """``URLSearchParams.set``: replace the first ``name``, drop the rest."""
    for index, (key, _) in enumerate(pairs):
        if key == name:
            pairs[index] = (name, value)
            pairs[index + 1 :] = [kv for kv in pairs[index + 1 :] if kv[0] != name]
            return
    pairs.append((name, value))


def sign(
    params: Sequence[tuple[str, str]],
    *,
    post_login_session: str | None = None,
    expires_in: int | None = None,
) -> str:
    """The query string to send the browser to a page with.

    ``expires_in`` defaults to the provider's CODE_EXPIRES_IN, as Better Auth
    bounds a continuation by the lifetime of the code it leads to.
    """
    from ..conf import section

    lifetime = section().CODE_EXPIRES_IN if expires_in is None else expires_in
    issued_ms = clock.now_ms()
    pairs: Pairs = [(k, v) for k, v in params if k not in (SIGNATURE, POST_LOGIN)]
    _set(pairs, EXPIRES, str(issued_ms // 1000 + int(lifetime)))
    _set(pairs, ISSUED_AT, str(issued_ms))
    if post_login_session:
        pairs.append((POST_LOGIN, post_login_session))
    pairs = [kv for kv in pairs if kv[0] != PARAM_NAMES]
    names = sorted({k for k, _ in pairs} | {PARAM_NAMES}, key=_utf16)
    pairs.extend((PARAM_NAMES, name) for name in names)
    pairs.append((SIGNATURE, signature(pairs, auth_settings.SECRET)))
    return serialize(pairs)


def js_number(text: str | None) -> float:
    """JavaScript's ``Number(text)`` for decimal forms; NaN for anything else.

    Better Auth reads numeric query parameters (``exp``, ``ba_iat``,
    ``max_age``) with ``Number``, so an empty value is 0 and ``"1e3"`` is
    1000.
    """
    if text is None:
        return 0.0
    stripped = text.strip()
    if not stripped:
        return 0.0
    if not _JS_NUMBER.match(stripped):
        return math.nan
    return float(stripped)


def _issued_at(value: str | None) -> datetime | None:
    number = js_number(value) if value is not None else math.nan
    if not math.isfinite(number) or number <= 0:
        return None
    try:
        return datetime.fromtimestamp(number / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def verify(query: Any) -> VerifiedQuery | None:
    """The verified continuation, or None when forged, repeated or expired."""
    if not isinstance(query, str) or not query or len(query) > MAX_LENGTH:
        return None
    pairs = parse(query)
    sigs = [v for k, v in pairs if k == SIGNATURE]
    if len(sigs) != 1 or not sigs[0]:
        return None
    unsigned = [kv for kv in pairs if kv[0] != SIGNATURE]
    matched = False
    for secret in auth_settings.secrets():
        if secret and constant_time_equals(sigs[0], signature(unsigned, secret)):
            matched = True
    if not matched:
        security_log.warning("refused an oauth_query with an invalid signature")
        return None
    expires = js_number(next((v for k, v in pairs if k == EXPIRES), None))
    if not math.isfinite(expires) or expires * 1000 < clock.now_ms():
        logger.info("refused an expired oauth_query")
        return None
    first = {k: v for k, v in reversed(pairs)}
    return VerifiedQuery(
        params=[kv for kv in pairs if kv[0] not in CONTROL_PARAMS],
        issued_at=_issued_at(first.get(ISSUED_AT)),
        post_login_session=first.get(POST_LOGIN) or None,
    )


def require_verified(query: Any) -> VerifiedQuery:
    """:func:`verify`, or 400 ``{"error": "invalid_signature"}`` as Better Auth."""
    verified = verify(query)
    if verified is None:
        raise InvalidSignature(no_store=False)
    return verified
