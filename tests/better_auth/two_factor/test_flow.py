"""Two-factor: enable, the sign-in interception, verify, trust, backup codes.

Behaviour of Better Auth 1.7's two-factor plugin (core-surface §8.4, §4.1).
"""

from __future__ import annotations

from typing import Any

import pytest

from better_auth import clock
from better_auth.cookies import cookie
from better_auth.models import Session, User, Verification
from better_auth.plugins.two_factor.models import TwoFactor

from .conftest import EMAIL, PASSWORD, current_code, enable_totp, secret_of

TWO_FACTOR = "better-auth.two_factor"
TRUST = "better-auth.trust_device"


def test_user_json_carries_two_factor_enabled(signed_in: Any) -> None:
    """The plugin's user field, input:false, default false (schema.ts)."""
    data = signed_in.get("/get-session").json()
    assert data["user"]["twoFactorEnabled"] is False
    keys = list(data["user"])
    # Plugin fields come after the core ones and before the id.
    assert keys.index("twoFactorEnabled") > keys.index("updatedAt")
    assert keys[-1] == "id"


def test_enable_totp_answers_uri_and_codes_but_waits_for_verification(
    signed_in: Any,
) -> None:
    """1.7 discriminated enable: {method:"totp", totpURI, backupCodes}."""
    response = signed_in.post("/two-factor/enable", {"password": PASSWORD})
    assert response.status_code == 200
    data = response.json()
    assert list(data) == ["method", "totpURI", "backupCodes"]
    assert data["method"] == "totp"
    assert data["totpURI"].startswith("otpauth://totp/Better%20Auth:alice%40")
    assert len(data["backupCodes"]) == 10
    assert all(len(c) == 11 and c[5] == "-" for c in data["backupCodes"])
    user = User.objects.get(email=EMAIL)
    assert user.two_factor_enabled is False
    assert TwoFactor.objects.get(user=user).verified is False


def test_secret_and_backup_codes_are_encrypted_at_rest(totp_user: Any) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT secret, backup_codes FROM better_auth_two_factor")
        secret, codes = cursor.fetchone()
    assert secret_of() not in secret
    assert totp_user["backupCodes"][0] not in codes


def test_first_verify_turns_two_factor_on_and_rotates_the_session(
    signed_in: Any,
) -> None:
    old = signed_in.get("/get-session").json()["session"]["token"]
    signed_in.post("/two-factor/enable", {"password": PASSWORD})
    response = signed_in.post(
        "/two-factor/verify-totp", {"code": current_code(secret_of())}
    )
    assert response.status_code == 200
    assert response.json()["user"]["twoFactorEnabled"] is True
    assert not Session.objects.filter(token=old).exists()
    assert signed_in.get("/get-session").json()["user"]["twoFactorEnabled"] is True


def test_enable_needs_the_password(signed_in: Any) -> None:
    wrong = signed_in.post("/two-factor/enable", {"password": "nope-nope-nope"})
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "INVALID_PASSWORD"
    missing = signed_in.post("/two-factor/enable", {})
    assert missing.status_code == 400
    assert missing.json()["code"] == "VALIDATION_ERROR"


def test_enable_twice_is_refused(totp_user: Any, signed_in: Any) -> None:
    response = signed_in.post("/two-factor/enable", {"password": PASSWORD})
    assert response.json()["code"] == "TOTP_ALREADY_ENABLED"


def test_enable_otp_without_sender_is_refused(signed_in: Any) -> None:
    response = signed_in.post(
        "/two-factor/enable", {"password": PASSWORD, "method": "otp"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "OTP_NOT_CONFIGURED"


def test_enable_rejects_unknown_method(signed_in: Any) -> None:
    response = signed_in.post(
        "/two-factor/enable", {"password": PASSWORD, "method": "sms"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"


def test_sign_in_is_intercepted(challenged: Any) -> None:
    """No session; a signed two_factor cookie; the session cookie expired."""
    user = User.objects.get(email=EMAIL)
    # Only the session opened by enabling remains (the first browser's).
    assert Session.objects.filter(user=user).count() == 1
    assert challenged.get("/get-session").json() is None
    assert challenged.cookies[TWO_FACTOR].value
    assert Verification.objects.filter(identifier__startswith="2fa-").count() == 2


def test_interception_cookies(api_factory: Any, totp_user: Any) -> None:
    browser = api_factory()
    response = browser.sign_in(EMAIL, PASSWORD)
    session_cookie = response.cookies[cookie("session_token").name]
    assert session_cookie.value == "" and session_cookie["max-age"] == 0
    challenge = response.cookies[TWO_FACTOR]
    assert challenge["max-age"] == 600 and challenge["httponly"]


def test_verify_totp_finishes_the_sign_in(challenged: Any) -> None:
    secret = secret_of()
    response = challenged.post(
        "/two-factor/verify-totp", {"code": current_code(secret)}
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert list(data) == ["token", "user"]
    assert data["user"]["twoFactorEnabled"] is True
    session = challenged.get("/get-session").json()
    assert session["session"]["token"] == data["token"]
    assert response.cookies[TWO_FACTOR].value == ""
    # The challenge is spent: the same cookie cannot open a second session.
    again = challenged.post("/two-factor/verify-totp", {"code": current_code(secret)})
    assert again.status_code in (200, 401)


def test_a_totp_code_is_accepted_once(challenged: Any, api_factory: Any) -> None:
    """RFC 6238 §5.2: the verifier must not accept the same OTP twice."""
    code = current_code(secret_of())
    assert challenged.post("/two-factor/verify-totp", {"code": code}).status_code == 200
    other = api_factory()
    other.sign_in(EMAIL, PASSWORD)
    replay = other.post("/two-factor/verify-totp", {"code": code})
    assert replay.status_code == 401
    assert replay.json()["code"] == "INVALID_CODE"


def test_wrong_code(challenged: Any) -> None:
    response = challenged.post("/two-factor/verify-totp", {"code": "000000"})
    assert response.status_code == 401
    assert response.json() == {"message": "Invalid code", "code": "INVALID_CODE"}


def test_verify_without_challenge_cookie(api: Any) -> None:
    response = api.post("/two-factor/verify-totp", {"code": "123456"})
    assert response.status_code == 401
    assert response.json()["code"] == "INVALID_TWO_FACTOR_COOKIE"


def test_expired_challenge(challenged: Any) -> None:
    clock.advance(601)
    response = challenged.post(
        "/two-factor/verify-totp", {"code": current_code(secret_of())}
    )
    assert response.status_code == 401
    assert response.json()["code"] == "INVALID_TWO_FACTOR_COOKIE"


def test_five_attempts_per_challenge(challenged: Any) -> None:
    """Five wrong guesses, then the challenge is cancelled (400)."""
    for _ in range(5):
        wrong = challenged.post("/two-factor/verify-totp", {"code": "000000"})
        assert wrong.json()["code"] == "INVALID_CODE"
    sixth = challenged.post(
        "/two-factor/verify-totp", {"code": current_code(secret_of())}
    )
    assert sixth.status_code == 400
    assert sixth.json()["code"] == "TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE"
    assert sixth.cookies[TWO_FACTOR].value == ""
    after = challenged.post(
        "/two-factor/verify-totp", {"code": current_code(secret_of())}
    )
    assert after.json()["code"] == "INVALID_TWO_FACTOR_COOKIE"


def test_failing_to_cancel_an_exhausted_challenge_is_a_500(
    challenged: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """1.7: FAILED_TO_INVALIDATE_TWO_FACTOR_CHALLENGE when cancelling fails."""
    from better_auth.storage import verifications

    for _ in range(5):
        challenged.post("/two-factor/verify-totp", {"code": "000000"})

    def broken(identifier: str) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(verifications, "consume", broken)
    response = challenged.post("/two-factor/verify-totp", {"code": "000000"})
    assert response.status_code == 500
    assert response.json() == {
        "message": "Failed to invalidate two-factor challenge",
        "code": "FAILED_TO_INVALIDATE_TWO_FACTOR_CHALLENGE",
    }


def test_account_locks_after_ten_failures_for_fifteen_minutes(
    api_factory: Any, totp_user: Any
) -> None:
    """Consecutive failures across challenges lock the account (NIST 800-63B §5.2.2)."""
    for _ in range(2):
        browser = api_factory()
        browser.sign_in(EMAIL, PASSWORD)
        for _ in range(5):
            browser.post("/two-factor/verify-totp", {"code": "000000"})
    browser = api_factory()
    browser.sign_in(EMAIL, PASSWORD)
    locked = browser.post(
        "/two-factor/verify-totp", {"code": current_code(secret_of())}
    )
    assert locked.status_code == 429
    assert locked.json()["code"] == "ACCOUNT_TEMPORARILY_LOCKED"
    clock.advance(15 * 60 + 1)
    browser = api_factory()
    browser.sign_in(EMAIL, PASSWORD)
    ok = browser.post("/two-factor/verify-totp", {"code": current_code(secret_of())})
    assert ok.status_code == 200
    assert TwoFactor.objects.get().failed_verification_count == 0


def test_success_resets_the_failure_budget(api_factory: Any, totp_user: Any) -> None:
    browser = api_factory()
    browser.sign_in(EMAIL, PASSWORD)
    for _ in range(4):
        browser.post("/two-factor/verify-totp", {"code": "000000"})
    assert TwoFactor.objects.get().failed_verification_count == 4
    browser.post("/two-factor/verify-totp", {"code": current_code(secret_of())})
    assert TwoFactor.objects.get().failed_verification_count == 0


def test_trusted_device_skips_the_challenge_and_rotates(
    challenged: Any,
) -> None:
    response = challenged.post(
        "/two-factor/verify-totp",
        {"code": current_code(secret_of()), "trustDevice": True},
    )
    first = response.cookies[TRUST].value
    assert first and response.cookies[TRUST]["max-age"] == 30 * 24 * 3600
    challenged.post("/sign-out")
    again = challenged.sign_in(EMAIL, PASSWORD)
    assert again.status_code == 200
    assert "token" in again.json() and "twoFactorRedirect" not in again.json()
    rotated = again.cookies[TRUST].value
    assert rotated and rotated != first


def test_forged_trust_cookie_is_ignored(api_factory: Any, totp_user: Any) -> None:
    from better_auth.conf import auth_settings
    from better_auth.crypto import encode_cookie_value, sign_cookie_value

    browser = api_factory()
    forged = sign_cookie_value("abc!trust-device-xyz", auth_settings.SECRET)
    browser.cookies[TRUST] = encode_cookie_value(forged)
    response = browser.sign_in(EMAIL, PASSWORD)
    assert response.json()["twoFactorRedirect"] is True


def test_backup_code_signs_in_once(
    challenged: Any, totp_user: Any, api_factory: Any
) -> None:
    code = totp_user["backupCodes"][0]
    response = challenged.post("/two-factor/verify-backup-code", {"code": code})
    assert response.status_code == 200, response.content
    assert response.json()["user"]["email"] == EMAIL
    other = api_factory()
    other.sign_in(EMAIL, PASSWORD)
    reused = other.post("/two-factor/verify-backup-code", {"code": code})
    assert reused.status_code == 401
    assert reused.json()["code"] == "INVALID_BACKUP_CODE"


def test_generate_backup_codes_replaces_the_old(signed_in: Any, totp_user: Any) -> None:
    response = signed_in.post(
        "/two-factor/generate-backup-codes", {"password": PASSWORD}
    )
    assert response.status_code == 200
    data = response.json()
    assert data["status"] is True and len(data["backupCodes"]) == 10
    assert set(data["backupCodes"]).isdisjoint(totp_user["backupCodes"])


def test_get_totp_uri(signed_in: Any, totp_user: Any) -> None:
    response = signed_in.post("/two-factor/get-totp-uri", {"password": PASSWORD})
    assert response.json() == {"totpURI": totp_user["totpURI"]}
    wrong = signed_in.post("/two-factor/get-totp-uri", {"password": "x" * 12})
    assert wrong.json()["code"] == "INVALID_PASSWORD"


def test_disable(signed_in: Any, totp_user: Any, api_factory: Any) -> None:
    response = signed_in.post("/two-factor/disable", {"password": PASSWORD})
    assert response.json() == {"status": True}
    assert User.objects.get(email=EMAIL).two_factor_enabled is False
    assert not TwoFactor.objects.exists()
    browser = api_factory()
    assert "token" in browser.sign_in(EMAIL, PASSWORD).json()


def test_endpoints_need_a_session(api: Any) -> None:
    for path in (
        "/two-factor/enable",
        "/two-factor/disable",
        "/two-factor/get-totp-uri",
        "/two-factor/generate-backup-codes",
    ):
        response = api.post(path, {"password": PASSWORD})
        assert response.status_code == 401, path


def test_otp_method_enable_and_sign_in(
    signed_in: Any, otp_sender: list[dict[str, Any]], api_factory: Any
) -> None:
    """1.7 OTP-only enablement: {method:"otp"}, on at once; codes by the sender."""
    response = signed_in.post(
        "/two-factor/enable", {"password": PASSWORD, "method": "otp"}
    )
    assert response.json() == {"method": "otp"}
    assert User.objects.get(email=EMAIL).two_factor_enabled is True
    browser = api_factory()
    redirect = browser.sign_in(EMAIL, PASSWORD).json()
    assert redirect == {"twoFactorRedirect": True, "twoFactorMethods": ["otp"]}
    assert browser.post("/two-factor/send-otp").json() == {"status": True}
    code = otp_sender[-1]["otp"]
    assert len(code) == 6 and code.isdigit()
    stored = Verification.objects.get(identifier__startswith="2fa-otp-").value
    assert code not in stored  # hashed at rest
    wrong = browser.post("/two-factor/verify-otp", {"code": "x"})
    assert wrong.json()["code"] == "INVALID_CODE"
    ok = browser.post("/two-factor/verify-otp", {"code": code})
    assert ok.status_code == 200, ok.content
    assert browser.get("/get-session").json()["user"]["email"] == EMAIL
    spent = browser.post("/two-factor/verify-otp", {"code": code})
    assert spent.status_code in (400, 401)


def test_otp_attempt_limit(
    signed_in: Any, otp_sender: list[dict[str, Any]], api_factory: Any
) -> None:
    signed_in.post("/two-factor/enable", {"password": PASSWORD, "method": "otp"})
    browser = api_factory()
    browser.sign_in(EMAIL, PASSWORD)
    browser.post("/two-factor/send-otp")
    code = otp_sender[-1]["otp"]
    for _ in range(5):
        browser.post("/two-factor/verify-otp", {"code": "bad"})
    response = browser.post("/two-factor/verify-otp", {"code": code})
    assert response.status_code == 400
    assert response.json()["code"] == "TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE"


def test_otp_expires(
    signed_in: Any, otp_sender: list[dict[str, Any]], api_factory: Any
) -> None:
    signed_in.post("/two-factor/enable", {"password": PASSWORD, "method": "otp"})
    browser = api_factory()
    browser.sign_in(EMAIL, PASSWORD)
    browser.post("/two-factor/send-otp")
    clock.advance(3 * 60 + 1)
    response = browser.post("/two-factor/verify-otp", {"code": otp_sender[-1]["otp"]})
    assert response.json()["code"] in ("OTP_HAS_EXPIRED", "INVALID_TWO_FACTOR_COOKIE")


def test_send_otp_without_sender(challenged: Any) -> None:
    response = challenged.post("/two-factor/send-otp")
    assert response.status_code == 400
    assert response.json()["code"] == "OTP_NOT_CONFIGURED"


def test_both_methods_listed(
    api_factory: Any, totp_user: Any, otp_sender: list[dict[str, Any]]
) -> None:
    browser = api_factory()
    data = browser.sign_in(EMAIL, PASSWORD).json()
    assert data["twoFactorMethods"] == ["totp", "otp"]


def test_plain_sign_in_without_two_factor_is_untouched(
    signed_in: Any, api_factory: Any
) -> None:
    data = api_factory().sign_in(EMAIL, PASSWORD).json()
    assert "token" in data and data["user"]["twoFactorEnabled"] is False


def test_signals(signed_in: Any, django_capture_on_commit_callbacks: Any) -> None:
    from better_auth.plugins.two_factor import signals

    seen: list[Any] = []

    def on_enabled(sender: Any, **kwargs: Any) -> None:
        seen.append(kwargs["method"])

    signals.two_factor_enabled.connect(on_enabled)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            enable_totp(signed_in)
    finally:
        signals.two_factor_enabled.disconnect(on_enabled)
    assert seen == ["totp"]


def test_cookie_cache_keeps_two_factor_enabled(
    signed_in: Any, totp_user: Any, better_auth_settings: Any
) -> None:
    better_auth_settings(SESSION={"COOKIE_CACHE": {"ENABLED": True}})
    browser_data = signed_in.get("/get-session").json()
    assert browser_data["user"]["twoFactorEnabled"] is True
    cached = signed_in.get("/get-session").json()
    assert cached["user"]["twoFactorEnabled"] is True


def test_skip_verification_on_enable(signed_in: Any, better_auth_settings: Any) -> None:
    better_auth_settings(TWO_FACTOR={"SKIP_VERIFICATION_ON_ENABLE": True})
    response = signed_in.post("/two-factor/enable", {"password": PASSWORD})
    assert response.json()["method"] == "totp"
    assert User.objects.get(email=EMAIL).two_factor_enabled is True
    assert TwoFactor.objects.get().verified is True


def test_allow_passwordless_for_users_without_a_password(
    api: Any, better_auth_settings: Any
) -> None:
    better_auth_settings(TWO_FACTOR={"ALLOW_PASSWORDLESS": True})
    api.sign_up(EMAIL, PASSWORD)
    from better_auth.models import Account

    Account.objects.filter(user__email=EMAIL).delete()
    response = api.post("/two-factor/enable", {})
    assert response.status_code == 200, response.content
    assert response.json()["method"] == "totp"


def test_allow_passwordless_still_checks_an_existing_password(
    signed_in: Any, better_auth_settings: Any
) -> None:
    better_auth_settings(TWO_FACTOR={"ALLOW_PASSWORDLESS": True})
    response = signed_in.post("/two-factor/enable", {})
    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_PASSWORD"


def test_interception_leaks_no_session_through_other_plugins(
    api_factory: Any, totp_user: Any
) -> None:
    """No header or cookie of the intercepted sign-in names a live session."""
    browser = api_factory()
    response = browser.sign_in(EMAIL, PASSWORD)
    live = set(Session.objects.values_list("token", flat=True))
    header = response.headers.get("set-auth-token", "")
    assert not any(token in header for token in live)
    for name, morsel in response.cookies.items():
        if name == TWO_FACTOR:
            continue
        assert not any(token in morsel.value for token in live), name


def test_username_sign_in_is_intercepted_too(api_factory: Any, totp_user: Any) -> None:
    """The interception covers /sign-in/username (two-factor index.ts signInPaths)."""
    User.objects.filter(email=EMAIL).update(username="alice")
    browser = api_factory()
    response = browser.post(
        "/sign-in/username", {"username": "alice", "password": PASSWORD}
    )
    if response.status_code == 404:
        pytest.skip("the username plugin is not installed")
    assert response.json() == {"twoFactorRedirect": True, "twoFactorMethods": ["totp"]}
    assert browser.get("/get-session").json() is None


def test_admin_shows_state_but_never_secrets(admin_client: Any, totp_user: Any) -> None:
    record = TwoFactor.objects.get()
    listing = admin_client.get("/admin/better_auth_two_factor/twofactor/")
    assert listing.status_code == 200
    page = admin_client.get(
        f"/admin/better_auth_two_factor/twofactor/{record.pk}/change/"
    )
    assert page.status_code == 200
    body = page.content.decode()
    assert secret_of() not in body
    assert totp_user["backupCodes"][0] not in body
