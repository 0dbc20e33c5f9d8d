"""Cookie names, attributes and signing, as Better Auth 1.7 sets them.

Names are ``[__Secure-]<prefix>.<name>``; attributes start from ``HttpOnly;
Path=/; SameSite=Lax`` plus ``Secure`` on https, then the project's defaults,
then per-cookie overrides (core-surface §4.1). Only ``Max-Age`` is emitted,
never ``Expires``, and signed values are ``encodeURIComponent(value + "." +
base64(HMAC-SHA256))`` (§4.2) so cookies written by a Node deployment stay
valid here and the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from django.http import HttpResponse

from .conf import auth_settings
from .crypto import (
    decode_cookie_value,
    encode_cookie_value,
    sign_cookie_value,
    unsign_cookie_value,
)

__all__ = ["CookieSpec", "CookieJar", "cookie", "reset_cache", "read_signed"]

SESSION_TOKEN = "session_token"
SESSION_DATA = "session_data"
DONT_REMEMBER = "dont_remember"


@dataclass(frozen=True)
class CookieSpec:
    name: str
    attrs: dict[str, Any]


def _secure() -> bool:
    configured = auth_settings.USE_SECURE_COOKIES
    if configured is not None:
        return bool(configured)
    base = auth_settings.BASE_URL or ""
    return base.startswith("https://")


@lru_cache(maxsize=64)
def cookie(name: str) -> CookieSpec:
    """The full name and attributes of one of Better Auth's cookies."""
    secure = _secure()
    prefix = auth_settings.COOKIE_PREFIX
    attrs: dict[str, Any] = {"path": "/", "httponly": True, "samesite": "Lax"}
    if secure:
        attrs["secure"] = True
    cross = auth_settings.CROSS_SUBDOMAIN_COOKIES
    if cross.ENABLED:
        domain = cross.DOMAIN or urlsplit(auth_settings.BASE_URL or "").hostname
        if domain:
            attrs["domain"] = domain
    attrs.update(_normalise(auth_settings.DEFAULT_COOKIE_ATTRIBUTES))
    override = auth_settings.COOKIES.get(name) or {}
    attrs.update(
        _normalise(override.get("ATTRIBUTES") or override.get("attributes") or {})
    )
    full = override.get("NAME") or override.get("name") or f"{prefix}.{name}"
    if secure:
        full = f"__Secure-{full}"
    return CookieSpec(full, attrs)


def _normalise(attrs: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in attrs.items():
        key = key.lower().replace("_", "").replace("-", "")
        key = {"samesite": "samesite", "httponly": "httponly", "maxage": "max-age"}.get(
            key, key
        )
        if key == "samesite" and isinstance(value, str):
            value = value.capitalize()
        out[key] = value
    return out


def reset_cache() -> None:
    cookie.cache_clear()


def read_signed(cookies: dict[str, str], name: str) -> str | None:
    """The verified value of a signed cookie, or None if absent or forged."""
    raw = cookies.get(cookie(name).name)
    if not raw:
        return None
    return unsign_cookie_value(decode_cookie_value(raw), auth_settings.secrets())


def read_plain(cookies: dict[str, str], name: str) -> str | None:
    return cookies.get(cookie(name).name) or None


@dataclass
class CookieJar:
    """Cookies a handler wants set, applied to the response at the end."""

    items: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)

    def set(self, name: str, value: str, *, max_age: int | None, **extra: Any) -> None:
        spec = cookie(name)
        attrs = dict(spec.attrs)
        attrs.pop("max-age", None)
        if max_age is not None:
            attrs["max-age"] = max_age
        attrs.update(extra)
        self.items[spec.name] = (value, attrs)

    def set_signed(self, name: str, value: str, *, max_age: int | None) -> None:
        signed = sign_cookie_value(value, auth_settings.SECRET)
        self.set(name, encode_cookie_value(signed), max_age=max_age)

    def expire(self, name: str) -> None:
        self.set(name, "", max_age=0)

    def value_of(self, name: str) -> str | None:
        item = self.items.get(cookie(name).name)
        return item[0] if item else None

    def apply(self, response: HttpResponse) -> None:
        for full_name, (value, attrs) in self.items.items():
            response.cookies[full_name] = value
            morsel = response.cookies[full_name]
            if value == "":
                # An expired cookie is sent as ``name=``, as Better Auth sends
                # it; SimpleCookie would quote the empty value as ``name=""``.
                morsel.set(full_name, "", "")
            for key, attr in attrs.items():
                if attr is None or attr is False:
                    continue
                morsel[key] = attr
