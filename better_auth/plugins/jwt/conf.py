"""The ``JWT`` section of ``settings.BETTER_AUTH``.

Keys are Better Auth's ``jwt({...})`` options in upper case; durations are
seconds. Callables take the callable itself or its dotted path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings

from better_auth.conf import auth_settings, register_section, section_callable
from better_auth.keys import KeyPolicy

__all__ = [
    "DEFAULTS",
    "SECTION",
    "callable_setting",
    "jwks_path",
    "key_policy",
    "section",
]

SECTION = "JWT"

DEFAULTS: dict[str, Any] = {
    # Signing algorithm of session JWTs: EdDSA (Ed25519), ES256, ES512,
    # PS256 or RS256 (Better Auth's keyPairConfig.alg).
    "ALGORITHM": "EdDSA",
    # Lifetime of a session JWT (Better Auth's expirationTime "15m").
    "EXPIRES_IN": 15 * 60,
    # iss / aud claims; None = the origin of the auth server's base URL.
    "ISSUER": None,
    "AUDIENCE": None,
    # callable(session_context) -> dict: the claims instead of the user object.
    "DEFINE_PAYLOAD": None,
    # callable(session_context) -> str: the ``sub`` claim instead of user id.
    "GET_SUBJECT": None,
    # Leave the ``set-auth-jwt`` header off /get-session answers.
    "DISABLE_SETTING_JWT_HEADER": False,
    # Where the JWKS is served, under the auth base path (read at startup).
    "JWKS_PATH": "/jwks",
    # Seconds a signing key signs before a new one is minted; None = forever.
    "ROTATION_INTERVAL": None,
    # Seconds an expired or retired key stays in the JWKS (30 days).
    "GRACE_PERIOD": 30 * 24 * 60 * 60,
}


def register() -> None:
    register_section(SECTION, "better_auth_jwt", DEFAULTS)


def section() -> Any:
    return getattr(auth_settings, SECTION)


def jwks_path() -> str:
    """``JWKS_PATH``, read from the raw settings at startup.

    Routes are registered from ``ready()``, while other apps may still be
    declaring their sections, so the merged settings cannot be loaded yet.
    """
    raw = getattr(settings, "BETTER_AUTH", None) or {}
    section_raw = raw.get(SECTION) or {}
    return str(section_raw.get("JWKS_PATH") or DEFAULTS["JWKS_PATH"])


def key_policy() -> KeyPolicy:
    """Defaults for keys the store mints lazily while this plugin owns it."""
    cfg = section()
    return KeyPolicy(
        alg=cfg.ALGORITHM,
        rotation_interval=cfg.ROTATION_INTERVAL,
        grace_period=max(int(cfg.GRACE_PERIOD), int(cfg.EXPIRES_IN)),
    )


def callable_setting(name: str) -> Callable[..., Any] | None:
    return section_callable(SECTION, name)
