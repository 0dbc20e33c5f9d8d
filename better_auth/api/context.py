"""What an endpoint handler receives and may return."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

from ..cookies import CookieJar
from ..request_info import RequestInfo, request_info

if TYPE_CHECKING:
    from ..services.sessions import SessionContext

__all__ = ["Context", "JSON", "Redirect"]


@dataclass
class Redirect:
    """A 302 with empty body (Better Auth's ``throw ctx.redirect``)."""

    url: str


@dataclass
class JSON:
    """A JSON body with a chosen status and extra headers."""

    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Context:
    request: HttpRequest
    method: str
    path: str
    params: dict[str, str]
    body: dict[str, Any]
    query: dict[str, Any]
    raw_body: Any = None
    jar: CookieJar = field(default_factory=CookieJar)
    headers: dict[str, str] = field(default_factory=dict)
    session: SessionContext | None = None
    endpoint: Any = None
    # Anything a before-hook wants to hand to the handler or an after-hook.
    extra: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def info(self) -> RequestInfo:
        return request_info(self.request)

    @property
    def cookies(self) -> dict[str, str]:
        return self.request.COOKIES

    def header(self, name: str) -> str | None:
        return self.request.headers.get(name)
