"""The resource-server toolkit and protected resource metadata.

RFC 6750 §3 / RFC 9728 §5.1 challenges, RFC 9068 §4 audience checks,
RFC 9728 §3 metadata documents (Better Auth surface §2, §4).
"""

from __future__ import annotations

import json
from typing import Any

import jwt as pyjwt
import pytest
from django.http import JsonResponse
from django.test import Client, RequestFactory
from rest_framework.response import Response
from rest_framework.views import APIView

from better_auth.keys import public_jwks, sign_jwt
from better_auth.outbound import OutboundResponse
from better_auth_oauth_provider.models import Resource
from better_auth_oauth_provider.resource_server import (
    bearer_challenge,
    require_access_token,
    reset_jwks_cache,
    resource_metadata_url,
    verify_access_token,
)
from better_auth_oauth_provider.resource_server.drf import (
    AccessTokenAuthentication,
    HasScopes,
)
from better_auth_oauth_provider.resource_server.verification import (
    InsufficientScopeError,
    InvalidAccessToken,
)
from tests.oauth_provider.conftest import ISSUER
from tests.oauth_provider.test_resources import link
from tests.oauth_provider.test_token import login_tokens, post_form

API_A = "http://testserver/api/a"
API_B = "http://testserver/api/b"
META_A = "http://testserver/.well-known/oauth-protected-resource/api/a"


@pytest.fixture
def tokens(rp: Any) -> dict[str, str]:
    """Tokens of the signed-in user for resource A and for resource B."""
    app, secret, user = rp
    link(app, API_A, API_B)
    Resource.objects.filter(identifier=API_A).update(allowed_scopes=["read", "write"])
    scope = "profile read"
    from better_auth_oauth_provider.models import ClientProfile

    ClientProfile.objects.filter(application=app).update(
        scopes=["openid", "profile", "email", "offline_access", "read", "write"]
    )
    a = login_tokens(app, secret, user, scope=scope, resources=[API_A])
    b = login_tokens(app, secret, user, scope=scope, resources=[API_B])
    return {
        "a": a["access_token"],
        "b": b["access_token"],
        "opaque": login_tokens(app, secret, user, scope=scope)["access_token"],
    }


@require_access_token(resource=API_A, scopes=["read"])
def read_view(request: Any) -> JsonResponse:
    return JsonResponse({"sub": request.access_token.subject})


@require_access_token(resource=API_A, scopes=["read", "write", "admin"])
def admin_view(request: Any) -> JsonResponse:  # pragma: no cover - refused
    return JsonResponse({})


def call(view: Any, token: str | None, scheme: str = "Bearer") -> Any:
    headers = {"HTTP_AUTHORIZATION": f"{scheme} {token}"} if token else {}
    response = view(RequestFactory().get("/api/a/items", **headers))
    response.json = lambda: json.loads(response.content)
    return response


# --- challenges ----------------------------------------------------------------


def test_resource_metadata_url() -> None:
    """RFC 9728 §3.1: the well-known segment between origin and path; the
    trailing slash dropped and the query kept (surface §4)."""
    assert resource_metadata_url("https://api.example.test/") == (
        "https://api.example.test/.well-known/oauth-protected-resource"
    )
    assert resource_metadata_url("https://h.test/v1/?t=1") == (
        "https://h.test/.well-known/oauth-protected-resource/v1?t=1"
    )
    with pytest.raises(ValueError):
        resource_metadata_url("urn:example:api")


def test_bearer_challenge_layout() -> None:
    """Better Auth's parameter order (surface §4), plus ``error`` on 401s
    (RFC 6750 §3.1); quotes and backslashes never reach the header."""
    assert bearer_challenge(resource_metadata=META_A) == (
        f'Bearer resource_metadata="{META_A}"'
    )
    assert bearer_challenge(
        resource_metadata=META_A, error="invalid_token", description='bad "x"\\'
    ) == (
        f'Bearer resource_metadata="{META_A}", error="invalid_token", '
        'error_description="bad x"'
    )
    assert bearer_challenge(
        resource_metadata=META_A,
        error="insufficient_scope",
        description="access token is missing required scope: a b",
        scopes=["a", "b", 'bad"'],
    ) == (
        f'Bearer error="insufficient_scope", scope="a b", '
        f'resource_metadata="{META_A}", '
        'error_description="access token is missing required scope: a b"'
    )


# --- the decorator ---------------------------------------------------------------


def test_accepted_token(tokens: dict[str, str], rp: Any) -> None:
    response = call(read_view, tokens["a"])
    assert response.status_code == 200
    assert response.json() == {"sub": str(rp[2].pk)}


def test_no_token_is_401_without_error_code(db: None) -> None:
    """RFC 6750 §3.1: no credentials, no ``error`` in the challenge."""
    for response in (call(read_view, None), call(read_view, "x", scheme="Basic")):
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == f'Bearer resource_metadata="{META_A}"'


def test_cross_resource_replay_is_refused(tokens: dict[str, str]) -> None:
    """RFC 9068 §4, RFC 8707 §2: a token for resource B presented to
    resource A is ``invalid_token`` with A's metadata in the challenge."""
    response = call(read_view, tokens["b"])
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    assert response["WWW-Authenticate"] == (
        f'Bearer resource_metadata="{META_A}", error="invalid_token", '
        'error_description="access token is not meant for this resource"'
    )


def test_opaque_and_forged_tokens_are_invalid(tokens: dict[str, str]) -> None:
    """Opaque tokens carry no audience; a tampered JWT fails its signature."""
    head, payload, sig = tokens["a"].split(".")
    for token in (tokens["opaque"], f"{head}.{payload}.{sig[::-1]}", "a.b.c"):
        response = call(read_view, token)
        assert response.status_code == 401
        assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_missing_scopes_are_403_insufficient_scope(tokens: dict[str, str]) -> None:
    """RFC 6750 §3.1: 403 naming only the missing scopes (surface §13.85)."""
    response = call(admin_view, tokens["a"])
    assert response.status_code == 403
    assert response.json()["error"] == "insufficient_scope"
    assert response["WWW-Authenticate"] == (
        f'Bearer error="insufficient_scope", scope="write admin", '
        f'resource_metadata="{META_A}", '
        'error_description="access token is missing required scope: write admin"'
    )


def test_dpop_bound_token_is_refused_on_bearer(tokens: dict[str, str]) -> None:
    """RFC 9449 §7.1: a ``cnf.jkt`` token is not a bearer token; the DPoP
    scheme without a proof is refused too."""
    claims = pyjwt.decode(tokens["a"], options={"verify_signature": False})
    bound = sign_jwt({**claims, "cnf": {"jkt": "k" * 43}}, headers={"typ": "at+jwt"})
    response = call(read_view, bound)
    assert response.status_code == 401
    assert (
        "requires the DPoP authorization scheme" in response.json()["error_description"]
    )
    assert call(read_view, bound, scheme="DPoP").status_code == 401


def test_check_active_sees_ended_sessions(tokens: dict[str, str], rp: Any) -> None:
    """Local verification is stateless; ``check_active`` adds the
    authorization server's rules (the session named by ``sid``)."""
    from better_auth.models import Session

    Session.objects.filter(user=rp[2]).delete()
    assert verify_access_token(tokens["a"], resource=API_A).subject
    with pytest.raises(InvalidAccessToken):
        verify_access_token(tokens["a"], resource=API_A, check_active=True)


def test_client_credentials_token(m2m_client: tuple[Any, str]) -> None:
    app, secret = m2m_client
    link(app, API_A)
    token = post_form(
        "/oauth2/token",
        {"grant_type": "client_credentials", "resource": API_A},
        auth=(app.client_id, secret),
    ).json()["access_token"]
    verified = verify_access_token(token, resource=API_A, scopes=["read"])
    assert verified.is_client_token and verified.client_id == app.client_id
    with pytest.raises(InsufficientScopeError):
        verify_access_token(token, resource=API_A, scopes=["admin"])


# --- remote JWKS and introspection -------------------------------------------------


def test_remote_jwks_is_cached_and_refetched_for_unknown_kid(
    tokens: dict[str, str], rp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keys come through the outbound client and are cached per process; a
    token naming an unknown ``kid`` (a rotation) fetches them again, but not
    more often than the cooldown allows."""
    from better_auth import outbound
    from better_auth.keys import reset_cache, rotate
    from better_auth_oauth_provider.resource_server import verification

    fetched: list[str] = []
    clock_now = [1000.0]

    def fake_fetch(url: str, **kwargs: Any) -> OutboundResponse:
        fetched.append(url)
        return OutboundResponse(200, {}, json.dumps(public_jwks()).encode(), url)

    monkeypatch.setattr(outbound, "fetch", fake_fetch)
    monkeypatch.setattr(verification, "_monotonic", lambda: clock_now[0])
    reset_jwks_cache()
    url = "https://issuer.example.test/api/auth/jwks"
    for _ in range(3):
        verify_access_token(tokens["a"], resource=API_A, jwks_url=url)
    assert fetched == [url]
    with pytest.raises(InvalidAccessToken):
        verify_access_token(tokens["b"], resource=API_A, jwks_url=url)
    rotate()
    reset_cache()
    app, secret, user = rp
    fresh = login_tokens(app, secret, user, scope="read", resources=[API_A])
    with pytest.raises(InvalidAccessToken):  # inside the cooldown
        verify_access_token(fresh["access_token"], resource=API_A, jwks_url=url)
    clock_now[0] += 31
    verify_access_token(fresh["access_token"], resource=API_A, jwks_url=url)
    assert len(fetched) == 2


def test_remote_introspection(
    tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """RFC 7662 §2.1 form POST with the resource server's credentials."""
    from better_auth import outbound

    sent: dict[str, Any] = {}

    def fake_fetch(url: str, **kwargs: Any) -> OutboundResponse:
        sent.update(kwargs, url=url)
        body = b'{"active": true, "aud": "%s", "scope": "read", "sub": "u1"}' % (
            API_A.encode()
        )
        return OutboundResponse(200, {}, body, url)

    monkeypatch.setattr(outbound, "fetch", fake_fetch)
    verified = verify_access_token(
        "opaque-or-jwt",
        resource=API_A,
        scopes=["read"],
        introspection_url="https://issuer.example.test/api/auth/oauth2/introspect",
    )
    assert verified.subject == "u1"
    assert sent["method"] == "POST" and "token=opaque-or-jwt" in sent["data"]
    assert sent["headers"]["authorization"].startswith("Basic ")


# --- DRF -----------------------------------------------------------------------


class Items(APIView):
    authentication_classes = [AccessTokenAuthentication]
    permission_classes = [HasScopes]
    access_token_resource = API_A
    required_scopes = ["read"]

    def get(self, request: Any) -> Response:
        return Response({"user": str(request.user.pk), "scopes": request.auth.scopes})


class AdminItems(Items):
    required_scopes = ["admin"]


def drf(view: Any, token: str | None) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    response = view.as_view()(RequestFactory().get("/api/a/items", **headers))
    response.render()
    return response


def test_drf_accepts_and_refuses(tokens: dict[str, str], rp: Any) -> None:
    """DRF: accepted token -> ``request.user`` and ``request.auth``; no token
    -> 401 with the challenge; token for B -> 401 ``invalid_token``; missing
    scope -> 403 ``insufficient_scope`` with its challenge."""
    ok = drf(Items, tokens["a"])
    assert ok.status_code == 200
    assert ok.data == {"user": str(rp[2].pk), "scopes": ["read"]}
    missing = drf(Items, None)
    assert missing.status_code == 401
    assert missing["WWW-Authenticate"] == f'Bearer resource_metadata="{META_A}"'
    replay = drf(Items, tokens["b"])
    assert replay.status_code == 401
    assert replay["WWW-Authenticate"].startswith(
        f'Bearer resource_metadata="{META_A}", error="invalid_token"'
    )
    scoped = drf(AdminItems, tokens["a"])
    assert scoped.status_code == 403
    assert scoped["WWW-Authenticate"].startswith(
        'Bearer error="insufficient_scope", scope="admin"'
    )


# --- RFC 9728 documents -----------------------------------------------------------


def test_protected_resource_metadata(db: None) -> None:
    """RFC 9728 §3: the document of a local resource at the well-known URL
    built from its path; unknown or disabled resources are 404."""
    Resource.objects.create(
        identifier=API_A,
        name="Items API",
        allowed_scopes=["openid", "read", "write"],
        dpop_required=True,
    )
    Resource.objects.create(identifier="http://testserver/", enabled=True)
    Resource.objects.create(identifier=API_B, enabled=False)
    response = Client().get("/.well-known/oauth-protected-resource/api/a")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("public, max-age=15")
    assert response.json() == {
        "resource": API_A,
        "authorization_servers": [ISSUER],
        "scopes_supported": ["read", "write"],
        "bearer_methods_supported": ["header"],
        "resource_name": "Items API",
        # RFC 9728 §2, present while DPoP is supported.
        "dpop_signing_alg_values_supported": [
            "EdDSA",
            "ES256",
            "ES512",
            "PS256",
            "RS256",
            "Ed25519",
        ],
        "dpop_bound_access_tokens_required": True,
    }
    root = Client().get("/.well-known/oauth-protected-resource").json()
    assert root["resource"] == "http://testserver/"
    assert "scopes_supported" not in root  # only OpenID scopes configured
    assert Client().get("/.well-known/oauth-protected-resource/api/b").status_code == (
        404
    )
    assert Client().get("/.well-known/oauth-protected-resource/x").status_code == 404
    post = Client().post("/.well-known/oauth-protected-resource/api/a")
    assert post.status_code == 405 and post["Allow"] == "GET, HEAD"
    head = Client().head("/.well-known/oauth-protected-resource/api/a")
    assert head.status_code == 200 and head.content == b""
