"""The captcha plugin as Better Auth 1.7 ``captcha()`` (core-surface §6.4).

Only the HTTP edge is replaced: ``requests.post`` answers as the provider's
siteverify endpoint would.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
import requests
from django.apps import AppConfig, apps
from django.test import Client

from better_auth import hooks
from better_auth.models import User
from better_auth.plugins.captcha import CaptchaVerifier, CloudflareTurnstileVerifier
from better_auth.plugins.captcha.checks import check_captcha_settings
from better_auth.plugins.captcha.guard import check_request
from better_auth.plugins.captcha.matching import is_protected, normalize_path
from tests.conftest import BASE, ORIGIN, AuthClient

TOKEN = "captcha-token-from-the-widget-0123456789"
SIGN_UP = {"email": "alice@example.test", "password": "alice-password-1", "name": "A"}


class FakeSiteVerify:
    """Records siteverify calls and answers with a canned JSON body."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.answer: Any = {"success": True}
        self.status = 200
        self.error: Exception | None = None

    def __call__(self, url: str, **kwargs: Any) -> requests.Response:
        self.calls.append({"url": url, **kwargs})
        if self.error is not None:
            raise self.error
        response = requests.Response()
        response.status_code = self.status
        body = self.answer if isinstance(self.answer, str) else json.dumps(self.answer)
        response._content = body.encode()
        return response


@pytest.fixture
def siteverify(monkeypatch: pytest.MonkeyPatch) -> FakeSiteVerify:
    fake = FakeSiteVerify()
    monkeypatch.setattr(requests, "post", fake)
    return fake


@pytest.fixture
def captcha(
    better_auth_settings: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
    siteverify: FakeSiteVerify,
) -> Callable[..., None]:
    """Install the plugin's request check and configure CAPTCHA."""
    monkeypatch.setattr(hooks, "_request_checks", [*hooks._request_checks])
    hooks.register_request_check(check_request)

    def configure(**cfg: Any) -> None:
        base = {"PROVIDER": "cloudflare-turnstile", "SECRET_KEY": "captcha-secret"}
        better_auth_settings(CAPTCHA={**base, **cfg})

    configure()
    return configure


def _sign_up(api: AuthClient, token: str | None = TOKEN, **headers: str) -> Any:
    if token is not None:
        headers["x-captcha-response"] = token
    return api.post("/sign-up/email", SIGN_UP, headers=headers)


# Path matching.


@pytest.mark.parametrize(
    ("entry", "path", "expected"),
    [
        ("/sign-in", "/sign-in", True),
        ("/sign-in", "/sign-in/email", False),
        ("/sign-in/email", "/sign-in/email", True),
        ("/sign-in/*", "/sign-in/email", True),
        ("/sign-in/*", "/sign-in/email-otp", True),
        ("/sign-in/*", "/sign-in", False),
        ("/sign-in/*", "/sign-in/a/b", False),
        ("/sign-in/**", "/sign-in", True),
        ("/sign-in/**", "/sign-in/email", True),
        ("/sign-in/**", "/sign-in/a/b", True),
        ("/sign-in/**", "/sign-inx", True),
        ("/sign-in/**", "/sign-in-x", True),
        ("/sign-in/**", "/sign-up/email", False),
    ],
)
def test_endpoint_entries_match_full_paths(
    entry: str, path: str, expected: bool
) -> None:
    """1.7: plain entries are exact; * is one segment; ** any depth (and /xy)."""
    assert is_protected(path, [entry]) is expected


def test_default_endpoints() -> None:
    for path in ("/sign-up/email", "/sign-in/email", "/request-password-reset"):
        assert is_protected(path, [])
    assert not is_protected("/sign-in/social", None)


def test_paths_are_normalised() -> None:
    assert normalize_path("//sign-in//email/") == "/sign-in/email"
    assert normalize_path("sign-in/email") == "/sign-in/email"
    assert normalize_path("/") == "/"


# Through the API.


def test_missing_token_is_400(api: AuthClient, captcha: Any, siteverify: Any) -> None:
    """No x-captcha-response header: 400 MISSING_RESPONSE, nothing verified."""
    r = _sign_up(api, None)
    assert r.status_code == 400
    assert r.json() == {
        "message": "Missing CAPTCHA response",
        "code": "MISSING_RESPONSE",
    }
    assert siteverify.calls == []
    assert not User.objects.exists()


def test_rejected_token_is_403(api: AuthClient, captcha: Any, siteverify: Any) -> None:
    siteverify.answer = {"success": False, "error-codes": ["invalid-input-response"]}
    r = _sign_up(api)
    assert r.status_code == 403
    assert r.json() == {
        "message": "Captcha verification failed",
        "code": "VERIFICATION_FAILED",
    }
    assert not User.objects.exists()


def test_accepted_token_reaches_the_endpoint(
    api: AuthClient, captcha: Any, siteverify: FakeSiteVerify
) -> None:
    """Turnstile gets a JSON body with secret, token and client IP, 10 s timeout."""
    r = _sign_up(api)
    assert r.status_code == 200, r.content
    assert siteverify.calls == [
        {
            "url": "https://challenges.cloudflare.com/turnstile/v0/siteverify",
            "timeout": 10,
            "json": {
                "secret": "captcha-secret",
                "response": TOKEN,
                "remoteip": "127.0.0.1",
            },
        }
    ]


@pytest.mark.parametrize(
    ("provider", "url", "fields"),
    [
        (
            "google-recaptcha",
            "https://www.google.com/recaptcha/api/siteverify",
            {"remoteip": "127.0.0.1"},
        ),
        (
            "hcaptcha",
            "https://api.hcaptcha.com/siteverify",
            {"sitekey": "site-key", "remoteip": "127.0.0.1"},
        ),
        (
            "captchafox",
            "https://api.captchafox.com/siteverify",
            {"sitekey": "site-key", "remoteIp": "127.0.0.1"},
        ),
    ],
)
def test_form_encoded_providers(
    api: AuthClient,
    captcha: Callable[..., None],
    siteverify: FakeSiteVerify,
    provider: str,
    url: str,
    fields: dict[str, str],
) -> None:
    """reCAPTCHA, hCaptcha and CaptchaFox take a form body, each with its fields."""
    captcha(PROVIDER=provider, SITE_KEY="site-key")
    assert _sign_up(api).status_code == 200
    (call,) = siteverify.calls
    assert call["url"] == url and call["timeout"] == 10
    assert call["data"] == {"secret": "captcha-secret", "response": TOKEN, **fields}


@pytest.mark.parametrize(
    ("score", "min_score", "status"),
    [(0.4, None, 403), (0.5, None, 200), (0.8, 0.9, 403), (0.95, 0.9, 200)],
)
def test_recaptcha_v3_score_must_reach_min_score(
    api: AuthClient,
    captcha: Callable[..., None],
    siteverify: FakeSiteVerify,
    score: float,
    min_score: float | None,
    status: int,
) -> None:
    """A v3 answer below MIN_SCORE (default 0.5) fails even with success true."""
    captcha(PROVIDER="google-recaptcha", MIN_SCORE=min_score)
    siteverify.answer = {"success": True, "score": score}
    assert _sign_up(api).status_code == status


@pytest.mark.parametrize(
    "failure",
    [
        {"error": requests.ConnectionError("down")},
        {"error": requests.Timeout("slow")},
        {"status": 502},
        {"answer": "<html>oops</html>"},
    ],
)
def test_provider_outage_is_500_and_fails_closed(
    api: AuthClient,
    captcha: Any,
    siteverify: FakeSiteVerify,
    failure: dict[str, Any],
) -> None:
    for name, value in failure.items():
        setattr(siteverify, name, value)
    r = _sign_up(api)
    assert r.status_code == 500
    assert r.json() == {"message": "Something went wrong", "code": "UNKNOWN_ERROR"}
    assert not User.objects.exists()


def test_missing_secret_key_is_500_before_the_header_check(
    api: AuthClient, captcha: Callable[..., None], siteverify: FakeSiteVerify
) -> None:
    """Better Auth checks its secret first: a misconfiguration never passes."""
    captcha(SECRET_KEY=None)
    assert _sign_up(api, None).status_code == 500
    assert _sign_up(api).status_code == 500
    assert siteverify.calls == []


def test_unprotected_paths_are_not_checked(
    api: AuthClient, captcha: Any, siteverify: FakeSiteVerify
) -> None:
    assert api.get("/get-session").status_code == 200
    assert api.post("/sign-out").status_code == 200
    assert siteverify.calls == []


def test_custom_endpoints_with_globs(
    api: AuthClient, captcha: Callable[..., None], siteverify: FakeSiteVerify
) -> None:
    """ENDPOINTS replaces the defaults; /sign-up/** also covers /sign-up itself."""
    captcha(ENDPOINTS=["/sign-up/**"])
    assert _sign_up(api, None).status_code == 400
    assert api.post("/sign-up").status_code == 400
    assert api.sign_in().status_code == 401  # /sign-in/email is no longer listed


def test_ipv6_client_address_is_sent_as_its_64_prefix(
    captcha: Any, siteverify: FakeSiteVerify, db: None
) -> None:
    client = Client(REMOTE_ADDR="2001:db8:1:2::7")
    r = client.post(
        BASE + "/sign-up/email",
        data=json.dumps(SIGN_UP),
        content_type="application/json",
        headers={"origin": ORIGIN, "x-captcha-response": TOKEN},
    )
    assert r.status_code == 200
    assert siteverify.calls[0]["json"]["remoteip"] == "2001:db8:1:2::"


class AllowListVerifier(CaptchaVerifier):
    """A custom verifier: accepts one fixed token, records the client IP."""

    seen: list[Any] = []

    def verify(self, token: str, remote_ip: str | None) -> bool:
        self.seen.append((token, remote_ip))
        return token == "letmein"


def test_custom_verifier_class_by_dotted_path(
    api: AuthClient, captcha: Callable[..., None], siteverify: FakeSiteVerify
) -> None:
    """VERIFIER names a CaptchaVerifier subclass; no provider call is made."""
    AllowListVerifier.seen = []
    captcha(
        PROVIDER=None,
        SECRET_KEY=None,
        VERIFIER="tests.better_auth.test_captcha.AllowListVerifier",
    )
    assert _sign_up(api, "nope").status_code == 403
    assert _sign_up(api, "letmein").status_code == 200
    assert AllowListVerifier.seen == [("nope", "127.0.0.1"), ("letmein", "127.0.0.1")]
    assert siteverify.calls == []


def test_custom_verifier_callable(
    api: AuthClient, captcha: Callable[..., None]
) -> None:
    captcha(VERIFIER=lambda token, remote_ip: token == TOKEN)
    assert _sign_up(api, "wrong").status_code == 403
    assert _sign_up(api).status_code == 200


def test_verifier_subclass_can_require_action_and_hostname(
    api: AuthClient, captcha: Callable[..., None], siteverify: FakeSiteVerify
) -> None:
    """expected_action / allowed_hostnames narrow what a provider answer proves."""

    class Strict(CloudflareTurnstileVerifier):
        expected_action = "signup"
        allowed_hostnames = ("app.example.test",)

    captcha(VERIFIER=Strict)
    siteverify.answer = {
        "success": True,
        "action": "login",
        "hostname": "app.example.test",
    }
    assert _sign_up(api).status_code == 403
    siteverify.answer = {"success": True, "action": "signup", "hostname": "evil.test"}
    assert _sign_up(api).status_code == 403
    siteverify.answer = {
        "success": True,
        "action": "signup",
        "hostname": "app.example.test",
    }
    assert _sign_up(api).status_code == 200


def test_success_must_be_true(
    api: AuthClient, captcha: Any, siteverify: FakeSiteVerify
) -> None:
    siteverify.answer = {"success": "false"}
    assert _sign_up(api).status_code == 403


def test_unconfigured_plugin_checks_nothing(
    api: AuthClient, captcha: Callable[..., None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Installed without PROVIDER or VERIFIER it passes requests; a check warns."""
    captcha(PROVIDER=None)
    assert _sign_up(api, None).status_code == 200
    monkeypatch.setattr(apps, "is_installed", lambda name: True)
    assert [m.id for m in check_captcha_settings()] == ["better_auth_captcha.W001"]
    captcha(PROVIDER="nope")
    assert [m.id for m in check_captcha_settings()] == ["better_auth_captcha.E002"]
    captcha(SECRET_KEY="")
    assert [m.id for m in check_captcha_settings()] == ["better_auth_captcha.E003"]
    captcha()
    assert check_captcha_settings() == []


def test_system_check_leaves_broken_settings_to_the_core_check(
    better_auth_settings: Callable[..., None], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(apps, "is_installed", lambda name: True)
    better_auth_settings(SESSION={"EXPIRE_IN": 5})
    assert check_captcha_settings() == []


def test_system_check_is_silent_when_not_installed(
    captcha: Callable[..., None],
) -> None:
    captcha(PROVIDER=None)
    if not apps.is_installed("better_auth.plugins.captcha"):
        assert check_captcha_settings() == []


def test_app_ready_registers_the_request_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hooks, "_request_checks", [])
    config = AppConfig.create("better_auth.plugins.captcha")
    assert config.label == "better_auth_captcha"
    config.ready()
    assert hooks.request_checks() == [check_request]


def test_tokens_and_secrets_never_reach_the_logs(
    api: AuthClient,
    captcha: Any,
    siteverify: FakeSiteVerify,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    siteverify.answer = {"success": False, "error-codes": ["timeout-or-duplicate"]}
    _sign_up(api)
    siteverify.error = requests.ConnectionError("down")
    _sign_up(api)
    _sign_up(api, None)
    assert caplog.records
    assert TOKEN not in caplog.text and "captcha-secret" not in caplog.text
