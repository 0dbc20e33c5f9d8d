"""Better Auth's default rate limits for the provider's endpoints.

Per path, 60-second window (oauth-provider surface §1.1): token 20,
authorize 30, introspect 100, revoke 30, register 5, userinfo 60. They
apply only when the core rate limiter is on; ``RATE_LIMIT.CUSTOM_RULES``
overrides them per path.
"""

from __future__ import annotations

from collections.abc import Callable

from better_auth.ratelimit import PathRule, register_plugin_rules

__all__ = ["RULES", "register"]

LIMITS = {
    "/oauth2/token": 20,
    "/oauth2/authorize": 30,
    "/oauth2/introspect": 100,
    "/oauth2/revoke": 30,
    "/oauth2/register": 5,
    "/oauth2/userinfo": 60,
}


def _exact(path: str) -> Callable[[str], bool]:
    return lambda candidate: candidate == path


RULES = tuple(PathRule(_exact(path), 60, limit) for path, limit in LIMITS.items())


def register() -> None:
    register_plugin_rules("oauth-provider", RULES)
