"""RFC 9207: the ``iss`` parameter on every authorization response.

RFC 9207 §2: the authorization server MUST add ``iss`` to every
authorization response sent to the client, success or error, and its value
MUST equal the issuer of the metadata document (RFC 8414 §2, §3.3), which
advertises ``authorization_response_iss_parameter_supported: true``
(RFC 9207 §3). Case A.21 (c)(d). Errors shown on the server's own error page
are not authorization responses to a client and carry no ``iss``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from tests.oauth_provider.conftest import ISSUER
from tests.oauth_provider.test_authorize import (
    assert_error_page,
    authorize,
    code_of,
    continuation,
    location,
    single,
    split,
)


def _discovery_issuer(api: Any) -> str:
    document = api.get("/.well-known/openid-configuration").json()
    assert document["authorization_response_iss_parameter_supported"] is True
    return document["issuer"]


def test_rfc9207_success_response_carries_the_discovery_issuer(
    signed_in_api: Any, trusted_client: Any
) -> None:
    """Case A.21(c): ``iss`` next to ``code`` and ``state``, byte-equal to
    discovery's ``issuer`` and form-encoded as Better Auth encodes it."""
    app, _ = trusted_client
    url = location(authorize(signed_in_api, app.client_id))
    code_of(url)
    assert single(url)["iss"] == _discovery_issuer(signed_in_api) == ISSUER
    assert url.endswith("&iss=" + quote(ISSUER, safe=""))


def test_rfc9207_iss_without_state(signed_in_api: Any, trusted_client: Any) -> None:
    """RFC 9207 §2 does not depend on ``state``: no state, still ``iss``."""
    app, _ = trusted_client
    url = location(authorize(signed_in_api, app.client_id, state=None))
    params = single(url)
    assert "state" not in params and params["iss"] == ISSUER and params["code"]


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"response_type": None}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "admin"}, "invalid_scope"),
        ({"code_challenge": None, "code_challenge_method": None}, "invalid_request"),
        (
            {"claims": '{"id_token":{"acr":{"essential":true,"value":"2"}}}'},
            "access_denied",
        ),
        ({"resource": "https://unknown.example.test/"}, "invalid_target"),
        ({"request": "x.y.z"}, "request_not_supported"),
        ({"prompt": "none consent"}, "invalid_request"),
    ],
)
def test_rfc9207_error_responses_carry_iss(
    signed_in_api: Any, trusted_client: Any, overrides: dict[str, Any], error: str
) -> None:
    """RFC 9207 §2 / RFC 6749 §4.1.2.1: every error sent to the verified
    redirect URI (query or fragment) carries ``iss`` and ``state``."""
    app, _ = trusted_client
    url = location(authorize(signed_in_api, app.client_id, **overrides))
    _, params = split(url)
    assert params["error"] == [error]
    assert params["iss"] == [_discovery_issuer(signed_in_api)]
    assert params["state"] == ["s1"]


def test_rfc9207_prompt_none_errors_carry_iss(
    signed_in_api: Any, web_client: Any, api_factory: Any
) -> None:
    """``login_required`` and ``consent_required`` (OIDC Core §3.1.2.6)."""
    app, _ = web_client
    anonymous = api_factory()
    url = location(authorize(anonymous, app.client_id, prompt="none"))
    assert single(url)["error"] == "login_required"
    assert single(url)["iss"] == ISSUER
    url = location(authorize(signed_in_api, app.client_id, prompt="none"))
    assert single(url)["error"] == "consent_required"
    assert single(url)["iss"] == ISSUER


def test_rfc9207_consent_denial_carries_iss(
    signed_in_api: Any, web_client: Any
) -> None:
    """Case A.21(d): the user's ``access_denied`` carries ``iss``."""
    app, _ = web_client
    url = location(authorize(signed_in_api, app.client_id))
    body = signed_in_api.post(
        "/oauth2/consent", {"accept": False, "oauth_query": continuation(url)}
    ).json()
    params = single(body["url"])
    assert params["error"] == "access_denied"
    assert params["iss"] == _discovery_issuer(signed_in_api)
    assert params["state"] == "s1"


def test_rfc9207_consent_acceptance_carries_iss(
    signed_in_api: Any, web_client: Any
) -> None:
    app, _ = web_client
    url = location(authorize(signed_in_api, app.client_id))
    body = signed_in_api.post(
        "/oauth2/consent", {"accept": True, "oauth_query": continuation(url)}
    ).json()
    assert single(body["url"])["iss"] == ISSUER


def test_rfc9207_error_page_is_not_an_authorization_response(
    signed_in_api: Any, trusted_client: Any
) -> None:
    """Unverified redirect URIs get the error page: no ``iss``, no ``state``."""
    app, _ = trusted_client
    url = location(
        authorize(signed_in_api, app.client_id, redirect_uri="https://evil.test/cb")
    )
    assert_error_page(url, "invalid_redirect")


def test_rfc9207_iss_follows_the_configured_issuer(
    signed_in_api: Any, trusted_client: Any, better_auth_settings: Any
) -> None:
    """The issuer is BASE_URL + BASE_PATH without a trailing slash (RFC 8414
    §2); ``iss`` changes with it. (Over https the session cookie is
    ``__Secure-`` prefixed, so the http test session no longer counts.)"""
    better_auth_settings(BASE_URL="https://as.example.test/")
    app, _ = trusted_client
    url = location(authorize(signed_in_api, app.client_id, prompt="none"))
    assert single(url)["error"] == "login_required"
    assert single(url)["iss"] == "https://as.example.test/api/auth"
