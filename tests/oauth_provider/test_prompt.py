"""``prompt`` and ``max_age`` (OIDC Core §3.1.2.1, §3.1.2.6; surface §7).

``none`` never shows a page: the missing interaction is an error at the
redirect URI (``login_required``, ``consent_required``,
``account_selection_required``, ``interaction_required``). ``login`` and
``create`` always authenticate again, ``consent`` always asks, and
``select_account`` shows the account chooser. ``max_age`` forces a login
when the session is older; ``max_age=0`` always does.
"""

from __future__ import annotations

from typing import Any

import pytest

from better_auth import clock
from tests.oauth_provider.conf_helpers import transcript_case
from tests.oauth_provider.conftest import CONSENT_PAGE, LOGIN_PAGE
from tests.oauth_provider.test_authorize import (
    assert_client_error,
    authorize,
    code_of,
    continuation,
    grant_for,
    location,
    recorded_pairs,
    single_first,
)

SELECT_PAGE = "http://testserver/select-account"
SIGNUP_PAGE = "http://testserver/sign-up"
POST_LOGIN_PAGE = "http://testserver/organization"


def _consent(api: Any, url: str, **body: Any) -> Any:
    response = api.post(
        "/oauth2/consent", {"accept": True, **body, "oauth_query": continuation(url)}
    )
    assert response.status_code == 200, response.content
    return response.json()["url"]


def _grant_consent(api: Any, client_id: str, scope: str = "openid profile") -> None:
    url = location(authorize(api, client_id, scope=scope))
    assert url.startswith(CONSENT_PAGE + "?")
    code_of(_consent(api, url))


# --- prompt=none ---------------------------------------------------------------------


def test_prompt_none_without_session_is_login_required(
    api: Any, trusted_client: Any
) -> None:
    """Case A.22(a), OIDC Core §3.1.2.6 (transcript
    A/authorize-prompt-none-no-session): no login UI, ``login_required``."""
    recorded = transcript_case("A/authorize-prompt-none-no-session")["response"]
    app, _ = trusted_client
    url = location(authorize(api, app.client_id, prompt="none", scope="openid"))
    assert_client_error(url, "login_required", "authentication required")
    expected = [
        (k, v)
        for k, v in recorded_pairs(recorded["headers"]["location"])
        if k != "state"
    ]
    assert [
        (k, v) for k, v in recorded_pairs(url) if k in ("error", "error_description")
    ] == expected[:2]


def test_prompt_none_without_consent_is_consent_required(
    signed_in_api: Any, web_client: Any
) -> None:
    """Case A.22(b), OIDC Core §3.1.2.6: ``consent_required``."""
    app, _ = web_client
    url = location(authorize(signed_in_api, app.client_id, prompt="none"))
    assert_client_error(url, "consent_required", "End-User consent is required")


def test_prompt_none_with_consent_issues_a_code(
    signed_in_api: Any, web_client: Any
) -> None:
    """OIDC Core §3.1.2.1: nothing to show, so the code is issued silently."""
    app, _ = web_client
    _grant_consent(signed_in_api, app.client_id)
    code_of(location(authorize(signed_in_api, app.client_id, prompt="none")))


def test_prompt_none_with_an_unconsented_scope_is_consent_required(
    signed_in_api: Any, web_client: Any
) -> None:
    """Case A.22(c) with prompt=none: a new scope needs new consent."""
    app, _ = web_client
    _grant_consent(signed_in_api, app.client_id)
    url = location(
        authorize(signed_in_api, app.client_id, prompt="none", scope="openid email")
    )
    assert_client_error(url, "consent_required")


def test_prompt_none_with_an_unconsented_resource_is_consent_required(
    signed_in_api: Any, web_client: Any, oauth_settings: Any
) -> None:
    """Surface §13.17: consent must cover requested resources (RFC 8707)."""
    oauth_settings(
        RESOURCES=["https://api.example.test/"], ENFORCE_PER_CLIENT_RESOURCES=False
    )
    app, _ = web_client
    _grant_consent(signed_in_api, app.client_id)
    url = location(
        authorize(
            signed_in_api,
            app.client_id,
            prompt="none",
            resource="https://api.example.test/",
        )
    )
    assert_client_error(url, "consent_required")


def test_prompt_none_with_max_age_zero_is_login_required(
    signed_in_api: Any, trusted_client: Any
) -> None:
    """Surface §13.13: ``max_age=0&prompt=none`` can never be satisfied."""
    app, _ = trusted_client
    url = location(authorize(signed_in_api, app.client_id, prompt="none", max_age="0"))
    assert_client_error(url, "login_required")


# --- prompt=login and max_age ----------------------------------------------------


def test_prompt_login_forces_login_then_resumes(
    signed_in_api: Any, trusted_client: Any
) -> None:
    """OIDC Core §3.1.2.1 ``login``: the login page even with a session; the
    sign-in resumes without ``login`` and the code carries the new
    session's ``auth_time``."""
    from better_auth.models import Session

    app, _ = trusted_client
    url = location(authorize(signed_in_api, app.client_id, prompt="login"))
    assert url.startswith(LOGIN_PAGE + "?")
    assert single_first(url)["prompt"] == "login"
    response = signed_in_api.sign_in(oauth_query=continuation(url))
    assert response.status_code == 200, response.content
    grant = grant_for(code_of(response.json()["url"]))
    newest = Session.objects.order_by("-created_at").first()
    assert grant.better_auth_context.session_id == newest.id
    assert grant.better_auth_context.auth_time == newest.created_at


def test_prompt_login_and_consent_shows_consent_even_when_given(
    signed_in_api: Any, web_client: Any
) -> None:
    """Surface §13.23: ``prompt=login consent`` → login page, then the consent
    page although consent was given before, then the code."""
    app, _ = web_client
    _grant_consent(signed_in_api, app.client_id)
    url = location(authorize(signed_in_api, app.client_id, prompt="login consent"))
    assert url.startswith(LOGIN_PAGE + "?")
    resumed = signed_in_api.sign_in(oauth_query=continuation(url)).json()["url"]
    assert resumed.startswith(CONSENT_PAGE + "?")
    assert single_first(resumed)["prompt"] == "consent"
    code_of(_consent(signed_in_api, resumed))


def test_max_age_zero_always_logs_in_again(
    signed_in_api: Any, trusted_client: Any
) -> None:
    """OIDC Core §3.1.2.1 / surface §7: ``max_age=0`` forces a login; the
    fresh session satisfies it after sign-in."""
    app, _ = trusted_client
    url = location(authorize(signed_in_api, app.client_id, max_age="0"))
    assert url.startswith(LOGIN_PAGE + "?")
    response = signed_in_api.sign_in(oauth_query=continuation(url))
    code_of(response.json()["url"])


def test_stale_session_for_max_age_logs_in_again(
    signed_in_api: Any, trusted_client: Any
) -> None:
    """OIDC Core §3.1.2.1: a session older than ``max_age`` seconds is not
    enough (surface §13.13: ``max_age=10000`` with a fresh one is)."""
    app, _ = trusted_client
    code_of(location(authorize(signed_in_api, app.client_id, max_age="10000")))
    with clock.freeze():
        clock.advance(120)
        url = location(authorize(signed_in_api, app.client_id, max_age="60"))
        assert url.startswith(LOGIN_PAGE + "?")
        code_of(location(authorize(signed_in_api, app.client_id, max_age="600")))


def test_satisfied_max_age_is_dropped_before_consent(
    signed_in_api: Any, web_client: Any
) -> None:
    """Surface §13.14: once satisfied, ``max_age`` is not passed to consent."""
    app, _ = web_client
    url = location(authorize(signed_in_api, app.client_id, max_age="10000"))
    assert url.startswith(CONSENT_PAGE + "?")
    assert "max_age" not in single_first(url)


# --- prompt=consent --------------------------------------------------------------


def test_prompt_consent_shows_consent_even_when_given(
    signed_in_api: Any, web_client: Any
) -> None:
    """Case A.22(d), OIDC Core §3.1.2.1 ``consent``."""
    app, _ = web_client
    _grant_consent(signed_in_api, app.client_id)
    url = location(authorize(signed_in_api, app.client_id, prompt="consent"))
    assert url.startswith(CONSENT_PAGE + "?")
    code_of(_consent(signed_in_api, url))


def test_prompt_consent_for_a_trusted_client_still_asks(
    signed_in_api: Any, trusted_client: Any
) -> None:
    """``prompt=consent`` is checked before ``skip_consent`` (surface §1.4
    step 13): the RP explicitly asked for the consent screen."""
    app, _ = trusted_client
    url = location(authorize(signed_in_api, app.client_id, prompt="consent"))
    assert url.startswith(CONSENT_PAGE + "?")


# --- prompt=select_account -------------------------------------------------------


def test_prompt_select_account_shows_the_account_page(
    signed_in_api: Any, trusted_client: Any, oauth_settings: Any
) -> None:
    """OIDC Core §3.1.2.1 ``select_account``; continue ``selected`` resumes."""
    oauth_settings(SELECT_ACCOUNT_PAGE=SELECT_PAGE)
    app, _ = trusted_client
    url = location(authorize(signed_in_api, app.client_id, prompt="select_account"))
    assert url.startswith(SELECT_PAGE + "?")
    response = signed_in_api.post(
        "/oauth2/continue", {"selected": True, "oauth_query": continuation(url)}
    )
    assert response.status_code == 200
    code_of(response.json()["url"])


def test_select_account_gate(
    signed_in_api: Any, trusted_client: Any, oauth_settings: Any
) -> None:
    """SELECT_ACCOUNT_SHOULD_REDIRECT sends the user to the chooser; with
    ``prompt=none`` it is ``account_selection_required`` (OIDC §3.1.2.6)."""
    seen: list[dict[str, Any]] = []

    def should_redirect(context: dict[str, Any]) -> bool:
        seen.append(context)
        return True

    oauth_settings(
        SELECT_ACCOUNT_PAGE=SELECT_PAGE, SELECT_ACCOUNT_SHOULD_REDIRECT=should_redirect
    )
    app, _ = trusted_client
    url = location(authorize(signed_in_api, app.client_id))
    assert url.startswith(SELECT_PAGE + "?")
    assert seen[0]["user"].pk == signed_in_api.user.pk
    assert seen[0]["scopes"] == ["openid", "profile"]
    url = location(authorize(signed_in_api, app.client_id, prompt="none"))
    assert_client_error(
        url, "account_selection_required", "End-User account selection is required"
    )


# --- prompt=create and the sign-up gate ---------------------------------------------


def test_prompt_create_goes_to_sign_up_then_continues(
    api: Any, trusted_client: Any, oauth_settings: Any
) -> None:
    """OIDC ``prompt=create`` (Initiating User Registration 1.0): the sign-up
    page; after sign-up, continue ``created`` drops ``create``."""
    oauth_settings(SIGNUP_PAGE=SIGNUP_PAGE)
    app, _ = trusted_client
    url = location(authorize(api, app.client_id, prompt="create"))
    assert url.startswith(SIGNUP_PAGE + "?")
    signed_up = api.sign_up(oauth_query=continuation(url))
    assert signed_up.status_code == 200, signed_up.content
    again = signed_up.json()["url"]
    assert again.startswith(SIGNUP_PAGE + "?")
    response = api.post(
        "/oauth2/continue", {"created": True, "oauth_query": continuation(again)}
    )
    code_of(response.json()["url"])


def test_prompt_create_without_a_sign_up_page_uses_the_login_page(
    api: Any, trusted_client: Any
) -> None:
    app, _ = trusted_client
    url = location(authorize(api, app.client_id, prompt="create"))
    assert url.startswith(LOGIN_PAGE + "?")


@pytest.mark.parametrize("answer", [True, "http://testserver/welcome"])
def test_sign_up_gate(
    signed_in_api: Any, trusted_client: Any, oauth_settings: Any, answer: Any
) -> None:
    """SIGNUP_SHOULD_REDIRECT: True → SIGNUP_PAGE, a string → that page;
    ``prompt=none`` → ``interaction_required``."""
    oauth_settings(SIGNUP_PAGE=SIGNUP_PAGE, SIGNUP_SHOULD_REDIRECT=lambda c: answer)
    app, _ = trusted_client
    url = location(authorize(signed_in_api, app.client_id))
    expected = answer if isinstance(answer, str) else SIGNUP_PAGE
    assert url.startswith(expected + "?")
    url = location(authorize(signed_in_api, app.client_id, prompt="none"))
    assert_client_error(url, "interaction_required", "End-User interaction is required")


# --- the post-login gate -----------------------------------------------------------


def test_post_login_gate_is_cleared_once_for_the_session(
    signed_in_api: Any, web_client: Any, oauth_settings: Any
) -> None:
    """POST_LOGIN_SHOULD_REDIRECT sends the user to POST_LOGIN_PAGE; once it
    lets the flow on, the consent page's continuation names the session
    (``ba_pl``) so the gate is not consulted again for it."""
    state = {"redirect": True}
    oauth_settings(
        POST_LOGIN_PAGE=POST_LOGIN_PAGE,
        POST_LOGIN_SHOULD_REDIRECT=lambda context: state["redirect"],
    )
    app, _ = web_client
    url = location(authorize(signed_in_api, app.client_id))
    assert url.startswith(POST_LOGIN_PAGE + "?")
    assert_client_error(
        location(authorize(signed_in_api, app.client_id, prompt="none")),
        "interaction_required",
    )
    state["redirect"] = False
    response = signed_in_api.post(
        "/oauth2/continue", {"postLogin": True, "oauth_query": continuation(url)}
    )
    consent_url = response.json()["url"]
    assert consent_url.startswith(CONSENT_PAGE + "?")
    assert "ba_pl" in single_first(consent_url)
    state["redirect"] = True
    code_of(_consent(signed_in_api, consent_url))


def test_post_login_gate_without_its_page_is_a_server_error(
    signed_in_api: Any, trusted_client: Any, oauth_settings: Any
) -> None:
    """A gate that redirects needs POST_LOGIN_PAGE; misconfiguration is a 500,
    never a redirect somewhere undefined."""
    oauth_settings(POST_LOGIN_SHOULD_REDIRECT=lambda context: True)
    app, _ = trusted_client
    response = authorize(signed_in_api, app.client_id)
    assert response.status_code == 500
