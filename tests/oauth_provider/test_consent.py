"""Sign-in resumption, consent and continue: the full flows of the transcript.

Flow A (transcript): authorize without a session → login page with the
signed query → sign-in carrying it as ``oauth_query`` → ``{redirect: true,
url}`` to the client with the code. Flow B: a client that needs consent →
consent page → ``/oauth2/consent`` accept → code; re-authorizing with the
consent given → code directly. Consent is remembered per client and user
(OIDC Core §3.1.2.4), narrowed but never widened by the user, denial is
``access_denied`` (RFC 6749 §4.1.2.1) and ``skip_consent`` clients never
see the page (case A.22).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from better_auth import clock
from tests.oauth_provider.conf_helpers import transcript_case
from tests.oauth_provider.conftest import (
    CONSENT_PAGE,
    ISSUER,
    LOGIN_PAGE,
    NATIVE_REDIRECT,
    WEB_REDIRECT,
)
from tests.oauth_provider.test_authorize import (
    CHALLENGE,
    assert_client_error,
    assert_error_page,
    authorize,
    code_of,
    continuation,
    grant_for,
    location,
    names,
    single,
    single_first,
    split,
)

B_REDIRECT = "http://127.0.0.1:3200/callback"


def _consent(api: Any, url: str, **body: Any) -> Any:
    return api.post(
        "/oauth2/consent", {"accept": True, **body, "oauth_query": continuation(url)}
    )


def _consent_row(user: Any, app: Any) -> Any:
    from better_auth_oauth_provider.models import Consent

    return Consent.objects.filter(user=user, application=app).first()


# --- Flow A: sign-in resumes the authorization -------------------------------------


def test_flow_a_sign_in_with_oauth_query_resumes_with_a_code(
    api: Any, trusted_client: Any, user_factory: Any
) -> None:
    """Transcript A/authorize-no-session → A/sign-in-with-oauth-query: the
    sign-in sets the session cookie and answers ``{redirect: true, url}``
    pointing at the redirect URI with ``code``, ``state`` and ``iss``; the
    code row belongs to the new session (RFC 6749 §4.1.2, RFC 9207 §2)."""
    from better_auth.models import Session

    recorded = transcript_case("A/sign-in-with-oauth-query")["response"]
    user = user_factory(email="rp-user@example.test", password="rp-user-password-1")
    app, _ = trusted_client
    url = location(
        authorize(api, app.client_id, scope="openid profile email", nonce="n-1")
    )
    assert url.startswith(LOGIN_PAGE + "?")
    response = api.sign_in(
        "rp-user@example.test", "rp-user-password-1", oauth_query=continuation(url)
    )
    assert response.status_code == recorded["status"] == 200
    body = response.json()
    assert list(body) == list(recorded["body"]) == ["redirect", "url"]
    assert body["redirect"] is True
    assert names(body["url"]) == names(recorded["body"]["url"])
    session = Session.objects.get(user=user)
    assert response.cookies["better-auth.session_token"].value.startswith(
        session.token + "."
    )
    grant = grant_for(code_of(body["url"]))
    assert single(body["url"])["state"] == "s1"
    assert grant.user_id == user.pk
    assert grant.scope == "openid profile email"
    assert grant.nonce == "n-1"
    assert grant.code_challenge == CHALLENGE
    assert grant.redirect_uri == WEB_REDIRECT
    assert grant.better_auth_context.session_id == session.id
    assert grant.better_auth_context.auth_time == session.created_at


def test_sign_in_resumption_as_a_navigation_is_a_302(
    api: Any, trusted_client: Any, user_factory: Any
) -> None:
    """A form post from the login page (``Sec-Fetch-Mode: navigate``) is
    answered with a 302 to the client, the session cookie still set."""
    user_factory(email="bob@example.test", password="bob-password-123")
    app, _ = trusted_client
    url = location(authorize(api, app.client_id))
    response = api.post(
        "/sign-in/email",
        {
            "email": "bob@example.test",
            "password": "bob-password-123",
            "oauth_query": continuation(url),
        },
        headers={"sec-fetch-mode": "navigate", "sec-fetch-site": "same-origin"},
    )
    assert code_of(location(response))
    assert response.cookies["better-auth.session_token"].value


def test_sign_in_without_oauth_query_is_unchanged(api: Any, user_factory: Any) -> None:
    """Transcript B/sign-in: no continuation, the core answer stands."""
    user_factory(email="bob@example.test", password="bob-password-123")
    body = api.sign_in("bob@example.test", "bob-password-123").json()
    assert body["redirect"] is False and "token" in body


def test_failed_sign_in_with_oauth_query_is_the_sign_in_error(
    api: Any, trusted_client: Any, user_factory: Any
) -> None:
    """A valid continuation does not hide a wrong password (401)."""
    user_factory(email="bob@example.test", password="bob-password-123")
    app, _ = trusted_client
    url = location(authorize(api, app.client_id))
    response = api.sign_in(
        "bob@example.test", "wrong-password-1", oauth_query=continuation(url)
    )
    assert response.status_code == 401
    assert response.json()["code"] == "INVALID_EMAIL_OR_PASSWORD"


def test_sign_up_with_oauth_query_resumes_too(api: Any, trusted_client: Any) -> None:
    """Any endpoint that sets the session cookie resumes the authorization."""
    app, _ = trusted_client
    url = location(authorize(api, app.client_id))
    response = api.sign_up(oauth_query=continuation(url))
    assert response.status_code == 200, response.content
    code_of(response.json()["url"])


def test_sign_in_resume_needing_consent_lands_on_the_consent_page(
    api: Any, web_client: Any, user_factory: Any
) -> None:
    """After sign-in a client that needs consent gets the consent page."""
    user_factory(email="bob@example.test", password="bob-password-123")
    app, _ = web_client
    url = location(authorize(api, app.client_id))
    resumed = api.sign_in(
        "bob@example.test", "bob-password-123", oauth_query=continuation(url)
    ).json()["url"]
    assert resumed.startswith(CONSENT_PAGE + "?")


# --- Flow B: consent ---------------------------------------------------------------


@pytest.fixture
def public_rp(oauth_client_factory: Any) -> Any:
    """Transcript B/register-public-client: a public native RP."""
    app, _ = oauth_client_factory(
        client_name="oracle-public-rp",
        redirect_uris=[B_REDIRECT],
        application_type="native",
        token_endpoint_auth_method="none",
        scope="openid profile email offline_access",
    )
    return app


def test_flow_b_consent_then_code_then_remembered(
    signed_in_api: Any, public_rp: Any
) -> None:
    """Transcript B/authorize-consent-required → B/consent-accept →
    B/consent-deny-flow-authorize: the consent page gets the signed query,
    accepting answers ``{redirect: true, url}`` with the code, and the next
    authorization with the same scopes skips the page."""
    scope = "openid profile email offline_access"
    page = transcript_case("B/authorize-consent-required")["response"]
    accepted = transcript_case("B/consent-accept")["response"]
    again = transcript_case("B/consent-deny-flow-authorize")["response"]
    url = location(
        authorize(
            signed_in_api, public_rp.client_id, redirect_uri=B_REDIRECT, scope=scope
        )
    )
    assert url.startswith(CONSENT_PAGE + "?")
    assert names(url) == names(page["headers"]["location"])
    response = _consent(signed_in_api, url)
    assert response.status_code == accepted["status"]
    body = response.json()
    assert list(body) == list(accepted["body"])
    assert names(body["url"]) == names(accepted["body"]["url"])
    base, params = split(body["url"])
    assert base == B_REDIRECT and params["iss"] == [ISSUER]
    consent = _consent_row(signed_in_api.user, public_rp)
    assert consent.scopes == scope.split()
    grant = grant_for(params["code"][0])
    assert grant.better_auth_context.consent_id == consent.pk
    assert grant.scope == scope
    url = location(
        authorize(
            signed_in_api, public_rp.client_id, redirect_uri=B_REDIRECT, scope=scope
        )
    )
    assert names(url) == names(again["headers"]["location"])
    assert split(url)[0] == B_REDIRECT


def test_consent_denied_is_access_denied_with_state_and_iss(
    signed_in_api: Any, web_client: Any
) -> None:
    """Surface §13.20, case A.21(d), RFC 6749 §4.1.2.1 / RFC 9207 §2."""
    from oauth2_provider.models import Grant

    app, _ = web_client
    url = location(authorize(signed_in_api, app.client_id))
    response = _consent(signed_in_api, url, accept=False)
    assert response.status_code == 200
    body = response.json()
    assert body["redirect"] is True
    assert_client_error(body["url"], "access_denied", "User denied access")
    assert not Grant.objects.exists()
    assert _consent_row(signed_in_api.user, app) is None


def test_consent_denied_after_the_client_was_disabled_is_the_error_page(
    signed_in_api: Any, web_client: Any
) -> None:
    """The denial goes to the redirect URI only while the client may use it."""
    from better_auth_oauth_provider.models import ClientProfile

    app, _ = web_client
    url = location(authorize(signed_in_api, app.client_id))
    ClientProfile.objects.filter(application=app).update(disabled=True)
    body = _consent(signed_in_api, url, accept=False).json()
    assert_error_page(body["url"], "access_denied")


def test_consent_may_narrow_the_scopes(signed_in_api: Any, web_client: Any) -> None:
    """Surface §13.21-22: the user grants a subset; the code and the remembered
    consent carry only it; the same scopes later skip the page, a scope not
    consented to brings it back."""
    app, _ = web_client
    url = location(
        authorize(signed_in_api, app.client_id, scope="openid profile email")
    )
    response = _consent(signed_in_api, url, scope="openid email")
    grant = grant_for(code_of(response.json()["url"]))
    assert grant.scope == "openid email"
    assert _consent_row(signed_in_api.user, app).scopes == ["openid", "email"]
    code_of(location(authorize(signed_in_api, app.client_id, scope="openid email")))
    url = location(authorize(signed_in_api, app.client_id, scope="openid profile"))
    assert url.startswith(CONSENT_PAGE + "?")


def test_consent_cannot_widen_the_scopes(signed_in_api: Any, web_client: Any) -> None:
    """Surface §13.21: a scope not originally requested is invalid_request."""
    app, _ = web_client
    url = location(authorize(signed_in_api, app.client_id, scope="openid"))
    response = _consent(signed_in_api, url, scope="openid email")
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "Scope not originally requested",
    }
    assert _consent_row(signed_in_api.user, app) is None


def test_consent_may_narrow_requested_userinfo_claims(
    signed_in_api: Any, web_client: Any
) -> None:
    """OIDC Core §5.5: the consent page may accept a subset of the requested
    ``claims.userinfo``; the code and consent keep only the accepted ones."""
    app, _ = web_client
    claims = '{"userinfo":{"email":null,"name":{"essential":true}}}'
    url = location(authorize(signed_in_api, app.client_id, claims=claims))
    response = _consent(signed_in_api, url, claims={"userinfo": {"name": None}})
    assert response.status_code == 200, response.content
    grant = grant_for(code_of(response.json()["url"]))
    assert json.loads(grant.claims) == {"userinfo": {"name": {"essential": True}}}
    assert grant.better_auth_context.requested_userinfo_claims == ["name"]
    consent = _consent_row(signed_in_api.user, app)
    assert consent.requested_userinfo_claims == ["name"]
    # The unaccepted claim brings the page back (surface §7 claims parameter).
    url = location(authorize(signed_in_api, app.client_id, claims=claims))
    assert url.startswith(CONSENT_PAGE + "?")


def test_consent_cannot_add_claims(signed_in_api: Any, web_client: Any) -> None:
    app, _ = web_client
    url = location(
        authorize(signed_in_api, app.client_id, claims='{"userinfo":{"name":null}}')
    )
    response = _consent(signed_in_api, url, claims='{"userinfo":{"email":null}}')
    assert response.status_code == 400
    assert response.json()["error_description"] == "Claim not originally requested"


def test_consent_with_malformed_claims_is_a_validation_error(
    signed_in_api: Any, web_client: Any
) -> None:
    app, _ = web_client
    url = location(authorize(signed_in_api, app.client_id))
    response = _consent(signed_in_api, url, claims='{"userinfo":[]}')
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"


def test_consent_records_requested_resources(
    signed_in_api: Any, web_client: Any, oauth_settings: Any
) -> None:
    """RFC 8707: consent covers the resources; they reach the code."""
    oauth_settings(
        RESOURCES=["https://api.example.test/"], ENFORCE_PER_CLIENT_RESOURCES=False
    )
    app, _ = web_client
    url = location(
        authorize(signed_in_api, app.client_id, resource="https://api.example.test/")
    )
    grant = grant_for(code_of(_consent(signed_in_api, url).json()["url"]))
    assert grant.resource == ["https://api.example.test/"]
    assert _consent_row(signed_in_api.user, app).resources == [
        "https://api.example.test/"
    ]
    code_of(
        location(
            authorize(
                signed_in_api, app.client_id, resource="https://api.example.test/"
            )
        )
    )


def test_consent_is_per_client_and_user(
    signed_in_api: Any, web_client: Any, oauth_client_factory: Any, api_factory: Any
) -> None:
    """OIDC Core §3.1.2.4: consent to one client is not consent to another,
    and one user's consent is not another user's."""
    app, _ = web_client
    url = location(authorize(signed_in_api, app.client_id))
    code_of(_consent(signed_in_api, url).json()["url"])
    other, _ = oauth_client_factory(client_name="client-b")
    assert location(authorize(signed_in_api, other.client_id)).startswith(
        CONSENT_PAGE + "?"
    )
    bob = api_factory()
    bob.sign_up("bob@example.test", "bob-password-123", "Bob")
    assert location(authorize(bob, app.client_id)).startswith(CONSENT_PAGE + "?")


def test_skip_consent_clients_never_see_the_page(
    signed_in_api: Any, trusted_client: Any
) -> None:
    """Case A.22(e): a trusted client gets the code without any consent row."""
    app, _ = trusted_client
    url = location(
        authorize(
            signed_in_api, app.client_id, scope="openid profile email offline_access"
        )
    )
    grant = grant_for(code_of(url))
    assert grant.better_auth_context.consent is None
    assert _consent_row(signed_in_api.user, app) is None


def test_consent_requires_a_session(
    signed_in_api: Any, web_client: Any, api_factory: Any
) -> None:
    """``/oauth2/consent`` needs the signed-in user (401 otherwise)."""
    app, _ = web_client
    url = location(authorize(signed_in_api, app.client_id))
    response = _consent(api_factory(), url)
    assert response.status_code == 401


def test_consent_without_oauth_query_is_invalid_request(signed_in_api: Any) -> None:
    response = signed_in_api.post("/oauth2/consent", {"accept": True})
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "missing oauth query",
    }


def test_consent_before_the_requested_login_goes_back_to_login(
    signed_in_api: Any, web_client: Any
) -> None:
    """Surface §7 ``prompt=login``: consent refuses to proceed until a session
    newer than the continuation exists."""
    app, _ = web_client
    url = location(authorize(signed_in_api, app.client_id, prompt="login consent"))
    assert url.startswith(LOGIN_PAGE + "?")
    response = _consent(signed_in_api, url)
    assert response.json()["url"].startswith(LOGIN_PAGE + "?")
    assert _consent_row(signed_in_api.user, app) is None


def test_consent_after_a_fresh_login_satisfies_prompt_login(
    signed_in_api: Any, web_client: Any
) -> None:
    """A session created after the continuation satisfies ``prompt=login``
    (and ``max_age``), so consent proceeds to the code."""
    app, _ = web_client
    with clock.freeze():
        url = location(
            authorize(signed_in_api, app.client_id, prompt="login consent", max_age="0")
        )
        clock.advance(1)
        signed_in_api.sign_in()
        code_of(_consent(signed_in_api, url).json()["url"])


# --- continue ----------------------------------------------------------------------


def test_continue_needs_one_of_its_flags(signed_in_api: Any, web_client: Any) -> None:
    app, _ = web_client
    url = location(authorize(signed_in_api, app.client_id))
    response = signed_in_api.post(
        "/oauth2/continue", {"oauth_query": continuation(url)}
    )
    assert response.status_code == 400
    assert response.json()["error_description"] == "Missing parameters"
    response = signed_in_api.post("/oauth2/continue", {"selected": True})
    assert response.json()["error_description"] == "missing oauth query"


def test_continue_post_login_resumes(signed_in_api: Any, trusted_client: Any) -> None:
    """Continue ``postLogin`` re-runs the authorization for the session."""
    app, _ = trusted_client
    with clock.freeze():
        url = location(authorize(signed_in_api, app.client_id, prompt="login"))
        clock.advance(1)
        signed_in_api.sign_in()
    response = signed_in_api.post(
        "/oauth2/continue", {"postLogin": True, "oauth_query": continuation(url)}
    )
    # prompt=login is still in the continuation: login again.
    assert response.json()["url"].startswith(LOGIN_PAGE + "?")


def test_native_public_client_flow_on_an_ephemeral_port(
    signed_in_api: Any, native_client: Any
) -> None:
    """RFC 8252 §7.3 through consent: the code goes to the port requested."""
    app, _ = native_client
    redirect = NATIVE_REDIRECT.replace("127.0.0.1", "127.0.0.1:50123")
    url = location(authorize(signed_in_api, app.client_id, redirect_uri=redirect))
    body = _consent(signed_in_api, url).json()
    assert body["url"].startswith(redirect + "?code=")
    assert single_first(body["url"])["iss"] == ISSUER


def test_no_secret_is_logged_during_the_flows(
    api: Any, web_client: Any, user_factory: Any, caplog: Any
) -> None:
    """Codes, passwords, session tokens and continuation signatures never
    reach the logs during authorize, sign-in and consent."""
    import logging

    from better_auth.models import Session

    caplog.set_level(logging.DEBUG)
    user_factory(email="bob@example.test", password="bob-password-123")
    app, _ = web_client
    url = location(authorize(api, app.client_id))
    query = continuation(url)
    resumed = api.sign_in(
        "bob@example.test", "bob-password-123", oauth_query=query
    ).json()["url"]
    code_url = _consent(api, resumed).json()["url"]
    code = single(code_url)["code"]
    api.sign_in("bob@example.test", "bob-password-123", oauth_query=query + "x")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    secrets = [code, "bob-password-123", single_first(url)["sig"]]
    secrets += [s.token for s in Session.objects.all()]
    for secret in secrets:
        assert secret not in logged
    assert "invalid signature" in logged
