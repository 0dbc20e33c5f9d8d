"""OpenID Connect RP-Initiated Logout 1.0 at ``/oauth2/end-session``.

Transcript A/end-session and surface §6.2, §13.81-82.
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import jwt
import pytest
from django.test import Client

from better_auth import clock
from better_auth.keys import sign_jwt
from better_auth.models import Session
from tests.conftest import BASE
from tests.oauth_provider.conftest import ISSUER
from tests.oauth_provider.test_token import assert_no_store, login_tokens

LOGGED_OUT = "https://app.example.test/logged-out"
HTML = {"accept": "text/html"}


@pytest.fixture
def logout_client(oauth_client_factory: Any) -> tuple[Any, str]:
    return oauth_client_factory(
        client_name="logout-rp",
        skip_consent=True,
        enable_end_session=True,
        post_logout_redirect_uris=[LOGGED_OUT],
    )


@pytest.fixture
def hint(logout_client: tuple[Any, str], signed_in_api: Any) -> str:
    app, secret = logout_client
    return login_tokens(app, secret, signed_in_api.user)["id_token"]


def _end(browser: Any, params: dict[str, str], **headers: str) -> Any:
    return browser.client.get(BASE + "/oauth2/end-session", params, headers=headers)


def _alive(user: Any) -> bool:
    return Session.objects.filter(user=user).exists()


def test_logout_with_registered_redirect(
    signed_in_api: Any, logout_client: tuple[Any, str], hint: str
) -> None:
    """Transcript A/end-session: redirect with ``state``, cookies expired.

    RP-Initiated Logout §3: the redirect happens only to a registered
    ``post_logout_redirect_uri``; the Better Auth session is gone.
    """
    app, _ = logout_client
    response = _end(
        signed_in_api,
        {
            "id_token_hint": hint,
            "post_logout_redirect_uri": LOGGED_OUT,
            "state": "st/1 x",
            "client_id": app.client_id,
        },
        **HTML,
    )
    assert response.status_code == 302
    assert response["Location"] == f"{LOGGED_OUT}?state=st%2F1+x"
    assert_no_store(response)
    for name in (
        "better-auth.session_token",
        "better-auth.session_data",
        "better-auth.dont_remember",
    ):
        assert response.cookies[name].value == ""
        assert response.cookies[name]["max-age"] == 0
    confirmation = response.cookies[
        "better-auth.session_token.oauth_logout_confirmation"
    ]
    assert confirmation["path"] == "/api/auth/oauth2/end-session/confirm"
    assert not _alive(signed_in_api.user)


def test_unregistered_redirect_logs_out_without_redirect(
    signed_in_api: Any, hint: str
) -> None:
    """Surface §13.82: an unregistered or modified URI is never followed."""
    response = _end(
        signed_in_api,
        {"id_token_hint": hint, "post_logout_redirect_uri": LOGGED_OUT + "?x=1"},
    )
    assert response.status_code == 200
    assert response.json() is None
    assert not _alive(signed_in_api.user)


def test_browser_gets_a_logged_out_page(signed_in_api: Any, hint: str) -> None:
    """Without a usable redirect a browser navigation gets an HTML page."""
    response = _end(signed_in_api, {"id_token_hint": hint}, **HTML)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b'data-oidc-logout-state="logged-out"' in response.content
    assert_no_store(response)


def test_post_form(signed_in_api: Any, hint: str) -> None:
    """RP-Initiated Logout §2: the parameters may be POSTed as a form."""
    response = signed_in_api.post(
        "/oauth2/end-session",
        raw=f"id_token_hint={hint}&post_logout_redirect_uri={LOGGED_OUT}&state=s",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 302
    assert response["Location"] == f"{LOGGED_OUT}?state=s"


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "someone-else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
    return f"{header}.{forged.decode()}.{signature}"


def _unsigned(claims: dict[str, Any]) -> str:
    return jwt.encode(claims, key="", algorithm="none")


@pytest.mark.parametrize("kind", ["tampered", "none", "garbage", "other-issuer"])
def test_invalid_hints_are_400(
    signed_in_api: Any, logout_client: tuple[Any, str], hint: str, kind: str
) -> None:
    """Surface §13.82 / §14: a forged hint is a controlled 400, never a 500."""
    app, _ = logout_client
    claims = jwt.decode(hint, options={"verify_signature": False})
    bad = {
        "tampered": _tampered(hint),
        "none": _unsigned(claims),
        "garbage": "not.a.jwt",
        "other-issuer": sign_jwt({**claims, "iss": "https://evil.test"}),
    }[kind]
    response = _end(signed_in_api, {"id_token_hint": bad, "client_id": app.client_id})
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "The id_token_hint is invalid",
    }
    assert_no_store(response)
    assert _alive(signed_in_api.user)


def test_expired_hint_is_400(signed_in_api: Any, hint: str) -> None:
    """An expired hint is refused like a forged one (surface §6.2)."""
    clock.advance(3601)
    try:
        response = _end(signed_in_api, {"id_token_hint": hint})
    finally:
        clock.advance(-3601)
    assert response.status_code == 400
    assert _alive(signed_in_api.user)


def test_hint_for_another_client(
    signed_in_api: Any, hint: str, trusted_client: tuple[Any, str]
) -> None:
    """The hint's ``aud`` must contain the client that asks to log out."""
    other, _ = trusted_client
    response = _end(
        signed_in_api, {"id_token_hint": hint, "client_id": other.client_id}
    )
    assert response.status_code == 400
    assert _alive(signed_in_api.user)


def test_client_must_enable_end_session(
    signed_in_api: Any, oauth_client_factory: Any
) -> None:
    """Surface §6.2: 401 invalid_client without ``enable_end_session``."""
    app, secret = oauth_client_factory(skip_consent=True)
    token = login_tokens(app, secret, signed_in_api.user)["id_token"]
    response = _end(signed_in_api, {"id_token_hint": token})
    assert response.status_code == 401
    assert response.json() == {
        "error": "invalid_client",
        "error_description": "The client is not allowed to initiate logout",
    }
    assert _alive(signed_in_api.user)


def test_unknown_client(signed_in_api: Any) -> None:
    """Surface §6.2: an unknown client is 400 invalid_client."""
    response = _end(signed_in_api, {"client_id": "nobody"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client"


def test_no_hint_needs_confirmation(
    signed_in_api: Any, logout_client: tuple[Any, str]
) -> None:
    """Surface §13.81 (API form): a logout without a hint is not performed."""
    app, _ = logout_client
    response = _end(signed_in_api, {"client_id": app.client_id})
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "User confirmation is required to complete logout",
    }
    assert _alive(signed_in_api.user)


def test_hint_for_another_session_needs_confirmation(
    signed_in_api: Any, logout_client: tuple[Any, str], hint: str
) -> None:
    """A hint naming a session other than the browser's logs nobody out."""
    # A second session, signed in without this browser's cookies so that the
    # multi-session plugin does not replace the first one (same user).
    signed_in_api.post(
        "/sign-in/email",
        {"email": "alice@example.test", "password": "alice-password-1"},
        headers={"cookie": ""},
    )
    response = _end(signed_in_api, {"id_token_hint": hint})
    assert response.status_code == 400
    assert Session.objects.filter(user=signed_in_api.user).count() == 2


def test_hint_without_browser_session_ends_the_hinted_session(
    signed_in_api: Any, hint: str
) -> None:
    """A valid hint ends the session it names, even from another browser."""
    response = Client().get(
        BASE + "/oauth2/end-session",
        {"id_token_hint": hint, "post_logout_redirect_uri": LOGGED_OUT},
    )
    assert response.status_code == 302
    assert response["Location"] == LOGGED_OUT
    assert not _alive(signed_in_api.user)


def test_hint_claims_required(
    signed_in_api: Any, logout_client: tuple[Any, str]
) -> None:
    """Surface §6.2: the hint needs ``iss``, ``aud``, ``sub`` and ``sid``."""
    app, _ = logout_client
    now = clock.now()
    token = sign_jwt(
        {
            "iss": ISSUER,
            "aud": app.client_id,
            "sub": str(signed_in_api.user.pk),
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(minutes=5)).timestamp()),
        }
    )
    response = _end(signed_in_api, {"id_token_hint": token})
    assert response.status_code == 400
    assert _alive(signed_in_api.user)
