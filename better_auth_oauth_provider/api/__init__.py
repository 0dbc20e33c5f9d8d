"""Endpoint modules of the OAuth provider, registered in the core API registry."""

from __future__ import annotations

import importlib
import logging

logger = logging.getLogger(__name__)

__all__ = ["ENDPOINT_MODULES", "load_endpoints"]

ENDPOINT_MODULES = (
    "better_auth_oauth_provider.api.discovery",
    "better_auth_oauth_provider.api.clients",
    "better_auth_oauth_provider.api.resources",
    "better_auth_oauth_provider.api.consents",
    "better_auth_oauth_provider.api.register",
    "better_auth_oauth_provider.api.authorize",
    "better_auth_oauth_provider.api.consent",
    "better_auth_oauth_provider.api.token",
    "better_auth_oauth_provider.api.userinfo",
    "better_auth_oauth_provider.api.introspect",
    "better_auth_oauth_provider.api.revoke",
    "better_auth_oauth_provider.api.end_session",
)


def load_endpoints() -> None:
    """Import every endpoint module that exists; each registers its routes.

    A module not written yet is skipped, so discovery only advertises the
    endpoints that are actually served.
    """
    for name in ENDPOINT_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            logger.debug("endpoint module %s is not present", name)
