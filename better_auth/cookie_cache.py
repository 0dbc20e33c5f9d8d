"""Encodings of Better Auth's ``session_data`` cookie cache (core-surface §4.3).

With ``session.cookieCache`` enabled, Better Auth 1.7 keeps a copy of the
session in the ``session_data`` cookie so ``get-session`` can answer without
the database. The cached object is ``{session, user, updatedAt, version}``
and is written with one of these strategies:

* ``compact`` (the default): unpadded base64url of the JSON text of
  ``{session: <payload>, expiresAt: <ms>, signature}`` where ``signature`` is
  unpadded base64url HMAC-SHA256 over ``JSON.stringify({...payload,
  expiresAt})``. The MAC covers JavaScript's exact serialisation, hence
  ``js_json_stringify``.
* ``jwt``: an HS256 JWT (RFC 7519) keyed with the secret, claims = payload
  plus ``iat`` and ``exp``.

Everything here is a pure function with the secret and the clock passed in.
Decoders return ``{"session": <payload>, "expiresAt": <ms>}`` (the shape of
Better Auth's ``decodeCookieCache``) or None for anything forged, malformed,
expired or bound to another session. Dates inside the payload stay ISO 8601
strings as they appear in the JSON.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import math
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import jwt

from .crypto import constant_time_equals, hmac_sha256, hmac_sha256_b64url, js_utf8

__all__ = [
    "decode_compact",
    "decode_jwt",
    "encode_compact",
    "encode_jwt",
    "js_json_stringify",
    "js_number_to_string",
]

logger = logging.getLogger(__name__)
security_logger = logging.getLogger("better_auth.security.cookie_cache")

_MAX_ARRAY_INDEX = 2**32 - 2
_SAFE_INTEGER = 2**53
_ESCAPES = {
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
    '"': '\\"',
    "\\": "\\\\",
}
_NEEDS_ESCAPE = re.compile('[\\x00-\\x1f"\\\\\ud800-\udfff]')
_SURROGATE = re.compile("[\ud800-\udfff]")
# The json module's string quoting (its C implementation when available):
# quote, backslash and C0 controls escaped, lower-case hex, the rest raw.
_quote = json.encoder.encode_basestring
# json.dumps with JSON.stringify's layout: no whitespace, non-ASCII raw.
_compact_dumps = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), check_circular=False
).encode
_PLAIN_SCALARS = frozenset({str, bool, type(None)})
# Better Auth's safeJSONParse revives strings matching this into Dates.
_ISO_DATE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]+))?Z"
)
_B64_STD = re.compile(r"[A-Za-z0-9+/]*")
_B64_URL = re.compile(r"[A-Za-z0-9_-]*")


# --------------------------------------------------------------------------
# JavaScript JSON.stringify


def js_number_to_string(value: int | float) -> str:
    """Format a number as JavaScript's ``JSON.stringify`` does.

    Implements ECMA-262 Number::toString (§6.1.6.1.20) on the IEEE double:
    the shortest round-tripping digits (Python's ``repr`` picks the same
    ones), plain notation for exponents from -6 to 20, otherwise ``1e+21``
    style. Integers become doubles first, as JavaScript has no other number
    type; NaN and infinities become ``null``.
    """
    if isinstance(value, int) and abs(value) < _SAFE_INTEGER:
        return str(value)
    try:
        number = float(value)
    except OverflowError:
        return "null"
    if not math.isfinite(number):
        return "null"
    if number == 0:
        return "0"

    sign = "-" if number < 0 else ""
    mantissa, _, exponent = repr(abs(number)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    raw_digits = whole + fraction
    digits = raw_digits.lstrip("0")
    leading_zeros = len(raw_digits) - len(digits)
    digits = digits.rstrip("0")
    k = len(digits)
    # value = 0.d1...dk * 10**n in the spec's terms
    n = len(whole) + int(exponent or 0) - leading_zeros

    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = f"{digits[:n]}.{digits[n:]}"
    elif -6 < n <= 0:
        text = "0." + "0" * (-n) + digits
    else:
        exp = n - 1
        exp_text = f"e+{exp}" if exp >= 0 else f"e-{-exp}"
        text = digits[0] + (f".{digits[1:]}" if k > 1 else "") + exp_text
    return sign + text


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    return _ESCAPES.get(char) or f"\\u{ord(char):04x}"


def _js_string(value: str) -> str:
    """Quote a string as ECMA-262 QuoteJSONString (§25.5.2.3) does.

    Only quote, backslash and C0 controls are escaped (short forms where
    they exist, ``\\u00xx`` otherwise); lone surrogates become ``\\udxxx``
    (well-formed JSON.stringify, ES2019); U+2028/2029 and "/" stay raw.
    Without surrogates that is exactly what the json module's C string
    encoder writes, so only strings holding one take the slow path.
    """
    if value.isascii() or _SURROGATE.search(value) is None:
        return _quote(value)
    # Join surrogate pairs into one character, as a UTF-16 string is.
    value = value.encode("utf-16-le", "surrogatepass").decode(
        "utf-16-le", "surrogatepass"
    )
    return '"' + _NEEDS_ESCAPE.sub(_escape_char, value) + '"'


def _is_array_index(key: str) -> bool:
    return (
        key.isascii()
        and key.isdigit()
        and str(int(key)) == key
        and (int(key) <= _MAX_ARRAY_INDEX)
    )


def _ordered_keys(obj: dict[str, Any]) -> list[str]:
    """Return keys in JavaScript property order (ECMA-262 §10.1.11.1).

    Array-index keys ("0", "1", ... up to 2**32 - 2) come first in numeric
    order, then the other string keys in insertion order.
    """
    for key in obj:
        if not isinstance(key, str):
            raise TypeError(f"object keys must be str, not {type(key).__name__}")
    indices = sorted((key for key in obj if _is_array_index(key)), key=int)
    if not indices:
        return list(obj)
    return indices + [key for key in obj if not _is_array_index(key)]


def _js_iso_string(value: datetime) -> str:
    """Format a datetime as ``Date.prototype.toISOString`` (UTC, milliseconds).

    Naive datetimes are taken as UTC.
    """
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:"
        f"{value.minute:02d}:{value.second:02d}.{value.microsecond // 1000:03d}Z"
    )


def _plain(value: Any) -> bool:
    """Whether ``json.dumps`` writes ``value`` byte for byte as JSON.stringify.

    True for dicts whose keys are strings that cannot be array indices
    (JavaScript would move those to the front), lists, strings, booleans,
    None and ints below 2**53 (larger ones are printed as doubles). Floats,
    datetimes, tuples and subclasses go to the general serialiser; lone
    surrogates are looked for in the output instead.
    """
    kind = type(value)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or key.isdigit():
                return False
            kind = type(item)
            if kind in _PLAIN_SCALARS:
                continue
            if kind is int:
                if not -_SAFE_INTEGER < item < _SAFE_INTEGER:
                    return False
            elif not _plain(item):
                return False
        return True
    if kind is list:
        return all(_plain(item) for item in value)
    if kind in _PLAIN_SCALARS:
        return True
    return kind is int and -_SAFE_INTEGER < value < _SAFE_INTEGER


def js_json_stringify(value: Any) -> str:
    """Serialise value exactly as JavaScript's ``JSON.stringify`` would.

    Supports dict (str keys), list/tuple, str, int, float, bool, None and
    datetime (as ``toISOString``). No whitespace, non-ASCII kept raw. Better
    Auth signs this text, so a single differing byte breaks the MAC. Values
    on which the json module agrees with JavaScript (see ``_plain``) are
    written by its C encoder; everything else member by member.
    """
    if _plain(value):
        text = _compact_dumps(value)
        if text.isascii() or _SURROGATE.search(text) is None:
            return text
    return _stringify(value)


def _stringify(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return _js_string(value)
    if isinstance(value, int | float):
        return js_number_to_string(value)
    if isinstance(value, datetime):
        return '"' + _js_iso_string(value) + '"'
    if isinstance(value, dict):
        members = (
            f"{_js_string(key)}:{_stringify(value[key])}"
            for key in _ordered_keys(value)
        )
        return "{" + ",".join(members) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_stringify(item) for item in value) + "]"
    raise TypeError(f"cannot serialise {type(value).__name__} as JSON")


# --------------------------------------------------------------------------
# Parsing as Better Auth does


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 in the proleptic Gregorian calendar."""
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100
    return era * 146097 + day_of_era + day_of_year - 719468


def _civil_from_days(days: int) -> tuple[int, int, int]:
    days += 719468
    era = days // 146097
    day_of_era = days - era * 146097
    year_of_era = (
        day_of_era - day_of_era // 1460 + day_of_era // 36524 - day_of_era // 146096
    ) // 365
    day_of_year = day_of_era - (
        365 * year_of_era + year_of_era // 4 - year_of_era // 100
    )
    mp = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * mp + 2) // 5 + 1
    month = mp + (3 if mp < 10 else -9)
    return year_of_era + era * 400 + (month <= 2), month, day


@lru_cache(maxsize=1024)
def _iso_epoch_ms(text: str) -> int | None:
    """Return the epoch milliseconds V8's ``new Date(text)`` gives, or None.

    Mirrors V8 for the ``YYYY-MM-DDTHH:mm:ss[.fff…]Z`` shape: days 29-31
    roll over into the next month, ``24:00:00`` is the next midnight, and
    fraction digits beyond milliseconds are truncated. Memoised: one cookie
    cache holds the same few dates on every request of its session, and
    each decode checks some of them more than once.
    """
    match = _ISO_DATE.fullmatch(text)
    if match is None:
        return None
    groups = match.groups()
    year, month, day, hour, minute, second = map(int, groups[:6])
    fraction = groups[6] or ""
    millis = int((fraction + "00")[:3])
    if not (1 <= month <= 12 and 1 <= day <= 31 and minute <= 59 and second <= 59):
        return None
    if hour > 24 or (hour == 24 and (minute or second or fraction.strip("0"))):
        return None
    days = _days_from_civil(year, month, 1) + day - 1
    return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis


def _iso_from_epoch_ms(ms: int) -> str:
    days, rest = divmod(ms, 86_400_000)
    year, month, day = _civil_from_days(days)
    year_text = f"{year:04d}" if 0 <= year <= 9999 else f"{year:+07d}"
    seconds, millis = divmod(rest, 1000)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    return (
        f"{year_text}-{month:02d}-{day:02d}T"
        f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}Z"
    )


def _revive(value: Any) -> Any:
    """Round-trip ISO date strings through Date, as ``safeJSONParse`` does.

    Better Auth verifies the compact signature over the re-serialised
    payload, in which revived Dates print via ``toISOString``. A string
    that already is ``toISOString`` output comes back unchanged, so only
    other ISO-shaped strings are converted.
    """
    if isinstance(value, str):
        # _ISO_DATE needs at least "YYYY-MM-DDTHH:mm:ssZ".
        if len(value) < 20 or value[10] != "T" or value[-1] != "Z":
            return value
        return _revive_date(value)
    if isinstance(value, dict):
        return {key: _revive(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_revive(item) for item in value]
    return value


@lru_cache(maxsize=1024)
def _revive_date(text: str) -> str:
    """``new Date(text).toISOString()`` for an ISO-shaped string, else text."""
    match = _ISO_DATE.fullmatch(text)
    if match is None or _is_canonical(match):
        return text
    ms = _iso_epoch_ms(text)
    return text if ms is None else _iso_from_epoch_ms(ms)


_MONTH_DAYS = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _is_canonical(match: re.Match[str]) -> bool:
    """Whether an ``_ISO_DATE`` match is already what ``toISOString`` prints.

    That is three fraction digits and a real date and time: V8 rolls a day
    past the month's end or 24:00 over into the next day or month, and
    ``_iso_from_epoch_ms`` writes a four-digit year for 0000-9999.
    """
    year, month, day, hour, minute, second, fraction = match.groups()
    if fraction is None or len(fraction) != 3:
        return False
    if hour > "23" or minute > "59" or second > "59":
        return False
    month_number, day_number = int(month), int(day)
    if not (1 <= month_number <= 12 and 1 <= day_number):
        return False
    if day_number <= 28:
        return True
    if month_number == 2:
        number = int(year)
        leap = number % 4 == 0 and (number % 100 != 0 or number % 400 == 0)
        return day_number <= (29 if leap else 28)
    return day_number <= _MONTH_DAYS[month_number]


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid JSON constant {name}")


_decode_json = json.JSONDecoder(parse_constant=_reject_constant).decode


def _js_json_parse(data: bytes) -> Any:
    """Parse bytes as ``JSON.parse(new TextDecoder().decode(data))`` would.

    Invalid UTF-8 becomes U+FFFD, a leading BOM is dropped, and NaN or
    Infinity literals are rejected.
    """
    return _decode_json(data.decode("utf-8", "replace").removeprefix("\ufeff"))


def _b64decode_lenient(text: str) -> bytes:
    """Decode base64 like ``@better-auth/utils`` ``base64.decode``.

    The URL-safe alphabet is chosen when "-" or "_" occur, decoding stops at
    the first "=", and leftover bits are ignored. Raises ``ValueError`` on
    any other character.
    """
    text = text.split("=", 1)[0]
    urlsafe = "-" in text or "_" in text
    if not (_B64_URL if urlsafe else _B64_STD).fullmatch(text):
        raise ValueError("invalid base64 character")
    if len(text) % 4 == 1:
        text = text[:-1]
    padded = text + "=" * (-len(text) % 4)
    if urlsafe:
        return base64.urlsafe_b64decode(padded)
    return base64.b64decode(padded)


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def _is_date(value: Any) -> bool:
    return isinstance(value, str) and _iso_epoch_ms(value) is not None


def _optional(obj: dict[str, Any], key: str, check: Any) -> bool:
    return key not in obj or check(obj[key])


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_nullish_str(value: Any) -> bool:
    return value is None or isinstance(value, str)


def _valid_payload(payload: Any) -> bool:
    """Check the cache payload schema Better Auth applies after decoding.

    ``{session, user, updatedAt: number, version?: string}``, where session
    needs ``id``, ``token`` and an ``expiresAt`` date, and user needs
    ``id``, ``email`` and ``name`` (Better Auth's ``cookieCachePayloadSchema``
    built on its session and user schemas; unknown fields are allowed).
    """
    if not isinstance(payload, dict):
        return False
    session, user = payload.get("session"), payload.get("user")
    if not isinstance(session, dict) or not isinstance(user, dict):
        return False
    session_ok = (
        _is_str(session.get("id"))
        and _is_str(session.get("token"))
        and _is_date(session.get("expiresAt"))
        and _optional(session, "createdAt", _is_date)
        and _optional(session, "updatedAt", _is_date)
        and _optional(session, "ipAddress", _is_nullish_str)
        and _optional(session, "userAgent", _is_nullish_str)
    )
    user_ok = (
        _is_str(user.get("id"))
        and _is_str(user.get("email"))
        and _is_str(user.get("name"))
        and _optional(user, "emailVerified", lambda v: isinstance(v, bool))
        and _optional(user, "image", _is_nullish_str)
        and _optional(user, "createdAt", _is_date)
        and _optional(user, "updatedAt", _is_date)
    )
    return (
        session_ok
        and user_ok
        and _is_number(payload.get("updatedAt"))
        and _optional(payload, "version", _is_str)
    )


def _usable(
    payload: dict[str, Any],
    expires_at: int | float,
    now_ms: int,
    session_token: str | None,
    version: str | None,
) -> bool:
    """Apply the freshness and binding checks of Better Auth's get-session.

    The cache must not be past its own ``expiresAt`` nor past the embedded
    session's; with ``session_token`` it must belong to that session (the
    1.7 binding); with ``version`` its version (default "1") must match.
    """
    if expires_at < now_ms:
        return False
    session_expires = _iso_epoch_ms(payload["session"]["expiresAt"])
    if session_expires is None or session_expires < now_ms:
        return False
    if session_token is not None and payload["session"]["token"] != session_token:
        security_logger.warning("Cookie cache belongs to another session token")
        return False
    return version is None or (payload.get("version") or "1") == version


def _secret_list(secret: str | Sequence[str]) -> list[str]:
    if isinstance(secret, str):
        return [secret] if secret else []
    return [item for item in secret if item]


# --------------------------------------------------------------------------
# compact strategy


def encode_compact(
    payload: dict[str, Any], secret: str, max_age: int, now_ms: int
) -> str:
    """Encode payload as Better Auth's ``compact`` cookie cache value.

    ``expiresAt`` is ``now_ms + max_age`` seconds. Better Auth uses 60 s
    instead of ``cookieCache.maxAge`` when the session is not remembered
    (``rememberMe: false``); the caller chooses max_age accordingly. Date
    values may be datetimes or ISO 8601 strings; both are written as
    ``toISOString`` text.
    """
    # Better Auth verifies over re-parsed Dates, so normalise ISO strings to
    # toISOString form up front; already-normal values are left unchanged.
    payload = _revive(payload)
    expires_at = now_ms + max_age * 1000
    signature = hmac_sha256_b64url(
        secret, js_json_stringify({**payload, "expiresAt": expires_at})
    )
    document = {"session": payload, "expiresAt": expires_at, "signature": signature}
    encoded = base64.urlsafe_b64encode(js_utf8(js_json_stringify(document)))
    return encoded.rstrip(b"=").decode("ascii")


def decode_compact(
    value: str,
    secret: str | Sequence[str],
    now_ms: int,
    *,
    session_token: str | None = None,
    version: str | None = "1",
) -> dict[str, Any] | None:
    """Decode and verify a ``compact`` cookie cache value.

    Returns ``{"session": payload, "expiresAt": ms}``, or None if the value
    is malformed, its signature matches none of the secrets, the payload
    fails Better Auth's schema, or it is expired, bound to another session
    token or of another version (see ``_usable``).
    """
    try:
        document = _js_json_parse(_b64decode_lenient(value))
    except (ValueError, binascii.Error, RecursionError):
        return None
    if not isinstance(document, dict):
        return None
    payload = document.get("session")
    expires_at = document.get("expiresAt")
    signature = document.get("signature")
    if not (isinstance(payload, dict) and _is_number(expires_at)):
        return None
    if not isinstance(signature, str):
        return None
    try:
        provided = _b64decode_lenient(signature)
    except (ValueError, binascii.Error):
        return None

    signed_text = js_json_stringify({**_revive(payload), "expiresAt": expires_at})
    verified = False
    for candidate in _secret_list(secret):
        if constant_time_equals(provided, hmac_sha256(candidate, signed_text)):
            verified = True
    if not verified:
        security_logger.warning("Rejected a cookie cache with an invalid signature")
        return None
    if not _valid_payload(payload):
        return None
    if not _usable(payload, expires_at, now_ms, session_token, version):
        return None
    return {"session": payload, "expiresAt": expires_at}


# --------------------------------------------------------------------------
# jwt strategy


def encode_jwt(payload: dict[str, Any], secret: str, max_age: int, now_s: int) -> str:
    """Encode payload as Better Auth's ``jwt`` cookie cache value.

    The token matches jose's ``SignJWT`` byte for byte: protected header
    ``{"alg":"HS256"}`` only, claims = payload then ``iat`` = now_s and
    ``exp`` = now_s + max_age (RFC 7519 §4.1.4, §4.1.6), serialised as
    ``JSON.stringify``.
    """
    claims = {**payload, "iat": now_s, "exp": now_s + max_age}
    return jwt.api_jws.encode(
        js_utf8(js_json_stringify(claims)),
        js_utf8(secret),
        algorithm="HS256",
        headers={"typ": None},
    )


def decode_jwt(
    value: str,
    secret: str | Sequence[str],
    now_s: int,
    *,
    session_token: str | None = None,
    version: str | None = "1",
) -> dict[str, Any] | None:
    """Decode and verify a ``jwt`` cookie cache value.

    Returns ``{"session": claims, "expiresAt": exp * 1000}`` or None. As with
    jose's ``jwtVerify``, the token is expired once ``exp <= now_s`` and not
    yet valid while ``nbf > now_s``; ``iat`` is not checked. Unlike jose, a
    token without ``exp`` is refused: Better Auth always sets one.
    """
    raw: bytes | None = None
    for candidate in _secret_list(secret):
        try:
            raw = jwt.api_jws.decode(value, js_utf8(candidate), algorithms=["HS256"])
            break
        except jwt.InvalidSignatureError:
            continue
        except jwt.PyJWTError:
            return None
    if raw is None:
        security_logger.warning("Rejected a cookie cache JWT with an invalid signature")
        return None
    try:
        claims = _js_json_parse(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(claims, dict):
        return None

    exp, nbf, iat = claims.get("exp"), claims.get("nbf"), claims.get("iat")
    if not _is_number(exp) or exp <= now_s:
        return None
    if nbf is not None and (not _is_number(nbf) or nbf > now_s):
        return None
    if iat is not None and not _is_number(iat):
        return None
    if not _valid_payload(claims):
        return None
    expires_at = exp * 1000
    if not _usable(claims, expires_at, now_s * 1000, session_token, version):
        return None
    return {"session": claims, "expiresAt": expires_at}
