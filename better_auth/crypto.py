"""Cryptographic primitives shared by the core app, byte-compatible with Better Auth.

Every function takes its secret explicitly, so this module reads no settings
and imports nothing from Django: callers pass ``auth_settings.SECRET`` to
sign and ``auth_settings.secrets()`` (current first, then previous ones) to
verify, which is how secret rotation works.

Signed cookies follow Better Auth 1.7 / better-call (core-surface §4.2):
``value + "." + base64(HMAC-SHA256(key=UTF-8(secret), msg=UTF-8(value)))``
with padded standard base64, percent-encoded on the wire with
``encodeURIComponent``. A cookie signed by a Node deployment therefore
verifies here and the other way round.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import os
import re
import secrets as _secrets
import string
from collections.abc import Sequence
from functools import lru_cache
from urllib.parse import quote, unquote

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = [
    "DecryptionError",
    "constant_time_equals",
    "decode_cookie_value",
    "decrypt_secret",
    "encode_cookie_value",
    "encrypt_secret",
    "generate_id",
    "generate_token",
    "hmac_sha256",
    "hmac_sha256_b64url",
    "js_utf8",
    "sign_cookie_value",
    "unsign_cookie_value",
]

logger = logging.getLogger(__name__)
security_logger = logging.getLogger("better_auth.security.signature")

_ALPHANUMERIC = string.ascii_letters + string.digits

# Characters encodeURIComponent leaves alone besides ASCII letters, digits and
# "-_.~" (ECMA-262 §19.2.6.5, the uriUnreserved set without the marks below).
_URI_COMPONENT_SAFE = "!*'()"
_PERCENT_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")

# A 32-byte HMAC-SHA256 digest is 44 characters of padded base64.
_SIGNATURE_LENGTH = 44

_ENCRYPTION_VERSION = "v1"
_ENCRYPTION_INFO = b"better-auth-django encrypt_secret v1 AES-256-GCM"
_NONCE_BYTES = 12
_TAG_BYTES = 16


class DecryptionError(ValueError):
    """Raised when a value from ``encrypt_secret`` cannot be decrypted.

    Covers a malformed or unknown-version token, a wrong secret and tampered
    ciphertext alike, so callers cannot tell them apart (no decryption
    oracle).
    """


def generate_id(length: int = 32) -> str:
    """Return a random ``[a-zA-Z0-9]`` id, Better Auth's default id shape.

    Better Auth's ``generateId`` draws 32 characters from this alphabet for
    user, session and account ids (core-surface §5).
    """
    return "".join(_secrets.choice(_ALPHANUMERIC) for _ in range(length))


def generate_token(length: int = 32) -> str:
    """Return a random ``[a-zA-Z0-9]`` token, e.g. a session token.

    Session tokens in Better Auth 1.7 are 32 alphanumeric characters
    (core-surface §4.2); at about 5.95 bits per character that is ~190 bits.
    """
    return "".join(_secrets.choice(_ALPHANUMERIC) for _ in range(length))


def js_utf8(text: str) -> bytes:
    """Encode text to UTF-8 the way JavaScript's ``TextEncoder`` does.

    JavaScript strings are UTF-16: a surrogate pair is one character and a
    lone surrogate becomes U+FFFD. Python strings may carry either, so both
    are mapped the same way instead of raising, keeping HMACs over odd input
    identical to Better Auth's.
    """
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        utf16 = text.encode("utf-16-le", "surrogatepass")
        return utf16.decode("utf-16-le", "replace").encode("utf-8")


def _as_bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else js_utf8(value)


def _secret_list(secret: str | Sequence[str]) -> list[str]:
    if isinstance(secret, str):
        return [secret] if secret else []
    return [item for item in secret if item]


def constant_time_equals(a: str | bytes, b: str | bytes) -> bool:
    """Compare two secrets without leaking where they differ through timing.

    Strings are compared as UTF-8 bytes, so non-ASCII input is accepted
    (``hmac.compare_digest`` alone rejects it).
    """
    return hmac.compare_digest(_as_bytes(a), _as_bytes(b))


def hmac_sha256(secret: str | bytes, message: str | bytes) -> bytes:
    """Return the raw HMAC-SHA256 (RFC 2104) of message under secret.

    Better Auth imports the secret's UTF-8 bytes as the raw HMAC key and
    signs the UTF-8 bytes of the message.
    """
    # hmac.digest is the one-shot form of hmac.new(...).digest() (same bytes,
    # computed by OpenSSL without building an HMAC object).
    return hmac.digest(_as_bytes(secret), _as_bytes(message), "sha256")


def hmac_sha256_b64url(secret: str | bytes, message: str | bytes) -> str:
    """Return HMAC-SHA256 as unpadded base64url (RFC 4648 §5).

    This is Better Auth's ``createHMAC("SHA-256", "base64urlnopad")``, used
    for the compact cookie-cache signature (core-surface §4.3).
    """
    digest = hmac_sha256(secret, message)
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def sign_cookie_value(value: str, secret: str) -> str:
    """Return ``value.<signature>`` as better-call's ``signCookieValue`` does.

    The signature is padded standard base64 (44 characters ending in "=").
    The result is not percent-encoded: pass it to ``encode_cookie_value``
    before writing it into a ``Set-Cookie`` header.
    """
    digest = hmac_sha256(secret, value)
    return f"{value}.{base64.b64encode(digest).decode('ascii')}"


def unsign_cookie_value(signed: str, secret: str | Sequence[str]) -> str | None:
    """Return the value of a signed cookie, or None if it is not validly signed.

    ``signed`` is the percent-decoded cookie value. As in better-call's
    ``getSignedCookie``, it is split at the last ".", the value before it
    must be non-empty and the signature must be 44 characters ending in "=".
    Each secret is tried in turn (current first, then previous ones) so
    cookies signed before a rotation stay valid.
    """
    position = signed.rfind(".")
    if position < 1:
        return None
    value, signature = signed[:position], signed[position + 1 :]
    if len(signature) != _SIGNATURE_LENGTH or not signature.endswith("="):
        return None
    try:
        # Like atob(), ignore the unused low bits of the last character.
        provided = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return None

    matched = False
    for candidate in _secret_list(secret):
        # Keep looping after a match so timing does not reveal which secret
        # (current or previous) verified the cookie.
        if hmac.compare_digest(provided, hmac_sha256(candidate, value)):
            matched = True
    if not matched:
        security_logger.warning("Rejected a cookie with an invalid signature")
        return None
    return value


def encode_cookie_value(signed: str) -> str:
    """Percent-encode text exactly like JavaScript's ``encodeURIComponent``.

    Everything except ASCII letters, digits and ``-_.!~*'()`` is encoded as
    UTF-8 ``%XX`` with upper-case hex (ECMA-262 §19.2.6.5). A lone surrogate
    raises ``ValueError``, as JavaScript raises ``URIError``.
    """
    try:
        return quote(
            signed, safe=_URI_COMPONENT_SAFE, encoding="utf-8", errors="strict"
        )
    except UnicodeEncodeError as exc:
        raise ValueError("value contains a lone surrogate") from exc


def decode_cookie_value(raw: str) -> str:
    """Percent-decode a cookie value like better-call's ``tryDecode``.

    Values without "%" are returned unchanged; otherwise
    ``decodeURIComponent`` semantics apply, and a malformed escape or invalid
    UTF-8 leaves the value as it was instead of failing, as better-call does.
    """
    if "%" not in raw:
        return raw
    if _PERCENT_ESCAPE.search(raw):
        return raw
    try:
        return unquote(raw, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        return raw


@lru_cache(maxsize=16)
def _encryption_key(secret: str) -> bytes:
    """Derive the AES-256 key from the app secret with HKDF-SHA256 (RFC 5869).

    A dedicated ``info`` label separates this key from every other use of the
    secret (cookie HMACs, JWT signing), so a leak of one does not give the
    other.
    """
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_ENCRYPTION_INFO)
    return hkdf.derive(js_utf8(secret))


def _b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    """Decode canonical unpadded base64url, so each blob has one spelling."""
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text) or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64url_encode(data) != text:
        raise ValueError("non-canonical base64url")
    return data


def encrypt_secret(plaintext: str, secret: str) -> str:
    """Encrypt a secret at rest (provider tokens, TOTP seeds) with AES-256-GCM.

    Returns ``v1:<base64url(nonce || ciphertext || tag)>`` with a random
    96-bit nonce (NIST SP 800-38D §8.2.2) and the version tag as associated
    data, so a future format cannot be confused with this one.
    """
    nonce = os.urandom(_NONCE_BYTES)
    aad = _ENCRYPTION_VERSION.encode("ascii")
    sealed = AESGCM(_encryption_key(secret)).encrypt(nonce, js_utf8(plaintext), aad)
    return f"{_ENCRYPTION_VERSION}:{_b64url_encode(nonce + sealed)}"


def decrypt_secret(token: str, secret: str | Sequence[str]) -> str:
    """Decrypt a value from ``encrypt_secret``, trying each secret in turn.

    Raises ``DecryptionError`` for any failure: wrong format or version, no
    secret that authenticates the ciphertext, or a plaintext that is not
    UTF-8.
    """
    version, sep, body = token.partition(":")
    if not sep or version != _ENCRYPTION_VERSION:
        raise DecryptionError("unsupported encrypted value")
    try:
        blob = _b64url_decode(body)
    except (binascii.Error, ValueError) as exc:
        raise DecryptionError("malformed encrypted value") from exc
    if len(blob) < _NONCE_BYTES + _TAG_BYTES:
        raise DecryptionError("malformed encrypted value")

    nonce, sealed = blob[:_NONCE_BYTES], blob[_NONCE_BYTES:]
    aad = version.encode("ascii")
    for candidate in _secret_list(secret):
        try:
            plaintext = AESGCM(_encryption_key(candidate)).decrypt(nonce, sealed, aad)
        except InvalidTag:
            continue
        try:
            return plaintext.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DecryptionError("decrypted value is not UTF-8") from exc
    logger.warning("Could not decrypt a stored secret with any configured secret")
    raise DecryptionError("could not decrypt value")
