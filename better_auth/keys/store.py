"""The signing key store: mint, select, sign, verify, publish and rotate.

Decrypting a private key (AES-GCM, then PEM parsing) costs more than the
signature itself, so decrypted keys are cached per process. The choice of
the current key per algorithm and the JWKS document are cached for
``CACHE_SECONDS``; a rotation in another process is therefore picked up
within that delay, while the retired key is still published (its grace
period is far longer), so nothing signed in between fails to verify.

Better Auth's JWT plugin behaviour (oauth-provider surface §12): unpinned
tokens sign with the newest live key of the primary algorithm; with none (or
only expired ones) a key is minted lazily; expired or retired keys stay in
``/jwks`` for a grace period (30 days by default).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

from .. import clock
from ..conf import auth_settings
from ..crypto import DecryptionError, decrypt_secret, encrypt_secret
from .models import ALGORITHMS, SigningKey

logger = logging.getLogger(__name__)

__all__ = [
    "ALGORITHMS",
    "CACHE_SECONDS",
    "DEFAULT_ALGORITHM",
    "DEFAULT_GRACE_PERIOD",
    "InvalidJWT",
    "KeyPair",
    "KeyPolicy",
    "create_key",
    "get_signing_key",
    "jwks_entry",
    "prune",
    "public_jwks",
    "reset_cache",
    "rotate",
    "set_policy",
    "sign_jwt",
    "verify_jwt",
]

DEFAULT_ALGORITHM = "EdDSA"
DEFAULT_GRACE_PERIOD = 30 * 24 * 60 * 60
CACHE_SECONDS = 30.0
# An unknown ``kid`` reloads the published keys at most this often, so forged
# tokens with random kids cannot turn every request into a query.
UNKNOWN_KID_RELOAD_SECONDS = 5.0
RSA_KEY_SIZE = 2048

_CURVES = {"ES256": ec.SECP256R1, "ES512": ec.SECP521R1}
_CRV = {"EdDSA": "Ed25519", "ES256": "P-256", "ES512": "P-521"}
# Member order of a public JWK exported by Node's ``KeyObject.export``.
_NODE_MEMBER_ORDER = {
    "OKP": ("x", "kty"),
    "EC": ("kty", "x", "y"),
    "RSA": ("kty", "n", "e"),
}


class InvalidJWT(ValueError):
    """A token that is malformed, unsigned by a published key, or expired.

    One exception for every failure, so callers answer ``invalid_token`` /
    ``{active: false}`` instead of a 500 for a forged token (oauth-provider
    surface §14).
    """


@dataclass(frozen=True)
class KeyPolicy:
    """Defaults a consumer app sets for lazily minted keys."""

    alg: str = DEFAULT_ALGORITHM
    rotation_interval: int | None = None
    grace_period: int = DEFAULT_GRACE_PERIOD


@dataclass(frozen=True)
class KeyPair:
    """A decrypted signing key and its public JWK."""

    kid: str
    alg: str
    private_key: Any
    public_jwk: dict[str, Any]
    expires_at: datetime | None
    retired: bool

    def signs_at(self, now: datetime) -> bool:
        return not self.retired and (self.expires_at is None or self.expires_at > now)


@dataclass(frozen=True)
class _PublicKey:
    kid: str
    alg: str
    key: Any
    published_until: datetime | None


_lock = threading.Lock()
_policy_provider: Callable[[], KeyPolicy] | None = None
_private: dict[str, KeyPair] = {}
_current: dict[str, tuple[KeyPair, float]] = {}
_published: dict[str, _PublicKey] = {}
_published_loaded_at = -1e9
_jwks: tuple[dict[str, Any], float] | None = None


def set_policy(provider: Callable[[], KeyPolicy] | None) -> None:
    """Register the callable giving the default algorithm and key lifetimes.

    Read on every mint, so settings changes apply without a restart.
    """
    global _policy_provider
    _policy_provider = provider


def _policy() -> KeyPolicy:
    return _policy_provider() if _policy_provider is not None else KeyPolicy()


def reset_cache() -> None:
    """Forget every cached key (tests, or after restoring a database)."""
    global _published_loaded_at, _jwks
    with _lock:
        _private.clear()
        _current.clear()
        _published.clear()
        _published_loaded_at = -1e9
        _jwks = None


def _check_alg(alg: str) -> str:
    if alg not in ALGORITHMS:
        raise ValueError(f"unsupported signing algorithm {alg!r}")
    return alg


def _generate(alg: str) -> Any:
    if alg == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    if alg in _CURVES:
        return ec.generate_private_key(_CURVES[alg]())
    return rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_SIZE)


def _public_jwk(public_key: Any) -> dict[str, Any]:
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        jwk = OKPAlgorithm.to_jwk(public_key, as_dict=True)
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        jwk = ECAlgorithm.to_jwk(public_key, as_dict=True)
    else:
        jwk = RSAAlgorithm.to_jwk(public_key, as_dict=True)
    return {
        k: v for k, v in dict(jwk).items() if k in ("kty", "crv", "x", "y", "n", "e")
    }


def create_key(
    alg: str | None = None,
    *,
    expires_in: int | None = None,
    grace_period: int | None = None,
) -> SigningKey:
    """Mint and store a new key pair; the private half is encrypted at rest."""
    policy = _policy()
    alg = _check_alg(alg or policy.alg)
    if expires_in is None:
        expires_in = policy.rotation_interval
    if grace_period is None:
        grace_period = policy.grace_period
    private = _generate(alg)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    now = clock.now()
    expires_at = now + timedelta(seconds=expires_in) if expires_in else None
    row = SigningKey.objects.create(
        alg=alg,
        crv=_CRV.get(alg, ""),
        public_key=_public_jwk(private.public_key()),
        private_key=encrypt_secret(pem, auth_settings.SECRET),
        created_at=now,
        expires_at=expires_at,
        published_until=(
            expires_at + timedelta(seconds=grace_period) if expires_at else None
        ),
    )
    logger.info("minted %s signing key %s", alg, row.id)
    _invalidate_published()
    return row


def _load(row: SigningKey) -> KeyPair | None:
    cached = _private.get(row.id)
    if cached is not None and (
        cached.retired == row.retired and cached.expires_at == row.expires_at
    ):
        return cached
    try:
        pem = decrypt_secret(row.private_key, auth_settings.secrets())
        private = serialization.load_pem_private_key(pem.encode("ascii"), None)
    except (DecryptionError, ValueError):
        logger.error("signing key %s cannot be decrypted with any secret", row.id)
        return None
    pair = KeyPair(
        kid=row.id,
        alg=row.alg,
        private_key=private,
        public_jwk={**row.public_key, "kid": row.id, "alg": row.alg},
        expires_at=row.expires_at,
        retired=row.retired,
    )
    with _lock:
        _private[row.id] = pair
    return pair


def get_signing_key(alg: str | None = None, *, kid: str | None = None) -> KeyPair:
    """The key to sign with: the pinned ``kid``, else the newest live ``alg`` key.

    A pinned key that is unknown, retired or expired raises ``LookupError``
    rather than silently signing with another key (Better Auth refuses an
    explicitly pinned expired key the same way).
    """
    now = clock.now()
    if kid is not None:
        row = SigningKey.objects.filter(pk=kid).first()
        pair = _load(row) if row is not None else None
        if pair is None or not pair.signs_at(now) or (alg and pair.alg != alg):
            raise LookupError(f"signing key {kid!r} is not usable")
        return pair
    alg = _check_alg(alg or _policy().alg)
    hit = _current.get(alg)
    if hit is not None:
        pair, loaded_at = hit
        if time.monotonic() - loaded_at < CACHE_SECONDS and pair.signs_at(now):
            return pair
    pair = _select(alg, now)
    if pair is None:
        pair = _load(create_key(alg))
        if pair is None:  # pragma: no cover - a fresh key always decrypts
            raise LookupError("a freshly minted signing key cannot be loaded")
    with _lock:
        _current[alg] = (pair, time.monotonic())
    return pair


def _select(alg: str, now: datetime) -> KeyPair | None:
    rows = SigningKey.objects.filter(alg=alg, retired=False).order_by("-created_at")
    for row in rows.exclude(expires_at__lte=now)[:5]:
        pair = _load(row)
        if pair is not None:
            return pair
    return None


def sign_jwt(
    payload: Mapping[str, Any],
    *,
    alg: str | None = None,
    kid: str | None = None,
    headers: Mapping[str, Any] | None = None,
) -> str:
    """Sign ``payload`` as a compact JWS with header ``{alg, kid, **headers}``.

    No ``typ`` is written unless given (``headers={"typ": "at+jwt"}``), as
    Better Auth's ID tokens carry none.
    """
    pair = get_signing_key(alg, kid=kid)
    header: dict[str, Any] = {"typ": None, **(headers or {}), "kid": pair.kid}
    return jwt.encode(
        dict(payload), pair.private_key, algorithm=pair.alg, headers=header
    )


def _invalidate_published() -> None:
    global _published_loaded_at, _jwks
    with _lock:
        _published_loaded_at = -1e9
        _jwks = None


def _published_rows(now: datetime) -> Iterable[SigningKey]:
    return (
        SigningKey.objects.exclude(published_until__lte=now)
        .only(
            "id",
            "alg",
            "public_key",
            "published_until",
            "created_at",
            "retired",
            "expires_at",
        )
        .order_by("-created_at")
    )


def _reload_published(now: datetime) -> None:
    global _published_loaded_at
    fresh: dict[str, _PublicKey] = {}
    for row in _published_rows(now):
        try:
            key = jwt.PyJWK({**row.public_key, "alg": row.alg}).key
        except jwt.PyJWTError:  # pragma: no cover - stored keys are ours
            logger.error("signing key %s has an unreadable public key", row.id)
            continue
        fresh[row.id] = _PublicKey(row.id, row.alg, key, row.published_until)
    with _lock:
        _published.clear()
        _published.update(fresh)
        _published_loaded_at = time.monotonic()


def _public_key(kid: str, now: datetime) -> _PublicKey | None:
    age = time.monotonic() - _published_loaded_at
    found = _published.get(kid) if age < CACHE_SECONDS else None
    if found is None and (age >= UNKNOWN_KID_RELOAD_SECONDS or kid in _published):
        _reload_published(now)
        found = _published.get(kid)
    if found is not None and found.published_until is not None:
        if found.published_until <= now:
            return None
    return found


def public_jwks() -> dict[str, Any]:
    """The JWKS document (RFC 7517 §5) of every published key, newest first.

    Entries carry ``kid``, ``alg`` and ``use: "sig"`` besides the key members;
    a key signing nothing yet is minted first, so relying parties that
    fetch the JWKS before the first token already find it.
    """
    global _jwks
    hit = _jwks
    if hit is not None and time.monotonic() - hit[1] < CACHE_SECONDS:
        return hit[0]
    now = clock.now()
    rows = list(_published_rows(now))
    if not any(
        not r.retired and (r.expires_at is None or r.expires_at > now) for r in rows
    ):
        create_key()
        rows = list(_published_rows(now))
    doc = {"keys": [jwks_entry(row) for row in rows]}
    with _lock:
        _jwks = (doc, time.monotonic())
    return doc


def jwks_entry(row: SigningKey) -> dict[str, Any]:
    """One published key, members in the order Better Auth's ``/jwks`` sends.

    Better Auth writes ``alg`` and ``crv`` first, then the key as Node
    exports it, then ``kid``; clients comparing documents byte for byte (and
    the recorded transcript) see the same shape. ``use: "sig"`` (RFC 7517
    §4.2) is added last for relying parties that filter on it.
    """
    key = row.public_key
    entry: dict[str, Any] = {"alg": row.alg}
    if "crv" in key:
        entry["crv"] = key["crv"]
    for member in _NODE_MEMBER_ORDER.get(key.get("kty"), ()):
        if member in key:
            entry[member] = key[member]
    for member, value in key.items():
        entry.setdefault(member, value)
    entry["kid"] = row.id
    entry["use"] = "sig"
    return entry


def verify_jwt(
    token: str,
    *,
    audience: str | Iterable[str] | None = None,
    issuer: str | None = None,
    algorithms: Iterable[str] | None = None,
    leeway: int = 0,
    require: Iterable[str] = ("exp",),
    typ: str | None = None,
) -> dict[str, Any]:
    """Verify a JWT signed by a published key and return its claims.

    The key is chosen by ``kid`` and must have been minted for the header's
    ``alg`` (no algorithm confusion, RFC 8725 §3.1). ``exp`` / ``nbf`` /
    ``iat`` are checked against the core clock with ``leeway`` seconds;
    ``audience`` matches when any ``aud`` value is one of the given ones.
    Raises :class:`InvalidJWT` on any failure.
    """
    if not isinstance(token, str) or token.count(".") != 2:
        raise InvalidJWT("not a compact JWS")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise InvalidJWT("malformed header") from error
    kid, alg = header.get("kid"), header.get("alg")
    if not isinstance(kid, str) or not isinstance(alg, str):
        raise InvalidJWT("kid and alg are required")
    allowed = set(algorithms) if algorithms is not None else set(ALGORITHMS)
    if alg not in allowed:
        raise InvalidJWT("algorithm not accepted")
    if typ is not None and str(header.get("typ", "")).lower() != typ.lower():
        raise InvalidJWT("unexpected typ")
    now = clock.now()
    key = _public_key(kid, now)
    if key is None or key.alg != alg:
        raise InvalidJWT("unknown signing key")
    try:
        claims = jwt.decode(
            token,
            key.key,
            algorithms=[key.alg],
            options={
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "verify_aud": False,
                "verify_iss": False,
            },
        )
    except jwt.PyJWTError as error:
        raise InvalidJWT("bad signature") from error
    if not isinstance(claims, dict):
        raise InvalidJWT("claims are not an object")
    _check_claims(claims, now, audience, issuer, leeway, require)
    return claims


def _number(claims: Mapping[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidJWT(f"{name} is not a number")
    return float(value)


def _check_claims(
    claims: Mapping[str, Any],
    now: datetime,
    audience: str | Iterable[str] | None,
    issuer: str | None,
    leeway: int,
    require: Iterable[str],
) -> None:
    for name in require:
        if name not in claims:
            raise InvalidJWT(f"{name} is required")
    current = now.timestamp()
    exp = _number(claims, "exp")
    if exp is not None and exp <= current - leeway:
        raise InvalidJWT("expired")
    nbf = _number(claims, "nbf")
    if nbf is not None and nbf > current + leeway:
        raise InvalidJWT("not yet valid")
    _number(claims, "iat")
    if issuer is not None and claims.get("iss") != issuer:
        raise InvalidJWT("issuer mismatch")
    if audience is not None:
        wanted = {audience} if isinstance(audience, str) else set(audience)
        aud = claims.get("aud")
        values = [aud] if isinstance(aud, str) else aud
        if not isinstance(values, list) or not wanted.intersection(
            v for v in values if isinstance(v, str)
        ):
            raise InvalidJWT("audience mismatch")


def rotate(
    alg: str | None = None,
    *,
    grace_period: int | None = None,
    expires_in: int | None = None,
) -> SigningKey:
    """Mint a new key for ``alg`` and retire the ones that signed until now.

    Retired keys stop signing at once but stay published for
    ``grace_period`` seconds, which callers set to at least the longest
    lifetime of a token signed with them.
    """
    policy = _policy()
    alg = _check_alg(alg or policy.alg)
    grace = policy.grace_period if grace_period is None else grace_period
    new = create_key(alg, expires_in=expires_in, grace_period=grace)
    now = clock.now()
    until = now + timedelta(seconds=grace)
    retiring = SigningKey.objects.filter(alg=alg, retired=False).exclude(pk=new.pk)
    for row in retiring:
        published_until = row.published_until
        if published_until is None or published_until > until:
            published_until = until
        SigningKey.objects.filter(pk=row.pk).update(
            retired=True, published_until=published_until
        )
    logger.info("rotated %s signing keys; current key is %s", alg, new.id)
    with _lock:
        _current.pop(alg, None)
    _invalidate_published()
    return new


def prune() -> int:
    """Delete keys whose publication period has ended; returns how many."""
    deleted, _ = SigningKey.objects.filter(published_until__lte=clock.now()).delete()
    if deleted:
        _invalidate_published()
    return deleted
