"""DPoP-bound tokens at protected resources (RFC 9449 §7, §9).

UserInfo and the resource-server toolkit (view decorator and DRF classes)
accept a bound token only on the ``DPoP`` scheme with a proof for the
request, signed by the bound key and carrying ``ath``; refusals are 401
with a ``WWW-Authenticate: DPoP`` challenge listing ``algs``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.http import JsonResponse
from django.test import Client, RequestFactory
from rest_framework.response import Response
from rest_framework.views import APIView

from better_auth_oauth_provider.models import ClientProfile, Resource
from better_auth_oauth_provider.resource_server import (
    InvalidAccessToken,
    require_access_token,
    set_dpop_verifier,
)
from better_auth_oauth_provider.resource_server.drf import (
    AccessTokenAuthentication,
    HasScopes,
)
from tests.conftest import BASE
from tests.oauth_provider.test_dpop_tokens import (
    USERINFO_URL,
    bound_login,
    make_proof,
)
from tests.oauth_provider.test_resources import API, link
from tests.oauth_provider.test_rfc9449_dpop_proofs import Holder
from tests.oauth_provider.test_token import login_tokens

ALGS = 'algs="EdDSA ES256 ES512 PS256 RS256 Ed25519"'
API_URL = "http://testserver/api/a/items"
API_A = "http://testserver/api/a"


@pytest.fixture
def holder() -> Holder:
    return Holder()


def userinfo(token: str, scheme: str = "DPoP", proof: str | None = None) -> Any:
    headers = {"authorization": f"{scheme} {token}"}
    if proof:
        headers["DPoP"] = proof
    return Client().get(BASE + "/oauth2/userinfo", headers=headers)


def ui_proof(holder: Holder, token: str, **claims: Any) -> str:
    return make_proof(holder, htm="GET", htu=USERINFO_URL, access_token=token, **claims)


# --- UserInfo ----------------------------------------------------------------------


def test_userinfo_with_bound_opaque_token_and_proof(rp: Any, holder: Holder) -> None:
    """RFC 9449 §7.1: the DPoP scheme, a proof for GET userinfo with ``ath``."""
    app, secret, user = rp
    token = bound_login(app, secret, user, holder)["access_token"]
    response = userinfo(token, proof=ui_proof(holder, token))
    assert response.status_code == 200, response.content
    assert response.json()["sub"] == str(user.pk)
    assert "DPoP-Nonce" not in response


def test_userinfo_with_bound_jwt_and_proof(rp: Any, holder: Holder) -> None:
    """A bound JWT access token for the UserInfo audience (``cnf.jkt``)."""
    app, secret, user = rp
    link(app, API)
    token = bound_login(app, secret, user, holder, resources=[API])["access_token"]
    assert token.count(".") == 2
    response = userinfo(token, proof=ui_proof(holder, token))
    assert response.status_code == 200, response.content
    bearer = userinfo(token, scheme="Bearer")
    assert bearer.status_code == 401
    assert bearer.json()["error"] == "invalid_token"


def test_bound_token_on_bearer_is_invalid_token(rp: Any, holder: Holder) -> None:
    """RFC 9449 §7.1: a bound token is not a bearer token (Better Auth's
    description)."""
    app, secret, user = rp
    token = bound_login(app, secret, user, holder)["access_token"]
    for scheme in ("Bearer", ""):
        response = userinfo(token, scheme=scheme)
        assert response.status_code == 401
        assert response.json() == {
            "error": "invalid_token",
            "error_description": (
                "DPoP-bound access token requires the DPoP authorization scheme"
            ),
        }


def test_dpop_scheme_with_bearer_token_is_refused(rp: Any, holder: Holder) -> None:
    """The DPoP scheme names a bound token; an unbound one is invalid_token."""
    app, secret, user = rp
    token = login_tokens(app, secret, user)["access_token"]
    response = userinfo(token, proof=ui_proof(holder, token))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


@pytest.mark.parametrize(
    ("case", "description"),
    [
        ("missing", "DPoP proof header is required"),
        ("ath", "DPoP proof ath does not match the access token"),
        ("key", "DPoP proof key does not match the bound key"),
        ("htu", "DPoP proof htu does not match the request URI"),
        ("htm", "DPoP proof htm does not match the request method"),
    ],
)
def test_userinfo_proof_refusals_carry_the_dpop_challenge(
    rp: Any, holder: Holder, case: str, description: str
) -> None:
    """RFC 9449 §7.1: 401 ``invalid_dpop_proof`` with ``WWW-Authenticate:
    DPoP error=..., algs=...``."""
    app, secret, user = rp
    token = bound_login(app, secret, user, holder)["access_token"]
    proof = {
        "missing": None,
        "ath": ui_proof(holder, "another-token"),
        "key": ui_proof(Holder(), token),
        "htu": make_proof(holder, htm="GET", access_token=token),
        "htm": make_proof(holder, htu=USERINFO_URL, access_token=token),
    }[case]
    response = userinfo(token, proof=proof)
    assert response.status_code == 401
    assert response.json() == {
        "error": "invalid_dpop_proof",
        "error_description": description,
    }
    challenge = response["WWW-Authenticate"]
    assert challenge.startswith('DPoP error="invalid_dpop_proof"')
    assert challenge.endswith(ALGS)


def test_userinfo_proof_is_single_use(rp: Any, holder: Holder) -> None:
    """RFC 9449 §11.1: replaying a resource request's proof is refused."""
    app, secret, user = rp
    token = bound_login(app, secret, user, holder)["access_token"]
    proof = ui_proof(holder, token)
    assert userinfo(token, proof=proof).status_code == 200
    again = userinfo(token, proof=proof)
    assert again.status_code == 401
    assert again.json()["error_description"] == "DPoP proof jti has already been used"


def test_userinfo_nonce(rp: Any, holder: Holder, oauth_settings: Any) -> None:
    """RFC 9449 §9: with nonces on, a proof without one is 401 with
    ``DPoP error="use_dpop_nonce"`` and a ``DPoP-Nonce``; the retry passes
    and the 200 brings a fresh nonce."""
    app, secret, user = rp
    token = bound_login(app, secret, user, holder)["access_token"]
    oauth_settings(DPOP_REQUIRE_NONCE=True)
    first = userinfo(token, proof=ui_proof(holder, token))
    assert first.status_code == 401
    assert first.json()["error"] == "use_dpop_nonce"
    assert first["WWW-Authenticate"].startswith('DPoP error="use_dpop_nonce"')
    nonce = first["DPoP-Nonce"]
    retry = userinfo(token, proof=ui_proof(holder, token, nonce=nonce))
    assert retry.status_code == 200, retry.content
    assert retry["DPoP-Nonce"]


# --- the resource-server toolkit --------------------------------------------------


@require_access_token(resource=API_A, scopes=["read"])
def read_view(request: Any) -> JsonResponse:
    return JsonResponse({"sub": request.access_token.subject})


class Items(APIView):
    authentication_classes = [AccessTokenAuthentication]
    permission_classes = [HasScopes]
    access_token_resource = API_A
    required_scopes = ["read"]

    def get(self, request: Any) -> Response:
        return Response({"sub": request.auth.subject})


def call(view: Any, token: str, scheme: str = "DPoP", proof: str | None = None) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"{scheme} {token}"}
    if proof:
        headers["HTTP_DPOP"] = proof
    response = view(RequestFactory().get("/api/a/items", **headers))
    if hasattr(response, "render"):
        response.render()
    response.json = lambda: json.loads(response.content)
    return response


@pytest.fixture
def api_token(rp: Any, holder: Holder) -> str:
    """A DPoP-bound JWT for resource A with scope ``read``."""
    app, secret, user = rp
    link(app, API_A)
    Resource.objects.filter(identifier=API_A).update(allowed_scopes=["read"])
    ClientProfile.objects.filter(application=app).update(
        scopes=["openid", "profile", "email", "offline_access", "read"]
    )
    body = bound_login(app, secret, user, holder, scope="read", resources=[API_A])
    return body["access_token"]


def api_proof(holder: Holder, token: str, **claims: Any) -> str:
    return make_proof(holder, htm="GET", htu=API_URL, access_token=token, **claims)


@pytest.mark.parametrize("view", [read_view, Items.as_view()], ids=["django", "drf"])
def test_toolkit_accepts_a_proof_and_refuses_bearer(
    api_token: str, holder: Holder, view: Any
) -> None:
    """RFC 9449 §7: @require_access_token and the DRF classes check the proof."""
    accepted = call(view, api_token, proof=api_proof(holder, api_token))
    assert accepted.status_code == 200, accepted.content
    bearer = call(view, api_token, scheme="Bearer")
    assert bearer.status_code == 401
    assert "DPoP authorization scheme" in str(bearer.json())


@pytest.mark.parametrize("view", [read_view, Items.as_view()], ids=["django", "drf"])
def test_toolkit_proof_refusal_is_a_dpop_challenge(
    api_token: str, holder: Holder, view: Any
) -> None:
    """RFC 9449 §7.1: a missing or wrong proof answers a DPoP challenge."""
    for proof in (None, api_proof(Holder(), api_token)):
        response = call(view, api_token, proof=proof)
        assert response.status_code == 401
        challenge = response["WWW-Authenticate"]
        assert challenge.startswith('DPoP error="invalid_dpop_proof"'), challenge
        assert challenge.endswith(ALGS)


def test_toolkit_refuses_dpop_scheme_for_an_unbound_token(
    rp: Any, holder: Holder
) -> None:
    """A token without ``cnf.jkt`` on the DPoP scheme is invalid_token."""
    app, secret, user = rp
    link(app, API_A)
    Resource.objects.filter(identifier=API_A).update(allowed_scopes=["read"])
    ClientProfile.objects.filter(application=app).update(
        scopes=["openid", "offline_access", "read"]
    )
    token = login_tokens(app, secret, user, scope="read", resources=[API_A])
    access = token["access_token"]
    response = call(read_view, access, proof=api_proof(holder, access))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


@pytest.mark.parametrize("view", [read_view, Items.as_view()], ids=["django", "drf"])
def test_toolkit_nonce(
    api_token: str, holder: Holder, oauth_settings: Any, view: Any
) -> None:
    """RFC 9449 §9 at a resource: use_dpop_nonce with a DPoP-Nonce header,
    through the decorator and through the DRF classes alike."""
    oauth_settings(DPOP_REQUIRE_NONCE=True)
    first = call(view, api_token, proof=api_proof(holder, api_token))
    assert first.status_code == 401
    assert 'error="use_dpop_nonce"' in first["WWW-Authenticate"]
    nonce = first["DPoP-Nonce"]
    retry = call(view, api_token, proof=api_proof(holder, api_token, nonce=nonce))
    assert retry.status_code == 200, retry.content


def test_resource_origin_setting(
    api_token: str, holder: Holder, oauth_settings: Any
) -> None:
    """``DPOP_RESOURCE_ORIGIN``: proofs name the resource's public origin."""
    oauth_settings(DPOP_RESOURCE_ORIGIN="https://api.example.test")
    here = call(read_view, api_token, proof=api_proof(holder, api_token))
    assert here.status_code == 401
    proof = make_proof(
        holder,
        htm="GET",
        htu="https://api.example.test/api/a/items",
        access_token=api_token,
    )
    assert call(read_view, api_token, proof=proof).status_code == 200


def test_verifier_can_be_replaced(api_token: str) -> None:
    """``set_dpop_verifier`` swaps the proof check; None restores it."""
    seen: list[str] = []

    def refuse(request: Any, token: str, claims: dict[str, Any]) -> None:
        seen.append(claims["cnf"]["jkt"])
        raise InvalidAccessToken("custom refusal")

    set_dpop_verifier(refuse)
    try:
        response = call(read_view, api_token, proof="anything")
    finally:
        set_dpop_verifier(None)
    assert response.status_code == 401 and seen
    assert response.json()["error_description"] == "custom refusal"


def test_bound_token_without_a_request_is_refused(api_token: str) -> None:
    """An in-process check has no proof to verify, so a bound token is
    refused there whatever the scheme (Better Auth: 401 invalid_token)."""
    from better_auth_oauth_provider.resource_server import verify_access_token

    for scheme in ("bearer", "dpop"):
        with pytest.raises(InvalidAccessToken):
            verify_access_token(api_token, resource=API_A, scheme=scheme)
