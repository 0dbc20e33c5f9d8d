"""Password reset: ``/request-password-reset``, ``GET /reset-password/:token``
and ``POST /reset-password``.

Better Auth 1.7 behaviour (core-surface §3.1, §5.1 "Verification
identifiers"), case 59 (single use, expiry, older tokens, session
revocation), case 64 (redirectTo / callbackURL open redirect) and case 67
(emailed links never built from request headers).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import RequestFactory

from better_auth import clock, signals
from better_auth.api.router import dispatch
from better_auth.models import Account, Session, User, Verification
from better_auth.services import password_reset
from tests.conftest import AuthClient

MESSAGE = "If this email exists in our system, check your email for the reset link"
NEW_PASSWORD = "New-pass-456"


class Outbox:
    """A sender that records its calls, standing in for the mail server."""

    def __init__(self) -> None:
        self.sent: list[SimpleNamespace] = []

    def __call__(self, user: Any, url: str, token: str, **kwargs: Any) -> None:
        self.sent.append(SimpleNamespace(to=user.email, url=url, token=token))


@pytest.fixture
def outbox(better_auth_settings: Callable[..., None]) -> Outbox:
    box = Outbox()
    better_auth_settings(EMAIL_AND_PASSWORD={"SEND_RESET_PASSWORD": box})
    return box


@pytest.fixture
def alice(user_factory: Callable[..., Any]) -> User:
    return user_factory("alice@example.test", password="alice-password-1")


def request_token(api: AuthClient, outbox: Outbox, **extra: Any) -> str:
    r = api.post("/request-password-reset", {"email": "alice@example.test", **extra})
    assert r.status_code == 200, r.content
    return outbox.sent[-1].token


def can_sign_in(api_factory: Callable[..., AuthClient], password: str) -> bool:
    r = api_factory().sign_in(password=password)
    return r.status_code == 200


def test_request_issues_hashed_single_row(
    api: AuthClient, outbox: Outbox, alice: User
) -> None:
    """§5.1: a 24-char [a-zA-Z0-9] token; the row is reset-password:<sha256
    hex>, value = user id, TTL 3600; the link carries an empty callbackURL."""
    with clock.freeze():
        r = api.post("/request-password-reset", {"email": "ALICE@example.test"})
        now = clock.now()
    assert r.status_code == 200 and r.json() == {"status": True, "message": MESSAGE}
    (sent,) = outbox.sent
    assert re.fullmatch(r"[A-Za-z0-9]{24}", sent.token)
    assert sent.url == (
        f"http://testserver/api/auth/reset-password/{sent.token}?callbackURL="
    )
    (row,) = Verification.objects.all()
    digest = hashlib.sha256(sent.token.encode()).hexdigest()
    assert row.identifier == f"reset-password:{digest}"
    assert row.value == alice.pk
    assert row.expires_at == now + timedelta(seconds=3600)
    assert not Verification.objects.filter(identifier__contains=sent.token).exists()


def test_unknown_address_gets_the_same_answer(api: AuthClient, outbox: Outbox) -> None:
    """§3.1: always the same body; nothing stored or sent for an unknown user."""
    r = api.post("/request-password-reset", {"email": "nobody@example.test"})
    assert r.status_code == 200 and r.json() == {"status": True, "message": MESSAGE}
    assert outbox.sent == [] and not Verification.objects.exists()


@pytest.mark.django_db
def test_mail_is_sent_after_the_response(outbox: Outbox, alice: User) -> None:
    """The answer is complete before the sender runs (no mail-latency oracle)."""
    request = RequestFactory().post(
        "/api/auth/request-password-reset",
        data=json.dumps({"email": "alice@example.test"}),
        content_type="application/json",
    )
    response = dispatch(request, "request-password-reset")
    assert response.status_code == 200 and outbox.sent == []
    response.close()
    assert len(outbox.sent) == 1


def test_disabled_without_sender(
    api: AuthClient, better_auth_settings: Callable[..., None]
) -> None:
    """§3.1: SEND_RESET_PASSWORD None → 400 RESET_PASSWORD_DISABLED."""
    better_auth_settings(EMAIL_AND_PASSWORD={"SEND_RESET_PASSWORD": None})
    r = api.post("/request-password-reset", {"email": "alice@example.test"})
    assert r.status_code == 400
    assert r.json() == {
        "message": "Reset password isn't enabled",
        "code": "RESET_PASSWORD_DISABLED",
    }


def test_redirect_to_is_encoded_into_the_link(
    api: AuthClient, outbox: Outbox, alice: User
) -> None:
    request_token(api, outbox, redirectTo="/reset?step=2")
    assert outbox.sent[0].url.endswith("?callbackURL=%2Freset%3Fstep%3D2")


@pytest.mark.parametrize(
    "target", ["https://evil.test/", "//evil.test/", "javascript:alert(1)"]
)
def test_case_64_untrusted_redirect_to(
    api: AuthClient, outbox: Outbox, alice: User, target: str
) -> None:
    """Case 64: refused with 403 INVALID_REDIRECT_URL before any token exists."""
    r = api.post(
        "/request-password-reset", {"email": "alice@example.test", "redirectTo": target}
    )
    assert r.status_code == 403
    assert r.json() == {
        "message": "Invalid redirectURL",
        "code": "INVALID_REDIRECT_URL",
    }
    assert outbox.sent == [] and not Verification.objects.exists()


def test_callback_redirects_with_live_token(
    api: AuthClient, outbox: Outbox, alice: User
) -> None:
    """§3.1: GET /reset-password/:token → 302 callbackURL?token=<token>,
    resolved against the base URL; the token is not consumed."""
    token = request_token(api, outbox)
    r = api.get(f"/reset-password/{token}", {"callbackURL": "/reset?token=old&a=1"})
    assert r.status_code == 302 and r.content == b""
    assert r["Location"] == f"http://testserver/reset?token={token}&a=1"
    assert Verification.objects.count() == 1


@pytest.mark.parametrize(
    ("callback", "location"),
    [
        ("/reset", "http://testserver/reset?error=INVALID_TOKEN"),
        ("http://testserver/r?x=1", "http://testserver/r?x=1&error=INVALID_TOKEN"),
        ("", "http://testserver/api/auth/error?error=INVALID_TOKEN"),
    ],
)
def test_callback_with_dead_token(
    api: AuthClient, callback: str, location: str
) -> None:
    """§3.1: unknown token → callbackURL?error=INVALID_TOKEN, or the auth
    server's /error page when callbackURL is empty."""
    r = api.get("/reset-password/unknown-token", {"callbackURL": callback})
    assert r.status_code == 302 and r["Location"] == location


def test_callback_requires_callback_url(api: AuthClient) -> None:
    r = api.get("/reset-password/whatever")
    assert r.status_code == 400 and r.json()["code"] == "VALIDATION_ERROR"


@pytest.mark.parametrize(
    "callback", ["https://evil.test/", "//evil.test/", "javascript:alert(1)"]
)
def test_case_64_callback_refuses_foreign_target(
    api: AuthClient, outbox: Outbox, alice: User, callback: str
) -> None:
    """Case 64: the GET callbackURL is validated; the token never leaves."""
    token = request_token(api, outbox)
    r = api.get(f"/reset-password/{token}", {"callbackURL": callback})
    assert r.status_code == 403 and r.json()["code"] == "INVALID_CALLBACK_URL"
    assert "Location" not in r


def test_case_59_reset_is_single_use(
    api: AuthClient,
    api_factory: Callable[..., AuthClient],
    outbox: Outbox,
    alice: User,
) -> None:
    """Case 59 (a)(b): the reset succeeds once; a replay is 400 INVALID_TOKEN;
    the old password stops working."""
    token = request_token(api, outbox)
    r = api.post("/reset-password", {"token": token, "newPassword": NEW_PASSWORD})
    assert r.status_code == 200 and r.json() == {"status": True}
    replay = api.post(
        "/reset-password", {"token": token, "newPassword": "Other-pass-789"}
    )
    assert replay.status_code == 400
    assert replay.json() == {"message": "Invalid token", "code": "INVALID_TOKEN"}
    assert can_sign_in(api_factory, NEW_PASSWORD)
    assert not can_sign_in(api_factory, "alice-password-1")
    assert not Verification.objects.exists()


def test_case_59c_older_token_dies_with_the_reset(
    api: AuthClient, outbox: Outbox, alice: User
) -> None:
    """Case 59 (c): T1 fails after T2 was used. Better Auth 1.7 still accepts
    T1; this server deletes every other reset token of the user, following
    OWASP's Forgot Password guidance (the stricter answer the case asks for)."""
    t1 = request_token(api, outbox)
    t2 = request_token(api, outbox)
    r = api.post("/reset-password", {"token": t2, "newPassword": NEW_PASSWORD})
    assert r.status_code == 200
    r = api.post("/reset-password", {"token": t1, "newPassword": "Other-pass-789"})
    assert r.status_code == 400 and r.json()["code"] == "INVALID_TOKEN"


def test_case_59d_expired_token(api: AuthClient, outbox: Outbox, alice: User) -> None:
    """Case 59 (d): past RESET_PASSWORD_TOKEN_EXPIRES_IN → 400 INVALID_TOKEN
    (and the GET callback reports it too)."""
    with clock.freeze():
        token = request_token(api, outbox)
        clock.advance(3601)
        page = api.get(f"/reset-password/{token}", {"callbackURL": "/reset"})
        r = api.post("/reset-password", {"token": token, "newPassword": NEW_PASSWORD})
    assert page["Location"] == "http://testserver/reset?error=INVALID_TOKEN"
    assert r.status_code == 400 and r.json()["code"] == "INVALID_TOKEN"


def test_case_59e_sessions_revoked_when_configured(
    api_factory: Callable[..., AuthClient],
    better_auth_settings: Callable[..., None],
    alice: User,
) -> None:
    """Case 59 (e): with REVOKE_SESSIONS_ON_PASSWORD_RESET both S1 and S2 are
    gone from the database and neither cookie opens a session."""
    box = Outbox()
    better_auth_settings(
        EMAIL_AND_PASSWORD={
            "SEND_RESET_PASSWORD": box,
            "REVOKE_SESSIONS_ON_PASSWORD_RESET": True,
        }
    )
    laptop, phone = api_factory(), api_factory()
    assert laptop.sign_in().status_code == 200 and phone.sign_in().status_code == 200
    assert Session.objects.filter(user=alice).count() == 2
    token = request_token(api_factory(), box)
    r = api_factory().post(
        "/reset-password", {"token": token, "newPassword": NEW_PASSWORD}
    )
    assert r.status_code == 200
    assert not Session.objects.filter(user=alice).exists()
    assert laptop.get("/get-session").content == b"null"
    assert phone.get("/get-session").content == b"null"


def test_sessions_kept_by_default(
    api: AuthClient, api_factory: Callable[..., AuthClient], outbox: Outbox, alice: User
) -> None:
    assert api.sign_in().status_code == 200
    token = request_token(api_factory(), outbox)
    api_factory().post("/reset-password", {"token": token, "newPassword": NEW_PASSWORD})
    assert api.get("/get-session").json()["user"]["id"] == alice.pk


def test_short_password_does_not_burn_the_token(
    api: AuthClient, outbox: Outbox, alice: User
) -> None:
    """The policy is checked before the token is consumed."""
    token = request_token(api, outbox)
    r = api.post("/reset-password", {"token": token, "newPassword": "short"})
    assert r.status_code == 400
    assert r.json() == {"message": "Password too short", "code": "PASSWORD_TOO_SHORT"}
    r = api.post("/reset-password", {"token": token, "newPassword": "x" * 129})
    assert r.status_code == 400 and r.json()["code"] == "PASSWORD_TOO_LONG"
    r = api.post("/reset-password", {"token": token, "newPassword": NEW_PASSWORD})
    assert r.status_code == 200


def test_token_from_query(api: AuthClient, outbox: Outbox, alice: User) -> None:
    """§3.1: the token may come from the query instead of the body."""
    token = request_token(api, outbox)
    r = api.client.post(
        f"/api/auth/reset-password?token={token}",
        data=json.dumps({"newPassword": NEW_PASSWORD}),
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json() == {"status": True}


def test_missing_token(api: AuthClient) -> None:
    r = api.post("/reset-password", {"newPassword": NEW_PASSWORD})
    assert r.status_code == 400 and r.json()["code"] == "INVALID_TOKEN"


def test_reset_creates_missing_credential_account(
    api: AuthClient,
    api_factory: Callable[..., AuthClient],
    outbox: Outbox,
    user_factory: Callable[..., Any],
) -> None:
    """§3.1: a user without a password (social only) gets a credential account."""
    user = user_factory("alice@example.test", password=None)
    assert not Account.objects.filter(user=user, provider_id="credential").exists()
    token = request_token(api, outbox)
    r = api.post("/reset-password", {"token": token, "newPassword": NEW_PASSWORD})
    assert r.status_code == 200
    account = Account.objects.get(user=user, provider_id="credential")
    assert (account.issuer, account.account_id) == ("local:credential", user.pk)
    assert can_sign_in(api_factory, NEW_PASSWORD)


def test_password_changed_signal_on_commit(
    api: AuthClient,
    outbox: Outbox,
    alice: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    received: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        received.append(kwargs)

    token = request_token(api, outbox)
    signals.password_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            api.post("/reset-password", {"token": token, "newPassword": NEW_PASSWORD})
        assert received == []
        for callback in callbacks:
            callback()
    finally:
        signals.password_changed.disconnect(receiver)
    assert [(k["user"].pk, k["via"], k["sessions_revoked"]) for k in received] == [
        (alice.pk, "reset-password", False)
    ]


def test_case_67_links_use_configured_base_url(
    api_factory: Callable[..., AuthClient],
    better_auth_settings: Callable[..., None],
    alice: User,
) -> None:
    """Case 67: Host / X-Forwarded-Host / X-Forwarded-Proto are spoofed; the
    emailed URL still starts with the configured BASE_URL."""
    box = Outbox()
    better_auth_settings(
        BASE_URL="https://app.example.test",
        EMAIL_AND_PASSWORD={"SEND_RESET_PASSWORD": box},
    )
    headers = {
        "host": "evil.test",
        "x-forwarded-host": "evil.test",
        "x-forwarded-proto": "http",
    }
    r = api_factory(origin=None).post(
        "/request-password-reset", {"email": "alice@example.test"}, headers=headers
    )
    assert r.status_code == 200
    (sent,) = box.sent
    assert sent.url.startswith("https://app.example.test/api/auth/reset-password/")
    assert "evil.test" not in sent.url


def test_tokens_never_logged(
    api: AuthClient, outbox: Outbox, alice: User, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = request_token(api, outbox)
    api.get(f"/reset-password/{token}", {"callbackURL": "/reset"})
    api.post("/reset-password", {"token": token, "newPassword": "short"})
    api.post("/reset-password", {"token": token, "newPassword": NEW_PASSWORD})
    api.post("/reset-password", {"token": token, "newPassword": NEW_PASSWORD})
    assert token not in caplog.text
    assert password_reset.identifier_for(token) not in caplog.text
