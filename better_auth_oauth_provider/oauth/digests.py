"""How one-time values and tokens are stored: as digests, never in the clear.

Authorization codes, access tokens and refresh tokens are high-entropy
random strings, so an unkeyed SHA-256 is a sufficient at-rest digest (RFC
9700 §4.14; django-oauth-toolkit's ``token_checksum`` column uses the same
lowercase hex SHA-256). A stolen database therefore yields no usable token.
"""

from __future__ import annotations

import hashlib
import secrets
import string

__all__ = ["generate_value", "token_digest"]

_LETTERS = string.ascii_letters
_ALPHANUMERIC = string.ascii_letters + string.digits


def token_digest(raw: str) -> str:
    """Lowercase hex SHA-256 of the UTF-8 value: ``token_checksum`` / ``code``."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _tables(alphabet: str) -> tuple[bytes, bytes]:
    """``bytes.translate`` tables: byte -> letter, and the bytes to drop."""
    size = len(alphabet)
    limit = 256 - 256 % size
    mapping = bytes(ord(alphabet[b % size]) if b < limit else 0 for b in range(256))
    return mapping, bytes(range(limit, 256))


_TABLES = {False: _tables(_LETTERS), True: _tables(_ALPHANUMERIC)}


def generate_value(length: int = 32, *, digits: bool = False) -> str:
    """A random value; Better Auth's opaque tokens are 32 ``[A-Za-z]`` characters.

    Authorization codes use ``digits=True`` (32 ``[A-Za-z0-9]``, surface §1.4).
    Each character is uniform over the alphabet, as with ``secrets.choice``:
    random bytes at or above the largest multiple of the alphabet's size
    are dropped (rejection sampling), so the modulo introduces no bias.
    ``bytes.translate`` drops and maps in one pass, so a whole value costs
    one ``token_bytes`` call and no Python loop.
    """
    mapping, dropped = _TABLES[digits]
    out = b""
    while len(out) < length:
        # 25% extra covers the rejections (at most 19% for 52 letters).
        raw = secrets.token_bytes(length - len(out) + length // 4 + 1)
        out += raw.translate(mapping, dropped)
    return out[:length].decode("ascii")
