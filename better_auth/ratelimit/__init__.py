"""Rate limiting of the auth API (Better Auth 1.7, core-surface §6.3).

The router calls :func:`consume_request` for every request before routing, so
unknown paths are counted too, as in Better Auth's ``onRequest`` limiter.
Requests are counted per ``"<client ip>|<path>"``; a request whose address
cannot be trusted shares the ``"no-trusted-ip|<path>"`` bucket instead of
escaping the limit, and with ``DISABLE_IP_TRACKING`` nothing is counted.
"""

from __future__ import annotations

import hashlib
import logging

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from ..conf import auth_settings
from ..request_info import request_info
from ..security.client_ip import rate_limit_ip_key
from .rules import PathRule, Rule, register_plugin_rules, resolve_rule
from .storage import (
    CacheStorage,
    DatabaseStorage,
    Decision,
    MemoryStorage,
    RateLimitStorage,
)

logger = logging.getLogger(__name__)

__all__ = [
    "Decision",
    "PathRule",
    "Rule",
    "consume_request",
    "get_storage",
    "memory_storage",
    "rate_limit_key",
    "register_plugin_rules",
]

# Longer keys are digested: the counter column holds 512 characters and
# Memcached keys 250, while a request path has no length limit.
MAX_KEY_LENGTH = 200

memory_storage = MemoryStorage()
_database_storage = DatabaseStorage()
_warned_no_ip = False


def get_storage() -> RateLimitStorage:
    """The backend ``RATE_LIMIT.STORAGE`` names."""
    cfg = auth_settings.RATE_LIMIT
    if cfg.STORAGE == "database":
        return _database_storage
    if cfg.STORAGE == "memory":
        return memory_storage
    if cfg.STORAGE == "cache":
        alias = cfg.CACHE_ALIAS or auth_settings.SECONDARY_STORAGE or "default"
        return CacheStorage(alias)
    raise ImproperlyConfigured(
        f"RATE_LIMIT STORAGE {cfg.STORAGE!r} is not memory, database or cache."
    )


def normalize_path(path: str) -> str:
    """Better Auth's ``normalizePathname``: no trailing slash, ``/`` at least."""
    return path.rstrip("/") or "/"


def rate_limit_key(ip: str | None, path: str) -> str:
    key = f"{rate_limit_ip_key(ip)}|{path}"
    if len(key) <= MAX_KEY_LENGTH:
        return key
    digest = hashlib.sha256(path.encode()).hexdigest()
    return f"{rate_limit_ip_key(ip)}|sha256:{digest}"


def consume_request(request: HttpRequest, path: str) -> int | None:
    """Count this request; the seconds to wait if it is over its limit."""
    if not auth_settings.rate_limit_enabled:
        return None
    ip = request_info(request).ip
    if ip is None and auth_settings.DISABLE_IP_TRACKING:
        return None
    if ip is None:
        _warn_no_ip()
    path = normalize_path(path)
    rule = resolve_rule(request, path)
    if rule is None:
        return None
    decision = get_storage().consume(rate_limit_key(ip, path), rule)
    if decision.allowed:
        return None
    return decision.retry_after if decision.retry_after is not None else rule.window


def _warn_no_ip() -> None:
    global _warned_no_ip
    if _warned_no_ip:
        return
    _warned_no_ip = True
    logger.warning(
        "Rate limiting cannot determine a client IP; requests without one share "
        "a per-path bucket. Set IP_ADDRESS_HEADERS or TRUSTED_PROXIES so the "
        "address can be resolved."
    )
