"""The core signing key store: algorithms, JWKS, verification, rotation, cache."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta
from io import StringIO
from typing import Any

import jwt
import pytest
from django.core.management import call_command

from better_auth import clock, keys
from better_auth.models import SigningKey

pytestmark = pytest.mark.django_db


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.mark.parametrize("alg", ["EdDSA", "ES256", "ES512", "PS256", "RS256"])
def test_each_algorithm_signs_and_verifies(alg: str) -> None:
    """EdDSA, ES256, ES512, PS256 and RS256 keys (Better Auth's set, §12)."""
    token = keys.sign_jwt({"sub": "u", "exp": 2_000_000_000}, alg=alg)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == alg
    assert "typ" not in header
    assert keys.verify_jwt(token)["sub"] == "u"
    published = {k["kid"]: k for k in keys.public_jwks()["keys"]}
    assert published[header["kid"]]["alg"] == alg


def test_typ_header_is_written_when_asked() -> None:
    token = keys.sign_jwt({"exp": 2_000_000_000}, headers={"typ": "at+jwt"})
    assert jwt.get_unverified_header(token)["typ"] == "at+jwt"
    assert keys.verify_jwt(token, typ="at+jwt")
    with pytest.raises(keys.InvalidJWT):
        keys.verify_jwt(token, typ="logout+jwt")


def test_private_key_is_encrypted_at_rest() -> None:
    keys.sign_jwt({"exp": 2_000_000_000})
    row = SigningKey.objects.get()
    assert row.private_key.startswith("v1:")
    assert "PRIVATE KEY" not in row.private_key
    assert "d" not in row.public_key
    assert "retired" not in str(row) or "active" in str(row)
    assert row.private_key not in str(row)


def test_jwks_mints_a_first_key_lazily() -> None:
    """A relying party fetching the JWKS first already finds a key."""
    assert not SigningKey.objects.exists()
    doc = keys.public_jwks()
    assert len(doc["keys"]) == 1
    assert doc["keys"][0]["use"] == "sig"


@pytest.mark.parametrize(
    "mutate",
    [
        "bad-signature",
        "unknown-kid",
        "alg-none",
        "hs256-confusion",
        "garbage",
        "no-kid",
        "other-alg",
    ],
)
def test_forged_tokens_raise_invalid_jwt_never_crash(mutate: str) -> None:
    """Any forged or malformed JWT is ``InvalidJWT`` (no 500, §14)."""
    good = keys.sign_jwt({"sub": "u", "exp": 2_000_000_000})
    head, body, sig = good.split(".")
    header = jwt.get_unverified_header(good)
    if mutate == "bad-signature":
        token = f"{head}.{_b64({'sub': 'admin', 'exp': 2_000_000_000})}.{sig}"
    elif mutate == "unknown-kid":
        token = f"{_b64({**header, 'kid': 'nope'})}.{body}.{sig}"
    elif mutate == "alg-none":
        token = f"{_b64({'alg': 'none', 'kid': header['kid']})}.{body}."
    elif mutate == "hs256-confusion":
        public = json.dumps(keys.public_jwks()["keys"][0]).encode()
        signing_input = f"{_b64({'alg': 'HS256', 'kid': header['kid']})}.{body}"
        mac = hmac.new(public, signing_input.encode(), hashlib.sha256).digest()
        token = f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    elif mutate == "no-kid":
        token = f"{_b64({'alg': 'EdDSA'})}.{body}.{sig}"
    elif mutate == "other-alg":
        token = f"{_b64({**header, 'alg': 'ES256'})}.{body}.{sig}"
    else:
        token = "not.a.jwt"
    with pytest.raises(keys.InvalidJWT):
        keys.verify_jwt(token)


def test_expiry_issuer_and_audience_use_the_core_clock() -> None:
    now = int(clock.now().timestamp())
    token = keys.sign_jwt(
        {"exp": now + 60, "iss": "https://as.example.test", "aud": ["a", "b"]}
    )
    assert keys.verify_jwt(token, issuer="https://as.example.test", audience="b")
    with pytest.raises(keys.InvalidJWT):
        keys.verify_jwt(token, issuer="https://evil.test")
    with pytest.raises(keys.InvalidJWT):
        keys.verify_jwt(token, audience="c")
    with clock.freeze(clock.now() + timedelta(seconds=61)):
        with pytest.raises(keys.InvalidJWT):
            keys.verify_jwt(token)
    with pytest.raises(keys.InvalidJWT):
        keys.verify_jwt(keys.sign_jwt({"sub": "no exp"}))


def test_signing_is_cached_per_process(django_assert_num_queries: Any) -> None:
    """Decrypting a key per request costs more than signing: no query after
    the first signature in a process."""
    keys.verify_jwt(keys.sign_jwt({"exp": 2_000_000_000}))
    with django_assert_num_queries(0):
        for _ in range(5):
            token = keys.sign_jwt({"exp": 2_000_000_000})
            keys.verify_jwt(token)


def test_rotation_keeps_old_keys_published_until_the_grace_period_ends() -> None:
    old_token = keys.sign_jwt({"exp": 2_000_000_000})
    old_kid = jwt.get_unverified_header(old_token)["kid"]
    new = keys.rotate(grace_period=3600)
    new_token = keys.sign_jwt({"exp": 2_000_000_000})
    assert jwt.get_unverified_header(new_token)["kid"] == new.pk != old_kid
    kids = [k["kid"] for k in keys.public_jwks()["keys"]]
    assert kids == [new.pk, old_kid]
    assert keys.verify_jwt(old_token)
    keys.reset_cache()
    with clock.freeze(clock.now() + timedelta(seconds=3601)):
        assert [k["kid"] for k in keys.public_jwks()["keys"]] == [new.pk]
        with pytest.raises(keys.InvalidJWT):
            keys.verify_jwt(old_token)
        assert keys.prune() == 1


def test_pinned_retired_key_is_refused() -> None:
    first = keys.get_signing_key()
    keys.rotate()
    with pytest.raises(LookupError):
        keys.get_signing_key(kid=first.kid)


def test_rotation_interval_mints_a_new_key_when_one_expires(
    oauth_settings: Any,
) -> None:
    oauth_settings(KEY_ROTATION_INTERVAL=600)
    first = keys.get_signing_key()
    assert first.expires_at is not None
    with clock.freeze(clock.now() + timedelta(seconds=601)):
        second = keys.get_signing_key()
        assert second.kid != first.kid
        published = [k["kid"] for k in keys.public_jwks()["keys"]]
        assert first.kid in published


def test_signing_algorithm_setting_picks_the_default(oauth_settings: Any) -> None:
    oauth_settings(SIGNING_ALGORITHM="ES256")
    token = keys.sign_jwt({"exp": 2_000_000_000})
    assert jwt.get_unverified_header(token)["alg"] == "ES256"


def test_rotate_signing_key_command(oauth_settings: Any) -> None:
    """``manage.py rotate_signing_key`` keeps the old key published at least
    as long as the longest token lifetime."""
    oauth_settings(KEY_GRACE_PERIOD=60, ID_TOKEN_EXPIRES_IN=7200)
    first = keys.get_signing_key()
    out = StringIO()
    call_command("rotate_signing_key", stdout=out)
    assert "new EdDSA signing key" in out.getvalue()
    old = SigningKey.objects.get(pk=first.kid)
    assert old.retired
    assert old.published_until >= clock.now() + timedelta(seconds=7190)
    call_command("rotate_signing_key", "--alg", "RS256", stdout=StringIO())
    assert SigningKey.objects.filter(alg="RS256", retired=False).count() == 1


def test_keys_survive_secret_rotation(better_auth_settings: Any, settings: Any) -> None:
    """A key encrypted under the old secret still loads via PREVIOUS_SECRETS."""
    keys.get_signing_key()
    old_secret = settings.BETTER_AUTH["SECRET"]
    better_auth_settings(
        SECRET="a-brand-new-secret-0123456789-abcdefghijklmnop",
        PREVIOUS_SECRETS=[old_secret],
    )
    keys.reset_cache()
    first = SigningKey.objects.get()
    assert keys.get_signing_key().kid == first.pk
