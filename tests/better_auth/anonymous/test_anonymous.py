"""The anonymous plugin (core-surface §8.11): guest sessions and linking.

A guest gets a user with ``isAnonymous`` and an address under the reserved
``.invalid`` TLD (RFC 6761 §6.4) that can never receive mail or collide
with a real one. When the guest later signs in or up for real,
``ON_LINK_ACCOUNT`` runs and the anonymous user is deleted (Better Auth's
behaviour).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from better_auth.models import Session, User
from tests.conftest import AuthClient


def _guest() -> tuple[AuthClient, dict[str, Any]]:
    client = AuthClient()
    r = client.post("/sign-in/anonymous")
    assert r.status_code == 200, r.content
    return client, r.json()


def test_sign_in_anonymous(db: None) -> None:
    client, body = _guest()
    assert list(body) == ["token", "user"]
    user = body["user"]
    assert user["isAnonymous"] is True
    assert user["name"] == "Anonymous"
    assert user["emailVerified"] is False
    assert user["email"].endswith("@anonymous.placeholder.invalid")
    session = client.get("/get-session").json()
    assert session["user"]["id"] == user["id"]
    assert session["session"]["token"] == body["token"]


def test_anonymous_cannot_sign_in_anonymously_again(db: None) -> None:
    client, _ = _guest()
    r = client.post("/sign-in/anonymous")
    assert r.status_code == 400
    assert r.json() == {
        "code": "ANONYMOUS_USERS_CANNOT_SIGN_IN_AGAIN_ANONYMOUSLY",
        "message": "Anonymous users cannot sign in again anonymously",
    }


def test_email_domain_and_name_settings(
    db: None, better_auth_settings: Callable[..., None]
) -> None:
    better_auth_settings(
        ANONYMOUS={
            "EMAIL_DOMAIN_NAME": "guests.example.test",
            "GENERATE_NAME": lambda request: "Guest",
        }
    )
    _, body = _guest()
    assert body["user"]["email"].startswith("temp-")
    assert body["user"]["email"].endswith("@guests.example.test")
    assert body["user"]["name"] == "Guest"


def test_generated_email_must_be_valid(
    db: None, better_auth_settings: Callable[..., None]
) -> None:
    better_auth_settings(ANONYMOUS={"GENERATE_RANDOM_EMAIL": lambda: "not-an-email"})
    r = AuthClient().post("/sign-in/anonymous")
    assert r.status_code == 400
    assert r.json()["code"] == "INVALID_EMAIL_FORMAT"


def test_delete_anonymous_user(db: None) -> None:
    client, body = _guest()
    r = client.post("/delete-anonymous-user")
    assert r.status_code == 200
    assert r.json() == {"success": True}
    assert not User.objects.filter(pk=body["user"]["id"]).exists()
    assert client.get("/get-session").json() is None


def test_delete_anonymous_user_refusals(
    api: AuthClient, better_auth_settings: Callable[..., None]
) -> None:
    api.sign_up()
    r = api.post("/delete-anonymous-user")
    assert r.status_code == 403
    assert r.json()["code"] == "USER_IS_NOT_ANONYMOUS"
    assert AuthClient().post("/delete-anonymous-user").status_code == 401
    better_auth_settings(ANONYMOUS={"DISABLE_DELETE_ANONYMOUS_USER": True})
    client, _ = _guest()
    r = client.post("/delete-anonymous-user")
    assert r.status_code == 400
    assert r.json()["code"] == "DELETE_ANONYMOUS_USER_DISABLED"


def test_sign_up_links_and_deletes_the_guest(
    db: None, better_auth_settings: Callable[..., None]
) -> None:
    linked: list[tuple[str, str]] = []

    def on_link(*, anonymous_user: Any, new_user: Any, request: Any) -> None:
        linked.append((anonymous_user.user.pk, new_user.user.pk))

    better_auth_settings(ANONYMOUS={"ON_LINK_ACCOUNT": on_link})
    client, body = _guest()
    guest_id = body["user"]["id"]
    r = client.sign_up()
    assert r.status_code == 200, r.content
    real_id = r.json()["user"]["id"]
    assert linked == [(guest_id, real_id)]
    assert not User.objects.filter(pk=guest_id).exists()
    assert not Session.objects.filter(user_id=guest_id).exists()
    assert client.get("/get-session").json()["user"]["id"] == real_id


def test_sign_in_links_and_deletes_the_guest(user_factory: Callable[..., Any]) -> None:
    user_factory("real@example.test", "real-password-1")
    client, body = _guest()
    r = client.sign_in("real@example.test", "real-password-1")
    assert r.status_code == 200
    assert not User.objects.filter(pk=body["user"]["id"]).exists()


def test_failed_sign_in_keeps_the_guest(user_factory: Callable[..., Any]) -> None:
    user_factory("real@example.test", "real-password-1")
    client, body = _guest()
    r = client.sign_in("real@example.test", "wrong-password")
    assert r.status_code == 401
    assert User.objects.filter(pk=body["user"]["id"]).exists()
    assert client.get("/get-session").json()["user"]["isAnonymous"] is True


def test_disabled_deletion_keeps_the_guest_after_linking(
    user_factory: Callable[..., Any], better_auth_settings: Callable[..., None]
) -> None:
    better_auth_settings(ANONYMOUS={"DISABLE_DELETE_ANONYMOUS_USER": True})
    user_factory("real@example.test", "real-password-1")
    client, body = _guest()
    client.sign_in("real@example.test", "real-password-1")
    assert User.objects.filter(pk=body["user"]["id"]).exists()


def test_is_anonymous_is_not_user_settable(api: AuthClient) -> None:
    r = api.sign_up(isAnonymous=True)
    assert r.json()["user"]["isAnonymous"] is False


def test_sign_in_stopped_for_a_second_factor_keeps_the_guest(
    user_factory: Callable[..., Any],
) -> None:
    """No session is opened until the second factor, so nothing is linked yet."""
    user_factory("real@example.test", "real-password-1", two_factor_enabled=True)
    client, body = _guest()
    r = client.sign_in("real@example.test", "real-password-1")
    assert r.status_code == 200
    assert r.json()["twoFactorRedirect"] is True
    assert User.objects.filter(pk=body["user"]["id"]).exists()


def test_oauth_callback_links_the_guest(user_factory: Callable[..., Any]) -> None:
    """The after-hook matches ``/callback/*`` as Better Auth's matcher does."""
    from django.test import RequestFactory

    from better_auth.api.context import Context, Redirect
    from better_auth.cookies import SESSION_TOKEN, cookie
    from better_auth.plugins.anonymous.linking import link_after_sign_in
    from better_auth.services.sessions import create_session, set_session_cookie

    client, body = _guest()
    real = user_factory("real@example.test")
    new = create_session(real, ip_address=None, user_agent=None)
    request = RequestFactory().get("/api/auth/callback/google")
    name = cookie(SESSION_TOKEN).name
    request.COOKIES[name] = client.cookies[name].value
    ctx = Context(
        request=request,
        method="GET",
        path="/callback/google",
        params={"id": "google"},
        body={},
        query={},
    )
    set_session_cookie(ctx.jar, new, real)
    assert link_after_sign_in(ctx, Redirect("/home")) is None
    assert not User.objects.filter(pk=body["user"]["id"]).exists()
    assert User.objects.filter(pk=real.pk).exists()
