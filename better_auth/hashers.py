"""Django password hashing for hashes created by Better Auth.

Better Auth 1.7 stores credential passwords in ``account.password`` as
``"<salt>:<key>"`` where ``salt`` is 16 random bytes in lower-case hex and
``key`` is scrypt (RFC 7914) of the NFKC-normalised password with N=16384,
r=16, p=1 and a 64-byte output, in hex. The salt passed to scrypt is the hex
*string's* bytes, not the 16 decoded bytes (core-surface §5.1).

``BetterAuthScryptPasswordHasher`` lets users imported from a Better Auth
database sign in with their existing password; ``must_update`` then makes
Django re-hash it with the project's preferred hasher on that first login.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from typing import Any

from django.contrib.auth.hashers import BasePasswordHasher, mask_hash

from .crypto import js_utf8

__all__ = [
    "ALGORITHM",
    "BetterAuthScryptPasswordHasher",
    "from_better_auth_hash",
    "is_better_auth_hash",
    "make_better_auth_hash",
    "scrypt_hash",
    "to_better_auth_hash",
    "verify_better_auth_hash",
]

ALGORITHM = "better_auth_scrypt"

# Better Auth's scrypt parameters (@better-auth/utils password.node).
SCRYPT_N = 16384
SCRYPT_R = 16
SCRYPT_P = 1
SCRYPT_DKLEN = 64
# OpenSSL needs about 128 * r * N bytes (32 MiB here); the default cap is
# 32 MiB including overhead, so allow twice that as Better Auth does.
SCRYPT_MAXMEM = 128 * SCRYPT_N * SCRYPT_R * 2

_RAW_HASH = re.compile(r"[0-9a-f]{32}:[0-9a-f]{128}")


def _(text: str) -> str:
    """Mark text for translation without loading Django's translation machinery.

    ``gettext_noop`` reads ``settings.USE_I18N``; the summary labels are
    translated where they are displayed, exactly like Django's own hashers.
    """
    return text


def _password_bytes(password: str) -> bytes:
    """Return the bytes Better Auth feeds to scrypt for a password.

    JavaScript's ``String.prototype.normalize("NFKC")`` runs first (so "ﬀ"
    and "ff" hash alike), then Node encodes the string as UTF-8 with lone
    surrogates replaced by U+FFFD.
    """
    text = js_utf8(password).decode("utf-8")
    return unicodedata.normalize("NFKC", text).encode("utf-8")


def scrypt_hash(password: str, salt_hex: str) -> str:
    """Return Better Auth's scrypt key for password and salt, as lower-case hex.

    ``salt_hex`` is used verbatim as the salt bytes (UTF-8 of the string),
    matching Better Auth's ``generateKey(password, salt)``.
    """
    key = hashlib.scrypt(
        _password_bytes(password),
        salt=js_utf8(salt_hex),
        n=SCRYPT_N,
        r=SCRYPT_R,
        p=SCRYPT_P,
        maxmem=SCRYPT_MAXMEM,
        dklen=SCRYPT_DKLEN,
    )
    return key.hex()


def make_better_auth_hash(password: str, salt_hex: str | None = None) -> str:
    """Return a hash in Better Auth's own ``"<salt>:<key>"`` storage format.

    Without ``salt_hex`` a fresh 16-byte salt is drawn, as Better Auth's
    ``hashPassword`` does.
    """
    salt = salt_hex if salt_hex is not None else secrets.token_hex(16)
    if not salt or ":" in salt:
        raise ValueError("salt must be non-empty and cannot contain ':'")
    return f"{salt}:{scrypt_hash(password, salt)}"


def verify_better_auth_hash(password: str | None, raw: str) -> bool:
    """Check a password against a raw Better Auth ``"<salt>:<key>"`` hash.

    Returns False for a wrong password and for a malformed hash (Better Auth
    throws "Invalid password hash" there; a boolean keeps callers to one
    failure path). The keys are compared in constant time.
    """
    if password is None or not isinstance(raw, str):
        return False
    salt, sep, key = raw.partition(":")
    if not sep or not salt or not key or ":" in key:
        return False
    return hmac.compare_digest(scrypt_hash(password, salt), key)


def is_better_auth_hash(raw: str) -> bool:
    """Tell whether raw looks like a hash Better Auth wrote (32 + 128 hex)."""
    return isinstance(raw, str) and _RAW_HASH.fullmatch(raw) is not None


def from_better_auth_hash(raw: str) -> str:
    """Convert a raw Better Auth hash to this hasher's Django-encoded form.

    ``"<salt>:<key>"`` becomes ``"better_auth_scrypt$<salt>$<key>"``, ready
    for ``User.password``. Raises ``ValueError`` if raw is not a Better Auth
    scrypt hash.
    """
    if not is_better_auth_hash(raw):
        raise ValueError("not a Better Auth scrypt password hash")
    salt, key = raw.split(":")
    return f"{ALGORITHM}${salt}${key}"


def to_better_auth_hash(encoded: str) -> str:
    """Convert this hasher's Django-encoded form back to ``"<salt>:<key>"``.

    Useful to export users to a Better Auth deployment. Raises ``ValueError``
    for anything that is not a ``better_auth_scrypt`` hash.
    """
    salt, key = _split_encoded(encoded)
    return f"{salt}:{key}"


def _split_encoded(encoded: str) -> tuple[str, str]:
    parts = encoded.split("$") if isinstance(encoded, str) else []
    if len(parts) != 3 or parts[0] != ALGORITHM or not parts[1] or not parts[2]:
        raise ValueError("not a better_auth_scrypt password hash")
    if ":" in parts[1]:
        raise ValueError("salt cannot contain ':'")
    return parts[1], parts[2]


class BetterAuthScryptPasswordHasher(BasePasswordHasher):
    """Verify (and create) passwords hashed the way Better Auth 1.7 does.

    Add it to ``PASSWORD_HASHERS`` after the preferred hasher. Imported
    Better Auth hashes are stored as ``better_auth_scrypt$<salt>$<key>``
    (see ``from_better_auth_hash``); on a successful login Django re-hashes
    the password with the preferred hasher because ``must_update`` is True.
    """

    algorithm = ALGORITHM

    def salt(self) -> str:
        """Return 16 random bytes as 32 hex characters, Better Auth's salt."""
        return secrets.token_hex(16)

    def encode(self, password: str, salt: str) -> str:
        """Hash password with salt into ``better_auth_scrypt$<salt>$<key>``."""
        self._check_encode_args(password, salt)
        if ":" in salt:
            raise ValueError("salt cannot contain ':'")
        return f"{self.algorithm}${salt}${scrypt_hash(password, salt)}"

    def decode(self, encoded: str) -> dict[str, Any]:
        """Split an encoded hash into algorithm, salt and hash."""
        salt, key = _split_encoded(encoded)
        return {"algorithm": self.algorithm, "salt": salt, "hash": key}

    def verify(self, password: str, encoded: str) -> bool:
        """Check password against encoded; malformed values never match."""
        try:
            salt, key = _split_encoded(encoded)
        except ValueError:
            return False
        return verify_better_auth_hash(password, f"{salt}:{key}")

    def safe_summary(self, encoded: str) -> dict[str, Any]:
        """Describe the hash for the admin with salt and key masked."""
        decoded = self.decode(encoded)
        return {
            _("algorithm"): decoded["algorithm"],
            _("work factor"): SCRYPT_N,
            _("block size"): SCRYPT_R,
            _("parallelism"): SCRYPT_P,
            _("salt"): mask_hash(decoded["salt"]),
            _("hash"): mask_hash(decoded["hash"]),
        }

    def must_update(self, encoded: str) -> bool:
        """Always ask Django to re-hash with the project's preferred hasher."""
        return True

    def harden_runtime(self, password: str, encoded: str) -> None:
        """Do nothing: every hash of this format has the same, fixed cost."""
