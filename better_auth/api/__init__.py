"""The auth REST API: registry, pipeline and core endpoints."""

from __future__ import annotations

import importlib

CORE_ENDPOINT_MODULES = (
    "better_auth.api.endpoints.misc",
    "better_auth.api.endpoints.email_password",
    "better_auth.api.endpoints.session",
    "better_auth.api.endpoints.user",
    "better_auth.api.endpoints.email_flows",
    "better_auth.api.endpoints.social",
    "better_auth.api.endpoints.accounts",
    "better_auth.api.endpoints.one_tap",
)


def load_endpoints() -> None:
    for module in CORE_ENDPOINT_MODULES:
        importlib.import_module(module)
