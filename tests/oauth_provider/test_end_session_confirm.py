"""The logout confirmation step of OpenID Connect RP-Initiated Logout 1.0.

§2: when the provider cannot tell that the relying party's request is the
user's own (no ``id_token_hint``, or a hint for another session), it asks
the user. Surface §6.2, §13.81.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from better_auth import clock
from better_auth.models import Session
from better_auth_oauth_provider.oauth import signed_query
from tests.conftest import BASE, ORIGIN
from tests.oauth_provider.test_end_session import HTML, LOGGED_OUT
from tests.oauth_provider.test_token import assert_no_store, login_tokens

FORM = "application/x-www-form-urlencoded"
CONFIRM = BASE + "/oauth2/end-session/confirm"
COOKIE = "better-auth.session_token.oauth_logout_confirmation"
NAVIGATE = {"accept": "text/html", "sec-fetch-mode": "navigate"}


@pytest.fixture
def logout_client(oauth_client_factory: Any) -> tuple[Any, str]:
    return oauth_client_factory(
        client_name="logout-rp",
        skip_consent=True,
        enable_end_session=True,
        post_logout_redirect_uris=[LOGGED_OUT],
    )


def _alive(user: Any) -> bool:
    return Session.objects.filter(user=user).exists()


def _ask(browser: Any, app: Any, **extra: str) -> Any:
    params = {
        "client_id": app.client_id,
        "post_logout_redirect_uri": LOGGED_OUT,
        "state": "s 1",
        **extra,
    }
    return browser.client.get(BASE + "/oauth2/end-session", params, headers=NAVIGATE)


def _continuation(page: Any) -> str:
    """The signed continuation in the built-in page's form."""
    html = page.content.decode()
    marker = 'name="logout_query" value="'
    start = html.index(marker) + len(marker)
    raw = html[start : html.index('"', start)]
    return raw.replace("&amp;", "&")


def _confirm(browser: Any, query: str, action: str = "confirm", **headers: str) -> Any:
    sent = {"origin": ORIGIN, **NAVIGATE, **headers}
    return browser.client.post(
        CONFIRM,
        data=urlencode({"logout_query": query, "action": action}),
        content_type=FORM,
        headers={k: v for k, v in sent.items() if v},
    )


def test_browser_without_hint_is_asked(
    signed_in_api: Any, logout_client: tuple[Any, str]
) -> None:
    """§2: the OP asks; the page posts to the confirm endpoint; nobody is
    logged out by the GET (surface §13.81: 200 HTML form, session kept)."""
    app, _ = logout_client
    response = _ask(signed_in_api, app)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "form-action 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert_no_store(response)
    assert b'action="http://testserver/api/auth/oauth2/end-session/confirm"' in (
        response.content
    )
    cookie = response.cookies[COOKIE]
    assert cookie.value
    assert cookie["path"] == "/api/auth/oauth2/end-session/confirm"
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 300
    assert _alive(signed_in_api.user)


def test_confirm_logs_out_and_redirects_to_registered_uri(
    signed_in_api: Any, logout_client: tuple[Any, str]
) -> None:
    """§3: after the confirmed logout, the registered URI gets ``state``."""
    app, _ = logout_client
    query = _continuation(_ask(signed_in_api, app))
    response = _confirm(signed_in_api, query)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGGED_OUT}?state=s+1"
    assert_no_store(response)
    assert not _alive(signed_in_api.user)
    assert response.cookies[COOKIE]["max-age"] == 0


def test_confirm_never_redirects_to_an_unregistered_uri(
    signed_in_api: Any, logout_client: tuple[Any, str]
) -> None:
    """§3: an unregistered ``post_logout_redirect_uri`` is never followed;
    the user sees the plain "Logged out" page instead."""
    app, _ = logout_client
    page = _ask(signed_in_api, app, post_logout_redirect_uri="https://evil.test/x")
    response = _confirm(signed_in_api, _continuation(page))
    assert response.status_code == 200
    assert b'data-oidc-logout-state="logged-out"' in response.content
    assert not _alive(signed_in_api.user)


def test_decline_keeps_the_session(
    signed_in_api: Any, logout_client: tuple[Any, str]
) -> None:
    """§2: the user may say no; the session stays and nothing redirects."""
    app, _ = logout_client
    query = _continuation(_ask(signed_in_api, app))
    response = _confirm(signed_in_api, query, action="cancel")
    assert response.status_code == 200
    assert b'data-oidc-logout-state="cancelled"' in response.content
    assert _alive(signed_in_api.user)
    assert signed_in_api.get("/get-session").json() is not None


def _forge(query: str, name: str, value: str) -> str:
    pairs = [(k, value if k == name else v) for k, v in parse_qsl(query)]
    return urlencode(pairs)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda q: _forge(q, "post_logout_redirect_uri", "https://evil.test/x"),
        lambda q: _forge(q, "exp", "9999999999"),
        lambda q: _forge(q, "sig", "AAAA"),
        lambda q: "",
    ],
    ids=["redirect", "expiry", "signature", "missing"],
)
def test_forged_continuation_is_refused(
    signed_in_api: Any, logout_client: tuple[Any, str], mutate: Any
) -> None:
    """A changed or missing continuation is a 400 page and logs nobody out
    (surface §13.81: tampered state -> >= 400, session kept)."""
    app, _ = logout_client
    query = _continuation(_ask(signed_in_api, app))
    response = _confirm(signed_in_api, mutate(query))
    assert response.status_code == 400
    assert b'data-oidc-logout-state="error"' in response.content
    assert _alive(signed_in_api.user)


def test_expired_continuation_is_refused(
    signed_in_api: Any, logout_client: tuple[Any, str]
) -> None:
    """The confirmation lives END_SESSION_CONFIRMATION_EXPIRES_IN (300 s)."""
    app, _ = logout_client
    query = _continuation(_ask(signed_in_api, app))
    clock.advance(301)
    try:
        response = _confirm(signed_in_api, query)
    finally:
        clock.advance(-301)
    assert response.status_code == 400
    assert _alive(signed_in_api.user)


def test_cross_origin_confirm_is_refused(
    signed_in_api: Any, logout_client: tuple[Any, str]
) -> None:
    """CSRF: a cross-site POST cannot log the user out (surface §13.81)."""
    app, _ = logout_client
    query = _continuation(_ask(signed_in_api, app))
    response = _confirm(signed_in_api, query, origin="https://evil.test")
    assert response.status_code == 403
    assert _alive(signed_in_api.user)
    response = _confirm(signed_in_api, query, origin="")
    assert response.status_code == 403
    assert _alive(signed_in_api.user)


def test_confirm_needs_the_confirmation_cookie(
    signed_in_api: Any, logout_client: tuple[Any, str]
) -> None:
    """The continuation is bound to the browser that was asked: without its
    HttpOnly SameSite cookie (a cross-site form post does not carry it)
    the answer is refused."""
    app, _ = logout_client
    query = _continuation(_ask(signed_in_api, app))
    del signed_in_api.client.cookies[COOKIE]
    response = _confirm(signed_in_api, query)
    assert response.status_code == 400
    assert _alive(signed_in_api.user)


def test_confirm_for_another_session_is_refused(
    signed_in_api: Any, logout_client: tuple[Any, str]
) -> None:
    """A continuation names the session it was shown to; after signing in
    again it does not end the new session."""
    app, _ = logout_client
    query = _continuation(_ask(signed_in_api, app))
    # A second session, signed in without this browser's cookies so that the
    # multi-session plugin does not replace the first one (same user).
    signed_in_api.post(
        "/sign-in/email",
        {"email": "alice@example.test", "password": "alice-password-1"},
        headers={"cookie": ""},
    )
    response = _confirm(signed_in_api, query)
    assert response.status_code == 400
    assert Session.objects.filter(user=signed_in_api.user).count() == 2


def test_authorization_continuation_is_not_a_logout(
    signed_in_api: Any, logout_client: tuple[Any, str]
) -> None:
    """A continuation signed for an authorization request (the same signer)
    is not accepted as a logout confirmation."""
    app, _ = logout_client
    page = _ask(signed_in_api, app)
    assert page.status_code == 200
    session = Session.objects.get(user=signed_in_api.user)
    query = signed_query.sign(
        [
            ("response_type", "code"),
            ("client_id", app.client_id),
            ("ba_logout", "1"),
            ("sid", str(session.id)),
            ("nonce", "x"),
        ]
    )
    response = _confirm(signed_in_api, query)
    assert response.status_code == 400
    assert _alive(signed_in_api.user)


def test_get_never_confirms(signed_in_api: Any, logout_client: tuple[Any, str]) -> None:
    """Only the POST answers: a GET (a link, an image) logs nobody out."""
    app, _ = logout_client
    query = _continuation(_ask(signed_in_api, app))
    response = signed_in_api.client.get(
        CONFIRM, {"logout_query": query, "action": "confirm"}, headers=NAVIGATE
    )
    assert response.status_code in (404, 405)
    assert _alive(signed_in_api.user)


def test_api_caller_still_gets_better_auths_error(
    signed_in_api: Any, logout_client: tuple[Any, str]
) -> None:
    """Surface §13.81 (API form): 400 "User confirmation is required"."""
    app, _ = logout_client
    response = signed_in_api.client.get(
        BASE + "/oauth2/end-session", {"client_id": app.client_id}
    )
    assert response.status_code == 400
    assert response.json()["error_description"] == (
        "User confirmation is required to complete logout"
    )
    assert COOKIE not in response.cookies


def test_invalid_hint_in_a_browser_asks(
    signed_in_api: Any, logout_client: tuple[Any, str]
) -> None:
    """Surface §6.2: a browser with a session and an invalid hint is asked
    rather than shown an error; nobody is logged out by the GET."""
    app, _ = logout_client
    response = _ask(signed_in_api, app, id_token_hint="not.a.jwt")
    assert response.status_code == 200
    assert b'data-oidc-logout-state="confirm"' in response.content
    assert _alive(signed_in_api.user)


def test_hint_for_another_session_asks_the_browser(
    signed_in_api: Any, logout_client: tuple[Any, str]
) -> None:
    """§2: a hint for a session other than the browser's is confirmed by
    the user, and the confirmation ends the browser's own session."""
    app, secret = logout_client
    hint = login_tokens(app, secret, signed_in_api.user)["id_token"]
    # A second session, signed in without this browser's cookies so that the
    # multi-session plugin does not replace the first one (same user).
    signed_in_api.post(
        "/sign-in/email",
        {"email": "alice@example.test", "password": "alice-password-1"},
        headers={"cookie": ""},
    )
    page = _ask(signed_in_api, app, id_token_hint=hint)
    assert page.status_code == 200
    assert Session.objects.filter(user=signed_in_api.user).count() == 2
    response = _confirm(signed_in_api, _continuation(page))
    assert response.status_code == 302
    assert Session.objects.filter(user=signed_in_api.user).count() == 1


def test_end_session_page_gets_a_signed_continuation(
    signed_in_api: Any, logout_client: tuple[Any, str], oauth_settings: Any
) -> None:
    """END_SESSION_PAGE: the browser goes to the frontend page with the
    signed continuation, which the page posts back (JSON answer)."""
    oauth_settings(END_SESSION_PAGE="http://testserver/logout")
    app, _ = logout_client
    response = _ask(signed_in_api, app)
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == (
        "http://testserver/logout"
    )
    assert signed_query.verify(target.query) is not None
    assert response.cookies[COOKIE].value
    assert _alive(signed_in_api.user)
    answer = signed_in_api.post(
        "/oauth2/end-session/confirm",
        {"logout_query": target.query, "action": "confirm"},
    )
    assert answer.status_code == 200
    assert answer.json() == {
        "logged_out": True,
        "redirect": True,
        "url": f"{LOGGED_OUT}?state=s+1",
    }
    assert not _alive(signed_in_api.user)


def test_frontend_decline_answers_json(
    signed_in_api: Any, logout_client: tuple[Any, str], oauth_settings: Any
) -> None:
    oauth_settings(END_SESSION_PAGE="/logout")
    app, _ = logout_client
    response = _ask(signed_in_api, app)
    query = urlsplit(response["Location"]).query
    answer = signed_in_api.post(
        "/oauth2/end-session/confirm", {"logout_query": query, "action": "cancel"}
    )
    assert answer.json() == {"logged_out": False, "redirect": False}
    assert _alive(signed_in_api.user)


def test_browser_without_session_goes_back_to_the_client(
    api: Any, logout_client: tuple[Any, str]
) -> None:
    """Nothing to end: a browser already signed out returns to the
    registered URI (§3) without being asked."""
    app, _ = logout_client
    response = api.client.get(
        BASE + "/oauth2/end-session",
        {"client_id": app.client_id, "post_logout_redirect_uri": LOGGED_OUT},
        headers=HTML,
    )
    assert response.status_code == 302
    assert response["Location"] == LOGGED_OUT
