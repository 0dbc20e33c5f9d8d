"""The ``oauth-server`` cases of shared/cases/public.md (section A) that the
protocol modules do not already cover.

Cases A.1-A.6, A.9, A.11, A.12 (a)(b)(d)(e)(f), A.19 (a)-(g), A.21, A.22,
A.8 (a)(c) and the authorize-time parts of A.16 are tests in
test_redirect_uris.py, test_rfc8252_loopback.py, test_token.py,
test_rfc7636_pkce.py, test_authorize.py, test_client_auth.py,
test_rfc7009_revocation.py, test_rfc7662_introspection.py,
test_refresh_rotation.py, test_registration.py, test_discovery.py,
test_rfc9207_iss.py, test_consent.py and test_prompt.py (each names its
case). Here are the remaining parts: A.8 (b), A.12 (c), A.16 (c)(d)(e),
the last clause of A.19, and A.13 / A.18 for features not built yet. They
are driven through the real endpoints as a relying party sees them: paths
are read from the discovery document, the user signs in through the core
API and the code comes from ``/oauth2/authorize``.
"""

from __future__ import annotations

import base64
import secrets
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from better_auth_oauth_provider import capabilities
from tests.oauth_provider.conftest import ISSUER, WEB_REDIRECT
from tests.oauth_provider.test_token import pkce_pair, post_form

API = "https://api.example.test"
FILES = "https://files.example.test"
USERINFO = f"{ISSUER}/oauth2/userinfo"
BROWSER = {"accept": "text/html"}


# --- a relying party that reads its endpoints from discovery -----------------


def _endpoints(api: Any) -> dict[str, str]:
    """Endpoint paths below the auth mount, from OIDC Discovery 1.0 §3."""
    document = api.get("/.well-known/openid-configuration").json()
    return {
        key.removesuffix("_endpoint"): value.removeprefix(ISSUER)
        for key, value in document.items()
        if key.endswith("_endpoint") and isinstance(value, str)
    }


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _code(
    api: Any, app: Any, *, scope: str, resources: tuple[str, ...] = ()
) -> tuple[str, str]:
    """An authorization code for the signed-in user (trusted client, PKCE
    S256); returns ``(code, verifier)``."""
    verifier, challenge = pkce_pair()
    params: dict[str, Any] = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": WEB_REDIRECT,
        "scope": scope,
        "state": "s1",
        "nonce": "n1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    if resources:
        params["resource"] = list(resources)
    response = api.get(_endpoints(api)["authorization"], params, headers=BROWSER)
    assert response.status_code == 302, response.content
    target = response.headers["Location"]
    assert target.startswith(WEB_REDIRECT + "?"), target
    query = _query(target)
    assert "code" in query, query
    return query["code"], verifier


def _token(api: Any, app: Any, secret: str, form: dict[str, Any]) -> Any:
    return post_form(_endpoints(api)["token"], form, auth=(app.client_id, secret))


def _exchange(
    api: Any, app: Any, secret: str, code: str, verifier: str, **extra: Any
) -> Any:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": verifier,
        "redirect_uri": WEB_REDIRECT,
        **extra,
    }
    return _token(api, app, secret, form)


def _refresh(api: Any, app: Any, secret: str, token: str, **extra: Any) -> Any:
    form = {"grant_type": "refresh_token", "refresh_token": token, **extra}
    return _token(api, app, secret, form)


def _introspect(api: Any, app: Any, secret: str, token: str) -> dict[str, Any]:
    response = post_form(
        _endpoints(api)["introspection"], {"token": token}, auth=(app.client_id, secret)
    )
    assert response.status_code == 200, response.content
    return response.json()


# --- A.8 ---------------------------------------------------------------------


def test_case_a8b_narrowed_refresh_keeps_the_refresh_token_scope(
    signed_in_api: Any, trusted_client: Any
) -> None:
    """Case A.8 (b), RFC 6749 §6 / OAuth 2.1 §4.3.3: the access token of a
    narrowed refresh carries only the narrowed scope, and the refresh token
    issued with it keeps the original grant, so a later refresh without
    ``scope`` gets the whole grant back."""
    app, secret = trusted_client
    granted = "openid profile offline_access"
    code, verifier = _code(signed_in_api, app, scope=granted)
    first = _exchange(signed_in_api, app, secret, code, verifier).json()
    narrowed = _refresh(
        signed_in_api, app, secret, first["refresh_token"], scope="openid"
    )
    assert narrowed.status_code == 200, narrowed.content
    assert narrowed.json()["scope"] == "openid"
    assert (
        _introspect(signed_in_api, app, secret, narrowed.json()["access_token"])[
            "scope"
        ]
        == "openid"
    )
    later = _refresh(signed_in_api, app, secret, narrowed.json()["refresh_token"])
    assert later.status_code == 200, later.content
    assert later.json()["scope"] == granted


# --- A.12 --------------------------------------------------------------------


def test_case_a12c_sign_out_makes_the_session_tokens_inactive(
    signed_in_api: Any, trusted_client: Any
) -> None:
    """Case A.12 (c), RFC 7662 §2.2: after the user signs out at the
    provider (the core ``/sign-out``), the access token of that session
    introspects as ``{"active": false}`` with no other member, and UserInfo
    refuses it (RFC 6750 §3.1)."""
    app, secret = trusted_client
    code, verifier = _code(signed_in_api, app, scope="openid email")
    body = _exchange(signed_in_api, app, secret, code, verifier).json()
    token = body["access_token"]
    assert _introspect(signed_in_api, app, secret, token)["active"] is True

    signed_out = signed_in_api.post("/sign-out", {})
    assert signed_out.status_code == 200, signed_out.content

    assert _introspect(signed_in_api, app, secret, token) == {"active": False}
    userinfo = signed_in_api.client.get(
        "/api/auth" + _endpoints(signed_in_api)["userinfo"],
        headers={"authorization": f"Bearer {token}"},
    )
    assert userinfo.status_code == 401
    assert userinfo.json()["error"] == "invalid_token"


# --- A.16 --------------------------------------------------------------------


@pytest.fixture
def resources(oauth_settings: Any) -> None:
    """Case A.16's two configured resource servers."""
    oauth_settings(RESOURCES=[API, FILES], ENFORCE_PER_CLIENT_RESOURCES=False)


def test_case_a16c_token_request_cannot_switch_resource(
    signed_in_api: Any, trusted_client: Any, resources: None
) -> None:
    """Case A.16 (c), RFC 8707 §2.2: a code authorized for one resource
    cannot be redeemed for another (``invalid_target``); the failed attempt
    is a client error, not a spent grant for the right resource."""
    app, secret = trusted_client
    code, verifier = _code(signed_in_api, app, scope="openid", resources=(API,))
    response = _exchange(signed_in_api, app, secret, code, verifier, resource=FILES)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_target"
    assert response["Cache-Control"] == "no-store"


def test_case_a16d_narrowed_audience_and_id_token_audience(
    signed_in_api: Any, trusted_client: Any, resources: None
) -> None:
    """Case A.16 (d), RFC 8707 §2.2: both resources authorized, the token
    request names one: 200 and the access token's audience is that one
    (as a single string without ``openid``, Better Auth surface §4 rule 9;
    plus the UserInfo endpoint with ``openid``). The ID token's ``aud``
    stays the client (OIDC Core §2)."""
    app, secret = trusted_client
    code, verifier = _code(signed_in_api, app, scope="profile", resources=(API, FILES))
    response = _exchange(signed_in_api, app, secret, code, verifier, resource=API)
    assert response.status_code == 200, response.content
    access = response.json()["access_token"]
    assert _introspect(signed_in_api, app, secret, access)["aud"] == API

    code, verifier = _code(signed_in_api, app, scope="openid", resources=(API, FILES))
    response = _exchange(signed_in_api, app, secret, code, verifier, resource=API)
    assert response.status_code == 200, response.content
    body = response.json()
    assert _introspect(signed_in_api, app, secret, body["access_token"])["aud"] == [
        API,
        USERINFO,
    ]
    claims = pyjwt.decode(body["id_token"], options={"verify_signature": False})
    assert claims["aud"] == app.client_id


def test_case_a16e_refresh_cannot_widen_the_resources(
    signed_in_api: Any, trusted_client: Any, resources: None
) -> None:
    """Case A.16 (e), RFC 8707 §2.2: a refresh may ask for any resource of
    the original grant (Better Auth keeps the full authorized set on the
    refresh token) but never one outside it: ``invalid_target``, and the
    refresh token stays usable."""
    app, secret = trusted_client
    code, verifier = _code(
        signed_in_api, app, scope="openid offline_access", resources=(API,)
    )
    body = _exchange(signed_in_api, app, secret, code, verifier, resource=API).json()
    outside = _refresh(
        signed_in_api, app, secret, body["refresh_token"], resource=FILES
    )
    assert outside.status_code == 400
    assert outside.json()["error"] == "invalid_target"
    inside = _refresh(signed_in_api, app, secret, body["refresh_token"], resource=API)
    assert inside.status_code == 200, inside.content

    code, verifier = _code(
        signed_in_api, app, scope="openid offline_access", resources=(API, FILES)
    )
    body = _exchange(signed_in_api, app, secret, code, verifier, resource=API).json()
    other = _refresh(signed_in_api, app, secret, body["refresh_token"], resource=FILES)
    assert other.status_code == 200, other.content
    token = other.json()["access_token"]
    assert _introspect(signed_in_api, app, secret, token)["aud"] == [FILES, USERINFO]


@pytest.mark.parametrize("grant", ["authorization_code", "refresh_token"])
def test_case_a16_resource_outside_an_unrestricted_grant_is_refused(
    signed_in_api: Any, trusted_client: Any, resources: None, grant: str
) -> None:
    """Case A.16 (c)(e), RFC 8707 §2.2, Better Auth surface §4 ("token
    request may narrow but not widen"): a grant authorized without any
    ``resource`` was consented without one (resources are part of the
    consent), so neither its code nor its refresh token yields a token for
    a resource server: ``invalid_target``."""
    app, secret = trusted_client
    code, verifier = _code(signed_in_api, app, scope="openid offline_access")
    if grant == "authorization_code":
        response = _exchange(signed_in_api, app, secret, code, verifier, resource=API)
    else:
        body = _exchange(signed_in_api, app, secret, code, verifier).json()
        response = _refresh(
            signed_in_api, app, secret, body["refresh_token"], resource=API
        )
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "invalid_target"


# --- A.19 --------------------------------------------------------------------


@pytest.mark.parametrize("stored", ["javascript:alert(1)//", "data:text/html,hi"])
def test_case_a19_stored_dangerous_redirect_uri_is_never_navigated(
    signed_in_api: Any, oauth_client_factory: Any, stored: str
) -> None:
    """Case A.19, last clause; RFC 6749 §3.1.2, §10.6, RFC 9700 §4.1.3: a
    redirect URI that registration would refuse but that is stored anyway
    (written through django-oauth-toolkit's own admin or an older release)
    is never a navigation target: authorize answers with the provider's
    error page, not a 302 to the stored value, and issues no code."""
    from oauth2_provider.models import Grant

    app, _ = oauth_client_factory(skip_consent=True)
    type(app).objects.filter(pk=app.pk).update(redirect_uris=f"{WEB_REDIRECT} {stored}")
    verifier, challenge = pkce_pair()
    response = signed_in_api.get(
        _endpoints(signed_in_api)["authorization"],
        {
            "response_type": "code",
            "client_id": app.client_id,
            "redirect_uri": stored,
            "scope": "openid",
            "state": "s1",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
        headers=BROWSER,
    )
    if response.status_code == 302:
        target = response.headers["Location"]
        assert not target.startswith(stored), target
        assert target.startswith(f"{ISSUER}/error?"), target
    else:
        assert response.status_code in (400, 403), response.content
    assert not Grant.objects.filter(application=app).exists()


def test_case_a19_consent_never_navigates_to_a_redirect_uri_gone_bad(
    signed_in_api: Any, oauth_client_factory: Any
) -> None:
    """Case A.19, last clause, for the consent path: the redirect URI was
    safe when the consent page was shown and is replaced afterwards by a
    ``javascript:`` one under the same client. Accepting the consent must
    not answer that URI (RFC 6749 §10.6); at most the provider's error
    page."""
    from oauth2_provider.models import Grant

    app, _ = oauth_client_factory()
    verifier, challenge = pkce_pair()
    response = signed_in_api.get(
        _endpoints(signed_in_api)["authorization"],
        {
            "response_type": "code",
            "client_id": app.client_id,
            "redirect_uri": WEB_REDIRECT,
            "scope": "openid",
            "state": "s1",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
        headers=BROWSER,
    )
    consent_page = response.headers["Location"]
    assert "/consent?" in consent_page
    type(app).objects.filter(pk=app.pk).update(redirect_uris="javascript:alert(1)//")
    answer = signed_in_api.post(
        "/oauth2/consent",
        {"accept": True, "oauth_query": urlsplit(consent_page).query},
    )
    url = answer.json().get("url", "") if answer.status_code == 200 else ""
    assert not url.startswith("javascript:"), url
    assert not Grant.objects.filter(application=app).exists()


# --- A.13 (DPoP), A.18 (back-channel logout) ---------------------------------


def _dpop_proof(key: Any, htu: str) -> str:
    public = key.public_key().public_numbers()

    def b64(n: int) -> str:
        return base64.urlsafe_b64encode(n.to_bytes(32, "big")).rstrip(b"=").decode()

    jwk = {"kty": "EC", "crv": "P-256", "x": b64(public.x), "y": b64(public.y)}
    claims = {
        "jti": secrets.token_urlsafe(16),
        "htm": "POST",
        "htu": htu,
        "iat": int(time.time()),
    }
    return pyjwt.encode(
        claims, key, algorithm="ES256", headers={"typ": "dpop+jwt", "jwk": jwk}
    )


@pytest.mark.skipif(
    not capabilities.is_supported("dpop"),
    reason=(
        "DPoP not implemented: no module declares the 'dpop' capability, so "
        "the token endpoint validates no DPoP proof (RFC 9449 §4.3) and "
        "issues no DPoP-bound token"
    ),
)
@pytest.mark.parametrize(
    ("htu", "query", "accepted"),
    [
        ("https://AS.EXAMPLE.TEST:443/api/auth/oauth2/token", "", True),
        ("https://as.example.test/api/auth/oauth2/token", "?x=1", True),
        ("https://as.example.test/api/auth/oauth2/token#frag", "", True),
        ("https://as.example.test/api/auth/oauth2/Token", "", False),
        ("https://as.example.test/api/auth/oauth2/userinfo", "", False),
    ],
)
def test_case_a13_dpop_htu_comparison(
    m2m_client: Any, better_auth_settings: Any, htu: str, query: str, accepted: bool
) -> None:
    """Case A.13, RFC 9449 §4.3 check 9 (RFC 3986 §6.2.2-6.2.3): ``htu``
    matches the token endpoint URL ignoring query and fragment, after
    scheme/host/port normalisation; the path is case-sensitive. A refused
    proof is 400 ``invalid_dpop_proof``; an accepted one yields
    ``token_type: DPoP``."""
    better_auth_settings(BASE_URL="https://as.example.test")
    app, secret = m2m_client
    key = ec.generate_private_key(ec.SECP256R1())
    response = post_form(
        "/oauth2/token" + query,
        {"grant_type": "client_credentials"},
        auth=(app.client_id, secret),
        headers={"DPoP": _dpop_proof(key, htu)},
    )
    if accepted:
        assert response.status_code == 200, response.content
        assert response.json()["token_type"] == "DPoP"
    else:
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_dpop_proof"


# Case A.18 (Back-Channel Logout 1.0 §2.4-§2.6) is written out against a real
# loopback receiver in test_backchannel_logout.py.
