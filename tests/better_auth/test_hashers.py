"""Better Auth's scrypt password format (core-surface §5.1).

The hashes in ``data/oracle_passwords.json`` were written by the Better Auth
1.7.25 oracle on sign-up and read from its ``account.password`` column.
Apart from the last test, nothing here needs Django settings.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings

from better_auth.hashers import (
    ALGORITHM,
    BetterAuthScryptPasswordHasher,
    from_better_auth_hash,
    is_better_auth_hash,
    make_better_auth_hash,
    scrypt_hash,
    to_better_auth_hash,
    verify_better_auth_hash,
)

DATA = Path(__file__).parent / "data"
ORACLE = json.loads((DATA / "oracle_passwords.json").read_text("utf-8"))["hashes"]
ASCII, UNICODE = ORACLE


@pytest.mark.parametrize("case", ORACLE, ids=lambda c: c["email"])
def test_scrypt_hash_reproduces_oracle_key(case):
    """scrypt over the hex salt string gives Better Auth's stored key."""
    salt, key = case["hash"].split(":")
    assert scrypt_hash(case["password"], salt) == key


@pytest.mark.parametrize("case", ORACLE, ids=lambda c: c["email"])
def test_oracle_hash_verifies_like_the_oracle(case):
    """Passwords the oracle accepted verify; those it refused do not."""
    assert verify_better_auth_hash(case["password"], case["hash"])
    for accepted in case["also_accepted"]:
        assert verify_better_auth_hash(accepted, case["hash"])
    for rejected in case["rejected"]:
        assert not verify_better_auth_hash(rejected, case["hash"])


def test_password_is_nfkc_normalised():
    """The ligature ﬀ and half-width katakana hash like their NFKC forms."""
    salt = UNICODE["hash"].split(":")[0]
    assert scrypt_hash("ﬀ-ﾊﾟｽﾜｰﾄﾞ-1", salt) == scrypt_hash("ff-パスワード-1", salt)


def test_make_better_auth_hash_format():
    """New hashes are a 32-hex salt, a colon and a 128-hex key."""
    raw = make_better_auth_hash("hunter2hunter2")
    assert re.fullmatch(r"[0-9a-f]{32}:[0-9a-f]{128}", raw)
    assert verify_better_auth_hash("hunter2hunter2", raw)
    assert not verify_better_auth_hash("hunter2hunter3", raw)
    assert make_better_auth_hash("x", "00" * 16).startswith("00" * 16 + ":")


@pytest.mark.parametrize(
    "raw", ["", "nocolon", ":abc", "abc:", "a:b:c", "0" * 32 + ":" + "0" * 128]
)
def test_verify_better_auth_hash_is_false_for_malformed_or_wrong(raw):
    """Malformed hashes never verify and never raise."""
    assert verify_better_auth_hash("password", raw) is False


def test_verify_better_auth_hash_without_password():
    """A missing password never matches."""
    assert verify_better_auth_hash(None, ASCII["hash"]) is False


def test_is_better_auth_hash():
    """Only the exact Better Auth storage shape is recognised."""
    assert is_better_auth_hash(ASCII["hash"])
    assert not is_better_auth_hash(ASCII["hash"].upper())
    assert not is_better_auth_hash("pbkdf2_sha256$720000$salt$hash")
    assert not is_better_auth_hash(ASCII["hash"] + "0")


def test_from_and_to_better_auth_hash():
    """Raw hashes convert to the Django form and back unchanged."""
    encoded = from_better_auth_hash(ASCII["hash"])
    salt, key = ASCII["hash"].split(":")
    assert encoded == f"better_auth_scrypt${salt}${key}"
    assert to_better_auth_hash(encoded) == ASCII["hash"]


@pytest.mark.parametrize("raw", ["", "abc:def", "pbkdf2_sha256$1$a$b"])
def test_from_better_auth_hash_rejects_malformed(raw):
    """Anything but a Better Auth scrypt hash raises ValueError."""
    with pytest.raises(ValueError):
        from_better_auth_hash(raw)


def test_hasher_verifies_imported_oracle_hashes():
    """The Django hasher accepts imported hashes and the NFKC variants."""
    hasher = BetterAuthScryptPasswordHasher()
    encoded = from_better_auth_hash(UNICODE["hash"])
    assert hasher.verify(UNICODE["password"], encoded)
    assert hasher.verify("ff-パスワード-1", encoded)
    assert not hasher.verify("ff-パスワード-2", encoded)


def test_hasher_encode_decode_round_trip():
    """encode() writes the Better Auth salt and key under the algorithm name."""
    hasher = BetterAuthScryptPasswordHasher()
    salt = hasher.salt()
    assert re.fullmatch(r"[0-9a-f]{32}", salt)
    encoded = hasher.encode("s3cret-pässword", salt)
    decoded = hasher.decode(encoded)
    assert decoded["algorithm"] == ALGORITHM
    assert decoded["salt"] == salt
    assert decoded["hash"] == scrypt_hash("s3cret-pässword", salt)
    assert hasher.verify("s3cret-pässword", encoded)
    assert verify_better_auth_hash("s3cret-pässword", to_better_auth_hash(encoded))


@pytest.mark.parametrize("salt", ["", "has$dollar", "has:colon"])
def test_hasher_encode_rejects_bad_salt(salt):
    """Salts must be non-empty and free of the '$' and ':' separators."""
    with pytest.raises(ValueError):
        BetterAuthScryptPasswordHasher().encode("pw", salt)


@pytest.mark.parametrize(
    "encoded", ["", "better_auth_scrypt$abc", "scrypt$a$b", "better_auth_scrypt$$k"]
)
def test_hasher_verify_false_for_malformed(encoded):
    """Malformed encoded values do not verify."""
    assert BetterAuthScryptPasswordHasher().verify("pw", encoded) is False


def test_hasher_safe_summary_masks_salt_and_hash():
    """The admin summary shows parameters but never the salt or key."""
    encoded = from_better_auth_hash(ASCII["hash"])
    summary = BetterAuthScryptPasswordHasher().safe_summary(encoded)
    salt, key = ASCII["hash"].split(":")
    assert summary["algorithm"] == ALGORITHM
    assert summary["work factor"] == 16384
    assert summary["block size"] == 16
    assert summary["parallelism"] == 1
    assert salt not in str(summary) and key not in str(summary)


def test_hasher_always_requests_upgrade():
    """must_update is True so Django re-hashes with the preferred hasher."""
    hasher = BetterAuthScryptPasswordHasher()
    encoded = from_better_auth_hash(ASCII["hash"])
    assert hasher.must_update(encoded) is True
    assert hasher.harden_runtime("pw", encoded) is None


@pytest.mark.skipif(
    not settings.configured, reason="needs Django settings (full test suite)"
)
def test_check_password_upgrades_imported_hash():
    """check_password accepts an imported hash and re-hashes it on success."""
    from django.contrib.auth.hashers import check_password
    from django.test import override_settings

    hashers = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "better_auth.hashers.BetterAuthScryptPasswordHasher",
    ]
    upgraded: list[str] = []
    with override_settings(PASSWORD_HASHERS=hashers):
        encoded = from_better_auth_hash(ASCII["hash"])
        assert check_password(ASCII["password"], encoded, setter=upgraded.append)
        assert not check_password("wrong password", encoded)
    assert upgraded == [ASCII["password"]]
