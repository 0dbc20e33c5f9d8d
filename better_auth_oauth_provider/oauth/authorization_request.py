"""Authorization request parameters (RFC 6749 §4.1.1, OIDC Core §3.1.2.1).

Parameters are kept in Better Auth's schema order: the order decides which
invalid parameter is reported first and how the signed continuation is
serialised. A parameter sent twice is refused (RFC 6749 §3.1); unknown ones
are kept after the known ones, since the server must ignore them (§3.1) but
the frontend pages may read them. Checks are Better Auth's
(oauth-provider surface §1.4 step 3) with its messages, plus two
stricter ones noted where they apply.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from ..errors import InvalidRequest, InvalidTarget, OAuthError, UnsupportedResponseType
from .prompt import max_age_problem, parse_max_age, prompt_problem
from .redirect_uris import SCHEME_PREFIX, SCRIPT_SCHEMES, is_loopback_host
from .resource_indicators import resource_problem

__all__ = [
    "PARAMETERS",
    "Params",
    "invalid",
    "params_from_multi",
    "params_from_pairs",
    "params_to_pairs",
    "remove_param",
    "resource_list",
    "text_param",
    "validate_parameters",
]

PARAMETERS = (
    "response_type",
    "request",
    "request_uri",
    "redirect_uri",
    "scope",
    "state",
    "client_id",
    "prompt",
    "display",
    "ui_locales",
    "max_age",
    "acr_values",
    "login_hint",
    "id_token_hint",
    "code_challenge",
    "code_challenge_method",
    "nonce",
    "claims",
    "dpop_jkt",
    "resource",
)
# RFC 7636 §4.1 / §4.2: unreserved characters; an S256 challenge is 43.
_CODE_CHALLENGE = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")
_DPOP_JKT = re.compile(r"^[A-Za-z0-9_-]{43}$")
# Grant.nonce is a 255-character column.
_MAX_NONCE = 255

Params = dict[str, Any]
Checked = tuple[Any, OAuthError | None]


# --- shapes ------------------------------------------------------------------


def params_from_pairs(pairs: Iterable[tuple[str, str]]) -> Params:
    """Ordered parameters; a repeated name keeps all its values as a list."""
    out: Params = {}
    for key, value in pairs:
        if key not in out:
            out[key] = value
        elif isinstance(out[key], list):
            out[key] = [*out[key], value]
        else:
            out[key] = [out[key], value]
    return out


def params_from_multi(values: Mapping[str, list[str]]) -> Params:
    """Parameters from a multi-valued mapping (a parsed form body)."""
    return {k: (v[0] if len(v) == 1 else list(v)) for k, v in values.items() if v}


def params_to_pairs(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Pairs to serialise, lists expanded, ``None`` left out."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, list):
            pairs.extend((key, str(v)) for v in value)
        else:
            pairs.append((key, str(value)))
    return pairs


def remove_param(params: Mapping[str, Any], name: str) -> Params:
    """A copy without ``name``."""
    out = dict(params)
    out.pop(name, None)
    return out


def text_param(params: Mapping[str, Any], name: str) -> str | None:
    """The parameter when it is a single string, else None."""
    value = params.get(name)
    return value if isinstance(value, str) else None


def resource_list(value: Any) -> list[str]:
    """The ``resource`` parameter as a list (RFC 8707 §2: repeatable)."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def invalid(description: str) -> InvalidRequest:
    """``invalid_request`` for the authorization response (no cache headers)."""
    return InvalidRequest(description, no_store=False)


# --- checks of single parameters ---------------------------------------------


def _redirect_uri_problem(value: str) -> str | None:
    """Better Auth's ``SafeUrlSchema``: parseable, no script scheme, no
    fragment (RFC 6749 §3.1.2), https unless towards a loopback host."""
    if not SCHEME_PREFIX.match(value) or any(ch.isspace() for ch in value):
        return "Invalid URL"
    try:
        parts = urlsplit(value)
    except ValueError:
        return "Invalid URL"
    scheme = parts.scheme.lower()
    if scheme in ("http", "https") and not parts.netloc:
        return "Invalid URL"
    if scheme in SCRIPT_SCHEMES:
        return "URL cannot use javascript:, data:, or vbscript: scheme"
    if "#" in value:
        return "Redirect URI must not contain a fragment component"
    if scheme == "http":
        try:
            host = parts.hostname or ""
        except ValueError:
            return "Invalid URL"
        if not is_loopback_host(host):
            return "Redirect URI must use HTTPS (HTTP allowed only for loopback hosts)"
    return None


def _check_resource(value: Any) -> Checked:
    """RFC 8707 §2 ``invalid_target`` for the first bad ``resource``."""
    for item in value if isinstance(value, list) else [value]:
        problem = resource_problem(item)
        if problem:
            return value, InvalidTarget(problem, no_store=False)
    return value, None


def _check_response_type(value: str) -> Checked:
    if value != "code":
        error = UnsupportedResponseType("response_type must be one of: code")
        return value, error
    return value, None


def _problem(check: Callable[[str], str | None]) -> Callable[[str], Checked]:
    """A check that names a problem, as a check returning ``invalid_request``."""

    def run(value: str) -> Checked:
        problem = check(value)
        return value, invalid(problem) if problem else None

    return run


def _redirect_uri(value: str) -> str | None:
    problem = _redirect_uri_problem(value)
    return f"redirect_uri: {problem}" if problem else None


def _client_id(value: str) -> str | None:
    return None if value else "client_id: client_id is required"


def _code_challenge_method(value: str) -> str | None:
    # RFC 7636 §4.3 ``plain`` is refused (RFC 9700 §2.1.1).
    return None if value == "S256" else "code_challenge_method must be one of: S256"


def _check_max_age(value: str) -> Checked:
    """OIDC Core §3.1.2.1: a non-negative integer number of seconds."""
    problem = max_age_problem(value)
    if problem:
        return value, invalid(problem)
    return parse_max_age(value), None


def _code_challenge(value: str) -> str | None:
    # Stricter than Better Auth: RFC 7636 §4.2 fixes the alphabet and length,
    # and the code row's column holds at most 128 characters.
    if _CODE_CHALLENGE.match(value):
        return None
    return "code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~]"


def _nonce(value: str) -> str | None:
    # Stricter than Better Auth: the code row stores at most 255 characters,
    # and a truncated nonce would never match (OIDC Core §3.1.3.7).
    if len(value) > _MAX_NONCE:
        return f"nonce must be at most {_MAX_NONCE} characters"
    return None


def _dpop_jkt(value: str) -> str | None:
    if _DPOP_JKT.match(value):
        return None
    return "dpop_jkt: dpop_jkt must be a base64url-encoded SHA-256 JWK thumbprint"


_CHECKS: dict[str, Callable[[str], Checked]] = {
    "response_type": _check_response_type,
    "redirect_uri": _problem(_redirect_uri),
    "client_id": _problem(_client_id),
    "prompt": _problem(prompt_problem),
    "max_age": _check_max_age,
    "code_challenge": _problem(_code_challenge),
    "code_challenge_method": _problem(_code_challenge_method),
    "nonce": _problem(_nonce),
    "dpop_jkt": _problem(_dpop_jkt),
}


def _check(name: str, value: Any) -> Checked:
    """Validate one known parameter; ``(normalised value, error)``."""
    if name == "resource":
        return _check_resource(value)
    if isinstance(value, list):
        # zod reports a union field's array as "Invalid input".
        if name in ("max_age", "claims"):
            return value, invalid(f"{name}: Invalid input")
        return value, invalid(f"{name} must not appear more than once")
    if "\x00" in value:
        return value, invalid(f"{name} must not contain NUL characters")
    check = _CHECKS.get(name)
    return check(value) if check is not None else (value, None)


def validate_parameters(raw: Mapping[str, Any]) -> tuple[Params, OAuthError | None]:
    """The known parameters in schema order, then the others.

    The first invalid parameter in schema order is reported: a repeated
    parameter (RFC 6749 §3.1), an unsupported ``response_type`` (§4.1.2.1
    ``unsupported_response_type``), a bad ``resource`` (RFC 8707 §2
    ``invalid_target``), anything else ``invalid_request``.
    """
    out: Params = {}
    for name in PARAMETERS:
        if name not in raw:
            if name == "client_id":
                return out, invalid("client_id is required")
            continue
        value, error = _check(name, raw[name])
        if error is not None:
            return out, error
        out[name] = value
    for name, value in raw.items():
        if name not in out:
            out[name] = value
    return out, None
