"""DPoP proof checks (RFC 9449 §4.3), thumbprints (RFC 7638) and nonces (§8).

The protocol module only: which proofs are acceptable for which request.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from better_auth_oauth_provider.oauth import dpop

TOKEN_URL = "https://as.example.test/api/auth/oauth2/token"
NOW = 1_800_000_000


class Holder:
    """A client's DPoP key pair, signing proofs the way a client library does."""

    def __init__(self, alg: str = "ES256") -> None:
        self.alg = alg
        if alg == "ES256":
            self.private = ec.generate_private_key(ec.SECP256R1())
        elif alg == "EdDSA":
            self.private = ed25519.Ed25519PrivateKey.generate()
        else:
            self.private = rsa.generate_private_key(
                public_exponent=65537, key_size=2048
            )

    def _public_json(self) -> str:
        from jwt.algorithms import get_default_algorithms

        algorithm = get_default_algorithms()[self.alg]
        return algorithm.to_jwk(self.private.public_key())

    @property
    def public_jwk(self) -> dict[str, Any]:
        return json.loads(self._public_json())

    def proof(
        self,
        *,
        htm: str = "POST",
        htu: str = TOKEN_URL,
        iat: int = NOW,
        header: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        payload = {"jti": uuid.uuid4().hex, "htm": htm, "htu": htu, "iat": iat}
        payload.update(claims)
        headers = {"typ": "dpop+jwt", "jwk": self.public_jwk}
        headers.update(header or {})
        return jwt.encode(payload, self.private, algorithm=self.alg, headers=headers)


@pytest.fixture(scope="module")
def holder() -> Holder:
    return Holder()


def check(proof: str, **kwargs: Any) -> dpop.Proof:
    kwargs.setdefault("method", "POST")
    kwargs.setdefault("url", TOKEN_URL)
    kwargs.setdefault("now", NOW)
    return dpop.check_proof(proof, **kwargs)


def refused(proof: str, fragment: str, **kwargs: Any) -> dpop.DPoPProofError:
    with pytest.raises(dpop.DPoPProofError) as caught:
        check(proof, **kwargs)
    assert fragment in caught.value.description
    assert caught.value.error == "invalid_dpop_proof"
    return caught.value


@pytest.mark.parametrize("alg", ["ES256", "EdDSA", "RS256"])
def test_a_well_formed_proof_is_accepted(alg: str) -> None:
    """§4.3: a proof naming this request, signed by its header key, is good;
    the result names the key by its RFC 7638 thumbprint."""
    holder = Holder(alg)
    proof = check(holder.proof())
    assert proof.jkt == dpop.jwk_thumbprint(holder.public_jwk)
    assert proof.replay_until > NOW


def test_rfc7638_thumbprint_example() -> None:
    """RFC 7638 §3.1: the worked RSA example's thumbprint."""
    jwk = {
        "kty": "RSA",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPF"
        "FxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_R"
        "N5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5h"
        "ajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqb"
        "w0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29",
    }
    assert dpop.jwk_thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


@pytest.mark.parametrize(
    "htu",
    [
        "https://AS.EXAMPLE.TEST:443/api/auth/oauth2/token",
        TOKEN_URL + "?x=1",
        TOKEN_URL + "#frag",
        "https://as.example.test/api/auth/oauth2/%74oken",
    ],
)
def test_htu_match_ignores_query_fragment_and_normalises(
    holder: Holder, htu: str
) -> None:
    """§4.3 check 9 and RFC 3986 §6.2.2-6.2.3: case of scheme and host, the
    default port, query, fragment and unreserved escapes do not matter.
    Better Auth refuses the fragment; the RFC says to ignore it."""
    check(holder.proof(htu=htu))


def test_request_url_with_query_matches_plain_htu(holder: Holder) -> None:
    """§4.3 check 9: the request's own query is ignored as well."""
    check(holder.proof(), url=TOKEN_URL + "?x=1")


@pytest.mark.parametrize(
    "htu",
    [
        "https://as.example.test/api/auth/oauth2/Token",
        "https://as.example.test/api/auth/oauth2/userinfo",
        "http://as.example.test/api/auth/oauth2/token",
        "https://as.example.test:8443/api/auth/oauth2/token",
        "https://user@as.example.test/api/auth/oauth2/token",
        "not a url",
    ],
)
def test_htu_for_another_resource_is_refused(holder: Holder, htu: str) -> None:
    """§4.3 check 9: the path is case-sensitive; scheme, port and endpoint
    must be this request's."""
    refused(holder.proof(htu=htu), "htu")


def test_htm_must_match_case_insensitively(holder: Holder) -> None:
    """§4.3 check 8."""
    check(holder.proof(htm="post"))
    refused(holder.proof(htm="GET"), "htm")


@pytest.mark.parametrize(
    "header,fragment",
    [
        ({"typ": "JWT"}, "typ"),
        ({"jwk": None}, "jwk"),
    ],
)
def test_header_rules(holder: Holder, header: dict[str, Any], fragment: str) -> None:
    """§4.3 checks 4 and 6: typ dpop+jwt, a jwk in the header."""
    refused(holder.proof(header=header), fragment)


def test_private_key_in_header_is_refused(holder: Holder) -> None:
    """§4.3 check 7: the header key must not be private."""
    private = json.loads(
        jwt.algorithms.ECAlgorithm.to_jwk(holder.private)  # type: ignore[attr-defined]
    )
    refused(holder.proof(header={"jwk": private}), "private")


def test_symmetric_and_none_algorithms_are_refused(holder: Holder) -> None:
    """§4.3 check 5: an asymmetric algorithm; never none or HMAC, even with
    an oct key in the header."""
    secret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"
    hs = jwt.encode(
        {"jti": "a", "htm": "POST", "htu": TOKEN_URL, "iat": NOW},
        "secret-secret-secret-secret-secret",
        algorithm="HS256",
        headers={"typ": "dpop+jwt", "jwk": {"kty": "oct", "k": secret}},
    )
    refused(hs, "asymmetric")
    none = jwt.encode(
        {"jti": "a", "htm": "POST", "htu": TOKEN_URL, "iat": NOW},
        None,
        algorithm="none",
        headers={"typ": "dpop+jwt", "jwk": holder.public_jwk},
    )
    refused(none, "asymmetric")


def test_algorithm_outside_the_allowlist_is_refused() -> None:
    """§4.3 check 5: the server's supported algorithms only."""
    refused(Holder("RS256").proof(), "not allowed", algorithms=["ES256"])


def test_signature_by_another_key_is_refused(holder: Holder) -> None:
    """§4.3 check 6: the signature verifies with the header's key."""
    other = Holder()
    forged = other.proof(header={"jwk": holder.public_jwk})
    refused(forged, "signature")


@pytest.mark.parametrize("missing", ["jti", "htm", "htu", "iat"])
def test_required_claims(holder: Holder, missing: str) -> None:
    """§4.2: jti, htm, htu and iat are required."""
    payload = {"jti": "j", "htm": "POST", "htu": TOKEN_URL, "iat": NOW}
    del payload[missing]
    proof = jwt.encode(
        payload,
        holder.private,
        algorithm="ES256",
        headers={"typ": "dpop+jwt", "jwk": holder.public_jwk},
    )
    refused(proof, missing)


def test_iat_window(holder: Holder) -> None:
    """§4.3 check 11 and §11.1: recent proofs only, small clock skew allowed."""
    check(holder.proof(iat=NOW + 5))
    refused(holder.proof(iat=NOW + 60), "future")
    check(holder.proof(iat=NOW - 300))
    refused(holder.proof(iat=NOW - 301), "too old")


def test_ath_on_resource_requests(holder: Holder) -> None:
    """§7.1 / §4.3 check 12: ath is the hash of the presented access token."""
    token = "access-token-value"
    ath = dpop.access_token_hash(token)
    check(holder.proof(ath=ath), access_token=token)
    refused(holder.proof(), "ath", access_token=token)
    refused(
        holder.proof(ath=dpop.access_token_hash("other")), "ath", access_token=token
    )


def test_bound_key_must_match(holder: Holder) -> None:
    """§5, §7.1: a bound token or code names the key that must sign."""
    check(holder.proof(), expected_jkt=dpop.jwk_thumbprint(holder.public_jwk))
    refused(
        holder.proof(),
        "bound key",
        expected_jkt=dpop.jwk_thumbprint(Holder().public_jwk),
    )


def test_replay_key_depends_on_key_request_and_jti(holder: Holder) -> None:
    """§11.1: the replay key is per key, method, URI and jti, so the same jti
    under another key is a different proof."""
    a = check(holder.proof(jti="same"))
    b = check(holder.proof(jti="same"))
    c = check(Holder().proof(jti="same"))
    assert a.replay_key == b.replay_key != c.replay_key


def test_nonces_are_stateless_and_rotate() -> None:
    """§8.1: a nonce from this slot or the previous one is current."""
    secret = b"s" * 32
    nonce = dpop.issue_nonce(secret, NOW, window=300)
    assert dpop.check_nonce(secret, nonce, NOW, window=300)
    assert dpop.check_nonce(secret, nonce, NOW + 300, window=300)
    assert not dpop.check_nonce(secret, nonce, NOW + 900, window=300)
    assert not dpop.check_nonce(b"t" * 32, nonce, NOW, window=300)
    assert not dpop.check_nonce(secret, None, NOW)
    assert not dpop.check_nonce(secret, "zz.zz", NOW)


def test_missing_nonce_is_use_dpop_nonce(holder: Holder) -> None:
    """§8: when the server requires a nonce, a proof without the current one
    is answered use_dpop_nonce, not invalid_dpop_proof."""
    secret = b"s" * 32

    def current(value: Any) -> bool:
        return dpop.check_nonce(secret, value, NOW)

    with pytest.raises(dpop.DPoPProofError) as caught:
        check(holder.proof(), nonce=current)
    assert caught.value.error == "use_dpop_nonce"
    check(holder.proof(nonce=dpop.issue_nonce(secret, NOW)), nonce=current)


def test_malformed_input_is_a_proof_error_not_a_crash() -> None:
    """Hostile values are refused with invalid_dpop_proof."""
    for value in ["", "a.b", "a.b.c", "....", "x" * 10_000, None]:
        with pytest.raises(dpop.DPoPProofError):
            check(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "claims",
    [
        {"iat": float("nan")},
        {"iat": float("inf")},
        {"iat": float("-inf")},
        {"iat": 10**400},
        {"jti": "\ud800"},
        {"htm": "\ud800"},
        {"htu": "http://[::1/x"},
        {"htu": "http://\ud800/"},
        {"htu": "http://127.0.0.1:99999/x"},
        {"ath": "\u00e9"},
        {"ath": "\ud800"},
        {"ath": 5},
    ],
)
def test_malformed_claims_signed_by_the_client_are_proof_errors(
    holder: Holder, claims: dict[str, Any]
) -> None:
    """RFC 9449 §4.3 checks 4-11: a claim the client signed that is not a
    finite number, well-formed text or an ASCII ``ath`` makes the proof
    invalid (invalid_dpop_proof); it never reaches arithmetic or encoding."""
    proof = holder.proof(**claims)
    with pytest.raises(dpop.DPoPProofError) as caught:
        check(proof, access_token="token")
    assert caught.value.error == "invalid_dpop_proof"


def test_a_nonce_that_is_not_ascii_is_stale_not_a_crash() -> None:
    """RFC 9449 §8: a nonce the server did not issue is refused (use_dpop_nonce)."""
    secret = b"s" * 32
    slot = dpop.issue_nonce(secret, NOW).split(".", 1)[0]
    assert dpop.check_nonce(secret, f"{slot}.\u00e9", NOW) is False
    assert dpop.check_nonce(secret, f"{slot}.\ud800", NOW) is False


def test_time_is_only_from_the_caller(holder: Holder) -> None:
    """The module reads no clock: the same proof is fresh or stale by ``now``."""
    proof = holder.proof(iat=int(time.time()))
    check(proof, now=int(time.time()))
