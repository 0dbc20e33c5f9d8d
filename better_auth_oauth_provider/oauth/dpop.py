"""DPoP proofs (RFC 9449): checking one, its key thumbprint, server nonces.

A proof is a JWT the client signs with a key it keeps, naming the request it
accompanies (§4.2). :func:`check_proof` applies the §4.3 checks: ``typ``
``dpop+jwt``, an asymmetric ``alg`` from the allowlist, a public ``jwk`` in
the header that verifies the signature, ``jti``/``htm``/``htu``/``iat``
present, ``htm`` and ``htu`` naming this request, ``iat`` recent, ``ath``
hashing the access token on resource requests (§7), the key's RFC 7638
thumbprint equal to the one a token or code is bound to, and the server's
nonce when it requires one (§8, §9). Replay of a ``jti`` is refused by the
caller with :attr:`Proof.replay_key`, through an atomic store, because this
module touches no storage.

``htu`` is compared after RFC 3986 §6.2.2 syntax and §6.2.3 scheme-based
normalisation, ignoring query and fragment (§4.3 check 9): the host is
case-insensitive and the default port may be spelled out, the path is not.
Better Auth refuses a fragment in ``htu``; the RFC says to ignore it.

Nonces are stateless: an HMAC of a time slot under a server secret, valid
for the current and the previous slot, so any process of a deployment
accepts a nonce another one issued without shared state.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import jwt

from better_auth.keys.jws import public_key

__all__ = [
    "DEFAULT_ALGORITHMS",
    "DPoPProofError",
    "Proof",
    "access_token_hash",
    "check_nonce",
    "check_proof",
    "issue_nonce",
    "jwk_thumbprint",
    "normalize_htu",
]

# RFC 9864's Ed25519 next to EdDSA: clients on current JOSE libraries send it.
DEFAULT_ALGORITHMS = ("EdDSA", "ES256", "ES512", "PS256", "RS256", "Ed25519")
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
# RFC 7638 §3.2: the required members of each key type, in lexicographic order.
THUMBPRINT_MEMBERS = {
    "EC": ("crv", "kty", "x", "y"),
    "OKP": ("crv", "kty", "x"),
    "RSA": ("e", "kty", "n"),
}
DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_JTI = 512
# Seconds since the epoch; anything at or past this is not a plausible iat.
MAX_IAT = 2**40
_UNRESERVED = re.compile(r"%([0-9A-Fa-f]{2})")


class DPoPProofError(ValueError):
    """The proof is unacceptable; ``use_nonce`` when only the nonce is wrong.

    The authorization server answers 400 ``invalid_dpop_proof`` (or
    ``use_dpop_nonce``, §8); a resource server 401 with a DPoP challenge (§7.1,
    §9).
    """

    def __init__(self, description: str, *, use_nonce: bool = False) -> None:
        super().__init__(description)
        self.description = description
        self.use_nonce = use_nonce

    @property
    def error(self) -> str:
        return "use_dpop_nonce" if self.use_nonce else "invalid_dpop_proof"


@dataclass(frozen=True)
class Proof:
    """A checked proof: who holds the key, and what makes its use single."""

    jkt: str
    jti: str
    iat: int
    replay_key: str
    # Until when the replay key must be remembered (seconds since the epoch).
    replay_until: int
    jwk: Mapping[str, Any]


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwk_thumbprint(jwk: Mapping[str, Any]) -> str:
    """RFC 7638 SHA-256 thumbprint of a public JWK, base64url without padding."""
    kty = jwk.get("kty")
    members = THUMBPRINT_MEMBERS.get(kty) if isinstance(kty, str) else None
    if members is None:
        raise DPoPProofError("unsupported JWK key type")
    subset = {}
    for name in members:
        value = jwk.get(name)
        if not isinstance(value, str) or not value:
            raise DPoPProofError(f"JWK member {name} is missing")
        subset[name] = value
    canonical = json.dumps(subset, separators=(",", ":"), sort_keys=True)
    return _b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


def access_token_hash(access_token: str) -> str:
    """The ``ath`` claim: base64url SHA-256 of the access token's ASCII (§4.2)."""
    return _b64url(hashlib.sha256(access_token.encode("ascii")).digest())


def _normalize_escape(match: re.Match[str]) -> str:
    char = chr(int(match.group(1), 16))
    if char.isascii() and (char.isalnum() or char in "-._~"):
        return char
    return "%" + match.group(1).upper()


def normalize_htu(url: str) -> str:
    """Scheme, host, port and path of ``url``, normalised (RFC 3986 §6.2.2-3).

    Scheme and host are lower-cased, a default port dropped, percent-escapes
    of unreserved characters decoded and the others upper-cased, an empty
    path made ``/``; query and fragment are dropped (RFC 9449 §4.3 check 9).
    """
    if not isinstance(url, str) or not _is_text(url):
        raise DPoPProofError("htu must be an absolute http(s) URI")
    if any(ch.isspace() for ch in url):
        raise DPoPProofError("htu must be an absolute http(s) URI")
    try:
        parts = urlsplit(url)
    except ValueError:
        raise DPoPProofError("htu must be an absolute http(s) URI") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise DPoPProofError("htu must be an absolute http(s) URI")
    if parts.username is not None or parts.password is not None:
        raise DPoPProofError("htu must not contain credentials")
    host = unquote(parts.hostname).lower()
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        raise DPoPProofError("htu has an invalid port") from None
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = _UNRESERVED.sub(_normalize_escape, parts.path) or "/"
    return f"{scheme}://{netloc}{path}"


def _is_text(value: str) -> bool:
    """Whether ``value`` is encodable text (JSON lets a lone surrogate in)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _header(proof: str) -> dict[str, Any]:
    if not isinstance(proof, str) or proof.count(".") != 2:
        raise DPoPProofError("DPoP proof must be a compact JWS")
    try:
        header = jwt.get_unverified_header(proof)
    except jwt.PyJWTError:
        raise DPoPProofError("DPoP proof header is malformed") from None
    if str(header.get("typ", "")).lower() != "dpop+jwt":
        raise DPoPProofError("DPoP proof typ must be dpop+jwt")
    return header


def _key(header: Mapping[str, Any], algorithms: Sequence[str]) -> tuple[Any, str]:
    alg = header.get("alg")
    if not isinstance(alg, str) or alg == "none" or alg.startswith("HS"):
        raise DPoPProofError("DPoP proof must use an asymmetric JWS algorithm")
    if alg not in algorithms:
        raise DPoPProofError(f"DPoP proof algorithm {alg} is not allowed")
    jwk = header.get("jwk")
    if not isinstance(jwk, dict) or jwk.get("kty") == "oct":
        raise DPoPProofError("DPoP proof header must carry a public jwk")
    if PRIVATE_MEMBERS & jwk.keys():
        raise DPoPProofError("DPoP proof jwk must not contain private key members")
    try:
        key = public_key(jwk, alg)
    except (jwt.PyJWTError, ValueError, TypeError, KeyError):
        raise DPoPProofError("DPoP proof jwk cannot be used with its alg") from None
    return key, alg


def _claims(proof: str, key: Any, alg: str) -> dict[str, Any]:
    try:
        claims = jwt.decode(
            proof,
            key=key,
            algorithms=[alg],
            options={
                "verify_aud": False,
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
                "verify_iss": False,
            },
        )
    except jwt.InvalidSignatureError:
        raise DPoPProofError("DPoP proof signature is invalid") from None
    except jwt.PyJWTError:
        raise DPoPProofError("DPoP proof is malformed") from None
    for name in ("jti", "htm", "htu"):
        if not isinstance(claims.get(name), str) or not claims[name]:
            raise DPoPProofError(f"DPoP proof {name} claim is required")
        if not _is_text(claims[name]):
            raise DPoPProofError(f"DPoP proof {name} claim is malformed")
    iat = claims.get("iat")
    if isinstance(iat, bool) or not isinstance(iat, (int, float)):
        raise DPoPProofError("DPoP proof iat claim is required")
    # JSON numbers may be NaN, infinite (1e400) or far beyond any clock; only
    # a finite time within a century of the epoch is a time at all.
    if isinstance(iat, float) and not math.isfinite(iat):
        raise DPoPProofError("DPoP proof iat claim is malformed")
    if not -MAX_IAT < iat < MAX_IAT:
        raise DPoPProofError("DPoP proof iat claim is malformed")
    ath = claims.get("ath")
    if ath is not None and not (isinstance(ath, str) and ath.isascii()):
        raise DPoPProofError("DPoP proof ath claim is malformed")
    if len(claims["jti"]) > MAX_JTI:
        raise DPoPProofError("DPoP proof jti is too long")
    return claims


def check_proof(
    proof: str,
    *,
    method: str,
    url: str,
    now: int,
    algorithms: Sequence[str] = DEFAULT_ALGORITHMS,
    max_age: int = 300,
    leeway: int = 5,
    access_token: str | None = None,
    expected_jkt: str | None = None,
    nonce: Callable[[Any], bool] | None = None,
) -> Proof:
    """Check ``proof`` for a ``method`` request to ``url`` at ``now`` (§4.3).

    ``access_token`` makes it a resource request (``ath`` required, §7.1);
    ``expected_jkt`` the key a token or code is bound to; ``nonce``, when the
    server requires nonces, tells whether the proof's ``nonce`` claim is
    current (e.g. :func:`check_nonce` with the server's secret).
    """
    header = _header(proof)
    key, alg = _key(header, algorithms)
    claims = _claims(proof, key, alg)
    if claims["htm"].upper() != method.upper():
        raise DPoPProofError("DPoP proof htm does not match the request method")
    try:
        matches = normalize_htu(claims["htu"]) == normalize_htu(url)
    except DPoPProofError:
        matches = False
    if not matches:
        raise DPoPProofError("DPoP proof htu does not match the request URI")
    iat = int(claims["iat"])
    if iat > now + leeway:
        raise DPoPProofError("DPoP proof iat is in the future")
    if now - iat > max_age:
        raise DPoPProofError("DPoP proof is too old")
    if access_token is not None:
        ath = claims.get("ath")
        if not isinstance(ath, str) or not hmac.compare_digest(
            ath, access_token_hash(access_token)
        ):
            raise DPoPProofError("DPoP proof ath does not match the access token")
    jkt = jwk_thumbprint(header["jwk"])
    if expected_jkt is not None and not hmac.compare_digest(jkt, expected_jkt):
        raise DPoPProofError("DPoP proof key does not match the bound key")
    if nonce is not None and not nonce(claims.get("nonce")):
        raise DPoPProofError("DPoP nonce is missing or stale", use_nonce=True)
    material = "\n".join(
        [jkt, method.upper(), normalize_htu(url), claims["jti"]]
    ).encode("utf-8")
    return Proof(
        jkt=jkt,
        jti=claims["jti"],
        iat=iat,
        replay_key=_b64url(hashlib.sha256(material).digest()),
        replay_until=iat + max_age + leeway,
        jwk=dict(header["jwk"]),
    )


def _nonce_for(secret: bytes, slot: int) -> str:
    mac = hmac.new(secret, b"dpop-nonce:%d" % slot, hashlib.sha256).digest()
    return f"{slot:x}.{_b64url(mac[:18])}"


def issue_nonce(secret: bytes, now: int, window: int = 300) -> str:
    """A nonce for the current time slot (RFC 9449 §8.1)."""
    return _nonce_for(secret, now // window)


def check_nonce(secret: bytes, nonce: Any, now: int, window: int = 300) -> bool:
    """Whether ``nonce`` is this or the previous slot's (a slot is ``window`` s)."""
    if not isinstance(nonce, str) or "." not in nonce or len(nonce) > 64:
        return False
    if not nonce.isascii():
        return False
    slot_text = nonce.split(".", 1)[0]
    try:
        slot = int(slot_text, 16)
    except ValueError:
        return False
    current = now // window
    if slot not in (current, current - 1):
        return False
    return hmac.compare_digest(nonce, _nonce_for(secret, slot))
