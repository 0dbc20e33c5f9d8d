"""DPoP-bound tokens at the token endpoint (RFC 9449 §5, §6, §8, §10, §11.1).

What binds (a client registered for it, a resource that requires it, a
code issued for ``dpop_jkt``, a bound refresh token, or any valid proof),
what a bound response looks like (``token_type: DPoP``, ``cnf.jkt`` in
JWTs, the thumbprint stored with opaque rows), refresh of bound tokens,
server nonces, and the one-use rule of a proof. The helpers here are
shared by the other DPoP test modules.
"""

from __future__ import annotations

from typing import Any

import jwt as pyjwt
import pytest
from django.db import connection

from better_auth import clock
from better_auth_oauth_provider.models import (
    AccessTokenContext,
    ClientProfile,
    RefreshTokenContext,
    Resource,
)
from better_auth_oauth_provider.oauth.dpop import access_token_hash, jwk_thumbprint
from tests.oauth_provider.conftest import ISSUER
from tests.oauth_provider.test_resources import API, link
from tests.oauth_provider.test_rfc9449_dpop_proofs import Holder
from tests.oauth_provider.test_token import (
    BUDGET,
    FULL_SCOPE,
    introspect,
    issue_code,
    pkce_pair,
    post_form,
    redeem,
)

TOKEN_URL = f"{ISSUER}/oauth2/token"
USERINFO_URL = f"{ISSUER}/oauth2/userinfo"
REQUIRED = {
    "error": "invalid_dpop_proof",
    "error_description": "DPoP proof header is required",
}


# --- helpers shared with the other DPoP test modules ----------------------------


def make_proof(
    holder: Holder,
    *,
    htm: str = "POST",
    htu: str = TOKEN_URL,
    access_token: str | None = None,
    **claims: Any,
) -> str:
    """A fresh proof for a request now (``ath`` for a resource request)."""
    if access_token is not None:
        claims["ath"] = access_token_hash(access_token)
    iat = int(clock.now().timestamp())
    return holder.proof(htm=htm, htu=htu, iat=iat, **claims)


def thumbprint(holder: Holder) -> str:
    return jwk_thumbprint(holder.public_jwk)


def dpop_redeem(
    app: Any,
    secret: str | None,
    code: str,
    verifier: str,
    proof: str | None,
    **extra: str,
) -> Any:
    """Redeem ``code`` with client_secret_basic and a ``DPoP`` header."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": verifier,
        "redirect_uri": "https://app.example.test/cb",
        **extra,
    }
    headers = {"DPoP": proof} if proof else {}
    return post_form(
        "/oauth2/token", form, auth=(app.client_id, secret), headers=headers
    )


def dpop_refresh(app: Any, secret: str | None, token: str, proof: str | None) -> Any:
    headers = {"DPoP": proof} if proof else {}
    return post_form(
        "/oauth2/token",
        {"grant_type": "refresh_token", "refresh_token": token},
        auth=(app.client_id, secret),
        headers=headers,
    )


def bound_login(
    app: Any, secret: str | None, user: Any, holder: Holder, **code: Any
) -> dict[str, Any]:
    """A code exchange with a proof by ``holder``; the token response body."""
    verifier, challenge = pkce_pair()
    raw = issue_code(app, user, challenge=challenge, **code)
    response = dpop_redeem(app, secret, raw, verifier, make_proof(holder))
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def holder() -> Holder:
    return Holder()


@pytest.fixture
def other() -> Holder:
    return Holder()


# --- binding at the token endpoint ----------------------------------------------


def test_code_exchange_with_a_proof_binds_opaque_tokens(
    rp: Any, holder: Holder
) -> None:
    """RFC 9449 §5: a valid proof binds; the response says ``DPoP``
    (§5.1) and the opaque rows keep the key's RFC 7638 thumbprint."""
    app, secret, user = rp
    body = bound_login(app, secret, user, holder)
    assert body["token_type"] == "DPoP"
    jkt = thumbprint(holder)
    assert AccessTokenContext.objects.get().dpop_jkt == jkt
    assert RefreshTokenContext.objects.get().dpop_jkt == jkt


def test_introspection_of_bound_opaque_tokens(rp: Any, holder: Holder) -> None:
    """RFC 9449 §6.2: introspection reports ``cnf.jkt`` and ``token_type``."""
    app, secret, user = rp
    body = bound_login(app, secret, user, holder)
    for token in (body["access_token"], body["refresh_token"]):
        answer = introspect(app, secret, token).json()
        assert answer["active"] is True
        assert answer["token_type"] == "DPoP"
        assert answer["cnf"] == {"jkt": thumbprint(holder)}


def test_without_a_proof_tokens_stay_bearer(rp: Any) -> None:
    """No proof, nothing requiring one: bearer tokens, no ``cnf``."""
    app, secret, user = rp
    verifier, challenge = pkce_pair()
    raw = issue_code(app, user, challenge=challenge)
    body = dpop_redeem(app, secret, raw, verifier, None).json()
    assert body["token_type"] == "Bearer"
    answer = introspect(app, secret, body["access_token"]).json()
    assert answer["token_type"] == "Bearer" and "cnf" not in answer


def test_jwt_access_token_carries_cnf_stamped_last(
    rp: Any, holder: Holder, oauth_settings: Any
) -> None:
    """RFC 9449 §6.1: a JWT access token carries ``cnf.jkt``; no custom
    claim hook can set or replace it (RFC 7800 §3.1 is the AS's)."""
    oauth_settings(
        CUSTOM_ACCESS_TOKEN_CLAIMS=lambda info: {"cnf": {"jkt": "forged"}, "x": 1}
    )
    app, secret, user = rp
    link(app, API)
    body = bound_login(app, secret, user, holder, resources=[API])
    claims = pyjwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["cnf"] == {"jkt": thumbprint(holder)}
    assert claims["x"] == 1
    assert body["token_type"] == "DPoP"
    answer = introspect(app, secret, body["access_token"]).json()
    assert answer["token_type"] == "DPoP"
    assert answer["cnf"] == {"jkt": thumbprint(holder)}


def test_client_registered_for_dpop_needs_a_proof(rp: Any, holder: Holder) -> None:
    """RFC 9449 §5.2 ``dpop_bound_access_tokens``: no proof is 400
    ``invalid_dpop_proof``; the code is not spent and redeems with one."""
    app, secret, user = rp
    ClientProfile.objects.filter(application=app).update(dpop_bound_access_tokens=True)
    verifier, challenge = pkce_pair()
    raw = issue_code(app, user, challenge=challenge)
    refused = dpop_redeem(app, secret, raw, verifier, None)
    assert refused.status_code == 400
    assert refused.json() == REQUIRED
    assert refused["Cache-Control"] == "no-store"
    accepted = dpop_redeem(app, secret, raw, verifier, make_proof(holder))
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["token_type"] == "DPoP"


def test_client_metadata_flag_also_requires_a_proof(rp: Any) -> None:
    """Better Auth also reads ``dpop_bound_access_tokens`` from metadata."""
    app, secret, user = rp
    ClientProfile.objects.filter(application=app).update(
        metadata={"dpop_bound_access_tokens": True}
    )
    verifier, challenge = pkce_pair()
    raw = issue_code(app, user, challenge=challenge)
    assert dpop_redeem(app, secret, raw, verifier, None).json() == REQUIRED


def test_resource_requiring_dpop_gets_a_bound_jwt(rp: Any, holder: Holder) -> None:
    """RFC 9728 ``dpop_bound_access_tokens_required``: with a proof the
    resource's token is a bound JWT."""
    app, secret, user = rp
    link(app, API)
    Resource.objects.filter(identifier=API).update(dpop_required=True)
    verifier, challenge = pkce_pair()
    raw = issue_code(app, user, challenge=challenge, resources=[API])
    assert dpop_redeem(app, secret, raw, verifier, None).json() == REQUIRED
    body = dpop_redeem(app, secret, raw, verifier, make_proof(holder)).json()
    claims = pyjwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["cnf"]["jkt"] == thumbprint(holder)


def test_code_issued_for_dpop_jkt_needs_that_key(
    rp: Any, holder: Holder, other: Holder
) -> None:
    """RFC 9449 §10: a code bound with ``dpop_jkt`` is redeemed only with a
    proof by that key; neither no proof nor another key spends it."""
    app, secret, user = rp
    verifier, challenge = pkce_pair()
    raw = issue_code(app, user, challenge=challenge)
    from better_auth_oauth_provider.models import GrantContext

    GrantContext.objects.update(dpop_jkt=thumbprint(holder))
    assert dpop_redeem(app, secret, raw, verifier, None).json() == REQUIRED
    wrong = dpop_redeem(app, secret, raw, verifier, make_proof(other))
    assert wrong.status_code == 400
    assert wrong.json() == {
        "error": "invalid_dpop_proof",
        "error_description": "DPoP proof key does not match the bound key",
    }
    right = dpop_redeem(app, secret, raw, verifier, make_proof(holder))
    assert right.status_code == 200, right.content
    assert right.json()["token_type"] == "DPoP"


@pytest.mark.parametrize(
    ("change", "description"),
    [
        ({"htm": "GET"}, "DPoP proof htm does not match the request method"),
        ({"htu": USERINFO_URL}, "DPoP proof htu does not match the request URI"),
        (
            {"htu": "http://attacker.test/api/auth/oauth2/token"},
            "DPoP proof htu does not match the request URI",
        ),
    ],
)
def test_proof_for_another_request_is_refused(
    rp: Any, holder: Holder, change: dict[str, str], description: str
) -> None:
    """RFC 9449 §4.3 checks 8-9: the proof names this POST to this URI."""
    app, secret, user = rp
    verifier, challenge = pkce_pair()
    raw = issue_code(app, user, challenge=challenge)
    response = dpop_redeem(app, secret, raw, verifier, make_proof(holder, **change))
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_dpop_proof",
        "error_description": description,
    }


def test_a_second_dpop_header_is_refused(rp: Any, holder: Holder) -> None:
    """RFC 9449 §4.3 check 1: exactly one DPoP header."""
    app, secret, user = rp
    verifier, challenge = pkce_pair()
    raw = issue_code(app, user, challenge=challenge)
    both = f"{make_proof(holder)}, {make_proof(holder)}"
    response = dpop_redeem(app, secret, raw, verifier, both)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_dpop_proof"


def test_an_empty_dpop_header_is_refused_not_ignored(rp: Any) -> None:
    """RFC 9449 §4.3 check 1: a DPoP header that is present must be one
    well-formed JWT; an empty one is not the same as no header."""
    app, secret, user = rp
    for value in ["", "   "]:
        verifier, challenge = pkce_pair()
        form = {
            "grant_type": "authorization_code",
            "code": issue_code(app, user, challenge=challenge),
            "code_verifier": verifier,
            "redirect_uri": "https://app.example.test/cb",
        }
        response = post_form(
            "/oauth2/token",
            form,
            auth=(app.client_id, secret),
            headers={"DPoP": value},
        )
        assert response.status_code == 400, response.content
        assert response.json()["error"] == "invalid_dpop_proof"


def test_client_credentials_token_is_bound(m2m_client: Any, holder: Holder) -> None:
    """RFC 9449 §5 applies to every grant; the m2m opaque row keeps the key."""
    app, secret = m2m_client
    response = post_form(
        "/oauth2/token",
        {"grant_type": "client_credentials"},
        auth=(app.client_id, secret),
        headers={"DPoP": make_proof(holder)},
    )
    assert response.status_code == 200, response.content
    assert response.json()["token_type"] == "DPoP"
    assert AccessTokenContext.objects.get().dpop_jkt == thumbprint(holder)


# --- refresh ----------------------------------------------------------------------


def test_bound_refresh_needs_a_proof_by_the_same_key(
    rp: Any, holder: Holder, other: Holder
) -> None:
    """RFC 9449 §5.0 / §5.4: a bound refresh token is refreshed only with a
    proof by its key, for a confidential client too (Better Auth binds
    for all clients); the rotated token stays bound."""
    app, secret, user = rp
    first = bound_login(app, secret, user, holder)["refresh_token"]
    assert dpop_refresh(app, secret, first, None).json() == REQUIRED
    wrong = dpop_refresh(app, secret, first, make_proof(other))
    assert wrong.status_code == 400
    assert wrong.json()["error_description"] == (
        "DPoP proof key does not match the bound key"
    )
    rotated = dpop_refresh(app, secret, first, make_proof(holder))
    assert rotated.status_code == 200, rotated.content
    body = rotated.json()
    assert body["token_type"] == "DPoP"
    assert body["refresh_token"] != first
    # Still bound after rotation.
    assert dpop_refresh(app, secret, body["refresh_token"], None).json() == REQUIRED
    again = dpop_refresh(app, secret, body["refresh_token"], make_proof(holder))
    assert again.status_code == 200, again.content


def test_optional_proof_at_refresh_binds_from_then_on(rp: Any, holder: Holder) -> None:
    """A valid optional proof binds (RFC 9449 §5): a bearer refresh token
    refreshed with a proof yields bound tokens."""
    app, secret, user = rp
    verifier, challenge = pkce_pair()
    raw = issue_code(app, user, challenge=challenge, scope=FULL_SCOPE)
    body = dpop_redeem(app, secret, raw, verifier, None).json()
    assert body["token_type"] == "Bearer"
    rotated = dpop_refresh(app, secret, body["refresh_token"], make_proof(holder))
    assert rotated.json()["token_type"] == "DPoP"
    newest = rotated.json()["refresh_token"]
    assert dpop_refresh(app, secret, newest, None).json() == REQUIRED


def test_retry_window_replay_needs_the_same_key(
    rp: Any, holder: Holder, other: Holder, oauth_settings: Any
) -> None:
    """Better Auth's reuse interval: the lost response of a bound rotation
    is served again only after a new proof by the same key validates."""
    oauth_settings(REFRESH_TOKEN_RETRY_WINDOW=30)
    app, secret, user = rp
    first = bound_login(app, secret, user, holder)["refresh_token"]
    rotated = dpop_refresh(app, secret, first, make_proof(holder))
    assert rotated.status_code == 200
    assert dpop_refresh(app, secret, first, None).json() == REQUIRED
    assert (
        dpop_refresh(app, secret, first, make_proof(other)).json()["error"]
        == "invalid_dpop_proof"
    )
    replay = dpop_refresh(app, secret, first, make_proof(holder))
    assert replay.status_code == 200, replay.content
    assert replay.json()["access_token"] == rotated.json()["access_token"]
    assert replay.json()["refresh_token"] == rotated.json()["refresh_token"]


# --- replay and nonces ----------------------------------------------------------


def test_the_same_proof_is_accepted_once(rp: Any, holder: Holder) -> None:
    """RFC 9449 §11.1: a proof's ``jti`` is single use at the token endpoint."""
    app, secret, user = rp
    proof = make_proof(holder)
    answers = []
    for _ in range(2):
        verifier, challenge = pkce_pair()
        raw = issue_code(app, user, challenge=challenge)
        answers.append(dpop_redeem(app, secret, raw, verifier, proof))
    first, last = answers
    assert first.status_code == 200, first.content
    assert last.status_code == 400
    assert last.json() == {
        "error": "invalid_dpop_proof",
        "error_description": "DPoP proof jti has already been used",
    }


def test_server_nonce_is_required_then_accepted(
    rp: Any, holder: Holder, oauth_settings: Any
) -> None:
    """RFC 9449 §8: with nonces on, a proof without one is 400
    ``use_dpop_nonce`` with a ``DPoP-Nonce`` header; the code survives, the
    retry with that nonce succeeds, and the answer brings the next nonce."""
    oauth_settings(DPOP_REQUIRE_NONCE=True)
    app, secret, user = rp
    verifier, challenge = pkce_pair()
    raw = issue_code(app, user, challenge=challenge)
    first = dpop_redeem(app, secret, raw, verifier, make_proof(holder))
    assert first.status_code == 400
    assert first.json()["error"] == "use_dpop_nonce"
    nonce = first["DPoP-Nonce"]
    assert nonce
    stale = dpop_redeem(app, secret, raw, verifier, make_proof(holder, nonce="x.y"))
    assert stale.json()["error"] == "use_dpop_nonce"
    retry = dpop_redeem(app, secret, raw, verifier, make_proof(holder, nonce=nonce))
    assert retry.status_code == 200, retry.content
    assert retry.json()["token_type"] == "DPoP"
    assert retry["DPoP-Nonce"]


def test_nonce_header_on_every_token_answer_when_on(
    rp: Any, oauth_settings: Any
) -> None:
    """RFC 9449 §8.2: the server may send a fresh nonce with any answer; with
    nonces on it does, errors included. Off, no ``DPoP-Nonce`` at all."""
    app, secret, _ = rp
    unknown = {"grant_type": "authorization_code", "code": "nope"}
    off = post_form("/oauth2/token", unknown, auth=(app.client_id, secret))
    assert "DPoP-Nonce" not in off
    oauth_settings(DPOP_REQUIRE_NONCE=True)
    on = post_form("/oauth2/token", unknown, auth=(app.client_id, secret))
    assert on.status_code == 400 and on["DPoP-Nonce"]


def test_query_budget_with_a_proof(
    rp: Any, holder: Holder, django_assert_max_num_queries: Any
) -> None:
    """A proof costs one statement more than the bearer budget (the atomic
    ``jti`` insert, RFC 9449 §11.1), for a code and for a refresh."""
    from better_auth.keys import get_signing_key

    budget = BUDGET.get(connection.vendor, BUDGET["sqlite"])
    get_signing_key()
    app, secret, user = rp
    verifier, challenge = pkce_pair()
    code = issue_code(app, user, challenge=challenge)
    proof = make_proof(holder)
    with django_assert_max_num_queries(budget["authorization_code"] + 1):
        body = dpop_redeem(app, secret, code, verifier, proof).json()
    proof = make_proof(holder)
    with django_assert_max_num_queries(budget["refresh_token"] + 1):
        rotated = dpop_refresh(app, secret, body["refresh_token"], proof)
    assert rotated.status_code == 200


def test_bearer_code_exchange_unchanged(rp: Any) -> None:
    """No DPoP header at all: the plain exchange of test_token still works."""
    app, secret, user = rp
    verifier, challenge = pkce_pair()
    raw = issue_code(app, user, challenge=challenge)
    assert redeem(app, secret, raw, verifier).json()["token_type"] == "Bearer"


# --- capability ---------------------------------------------------------------------


def test_discovery_advertises_the_configured_algorithms(
    api: Any, rp: Any, oauth_settings: Any
) -> None:
    """RFC 9449 §5.1 ``dpop_signing_alg_values_supported`` is the allowlist
    actually enforced; a proof outside it is refused."""
    doc = api.get("/.well-known/openid-configuration").json()
    assert doc["dpop_signing_alg_values_supported"] == [
        "EdDSA",
        "ES256",
        "ES512",
        "PS256",
        "RS256",
        "Ed25519",
    ]
    oauth_settings(DPOP_SIGNING_ALGORITHMS=["ES256"])
    doc = api.get("/.well-known/openid-configuration").json()
    assert doc["dpop_signing_alg_values_supported"] == ["ES256"]
    app, secret, user = rp
    verifier, challenge = pkce_pair()
    raw = issue_code(app, user, challenge=challenge)
    response = dpop_redeem(app, secret, raw, verifier, make_proof(Holder("EdDSA")))
    assert response.json()["error_description"] == (
        "DPoP proof algorithm EdDSA is not allowed"
    )


def test_registration_accepts_dpop_bound_access_tokens(db: None) -> None:
    """RFC 9449 §5.2: the client metadata is stored and echoed."""
    from better_auth_oauth_provider.services.client_json import client_json
    from better_auth_oauth_provider.services.clients import create_client

    app, _ = create_client(
        {
            "redirect_uris": ["https://app.example.test/cb"],
            "dpop_bound_access_tokens": True,
        },
        dynamic=True,
    )
    assert client_json(app)["dpop_bound_access_tokens"] is True
