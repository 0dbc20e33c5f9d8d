"""The one HTTP client for fetching someone else's URL.

Discovery documents, JWKS, client metadata documents and back-channel logout
targets are URLs that an outsider can choose, so every fetch goes through
here: the URL must pass the SSRF guard (``security.ssrf``), names must resolve
only to public addresses, redirects are followed by hand and re-checked, and
both time and response size are capped.
"""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from .conf import auth_settings
from .security.ssrf import OutboundURLRefused, check_outbound_url, classify_host

logger = logging.getLogger("better_auth.security.outbound")

__all__ = ["OutboundResponse", "OutboundURLRefused", "fetch", "guard_url"]

MAX_REDIRECTS = 3


@dataclass(frozen=True)
class OutboundResponse:
    status: int
    headers: dict[str, str]
    content: bytes
    url: str

    def json(self) -> Any:
        import json

        return json.loads(self.content)


def guard_url(url: str) -> None:
    """Refuse ``url`` unless it is http(s) to a public host (or an allowed one)."""
    cfg = auth_settings.OUTBOUND
    allow_hosts = [h.lower() for h in cfg.ALLOW_HOSTS]
    check_outbound_url(url, allow_hosts=allow_hosts, allow_loopback=cfg.ALLOW_LOOPBACK)
    host = (urlsplit(url).hostname or "").lower()
    if host in allow_hosts or classify_host(host) != "public":
        return
    # A public-looking name may still resolve to a private address.
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError as error:
        raise OutboundURLRefused(f"cannot resolve host: {error}") from None
    for info in infos:
        address = str(info[4][0])
        kind = classify_host(address)
        if kind == "public":
            continue
        if cfg.ALLOW_LOOPBACK and kind in ("loopback", "localhost"):
            continue
        raise OutboundURLRefused(f"host resolves to a {kind} address")
    # TODO(outbound): the connection resolves the name again, so a DNS answer
    # that changes between the check and the connect (rebinding) is not caught;
    # pinning the checked address needs a custom transport adapter.


def fetch(
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    data: Any = None,
    timeout: float | None = None,
    max_bytes: int | None = None,
    follow_redirects: bool = True,
) -> OutboundResponse:
    """Fetch ``url`` through the guard; raises ``OutboundURLRefused`` or
    ``requests.RequestException``.

    ``follow_redirects=False`` refuses any redirect instead of following
    it, for documents that must come from the URL itself (a client ID
    metadata document is identified by its URL).
    """
    cfg = auth_settings.OUTBOUND
    timeout = timeout if timeout is not None else cfg.TIMEOUT
    limit = max_bytes if max_bytes is not None else cfg.MAX_BYTES
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        guard_url(current)
        with requests.request(
            method,
            current,
            headers=headers,
            data=data,
            timeout=timeout,
            allow_redirects=False,
            stream=True,
        ) as response:
            if response.is_redirect and not follow_redirects:
                raise OutboundURLRefused("redirects are not followed")
            if response.is_redirect and method in ("GET", "HEAD"):
                current = urljoin(current, response.headers.get("location", ""))
                continue
            body = bytearray()
            for chunk in response.iter_content(16384):
                body += chunk
                if len(body) > limit:
                    raise OutboundURLRefused(f"response larger than {limit} bytes")
            return OutboundResponse(
                response.status_code, dict(response.headers), bytes(body), current
            )
    raise OutboundURLRefused("too many redirects")
