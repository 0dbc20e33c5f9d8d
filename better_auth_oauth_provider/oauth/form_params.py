"""Form-encoded request parameters (RFC 6749 §3.2, Appendix B).

The token, introspection, revocation and UserInfo endpoints take
``application/x-www-form-urlencoded`` bodies. RFC 6749 §3.1 / §3.2 forbid
repeating a request parameter, which the core router cannot see (it keeps
the last value of a repeated field), so the raw body is parsed again here
with every value kept. An empty value counts as omitted, as in Better
Auth's schemas.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl

from django.http import HttpRequest

from ..errors import InvalidRequest

__all__ = ["FORM_TYPE", "form_values", "single_value", "single_values"]

FORM_TYPE = "application/x-www-form-urlencoded"


def form_values(request: HttpRequest) -> dict[str, list[str]]:
    """Every value of every form field, so repeated parameters can be refused."""
    if request.method in ("GET", "HEAD") or request.content_type != FORM_TYPE:
        return {}
    parsed = getattr(request, "form_values", None)
    if parsed is not None:
        # The router's parse of the same body (every value kept).
        return parsed
    try:
        pairs = parse_qsl(request.body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        raise InvalidRequest("the form body is not UTF-8") from None
    out: dict[str, list[str]] = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


def single_value(form: Mapping[str, list[str]], name: str) -> str | None:
    """The one non-empty value of ``name``; a repeated one is refused (§3.2)."""
    values = [v for v in form.get(name, []) if v != ""]
    if len(values) > 1:
        raise InvalidRequest(f"{name} must not appear more than once")
    return values[0] if values else None


def single_values(
    form: Mapping[str, list[str]], names: Iterable[str]
) -> dict[str, str | None]:
    """:func:`single_value` of each of ``names``."""
    return {name: single_value(form, name) for name in names}
