"""JWT access tokens for protected resources (RFC 9068, RFC 8707).

Issued when the request names resources (Better Auth, oauth-provider
surface §1.6, §7); verified locally at introspection (RFC 7662) and
UserInfo; not revocable before they expire (RFC 7009 §2.2).
"""

from __future__ import annotations

from typing import Any

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from django.db import connection
from django.test import Client
from oauth2_provider.models import get_access_token_model

from better_auth import clock
from better_auth.keys import create_key, get_signing_key, public_jwks, sign_jwt
from better_auth.models import Session
from better_auth_oauth_provider.models import RefreshTokenContext, Resource
from tests.conftest import BASE
from tests.oauth_provider.conftest import ISSUER
from tests.oauth_provider.test_resources import API, FILES, USERINFO, link
from tests.oauth_provider.test_token import (
    FULL_SCOPE,
    introspect,
    issue_code,
    login_tokens,
    pkce_pair,
    post_form,
    redeem,
    refresh,
)


def header(token: str) -> dict[str, Any]:
    return pyjwt.get_unverified_header(token)


def verified(token: str, audience: str = API) -> dict[str, Any]:
    """Claims verified against the published JWKS, as a resource server does."""
    kid = header(token)["kid"]
    jwk = next(k for k in public_jwks()["keys"] if k["kid"] == kid)
    key = pyjwt.PyJWK(jwk)
    return pyjwt.decode(
        token, key.key, algorithms=[jwk["alg"]], audience=audience, issuer=ISSUER
    )


@pytest.fixture
def linked_rp(rp: Any) -> Any:
    app, secret, user = rp
    link(app, API, FILES)
    return app, secret, user


def userinfo(token: str, scheme: str = "Bearer") -> Any:
    return Client().get(
        BASE + "/oauth2/userinfo", headers={"authorization": f"{scheme} {token}"}
    )


# --- format and claims -----------------------------------------------------------


def test_resource_request_gets_a_jwt_access_token(linked_rp: Any) -> None:
    """Surface §13 scenario 27, RFC 9068 §2.1-§2.2: ``typ: at+jwt`` and
    ``kid``; ``iss sub aud exp iat jti client_id`` plus ``azp scope sid``;
    ``aud`` names the resource and the UserInfo endpoint (``openid``). The
    refresh token stays opaque and the ID token's ``at_hash`` covers the JWT."""
    app, secret, user = linked_rp
    body = login_tokens(app, secret, user, resources=[API])
    token = body["access_token"]
    assert header(token)["typ"] == "at+jwt"
    assert header(token)["kid"] == get_signing_key().kid
    claims = verified(token)
    assert claims["aud"] == [API, USERINFO]
    assert claims["sub"] == str(user.pk)
    assert claims["client_id"] == claims["azp"] == app.client_id
    assert claims["scope"] == FULL_SCOPE
    assert claims["sid"] == str(Session.objects.get(user=user).id)
    assert claims["iss"] == ISSUER
    assert len(claims["jti"]) == 32
    assert claims["exp"] - claims["iat"] == body["expires_in"] == 3600
    assert body["token_type"] == "Bearer"
    assert len(body["refresh_token"]) == 32 and "." not in body["refresh_token"]
    from better_auth_oauth_provider.services.id_tokens import at_hash

    id_claims = pyjwt.decode(body["id_token"], options={"verify_signature": False})
    assert id_claims["aud"] == app.client_id
    assert id_claims["at_hash"] == at_hash(token, header(body["id_token"])["alg"])


def test_single_audience_is_a_string(linked_rp: Any) -> None:
    """RFC 7519 §4.1.3 / surface §4 rule 9: one audience, a plain string."""
    app, secret, user = linked_rp
    body = login_tokens(app, secret, user, scope="profile", resources=[API])
    assert verified(body["access_token"])["aud"] == API
    assert "id_token" not in body and "refresh_token" not in body


def test_without_resource_the_token_stays_opaque(linked_rp: Any) -> None:
    """Surface §1.6: no resource, no audience: an opaque 32-letter token."""
    app, secret, user = linked_rp
    body = login_tokens(app, secret, user)
    assert len(body["access_token"]) == 32 and "." not in body["access_token"]


def test_claims_precedence_and_reserved_claims(
    linked_rp: Any, oauth_settings: Any
) -> None:
    """Surface §7: CUSTOM_ACCESS_TOKEN_CLAIMS < resource ``custom_claims``;
    ``iss sub aud exp iat jti client_id scope auth_time acr amr cnf azp sid``
    can never be set by either (RFC 9068 §2.2)."""
    app, secret, user = linked_rp
    reserved = {
        name: "forged"
        for name in (
            "iss sub aud exp iat jti client_id scope auth_time acr amr cnf azp sid"
        ).split()
    }

    def hook(context: dict[str, Any]) -> dict[str, Any]:
        return {**reserved, "tenant": "hook", "plan": "hook"}

    oauth_settings(CUSTOM_ACCESS_TOKEN_CLAIMS=hook)
    Resource.objects.filter(identifier=API).update(
        custom_claims={**reserved, "plan": "resource", "tier": 3}
    )
    claims = verified(login_tokens(app, secret, user, resources=[API])["access_token"])
    assert (claims["tenant"], claims["plan"], claims["tier"]) == ("hook", "resource", 3)
    for name in reserved:
        assert claims.get(name) != "forged", name
    assert "cnf" not in claims and "acr" not in claims


def test_resource_ttls_and_scope_expirations(
    linked_rp: Any, oauth_settings: Any
) -> None:
    """Surface §4 rule 5 and §1.6: access TTL = min(default, scope caps,
    resources); refresh TTL = min(resources, REFRESH_TOKEN_EXPIRES_IN)."""
    app, secret, user = linked_rp
    Resource.objects.filter(identifier=API).update(
        access_token_ttl=900, refresh_token_ttl=7200
    )
    with clock.freeze():
        body = login_tokens(app, secret, user, resources=[API])
        now = clock.now()
    assert body["expires_in"] == 900
    context = RefreshTokenContext.objects.get()
    assert int((context.expires_at - now).total_seconds()) == 7200
    oauth_settings(SCOPE_EXPIRATIONS={"email": 60})
    assert login_tokens(app, secret, user, resources=[API])["expires_in"] == 60


def test_allowed_scopes_narrow_the_token(linked_rp: Any) -> None:
    """Surface §4 rule 4: the response ``scope`` reports the narrowed set;
    the refresh token keeps the grant's scope (RFC 6749 §6)."""
    app, secret, user = linked_rp
    Resource.objects.filter(identifier=API).update(
        allowed_scopes=["openid", "offline_access"]
    )
    body = login_tokens(app, secret, user, resources=[API])
    assert body["scope"] == "openid offline_access"
    assert verified(body["access_token"])["scope"] == "openid offline_access"
    assert RefreshTokenContext.objects.get().scope == FULL_SCOPE


def test_signing_pins(linked_rp: Any) -> None:
    """Surface §4 rule 6, §12: a resource's algorithm or key pin signs its
    tokens; conflicting pins across resources are ``invalid_request``."""
    app, secret, user = linked_rp
    Resource.objects.filter(identifier=API).update(signing_algorithm="ES256")
    token = login_tokens(app, secret, user, scope="openid", resources=[API])
    assert header(token["access_token"])["alg"] == "ES256"
    verified(token["access_token"])
    pinned = create_key("RS256")
    Resource.objects.filter(identifier=API).update(
        signing_algorithm="", signing_key_id=pinned.id
    )
    token = login_tokens(app, secret, user, scope="openid", resources=[API])
    assert header(token["access_token"])["kid"] == pinned.id
    assert header(token["access_token"])["alg"] == "RS256"
    Resource.objects.filter(identifier=FILES).update(signing_key_id="other")
    verifier, challenge = pkce_pair()
    code = issue_code(app, user, challenge=challenge, resources=[API, FILES])
    refused = redeem(app, secret, code, verifier)
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_request"


def test_client_credentials_with_resource_is_a_jwt(
    m2m_client: tuple[Any, str],
) -> None:
    """Surface §13 scenario 33: ``sub`` = ``client_id`` = ``azp``; no row is
    stored for it (surface §3: access-token rows are for opaque tokens)."""
    app, secret = m2m_client
    link(app, API)
    before = get_access_token_model().objects.count()
    response = post_form(
        "/oauth2/token",
        {"grant_type": "client_credentials", "resource": API},
        auth=(app.client_id, secret),
    )
    assert response.status_code == 200, response.content
    claims = verified(response.json()["access_token"])
    assert claims["sub"] == claims["client_id"] == claims["azp"] == app.client_id
    assert claims["aud"] == API and claims["scope"] == "read write"
    assert "sid" not in claims
    assert get_access_token_model().objects.count() == before
    unlinked = post_form(
        "/oauth2/token",
        {"grant_type": "client_credentials", "resource": FILES},
        auth=(app.client_id, secret),
    )
    assert unlinked.json()["error"] == "invalid_target"


def test_dpop_required_resource_gets_no_bearer_token(linked_rp: Any) -> None:
    """Surface §5 / scenario 46: a resource that requires DPoP needs a proof
    (RFC 9449 §5); without proof support none is accepted, so the request
    is ``invalid_dpop_proof`` and the code stays usable."""
    app, secret, user = linked_rp
    Resource.objects.filter(identifier=API).update(dpop_required=True)
    verifier, challenge = pkce_pair()
    code = issue_code(app, user, challenge=challenge, resources=[API])
    refused = redeem(app, secret, code, verifier)
    assert refused.status_code == 400
    assert refused.json() == {
        "error": "invalid_dpop_proof",
        "error_description": "DPoP proof header is required",
    }
    Resource.objects.filter(identifier=API).update(dpop_required=False)
    assert redeem(app, secret, code, verifier).status_code == 200


def test_refresh_anchor_row_matches_no_presented_token(linked_rp: Any) -> None:
    """With a refresh token, one access-token row anchors it (RFC 6749 §6
    rotation, django-oauth-toolkit's schema); neither the JWT nor its public
    ``jti`` finds that row, so it is no second access token."""
    from better_auth_oauth_provider.oauth.digests import token_digest

    app, secret, user = linked_rp
    body = login_tokens(app, secret, user, resources=[API])
    rows = get_access_token_model().objects.all()
    assert rows.count() == 1
    jti = verified(body["access_token"])["jti"]
    for presented in (body["access_token"], jti, f"jti:{jti}"):
        assert rows[0].token_checksum != token_digest(presented)
        assert introspect(app, secret, presented).json()["active"] is (
            presented == body["access_token"]
        )


def test_refresh_narrows_never_widens_and_keeps_jwt(linked_rp: Any) -> None:
    """RFC 8707 §2.2, surface §4: the refresh row keeps the whole authorized
    set; a refresh may narrow it again, never widen it (``invalid_target``)."""
    app, secret, user = linked_rp
    body = login_tokens(app, secret, user, resources=[API, FILES])
    assert verified(body["access_token"])["aud"] == [API, FILES, USERINFO]
    narrowed = refresh(app, secret, body["refresh_token"], resource=FILES)
    assert narrowed.status_code == 200, narrowed.content
    fresh = narrowed.json()
    assert verified(fresh["access_token"], FILES)["aud"] == [FILES, USERINFO]
    widened = refresh(
        app, secret, fresh["refresh_token"], resource="https://other.example.test"
    )
    assert widened.json()["error"] == "invalid_target"
    again = refresh(app, secret, fresh["refresh_token"])
    assert verified(again.json()["access_token"])["aud"] == [API, FILES, USERINFO]


# --- introspection ---------------------------------------------------------------


def test_introspection_of_a_jwt(linked_rp: Any) -> None:
    """RFC 7662 §2.2, surface §8: the payload plus ``active``, ``client_id``
    and ``token_type``."""
    app, secret, user = linked_rp
    token = login_tokens(app, secret, user, resources=[API])["access_token"]
    body = introspect(app, secret, token).json()
    claims = verified(token)
    assert body == {**claims, "active": True, "token_type": "Bearer"}
    assert introspect(app, secret, token, token_type_hint="refresh_token").json()[
        "active"
    ]


def _forged_tokens(token: str) -> list[str]:
    head, payload, signature = token.split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    claims = pyjwt.decode(token, options={"verify_signature": False})
    stranger = ed25519.Ed25519PrivateKey.generate()
    foreign = pyjwt.encode(
        claims,
        stranger,
        algorithm="EdDSA",
        headers={"typ": "at+jwt", "kid": header(token)["kid"]},
    )
    unknown_kid = pyjwt.encode(
        claims, stranger, algorithm="EdDSA", headers={"typ": "at+jwt", "kid": "nope"}
    )
    unsigned = pyjwt.encode(claims, None, algorithm="none")
    return [
        f"{head}.{payload}.{flipped}",
        foreign,
        unknown_kid,
        unsigned,
        "a.b.c",
        "....",
        f"{head}.{payload}",
    ]


def test_forged_or_foreign_jwts_are_inactive_never_500(linked_rp: Any) -> None:
    """RFC 7662 §2.2 and surface §14: a bad signature, a stranger's key, an
    unknown ``kid``, ``alg: none`` or garbage is ``{"active": false}``."""
    app, secret, user = linked_rp
    token = login_tokens(app, secret, user, resources=[API])["access_token"]
    for forged in _forged_tokens(token):
        response = introspect(app, secret, forged)
        assert response.status_code == 200, forged
        assert response.json() == {"active": False}, forged
        assert userinfo(forged).status_code == 401


def test_expired_jwt_is_inactive(linked_rp: Any) -> None:
    app, secret, user = linked_rp
    token = login_tokens(app, secret, user, resources=[API])["access_token"]
    clock.advance(3601)
    try:
        assert introspect(app, secret, token).json() == {"active": False}
    finally:
        clock.advance(-3601)


def test_other_issuers_jwts_are_inactive(linked_rp: Any) -> None:
    """A JWT signed with our key but not an access token of ours: an ID
    token (no ``typ: at+jwt``), another issuer, too many audiences (>64,
    surface §4), or no ``azp``."""
    app, secret, user = linked_rp
    body = login_tokens(app, secret, user, resources=[API])
    claims = pyjwt.decode(body["access_token"], options={"verify_signature": False})
    typed = {"typ": "at+jwt"}
    variants = [
        body["id_token"],
        sign_jwt({**claims, "iss": "https://evil.example.test"}, headers=typed),
        sign_jwt({**claims, "aud": [API] * 65}, headers=typed),
        sign_jwt({k: v for k, v in claims.items() if k != "azp"}, headers=typed),
        sign_jwt({**claims, "aud": "https://unknown.example.test"}, headers=typed),
    ]
    for token in variants:
        assert introspect(app, secret, token).json() == {"active": False}


def test_resource_lifecycle(linked_rp: Any) -> None:
    """Surface §4: disabling a resource keeps issued tokens active; deleting
    it deactivates them."""
    app, secret, user = linked_rp
    token = login_tokens(app, secret, user, resources=[API])["access_token"]
    Resource.objects.filter(identifier=API).update(enabled=False)
    assert introspect(app, secret, token).json()["active"] is True
    Resource.objects.filter(identifier=API).delete()
    assert introspect(app, secret, token).json() == {"active": False}


def test_ended_session_deactivates_the_jwt(linked_rp: Any) -> None:
    """Surface §8: the session named by ``sid`` must still exist."""
    app, secret, user = linked_rp
    token = login_tokens(app, secret, user, resources=[API])["access_token"]
    Session.objects.filter(user=user).delete()
    assert introspect(app, secret, token).json() == {"active": False}
    assert userinfo(token).status_code == 401


def test_resource_server_client_may_introspect(
    linked_rp: Any, oauth_client_factory: Any
) -> None:
    """RFC 7662 §2.1, surface §8 / scenario 57: a client linked to one of the
    token's resources may introspect it; an unlinked one learns nothing."""
    app, secret, user = linked_rp
    token = login_tokens(app, secret, user, resources=[API])["access_token"]
    server, server_secret = oauth_client_factory(client_name="api-server")
    assert introspect(server, server_secret, token).json() == {"active": False}
    link(server, API)
    body = introspect(server, server_secret, token).json()
    assert body["active"] is True and body["client_id"] == app.client_id


def test_disabled_client_deactivates_its_jwts(linked_rp: Any) -> None:
    app, secret, user = linked_rp
    token = login_tokens(app, secret, user, resources=[API])["access_token"]
    server_app = app
    from better_auth_oauth_provider.models import ClientProfile

    ClientProfile.objects.filter(application=server_app).update(disabled=True)
    from better_auth_oauth_provider.services.access_tokens import (
        validate_jwt_access_token,
    )

    assert validate_jwt_access_token(token) is None


# --- userinfo and revocation -----------------------------------------------------


def test_userinfo_accepts_a_jwt_for_it(linked_rp: Any) -> None:
    """OIDC Core §5.3 with a JWT whose ``aud`` includes the UserInfo
    endpoint; claims by scope only (surface §7 / scenario 63)."""
    app, secret, user = linked_rp
    token = login_tokens(
        app,
        secret,
        user,
        scope="openid profile",
        resources=[API],
        userinfo_claims=["email"],
    )["access_token"]
    response = userinfo(token)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["sub"] == str(user.pk) and "name" in body
    assert "email" not in body


def test_userinfo_refuses_a_jwt_not_meant_for_it(linked_rp: Any) -> None:
    """RFC 9068 §4: a token for another audience is ``invalid_token``."""
    app, secret, user = linked_rp
    token = login_tokens(app, secret, user, scope="profile", resources=[API])
    response = userinfo(token["access_token"])
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


def test_userinfo_refuses_dpop_bound_jwt_on_bearer(linked_rp: Any) -> None:
    """RFC 9449 §7.1: a ``cnf.jkt`` token is not a bearer token."""
    app, secret, user = linked_rp
    token = login_tokens(app, secret, user, resources=[API])["access_token"]
    claims = pyjwt.decode(token, options={"verify_signature": False})
    bound = sign_jwt({**claims, "cnf": {"jkt": "x" * 43}}, headers={"typ": "at+jwt"})
    response = userinfo(bound)
    assert response.status_code == 401
    assert "DPoP" in response.json()["error_description"]


def test_revoking_a_jwt_is_200_and_it_lives_on(linked_rp: Any) -> None:
    """RFC 7009 §2.2: a server may not support revoking a token type; the
    answer is still 200 (Better Auth: 400 ``unsupported_token_type``). The
    JWT stays valid until it expires; revoking its refresh token ends the
    grant."""
    app, secret, user = linked_rp
    body = login_tokens(app, secret, user, resources=[API])
    revoked = post_form(
        "/oauth2/revoke", {"token": body["access_token"]}, auth=(app.client_id, secret)
    )
    assert revoked.status_code == 200
    assert introspect(app, secret, body["access_token"]).json()["active"] is True
    post_form(
        "/oauth2/revoke",
        {"token": body["refresh_token"]},
        auth=(app.client_id, secret),
    )
    assert refresh(app, secret, body["refresh_token"]).status_code == 400


def test_code_replay_removes_the_refresh_token(linked_rp: Any) -> None:
    """RFC 6749 §4.1.2 / §10.5: a replayed code revokes what it issued; for
    a JWT that is its refresh token (the JWT itself lives until it expires,
    as in Better Auth, which deletes only opaque rows)."""
    app, secret, user = linked_rp
    verifier, challenge = pkce_pair()
    code = issue_code(app, user, challenge=challenge, resources=[API])
    body = redeem(app, secret, code, verifier).json()
    assert redeem(app, secret, code, verifier).status_code == 400
    assert refresh(app, secret, body["refresh_token"]).json()["error"] == (
        "invalid_grant"
    )


# --- cost ------------------------------------------------------------------------

BUDGET = {
    "postgresql": {
        "authorization_code": 4,
        "refresh_token": 4,
        "client_credentials": 3,
    },
    "sqlite": {"authorization_code": 7, "refresh_token": 7, "client_credentials": 4},
}


def test_query_budget_with_resources(
    linked_rp: Any, m2m_client: tuple[Any, str], django_assert_max_num_queries: Any
) -> None:
    """At most four SQL statements per token request on PostgreSQL with
    resources: the grant, the resource policy (one query), the single-use
    UPDATE and one INSERT; a JWT without a refresh token inserts nothing."""
    budget = BUDGET.get(connection.vendor, BUDGET["sqlite"])
    app, secret, user = linked_rp
    get_signing_key()
    login_tokens(app, secret, user, resources=[API])  # seeds, warms caches
    verifier, challenge = pkce_pair()
    code = issue_code(app, user, challenge=challenge, resources=[API])
    with django_assert_max_num_queries(budget["authorization_code"]):
        body = redeem(app, secret, code, verifier).json()
    with django_assert_max_num_queries(budget["refresh_token"]):
        assert refresh(app, secret, body["refresh_token"]).status_code == 200
    m2m, m2m_secret = m2m_client
    link(m2m, API)
    with django_assert_max_num_queries(budget["client_credentials"]):
        issued = post_form(
            "/oauth2/token",
            {"grant_type": "client_credentials", "resource": API},
            auth=(m2m.client_id, m2m_secret),
        )
    assert issued.status_code == 200
