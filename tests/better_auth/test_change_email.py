"""``/change-email`` and the email-change branches of ``/verify-email``.

Better Auth 1.7 behaviour (core-surface §3.1 change-email row, §5.1
request types ``change-email-confirmation`` / ``change-email-verification``).
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import jwt
import pytest

from better_auth.models import User
from better_auth.services import email_verification
from tests.conftest import AuthClient

PASSWORD = "alice-password-1"


class Outbox:
    """A sender that records its calls, standing in for the mail server."""

    def __init__(self) -> None:
        self.sent: list[SimpleNamespace] = []

    def __call__(self, user: Any, url: str, token: str, **kwargs: Any) -> None:
        self.sent.append(
            SimpleNamespace(to=user.email, user=user, url=url, token=token, kw=kwargs)
        )


@pytest.fixture
def boxes() -> SimpleNamespace:
    return SimpleNamespace(verify=Outbox(), confirm=Outbox())


@pytest.fixture
def configure(
    better_auth_settings: Callable[..., None], boxes: SimpleNamespace
) -> Callable[..., None]:
    """Enable change-email with recording senders; keyword overrides apply."""

    def apply(
        *,
        verify: bool = True,
        confirm: bool = False,
        direct: bool = False,
        enabled: bool = True,
    ) -> None:
        better_auth_settings(
            EMAIL_VERIFICATION={
                "SEND_VERIFICATION_EMAIL": boxes.verify if verify else None
            },
            USER={
                "CHANGE_EMAIL": {
                    "ENABLED": enabled,
                    "UPDATE_EMAIL_WITHOUT_VERIFICATION": direct,
                    "SEND_CHANGE_EMAIL_CONFIRMATION": boxes.confirm
                    if confirm
                    else None,
                }
            },
        )

    return apply


def signed_in(api: AuthClient, *, verified: bool = False) -> User:
    api.sign_up()
    user = User.objects.get(email="alice@example.test")
    if verified:
        User.objects.filter(pk=user.pk).update(email_verified=True)
        user.refresh_from_db()
    return user


def claims_of(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def test_disabled_by_default(api: AuthClient) -> None:
    """§3.1: 400 CHANGE_EMAIL_DISABLED unless USER.CHANGE_EMAIL.ENABLED."""
    signed_in(api)
    r = api.post("/change-email", {"newEmail": "new@example.test"})
    assert r.status_code == 400
    assert r.json() == {
        "message": "Change email is disabled",
        "code": "CHANGE_EMAIL_DISABLED",
    }


def test_requires_session(
    api_factory: Callable[..., AuthClient], configure: Any
) -> None:
    configure()
    r = api_factory().post("/change-email", {"newEmail": "new@example.test"})
    assert r.status_code == 401 and r.json()["code"] == "UNAUTHORIZED"


def test_same_email_is_message_only(api: AuthClient, configure: Any) -> None:
    """§2.2: "Email is the same" carries no code."""
    configure()
    signed_in(api)
    r = api.post("/change-email", {"newEmail": "ALICE@example.test"})
    assert r.status_code == 400 and r.json() == {"message": "Email is the same"}


def test_no_flow_available_is_message_only(
    api: AuthClient, configure: Any, user_factory: Callable[..., Any]
) -> None:
    """§2.2: without any sender (and no direct update) the answer is
    400 {message:"Verification email isn't enabled"} for a free and for a
    taken address alike (checked before the lookup)."""
    configure(verify=False)
    signed_in(api)
    user_factory("taken@example.test")
    for new_email in ("new@example.test", "taken@example.test"):
        r = api.post("/change-email", {"newEmail": new_email})
        assert r.status_code == 400
        assert r.json() == {"message": "Verification email isn't enabled"}


def test_taken_address_answers_like_a_free_one(
    api: AuthClient,
    configure: Any,
    boxes: SimpleNamespace,
    user_factory: Callable[..., Any],
) -> None:
    """§3.1: a taken address answers {status:true} and nothing is sent."""
    configure(direct=True)
    user = signed_in(api)
    user_factory("taken@example.test")
    boxes.verify.sent.clear()
    r = api.post("/change-email", {"newEmail": "Taken@example.test"})
    assert r.status_code == 200 and r.content == b'{"status":true}'
    assert boxes.verify.sent == []
    user.refresh_from_db()
    assert user.email == "alice@example.test"


def test_unverified_account_changes_directly(
    api: AuthClient, configure: Any, boxes: SimpleNamespace
) -> None:
    """UPDATE_EMAIL_WITHOUT_VERIFICATION + unverified address: the address
    changes now (still unverified), the cookie is re-set, and the new address
    gets a plain verification link that then verifies it."""
    configure(direct=True)
    user = signed_in(api)
    boxes.verify.sent.clear()
    r = api.post(
        "/change-email", {"newEmail": "New@example.test", "callbackURL": "/settings"}
    )
    assert r.status_code == 200 and r.json() == {"status": True}
    assert "better-auth.session_token" in r.cookies
    user.refresh_from_db()
    assert (user.email, user.email_verified) == ("new@example.test", False)
    assert api.get("/get-session").json()["user"]["email"] == "new@example.test"
    (sent,) = boxes.verify.sent
    assert sent.to == "new@example.test"
    assert sent.url.endswith("&callbackURL=%2Fsettings")
    assert "updateTo" not in claims_of(sent.token)
    r = api.get("/verify-email", {"token": sent.token})
    assert r.status_code == 200 and r.json() == {"status": True, "user": None}
    user.refresh_from_db()
    assert user.email_verified is True


def test_verified_account_needs_old_address_confirmation(
    api: AuthClient, configure: Any, boxes: SimpleNamespace
) -> None:
    """§5.1 two-step flow: the current address gets a change-email-confirmation
    link; clicking it mails the new address a change-email-verification link;
    clicking that moves the account; replaying it is INVALID_TOKEN."""
    configure(confirm=True)
    user = signed_in(api, verified=True)
    boxes.verify.sent.clear()
    r = api.post("/change-email", {"newEmail": "new@example.test"})
    assert r.status_code == 200 and r.json() == {"status": True}
    (confirmation,) = boxes.confirm.sent
    assert confirmation.to == "alice@example.test"
    assert confirmation.kw == {"new_email": "new@example.test"}
    claims = claims_of(confirmation.token)
    assert claims["requestType"] == "change-email-confirmation"
    assert (claims["email"], claims["updateTo"]) == (
        "alice@example.test",
        "new@example.test",
    )
    assert boxes.verify.sent == []

    r = api.get("/verify-email", {"token": confirmation.token, "callbackURL": "/ok"})
    assert r.status_code == 302 and r["Location"] == "/ok"
    user.refresh_from_db()
    assert user.email == "alice@example.test"
    (verification,) = boxes.verify.sent
    assert verification.to == "new@example.test"
    assert verification.url.endswith("&callbackURL=%2Fok")
    assert claims_of(verification.token)["requestType"] == "change-email-verification"

    r = api.get("/verify-email", {"token": verification.token})
    assert r.status_code == 200
    body = r.json()
    assert body["status"] is True and body["user"]["email"] == "new@example.test"
    assert body["user"]["emailVerified"] is True
    user.refresh_from_db()
    assert (user.email, user.email_verified) == ("new@example.test", True)
    assert api.get("/get-session").json()["user"]["email"] == "new@example.test"

    again = api.get("/verify-email", {"token": verification.token})
    assert again.status_code == 401 and again.json()["code"] == "INVALID_TOKEN"
    stale = api.get("/verify-email", {"token": confirmation.token})
    assert stale.status_code == 401 and stale.json()["code"] == "INVALID_TOKEN"


def test_without_confirmation_sender_new_address_is_mailed(
    api: AuthClient, configure: Any, boxes: SimpleNamespace
) -> None:
    """Without SEND_CHANGE_EMAIL_CONFIRMATION the new address gets the
    change-email-verification link directly; the sender sees the new address."""
    configure()
    user = signed_in(api)
    boxes.verify.sent.clear()
    assert (
        api.post("/change-email", {"newEmail": "new@example.test"}).status_code == 200
    )
    (sent,) = boxes.verify.sent
    assert sent.to == "new@example.test" and sent.user.pk == user.pk
    user.refresh_from_db()
    assert user.email == "alice@example.test"
    claims = claims_of(sent.token)
    assert claims["requestType"] == "change-email-verification"
    assert claims["userId"] == user.pk
    r = api.get("/verify-email", {"token": sent.token, "callbackURL": "/done"})
    assert r.status_code == 302 and r["Location"] == "/done"
    user.refresh_from_db()
    assert (user.email, user.email_verified) == ("new@example.test", True)


def test_other_signed_in_user_is_invalid_user(
    api: AuthClient,
    api_factory: Callable[..., AuthClient],
    configure: Any,
    boxes: SimpleNamespace,
) -> None:
    """§3.1: a change link opened in another user's session → INVALID_USER."""
    configure()
    user = signed_in(api)
    api.post("/change-email", {"newEmail": "new@example.test"})
    token = boxes.verify.sent[-1].token
    other = api_factory()
    other.sign_up(email="bob@example.test")
    r = other.get("/verify-email", {"token": token, "callbackURL": "/x?y=1"})
    assert r.status_code == 302 and r["Location"] == "/x?y=1&error=INVALID_USER"
    user.refresh_from_db()
    assert user.email == "alice@example.test"


def test_address_taken_before_the_click(
    api: AuthClient,
    configure: Any,
    boxes: SimpleNamespace,
    user_factory: Callable[..., Any],
) -> None:
    """An address registered between request and click is not overwritten."""
    configure()
    user = signed_in(api)
    api.post("/change-email", {"newEmail": "new@example.test"})
    token = boxes.verify.sent[-1].token
    user_factory("new@example.test")
    r = api.get("/verify-email", {"token": token})
    assert r.status_code == 422
    assert r.json()["code"] == "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL"
    user.refresh_from_db()
    assert user.email == "alice@example.test"


def test_change_token_without_user_binding_is_invalid(
    api: AuthClient, configure: Any
) -> None:
    """An updateTo token must carry userId (Better Auth 1.7.25)."""
    configure()
    signed_in(api)
    token = email_verification.create_token(
        "alice@example.test",
        user_id=None,
        update_to="new@example.test",
        request_type="change-email-verification",
    )
    r = api.get("/verify-email", {"token": token})
    assert r.status_code == 401 and r.json()["code"] == "INVALID_TOKEN"


def test_untrusted_callback_is_refused(api: AuthClient, configure: Any) -> None:
    """Case 64: the callbackURL of change-email passes the origin check."""
    configure()
    signed_in(api)
    r = api.post(
        "/change-email",
        {"newEmail": "new@example.test", "callbackURL": "https://evil.test/"},
    )
    assert r.status_code == 403 and r.json()["code"] == "INVALID_CALLBACK_URL"
