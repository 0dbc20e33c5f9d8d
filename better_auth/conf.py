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
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

__all__ = [
    "DEFAULTS",
    "Section",
    "auth_settings",
    "register_section",
    "section_callable",
]

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
    # Built-in external providers by id ("google", "github", "microsoft",
    # "apple", "cognito", "discord", "gitlab", "facebook", "linkedin",
    # "slack", "twitch", "twitter", "zoom"), each a dict of upper-case
    # options (CLIENT_ID, CLIENT_SECRET, SCOPES, ...; docs/social-login.md).
    "SOCIAL_PROVIDERS": {},
    # Generic OAuth 2.0 / OpenID Connect providers: a list of dicts, each with
    # PROVIDER_ID and a DISCOVERY_URL or explicit AUTHORIZATION_URL/TOKEN_URL.
    "GENERIC_OAUTH": [],
    "ACCOUNT": {
        "ACCOUNT_LINKING": {
            "ENABLED": True,
            # Provider ids whose email claims are trusted as verified.
            "TRUSTED_PROVIDERS": [],
            "ALLOW_DIFFERENT_EMAILS": False,
            # Implicit linking also needs the local email verified (no
            # pre-hijack of an account someone registered with a victim's
            # address).
            "REQUIRE_LOCAL_EMAIL_VERIFIED": True,
            "DISABLE_IMPLICIT_LINKING": False,
            "ALLOW_UNLINKING_ALL": False,
            "UPDATE_USER_INFO_ON_LINK": False,
        },
        # Store fresh provider tokens on every sign-in.
        "UPDATE_ACCOUNT_ON_SIGN_IN": True,
        # Skip the signed state cookie binding on OAuth callbacks (not
        # recommended: the cookie ties the callback to the starting browser).
        "SKIP_STATE_COOKIE_CHECK": False,
    },
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
# Keys whose value is a list of dotted paths (or callables).
IMPORT_STRING_LISTS = {"HOOKS.BEFORE", "HOOKS.AFTER"}
# Sections whose own keys are free-form (user-chosen names).
FREE_FORM = {
    "COOKIES",
    "DEFAULT_COOKIE_ATTRIBUTES",
    "RATE_LIMIT.CUSTOM_RULES",
    "SOCIAL_PROVIDERS",
}

REMOVED: dict[str, str] = {
    "SET_PASSWORD": "set-password is server-only in Better Auth 1.7.",
    "FORGET_PASSWORD": "use EMAIL_AND_PASSWORD.SEND_RESET_PASSWORD.",
}

# Sections owned by optional apps, which register them from ready().
OPTIONAL_SECTIONS = {
    "OAUTH_PROVIDER": "better_auth_oauth_provider",
    "SSO": "better_auth_sso",
    "SCIM": "better_auth_scim",
    "I18N": "better_auth_i18n",
}

_SECTIONS: dict[str, tuple[str, dict[str, Any]]] = {}


def register_section(name: str, app_label: str, defaults: dict[str, Any]) -> None:
    """Declare an optional app's section; called from its ``ready()``."""
    _SECTIONS[name] = (app_label, defaults)
    auth_settings.reload()


def _attribute_names(data: Mapping[str, Any], owner: type) -> dict[str, Any]:
    """The entries of ``data`` that can be plain attributes of an ``owner``.

    Settings are read on every request (``auth_settings.SESSION.EXPIRES_IN``);
    keeping them in the instance ``__dict__`` lets Python find them without
    calling ``__getattr__``, which then only runs for unknown names. Names of
    the class's own attributes and private names are left out.
    """
    return {
        key: value
        for key, value in data.items()
        if isinstance(key, str) and not key.startswith("_") and not hasattr(owner, key)
    }


class Section(Mapping[str, Any]):
    """A read-only settings section with attribute access (``s.SESSION.EXPIRES_IN``)."""

    __slots__ = ("__dict__", "_data", "_path")

    def __init__(self, data: dict[str, Any], path: str) -> None:
        self._data = data
        self._path = path
        self.__dict__.update(_attribute_names(data, Section))

    def __getattr__(self, name: str) -> Any:
        # Private and dunder names are never settings; answering them here
        # would recurse while copy/pickle probe a half-built instance.
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(
                f"BETTER_AUTH has no setting {self._path}{name}"
            ) from None

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"Section({self._path.rstrip('.') or 'BETTER_AUTH'})"


def _unknown_key(key: str, defaults: Mapping[str, Any], path: str) -> str:
    """Describe an unknown key with its nearest valid spelling.

    A misspelt auth setting silently keeps its default, often the insecure
    one, so the message must point at the intended key.
    """
    where = f"{path}{key}"
    if where in REMOVED:
        return f"BETTER_AUTH setting {where} was removed: {REMOVED[where]}"
    close = difflib.get_close_matches(str(key), [str(k) for k in defaults], n=1)
    if close:
        hint = f" Did you mean {path}{close[0]}?"
    else:
        hint = f" Valid keys here: {', '.join(sorted(defaults))}."
    return f"Unknown BETTER_AUTH setting {where!r}.{hint}"


def _import(value: Any, where: str) -> Any:
    """Resolve a dotted path to a callable, naming the setting on failure."""
    if not isinstance(value, str):
        return value
    try:
        imported = import_string(value)
    except ImportError as error:
        raise ImproperlyConfigured(
            f"BETTER_AUTH setting {where} = {value!r} cannot be imported: {error}"
        ) from error
    if not callable(imported):
        raise ImproperlyConfigured(
            f"BETTER_AUTH setting {where} = {value!r} is not callable."
        )
    return imported


def section_callable(section: str, name: str) -> Callable[..., Any] | None:
    """A plugin section's callable setting (the callable or its dotted path),
    imported; None when unset. Sections registered with
    :func:`register_section` are not resolved at load, as core ones are."""
    value = getattr(auth_settings, section)[name]
    if value is None:
        return None
    return _import(value, f"{section}.{name}")


def _merge(
    defaults: dict[str, Any], user: Mapping[str, Any], path: str
) -> dict[str, Any]:
    if not isinstance(user, Mapping):
        where = path.rstrip(".")
        raise ImproperlyConfigured(
            f"BETTER_AUTH{'.' + where if where else ''} must be a dict."
        )
    for key in user:
        if key not in defaults:
            raise ImproperlyConfigured(_unknown_key(key, defaults, path))
    merged: dict[str, Any] = {}
    for key, default in defaults.items():
        dotted = f"{path}{key}"
        value = user.get(key, default)
        if dotted in FREE_FORM:
            if value is not None and not isinstance(value, Mapping):
                raise ImproperlyConfigured(f"BETTER_AUTH.{dotted} must be a dict.")
            merged[key] = dict(value or {})
        elif isinstance(default, dict):
            merged[key] = Section(
                _merge(default, value or {}, dotted + "."), dotted + "."
            )
        elif dotted in IMPORT_STRINGS:
            merged[key] = _import(value, dotted)
        elif dotted in IMPORT_STRING_LISTS:
            if isinstance(value, (str, bytes)) or not isinstance(
                value or [], (list, tuple)
            ):
                raise ImproperlyConfigured(f"BETTER_AUTH.{dotted} must be a list.")
            merged[key] = [
                _import(v, f"{dotted}[{i}]") for i, v in enumerate(value or [])
            ]
        else:
            merged[key] = value
    return merged


def _base_url(configured: Any) -> str | None:
    """The configured base URL, else ``BETTER_AUTH_URL`` as Better Auth reads."""
    value = configured or os.environ.get("BETTER_AUTH_URL") or None
    if value is None:
        return None
    if not isinstance(value, str):
        raise ImproperlyConfigured("BETTER_AUTH.BASE_URL must be a string.")
    return value.rstrip("/")


class BetterAuthSettings:
    """Lazy, cached view of ``settings.BETTER_AUTH`` merged with DEFAULTS.

    Nothing is read until the first attribute access, so importing any
    module of the suite never touches Django settings; the cache is dropped
    on ``setting_changed`` and the next access re-reads and re-validates.
    """

    def __init__(self) -> None:
        self._root: Section | None = None
        self._secret_source = "setting"
        self._attributes: tuple[str, ...] = ()

    def _load(self) -> Section:
        user = dict(getattr(settings, "BETTER_AUTH", None) or {})
        defaults = dict(DEFAULTS)
        for name, (_app_label, section_defaults) in _SECTIONS.items():
            defaults[name] = section_defaults
        for name in user:
            if name not in defaults and name in OPTIONAL_SECTIONS:
                raise ImproperlyConfigured(
                    f"BETTER_AUTH[{name!r}] is set but its app "
                    f"{OPTIONAL_SECTIONS[name]!r} is not in INSTALLED_APPS."
                )
        data = _merge(defaults, user, "")

        source = "setting"
        if not data["SECRET"]:
            env_secret = os.environ.get("BETTER_AUTH_SECRET") or os.environ.get(
                "AUTH_SECRET"
            )
            source = "env" if env_secret else "SECRET_KEY"
            data["SECRET"] = env_secret or settings.SECRET_KEY
        data["BASE_URL"] = _base_url(data["BASE_URL"])
        data["BASE_PATH"] = "/" + str(data["BASE_PATH"]).strip("/")
        env_origins = os.environ.get("BETTER_AUTH_TRUSTED_ORIGINS", "")
        data["TRUSTED_ORIGINS"] = list(data["TRUSTED_ORIGINS"] or []) + [
            o.strip() for o in env_origins.split(",") if o.strip()
        ]
        self._secret_source = source
        return Section(data, "")

    @property
    def root(self) -> Section:
        root = self._root
        if root is None:
            root = self._load()
            # Top-level settings become instance attributes until reload(),
            # so ``auth_settings.SESSION`` skips __getattr__ and this property.
            attributes = _attribute_names(root, type(self))
            self.__dict__.update(attributes)
            self._attributes = tuple(attributes)
            self._root = root
        return root

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.root, name)

    def secrets(self) -> list[str]:
        """All secrets that verify, the signing one first."""
        root = self.root
        return [root.SECRET, *root.PREVIOUS_SECRETS]

    def secret_source(self) -> str:
        """Where SECRET came from: ``"setting"``, ``"env"`` or ``"SECRET_KEY"``."""
        self.root  # noqa: B018 - loading the settings records the source
        return self._secret_source

    @property
    def rate_limit_enabled(self) -> bool:
        enabled = self.root.RATE_LIMIT.ENABLED
        return (not settings.DEBUG) if enabled is None else bool(enabled)

    def reload(self) -> None:
        self._root = None
        for name in self._attributes:
            self.__dict__.pop(name, None)
        self._attributes = ()


auth_settings = BetterAuthSettings()


def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in {"BETTER_AUTH", "SECRET_KEY", "DEBUG"}:
        auth_settings.reload()
        from . import cookies

        cookies.reset_cache()


setting_changed.connect(_on_setting_changed)
