"""The BETTER_AUTH settings accessor: defaults, laziness, reloads, refusals."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from better_auth.conf import DEFAULTS, BetterAuthSettings, Section, auth_settings

ROOT = Path(__file__).resolve().parents[2]


def _with(**overrides: Any) -> dict[str, Any]:
    return {**django_settings.BETTER_AUTH, **overrides}


def test_defaults_are_exposed_as_nested_sections() -> None:
    """Unset keys read as Better Auth's defaults, with attribute access."""
    assert auth_settings.BASE_PATH == "/api/auth"
    assert auth_settings.SESSION.EXPIRES_IN == 7 * 24 * 60 * 60
    assert auth_settings.SESSION.UPDATE_AGE == 24 * 60 * 60
    assert auth_settings.SESSION.COOKIE_CACHE.MAX_AGE == 300
    assert auth_settings.EMAIL_AND_PASSWORD.MIN_PASSWORD_LENGTH == 8
    assert auth_settings.EMAIL_AND_PASSWORD.MAX_PASSWORD_LENGTH == 128
    assert auth_settings.COOKIE_PREFIX == "better-auth"
    assert isinstance(auth_settings.SESSION, Section)
    assert auth_settings.SESSION["FRESH_AGE"] == auth_settings.SESSION.FRESH_AGE
    assert set(auth_settings.HOOKS) == {"BEFORE", "AFTER"}


def test_secrets_lists_the_signing_secret_first() -> None:
    """secrets() is the current secret followed by the previous ones."""
    with override_settings(BETTER_AUTH=_with(PREVIOUS_SECRETS=["old-1", "old-2"])):
        assert auth_settings.secrets() == [
            django_settings.BETTER_AUTH["SECRET"],
            "old-1",
            "old-2",
        ]


def test_unknown_attribute_is_an_attribute_error() -> None:
    """Reading a key that does not exist names it."""
    with pytest.raises(AttributeError, match="SESSION.NOPE"):
        auth_settings.SESSION.NOPE  # noqa: B018
    with pytest.raises(AttributeError):
        auth_settings.NOPE  # noqa: B018


def test_nothing_is_read_at_import() -> None:
    """Importing the core modules never touches Django settings.

    Run in a fresh interpreter with no DJANGO_SETTINGS_MODULE: any settings
    read at import time would raise ImproperlyConfigured there.
    """
    code = (
        "import better_auth.conf, better_auth.hooks, better_auth.signals, "
        "better_auth.checks, better_auth.errors, better_auth.cookies, "
        "better_auth.hashers, better_auth.crypto\n"
        "from django.conf import settings\n"
        "assert not settings.configured\n"
        "print('ok')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_a_new_accessor_reads_nothing_until_first_access() -> None:
    """The accessor is built empty and loads on first attribute access."""
    fresh = BetterAuthSettings()
    assert fresh._root is None
    assert fresh.APP_NAME == "Better Auth"
    assert fresh._root is not None


def test_override_settings_reloads_the_accessor() -> None:
    """A setting_changed signal drops the cache, both ways."""
    assert auth_settings.APP_NAME == "Better Auth"
    with override_settings(BETTER_AUTH=_with(APP_NAME="Acme")):
        assert auth_settings.APP_NAME == "Acme"
    assert auth_settings.APP_NAME == "Better Auth"


def test_nested_sections_merge_with_their_defaults() -> None:
    """Setting one nested key keeps the section's other defaults."""
    with override_settings(BETTER_AUTH=_with(SESSION={"EXPIRES_IN": 60})):
        assert auth_settings.SESSION.EXPIRES_IN == 60
        assert auth_settings.SESSION.UPDATE_AGE == DEFAULTS["SESSION"]["UPDATE_AGE"]
        assert auth_settings.SESSION.COOKIE_CACHE.ENABLED is False


def test_unknown_top_level_key_is_refused_with_a_suggestion() -> None:
    """A misspelt key raises on the real (lazy) read path, naming the fix."""
    with override_settings(BETTER_AUTH=_with(TRUSTED_ORIGIN=["https://a.test"])):
        with pytest.raises(ImproperlyConfigured) as raised:
            auth_settings.APP_NAME  # noqa: B018
    message = str(raised.value)
    assert "'TRUSTED_ORIGIN'" in message
    assert "Did you mean TRUSTED_ORIGINS?" in message


def test_unknown_nested_key_is_refused_with_its_dotted_path() -> None:
    """SESSION.EXPIRE_IN is refused and SESSION.EXPIRES_IN suggested."""
    with override_settings(BETTER_AUTH=_with(SESSION={"EXPIRE_IN": 60})):
        with pytest.raises(ImproperlyConfigured) as raised:
            auth_settings.SESSION  # noqa: B018
    assert str(raised.value) == (
        "Unknown BETTER_AUTH setting 'SESSION.EXPIRE_IN'. "
        "Did you mean SESSION.EXPIRES_IN?"
    )


def test_unknown_deeply_nested_key_is_refused() -> None:
    """Three levels deep the dotted path is still complete."""
    config = _with(SESSION={"COOKIE_CACHE": {"MAXAGE": 5}})
    with override_settings(BETTER_AUTH=config):
        with pytest.raises(
            ImproperlyConfigured, match=r"SESSION\.COOKIE_CACHE\.MAXAGE"
        ):
            auth_settings.SESSION  # noqa: B018


def test_unknown_key_without_close_match_lists_the_valid_keys() -> None:
    """With no near spelling, the message lists what the section accepts."""
    with override_settings(BETTER_AUTH=_with(HOOKS={"ZZZ": []})):
        with pytest.raises(ImproperlyConfigured) as raised:
            auth_settings.HOOKS  # noqa: B018
    assert "Valid keys here: AFTER, BEFORE." in str(raised.value)


def test_refusal_repeats_until_the_settings_are_fixed() -> None:
    """A failed load is not cached as a success."""
    with override_settings(BETTER_AUTH=_with(SESION={})):
        for _ in range(2):
            with pytest.raises(ImproperlyConfigured):
                auth_settings.SESSION  # noqa: B018
    assert auth_settings.SESSION.EXPIRES_IN == DEFAULTS["SESSION"]["EXPIRES_IN"]


def test_removed_key_gets_its_own_message() -> None:
    """A key that existed once says what replaced it."""
    with override_settings(BETTER_AUTH=_with(FORGET_PASSWORD=lambda *a: None)):
        with pytest.raises(ImproperlyConfigured) as raised:
            auth_settings.APP_NAME  # noqa: B018
    assert str(raised.value) == (
        "BETTER_AUTH setting FORGET_PASSWORD was removed: "
        "use EMAIL_AND_PASSWORD.SEND_RESET_PASSWORD."
    )


def test_section_that_is_not_a_dict_is_refused() -> None:
    with override_settings(BETTER_AUTH=_with(SESSION=3600)):
        with pytest.raises(ImproperlyConfigured, match=r"BETTER_AUTH\.SESSION must"):
            auth_settings.SESSION  # noqa: B018


def test_optional_app_section_without_its_app_is_refused() -> None:
    """A section of an app that is not installed is named with the app."""
    from better_auth import conf

    saved = dict(conf._SECTIONS)
    conf._SECTIONS.pop("SCIM", None)
    try:
        with override_settings(BETTER_AUTH=_with(SCIM={})):
            with pytest.raises(ImproperlyConfigured, match="better_auth_scim"):
                auth_settings.APP_NAME  # noqa: B018
    finally:
        conf._SECTIONS.clear()
        conf._SECTIONS.update(saved)


def test_registered_section_is_merged() -> None:
    """An optional app's section reads with its defaults once registered."""
    from better_auth import conf

    saved = dict(conf._SECTIONS)
    try:
        conf.register_section("SCIM", "better_auth_scim", {"TOKEN_TTL": 10})
        with override_settings(BETTER_AUTH=_with(SCIM={"TOKEN_TTL": 20})):
            assert auth_settings.SCIM.TOKEN_TTL == 20
        assert auth_settings.SCIM.TOKEN_TTL == 10
    finally:
        conf._SECTIONS.clear()
        conf._SECTIONS.update(saved)
        auth_settings.reload()


def test_dotted_paths_resolve_to_callables() -> None:
    """Callable settings accept a dotted path or the callable itself."""
    from tests.better_auth.drf_app import hooks

    config = _with(
        USER={"VALIDATE_USER_INFO": "tests.better_auth.drf_app.hooks.allow_all"},
        HOOKS={
            "BEFORE": ["tests.better_auth.drf_app.hooks.block_sign_up"],
            "AFTER": [hooks.tag_get_session],
        },
    )
    with override_settings(BETTER_AUTH=config):
        assert auth_settings.USER.VALIDATE_USER_INFO is hooks.allow_all
        assert auth_settings.HOOKS.BEFORE == [hooks.block_sign_up]
        assert auth_settings.HOOKS.AFTER == [hooks.tag_get_session]
    assert callable(auth_settings.EMAIL_AND_PASSWORD.SEND_RESET_PASSWORD)


def test_dotted_path_that_does_not_import_names_the_setting() -> None:
    config = _with(USER={"VALIDATE_USER_INFO": "tests.nowhere.gate"})
    with override_settings(BETTER_AUTH=config):
        with pytest.raises(ImproperlyConfigured) as raised:
            auth_settings.USER  # noqa: B018
    assert "USER.VALIDATE_USER_INFO = 'tests.nowhere.gate' cannot be imported" in str(
        raised.value
    )


def test_dotted_path_to_a_non_callable_is_refused() -> None:
    config = _with(HOOKS={"BEFORE": ["tests.settings.SECRET_KEY"]})
    with override_settings(BETTER_AUTH=config):
        with pytest.raises(ImproperlyConfigured, match=r"HOOKS\.BEFORE\[0\].*callable"):
            auth_settings.HOOKS  # noqa: B018


def test_hook_list_given_as_one_string_is_refused() -> None:
    config = _with(HOOKS={"AFTER": "tests.better_auth.drf_app.hooks.tag_get_session"})
    with override_settings(BETTER_AUTH=config):
        with pytest.raises(ImproperlyConfigured, match=r"HOOKS\.AFTER must be a list"):
            auth_settings.HOOKS  # noqa: B018


def test_free_form_sections_take_any_key() -> None:
    """Cookie names and custom rate-limit paths are the project's choice."""
    config = _with(
        COOKIES={"session_token": {"NAME": "sid"}},
        RATE_LIMIT={"CUSTOM_RULES": {"/sign-in/email": {"WINDOW": 5, "MAX": 1}}},
    )
    with override_settings(BETTER_AUTH=config):
        assert auth_settings.COOKIES == {"session_token": {"NAME": "sid"}}
        assert "/sign-in/email" in auth_settings.RATE_LIMIT.CUSTOM_RULES


def test_base_url_falls_back_to_better_auth_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """BETTER_AUTH_URL is read as Better Auth reads it; the setting wins."""
    monkeypatch.setenv("BETTER_AUTH_URL", "https://env.example.test/")
    with override_settings(BETTER_AUTH=_with(BASE_URL=None)):
        assert auth_settings.BASE_URL == "https://env.example.test"
    with override_settings(BETTER_AUTH=_with(BASE_URL="https://set.example.test")):
        assert auth_settings.BASE_URL == "https://set.example.test"


def test_base_url_is_none_without_setting_or_env(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BETTER_AUTH_URL", raising=False)
    with override_settings(BETTER_AUTH=_with(BASE_URL=None)):
        assert auth_settings.BASE_URL is None


def test_base_path_is_normalised() -> None:
    with override_settings(BETTER_AUTH=_with(BASE_PATH="auth/")):
        assert auth_settings.BASE_PATH == "/auth"


def test_secret_falls_back_to_env_then_secret_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SECRET, then BETTER_AUTH_SECRET / AUTH_SECRET, then SECRET_KEY."""
    monkeypatch.delenv("AUTH_SECRET", raising=False)
    monkeypatch.setenv("BETTER_AUTH_SECRET", "e" * 40)
    with override_settings(BETTER_AUTH=_with(SECRET=None)):
        assert auth_settings.SECRET == "e" * 40
        assert auth_settings.secret_source() == "env"
    monkeypatch.delenv("BETTER_AUTH_SECRET")
    monkeypatch.setenv("AUTH_SECRET", "a" * 40)
    with override_settings(BETTER_AUTH=_with(SECRET=None)):
        assert auth_settings.SECRET == "a" * 40
    monkeypatch.delenv("AUTH_SECRET")
    with override_settings(BETTER_AUTH=_with(SECRET=None)):
        assert auth_settings.SECRET == django_settings.SECRET_KEY
        assert auth_settings.secret_source() == "SECRET_KEY"
    monkeypatch.setenv("BETTER_AUTH_SECRET", "e" * 40)
    with override_settings(BETTER_AUTH=_with(SECRET="s" * 40)):
        assert auth_settings.SECRET == "s" * 40
        assert auth_settings.secret_source() == "setting"


def test_secret_key_change_reloads_the_fallback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BETTER_AUTH_SECRET", raising=False)
    monkeypatch.delenv("AUTH_SECRET", raising=False)
    with override_settings(BETTER_AUTH=_with(SECRET=None)):
        with override_settings(SECRET_KEY="k" * 50):
            assert auth_settings.SECRET == "k" * 50


def test_trusted_origins_env_is_appended(monkeypatch: pytest.MonkeyPatch) -> None:
    """BETTER_AUTH_TRUSTED_ORIGINS is a comma-separated list added to the setting."""
    monkeypatch.setenv(
        "BETTER_AUTH_TRUSTED_ORIGINS", "https://a.example.test, https://*.b.test,,"
    )
    config = _with(TRUSTED_ORIGINS=["https://set.example.test"])
    with override_settings(BETTER_AUTH=config):
        assert auth_settings.TRUSTED_ORIGINS == [
            "https://set.example.test",
            "https://a.example.test",
            "https://*.b.test",
        ]


def test_rate_limit_enabled_defaults_to_not_debug() -> None:
    """ENABLED=None means on in production (DEBUG off), off under DEBUG."""
    config = _with(RATE_LIMIT={"ENABLED": None})
    with override_settings(BETTER_AUTH=config, DEBUG=False):
        assert auth_settings.rate_limit_enabled is True
    with override_settings(BETTER_AUTH=config, DEBUG=True):
        assert auth_settings.rate_limit_enabled is False
    with override_settings(BETTER_AUTH=_with(RATE_LIMIT={"ENABLED": True}), DEBUG=True):
        assert auth_settings.rate_limit_enabled is True


def test_sections_survive_copy() -> None:
    """Sections can be copied (as debuggers and caches do) without recursing."""
    import copy
    import pickle

    section = auth_settings.SESSION
    assert copy.deepcopy(section)["EXPIRES_IN"] == section.EXPIRES_IN
    assert pickle.loads(pickle.dumps(section)).EXPIRES_IN == section.EXPIRES_IN


def test_optional_app_sections_are_accepted_when_the_app_is_installed(
    better_auth_settings,
) -> None:
    """Each optional app registers its section, so an empty one is valid."""
    from better_auth.conf import auth_settings

    better_auth_settings(SSO={}, SCIM={}, OAUTH_PROVIDER={}, I18N={})
    assert dict(auth_settings.SSO) == {}
