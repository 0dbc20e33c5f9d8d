"""RFC 9864's fully-specified ``Ed25519`` next to RFC 8037's ``EdDSA``.

RFC 9864 §2.2: ``Ed25519`` is EdDSA on the Ed25519 curve and nothing else,
so a signature named so must never verify under an Ed448 key (or any other
key the polymorphic ``EdDSA`` would take).
"""

from __future__ import annotations

import json
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519
from jwt.algorithms import ECAlgorithm, OKPAlgorithm
from jwt.exceptions import PyJWKError

from better_auth.keys.jws import public_key, same_family


def _jwk(private: Any) -> dict[str, Any]:
    algorithm = (
        ECAlgorithm if isinstance(private, ec.EllipticCurvePrivateKey) else OKPAlgorithm
    )
    return json.loads(algorithm.to_jwk(private.public_key()))


def test_ed25519_signature_verifies_under_both_names() -> None:
    private = ed25519.Ed25519PrivateKey.generate()
    token = jwt.encode({"sub": "x"}, private, algorithm="Ed25519")
    assert jwt.get_unverified_header(token)["alg"] == "Ed25519"
    for name in ("Ed25519", "EdDSA"):
        key = public_key(_jwk(private), name)
        assert jwt.decode(token, key, algorithms=["Ed25519"]) == {"sub": "x"}


def test_ed448_key_never_verifies_ed25519() -> None:
    """The name promises the curve: an Ed448 key is refused when loaded and
    when handed to the verifier directly."""
    private = ed448.Ed448PrivateKey.generate()
    with pytest.raises(PyJWKError):
        public_key(_jwk(private), "Ed25519")
    forged = jwt.encode({"sub": "x"}, private, algorithm="EdDSA")
    header, payload, signature = forged.split(".")
    relabelled = jwt.utils.base64url_encode(
        json.dumps({"alg": "Ed25519", "typ": "JWT"}).encode()
    ).decode()
    with pytest.raises(jwt.InvalidKeyError):
        jwt.decode(
            f"{relabelled}.{payload}.{signature}",
            private.public_key(),
            algorithms=["Ed25519"],
        )


def test_other_key_types_are_refused_for_ed25519() -> None:
    with pytest.raises(PyJWKError):
        public_key(_jwk(ec.generate_private_key(ec.SECP256R1())), "Ed25519")


@pytest.mark.parametrize(
    ("key_alg", "alg", "usable"),
    [
        (None, "Ed25519", True),
        ("Ed25519", "Ed25519", True),
        ("EdDSA", "Ed25519", True),
        ("Ed25519", "EdDSA", True),
        ("ES256", "Ed25519", False),
        ("EdDSA", "ES256", False),
        ("RS256", "RS256", True),
    ],
)
def test_a_key_alg_member_fits_its_family(key_alg: Any, alg: str, usable: bool) -> None:
    assert same_family(key_alg, alg) is usable


def _proof(private: Any, alg: str, jwk: dict[str, Any], now: int) -> str:
    """A compact JWS signed by ``private`` under the header's ``alg`` name
    (by hand: PyJWT itself refuses to sign Ed25519 with an Ed448 key)."""
    claims = {"jti": "j-1", "htm": "POST", "htu": "https://as.test/token", "iat": now}
    header = {"typ": "dpop+jwt", "alg": alg, "jwk": jwk}

    def b64(data: dict[str, Any]) -> str:
        return jwt.utils.base64url_encode(json.dumps(data).encode()).decode()

    signing_input = f"{b64(header)}.{b64(claims)}"
    signature = jwt.utils.base64url_encode(private.sign(signing_input.encode()))
    return f"{signing_input}.{signature.decode()}"


@pytest.mark.parametrize(
    ("curve", "accepted"),
    [(ed25519.Ed25519PrivateKey, True), (ed448.Ed448PrivateKey, False)],
)
def test_dpop_proof_named_ed25519(curve: Any, accepted: bool) -> None:
    """RFC 9449 §4.3 check 5 (an asymmetric algorithm the server allows),
    with RFC 9864's name: an Ed25519 proof key is accepted, an Ed448 one
    claiming the name is refused."""
    from better_auth_oauth_provider.oauth import dpop

    private, now = curve.generate(), 1_800_000_000
    proof = _proof(private, "Ed25519", _jwk(private), now)
    check = lambda: dpop.check_proof(  # noqa: E731
        proof, method="POST", url="https://as.test/token", now=now
    )
    if accepted:
        assert check().jkt == dpop.jwk_thumbprint(_jwk(private))
    else:
        with pytest.raises(dpop.DPoPProofError, match="cannot be used with its alg"):
            check()
