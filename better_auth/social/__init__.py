"""Signing in with external providers: the registry built from settings.

``SOCIAL_PROVIDERS`` maps a built-in provider id to its options;
``GENERIC_OAUTH`` lists generic OAuth 2.0 / OpenID Connect providers. Both
end up here, one ``OAuthProvider`` per id, built once per settings load.
"""

from __future__ import annotations

import threading

from django.core.exceptions import ImproperlyConfigured

from ..conf import auth_settings
from .base import OAuthProvider, ProviderError, Tokens, UserInfo
from .builtin import BUILTIN_PROVIDERS
from .generic import GenericProvider

__all__ = [
    "BUILTIN_PROVIDERS",
    "OAuthProvider",
    "ProviderError",
    "Tokens",
    "UserInfo",
    "get_provider",
    "providers",
    "reset",
]

_lock = threading.Lock()
_built: tuple[object, dict[str, OAuthProvider]] | None = None


def _build() -> dict[str, OAuthProvider]:
    out: dict[str, OAuthProvider] = {}
    for provider_id, options in (auth_settings.SOCIAL_PROVIDERS or {}).items():
        options = dict(options or {})
        cls = options.pop("CLASS", None) or BUILTIN_PROVIDERS.get(provider_id)
        if isinstance(cls, str):
            from django.utils.module_loading import import_string

            cls = import_string(cls)
        if cls is None:
            raise ImproperlyConfigured(
                f"BETTER_AUTH.SOCIAL_PROVIDERS: unknown provider {provider_id!r}; "
                f"built-in ones are {', '.join(sorted(BUILTIN_PROVIDERS))}, others "
                "go in GENERIC_OAUTH or name a CLASS"
            )
        out[provider_id] = cls(provider_id, options)
    for entry in auth_settings.GENERIC_OAUTH or []:
        provider_id = (entry or {}).get("PROVIDER_ID")
        if not isinstance(provider_id, str) or not provider_id:
            raise ImproperlyConfigured("every GENERIC_OAUTH entry needs PROVIDER_ID")
        if provider_id in out:
            raise ImproperlyConfigured(
                f"provider id {provider_id!r} is configured twice"
            )
        out[provider_id] = GenericProvider(provider_id, dict(entry))
    return out


def providers() -> dict[str, OAuthProvider]:
    """All configured providers, rebuilt when the settings are reloaded."""
    global _built
    root = auth_settings.root
    built = _built
    if built is not None and built[0] is root:
        return built[1]
    with _lock:
        built = _built
        if built is None or built[0] is not root:
            built = (root, _build())
            _built = built
    return built[1]


def get_provider(provider_id: str) -> OAuthProvider | None:
    return providers().get(provider_id)


def reset() -> None:
    global _built
    with _lock:
        _built = None
