"""The endpoint registry: every auth API route, core and plugin, in one table.

Better Auth routes inside its own router after the request-level checks
(disabled paths, rate limit, captcha) have run, and answers an unknown path
or method with a bare 404. Keeping the routes in one table, rather than in
Django's URL resolver, keeps that order and lets plugins add endpoints by
importing a module from their ``AppConfig.ready()``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .schema import Schema

__all__ = ["Endpoint", "endpoint", "match", "registered"]

Handler = Callable[..., Any]


@dataclass(frozen=True)
class Endpoint:
    path: str
    methods: frozenset[str]
    handler: Handler
    body: Schema | None = None
    query: Schema | None = None
    # "session", "sensitive" (bypass cookie cache) or "fresh".
    session: str | None = None
    allow_form: bool = False
    # Fetch-metadata login CSRF (core-surface §6.1 formCsrfMiddleware).
    form_csrf: bool = False
    # Set when the endpoint validates its own callback parameters (GET routes).
    name: str = ""

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.path.strip("/").split("/"))


_STATIC: dict[str, dict[str, Endpoint]] = {}
_DYNAMIC: list[Endpoint] = []


def endpoint(
    path: str,
    methods: tuple[str, ...] | str = "POST",
    **options: Any,
) -> Callable[[Handler], Handler]:
    """Register ``handler`` for ``path``; ``:name`` segments are parameters."""
    if isinstance(methods, str):
        methods = (methods,)

    def register(handler: Handler) -> Handler:
        ep = Endpoint(path, frozenset(m.upper() for m in methods), handler, **options)
        if ":" in path:
            _DYNAMIC[:] = [
                e for e in _DYNAMIC if e.path != path or not (e.methods & ep.methods)
            ]
            _DYNAMIC.append(ep)
        else:
            routes = _STATIC.setdefault(path, {})
            for method in ep.methods:
                routes[method] = ep
        return handler

    return register


def match(path: str, method: str) -> tuple[Endpoint, dict[str, str]] | None:
    routes = _STATIC.get(path)
    if routes is not None:
        ep = routes.get(method)
        return (ep, {}) if ep is not None else None
    parts = path.strip("/").split("/")
    for ep in _DYNAMIC:
        if method not in ep.methods:
            continue
        segs = ep.segments
        if len(segs) != len(parts):
            continue
        params: dict[str, str] = {}
        for seg, part in zip(segs, parts, strict=True):
            if seg.startswith(":"):
                if not part:
                    break
                params[seg[1:]] = part
            elif seg != part:
                break
        else:
            return ep, params
    return None


def registered() -> list[Endpoint]:
    eps = [ep for routes in _STATIC.values() for ep in routes.values()]
    return sorted({id(e): e for e in eps + _DYNAMIC}.values(), key=lambda e: e.path)
