"""The ``settings.BETTER_AUTH`` namespace, read through one accessor.

A project sets one dict. Core keys sit at the top level; each optional app owns
one section (``OAUTH_PROVIDER``, ``SSO``, ``SCIM``, ``I18N``) and registers its
defaults with :func:`register_section` from its ``AppConfig.ready()``. Values
are read lazily, cached, and re-read when ``setting_changed`` fires, so tests
using ``override_settings`` see their values. Unknown keys are refused with a
message naming the key and its nearest valid spelling, because a typo in an
auth setting silently keeps an insecure default.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterator, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

__all__ = ["DEFAULTS", "Section", "auth_settings", "register_section"]

DAY = 24 * 60 * 60

DEFAULTS: dict[str, Any] = {
    # Signing secret for cookies, tokens and encryption at rest. Falls back to
    # the BETTER_AUTH_SECRET / AUTH_SECRET environment variables, then to
    # Django's SECRET_KEY (a system check warns about the last one).
    "SECRET": None,
    # Older secrets still accepted when verifying (rotation); never used to sign.
    "PREVIOUS_SECRETS": [],
    # Public base URL of the auth server, e.g. "https://app.example.com". Falls
    # back to the BETTER_AUTH_URL environment variable, as Better Auth does.
    "BASE_URL": None,
    "BASE_PATH": "/api/auth",
    "APP_NAME": "Better Auth",
    "TRUSTED_ORIGINS": [],
    "TRUSTED_PROXY_HEADERS": False,
    "TRUSTED_PROXIES": [],
    "IP_ADDRESS_HEADERS": ["x-forwarded-for"],
    "IPV6_SUBNET": 64,
    "DISABLE_IP_TRACKING": False,
    "DISABLE_CSRF_CHECK": False,
    "DISABLE_ORIGIN_CHECK": False,
    "DISABLED_PATHS": [],
    "SECONDARY_STORAGE": None,
    "COOKIE_PREFIX": "better-auth",
    "USE_SECURE_COOKIES": None,
    "DEFAULT_COOKIE_ATTRIBUTES": {},
    "COOKIES": {},
    "CROSS_SUBDOMAIN_COOKIES": {"ENABLED": False, "DOMAIN": None},
    "SESSION": {
        "EXPIRES_IN": 7 * DAY,
        "UPDATE_AGE": DAY,
        "FRESH_AGE": DAY,
        "DISABLE_SESSION_REFRESH": False,
        "DEFER_SESSION_REFRESH": False,
        # "database" (default) or "cache": keep sessions in SECONDARY_STORAGE.
        "STORAGE": "database",
        "COOKIE_CACHE": {
            "ENABLED": False,
            "MAX_AGE": 300,
            "STRATEGY": "compact",
            "VERSION": "1",
        },
    },
    "EMAIL_AND_PASSWORD": {
        "ENABLED": True,
        "DISABLE_SIGN_UP": False,
        "MIN_PASSWORD_LENGTH": 8,
        "MAX_PASSWORD_LENGTH": 128,
        "AUTO_SIGN_IN": True,
        "REQUIRE_EMAIL_VERIFICATION": False,
        "RESET_PASSWORD_TOKEN_EXPIRES_IN": 3600,
        "REVOKE_SESSIONS_ON_PASSWORD_RESET": False,
        # Callable (or dotted path) taking (user, url, token); None disables
        # password reset as Better Auth does without sendResetPassword.
        "SEND_RESET_PASSWORD": "better_auth.mail.send_reset_password",
    },
    "EMAIL_VERIFICATION": {
        "SEND_ON_SIGN_UP": None,
        "SEND_ON_SIGN_IN": False,
        "AUTO_SIGN_IN_AFTER_VERIFICATION": False,
        "EXPIRES_IN": 3600,
        "SEND_VERIFICATION_EMAIL": "better_auth.mail.send_verification_email",
    },
    "USER": {
        "CHANGE_EMAIL": {
            "ENABLED": False,
            "UPDATE_EMAIL_WITHOUT_VERIFICATION": False,
            "SEND_CHANGE_EMAIL_CONFIRMATION": None,
        },
        "DELETE_USER": {
            "ENABLED": False,
            "DELETE_TOKEN_EXPIRES_IN": DAY,
            "SEND_DELETE_ACCOUNT_VERIFICATION": None,
        },
        # Callable (or dotted path): validate_user_info(user_info, source) may
        # return {"error": ..., "error_description": ...} to refuse an identity.
        "VALIDATE_USER_INFO": None,
    },
    "RATE_LIMIT": {
        # None means "on unless DEBUG", the Django reading of Better Auth's
        # "enabled in production".
        "ENABLED": None,
        "WINDOW": 10,
        "MAX": 100,
        # "memory", "database" or "cache" (SECONDARY_STORAGE / CACHE_ALIAS).
        "STORAGE": "database",
        "CACHE_ALIAS": None,
        "CUSTOM_RULES": {},
    },
    "CAPTCHA": {
        "PROVIDER": None,
        "SECRET_KEY": None,
        "ENDPOINTS": ["/sign-up/email", "/sign-in/email", "/request-password-reset"],
        "MIN_SCORE": 0.5,
        "SITE_KEY": None,
        "VERIFIER": None,
    },
    "HOOKS": {"BEFORE": [], "AFTER": []},
    "EMAIL": {"FROM": None, "USE_CELERY": None},
    "OUTBOUND": {
        "ALLOW_HOSTS": [],
        "ALLOW_LOOPBACK": False,
        "TIMEOUT": 10,
        "MAX_BYTES": 1024 * 1024,
    },
}

# Keys whose string value is a dotted path to a callable.
IMPORT_STRINGS = {
    "EMAIL_AND_PASSWORD.SEND_RESET_PASSWORD",
    "EMAIL_VERIFICATION.SEND_VERIFICATION_EMAIL",
    "USER.CHANGE_EMAIL.SEND_CHANGE_EMAIL_CONFIRMATION",
    "USER.DELETE_USER.SEND_DELETE_ACCOUNT_VERIFICATION",
    "USER.VALIDATE_USER_INFO",
    "CAPTCHA.VERIFIER",
}
# Keys whose value is a list of dotted paths.
IMPORT_STRING_LISTS = {"HOOKS.BEFORE", "HOOKS.AFTER"}
# Sections whose own keys are free-form (user-chosen names).
FREE_FORM = {"COOKIES", "DEFAULT_COOKIE_ATTRIBUTES", "RATE_LIMIT.CUSTOM_RULES"}

REMOVED: dict[str, str] = {
    "SET_PASSWORD": "set-password is server-only in Better Auth 1.7.",
    "FORGET_PASSWORD": "use EMAIL_AND_PASSWORD.SEND_RESET_PASSWORD.",
}

_SECTIONS: dict[str, tuple[str, dict[str, Any]]] = {}


def register_section(name: str, app_label: str, defaults: dict[str, Any]) -> None:
    """Declare an optional app's section; called from its ``ready()``."""
    _SECTIONS[name] = (app_label, defaults)
    auth_settings.reload()


class Section(Mapping[str, Any]):
    """A read-only settings section with attribute access (``s.SESSION.EXPIRES_IN``)."""

    __slots__ = ("_data", "_path")

    def __init__(self, data: dict[str, Any], path: str) -> None:
        self._data = data
        self._path = path

    def __getattr__(self, name: str) -> Any:
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(f"BETTER_AUTH has no setting {self._path}{name}") from None

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"Section({self._path.rstrip('.') or 'BETTER_AUTH'})"


def _merge(
    defaults: dict[str, Any], user: Mapping[str, Any], path: str
) -> dict[str, Any]:
    if not isinstance(user, Mapping):
        raise ImproperlyConfigured(
            f"BETTER_AUTH{'.' + path.rstrip('.') if path else ''} must be a dict."
        )
    merged: dict[str, Any] = {}
    for key, value in user.items():
        if key not in defaults:
            where = f"{path}{key}"
            if where in REMOVED:
                raise ImproperlyConfigured(
                    f"BETTER_AUTH setting {where} was removed: {REMOVED[where]}"
                )
            close = difflib.get_close_matches(key, list(defaults), n=1)
            hint = f" Did you mean {path}{close[0]}?" if close else ""
            raise ImproperlyConfigured(f"Unknown BETTER_AUTH setting {where!r}.{hint}")
    for key, default in defaults.items():
        dotted = f"{path}{key}"
        value = user.get(key, default)
        if dotted in FREE_FORM:
            merged[key] = dict(value or {})
        elif isinstance(default, dict):
            merged[key] = Section(_merge(default, value or {}, dotted + "."), dotted + ".")
        elif dotted in IMPORT_STRINGS and isinstance(value, str):
            merged[key] = import_string(value)
        elif dotted in IMPORT_STRING_LISTS:
            merged[key] = [import_string(v) if isinstance(v, str) else v for v in value]
        else:
            merged[key] = value
    return merged


class BetterAuthSettings:
    """Lazy, cached view of ``settings.BETTER_AUTH`` merged with DEFAULTS."""

    def __init__(self) -> None:
        self._root: Section | None = None

    def _load(self) -> Section:
        user = dict(getattr(settings, "BETTER_AUTH", None) or {})
        defaults = dict(DEFAULTS)
        for name, (app_label, section_defaults) in _SECTIONS.items():
            defaults[name] = section_defaults
        for name in list(user):
            if name not in defaults and name in {"OAUTH_PROVIDER", "SSO", "SCIM", "I18N"}:
                raise ImproperlyConfigured(
                    f"BETTER_AUTH[{name!r}] is set but its app is not in INSTALLED_APPS."
                )
        data = _merge(defaults, user, "")
        if not data["SECRET"]:
            data["SECRET"] = (
                os.environ.get("BETTER_AUTH_SECRET")
                or os.environ.get("AUTH_SECRET")
                or settings.SECRET_KEY
            )
        if not data["BASE_URL"]:
            data["BASE_URL"] = os.environ.get("BETTER_AUTH_URL") or None
        if data["BASE_URL"]:
            data["BASE_URL"] = data["BASE_URL"].rstrip("/")
        data["BASE_PATH"] = "/" + str(data["BASE_PATH"]).strip("/")
        env_origins = os.environ.get("BETTER_AUTH_TRUSTED_ORIGINS", "")
        data["TRUSTED_ORIGINS"] = list(data["TRUSTED_ORIGINS"]) + [
            o.strip() for o in env_origins.split(",") if o.strip()
        ]
        return Section(data, "")

    @property
    def root(self) -> Section:
        root = self._root
        if root is None:
            root = self._root = self._load()
        return root

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.root, name)

    def secrets(self) -> list[str]:
        """All secrets that verify, the signing one first."""
        return [self.root.SECRET, *self.root.PREVIOUS_SECRETS]

    @property
    def rate_limit_enabled(self) -> bool:
        enabled = self.root.RATE_LIMIT.ENABLED
        return (not settings.DEBUG) if enabled is None else bool(enabled)

    def reload(self) -> None:
        self._root = None


auth_settings = BetterAuthSettings()


def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in {"BETTER_AUTH", "SECRET_KEY", "DEBUG"}:
        auth_settings.reload()
        from . import cookies

        cookies.reset_cache()


setting_changed.connect(_on_setting_changed)
