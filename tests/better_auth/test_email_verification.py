"""Email verification: ``/send-verification-email`` and ``/verify-email``.

Better Auth 1.7 behaviour (core-surface §3.1, §5.1 "Verification
identifiers", §10), cases 64 (callbackURL open redirect) and 67 (Host /
X-Forwarded-Host poisoning of emailed links).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import jwt
import pytest
from django.core import mail
from django.test import RequestFactory

from better_auth import clock, signals
from better_auth.api.router import dispatch
from better_auth.models import Session, User
from better_auth.services import email_verification
from tests.conftest import AuthClient

SECRET = "test-better-auth-secret-0123456789-abcdefghijklmnop"
# Produced by jose's SignJWT (what Better Auth's signJWT calls) with SECRET,
# header {"alg":"HS256"}, iat 1700000000 and exp 1700003600.
JOSE_PLAIN = (
    "eyJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6ImFsaWNlQGV4YW1wbGUudGVzdCIsInVzZXJJZCI6InUx"
    "IiwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjE3MDAwMDM2MDB9."
    "cOivkIazEdIIpwxDyAUVaKfxZL3UXdprEg2WV_lRJFE"
)
JOSE_CHANGE = (
    "eyJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6ImFsaWNlQGV4YW1wbGUudGVzdCIsInVwZGF0ZVRvIjoibm"
    "V3QGV4YW1wbGUudGVzdCIsInJlcXVlc3RUeXBlIjoiY2hhbmdlLWVtYWlsLXZlcmlmaWNhdGlvbiIs"
    "InVzZXJJZCI6InUxIiwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjE3MDAwMDM2MDB9."
    "JJ1YIkLJd49ZjxXFFQTXSj-efHgqCdY2HDHBEvGJ0Q4"
)
ISSUED_AT = datetime.fromtimestamp(1_700_000_000, UTC)


class Outbox:
    """A sender that records its calls, standing in for the mail server."""

    def __init__(self) -> None:
        self.sent: list[SimpleNamespace] = []

    def __call__(self, user: Any, url: str, token: str, **kwargs: Any) -> None:
        self.sent.append(
            SimpleNamespace(to=user.email, user=user, url=url, token=token, kw=kwargs)
        )


@pytest.fixture
def outbox(better_auth_settings: Callable[..., None]) -> Outbox:
    box = Outbox()
    better_auth_settings(EMAIL_VERIFICATION={"SEND_VERIFICATION_EMAIL": box})
    return box


def claims_of(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def test_send_verification_link_format_and_claims(
    api: AuthClient, outbox: Outbox, user_factory: Callable[..., Any]
) -> None:
    """§5.1: HS256 JWT {email, userId, iat, exp} (TTL 3600), link with %2F."""
    user = user_factory("alice@example.test")
    r = api.post("/send-verification-email", {"email": "Alice@Example.test"})
    assert r.status_code == 200 and r.json() == {"status": True}
    (sent,) = outbox.sent
    assert sent.to == "alice@example.test"
    prefix = "http://testserver/api/auth/verify-email?token="
    assert sent.url == f"{prefix}{sent.token}&callbackURL=%2F"
    assert jwt.get_unverified_header(sent.token) == {"alg": "HS256"}
    claims = claims_of(sent.token)
    assert list(claims) == ["email", "userId", "iat", "exp"]
    assert claims["email"] == "alice@example.test" and claims["userId"] == user.pk
    assert claims["exp"] - claims["iat"] == 3600
    jwt.decode(sent.token, SECRET, algorithms=["HS256"])


def test_callback_url_is_uri_component_encoded(
    api: AuthClient, outbox: Outbox, user_factory: Callable[..., Any]
) -> None:
    """The callbackURL is encodeURIComponent'ed into the link (§5.1)."""
    user_factory("alice@example.test")
    body = {"email": "alice@example.test", "callbackURL": "/dashboard?tab=1"}
    assert api.post("/send-verification-email", body).status_code == 200
    assert outbox.sent[0].url.endswith("&callbackURL=%2Fdashboard%3Ftab%3D1")


def test_token_bytes_match_better_auth(settings: Any) -> None:
    """Same secret, time and claims give the jose token byte for byte."""
    with clock.freeze(ISSUED_AT):
        assert email_verification.create_token("Alice@Example.test", user_id="u1") == (
            JOSE_PLAIN
        )
        assert (
            email_verification.create_token(
                "alice@example.test",
                user_id="u1",
                update_to="New@example.test",
                request_type="change-email-verification",
            )
            == JOSE_CHANGE
        )
        claims = email_verification.read_token(JOSE_CHANGE)
    assert claims == email_verification.TokenClaims(
        email="alice@example.test",
        user_id="u1",
        update_to="new@example.test",
        request_type="change-email-verification",
    )


def test_anonymous_request_never_reveals_accounts(
    api: AuthClient, outbox: Outbox, user_factory: Callable[..., Any]
) -> None:
    """§3.1: without a session the answer is always {status:true}; only an
    existing unverified user is mailed (unknown and verified get nothing)."""
    user_factory("verified@example.test", email_verified=True)
    user_factory("pending@example.test")
    answers = [
        api.post("/send-verification-email", {"email": email})
        for email in ("nobody@example.test", "verified@example.test")
    ]
    assert outbox.sent == []
    answers.append(
        api.post("/send-verification-email", {"email": "pending@example.test"})
    )
    assert [(r.status_code, r.content) for r in answers] == [
        (200, b'{"status":true}')
    ] * 3
    assert [s.to for s in outbox.sent] == ["pending@example.test"]


def _anonymous_request(email: str) -> Any:
    request = RequestFactory().post(
        "/api/auth/send-verification-email",
        data=json.dumps({"email": email}),
        content_type="application/json",
    )
    return dispatch(request, "send-verification-email")


@pytest.mark.django_db
def test_anonymous_mail_is_sent_after_the_response(
    outbox: Outbox, user_factory: Callable[..., Any]
) -> None:
    """The answer is complete before the sender runs, so mail latency cannot be
    timed; the same work (lookup, signature) precedes every answer."""
    user_factory("pending@example.test")
    response = _anonymous_request("pending@example.test")
    assert response.status_code == 200 and response.content == b'{"status":true}'
    assert outbox.sent == []
    response.close()
    assert [s.to for s in outbox.sent] == ["pending@example.test"]
    response.close()
    assert len(outbox.sent) == 1


@pytest.mark.django_db
def test_failing_sender_does_not_change_the_answer(
    better_auth_settings: Callable[..., None],
    user_factory: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A sender error shows neither in the anonymous answer nor in the logs'
    text beyond its type (the link is a credential)."""
    seen: list[str] = []

    def broken(user: Any, url: str, token: str, **_: Any) -> None:
        seen.append(url)
        raise OSError(f"smtp down while sending {url}")

    better_auth_settings(EMAIL_VERIFICATION={"SEND_VERIFICATION_EMAIL": broken})
    user_factory("pending@example.test")
    caplog.set_level(logging.DEBUG)
    response = _anonymous_request("pending@example.test")
    response.close()
    assert response.status_code == 200 and seen
    assert "OSError" in caplog.text
    assert seen[0] not in caplog.text


def test_verification_email_not_enabled(
    api: AuthClient, better_auth_settings: Callable[..., None]
) -> None:
    """§3.1: no sender → 400 VERIFICATION_EMAIL_NOT_ENABLED, even anonymously."""
    better_auth_settings(EMAIL_VERIFICATION={"SEND_VERIFICATION_EMAIL": None})
    r = api.post("/send-verification-email", {"email": "a@example.test"})
    assert r.status_code == 400
    assert r.json() == {
        "message": "Verification email isn't enabled",
        "code": "VERIFICATION_EMAIL_NOT_ENABLED",
    }


def test_signed_in_mismatch_and_already_verified(
    api: AuthClient, outbox: Outbox
) -> None:
    """§3.1: with a session, another address → EMAIL_MISMATCH; a verified
    user → EMAIL_ALREADY_VERIFIED; otherwise the user's own address is mailed."""
    api.sign_up()
    outbox.sent.clear()
    r = api.post("/send-verification-email", {"email": "bob@example.test"})
    assert r.status_code == 400 and r.json()["code"] == "EMAIL_MISMATCH"
    r = api.post("/send-verification-email", {"email": "ALICE@example.test"})
    assert r.status_code == 200 and [s.to for s in outbox.sent] == [
        "alice@example.test"
    ]
    User.objects.filter(email="alice@example.test").update(email_verified=True)
    r = api.post("/send-verification-email", {"email": "alice@example.test"})
    assert r.status_code == 400 and r.json() == {
        "message": "Email is already verified",
        "code": "EMAIL_ALREADY_VERIFIED",
    }


def test_sign_up_sends_verification_when_required(
    api: AuthClient, better_auth_settings: Callable[..., None]
) -> None:
    """sendOnSignUp: the sign-up flow mails a link built from BASE_URL."""
    box = Outbox()
    better_auth_settings(
        EMAIL_VERIFICATION={"SEND_VERIFICATION_EMAIL": box, "SEND_ON_SIGN_UP": True}
    )
    assert api.sign_up().status_code == 200
    (sent,) = box.sent
    assert sent.url.startswith("http://testserver/api/auth/verify-email?token=")


def test_verify_email_marks_verified_once(
    api: AuthClient,
    outbox: Outbox,
    user_factory: Callable[..., Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    """§3.1: verify-email sets emailVerified, answers {status, user:null} and
    sends ``email_verified`` on commit; a second click changes nothing."""
    user = user_factory("alice@example.test")
    api.post("/send-verification-email", {"email": "alice@example.test"})
    token = outbox.sent[0].token
    received: list[Any] = []

    def receiver(sender: Any, user: Any, **kwargs: Any) -> None:
        received.append(user.pk)

    signals.email_verified.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            r = api.get("/verify-email", {"token": token})
        assert r.status_code == 200 and r.json() == {"status": True, "user": None}
        with django_capture_on_commit_callbacks(execute=True):
            again = api.get("/verify-email", {"token": token})
    finally:
        signals.email_verified.disconnect(receiver)
    assert again.status_code == 200 and again.json() == {"status": True, "user": None}
    assert received == [user.pk]
    user.refresh_from_db()
    assert user.email_verified is True
    assert "better-auth.session_token" not in r.cookies


def test_verify_email_redirects_to_callback(
    api: AuthClient, user_factory: Callable[..., Any]
) -> None:
    """With callbackURL the success answer is a 302 to it."""
    user = user_factory("alice@example.test")
    token = email_verification.create_token(user.email, user_id=user.pk)
    r = api.get("/verify-email", {"token": token, "callbackURL": "/welcome"})
    assert r.status_code == 302 and r["Location"] == "/welcome" and r.content == b""


def test_auto_sign_in_after_verification(
    api: AuthClient,
    better_auth_settings: Callable[..., None],
    user_factory: Callable[..., Any],
) -> None:
    """AUTO_SIGN_IN_AFTER_VERIFICATION opens a session for the verified user."""
    better_auth_settings(EMAIL_VERIFICATION={"AUTO_SIGN_IN_AFTER_VERIFICATION": True})
    user = user_factory("alice@example.test")
    token = email_verification.create_token(user.email, user_id=user.pk)
    r = api.get("/verify-email", {"token": token})
    assert r.status_code == 200 and "better-auth.session_token" in r.cookies
    session = api.get("/get-session").json()
    assert session["user"]["id"] == user.pk and session["user"]["emailVerified"]
    assert Session.objects.filter(user=user).count() == 1


@pytest.mark.parametrize(
    ("callback", "location"),
    [
        ("/verified", "/verified?error=TOKEN_EXPIRED"),
        ("/verified?from=mail", "/verified?from=mail&error=TOKEN_EXPIRED"),
        ("http://testserver/done", "http://testserver/done?error=TOKEN_EXPIRED"),
    ],
)
def test_expired_token_redirects_with_error(
    api: AuthClient, user_factory: Callable[..., Any], callback: str, location: str
) -> None:
    """§3.1: an error with callbackURL is a 302 to ``callbackURL?error=CODE``
    (``&error=`` when the URL already has a query)."""
    user = user_factory("alice@example.test")
    with clock.freeze():
        token = email_verification.create_token(user.email, user_id=user.pk)
        clock.advance(3600)
        r = api.get("/verify-email", {"token": token, "callbackURL": callback})
    assert r.status_code == 302 and r["Location"] == location
    user.refresh_from_db()
    assert user.email_verified is False


def test_expired_token_without_callback_is_401(
    api: AuthClient, user_factory: Callable[..., Any]
) -> None:
    user = user_factory("alice@example.test")
    with clock.freeze():
        token = email_verification.create_token(user.email, user_id=user.pk)
        clock.advance(3599)
        ok = api.get("/verify-email", {"token": token})
        clock.advance(1)
        expired = api.get("/verify-email", {"token": token})
    assert ok.status_code == 200
    assert expired.status_code == 401
    assert expired.json() == {"message": "Token expired", "code": "TOKEN_EXPIRED"}


@pytest.mark.parametrize(
    "make",
    [
        lambda u: "not-a-jwt",
        lambda u: jwt.encode({"email": u.email}, "another-secret-0123456789abcdef!"),
        lambda u: jwt.encode({"email": u.email}, None, algorithm="none"),
        lambda u: email_verification.create_token(u.email, user_id=u.pk)[:-2] + "AA",
        lambda u: jwt.encode({"email": 42, "userId": u.pk}, SECRET),
    ],
    ids=["garbage", "foreign-secret", "alg-none", "tampered", "bad-claims"],
)
def test_invalid_tokens_are_refused(
    api: AuthClient, user_factory: Callable[..., Any], make: Callable[[Any], str]
) -> None:
    """§3.1: bad signature, alg none, malformed claims → 401 INVALID_TOKEN."""
    user = user_factory("alice@example.test")
    r = api.get("/verify-email", {"token": make(user)})
    assert r.status_code == 401
    assert r.json() == {"message": "Invalid token", "code": "INVALID_TOKEN"}
    user.refresh_from_db()
    assert user.email_verified is False


def test_previous_secret_still_verifies(
    api: AuthClient,
    better_auth_settings: Callable[..., None],
    user_factory: Callable[..., Any],
) -> None:
    """Secret rotation: tokens signed with a previous secret stay valid."""
    user = user_factory("alice@example.test")
    token = email_verification.create_token(user.email, user_id=user.pk)
    better_auth_settings(
        SECRET="rotated-secret-0123456789-abcdefghijklmnopqrstuv",
        PREVIOUS_SECRETS=[SECRET],
    )
    assert api.get("/verify-email", {"token": token}).status_code == 200
    user.refresh_from_db()
    assert user.email_verified is True


def test_token_of_deleted_or_replaced_user(
    api: AuthClient, user_factory: Callable[..., Any]
) -> None:
    """USER_NOT_FOUND for a vanished address; INVALID_TOKEN when the address
    now belongs to a different account (the token's userId binds it)."""
    user = user_factory("alice@example.test")
    token = email_verification.create_token(user.email, user_id=user.pk)
    user.delete()
    r = api.get("/verify-email", {"token": token})
    assert r.status_code == 401 and r.json()["code"] == "USER_NOT_FOUND"
    user_factory("alice@example.test")
    r = api.get("/verify-email", {"token": token, "callbackURL": "/v"})
    assert r.status_code == 302 and r["Location"] == "/v?error=INVALID_TOKEN"


def test_verify_email_requires_token(api: AuthClient) -> None:
    r = api.get("/verify-email")
    assert r.status_code == 400 and r.json() == {
        "code": "VALIDATION_ERROR",
        "message": "[query.token] Invalid input: expected string, received undefined",
    }


@pytest.mark.parametrize(
    "callback", ["https://evil.test/", "//evil.test/", "javascript:alert(1)"]
)
def test_case_64_verify_email_refuses_foreign_callback(
    api: AuthClient, user_factory: Callable[..., Any], callback: str
) -> None:
    """Case 64 (a)(b)(d): the GET callbackURL is checked before anything else,
    so neither success nor error redirects leave the trusted origins."""
    user = user_factory("alice@example.test")
    token = email_verification.create_token(user.email, user_id=user.pk)
    for value in (token, "broken"):
        r = api.get("/verify-email", {"token": value, "callbackURL": callback})
        assert r.status_code == 403
        assert r.json() == {
            "message": "Invalid callbackURL",
            "code": "INVALID_CALLBACK_URL",
        }
    user.refresh_from_db()
    assert user.email_verified is False


@pytest.mark.parametrize(
    "callback", ["https://evil.test/", "//evil.test/", "javascript:alert(1)"]
)
def test_case_64_send_verification_refuses_foreign_callback(
    api: AuthClient, outbox: Outbox, user_factory: Callable[..., Any], callback: str
) -> None:
    """Case 64: no link is built for an untrusted callbackURL."""
    user_factory("alice@example.test")
    body = {"email": "alice@example.test", "callbackURL": callback}
    r = api.post("/send-verification-email", body)
    assert r.status_code == 403 and r.json()["code"] == "INVALID_CALLBACK_URL"
    assert outbox.sent == []


def test_case_64_relative_callback_is_accepted(
    api: AuthClient, user_factory: Callable[..., Any]
) -> None:
    """Case 64 (c): a safe relative path is accepted."""
    user = user_factory("alice@example.test")
    token = email_verification.create_token(user.email, user_id=user.pk)
    r = api.get("/verify-email", {"token": token, "callbackURL": "/dashboard?tab=1"})
    assert r.status_code == 302 and r["Location"] == "/dashboard?tab=1"


SPOOFED = {
    "host": "evil.test",
    "x-forwarded-host": "evil.test",
    "x-forwarded-proto": "http",
}


def test_case_67_links_use_configured_base_url(
    api_factory: Callable[..., AuthClient],
    better_auth_settings: Callable[..., None],
    user_factory: Callable[..., Any],
) -> None:
    """Case 67: with BASE_URL set, spoofed Host / X-Forwarded-* never reach
    the link, for the anonymous request and for sign-up's own email."""
    box = Outbox()
    better_auth_settings(
        BASE_URL="https://app.example.test",
        EMAIL_VERIFICATION={"SEND_VERIFICATION_EMAIL": box, "SEND_ON_SIGN_UP": True},
    )
    user_factory("alice@example.test")
    client = api_factory(origin=None)
    r = client.post(
        "/send-verification-email", {"email": "alice@example.test"}, headers=SPOOFED
    )
    assert r.status_code == 200
    sign_up = {"email": "bob@example.test", "password": "bob-password-1", "name": "Bob"}
    r = client.post("/sign-up/email", sign_up, headers=SPOOFED)
    assert r.status_code == 200
    assert len(box.sent) == 2
    for sent in box.sent:
        assert sent.url.startswith("https://app.example.test/api/auth/verify-email?")
        assert "evil.test" not in sent.url


def test_case_67_forwarded_host_ignored_without_base_url(
    api_factory: Callable[..., AuthClient],
    better_auth_settings: Callable[..., None],
    user_factory: Callable[..., Any],
) -> None:
    """Case 67, BASE_URL unset and no trusted proxy: X-Forwarded-Host and
    X-Forwarded-Proto are ignored; the link uses the (ALLOWED_HOSTS-checked)
    Host the server was addressed by."""
    box = Outbox()
    better_auth_settings(
        BASE_URL=None, EMAIL_VERIFICATION={"SEND_VERIFICATION_EMAIL": box}
    )
    user_factory("alice@example.test")
    client = api_factory(origin=None)
    headers = {
        "host": "auth.example.test",
        "x-forwarded-host": "evil.test",
        "x-forwarded-proto": "https",
    }
    r = client.post(
        "/send-verification-email", {"email": "alice@example.test"}, headers=headers
    )
    assert r.status_code == 200
    assert box.sent[0].url.startswith("http://auth.example.test/api/auth/verify-email?")


def test_tokens_and_links_never_logged(
    api: AuthClient,
    outbox: Outbox,
    user_factory: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """No log line carries a verification token or its link."""
    caplog.set_level(logging.DEBUG)
    user_factory("alice@example.test")
    api.post("/send-verification-email", {"email": "alice@example.test"})
    token = outbox.sent[0].token
    api.get("/verify-email", {"token": token})
    api.get("/verify-email", {"token": token + "x"})
    assert token not in caplog.text
    assert token.split(".")[2] not in caplog.text


def test_default_sender_uses_django_mail(
    api: AuthClient,
    user_factory: Callable[..., Any],
    better_auth_settings: Callable[..., None],
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The default sender hands the link to Django's email backend."""
    better_auth_settings(EMAIL={"USE_CELERY": False})
    user_factory("alice@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        api.post("/send-verification-email", {"email": "alice@example.test"})
    (message,) = mail.outbox
    assert message.to == ["alice@example.test"]
    assert "http://testserver/api/auth/verify-email?token=" in message.body
