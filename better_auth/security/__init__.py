"""Request-independent security rules of Better Auth 1.7 (core surface §6).

Pure functions, free of Django and request objects, so every caller (the
origin check, redirect validation, the outbound HTTP client, the rate
limiter) applies one definition of each rule: trusted-origin matching
(§6.1), redirect-target validation, client IP and public origin from
forwarding headers (§6.2) and SSRF host classification (§6.5).
"""

from __future__ import annotations

from better_auth.security.client_ip import (
    client_ip,
    invalid_trusted_proxies,
    public_origin,
    rate_limit_ip_key,
)
from better_auth.security.origins import (
    is_trusted_origin,
    matches_origin_pattern,
    origin_of,
    parse_http_url,
    validate_origin_pattern,
)
from better_auth.security.redirects import is_allowed_redirect, is_safe_relative_path
from better_auth.security.ssrf import (
    OutboundURLRefused,
    check_outbound_url,
    classify_host,
    is_public_host,
)

__all__ = [
    "OutboundURLRefused",
    "check_outbound_url",
    "classify_host",
    "client_ip",
    "invalid_trusted_proxies",
    "is_allowed_redirect",
    "is_public_host",
    "is_safe_relative_path",
    "is_trusted_origin",
    "matches_origin_pattern",
    "origin_of",
    "parse_http_url",
    "public_origin",
    "rate_limit_ip_key",
    "validate_origin_pattern",
]
