"""HOTP (RFC 4226) and TOTP (RFC 6238) codes, and the ``otpauth://`` key URI.

Pure functions. HMAC-SHA-1 with dynamic truncation (RFC 4226 §5.3), time
steps of ``period`` seconds from the Unix epoch (RFC 6238 §4.2) and a
verification window of one step either side for clock drift (§5.2). The
key is the secret's UTF-8 bytes, as Better Auth uses its 32-character
secret; the URI carries it base32-encoded without padding, the format
Google Authenticator and compatible apps read (Key URI Format).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
from urllib.parse import quote, urlencode

__all__ = ["hotp", "key_uri", "time_step", "totp", "verify_totp"]

# What encodeURIComponent leaves unescaped besides letters, digits and "-_.~".
_SAFE = "!*'()"


def hotp(key: bytes, counter: int, digits: int = 6) -> str:
    """RFC 4226 §5.3: HOTP(K, C) = Truncate(HMAC-SHA-1(K, C)) mod 10^digits."""
    if not 1 <= digits <= 8:
        raise ValueError("digits must be between 1 and 8")
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    binary = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(binary % 10**digits).zfill(digits)


def time_step(unix_time: float, period: int = 30) -> int:
    """RFC 6238 §4.2: T = floor((Current Unix time - T0) / X), T0 = 0."""
    return int(unix_time // period)


def totp(key: bytes, unix_time: float, *, digits: int = 6, period: int = 30) -> str:
    return hotp(key, time_step(unix_time, period), digits)


def verify_totp(
    key: bytes,
    code: str,
    unix_time: float,
    *,
    digits: int = 6,
    period: int = 30,
    window: int = 1,
) -> int | None:
    """The matching time step within ``window`` steps, or None.

    Every candidate is computed and compared in constant time, so the answer
    time does not tell which step (if any) matched.
    """
    current = time_step(unix_time, period)
    matched: int | None = None
    for step in range(current - window, current + window + 1):
        candidate = hotp(key, step, digits) if step >= 0 else ""
        if hmac.compare_digest(candidate.encode(), str(code).encode()):
            matched = step if matched is None else matched
    return matched


def key_uri(
    secret: bytes, *, issuer: str, account: str, digits: int = 6, period: int = 30
) -> str:
    """``otpauth://totp/<issuer>:<account>?secret=..&issuer=..&digits=..&period=..``."""
    label = f"{quote(issuer, safe=_SAFE)}:{quote(account, safe=_SAFE)}"
    encoded = base64.b32encode(secret).decode().rstrip("=")
    params = urlencode(
        {"secret": encoded, "issuer": issuer, "digits": digits, "period": period}
    )
    return f"otpauth://totp/{label}?{params}"
