"""Facts about a request that several rules need: client IP, base URL, origins.

One home for them, so the rate limiter, session creation, the origin check
and emailed links all agree on which forwarding headers are believed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.http import HttpRequest

from .conf import auth_settings
from .security.client_ip import client_ip, public_origin
from .security.origins import origin_of

__all__ = ["RequestInfo", "request_info"]


@dataclass
class RequestInfo:
    request: HttpRequest

    @cached_property
    def ip(self) -> str | None:
        s = auth_settings.root
        if s.DISABLE_IP_TRACKING:
            return None
        return client_ip(
            self.request.headers,
            self.request.META.get("REMOTE_ADDR"),
            ip_headers=s.IP_ADDRESS_HEADERS,
            trusted_proxies=s.TRUSTED_PROXIES,
            ipv6_subnet=s.IPV6_SUBNET,
        )

    @cached_property
    def user_agent(self) -> str:
        return self.request.headers.get("user-agent", "")

    @cached_property
    def base_url(self) -> str | None:
        """The public origin of the auth server, never taken from spoofable headers.

        A configured BASE_URL always wins (cases 67). Without one, the Host
        header is used, and X-Forwarded-* only when TRUSTED_PROXY_HEADERS is on.
        """
        configured = auth_settings.BASE_URL
        if configured:
            return configured
        return public_origin(
            self.request.headers,
            scheme_from_request=self.request.scheme or "http",
            trusted_proxy_headers=auth_settings.TRUSTED_PROXY_HEADERS,
        )

    @cached_property
    def origin(self) -> str | None:
        return origin_of(self.base_url) if self.base_url else None

    @cached_property
    def auth_url(self) -> str:
        """Absolute URL of the auth API root, for emailed links."""
        return f"{self.base_url or ''}{auth_settings.BASE_PATH}"

    @cached_property
    def trusted_origins(self) -> list[str]:
        origins = [self.origin] if self.origin else []
        return origins + list(auth_settings.TRUSTED_ORIGINS)


def request_info(request: HttpRequest) -> RequestInfo:
    info = getattr(request, "_better_auth_info", None)
    if info is None:
        info = RequestInfo(request)
        request._better_auth_info = info  # type: ignore[attr-defined]
    return info
