"""The authorization endpoint: Better Auth's processing order, step by step.

Each step of oauth-provider surface §1.4 has a test here, plus tests showing
that the first failing step decides the answer, how errors are routed
(RFC 6749 §4.1.2.1: never to an unverified redirect URI), how the answer is
delivered, and that an issued code row carries what the token endpoint
redeems (RFC 6749 §4.1.2, §4.1.3; RFC 7636 §4.4).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from better_auth import clock
from tests.oauth_provider.conf_helpers import transcript_case
from tests.oauth_provider.conftest import ISSUER, LOGIN_PAGE, WEB_REDIRECT

VERIFIER = "verifier-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF"
# BASE64URL(SHA-256(VERIFIER)), RFC 7636 §4.2 (case A.6(d)).
CHALLENGE = "rUGXoN2_j5qkiEzx9kqEW2ih_AJcHh5iQSt75uNnM3E"
ERROR_PAGE = f"{ISSUER}/error"
BROWSER = {"accept": "text/html"}
# Overrides that leave PKCE out of a request.
NO_PKCE = {"code_challenge": None, "code_challenge_method": None}
UNKNOWN_CLIENT = "UnknownClientIdUnknownClientIdXX"


# --- building blocks shared by the authorization tests ----------------------


def authorize_params(client: str, **overrides: Any) -> dict[str, Any]:
    """A valid code + PKCE request; an override of None drops the parameter."""
    params: dict[str, Any] = {
        "response_type": "code",
        "client_id": client,
        "redirect_uri": WEB_REDIRECT,
        "scope": "openid profile",
        "state": "s1",
        "code_challenge": CHALLENGE,
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def authorize(
    api: Any,
    client: str,
    *,
    headers: dict[str, str] | None = None,
    **overrides: Any,
) -> Any:
    """GET the authorization endpoint as a browser navigation."""
    return api.get(
        "/oauth2/authorize",
        authorize_params(client, **overrides),
        headers=headers or BROWSER,
    )


def location(response: Any) -> str:
    assert response.status_code == 302, (response.status_code, response.content)
    return response.headers["Location"]


def split(url: str) -> tuple[str, dict[str, list[str]]]:
    """``(url without query or fragment, parameters of query or fragment)``."""
    parts = urlsplit(url)
    raw = parts.fragment if parts.fragment else parts.query
    base = f"{parts.scheme}://{parts.netloc}{parts.path}"
    return base, parse_qs(raw, keep_blank_values=True)


def single(url: str) -> dict[str, str]:
    """Parameters of a URL whose names all appear once."""
    _, params = split(url)
    assert all(len(v) == 1 for v in params.values()), params
    return {k: v[0] for k, v in params.items()}


def recorded_pairs(url: str) -> list[tuple[str, str]]:
    """Parameters of a transcript URL (placeholders such as ``<state#1>``
    contain ``#``, so the query is split by hand)."""
    query = url.split("?", 1)[1] if "?" in url else ""
    return [tuple(p.split("=", 1)) for p in query.split("&") if p]  # type: ignore[misc]


def names(url: str) -> list[str]:
    return [k for k, _ in recorded_pairs(url)]


def continuation(url: str) -> str:
    """The signed query a page received (what it posts back as oauth_query)."""
    return urlsplit(url).query


def assert_client_error(
    url: str, error: str, description: str | None = None, *, state: str = "s1"
) -> dict[str, str]:
    """An error response at the registered redirect URI (RFC 6749 §4.1.2.1)."""
    base, _ = split(url)
    assert base == WEB_REDIRECT, url
    params = single(url)
    assert params["error"] == error, params
    if description is not None:
        assert params["error_description"] == description
    assert params["state"] == state
    assert params["iss"] == ISSUER
    return params


def assert_error_page(url: str, error: str, description: str | None = None) -> None:
    """The server's error page: no redirect to the client, no state / iss."""
    base, _ = split(url)
    assert base == ERROR_PAGE, url
    params = single(url)
    assert params["error"] == error, params
    if description is not None:
        assert params["error_description"] == description
    assert "state" not in params and "iss" not in params and "code" not in params


def code_of(url: str) -> str:
    base, _ = split(url)
    assert base == WEB_REDIRECT, url
    params = single(url)
    assert "error" not in params, params
    assert params["iss"] == ISSUER
    return params["code"]


def grant_for(code: str) -> Any:
    from oauth2_provider.models import Grant

    from better_auth_oauth_provider.oauth.digests import token_digest

    return Grant.objects.select_related("better_auth_context").get(
        code=token_digest(code)
    )


# --- step 1: the provider offers the code grant -----------------------------------


def test_authorize_is_404_without_the_authorization_code_grant(
    signed_in_api: Any, trusted_client: Any, oauth_settings: Any
) -> None:
    """Step 1: with GRANT_TYPES lacking authorization_code the endpoint is 404."""
    oauth_settings(GRANT_TYPES=["client_credentials"])
    app, _ = trusted_client
    response = authorize(signed_in_api, app.client_id)
    assert response.status_code == 404
    assert response.content == b""


# --- step 2: request objects and request_uri ------------------------------------


@pytest.mark.parametrize("value", ["eyJhbGciOiJub25lIn0.e30.", ""])
def test_request_object_is_not_supported(
    signed_in_api: Any, trusted_client: Any, value: str
) -> None:
    """Step 2, OIDC Core §6.1: ``request`` (even empty) → request_not_supported."""
    app, _ = trusted_client
    url = location(authorize(signed_in_api, app.client_id, request=value))
    assert_client_error(url, "request_not_supported", "request object not supported")


def test_request_uri_is_not_supported(signed_in_api: Any, trusted_client: Any) -> None:
    """Step 2, OIDC Core §6.2: no resolver → request_uri_not_supported."""
    app, _ = trusted_client
    url = location(authorize(signed_in_api, app.client_id, request_uri="urn:x:1"))
    assert_client_error(url, "request_uri_not_supported", "request_uri not supported")


def test_request_and_request_uri_together(
    signed_in_api: Any, trusted_client: Any
) -> None:
    """Step 2: both parameters at once is invalid_request."""
    app, _ = trusted_client
    url = location(
        authorize(signed_in_api, app.client_id, request="a.b.c", request_uri="urn:x")
    )
    assert_client_error(
        url, "invalid_request", "request and request_uri cannot be used together"
    )


def test_request_uri_without_client_id_goes_to_the_error_page(
    signed_in_api: Any, trusted_client: Any
) -> None:
    """Step 2: request_uri without client_id cannot be routed to a client."""
    app, _ = trusted_client
    url = location(
        authorize(signed_in_api, app.client_id, client_id=None, request_uri="urn:x")
    )
    assert_error_page(url, "invalid_request", "client_id is required")


# --- step 3: parameter validation --------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("response_type", ["code", "code"]),
        ("state", ["s1", "s2"]),
        ("scope", ["openid", "profile"]),
        ("code_challenge", [CHALLENGE, CHALLENGE]),
        ("nonce", ["n1", "n2"]),
    ],
)
def test_repeated_parameters_are_invalid_request(
    signed_in_api: Any, trusted_client: Any, name: str, value: list[str]
) -> None:
    """Step 3, RFC 6749 §3.1: parameters MUST NOT be included more than once."""
    app, _ = trusted_client
    url = location(authorize(signed_in_api, app.client_id, **{name: value}))
    base, params = split(url)
    assert base == WEB_REDIRECT
    assert params["error"] == ["invalid_request"]
    assert params["error_description"] == [f"{name} must not appear more than once"]
    assert params["iss"] == [ISSUER]


def test_repeated_client_id_cannot_be_routed(
    signed_in_api: Any, trusted_client: Any
) -> None:
    """Step 3: a repeated client_id names no single client → error page."""
    app, _ = trusted_client
    url = location(
        authorize(signed_in_api, app.client_id, client_id=[app.client_id] * 2)
    )
    assert_error_page(
        url, "invalid_request", "client_id must not appear more than once"
    )


def test_unsupported_response_type_goes_to_the_fragment(
    signed_in_api: Any, trusted_client: Any
) -> None:
    """Step 3, RFC 6749 §4.1.2.1 / OAuth Multiple Response Types §2.1: a
    ``token`` response type is answered in the fragment, unless
    ``response_mode=query`` is explicit (surface §13.3)."""
    app, _ = trusted_client
    url = location(authorize(signed_in_api, app.client_id, response_type="token"))
    assert urlsplit(url).query == ""
    assert_client_error(
        url, "unsupported_response_type", "response_type must be one of: code"
    )
    url = location(
        authorize(
            signed_in_api, app.client_id, response_type="token", response_mode="query"
        )
    )
    assert urlsplit(url).fragment == ""
    assert_client_error(url, "unsupported_response_type")


@pytest.mark.parametrize(
    ("value", "description"),
    [
        ("-1", "max_age: max_age must be a non-negative integer"),
        ("1.5", "max_age: max_age must be a non-negative integer"),
        ("ten", "max_age: max_age must be a non-negative integer"),
        ("", "max_age: Too small: expected string to have >=1 characters"),
        ("   ", "max_age: Too small: expected string to have >=1 characters"),
    ],
)
def test_malformed_max_age_is_invalid_request(
    signed_in_api: Any, trusted_client: Any, value: str, description: str
) -> None:
    """Step 3, OIDC Core §3.1.2.1: max_age is a non-negative integer (§13.13)."""
    app, _ = trusted_client
    url = location(authorize(signed_in_api, app.client_id, max_age=value))
    assert_client_error(url, "invalid_request", description)


@pytest.mark.parametrize(
    ("value", "description"),
    [
        ("foo", "prompt: unsupported prompt value: foo"),
        (
            "none consent",
            "prompt: prompt=none cannot be combined with other prompt values",
        ),
        (" ", "prompt: prompt must include at least one value"),
    ],
)
def test_malformed_prompt_is_invalid_request(
    signed_in_api: Any, trusted_client: Any, value: str, description: str
) -> None:
    """Step 3, OIDC Core §3.1.2.1: ``none`` only alone; unknown values refused."""
    app, _ = trusted_client
    url = location(authorize(signed_in_api, app.client_id, prompt=value))
    assert_client_error(url, "invalid_request", description)


def test_plain_pkce_is_refused(signed_in_api: Any, trusted_client: Any) -> None:
    """Step 3, RFC 7636 §4.2 / RFC 9700 §2.1.1: only S256 (case A.6(b))."""
    app, _ = trusted_client
    url = location(
        authorize(
            signed_in_api,
            app.client_id,
            code_challenge=VERIFIER,
            code_challenge_method="plain",
        )
    )
    assert_client_error(
        url, "invalid_request", "code_challenge_method must be one of: S256"
    )


def test_malformed_code_challenge_is_refused(
    signed_in_api: Any, trusted_client: Any
) -> None:
    """Step 3, RFC 7636 §4.2: a challenge is 43-128 unreserved characters."""
    app, _ = trusted_client
    url = location(authorize(signed_in_api, app.client_id, code_challenge="short"))
    assert_client_error(url, "invalid_request")


def test_malformed_dpop_jkt_is_refused(signed_in_api: Any, trusted_client: Any) -> None:
    """Step 3, RFC 9449 §10: dpop_jkt is a base64url SHA-256 JWK thumbprint."""
    app, _ = trusted_client
    url = location(authorize(signed_in_api, app.client_id, dpop_jkt="x"))
    assert_client_error(url, "invalid_request")


@pytest.mark.parametrize(
    ("value", "description"),
    [
        ("notauri", "resource must be an absolute URI"),
        ("https://api.example.test/#x", "resource must not contain a fragment"),
    ],
)
def test_malformed_resource_is_invalid_target(
    signed_in_api: Any, trusted_client: Any, value: str, description: str
) -> None:
    """Step 3, RFC 8707 §2: an absolute URI without fragment, else invalid_target."""
    app, _ = trusted_client
    url = location(authorize(signed_in_api, app.client_id, resource=value))
    assert_client_error(url, "invalid_target", description)


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "javascript:alert(1)",
        "http://app.example.test/cb",
        "https://app.example.test/cb#frag",
        "not a url",
    ],
)
def test_unsafe_redirect_uri_never_redirects(
    signed_in_api: Any, trusted_client: Any, redirect_uri: str
) -> None:
    """Step 3, RFC 6749 §3.1.2 / §10.6: an unsafe redirect_uri is refused on the
    server's error page, never used as a redirect target."""
    app, _ = trusted_client
    url = location(authorize(signed_in_api, app.client_id, redirect_uri=redirect_uri))
    assert_error_page(url, "invalid_request")
    assert single(url)["error_description"].startswith("redirect_uri: ")


# --- step 4: response_type is required ----------------------------------------------


def test_missing_response_type_goes_to_the_verified_redirect_uri(
    signed_in_api: Any, trusted_client: Any
) -> None:
    """Step 4, RFC 6749 §4.1.2.1: a verified redirect URI gets the error."""
    app, _ = trusted_client
    url = location(authorize(signed_in_api, app.client_id, response_type=None))
    assert_client_error(url, "invalid_request", "response_type is required")


def test_missing_response_type_with_an_unregistered_uri_is_the_error_page(
    signed_in_api: Any, trusted_client: Any
) -> None:
    """Step 4, RFC 6749 §4.1.2.1 (surface §13.5): an unregistered
    ``https://evil…`` URI is never redirected to."""
    app, _ = trusted_client
    url = location(
        authorize(
            signed_in_api,
            app.client_id,
            response_type=None,
            redirect_uri="https://evil.test/cb",
        )
    )
    assert_error_page(url, "invalid_request", "response_type is required")


# --- step 5: select_account needs its page ----------------------------------------


def test_select_account_without_a_page_is_the_error_page(
    signed_in_api: Any, trusted_client: Any
) -> None:
    """Step 5: ``prompt=select_account`` without SELECT_ACCOUNT_PAGE."""
    app, _ = trusted_client
    url = location(authorize(signed_in_api, app.client_id, prompt="select_account"))
    assert_error_page(
        url, "unsupported_prompt_select_account", "unsupported prompt type"
    )


# --- step 6: client and redirect URI -------------------------------------------------


def test_missing_client_id_is_the_error_page(signed_in_api: Any) -> None:
    """Step 6 / surface §13.6: no client_id, nothing to redirect to."""
    url = location(
        signed_in_api.get(
            "/oauth2/authorize",
            {"response_type": "code", "redirect_uri": WEB_REDIRECT, "state": "s1"},
            headers=BROWSER,
        )
    )
    assert_error_page(url, "invalid_request", "client_id is required")


def test_unknown_client_is_the_error_page(signed_in_api: Any, db: None) -> None:
    """Step 6, RFC 6749 §4.1.2.1: an unknown client is never redirected to;
    Better Auth's description is "client_id is required" (transcript
    A/authorize-unknown-client)."""
    recorded = transcript_case("A/authorize-unknown-client")["response"]
    url = location(authorize(signed_in_api, UNKNOWN_CLIENT))
    assert_error_page(url, "invalid_client", "client_id is required")
    assert recorded_pairs(recorded["headers"]["location"]) == recorded_pairs(url)


def test_disabled_client_is_the_error_page(
    signed_in_api: Any, oauth_client_factory: Any
) -> None:
    """Step 6: a disabled client gets ``client_disabled`` on the error page."""
    app, _ = oauth_client_factory(skip_consent=True, disabled=True)
    url = location(authorize(signed_in_api, app.client_id))
    assert_error_page(url, "client_disabled", "client is disabled")


def test_client_without_the_code_grant_is_unauthorized(
    signed_in_api: Any, m2m_client: Any
) -> None:
    """Step 6, RFC 6749 §4.1.2.1 unauthorized_client, on the error page."""
    app, _ = m2m_client
    url = location(authorize(signed_in_api, app.client_id))
    assert_error_page(url, "unauthorized_client")


@pytest.mark.parametrize("redirect_uri", [None, "https://evil.example/cb"])
def test_unregistered_or_missing_redirect_uri_is_the_error_page(
    signed_in_api: Any, trusted_client: Any, redirect_uri: str | None
) -> None:
    """Step 6, RFC 6749 §3.1.2.3 exact match; §4.1.2.1 MUST NOT redirect
    (transcript A/authorize-unregistered-redirect-uri)."""
    recorded = transcript_case("A/authorize-unregistered-redirect-uri")["response"]
    app, _ = trusted_client
    url = location(authorize(signed_in_api, app.client_id, redirect_uri=redirect_uri))
    assert_error_page(url, "invalid_redirect", "invalid redirect uri")
    assert recorded_pairs(recorded["headers"]["location"]) == recorded_pairs(url)


# --- step 7: scopes ---------------------------------------------------------------


def test_unknown_scope_is_invalid_scope(
    signed_in_api: Any, trusted_client: Any
) -> None:
    """Step 7, RFC 6749 §4.1.2.1 invalid_scope (transcript
    A/authorize-invalid-scope)."""
    recorded = transcript_case("A/authorize-invalid-scope")["response"]
    app, _ = trusted_client
    url = location(
        authorize(signed_in_api, app.client_id, scope="openid admin:everything")
    )
    params = assert_client_error(
        url, "invalid_scope", "The following scopes are invalid: admin:everything"
    )
    expected = dict(recorded_pairs(recorded["headers"]["location"]))
    assert urlsplit(url).query.split("&")[1] == (
        f"error_description={expected['error_description']}"
    )
    assert params["error"] == expected["error"]


def test_scope_outside_the_clients_scopes_is_invalid(
    signed_in_api: Any, oauth_client_factory: Any
) -> None:
    """Step 7: a client restricted to ``openid`` cannot ask for ``email``."""
    app, _ = oauth_client_factory(skip_consent=True, scope="openid")
    url = location(authorize(signed_in_api, app.client_id, scope="openid email"))
    assert_client_error(url, "invalid_scope", "The following scopes are invalid: email")


def test_omitted_scope_defaults_to_the_clients_scopes(
    api: Any, trusted_client: Any
) -> None:
    """Step 7, RFC 6749 §3.3: without ``scope`` the default set is used and
    written into the continuation."""
    app, _ = trusted_client
    url = location(authorize(api, app.client_id, scope=None, nonce="n1"))
    assert url.startswith(LOGIN_PAGE + "?")
    assert single_first(url)["scope"] == "openid profile email offline_access"


def single_first(url: str) -> dict[str, str]:
    """First value of each parameter."""
    _, params = split(url)
    return {k: v[0] for k, v in params.items()}


# --- step 8: claims ----------------------------------------------------------------


def test_claims_without_openid_is_invalid_request(
    signed_in_api: Any, trusted_client: Any
) -> None:
    """Step 8, OIDC Core §5.5: the claims parameter belongs to OpenID requests."""
    app, _ = trusted_client
    url = location(
        authorize(
            signed_in_api,
            app.client_id,
            scope="profile",
            claims='{"userinfo":{"email":null}}',
        )
    )
    assert_client_error(
        url,
        "invalid_request",
        "openid scope must be requested when using the claims parameter",
    )


@pytest.mark.parametrize(
    "claims",
    ["not json", "[1]", '{"userinfo":[]}', '{"id_token":{"acr":{"value":1}}}'],
)
def test_malformed_claims_is_invalid_request(
    signed_in_api: Any, trusted_client: Any, claims: str
) -> None:
    """Step 8, OIDC Core §5.5: a malformed claims request object (§13.15)."""
    app, _ = trusted_client
    url = location(authorize(signed_in_api, app.client_id, claims=claims))
    assert_client_error(
        url, "invalid_request", "claims must be a valid Claims request object"
    )


def test_essential_acr_that_cannot_be_met_is_access_denied(
    signed_in_api: Any, trusted_client: Any
) -> None:
    """Step 8, OIDC Core §5.5.1.1: every session has acr "0"; an essential
    request for another value cannot be met."""
    app, _ = trusted_client
    url = location(
        authorize(
            signed_in_api,
            app.client_id,
            claims='{"id_token":{"acr":{"essential":true,"value":"1"}}}',
        )
    )
    assert_client_error(url, "access_denied", "essential acr requirement cannot be met")


@pytest.mark.parametrize(
    "claims",
    [
        '{"id_token":{"acr":{"essential":true,"values":["1","0"]}}}',
        '{"id_token":{"acr":{"value":"1"}}}',
    ],
)
def test_satisfiable_acr_requests_get_a_code(
    signed_in_api: Any, trusted_client: Any, claims: str
) -> None:
    """Step 8: "0" among the values, or a voluntary request, is satisfied."""
    app, _ = trusted_client
    code = code_of(location(authorize(signed_in_api, app.client_id, claims=claims)))
    assert grant_for(code).claims


# --- step 9: resource indicators -----------------------------------------------------


def test_unconfigured_resource_is_invalid_target(
    signed_in_api: Any, trusted_client: Any
) -> None:
    """Step 9, RFC 8707 §2 invalid_target (surface §13.9)."""
    app, _ = trusted_client
    url = location(
        authorize(signed_in_api, app.client_id, resource="https://api.example.test/")
    )
    assert_client_error(
        url,
        "invalid_target",
        "requested resource https://api.example.test/ is not configured",
    )


def test_configured_resources_are_bound_to_the_code(
    signed_in_api: Any, trusted_client: Any, oauth_settings: Any
) -> None:
    """Step 9, RFC 8707 §2: requested resources are stored on the code; the
    userinfo endpoint is always an acceptable resource."""
    oauth_settings(
        RESOURCES=["https://api.example.test/", "https://b.example.test/"],
        ENFORCE_PER_CLIENT_RESOURCES=False,
    )
    app, _ = trusted_client
    resources = ["https://api.example.test/", f"{ISSUER}/oauth2/userinfo"]
    code = code_of(
        location(authorize(signed_in_api, app.client_id, resource=resources))
    )
    assert grant_for(code).resource == resources


def test_disabled_resource_is_invalid_target(
    signed_in_api: Any, trusted_client: Any, oauth_settings: Any
) -> None:
    """Step 9: a disabled resource server gets no new grants."""
    oauth_settings(
        RESOURCES=[{"identifier": "https://api.example.test/", "disabled": True}]
    )
    app, _ = trusted_client
    url = location(
        authorize(signed_in_api, app.client_id, resource="https://api.example.test/")
    )
    assert_client_error(url, "invalid_target")


# --- step 10: PKCE -------------------------------------------------------------------


def test_confidential_client_needs_pkce_by_default(
    signed_in_api: Any, trusted_client: Any
) -> None:
    """Step 10, OAuth 2.1 §4.1.1 / surface §9.6: ``require_pkce`` defaults to
    true (transcript A/authorize-missing-pkce)."""
    recorded = transcript_case("A/authorize-missing-pkce")["response"]
    app, _ = trusted_client
    url = location(
        authorize(
            signed_in_api,
            app.client_id,
            code_challenge=None,
            code_challenge_method=None,
        )
    )
    params = assert_client_error(
        url, "invalid_request", "pkce is required for this client"
    )
    expected = dict(recorded_pairs(recorded["headers"]["location"]))
    assert urlsplit(url).query.split("&")[1] == (
        f"error_description={expected['error_description']}"
    )
    assert params["error"] == expected["error"]


def test_public_client_always_needs_pkce(
    signed_in_api: Any, oauth_client_factory: Any
) -> None:
    """Step 10, RFC 9700 §2.1.1: public clients MUST use PKCE (case A.6(e))."""
    app, _ = oauth_client_factory(
        token_endpoint_auth_method="none", skip_consent=True, require_pkce=False
    )
    url = location(
        authorize(
            signed_in_api,
            app.client_id,
            code_challenge=None,
            code_challenge_method=None,
        )
    )
    assert_client_error(url, "invalid_request", "pkce is required for public clients")


def test_offline_access_needs_pkce_or_an_oidc_nonce(
    signed_in_api: Any, oauth_client_factory: Any
) -> None:
    """Step 10 (surface §13.11): a client with ``require_pkce`` off still
    needs PKCE for offline_access unless an OpenID request sends a nonce."""
    app, _ = oauth_client_factory(skip_consent=True, require_pkce=False)
    no_pkce = {"code_challenge": None, "code_challenge_method": None}
    url = location(
        authorize(
            signed_in_api, app.client_id, scope="openid offline_access", **no_pkce
        )
    )
    assert_client_error(
        url,
        "invalid_request",
        "pkce or OIDC nonce is required when requesting offline_access scope",
    )
    url = location(
        authorize(
            signed_in_api,
            app.client_id,
            scope="profile offline_access",
            nonce="n1",
            **no_pkce,
        )
    )
    assert_client_error(url, "invalid_request")
    url = location(
        authorize(
            signed_in_api,
            app.client_id,
            scope="openid offline_access",
            nonce="n1",
            **no_pkce,
        )
    )
    assert grant_for(code_of(url)).code_challenge == ""


def test_pkce_may_be_turned_off_for_a_confidential_client(
    signed_in_api: Any, oauth_client_factory: Any
) -> None:
    """Step 10, case A.6(a): without a challenge no PKCE is bound to the code,
    so a later verifier is a downgrade the token endpoint must refuse."""
    app, _ = oauth_client_factory(skip_consent=True, require_pkce=False)
    url = location(
        authorize(
            signed_in_api,
            app.client_id,
            code_challenge=None,
            code_challenge_method=None,
        )
    )
    grant = grant_for(code_of(url))
    assert (grant.code_challenge, grant.code_challenge_method) == ("", "")


@pytest.mark.parametrize(
    "missing", [{"code_challenge_method": None}, {"code_challenge": None}]
)
def test_half_a_pkce_pair_is_refused(
    signed_in_api: Any, oauth_client_factory: Any, missing: dict[str, None]
) -> None:
    """Step 10, RFC 7636 §4.3 (case A.6(c)): a challenge without its method
    would mean ``plain``; a method without a challenge means nothing."""
    app, _ = oauth_client_factory(skip_consent=True, require_pkce=False)
    url = location(authorize(signed_in_api, app.client_id, **missing))
    assert_client_error(
        url,
        "invalid_request",
        "code_challenge and code_challenge_method must both be provided",
    )


# --- first failure wins ------------------------------------------------------------


UNKNOWN_RESOURCE = "https://unknown.example.test/"


@pytest.mark.parametrize(
    ("client_id", "overrides", "page", "error"),
    [
        pytest.param(
            None,
            {"scope": "admin", "max_age": "-1"},
            False,
            "invalid_request",
            id="parameters(3)-before-scopes(7)",
        ),
        pytest.param(
            UNKNOWN_CLIENT,
            {"scope": "admin", **NO_PKCE},
            True,
            "invalid_client",
            id="client(6)-before-scopes(7)-and-pkce(10)",
        ),
        pytest.param(
            None,
            {"redirect_uri": "https://evil.test/cb", **NO_PKCE},
            True,
            "invalid_redirect",
            id="redirect-uri(6)-before-pkce(10)",
        ),
        pytest.param(
            None,
            {
                "scope": "profile admin",
                "claims": '{"userinfo":{"email":null}}',
                "resource": UNKNOWN_RESOURCE,
                **NO_PKCE,
            },
            False,
            "invalid_scope",
            id="scopes(7)-before-claims(8)-resources(9)-pkce(10)",
        ),
        pytest.param(
            None,
            {"resource": UNKNOWN_RESOURCE, **NO_PKCE},
            False,
            "invalid_target",
            id="resources(9)-before-pkce(10)",
        ),
    ],
)
def test_first_failing_step_wins(
    signed_in_api: Any,
    trusted_client: Any,
    client_id: str | None,
    overrides: dict[str, Any],
    page: bool,
    error: str,
) -> None:
    """Surface §1.4: of several problems, the earliest step reports. Errors
    of step 6 and before it go to the error page, so nothing reaches an
    unverified redirect URI (RFC 6749 §4.1.2.1); later ones go to the
    client."""
    app, _ = trusted_client
    url = location(authorize(signed_in_api, client_id or app.client_id, **overrides))
    if page:
        assert_error_page(url, error)
    else:
        assert_client_error(url, error)


def test_pkce_error_wins_over_the_missing_session(
    api: Any, trusted_client: Any
) -> None:
    """Order: PKCE (10) before authentication (11): no login page for a
    request that cannot succeed."""
    app, _ = trusted_client
    url = location(authorize(api, app.client_id, **NO_PKCE))
    assert_client_error(url, "invalid_request", "pkce is required for this client")


# --- steps 11-14 and delivery -------------------------------------------------------


def test_no_session_redirects_to_the_login_page(api: Any, trusted_client: Any) -> None:
    """Step 11 (transcript A/authorize-no-session): the login page gets the
    request, in Better Auth's parameter order, then exp, ba_iat, the signed
    names and sig."""
    recorded = transcript_case("A/authorize-no-session")
    app, _ = trusted_client
    query = recorded["request"]["query"]
    response = api.get(
        "/oauth2/authorize",
        {
            **query,
            "client_id": app.client_id,
            "redirect_uri": WEB_REDIRECT,
            "code_challenge": CHALLENGE,
            "state": "s1",
            "nonce": "n1",
        },
        headers=BROWSER,
    )
    url = location(response)
    assert url.startswith(LOGIN_PAGE + "?")
    assert names(url) == names(recorded["response"]["headers"]["location"])
    assert response["Content-Type"] == "application/json"


def test_a_cached_session_revoked_elsewhere_does_not_authorize(
    signed_in_api: Any, trusted_client: Any, better_auth_settings: Any
) -> None:
    """Case 61: with the cookie cache on, a session deleted from the store
    still has a valid cache cookie; authorization reads the store, so the
    user is sent to log in instead of a code being issued."""
    from oauth2_provider.models import Grant

    from better_auth.models import Session

    better_auth_settings(SESSION={"COOKIE_CACHE": {"ENABLED": True}})
    assert signed_in_api.sign_in().status_code == 200
    Session.objects.all().delete()
    app, _ = trusted_client
    url = location(authorize(signed_in_api, app.client_id))
    assert url.startswith(LOGIN_PAGE + "?")
    assert not Grant.objects.exists()


def test_session_and_skip_consent_issue_a_code(
    signed_in_api: Any, trusted_client: Any
) -> None:
    """Steps 11-14, RFC 6749 §4.1.2 (transcript A/authorize-with-session):
    ``code`` (32 ``[A-Za-z0-9]``), ``state`` and ``iss`` in that order."""
    recorded = transcript_case("A/authorize-with-session")["response"]
    app, _ = trusted_client
    url = location(authorize(signed_in_api, app.client_id))
    assert names(url) == names(recorded["headers"]["location"])
    assert re.fullmatch(r"[A-Za-z0-9]{32}", code_of(url))


def test_form_post_gives_the_same_answer(
    signed_in_api: Any, trusted_client: Any
) -> None:
    """OIDC Core §3.1.2.1: POST with a form body is the same request (§13.2)."""
    app, _ = trusted_client
    response = signed_in_api.post(
        "/oauth2/authorize",
        raw="&".join(f"{k}={v}" for k, v in authorize_params(app.client_id).items()),
        content_type="application/x-www-form-urlencoded",
        headers=BROWSER,
    )
    assert code_of(location(response))


def test_form_post_keeps_repeated_parameters(
    signed_in_api: Any, trusted_client: Any
) -> None:
    """RFC 6749 §3.1: a repeated parameter in a form body is refused too."""
    app, _ = trusted_client
    body = "&".join(f"{k}={v}" for k, v in authorize_params(app.client_id).items())
    response = signed_in_api.post(
        "/oauth2/authorize",
        raw=body + "&response_type=code",
        content_type="application/x-www-form-urlencoded",
        headers=BROWSER,
    )
    assert_client_error(
        location(response),
        "invalid_request",
        "response_type must not appear more than once",
    )


def test_json_post_is_unsupported_media_type(
    signed_in_api: Any, trusted_client: Any
) -> None:
    """The authorization endpoint takes a form body only (surface §1.1)."""
    app, _ = trusted_client
    response = signed_in_api.post("/oauth2/authorize", authorize_params(app.client_id))
    assert response.status_code == 415
    assert response.json()["code"] == "UNSUPPORTED_MEDIA_TYPE"


@pytest.mark.parametrize(
    "headers",
    [
        {"accept": "text/html"},
        {
            "accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "sec-fetch-mode": "navigate",
        },
        {"accept": "*/*"},
        {},
    ],
)
def test_browser_navigation_gets_a_302(
    signed_in_api: Any, trusted_client: Any, headers: dict[str, str]
) -> None:
    """Better Auth's ``handleRedirect`` (surface §1.4 "Response delivery",
    transcript A/authorize-with-session): a navigation, without
    ``Sec-Fetch-Mode: cors`` or an ``Accept`` naming application/json, is
    answered 302 with an empty body labelled JSON and ``Location`` the
    client's redirect URI with ``code``, ``state`` and ``iss``; no Origin
    header is needed."""
    recorded = transcript_case("A/authorize-with-session")["response"]
    app, _ = trusted_client
    response = signed_in_api.client.get(
        "/api/auth/oauth2/authorize",
        authorize_params(app.client_id),
        headers=headers,
    )
    assert response.status_code == recorded["status"] == 302
    assert response.content == b""
    assert response["Content-Type"] == recorded["headers"]["content-type"]
    url = response.headers["Location"]
    assert names(url) == names(recorded["headers"]["location"])
    assert code_of(url)


@pytest.mark.parametrize(
    "headers", [{"accept": "application/json"}, {"sec-fetch-mode": "cors"}]
)
def test_scripts_get_the_redirect_as_json(
    signed_in_api: Any, trusted_client: Any, headers: dict[str, str]
) -> None:
    """Better Auth's ``handleRedirect``: a fetch (``Sec-Fetch-Mode: cors``) or
    ``Accept: application/json`` gets ``200 {redirect: true, url}``."""
    app, _ = trusted_client
    response = authorize(signed_in_api, app.client_id, headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert body["redirect"] is True
    assert code_of(body["url"])
    error = authorize(signed_in_api, UNKNOWN_CLIENT, headers=headers)
    assert error.status_code == 200
    assert_error_page(error.json()["url"], "invalid_client")


def test_unknown_parameters_pass_through(api: Any, trusted_client: Any) -> None:
    """Unknown parameters are ignored by the decision but kept for the pages
    (RFC 6749 §3.1: the server MUST ignore unrecognized parameters)."""
    app, _ = trusted_client
    url = location(authorize(api, app.client_id, ui_locales="fr", extra="kept"))
    params = single_first(url)
    assert params["extra"] == "kept" and params["ui_locales"] == "fr"


def test_error_page_follows_error_url(
    signed_in_api: Any, oauth_settings: Any, db: None
) -> None:
    """ERROR_URL replaces ``<issuer>/error`` for unredirectable errors."""
    oauth_settings(ERROR_URL="https://app.example.test/oauth-error")
    url = location(authorize(signed_in_api, UNKNOWN_CLIENT))
    assert url.startswith("https://app.example.test/oauth-error?error=invalid_client&")


def test_registered_query_is_kept_on_the_redirect(
    signed_in_api: Any, oauth_client_factory: Any
) -> None:
    """RFC 6749 §3.1.2: the redirect URI's query is retained when the
    response parameters are added."""
    registered = "https://app.example.test/cb?tenant=a"
    app, _ = oauth_client_factory(skip_consent=True, redirect_uris=[registered])
    url = location(authorize(signed_in_api, app.client_id, redirect_uri=registered))
    assert url.startswith(registered + "&code=")


# --- the code row ----------------------------------------------------------------


def test_code_row_matches_the_contract(signed_in_api: Any, trusted_client: Any) -> None:
    """RFC 6749 §4.1.2 / §4.1.3, RFC 7636 §4.4, RFC 8707, OIDC Core §3.1.2.1:
    the code is stored as its SHA-256 digest with everything the token
    endpoint checks, and the raw value appears nowhere."""
    from oauth2_provider.models import Grant

    from better_auth.models import Session
    from better_auth_oauth_provider.oauth.digests import token_digest

    app, _ = trusted_client
    claims = '{"userinfo":{"email":{"essential":true},"nickname":null}}'
    with clock.freeze():
        url = location(
            authorize(
                signed_in_api,
                app.client_id,
                scope="openid email",
                nonce="n-123",
                claims=claims,
                dpop_jkt="A" * 43,
            )
        )
        now = clock.now()
    code = code_of(url)
    grant = Grant.objects.get()
    assert grant.code == token_digest(code) != code
    assert grant.application_id == app.pk
    assert grant.user_id == signed_in_api.user.pk
    assert grant.redirect_uri == WEB_REDIRECT
    assert grant.scope == "openid email"
    assert grant.nonce == "n-123"
    assert grant.code_challenge == CHALLENGE
    assert grant.code_challenge_method == "S256"
    assert grant.resource == []
    assert grant.expires == now + timedelta(seconds=600)
    import json

    assert json.loads(grant.claims) == json.loads(claims)
    context = grant.better_auth_context
    session = Session.objects.get(user=signed_in_api.user)
    assert context.session_id == session.id
    assert context.auth_time == session.created_at
    # Only claims the provider supports are kept (OIDC Core §5.5.1).
    assert context.requested_userinfo_claims == ["email"]
    assert context.consent is None
    assert context.dpop_jkt == "A" * 43
    assert context.redeemed_at is None


def test_each_authorization_gets_a_new_code(
    signed_in_api: Any, trusted_client: Any
) -> None:
    """RFC 6749 §10.10: codes are unguessable and never reused."""
    app, _ = trusted_client
    codes = {
        code_of(location(authorize(signed_in_api, app.client_id))) for _ in range(3)
    }
    assert len(codes) == 3
