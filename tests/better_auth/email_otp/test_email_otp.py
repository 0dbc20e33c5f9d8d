"""Email OTP: codes, attempts, expiry, sign-in, verification, reset, change.

Better Auth 1.7 ``emailOTP`` (core-surface §8.3); passwordless sign-in
clears unproven credentials (§7).
"""

from __future__ import annotations

from typing import Any

from better_auth import clock
from better_auth.models import Account, Session, User, Verification

from .conftest import last_code

EMAIL = "otp@example.test"


def _send(api: Any, type_: str = "sign-in", email: str = EMAIL) -> Any:
    return api.post("/email-otp/send-verification-otp", {"email": email, "type": type_})


def test_sign_in_creates_a_verified_user(api: Any, outbox: list[Any]) -> None:
    assert _send(api).json() == {"success": True}
    code = last_code(outbox)
    assert len(code) == 6 and code.isdigit()
    response = api.post("/sign-in/email-otp", {"email": EMAIL, "otp": code})
    assert response.status_code == 200, response.content
    data = response.json()
    assert list(data) == ["token", "user"]
    assert data["user"]["emailVerified"] is True
    assert api.get("/get-session").json()["user"]["email"] == EMAIL


def test_code_is_stored_hashed_with_its_attempt_counter(
    api: Any, outbox: list[Any]
) -> None:
    _send(api)
    row = Verification.objects.get(identifier=f"sign-in-otp-{EMAIL}")
    stored, _, attempts = row.value.rpartition(":")
    assert attempts == "0"
    assert last_code(outbox) not in stored and len(stored) == 43


def test_code_works_once(api: Any, api_factory: Any, outbox: list[Any]) -> None:
    _send(api)
    code = last_code(outbox)
    assert (
        api.post("/sign-in/email-otp", {"email": EMAIL, "otp": code}).status_code == 200
    )
    again = api_factory().post("/sign-in/email-otp", {"email": EMAIL, "otp": code})
    assert again.status_code == 400
    assert again.json()["code"] == "INVALID_OTP"


def test_three_wrong_guesses_then_too_many_attempts(
    api: Any, outbox: list[Any]
) -> None:
    _send(api)
    code = last_code(outbox)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):
        response = api.post("/sign-in/email-otp", {"email": EMAIL, "otp": wrong})
        assert response.json() == {"message": "Invalid OTP", "code": "INVALID_OTP"}
    response = api.post("/sign-in/email-otp", {"email": EMAIL, "otp": code})
    assert response.status_code == 403
    assert response.json()["code"] == "TOO_MANY_ATTEMPTS"
    after = api.post("/sign-in/email-otp", {"email": EMAIL, "otp": code})
    assert after.json()["code"] == "INVALID_OTP"


def test_expired_code(api: Any, outbox: list[Any]) -> None:
    _send(api)
    clock.advance(301)
    response = api.post(
        "/sign-in/email-otp", {"email": EMAIL, "otp": last_code(outbox)}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "OTP_EXPIRED"


def test_resend_replaces_the_code(api: Any, outbox: list[Any]) -> None:
    _send(api)
    first = last_code(outbox)
    _send(api)
    second = last_code(outbox)
    assert Verification.objects.filter(identifier=f"sign-in-otp-{EMAIL}").count() == 1
    if first != second:
        old = api.post("/sign-in/email-otp", {"email": EMAIL, "otp": first})
        assert old.json()["code"] == "INVALID_OTP"


def test_disable_sign_up(
    api: Any, outbox: list[Any], better_auth_settings: Any
) -> None:
    better_auth_settings(
        EMAIL_OTP={
            "SEND_VERIFICATION_OTP": "tests.better_auth.email_otp.conftest.record",
            "DISABLE_SIGN_UP": True,
        }
    )
    assert _send(api).json() == {"success": True}
    assert outbox == []  # nobody to mail: no account and no sign-up


def test_unknown_address_gets_the_same_answer_and_no_mail(
    api: Any, outbox: list[Any]
) -> None:
    response = _send(api, "email-verification", "nobody@example.test")
    assert response.json() == {"success": True}
    assert outbox == []
    assert not Verification.objects.filter(identifier__contains="nobody").exists()


def test_change_email_type_is_refused_on_send(api: Any, outbox: list[Any]) -> None:
    response = _send(api, "change-email")
    assert response.status_code == 400
    assert response.json() == {"message": "Invalid OTP type"}


def test_invalid_type_and_email(api: Any, outbox: list[Any]) -> None:
    bad_type = _send(api, "login")
    assert bad_type.json()["code"] == "VALIDATION_ERROR"
    bad_email = _send(api, "sign-in", "not-an-email")
    assert bad_email.json()["code"] == "INVALID_EMAIL"


def test_verify_email(api: Any, outbox: list[Any], user_factory: Any) -> None:
    user = user_factory(EMAIL)
    _send(api, "email-verification")
    check = api.post(
        "/email-otp/check-verification-otp",
        {"email": EMAIL, "type": "email-verification", "otp": last_code(outbox)},
    )
    assert check.json() == {"success": True}
    response = api.post(
        "/email-otp/verify-email", {"email": EMAIL, "otp": last_code(outbox)}
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] is True and data["token"] is None
    assert data["user"]["emailVerified"] is True
    user.refresh_from_db()
    assert user.email_verified


def test_reset_password(api: Any, outbox: list[Any], user_factory: Any) -> None:
    user_factory(EMAIL, password="old-password-1")
    assert api.post("/email-otp/request-password-reset", {"email": EMAIL}).json() == {
        "success": True
    }
    assert outbox[-1]["type"] == "forget-password"
    code = last_code(outbox)
    response = api.post(
        "/email-otp/reset-password",
        {"email": EMAIL, "otp": code, "password": "new-password-1"},
    )
    assert response.json() == {"success": True}
    assert api.sign_in(EMAIL, "new-password-1").status_code == 200
    reused = api.post(
        "/email-otp/reset-password",
        {"email": EMAIL, "otp": code, "password": "other-password-1"},
    )
    assert reused.json()["code"] == "INVALID_OTP"


def test_forget_password_alias(api: Any, outbox: list[Any], user_factory: Any) -> None:
    user_factory(EMAIL)
    assert api.post("/forget-password/email-otp", {"email": EMAIL}).json() == {
        "success": True
    }
    assert outbox[-1]["type"] == "forget-password"


def test_change_email(api: Any, outbox: list[Any], better_auth_settings: Any) -> None:
    better_auth_settings(
        EMAIL_OTP={
            "SEND_VERIFICATION_OTP": "tests.better_auth.email_otp.conftest.record",
            "CHANGE_EMAIL": {"ENABLED": True},
        }
    )
    api.sign_up(EMAIL, "some-password-1")
    new = "moved@example.test"
    response = api.post("/email-otp/request-email-change", {"newEmail": new})
    assert response.json() == {"success": True}
    assert outbox[-1]["email"] == new and outbox[-1]["type"] == "change-email"
    changed = api.post(
        "/email-otp/change-email", {"newEmail": new, "otp": last_code(outbox)}
    )
    assert changed.json() == {"success": True}
    user = User.objects.get(email=new)
    assert user.email_verified
    assert api.get("/get-session").json()["user"]["email"] == new


def test_change_email_disabled(api: Any, outbox: list[Any]) -> None:
    api.sign_up(EMAIL, "some-password-1")
    response = api.post(
        "/email-otp/request-email-change", {"newEmail": "x@example.test"}
    )
    assert response.status_code == 400
    assert response.json() == {"message": "Change email with OTP is disabled"}


def test_squatter_loses_access_when_the_owner_signs_in_by_otp(
    api: Any, api_factory: Any, outbox: list[Any]
) -> None:
    """Passwordless sign-in clears unproven credentials (Better Auth 1.7, §7).

    A squatter registers the victim's address with a password (never
    verified). The real owner signs in with an emailed code: the squatter's
    password and sessions are gone and the address is verified.
    """
    squatter = api_factory()
    assert squatter.sign_up(EMAIL, "squatter-password-1").status_code == 200
    user = User.objects.get(email=EMAIL)
    assert not user.email_verified
    assert Session.objects.filter(user=user).count() == 1

    owner = api_factory()
    owner.post("/email-otp/send-verification-otp", {"email": EMAIL, "type": "sign-in"})
    response = owner.post(
        "/sign-in/email-otp", {"email": EMAIL, "otp": last_code(outbox)}
    )
    assert response.status_code == 200, response.content
    assert response.json()["user"]["emailVerified"] is True

    assert not Account.objects.filter(user=user).exists()
    assert squatter.get("/get-session").json() is None
    refused = api_factory().sign_in(EMAIL, "squatter-password-1")
    assert refused.status_code == 401
    assert owner.get("/get-session").json()["user"]["id"] == user.pk


def test_verified_account_keeps_its_password(
    api: Any, api_factory: Any, outbox: list[Any], user_factory: Any
) -> None:
    user_factory(EMAIL, password="owner-password-1", email_verified=True)
    api.post("/email-otp/send-verification-otp", {"email": EMAIL, "type": "sign-in"})
    api.post("/sign-in/email-otp", {"email": EMAIL, "otp": last_code(outbox)})
    assert api_factory().sign_in(EMAIL, "owner-password-1").status_code == 200


def test_send_verification_on_sign_up(
    api: Any, outbox: list[Any], better_auth_settings: Any
) -> None:
    better_auth_settings(
        EMAIL_OTP={
            "SEND_VERIFICATION_OTP": "tests.better_auth.email_otp.conftest.record",
            "SEND_VERIFICATION_ON_SIGN_UP": True,
        }
    )
    assert api.sign_up(EMAIL, "some-password-1").status_code == 200
    assert outbox[-1]["type"] == "email-verification"
    response = api.post(
        "/email-otp/verify-email", {"email": EMAIL, "otp": last_code(outbox)}
    )
    assert response.json()["user"]["emailVerified"] is True
