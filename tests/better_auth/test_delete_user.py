"""``POST /delete-user`` and ``GET /delete-user/callback``.

Better Auth 1.7 behaviour (core-surface §3.1 rows, §2.2 empty-body 404,
§10 item 3: no password and a session older than freshAge → 400
SESSION_EXPIRED), case 61 (d) (sensitive endpoints ignore the cookie cache)
and case 64 (callbackURL validation on the GET callback).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from better_auth import clock
from better_auth.models import Account, Session, User, Verification
from better_auth.services import password_reset
from tests.conftest import AuthClient

PASSWORD = "alice-password-1"
DELETED = {"success": True, "message": "User deleted"}
DAY = 24 * 60 * 60


class Outbox:
    """A sender that records its calls, standing in for the mail server."""

    def __init__(self) -> None:
        self.sent: list[SimpleNamespace] = []

    def __call__(self, user: Any, url: str, token: str, **kwargs: Any) -> None:
        self.sent.append(SimpleNamespace(to=user.email, url=url, token=token))


@pytest.fixture
def enabled(better_auth_settings: Callable[..., None]) -> Callable[..., None]:
    def apply(sender: Outbox | None = None) -> None:
        better_auth_settings(
            USER={
                "DELETE_USER": {
                    "ENABLED": True,
                    "SEND_DELETE_ACCOUNT_VERIFICATION": sender,
                }
            }
        )

    apply()
    return apply


def signed_in(api: AuthClient) -> User:
    assert api.sign_up().status_code == 200
    return User.objects.get(email="alice@example.test")


def assert_cookies_expired(response: Any) -> None:
    morsel = response.cookies["better-auth.session_token"]
    assert morsel.value == "" and morsel["max-age"] == 0


def test_disabled_is_empty_404(api: AuthClient) -> None:
    """§2.2: delete-user when disabled → 404 with no body at all."""
    user = signed_in(api)
    r = api.post("/delete-user", {})
    assert r.status_code == 404 and r.content == b""
    assert User.objects.filter(pk=user.pk).exists()


def test_requires_session(api: AuthClient, enabled: Any) -> None:
    r = api.post("/delete-user", {})
    assert r.status_code == 401 and r.json()["code"] == "UNAUTHORIZED"


def test_fresh_session_deletes_now(api: AuthClient, enabled: Any) -> None:
    """Fresh session, no password → deleted with sessions, accounts and
    cookies; the next get-session is null."""
    user = signed_in(api)
    r = api.post("/delete-user", {})
    assert r.status_code == 200 and r.json() == DELETED
    assert_cookies_expired(r)
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Session.objects.filter(user_id=user.pk).exists()
    assert not Account.objects.filter(user_id=user.pk).exists()
    assert api.get("/get-session").content == b"null"


def test_old_session_without_password_is_session_expired(
    api: AuthClient, enabled: Any
) -> None:
    """§10.3: no password and now - createdAt >= FRESH_AGE → 400 SESSION_EXPIRED;
    the right password still deletes; a wrong one is 400 INVALID_PASSWORD."""
    with clock.freeze():
        user = signed_in(api)
        clock.advance(DAY)
        r = api.post("/delete-user", {})
        assert r.status_code == 400
        assert r.json() == {
            "message": "Session expired. Re-authenticate to perform this action.",
            "code": "SESSION_EXPIRED",
        }
        r = api.post("/delete-user", {"password": "wrong-password-1"})
        assert r.status_code == 400
        assert r.json() == {"message": "Invalid password", "code": "INVALID_PASSWORD"}
        assert User.objects.filter(pk=user.pk).exists()
        r = api.post("/delete-user", {"password": PASSWORD})
    assert r.status_code == 200 and r.json() == DELETED
    assert not User.objects.filter(pk=user.pk).exists()


def test_password_without_credential_account(api: AuthClient, enabled: Any) -> None:
    """§3.1: a password for an account without one → CREDENTIAL_ACCOUNT_NOT_FOUND."""
    user = signed_in(api)
    Account.objects.filter(user=user).delete()
    r = api.post("/delete-user", {"password": PASSWORD})
    assert r.status_code == 400 and r.json()["code"] == "CREDENTIAL_ACCOUNT_NOT_FOUND"


def test_verification_link_flow(api: AuthClient, enabled: Any) -> None:
    """SEND_DELETE_ACCOUNT_VERIFICATION: a 32-char [0-9a-z] token stored as
    delete-account:<sha256 hex>; the link's GET (signed in) deletes the user
    and redirects to callbackURL."""
    box = Outbox()
    enabled(box)
    user = signed_in(api)
    r = api.post("/delete-user", {"callbackURL": "/goodbye"})
    assert r.status_code == 200
    assert r.json() == {"success": True, "message": "Verification email sent"}
    assert User.objects.filter(pk=user.pk).exists()
    (sent,) = box.sent
    assert sent.to == "alice@example.test"
    assert re.fullmatch(r"[0-9a-z]{32}", sent.token)
    assert sent.url == (
        "http://testserver/api/auth/delete-user/callback"
        f"?token={sent.token}&callbackURL=%2Fgoodbye"
    )
    (row,) = Verification.objects.all()
    assert row.identifier == (
        "delete-account:" + hashlib.sha256(sent.token.encode()).hexdigest()
    )
    assert row.value == user.pk

    r = api.get(
        "/delete-user/callback", {"token": sent.token, "callbackURL": "/goodbye"}
    )
    assert r.status_code == 302 and r["Location"] == "/goodbye"
    assert_cookies_expired(r)
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Verification.objects.exists()


def test_callback_json_answer_and_single_use(
    api: AuthClient, api_factory: Callable[..., AuthClient], enabled: Any
) -> None:
    """Without callbackURL the callback answers {success, message}; a spent
    token is 404 INVALID_TOKEN for the next signed-in user."""
    box = Outbox()
    enabled(box)
    signed_in(api)
    api.post("/delete-user", {})
    token = box.sent[0].token
    r = api.get("/delete-user/callback", {"token": token})
    assert r.status_code == 200 and r.json() == DELETED
    other = api_factory()
    other.sign_up(email="bob@example.test")
    r = other.get("/delete-user/callback", {"token": token})
    assert r.status_code == 404
    assert r.json() == {"message": "Invalid token", "code": "INVALID_TOKEN"}


def test_callback_needs_the_owners_session(
    api: AuthClient, api_factory: Callable[..., AuthClient], enabled: Any
) -> None:
    """§3.1: no session → 404 FAILED_TO_GET_USER_INFO (token kept); another
    user's session → 404 INVALID_TOKEN and the token is spent."""
    box = Outbox()
    enabled(box)
    user = signed_in(api)
    api.post("/delete-user", {})
    token = box.sent[0].token
    r = api_factory().get("/delete-user/callback", {"token": token})
    assert r.status_code == 404
    assert r.json() == {
        "message": "Failed to get user info",
        "code": "FAILED_TO_GET_USER_INFO",
    }
    assert Verification.objects.count() == 1
    other = api_factory()
    other.sign_up(email="bob@example.test")
    r = other.get("/delete-user/callback", {"token": token})
    assert r.status_code == 404 and r.json()["code"] == "INVALID_TOKEN"
    assert User.objects.filter(email="bob@example.test").exists()
    r = api.get("/delete-user/callback", {"token": token})
    assert r.status_code == 404 and r.json()["code"] == "INVALID_TOKEN"
    assert User.objects.filter(pk=user.pk).exists()


def test_token_in_post_body(api: AuthClient, enabled: Any) -> None:
    """§3.1: POST /delete-user {token} redeems the link too; a bad one is 404."""
    box = Outbox()
    enabled(box)
    user = signed_in(api)
    api.post("/delete-user", {})
    r = api.post("/delete-user", {"token": "0" * 32})
    assert r.status_code == 404 and r.json()["code"] == "INVALID_TOKEN"
    r = api.post("/delete-user", {"token": box.sent[0].token})
    assert r.status_code == 200 and r.json() == DELETED
    assert not User.objects.filter(pk=user.pk).exists()


def test_expired_link(api: AuthClient, enabled: Any) -> None:
    """Past DELETE_TOKEN_EXPIRES_IN (1 day) the link is 404 INVALID_TOKEN."""
    box = Outbox()
    enabled(box)
    with clock.freeze():
        user = signed_in(api)
        api.post("/delete-user", {})
        clock.advance(DAY + 1)
        r = api.get("/delete-user/callback", {"token": box.sent[0].token})
    assert r.status_code == 404 and r.json()["code"] == "INVALID_TOKEN"
    assert User.objects.filter(pk=user.pk).exists()


def test_callback_when_disabled(api: AuthClient) -> None:
    """§3.1: the GET callback when disabled → 404 NOT_FOUND (with a body)."""
    signed_in(api)
    r = api.get("/delete-user/callback", {"token": "x"})
    assert r.status_code == 404 and r.json() == {
        "message": "Not found",
        "code": "NOT_FOUND",
    }


@pytest.mark.parametrize(
    "callback", ["https://evil.test/", "//evil.test/", "javascript:alert(1)"]
)
def test_case_64_callback_refuses_foreign_target(
    api: AuthClient, enabled: Any, callback: str
) -> None:
    """Case 64: the GET callbackURL is refused before the token is consumed."""
    box = Outbox()
    enabled(box)
    user = signed_in(api)
    api.post("/delete-user", {})
    r = api.get(
        "/delete-user/callback", {"token": box.sent[0].token, "callbackURL": callback}
    )
    assert r.status_code == 403 and r.json()["code"] == "INVALID_CALLBACK_URL"
    assert User.objects.filter(pk=user.pk).exists()
    assert Verification.objects.count() == 1


def test_post_callback_url_is_checked(api: AuthClient, enabled: Any) -> None:
    signed_in(api)
    r = api.post("/delete-user", {"callbackURL": "https://evil.test/"})
    assert r.status_code == 403 and r.json()["code"] == "INVALID_CALLBACK_URL"


def test_deletion_removes_outstanding_reset_tokens(
    api: AuthClient, better_auth_settings: Callable[..., None]
) -> None:
    """A reset link issued before the deletion dies with the account."""
    box = Outbox()
    better_auth_settings(
        USER={"DELETE_USER": {"ENABLED": True}},
        EMAIL_AND_PASSWORD={"SEND_RESET_PASSWORD": box},
    )
    signed_in(api)
    api.post("/request-password-reset", {"email": "alice@example.test"})
    token = box.sent[0].token
    assert Verification.objects.filter(
        identifier=password_reset.identifier_for(token)
    ).exists()
    assert api.post("/delete-user", {}).status_code == 200
    assert not Verification.objects.exists()


def test_case_61d_cookie_cache_does_not_authorise(
    api: AuthClient,
    api_factory: Callable[..., AuthClient],
    better_auth_settings: Callable[..., None],
) -> None:
    """Case 61 (d): a revoked session cannot delete through its cached copy."""
    better_auth_settings(
        USER={"DELETE_USER": {"ENABLED": True}},
        SESSION={"COOKIE_CACHE": {"ENABLED": True, "MAX_AGE": 300}},
    )
    user = signed_in(api)
    other_device = api_factory()
    other_device.sign_in()
    other_device.post("/revoke-other-sessions")
    r = api.post("/delete-user", {})
    assert r.status_code == 401
    assert User.objects.filter(pk=user.pk).exists()


def test_tokens_never_logged(
    api: AuthClient, enabled: Any, caplog: pytest.LogCaptureFixture
) -> None:
    box = Outbox()
    enabled(box)
    caplog.set_level(logging.DEBUG)
    signed_in(api)
    api.post("/delete-user", {})
    token = box.sent[0].token
    api.get("/delete-user/callback", {"token": token + "x"})
    api.get("/delete-user/callback", {"token": token})
    assert token not in caplog.text
