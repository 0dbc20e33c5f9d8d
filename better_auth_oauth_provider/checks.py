"""System checks of the OAuth provider, with stable ids.

- ``better_auth_oauth_provider.E001`` the issuer is not https and not loopback
  (a deployment check: ``manage.py check --deploy``).
- ``better_auth_oauth_provider.E003`` ``oauth2_provider`` is not installed.
- ``better_auth_oauth_provider.E004`` SIGNING_ALGORITHM is not supported.
- ``better_auth_oauth_provider.E005`` a SCOPES / grant setting is invalid.
- ``better_auth_oauth_provider.E006`` a RESOURCES entry or the resource
  settings are invalid.
- ``better_auth_oauth_provider.W001`` no BASE_URL: the issuer follows the Host.
- ``better_auth_oauth_provider.W002`` LOGIN_PAGE or CONSENT_PAGE is not set, so
  an authorization request that needs a page cannot continue.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.apps import apps
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

__all__ = ["check_issuer", "check_provider", "register"]

SUPPORTED_GRANTS = ("authorization_code", "client_credentials", "refresh_token")


def register() -> None:
    checks.register(check_provider, checks.Tags.security)
    checks.register(check_issuer, checks.Tags.security, deploy=True)


def check_issuer(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """OAuth 2.1 §1.5 / RFC 8414 §2: an https issuer, except on loopback.

    A deployment check, so test and development servers on ``http`` hosts
    still start; ``check --deploy`` refuses them.
    """
    from better_auth.conf import auth_settings

    from .oauth.redirect_uris import is_loopback_host

    try:
        base = auth_settings.BASE_URL
    except (ImproperlyConfigured, AttributeError):
        return []
    if not base:
        return []
    parts = urlsplit(base)
    if parts.scheme == "https" or is_loopback_host(parts.hostname or ""):
        return []
    return [
        checks.Error(
            f"The OAuth issuer {base}{auth_settings.BASE_PATH} is not https.",
            hint="OAuth 2.1 §1.5 and RFC 8414 §2 require an https issuer; only "
            "loopback hosts may use http.",
            id="better_auth_oauth_provider.E001",
        )
    ]


def _installed() -> list[checks.CheckMessage]:
    if apps.is_installed("oauth2_provider"):
        return []
    return [
        checks.Error(
            "better_auth_oauth_provider needs django-oauth-toolkit.",
            hint="Add 'oauth2_provider' to INSTALLED_APPS.",
            id="better_auth_oauth_provider.E003",
        )
    ]


def _base_url() -> list[checks.CheckMessage]:
    from better_auth.conf import auth_settings

    if auth_settings.BASE_URL:
        return []
    return [
        checks.Warning(
            "BETTER_AUTH has no BASE_URL; the OAuth issuer is derived from "
            "each request's Host header.",
            hint="Set BETTER_AUTH['BASE_URL'] so the issuer is stable "
            "(OpenID Connect Discovery §3).",
            id="better_auth_oauth_provider.W001",
        )
    ]


def _pages(cfg: Any) -> list[checks.CheckMessage]:
    return [
        checks.Warning(
            f"BETTER_AUTH['OAUTH_PROVIDER']['{name}'] is not set.",
            hint="The authorize endpoint redirects the browser there; set "
            "it to a page of your frontend.",
            id="better_auth_oauth_provider.W002",
        )
        for name in ("LOGIN_PAGE", "CONSENT_PAGE")
        if not cfg[name]
    ]


def _values(cfg: Any) -> list[checks.CheckMessage]:
    from better_auth.keys import ALGORITHMS

    out: list[checks.CheckMessage] = []
    if cfg.SIGNING_ALGORITHM not in ALGORITHMS:
        out.append(
            checks.Error(
                f"SIGNING_ALGORITHM {cfg.SIGNING_ALGORITHM!r} is not supported.",
                hint=f"Use one of {', '.join(ALGORITHMS)}.",
                id="better_auth_oauth_provider.E004",
            )
        )
    bad_grants = [g for g in cfg.GRANT_TYPES if g not in SUPPORTED_GRANTS]
    if bad_grants or not all(isinstance(s, str) and s for s in cfg.SCOPES):
        out.append(
            checks.Error(
                "OAUTH_PROVIDER GRANT_TYPES or SCOPES holds an unsupported value"
                + (f": {', '.join(bad_grants)}" if bad_grants else "."),
                hint=f"Grant types: {', '.join(SUPPORTED_GRANTS)}; scopes are "
                "non-empty strings.",
                id="better_auth_oauth_provider.E005",
            )
        )
    return out


def _resources(cfg: Any) -> list[checks.CheckMessage]:
    """RFC 8707 §2 identifiers and Better Auth's resource policy fields."""
    from .services.resources import SEED_MODES, entry_problems

    problems = entry_problems(cfg.RESOURCES)
    if cfg.RESOURCE_SEED_MODE not in SEED_MODES:
        problems.append(f"RESOURCE_SEED_MODE {cfg.RESOURCE_SEED_MODE!r} is unknown")
    return [
        checks.Error(
            f"OAUTH_PROVIDER {problem}.",
            hint="A resource is an absolute URI without a fragment, or a mapping "
            "with that 'identifier' and optional policy fields (positive TTLs, "
            "a scope list, a claims object, signing_algorithm one of EdDSA, "
            "ES256, ES512, PS256, RS256); RESOURCE_SEED_MODE is one of "
            f"{', '.join(SEED_MODES)}.",
            id="better_auth_oauth_provider.E006",
        )
        for problem in problems
    ]


def check_provider(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Validate the OAUTH_PROVIDER section and the provider's wiring."""
    from .conf import section

    out = _installed()
    try:
        cfg = section()
    except (ImproperlyConfigured, AttributeError):
        return out  # better_auth.E000 reports unreadable settings.
    return [*out, *_base_url(), *_pages(cfg), *_values(cfg), *_resources(cfg)]
