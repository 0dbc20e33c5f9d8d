"""System checks of the core app: ids, messages and hints."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

OUR = "better_auth.middleware.BetterAuthMiddleware"
DJANGO_AUTH = "django.contrib.auth.middleware.AuthenticationMiddleware"


def _with(**overrides: Any) -> dict[str, Any]:
    return {**django_settings.BETTER_AUTH, **overrides}


def _ours() -> list[checks.CheckMessage]:
    return [m for m in checks.run_checks() if (m.id or "").startswith("better_auth.")]


def _ids() -> list[str]:
    return [m.id for m in _ours()]


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BETTER_AUTH_SECRET", "AUTH_SECRET", "BETTER_AUTH_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("BETTER_AUTH_TRUSTED_ORIGINS", raising=False)


def test_test_settings_pass_every_check() -> None:
    """A correct configuration yields no message at all."""
    assert _ours() == []


def test_every_message_has_an_id_and_a_hint() -> None:
    """Each problem found names a stable id and says how to fix it."""
    config = _with(
        SECRET="short",
        BASE_URL="app.example.test",
        TRUSTED_ORIGINS=["https://app.example.test/"],
        DEFAULT_COOKIE_ATTRIBUTES={"sameSite": "none"},
        RATE_LIMIT={"STORAGE": "redis"},
    )
    with override_settings(BETTER_AUTH=config):
        found = _ours()
    assert {m.id for m in found} == {
        "better_auth.E001",
        "better_auth.E002",
        "better_auth.E003",
        "better_auth.E004",
        "better_auth.E005",
    }
    assert all(m.hint for m in found)


def test_e000_bad_settings_through_the_check_command() -> None:
    """manage.py check fails on an unknown key, naming the key and the fix."""
    with override_settings(BETTER_AUTH=_with(SESSION={"EXPIRE_IN": 5})):
        with pytest.raises(SystemCheckError) as raised:
            call_command("check", stdout=StringIO(), stderr=StringIO())
        found = _ours()
    text = str(raised.value)
    assert "better_auth.E000" in text
    assert "SESSION.EXPIRE_IN" in text and "SESSION.EXPIRES_IN" in text
    assert [m.id for m in found] == ["better_auth.E000"]
    assert found[0].hint


def test_w001_no_secret_falls_back_to_secret_key() -> None:
    """Without SECRET or BETTER_AUTH_SECRET, SECRET_KEY signs: warn."""
    with override_settings(BETTER_AUTH=_with(SECRET=None)):
        found = _ours()
    assert [m.id for m in found] == ["better_auth.W001"]
    assert isinstance(found[0], checks.Warning)
    assert "SECRET_KEY" in found[0].msg


def test_w001_silent_when_the_secret_comes_from_the_env(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BETTER_AUTH_SECRET", "x" * 48)
    with override_settings(BETTER_AUTH=_with(SECRET=None)):
        assert _ids() == []


def test_check_command_passes_with_only_warnings() -> None:
    """Warnings are printed, not fatal."""
    out = StringIO()
    with override_settings(BETTER_AUTH=_with(SECRET=None)):
        call_command("check", stdout=out, stderr=out)
    assert "better_auth.W001" in out.getvalue()


def test_e001_short_secret() -> None:
    with override_settings(BETTER_AUTH=_with(SECRET="too-short")):
        found = _ours()
    assert [m.id for m in found] == ["better_auth.E001"]
    assert "9 characters" in found[0].msg


def test_e001_short_secret_key_fallback() -> None:
    """A short SECRET_KEY used as the secret is both W001 and E001."""
    with override_settings(BETTER_AUTH=_with(SECRET=None), SECRET_KEY="k" * 20):
        assert _ids() == ["better_auth.W001", "better_auth.E001"]


def test_w002_no_base_url() -> None:
    with override_settings(BETTER_AUTH=_with(BASE_URL=None)):
        found = _ours()
    assert [m.id for m in found] == ["better_auth.W002"]
    assert "Host header" in found[0].msg


@pytest.mark.parametrize(
    "base_url",
    [
        "app.example.test",
        "ftp://app.example.test",
        "https://app.example.test/api",
        "https://app.example.test?x=1",
        "https://user:pw@app.example.test",
        "https://app.example.test:99999",
        "https://",
    ],
)
def test_e002_malformed_base_url(base_url: str) -> None:
    with override_settings(BETTER_AUTH=_with(BASE_URL=base_url)):
        found = _ours()
    assert [m.id for m in found] == ["better_auth.E002"]
    assert repr(base_url.rstrip("/")) in found[0].msg


@pytest.mark.parametrize(
    "base_url", ["https://app.example.test", "http://localhost:3000/"]
)
def test_e002_accepts_an_origin(base_url: str) -> None:
    with override_settings(BETTER_AUTH=_with(BASE_URL=base_url)):
        assert _ids() == []


@pytest.mark.parametrize(
    "pattern",
    [
        "https://app.example.test/",
        "https://app.example.test/callback",
        "app.example.test",
        "/dashboard",
        "",
        "https://App.Example.test",
    ],
)
def test_e003_malformed_trusted_origin(pattern: str) -> None:
    """Entries that can never match are reported with the validator's reason."""
    from better_auth.security.origins import validate_origin_pattern

    with override_settings(BETTER_AUTH=_with(TRUSTED_ORIGINS=[pattern])):
        found = _ours()
    assert [m.id for m in found] == ["better_auth.E003"]
    assert validate_origin_pattern(pattern) in found[0].msg


def test_e003_valid_patterns_pass() -> None:
    config = _with(
        TRUSTED_ORIGINS=[
            "https://app.example.test",
            "https://*.example.test",
            "*.example.test",
            "myapp://",
        ]
    )
    with override_settings(BETTER_AUTH=config):
        assert _ids() == []


def test_e003_env_trusted_origins_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BETTER_AUTH_TRUSTED_ORIGINS", "https://ok.test,bad.test")
    assert _ids() == ["better_auth.E003"]


def test_e004_same_site_none_on_http_is_an_error() -> None:
    """Case 60d: SameSite=None on a non-localhost http base URL is refused."""
    config = _with(
        BASE_URL="http://app.example.test",
        DEFAULT_COOKIE_ATTRIBUTES={"sameSite": "none"},
    )
    with override_settings(BETTER_AUTH=config):
        found = _ours()
    assert [m.id for m in found] == ["better_auth.E004"]
    assert "SameSite=None" in found[0].msg


def test_e004_same_site_none_on_https_is_fine() -> None:
    """Case 60c: on https the cookie is Secure, so SameSite=None is allowed."""
    config = _with(
        BASE_URL="https://app.example.test",
        DEFAULT_COOKIE_ATTRIBUTES={"sameSite": "none"},
    )
    with override_settings(BETTER_AUTH=config):
        assert _ids() == []


def test_e004_per_cookie_override_is_checked() -> None:
    config = _with(COOKIES={"session_token": {"ATTRIBUTES": {"same_site": "None"}}})
    with override_settings(BETTER_AUTH=config):
        found = _ours()
    assert [m.id for m in found] == ["better_auth.E004"]
    assert "COOKIES['session_token']" in found[0].msg


def test_e004_explicit_secure_false_on_https_is_caught() -> None:
    """An override that removes Secure counts, even under an https base URL."""
    config = _with(
        BASE_URL="https://app.example.test",
        DEFAULT_COOKIE_ATTRIBUTES={"sameSite": "none", "secure": False},
    )
    with override_settings(BETTER_AUTH=config):
        assert _ids() == ["better_auth.E004"]


def test_e004_use_secure_cookies_satisfies_the_check() -> None:
    config = _with(
        USE_SECURE_COOKIES=True, DEFAULT_COOKIE_ATTRIBUTES={"sameSite": "none"}
    )
    with override_settings(BETTER_AUTH=config):
        assert _ids() == []


def test_e005_unknown_rate_limit_storage() -> None:
    with override_settings(BETTER_AUTH=_with(RATE_LIMIT={"STORAGE": "redis"})):
        found = _ours()
    assert [m.id for m in found] == ["better_auth.E005"]
    assert "'redis'" in found[0].msg


def _broken_redis() -> dict[str, Any]:
    return {
        **django_settings.CACHES,
        "broken": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            # Port 1 on loopback: nothing listens, the connection is refused.
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }


def test_e006_unreachable_rate_limit_cache() -> None:
    """A Redis alias on a closed port is reported before traffic arrives."""
    from django.core.cache import caches

    config = _with(
        RATE_LIMIT={"ENABLED": True, "STORAGE": "cache", "CACHE_ALIAS": "broken"}
    )
    with override_settings(BETTER_AUTH=config, CACHES=_broken_redis()):
        found = _ours()
        caches["broken"].close()
    assert [m.id for m in found] == ["better_auth.E006"]
    assert "'broken'" in found[0].msg and "ConnectionError" in found[0].msg


def test_e006_unknown_cache_alias() -> None:
    config = _with(
        RATE_LIMIT={"ENABLED": True, "STORAGE": "cache", "CACHE_ALIAS": "nope"}
    )
    with override_settings(BETTER_AUTH=config):
        assert _ids() == ["better_auth.E006"]


def test_e006_secondary_storage_alias_is_used() -> None:
    """Without CACHE_ALIAS the rate limiter uses SECONDARY_STORAGE."""
    config = _with(
        SECONDARY_STORAGE="broken",
        RATE_LIMIT={"ENABLED": True, "STORAGE": "cache"},
    )
    with override_settings(BETTER_AUTH=config, CACHES=_broken_redis()):
        found = _ours()
    assert [m.id for m in found] == ["better_auth.E006"]


def test_e006_reachable_cache_passes() -> None:
    config = _with(RATE_LIMIT={"ENABLED": True, "STORAGE": "cache"})
    with override_settings(BETTER_AUTH=config):
        assert _ids() == []


def test_e006_not_checked_while_rate_limiting_is_off() -> None:
    config = _with(
        RATE_LIMIT={"ENABLED": False, "STORAGE": "cache", "CACHE_ALIAS": "nope"}
    )
    with override_settings(BETTER_AUTH=config):
        assert _ids() == []


def test_e007_middleware_before_django_authentication() -> None:
    """Django's middleware would overwrite request.user set before it."""
    middleware = [m for m in django_settings.MIDDLEWARE if m != OUR]
    middleware.insert(middleware.index(DJANGO_AUTH), OUR)
    with override_settings(MIDDLEWARE=middleware):
        found = _ours()
    assert [m.id for m in found] == ["better_auth.E007"]
    assert OUR in found[0].hint


def test_e007_silent_without_the_middleware() -> None:
    middleware = [m for m in django_settings.MIDDLEWARE if m != OUR]
    with override_settings(MIDDLEWARE=middleware):
        assert _ids() == []


def test_w003_other_user_model() -> None:
    """A project on another user model is warned that the API ignores it."""
    # Only the security-tagged checks: Django's model checks cannot run on a
    # user model swapped under override_settings.
    with override_settings(AUTH_USER_MODEL="auth.User"):
        found = checks.run_checks(tags=[checks.Tags.security])
    found = [m for m in found if m.id == "better_auth.W003"]
    assert len(found) == 1 and "better_auth.User" in found[0].hint


def test_checks_can_be_silenced_by_id() -> None:
    """Projects silence a check with its stable id."""
    with override_settings(
        BETTER_AUTH=_with(BASE_URL=None),
        SILENCED_SYSTEM_CHECKS=["better_auth.W002"],
    ):
        call_command("check", stdout=StringIO())
        assert [m for m in _ours() if not m.is_silenced()] == []
