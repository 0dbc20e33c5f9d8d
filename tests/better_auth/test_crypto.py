"""Signed cookies, ids and encryption at rest (core-surface §4.2).

Signed-cookie vectors were captured from the Better Auth 1.7.25 oracle; see
``data/oracle_signed_cookies.json``.
"""

from __future__ import annotations

import base64
import json
import string
from pathlib import Path

import pytest

from better_auth.crypto import (
    DecryptionError,
    constant_time_equals,
    decode_cookie_value,
    decrypt_secret,
    encode_cookie_value,
    encrypt_secret,
    generate_id,
    generate_token,
    hmac_sha256_b64url,
    js_utf8,
    sign_cookie_value,
    unsign_cookie_value,
)

DATA = Path(__file__).parent / "data"
ORACLE = json.loads((DATA / "oracle_signed_cookies.json").read_text("utf-8"))
SECRET = ORACLE["secret"]
ALPHANUMERIC = set(string.ascii_letters + string.digits)


def test_generate_id_is_32_alphanumeric_characters():
    """Ids default to 32 characters of [a-zA-Z0-9] and honour length."""
    value = generate_id()
    assert len(value) == 32
    assert set(value) <= ALPHANUMERIC
    assert len(generate_id(12)) == 12


def test_generate_token_is_random_alphanumeric():
    """Tokens are 32 alphanumeric characters and do not repeat."""
    tokens = {generate_token() for _ in range(200)}
    assert len(tokens) == 200
    assert all(len(t) == 32 and set(t) <= ALPHANUMERIC for t in tokens)


@pytest.mark.parametrize("cookie", ORACLE["cookies"], ids=lambda c: c["name"])
def test_oracle_cookie_unsigns_to_its_value(cookie):
    """A cookie set by Better Auth verifies and yields the signed value."""
    decoded = decode_cookie_value(cookie["value"])
    assert unsign_cookie_value(decoded, SECRET) == cookie["unsigned"]


@pytest.mark.parametrize("cookie", ORACLE["cookies"], ids=lambda c: c["name"])
def test_signing_reproduces_oracle_cookie_bytes(cookie):
    """Signing then percent-encoding gives exactly Better Auth's cookie value."""
    signed = sign_cookie_value(cookie["unsigned"], SECRET)
    assert encode_cookie_value(signed) == cookie["value"]
    assert cookie["set_cookie"].startswith(f"{cookie['name']}={cookie['value']};")


def test_signature_is_padded_standard_base64():
    """The signature is 44 characters of standard base64 ending in '='."""
    signed = sign_cookie_value("token", SECRET)
    value, signature = signed.rsplit(".", 1)
    assert value == "token"
    assert len(signature) == 44 and signature.endswith("=")
    base64.b64decode(signature, validate=True)


def test_unsign_rejects_tampered_or_foreign_signatures():
    """A changed value, signature or secret fails verification."""
    signed = sign_cookie_value("abc", SECRET)
    value, signature = signed.rsplit(".", 1)
    flipped = ("B" if signature[0] == "A" else "A") + signature[1:]
    assert unsign_cookie_value(f"{value}.{flipped}", SECRET) is None
    assert unsign_cookie_value(f"abd.{signature}", SECRET) is None
    assert unsign_cookie_value(signed, "another-secret") is None
    assert unsign_cookie_value(signed, []) is None
    assert unsign_cookie_value(signed, "") is None


@pytest.mark.parametrize(
    "signed",
    [
        "no-dot-at-all",
        "." + "A" * 43 + "=",  # empty value before the dot
        "abc." + "A" * 43,  # 43 characters
        "abc." + "A" * 44,  # 44 characters without '='
        "abc." + "A" * 44 + "=",  # 45 characters
        "abc." + "!" * 43 + "=",  # not base64
    ],
)
def test_unsign_rejects_malformed_values(signed):
    """Malformed values are refused before any HMAC comparison."""
    assert unsign_cookie_value(signed, SECRET) is None


def test_unsign_splits_at_last_dot():
    """Values that contain dots keep them; only the last dot separates."""
    signed = sign_cookie_value("a.b.c", SECRET)
    assert unsign_cookie_value(signed, SECRET) == "a.b.c"


def test_unsign_accepts_previous_secrets_for_rotation():
    """Cookies signed with a retired secret verify when it is still listed."""
    signed = sign_cookie_value("tok", "old-secret")
    assert unsign_cookie_value(signed, ["new-secret", "old-secret"]) == "tok"
    assert unsign_cookie_value(signed, ("new-secret",)) is None


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [
        # expected values from Node's encodeURIComponent
        ("abc.DEF-_~!*()'", "abc.DEF-_~!*()'"),
        ("a b+c/d=e%f", "a%20b%2Bc%2Fd%3De%25f"),
        ("é😀\u2028", "%C3%A9%F0%9F%98%80%E2%80%A8"),
        (";,:@&=$#?[]", "%3B%2C%3A%40%26%3D%24%23%3F%5B%5D"),
    ],
)
def test_encode_cookie_value_matches_encode_uri_component(raw, encoded):
    """Percent-encoding follows JavaScript's encodeURIComponent exactly."""
    assert encode_cookie_value(raw) == encoded
    assert decode_cookie_value(encoded) == raw


def test_encode_cookie_value_refuses_lone_surrogate():
    """A lone surrogate raises, as encodeURIComponent throws URIError."""
    with pytest.raises(ValueError):
        encode_cookie_value("a\ud800")


@pytest.mark.parametrize("raw", ["plain+value", "bad%zzescape", "bad%C3", "trail%"])
def test_decode_cookie_value_leaves_undecodable_values(raw):
    """Values without valid escapes come back unchanged, like tryDecode."""
    assert decode_cookie_value(raw) == raw


def test_hmac_sha256_b64url_rfc4231_case_2():
    """HMAC-SHA256 matches RFC 4231 test case 2, as unpadded base64url."""
    expected = "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM"
    assert hmac_sha256_b64url("Jefe", "what do ya want for nothing?") == expected


def test_js_utf8_replaces_lone_surrogates_like_text_encoder():
    """Lone surrogates encode as U+FFFD and split pairs are joined."""
    assert js_utf8("a\ud800b") == b"a\xef\xbf\xbdb"
    assert js_utf8("\ud83d\ude00") == "😀".encode()


def test_constant_time_equals():
    """Equal strings or bytes compare equal, including non-ASCII text."""
    assert constant_time_equals("pässword", "pässword")
    assert constant_time_equals(b"abc", "abc")
    assert not constant_time_equals("abc", "abd")


def test_encrypt_secret_round_trip():
    """Encrypted text decrypts back, in a versioned, non-deterministic form."""
    first = encrypt_secret("ya29.provider-token-ü", SECRET)
    second = encrypt_secret("ya29.provider-token-ü", SECRET)
    assert first.startswith("v1:") and first != second
    assert "provider-token" not in first
    assert decrypt_secret(first, SECRET) == "ya29.provider-token-ü"
    assert decrypt_secret(encrypt_secret("", SECRET), SECRET) == ""


def test_decrypt_secret_tries_each_secret():
    """Values encrypted under a previous secret decrypt during rotation."""
    token = encrypt_secret("JBSWY3DPEHPK3PXP", "old-secret")
    assert decrypt_secret(token, ["new-secret", "old-secret"]) == "JBSWY3DPEHPK3PXP"
    with pytest.raises(DecryptionError):
        decrypt_secret(token, ["new-secret"])


def _flip_last_char(token: str) -> str:
    return token[:-1] + ("A" if token[-1] != "A" else "B")


@pytest.mark.parametrize(
    "mangle",
    [
        _flip_last_char,
        lambda t: "v2:" + t[3:],
        lambda t: t[3:],
        lambda t: "v1:" + "A" * 20,
        lambda t: "v1:***",
        lambda t: "v1:",
    ],
    ids=["tampered", "unknown-version", "no-version", "too-short", "not-b64", "empty"],
)
def test_decrypt_secret_raises_on_any_failure(mangle):
    """Every kind of bad input raises DecryptionError and nothing else."""
    token = encrypt_secret("secret value", SECRET)
    with pytest.raises(DecryptionError):
        decrypt_secret(mangle(token), SECRET)


def test_decrypt_secret_raises_for_wrong_secret():
    """A different app secret cannot decrypt the value."""
    with pytest.raises(DecryptionError):
        decrypt_secret(encrypt_secret("x", SECRET), "not-the-secret")
