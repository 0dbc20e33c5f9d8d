"""request.user from the session cookie, and the DRF authentication classes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import unquote

import pytest
from django.test import Client

from better_auth import clock
from better_auth.models import Session, User
from tests.conftest import AuthClient

COOKIE = "better-auth.session_token"


@pytest.fixture
def signed_in(api: AuthClient) -> AuthClient:
    response = api.sign_up()
    assert response.status_code == 200, response.content
    return api


def _token(api: AuthClient) -> str:
    return Session.objects.get(user__email="alice@example.test").token


# -- plain Django views ---------------------------------------------------


def test_login_required_page_with_the_cookie(signed_in: AuthClient) -> None:
    """The Better Auth cookie signs the user in to ordinary Django views."""
    response = signed_in.client.get("/drf/page")
    assert response.status_code == 200
    assert response.content == b"hello alice@example.test"


def test_login_required_page_without_the_cookie_redirects(db: None) -> None:
    response = Client().get("/drf/page")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/drf/page"


def test_forged_cookie_is_anonymous(signed_in: AuthClient) -> None:
    """A cookie whose signature does not verify is ignored."""
    value = unquote(signed_in.cookies[COOKIE].value)
    token, _, signature = value.rpartition(".")
    signed_in.cookies[COOKIE] = f"{token}.{'A' * 43}="
    assert signed_in.client.get("/drf/page").status_code == 302


def test_revoked_session_is_anonymous_and_cookie_is_cleared(
    signed_in: AuthClient,
) -> None:
    """A cookie naming a deleted session is expired on the response."""
    Session.objects.all().delete()
    response = signed_in.client.get("/drf/page")
    assert response.status_code == 302
    assert response.cookies[COOKIE].value == ""
    assert response.cookies[COOKIE]["max-age"] == 0


def test_inactive_user_is_anonymous(signed_in: AuthClient) -> None:
    User.objects.filter(email="alice@example.test").update(is_active=False)
    assert signed_in.client.get("/drf/page").status_code == 302


def test_due_session_is_refreshed_on_a_plain_view(signed_in: AuthClient) -> None:
    """Past UPDATE_AGE the session is extended and the cookie re-sent."""
    before = Session.objects.get().expires_at
    with clock.freeze(before - timedelta(days=7) + timedelta(days=2)):
        response = signed_in.client.get("/drf/page")
        assert response.status_code == 200
        assert Session.objects.get().expires_at > before
        assert response.cookies[COOKIE]["max-age"] == 7 * 24 * 60 * 60


def test_fresh_session_sets_no_cookie(signed_in: AuthClient) -> None:
    response = signed_in.client.get("/drf/page")
    assert COOKIE not in response.cookies


def test_django_admin_login_takes_precedence(signed_in: AuthClient) -> None:
    """A Django session login wins over a Better Auth cookie for someone else."""
    boss = User.objects.create_superuser("boss@example.test", "boss-password-1")
    signed_in.client.force_login(boss)
    response = signed_in.client.get("/drf/page")
    assert response.content == b"hello boss@example.test"
    info = signed_in.client.get("/drf/auth-session").json()
    assert info == {"user": "boss@example.test", "session_user": None}


def test_auth_session_describes_request_user(signed_in: AuthClient) -> None:
    info = signed_in.client.get("/drf/auth-session").json()
    assert info == {"user": "alice@example.test", "session_user": "alice@example.test"}
    assert Client().get("/drf/auth-session").json() == {
        "user": None,
        "session_user": None,
    }


def test_async_views_get_auser(signed_in: AuthClient) -> None:
    assert signed_in.client.get("/drf/async-whoami").json() == {"authenticated": True}
    assert Client().get("/drf/async-whoami").json() == {"authenticated": False}


def test_untouched_request_user_costs_no_query(
    signed_in: AuthClient, django_assert_num_queries: Any
) -> None:
    """The user is resolved lazily: a view that ignores it runs no query."""
    with django_assert_num_queries(0):
        assert signed_in.client.get("/drf/plain").content == b"plain"
    with django_assert_num_queries(0):
        assert Client().get("/drf/plain").content == b"plain"


def test_anonymous_request_user_costs_no_query(
    db: None, django_assert_num_queries: Any
) -> None:
    """Without any cookie even reading request.user needs no query."""
    with django_assert_num_queries(0):
        assert Client().get("/drf/anon").json() == {"authenticated": False}


def test_signed_in_request_user_costs_one_query(
    signed_in: AuthClient, django_assert_num_queries: Any
) -> None:
    """Session and user come back in one joined query."""
    with django_assert_num_queries(1):
        assert signed_in.client.get("/drf/anon").json() == {"authenticated": True}


# -- DRF: session cookie ---------------------------------------------------


def test_drf_get_with_cookie(signed_in: AuthClient) -> None:
    response = signed_in.client.get("/drf/whoami")
    assert response.status_code == 200
    assert response.json() == {"email": "alice@example.test", "method": "GET"}


def test_drf_without_credentials_is_401(db: None) -> None:
    """IsAuthenticated refuses; the first authenticator names its scheme."""
    response = Client().get("/drf/whoami")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Session"


def test_drf_post_with_cookie_and_no_origin_is_403(signed_in: AuthClient) -> None:
    """A cookie alone does not authorise an unsafe method (CSRF)."""
    response = signed_in.client.post("/drf/whoami")
    assert response.status_code == 403
    assert response.json() == {"detail": "Missing or null Origin"}


def test_drf_post_with_cookie_and_foreign_origin_is_403(
    signed_in: AuthClient,
) -> None:
    response = signed_in.client.post(
        "/drf/whoami", headers={"origin": "https://evil.example"}
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "Invalid origin"}


def test_drf_post_with_cookie_and_trusted_origin(signed_in: AuthClient) -> None:
    response = signed_in.client.post(
        "/drf/whoami", headers={"origin": "http://testserver"}
    )
    assert response.status_code == 200
    assert response.json() == {"email": "alice@example.test", "method": "POST"}


def test_drf_post_with_configured_trusted_origin(
    signed_in: AuthClient, better_auth_settings: Any
) -> None:
    better_auth_settings(TRUSTED_ORIGINS=["https://*.example.test"])
    response = signed_in.client.post(
        "/drf/whoami", headers={"origin": "https://app.example.test"}
    )
    assert response.status_code == 200


def test_drf_post_with_trusted_referer(signed_in: AuthClient) -> None:
    response = signed_in.client.post(
        "/drf/whoami", headers={"referer": "http://testserver/some/page"}
    )
    assert response.status_code == 200


def test_drf_origin_check_can_be_switched_off(
    signed_in: AuthClient, better_auth_settings: Any
) -> None:
    better_auth_settings(DISABLE_ORIGIN_CHECK=True)
    assert signed_in.client.post("/drf/whoami").status_code == 200


# -- DRF: bearer -------------------------------------------------------------


def test_bearer_raw_token(signed_in: AuthClient) -> None:
    token = _token(signed_in)
    response = Client().get("/drf/whoami", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json()["email"] == "alice@example.test"


def test_bearer_signed_token(signed_in: AuthClient) -> None:
    """The signed cookie value (token.signature) is accepted, encoded or not."""
    encoded = signed_in.cookies[COOKIE].value
    for value in (unquote(encoded), encoded):
        assert "." in unquote(value)
        response = Client().get(
            "/drf/whoami", headers={"authorization": f"Bearer {value}"}
        )
        assert response.status_code == 200, value


def test_bearer_bad_signature_is_refused(signed_in: AuthClient) -> None:
    token = _token(signed_in)
    response = Client().get(
        "/drf/whoami", headers={"authorization": f"Bearer {token}.{'A' * 43}="}
    )
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or expired session token."}


def test_bearer_signature_under_another_secret_is_refused(
    signed_in: AuthClient,
) -> None:
    from better_auth.crypto import sign_cookie_value

    forged = sign_cookie_value(_token(signed_in), "some-other-secret-" + "x" * 32)
    response = Client().get(
        "/drf/whoami", headers={"authorization": f"Bearer {forged}"}
    )
    assert response.status_code == 401


def test_bearer_expired_session_is_refused(signed_in: AuthClient) -> None:
    token = _token(signed_in)
    Session.objects.update(expires_at=clock.now() - timedelta(seconds=1))
    response = Client().get("/drf/whoami", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_bearer_unknown_token_and_inactive_user_are_refused(
    signed_in: AuthClient,
) -> None:
    headers = {"authorization": "Bearer " + "x" * 32}
    assert Client().get("/drf/whoami", headers=headers).status_code == 401
    token = _token(signed_in)
    User.objects.update(is_active=False)
    headers = {"authorization": f"Bearer {token}"}
    assert Client().get("/drf/whoami", headers=headers).status_code == 401


def test_bearer_oversized_credential_is_refused_without_a_query(
    db: None, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(0):
        response = Client().get(
            "/drf/whoami", headers={"authorization": "Bearer " + "x" * 4096}
        )
    assert response.status_code == 401


def test_bearer_post_needs_no_origin(signed_in: AuthClient) -> None:
    """No cookie, no ambient authority: the origin check does not apply."""
    token = _token(signed_in)
    response = Client().post(
        "/drf/whoami", headers={"authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    assert response.json()["method"] == "POST"


def test_other_authorization_schemes_are_ignored(db: None) -> None:
    response = Client().get(
        "/drf/whoami", headers={"authorization": "Basic Zm9vOmJhcg=="}
    )
    assert response.status_code == 401
