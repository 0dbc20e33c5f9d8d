"""Replay of the golden OAuth transcript (Better Auth 1.7.25, openid-client).

``tests/oauth_provider/data/oauth.jsonl`` was recorded from the real Better
Auth server by the oracle's ``rp.mjs`` (openid-client v6): discovery, flow A
with a trusted confidential client, flow B with a dynamically registered
public client. Each test replays the transcript from its first exchange up
to one case, in order, with the recorded headers and bodies, and compares
that case's response: status, JSON member names and value types, literal
values (error codes and descriptions included), Set-Cookie names and
attributes, the claims of every JWT in the body, and the ``content-type``,
``cache-control``, ``pragma``, ``location`` and ``www-authenticate``
headers. The replay machinery is the core transcript's
(:class:`tests.better_auth.wire.test_core_transcript.Replay`); this module
adds what the OAuth recording needs: the operator-created trusted client,
PKCE pairs, ``Basic b64(id:secret)`` credentials, the signed continuation
read back from the login and consent redirects, and ``<epoch>`` values.

Where Better Auth and the RFCs disagree the RFC wins (docs/oauth-provider.md,
"Where we follow the RFC over Better Auth"); those
exchanges are listed in ``DEVIATIONS`` with the response this server gives
instead, and every exchange not listed there or in ``SKIP`` must match.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import jwt as pyjwt
import pytest

from tests.better_auth.wire.test_core_transcript import Replay
from tests.better_auth.wire.transcript import (
    EXTRA_FIELDS,
    ORACLE_ORIGIN,
    load,
)

from ..conf_helpers import TRANSCRIPT

EXCHANGES = load(TRANSCRIPT)
ISSUER = f"{ORACLE_ORIGIN}/api/auth"
LOGIN_PAGE = f"{ORACLE_ORIGIN}/login"
CONSENT_PAGE = f"{ORACLE_ORIGIN}/consent"
TRUSTED_REDIRECT = "https://rp.oracle.test/callback"

# Whole exchanges that are not compared, with the reason.
SKIP: dict[str, str] = {
    "A/login-page": (
        "the login page belongs to the host project; the oracle serves a "
        "trivial page of its own"
    ),
}

# Values the oracle's rp.mjs sent that the recorder turned into placeholders
# because of the member they were sent in (rp.mjs has them literally).
INPUTS: dict[str, str] = {
    "<client_secret#2>": "wrong-secret",
    "<client_id#2>": "no-such-client",
    "<token#3>": "garbage-token",
    "<token#4>": "no-such-token",
    "<token#5>": "abc",
    "<refresh_token#3>": "x",
}

# Each recorded code_challenge with the verifier rp.mjs derived it from
# (<code_verifier#3> is the random wrong verifier of A/token-wrong-code-verifier).
CHALLENGES: dict[str, str] = {
    "<code_challenge#1>": "<code_verifier#1>",
    "<code_challenge#2>": "<code_verifier#2>",
    "<code_challenge#3>": "<code_verifier#4>",
}

# Exchanges whose request names a token only a skipped exchange issued;
# their answer does not depend on it, so any value stands in. (None now:
# the DPoP exchanges that issue ``<access_token#3>`` are replayed.)
STAND_INS: dict[str, set[str]] = {}

# Advertised by Better Auth for features not implemented here; discovery
# omits them (docs/oauth-provider.md "Deviations from Better Auth").
UNIMPLEMENTED_METADATA: tuple[str, ...] = ()
# The algorithm lists of signatures this server verifies (not those it makes).
VERIFIED_ALG_KEYS = (
    "token_endpoint_auth_signing_alg_values_supported",
    "introspection_endpoint_auth_signing_alg_values_supported",
    "revocation_endpoint_auth_signing_alg_values_supported",
    "dpop_signing_alg_values_supported",
)


def _truthful_discovery(body: dict[str, Any]) -> dict[str, Any]:
    """Better Auth's document as this server must serve it (RFC 8414 §2:
    metadata describes what is supported; case A.21)."""
    out = {k: v for k, v in body.items() if k not in UNIMPLEMENTED_METADATA}
    # RFC 7009 §2.1: public clients revoke with their client_id.
    out["revocation_endpoint_auth_methods_supported"] = [
        "none",
        *body["revocation_endpoint_auth_methods_supported"],
    ]
    # No SELECT_ACCOUNT_PAGE is configured, so the prompt is refused.
    out["prompt_values_supported"] = [
        p for p in body["prompt_values_supported"] if p != "select_account"
    ]
    # RFC 9864 §2.2: signatures named with the fully-specified Ed25519 are
    # verified too, wherever EdDSA is.
    for key in VERIFIED_ALG_KEYS:
        if key in out:
            out[key] = [*out[key], "Ed25519"]
    return out


def _rfc7009_ok(response: dict[str, Any]) -> dict[str, Any]:
    """RFC 7009 §2.2: an invalid or already revoked token is not an error."""
    return {
        "status": 200,
        "headers": {"content-type": "application/json"},
        "set_cookies": [],
    }


def _no_store(response: dict[str, Any]) -> dict[str, Any]:
    """Every token endpoint answer is ``no-store``, errors included (RFC
    6749 §5.1). Better Auth's schema error for a body without members has
    no cache headers."""
    headers = {**response["headers"], "cache-control": "no-store"}
    return {**response, "headers": {**headers, "pragma": "no-cache"}}


def _rfc7636_invalid_grant(response: dict[str, Any]) -> dict[str, Any]:
    """RFC 7636 §4.6: a verifier that does not match is ``invalid_grant``."""
    return {
        **response,
        "status": 400,
        "body": {
            "error_description": "code verification failed",
            "error": "invalid_grant",
        },
    }


def _challenge(scheme: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """RFC 9110 §15.5.2: a 401 carries a challenge; ``Basic`` for the
    client's credentials (RFC 6749 §2.3.1), ``Bearer`` without an error code
    for a request that sent no token (RFC 6750 §3.1)."""

    def rewrite(response: dict[str, Any]) -> dict[str, Any]:
        headers = {**response["headers"], "www-authenticate": scheme}
        return {**response, "headers": headers}

    return rewrite


def _bearer_challenge(response: dict[str, Any]) -> dict[str, Any]:
    """RFC 6750 §3.1: the 401 names the scheme and the error."""
    description = response["body"]["error_description"]
    challenge = f'Bearer error="invalid_token", error_description="{description}"'
    return {
        **response,
        "headers": {**response["headers"], "www-authenticate": challenge},
    }


# Exchanges where this server follows the RFC over Better Auth: the recorded
# response is replaced by the given function's result before comparing.
DEVIATIONS: dict[str, tuple[str, Callable[[dict[str, Any]], dict[str, Any]]]] = {
    "discovery/openid-configuration-raw": (
        "discovery claims only implemented features",
        lambda r: {**r, "body": _truthful_discovery(r["body"])},
    ),
    "discovery/oauth-authorization-server-under-base": (
        "discovery claims only implemented features",
        lambda r: {**r, "body": _truthful_discovery(r["body"])},
    ),
    "discovery/oauth-authorization-server-rfc8414-path": (
        "discovery claims only implemented features",
        lambda r: {**r, "body": _truthful_discovery(r["body"])},
    ),
    "discovery/openid-client": (
        "discovery claims only implemented features",
        lambda r: {**r, "body": _truthful_discovery(r["body"])},
    ),
    "A/revoke-refresh-token-again": (
        "RFC 7009 §2.2: revoking a revoked token is 200",
        _rfc7009_ok,
    ),
    "A/revoke-unknown-token": (
        "RFC 7009 §2.2: revoking an unknown token is 200",
        _rfc7009_ok,
    ),
    "A/token-missing-grant": (
        "no-store on every token endpoint answer, errors included",
        _no_store,
    ),
    "A/introspect-no-client-auth": (
        "a 401 names the scheme to answer",
        _challenge("Basic"),
    ),
    "A/revoke-no-client-auth": (
        "a 401 names the scheme to answer",
        _challenge("Basic"),
    ),
    "B/introspect-public-client": (
        "a 401 names the scheme to answer",
        _challenge("Basic"),
    ),
    "A/userinfo-no-token": (
        "a 401 names the scheme to answer",
        _challenge("Bearer"),
    ),
    "A/userinfo-session-cookie-only": (
        "a 401 names the scheme to answer",
        _challenge("Bearer"),
    ),
    "A/token-json-body": (
        "no-store on every token endpoint answer, the 415 included",
        _no_store,
    ),
    "A/token-wrong-code-verifier": (
        "RFC 7636 §4.6: a wrong PKCE verifier is 400 invalid_grant",
        _rfc7636_invalid_grant,
    ),
    "B/userinfo-dpop-token-as-bearer": (
        "RFC 6750 §3.1: a 401 invalid_token carries its Bearer challenge",
        _bearer_challenge,
    ),
}

_EPOCH = re.compile(r"\d{9,13}")
_BASIC = re.compile(r"b64\(([^()]*)\)")


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OAuthReplay(Replay):
    """The core replay plus the OAuth transcript's inputs and relations."""

    SHAPES = {**Replay.SHAPES, "<epoch>": _EPOCH}

    def __init__(self, client_id: str, client_secret: str) -> None:
        super().__init__()
        self.bind("<client_id#1>", client_id)
        self.bind("<client_secret#1>", client_secret)
        for placeholder, value in INPUTS.items():
            self.bind(placeholder, value)
        # The signed continuation of the last login / consent redirect.
        self.continuation: str | None = None
        self.stand_ins: set[str] = set()

    # -- request side -------------------------------------------------------

    def value_for(self, placeholder: str) -> str:
        if placeholder in self.bound:
            return self.bound[placeholder]
        kind = placeholder[1:].split("#", 1)[0]
        if kind in ("state", "nonce", "code_verifier"):
            value = secrets.token_urlsafe(32)
        elif kind == "code_challenge":
            value = _s256(self.value_for(CHALLENGES[placeholder]))
        elif placeholder in self.stand_ins:
            value = f"stand-in-{secrets.token_hex(8)}"
        else:
            return super().value_for(placeholder)
        self.bind(placeholder, value)
        return value

    def fill(self, value: Any) -> Any:
        filled = super().fill(value)
        if isinstance(filled, str) and "b64(" in filled:
            # "Basic b64(<client_id#1>:<client_secret#1>)" (the recorder's
            # notation); the values are alphanumeric, so no form-encoding.
            return _BASIC.sub(
                lambda m: base64.b64encode(m.group(1).encode()).decode(), filled
            )
        return filled

    def sign_dpop_proof(self, exchange: dict[str, Any]) -> None:
        """A fresh RFC 9449 proof for a recorded one: the recorded ``htm`` and
        ``htu``, ``ath`` of the token sent, now, by this replay's own key."""
        placeholder = exchange["request"]["headers"].get("dpop")
        recorded = (exchange.get("jwt") or {}).get(placeholder)
        if recorded is None or placeholder in self.bound:
            return
        from cryptography.hazmat.primitives.asymmetric import ec

        from better_auth_oauth_provider.oauth.dpop import access_token_hash

        if not hasattr(self, "dpop_key"):
            self.dpop_key = ec.generate_private_key(ec.SECP256R1())
        recorded_claims = recorded["payload"]
        claims = {
            "jti": secrets.token_urlsafe(16),
            "htm": recorded_claims["htm"],
            "htu": recorded_claims["htu"],
            "iat": int(time.time()),
        }
        if "ath" in recorded_claims:
            scheme_token = self.fill(exchange["request"]["headers"]["authorization"])
            claims["ath"] = access_token_hash(scheme_token.split(" ", 1)[1])
        public = self.dpop_key.public_key()
        jwk = json.loads(pyjwt.algorithms.ECAlgorithm.to_jwk(public))
        proof = pyjwt.encode(
            claims,
            self.dpop_key,
            algorithm="ES256",
            headers={"typ": "dpop+jwt", "jwk": jwk},
        )
        self.bind(placeholder, proof)

    def send(self, exchange: dict[str, Any]) -> Any:
        exchange = copy.deepcopy(exchange)
        self.stand_ins = STAND_INS.get(exchange["case"], set())
        self.sign_dpop_proof(exchange)
        body = exchange["request"].get("body")
        if isinstance(body, dict) and "oauth_query" in body:
            # The page posts back exactly the query it was opened with.
            assert self.continuation is not None, "no login or consent redirect yet"
            body["oauth_query"] = self.continuation
        response = super().send(exchange)
        location = response.headers.get("Location", "")
        if location.startswith((LOGIN_PAGE + "?", CONSENT_PAGE + "?")):
            self.continuation = urlsplit(location).query
        elif response.get("Content-Type", "").startswith("application/json"):
            try:
                answer = json.loads(response.content)
            except ValueError:
                answer = None
            url = answer.get("url") if isinstance(answer, dict) else None
            if isinstance(url, str) and url.startswith(
                (LOGIN_PAGE + "?", CONSENT_PAGE + "?")
            ):
                self.continuation = urlsplit(url).query
        return response

    # -- response side ------------------------------------------------------

    def compare(self, exchange: dict[str, Any], response: Any) -> list[str]:
        problems = super().compare(exchange, response)
        try:
            actual = json.loads(response.content) if response.content else None
        except ValueError:
            return problems
        expected = exchange["response"].get("body")
        problems += self.compare_jwts(exchange.get("jwt") or {}, expected, actual)
        return problems

    def compare_jwts(
        self, recorded: dict[str, Any], expected: Any, actual: Any
    ) -> list[str]:
        """Header and claims of each JWT the response carries (RFC 7519)."""
        if not isinstance(expected, dict) or not isinstance(actual, dict):
            return []
        problems = []
        for key, value in expected.items():
            if not (isinstance(value, str) and value in recorded):
                continue
            token = actual.get(key)
            if not isinstance(token, str):
                continue
            where = f"jwt {key}"
            header = pyjwt.get_unverified_header(token)
            claims = pyjwt.decode(token, options={"verify_signature": False})
            problems += self.match_members(recorded[value]["header"], header, where)
            problems += self.match_members(
                recorded[value]["payload"], claims, where + " claims"
            )
        return problems

    def match_members(
        self, expected: dict[str, Any], actual: dict[str, Any], where: str
    ) -> list[str]:
        """Same member names (any order: JSON objects are unordered, RFC 8259
        §4) and matching values."""
        # Fields of plugins the test settings install but the oracle did not.
        actual = {k: v for k, v in actual.items() if k not in EXTRA_FIELDS}
        if set(expected) != set(actual):
            return [f"{where}: members {sorted(actual)}, expected {sorted(expected)}"]
        problems = []
        for key in expected:
            problems += self.match(expected[key], actual[key], f"{where}.{key}")
        return problems

    def match(self, expected: Any, actual: Any, where: str) -> list[str]:
        if isinstance(expected, dict):
            if not isinstance(actual, dict):
                return [f"{where}: {type(actual).__name__}, expected object"]
            return self.match_members(expected, actual, where)
        if expected == "<epoch>":
            if isinstance(actual, int) and not isinstance(actual, bool):
                return []
            if isinstance(actual, str) and _EPOCH.fullmatch(actual):
                return []
            return [f"{where}: {actual!r}, expected epoch seconds"]
        return super().match(expected, actual, where)


def _expected(exchange: dict[str, Any]) -> dict[str, Any]:
    deviation = DEVIATIONS.get(exchange["case"])
    if deviation is None:
        return exchange
    _reason, rewrite = deviation
    return {**exchange, "response": rewrite(copy.deepcopy(exchange["response"]))}


def _params() -> list[Any]:
    params = []
    for index, exchange in enumerate(EXCHANGES):
        reason = SKIP.get(exchange["case"])
        marks = [pytest.mark.skip(reason=reason)] if reason else []
        params.append(pytest.param(index, id=exchange["case"], marks=marks))
    return params


@pytest.fixture
def oracle_provider(better_auth_settings: Callable[..., None]) -> tuple[str, str]:
    """The oracle's configuration and its operator-created trusted client."""
    from better_auth_oauth_provider.services.clients import create_client

    better_auth_settings(
        BASE_URL=ORACLE_ORIGIN,
        OAUTH_PROVIDER={
            "LOGIN_PAGE": LOGIN_PAGE,
            "CONSENT_PAGE": CONSENT_PAGE,
            "ALLOW_DYNAMIC_CLIENT_REGISTRATION": True,
            "ALLOW_UNAUTHENTICATED_CLIENT_REGISTRATION": True,
        },
    )
    app, secret = create_client(
        {
            "client_name": "oracle-trusted-rp",
            "redirect_uris": [TRUSTED_REDIRECT],
            "post_logout_redirect_uris": [
                TRUSTED_REDIRECT.replace("/callback", "/logged-out")
            ],
            "token_endpoint_auth_method": "client_secret_basic",
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "scope": "openid profile email offline_access",
        },
        skip_consent=True,
        enable_end_session=True,
    )
    assert secret is not None
    return app.client_id, secret


@pytest.mark.parametrize("index", _params())
def test_oauth_exchange_matches_better_auth(
    index: int, db: None, oracle_provider: tuple[str, str]
) -> None:
    """The response to this exchange, after all earlier ones, is Better
    Auth's, or the RFC's where ``DEVIATIONS`` says the two differ."""
    replay = OAuthReplay(*oracle_provider)
    for earlier in EXCHANGES[:index]:
        if earlier["case"] in SKIP:
            continue
        replay.compare(_expected(earlier), replay.send(earlier))
    exchange = EXCHANGES[index]
    problems = replay.compare(_expected(exchange), replay.send(exchange))
    assert not problems, f"{exchange['case']}:\n  " + "\n  ".join(problems)


def test_transcript_is_the_full_oauth_recording() -> None:
    """The vendored transcript is the 59-exchange recording of rp.mjs, and
    every skip and deviation names an exchange in it."""
    cases = [e["case"] for e in EXCHANGES]
    assert len(cases) == 59 and len(set(cases)) == 59
    assert cases[0] == "discovery/openid-configuration-raw"
    assert cases[-1] == "B/consent-deny-flow-authorize"
    assert set(SKIP) <= set(cases)
    assert set(DEVIATIONS) <= set(cases)
    assert not set(SKIP) & set(DEVIATIONS)
