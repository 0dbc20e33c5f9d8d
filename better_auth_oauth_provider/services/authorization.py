"""The authorization endpoint's decision, in Better Auth's processing order.

One function, :func:`authorize`, takes the parameters of an authorization
request (RFC 6749 §4.1.1, OIDC Core §3.1.2.1) and the Better Auth session,
and answers with the URL the browser goes to next: the client's redirect
URI with a code or an error, a page of the frontend (login, consent, ...)
with a signed continuation, or the server's error page. The first failing
step wins (oauth-provider surface §1.4):

1. the provider does not offer the authorization code grant → 404;
2. ``request`` / ``request_uri`` (JAR / PAR are not supported);
3. parameter validation (duplicates, ``response_type``, ``redirect_uri``
   syntax, ``prompt``, ``max_age``, PKCE method, ``dpop_jkt``, ``resource``);
4. missing ``response_type``;
5. ``prompt=select_account`` without an account-selection page;
6. client lookup and exact redirect URI matching (RFC 6749 §3.1.2.3, with
   the RFC 8252 §7.3 loopback port exemption) - failures here never
   redirect to the supplied URI (RFC 6749 §4.1.2.1);
7. scopes; 8. the ``claims`` parameter; 9. resource indicators (RFC 8707);
10. PKCE (RFC 7636, S256 only); 11. the session, ``max_age`` and
``prompt=login`` / ``create``; 12. account selection, sign-up and
post-login gates; 13. consent; 14. the code.

Errors before step 6 go to the redirect URI only when the client exists, is
enabled and registered that exact URI; later errors go to the verified URI.
Every redirect to the client carries ``iss`` (RFC 9207 §2) and ``state``.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from oauth2_provider.models import get_grant_model

from better_auth import clock
from better_auth.errors import APIError
from better_auth.services.sessions import SessionContext

from ..conf import hook, issuer, section
from ..errors import (
    AccessDenied,
    AccountSelectionRequired,
    ClientDisabled,
    ConsentRequired,
    InteractionRequired,
    InvalidClient,
    InvalidRequest,
    InvalidScope,
    InvalidTarget,
    LoginRequired,
    OAuthError,
    RequestNotSupported,
    RequestUriNotSupported,
    ServerError,
    UnauthorizedClient,
    UnsupportedResponseType,
)
from ..models import GrantContext
from ..oauth import signed_query
from ..oauth.digests import generate_value, token_digest
from ..oauth.redirect_uris import find_registered, is_loopback_host
from . import consent as consents
from .clients import client_scopes, get_client, profile_of

logger = logging.getLogger(__name__)
security_log = logging.getLogger("better_auth.security.oauth_authorize")

__all__ = [
    "PARAMETERS",
    "PROMPTS",
    "Params",
    "SessionSource",
    "add_query",
    "authorize",
    "canonical_claims",
    "check_resources",
    "error_page_url",
    "error_redirect_url",
    "essential_acr_satisfied",
    "filter_claims_request",
    "is_fresh_for",
    "issue_code",
    "parse_claims_request",
    "parse_prompt",
    "params_from_multi",
    "params_from_pairs",
    "params_to_pairs",
    "pkce_requirement",
    "remove_param",
    "remove_prompt",
    "requested_userinfo_claims",
    "route_error",
    "supported_claims",
    "trusted_redirect_uri",
    "validate_parameters",
    "within_max_age",
]

# The authorization request parameters Better Auth's schema knows, in its
# order; the order decides which invalid parameter is reported first and how
# the continuation is serialised. Unknown parameters pass through after them.
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
PROMPTS = ("none", "consent", "login", "create", "select_account")
# The authentication context class reference every session satisfies
# (Better Auth issues ``acr`` "0", OIDC Core §2).
ACR = "0"
_DANGEROUS = ("javascript", "data", "vbscript")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
# RFC 7636 §4.1 / §4.2: unreserved characters; an S256 challenge is 43.
_CODE_CHALLENGE = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")
_DPOP_JKT = re.compile(r"^[A-Za-z0-9_-]{43}$")
_DECIMAL = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
# Grant.nonce is a 255-character column.
_MAX_NONCE = 255

Params = dict[str, Any]
SessionSource = SessionContext | None | Callable[[], SessionContext | None]


# --- parameters ------------------------------------------------------------


def params_from_pairs(pairs: Iterable[tuple[str, str]]) -> Params:
    """Ordered parameters; a repeated name keeps all its values as a list."""
    out: Params = {}
    for key, value in pairs:
        if key in out:
            current = out[key]
            out[key] = (
                [*current, value]
                if isinstance(current, list)
                else [
                    current,
                    value,
                ]
            )
        else:
            out[key] = value
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


def _text(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    return value if isinstance(value, str) else None


def parse_prompt(value: Any) -> set[str]:
    """The known prompt values of a space-separated ``prompt`` (OIDC §3.1.2.1)."""
    if not isinstance(value, str):
        return set()
    return {p.strip() for p in value.split(" ") if p.strip() in PROMPTS}


def remove_prompt(params: Mapping[str, Any], prompt: str) -> Params:
    """A copy with one ``prompt`` value removed (the step it asked for is done)."""
    out = dict(params)
    value = out.get("prompt")
    if isinstance(value, str):
        prompts = value.split(" ")
        if prompt in prompts:
            prompts.remove(prompt)
            if prompts:
                out["prompt"] = " ".join(prompts)
            else:
                out.pop("prompt")
    return out


def remove_param(params: Mapping[str, Any], name: str) -> Params:
    out = dict(params)
    out.pop(name, None)
    return out


# --- validation (step 3) -----------------------------------------------------


def _js_number(text: str) -> float:
    return float(text) if _DECIMAL.match(text) else math.nan


def _redirect_uri_problem(value: str) -> str | None:
    """Better Auth's ``SafeUrlSchema``: parseable, no script scheme, no
    fragment (RFC 6749 §3.1.2), https unless towards a loopback host."""
    if not _SCHEME.match(value) or any(ch.isspace() for ch in value):
        return "Invalid URL"
    try:
        parts = urlsplit(value)
    except ValueError:
        return "Invalid URL"
    scheme = parts.scheme.lower()
    if scheme in ("http", "https") and not parts.netloc:
        return "Invalid URL"
    if scheme in _DANGEROUS:
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


def _resource_problem(value: Any) -> str | None:
    """RFC 8707 §2: an absolute URI without a fragment."""
    if not isinstance(value, str) or not _SCHEME.match(value):
        return "resource must be an absolute URI"
    if any(ch.isspace() or ch == "\x00" for ch in value) or value.endswith(":"):
        return "resource must be an absolute URI"
    if "#" in value:
        return "resource must not contain a fragment"
    if value.split(":", 1)[0].lower() in _DANGEROUS:
        return "resource cannot use javascript:, data:, or vbscript: scheme"
    return None


Checked = tuple[Any, OAuthError | None]


def _check_resource(value: Any) -> Checked:
    for item in value if isinstance(value, list) else [value]:
        problem = _resource_problem(item)
        if problem:
            return value, InvalidTarget(problem, no_store=False)
    return value, None


def _check_response_type(value: str) -> Checked:
    if value != "code":
        error = UnsupportedResponseType("response_type must be one of: code")
        return value, error
    return value, None


def _check_redirect_uri(value: str) -> Checked:
    problem = _redirect_uri_problem(value)
    return value, _invalid(f"redirect_uri: {problem}") if problem else None


def _check_client_id(value: str) -> Checked:
    return value, None if value else _invalid("client_id: client_id is required")


def _check_prompt(value: str) -> Checked:
    """OIDC Core §3.1.2.1: known values only, ``none`` only alone."""
    tokens = [t.strip() for t in value.split(" ") if t.strip()]
    if not tokens:
        return value, _invalid("prompt: prompt must include at least one value")
    unknown = [t for t in tokens if t not in PROMPTS]
    if unknown:
        return value, _invalid(f"prompt: unsupported prompt value: {unknown[0]}")
    if "none" in tokens and len(set(tokens)) > 1:
        description = "prompt: prompt=none cannot be combined with other prompt values"
        return value, _invalid(description)
    return value, None


def _check_max_age(value: str) -> Checked:
    """OIDC Core §3.1.2.1: a non-negative integer number of seconds."""
    stripped = value.strip()
    if not stripped:
        description = "max_age: Too small: expected string to have >=1 characters"
        return value, _invalid(description)
    number = _js_number(stripped)
    if not math.isfinite(number) or number != int(number) or number < 0:
        return value, _invalid("max_age: max_age must be a non-negative integer")
    return int(number), None


def _check_code_challenge(value: str) -> Checked:
    # Stricter than Better Auth: RFC 7636 §4.2 fixes the alphabet and length,
    # and the code row's column holds at most 128 characters.
    if not _CODE_CHALLENGE.match(value):
        description = "code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~]"
        return value, _invalid(description)
    return value, None


def _check_code_challenge_method(value: str) -> Checked:
    if value != "S256":
        return value, _invalid("code_challenge_method must be one of: S256")
    return value, None


def _check_nonce(value: str) -> Checked:
    # The code row stores at most 255 characters; a truncated nonce would
    # never match in the ID token (OIDC Core §3.1.3.7).
    if len(value) > _MAX_NONCE:
        return value, _invalid(f"nonce must be at most {_MAX_NONCE} characters")
    return value, None


def _check_dpop_jkt(value: str) -> Checked:
    if not _DPOP_JKT.match(value):
        description = (
            "dpop_jkt: dpop_jkt must be a base64url-encoded SHA-256 JWK thumbprint"
        )
        return value, _invalid(description)
    return value, None


_CHECKS: dict[str, Callable[[str], Checked]] = {
    "response_type": _check_response_type,
    "redirect_uri": _check_redirect_uri,
    "client_id": _check_client_id,
    "prompt": _check_prompt,
    "max_age": _check_max_age,
    "code_challenge": _check_code_challenge,
    "code_challenge_method": _check_code_challenge_method,
    "nonce": _check_nonce,
    "dpop_jkt": _check_dpop_jkt,
}


def _check(name: str, value: Any) -> Checked:
    """Validate one known parameter; ``(normalised value, error)``."""
    if name == "resource":
        return _check_resource(value)
    if isinstance(value, list):
        # zod reports a union field's array as "Invalid input".
        if name in ("max_age", "claims"):
            return value, _invalid(f"{name}: Invalid input")
        return value, _invalid(f"{name} must not appear more than once")
    if "\x00" in value:
        return value, _invalid(f"{name} must not contain NUL characters")
    check = _CHECKS.get(name)
    return check(value) if check is not None else (value, None)


def _invalid(description: str) -> InvalidRequest:
    return InvalidRequest(description, no_store=False)


def validate_parameters(raw: Mapping[str, Any]) -> tuple[Params, OAuthError | None]:
    """Step 3: the known parameters in schema order, then the others.

    The first invalid parameter in schema order is reported: a repeated
    parameter (RFC 6749 §3.1), an unsupported ``response_type`` (§4.1.2.1
    ``unsupported_response_type``), a bad ``resource`` (RFC 8707 §2
    ``invalid_target``), anything else ``invalid_request``.
    """
    out: Params = {}
    for name in PARAMETERS:
        if name not in raw:
            if name == "client_id":
                return out, _invalid("client_id is required")
            continue
        value, error = _check(name, raw[name])
        if error is not None:
            return out, error
        out[name] = value
    for name, value in raw.items():
        if name not in out:
            out[name] = value
    return out, None


# --- claims request parameter (OIDC Core §5.5) -----------------------------


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def parse_claims_request(value: Any) -> dict[str, Any] | None:
    """The claims request object, or None when malformed (OIDC Core §5.5)."""
    if isinstance(value, str):
        try:
            value = json.loads(value, parse_constant=_reject_constant)
        except (ValueError, RecursionError):
            return None
    if not isinstance(value, dict):
        return None
    userinfo = value.get("userinfo", {})
    if not isinstance(userinfo, dict) or not all(
        v is None or isinstance(v, dict) for v in userinfo.values()
    ):
        return None
    id_token = value.get("id_token", {})
    if not isinstance(id_token, dict):
        return None
    for name, member in id_token.items():
        if member is not None and not isinstance(member, dict):
            return None
        if name == "acr" and isinstance(member, dict):
            if "essential" in member and not isinstance(member["essential"], bool):
                return None
            if "value" in member and not isinstance(member["value"], str):
                return None
            values = member.get("values", [])
            if not isinstance(values, list) or not all(
                isinstance(v, str) for v in values
            ):
                return None
    return value


def essential_acr_satisfied(value: Any) -> bool:
    """Whether an essential ``id_token.acr`` request accepts "0" (§5.5.1.1)."""
    claims = parse_claims_request(value)
    if claims is None:
        return value is None
    acr = (claims.get("id_token") or {}).get("acr")
    if not isinstance(acr, dict) or acr.get("essential") is not True:
        return True
    if "value" in acr and acr["value"] != ACR:
        return False
    return "values" not in acr or ACR in acr["values"]


def supported_claims() -> list[str]:
    """Claim names the provider can serve (discovery ``claims_supported``)."""
    from ..discovery import _claims_supported

    return _claims_supported()


def requested_userinfo_claims(value: Any) -> list[str]:
    """``claims.userinfo`` names this provider supports, in request order."""
    claims = parse_claims_request(value) if value is not None else None
    userinfo = (claims or {}).get("userinfo") or {}
    allowed = set(supported_claims())
    return [name for name in userinfo if name in allowed]


def filter_claims_request(value: Any, allowed: Iterable[str]) -> dict[str, Any] | None:
    """The claims request keeping only the userinfo claims the user accepted."""
    claims = parse_claims_request(value)
    if claims is None:
        return None
    keep = set(allowed)
    userinfo = {k: v for k, v in (claims.get("userinfo") or {}).items() if k in keep}
    if userinfo:
        filtered = {**claims, "userinfo": userinfo}
    else:
        filtered = {k: v for k, v in claims.items() if k != "userinfo"}
    return filtered or None


def canonical_claims(value: Any) -> str:
    """The claims request as compact JSON text for the code row, "" if none."""
    claims = parse_claims_request(value) if value is not None else None
    if claims is None:
        return ""
    return json.dumps(claims, separators=(",", ":"), ensure_ascii=False)


# --- PKCE (RFC 7636), sessions ------------------------------------------------


def pkce_requirement(profile: Any, scopes: list[str], nonce: str | None) -> str | None:
    """Why PKCE is required for this request, or None (surface §9.6).

    Public clients always (RFC 9700 §2.1.1); ``offline_access`` unless an
    OIDC request carries a ``nonce``; otherwise the client's
    ``require_pkce`` (default true, OAuth 2.1 §4.1.1).
    """
    if profile.is_public:
        return "pkce is required for public clients"
    if "offline_access" in scopes and not ("openid" in scopes and nonce):
        return "pkce or OIDC nonce is required when requesting offline_access scope"
    if profile.require_pkce is None or profile.require_pkce:
        return "pkce is required for this client"
    return None


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def within_max_age(created_at: datetime, max_age: int) -> bool:
    """OIDC Core §3.1.2.1: the authentication is younger than ``max_age``
    seconds; ``max_age=0`` always asks for a fresh login."""
    if max_age == 0:
        return False
    return clock.now_ms() - _ms(created_at) <= max_age * 1000


def is_fresh_for(session: SessionContext | None, issued_at: datetime | None) -> bool:
    """Whether the session was created after the continuation was issued."""
    if session is None or issued_at is None:
        return False
    return _ms(session.session.created_at) >= _ms(issued_at)


# --- URLs ------------------------------------------------------------------


def add_query(url: str, pairs: Iterable[tuple[str, str]]) -> str:
    """Append parameters, keeping the registered URI's own query (§3.1.2)."""
    query = signed_query.serialize(pairs)
    if not query:
        return url
    if "?" not in url:
        return f"{url}?{query}"
    return f"{url}{'' if url.endswith(('?', '&')) else '&'}{query}"


def _error_pairs(error: OAuthError) -> list[tuple[str, str]]:
    return [("error", error.error), ("error_description", error.description or "")]


def error_redirect_url(
    redirect_uri: str,
    error: OAuthError,
    *,
    state: str | None,
    iss: str | None = None,
    mode: str = "query",
) -> str:
    """An authorization error response to the client (RFC 6749 §4.1.2.1),
    with ``state`` and ``iss`` (RFC 9207 §2)."""
    pairs = _error_pairs(error)
    if state:
        pairs.append(("state", state))
    pairs.append(("iss", iss or issuer()))
    if mode == "fragment":
        return f"{redirect_uri}#{signed_query.serialize(pairs)}"
    return add_query(redirect_uri, pairs)


def error_page_url(error: OAuthError, iss: str | None = None) -> str:
    """The server's error page: for errors that must not reach an unverified
    redirect URI (RFC 6749 §4.1.2.1, §10.15). No ``state``, no ``iss``."""
    base = section().ERROR_URL or f"{iss or issuer()}/error"
    return add_query(base, _error_pairs(error))


def _response_mode(raw: Mapping[str, Any]) -> str:
    """Where an early error goes (OAuth 2.0 Multiple Response Types §2.1)."""
    mode = _text(raw, "response_mode")
    if mode in ("fragment", "query"):
        return mode
    response_type = _text(raw, "response_type") or ""
    if re.search(r"\b(token|id_token)\b", response_type):
        return "fragment"
    return "query"


def trusted_redirect_uri(
    client_id: Any, redirect_uri: Any, *, client: Any = None
) -> str | None:
    """``redirect_uri`` if an enabled client registered it, else None."""
    if not isinstance(client_id, str) or not isinstance(redirect_uri, str):
        return None
    if not client_id or not redirect_uri:
        return None
    app = client if client is not None else get_client(client_id)
    if app is None or profile_of(app).disabled:
        return None
    if find_registered(redirect_uri, app.redirect_uris.split()) is None:
        return None
    return redirect_uri


def route_error(
    raw: Mapping[str, Any], error: OAuthError, iss: str | None = None
) -> str:
    """Send an early error to the verified redirect URI, else the error page."""
    target = trusted_redirect_uri(raw.get("client_id"), raw.get("redirect_uri"))
    if target is None:
        security_log.warning(
            "authorization request refused on the error page: %s", error.error
        )
        return error_page_url(error, iss)
    logger.info("authorization request refused: %s", error.error)
    return error_redirect_url(
        target,
        error,
        state=_text(raw, "state"),
        iss=iss,
        mode=_response_mode(raw),
    )


def _to_client(query: Params, error: OAuthError, iss: str | None) -> str:
    logger.info("authorization request refused: %s", error.error)
    return error_redirect_url(
        query["redirect_uri"], error, state=_text(query, "state"), iss=iss
    )


def _page(kind: str) -> str:
    cfg = section()
    login = cfg.LOGIN_PAGE
    pages = {
        "login": login,
        "create": cfg.SIGNUP_PAGE or login,
        "select_account": cfg.SELECT_ACCOUNT_PAGE or login,
        "consent": cfg.CONSENT_PAGE,
        "post_login": cfg.POST_LOGIN_PAGE,
    }
    page = pages[kind]
    if not page:
        logger.error("OAUTH_PROVIDER page for %s is not configured", kind)
        raise ServerError(f"the {kind} page is not configured", no_store=False)
    return str(page)


def _prompt_redirect(
    kind: str,
    query: Params,
    *,
    session_id: str | None = None,
    page: str | None = None,
) -> str:
    """Send the user to a frontend page with the signed continuation."""
    post_login = None
    if kind == "consent" and _post_login_configured():
        post_login = session_id
    signed = signed_query.sign(params_to_pairs(query), post_login_session=post_login)
    target = page or _page(kind)
    return f"{target}{'&' if '?' in target else '?'}{signed}"


def _post_login_configured() -> bool:
    cfg = section()
    return bool(cfg.POST_LOGIN_PAGE) or hook("POST_LOGIN_SHOULD_REDIRECT") is not None


# --- resources (RFC 8707) ----------------------------------------------------


def _configured_resources() -> dict[str, Mapping[str, Any]]:
    out: dict[str, Mapping[str, Any]] = {}
    for entry in section().RESOURCES or []:
        if isinstance(entry, str):
            out[entry] = {}
        elif isinstance(entry, Mapping) and isinstance(entry.get("identifier"), str):
            out[entry["identifier"]] = entry
    return out


def check_resources(
    resources: list[str], scopes: list[str], iss: str | None = None
) -> None:
    """Each requested resource is a configured, enabled resource server
    (RFC 8707 §2 ``invalid_target``); allowed scopes must intersect."""
    # SPEC-GAP(RFC 8707 §2): Better Auth also requires the client to be linked
    # to every resource it names (enforcePerClientResources). No client-resource
    # link is stored yet, so any configured resource is open to every client.
    userinfo = f"{iss or issuer()}/oauth2/userinfo"
    configured = _configured_resources()
    effective = list(scopes)
    for identifier in dict.fromkeys(resources):
        if identifier == userinfo:
            continue
        entry = configured.get(identifier)
        if entry is None:
            raise InvalidTarget(
                f"requested resource {identifier} is not configured", no_store=False
            )
        if entry.get("disabled"):
            raise InvalidTarget(
                f"requested resource {identifier} is disabled", no_store=False
            )
        allowed = entry.get("allowed_scopes")
        if allowed is not None:
            effective = [s for s in effective if s in set(allowed)]
            if not effective:
                raise InvalidScope(
                    "none of the requested scopes are allowed for resource "
                    f"{identifier}",
                    no_store=False,
                )


def _resource_list(value: Any) -> list[str]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


# --- the decision ------------------------------------------------------------


class _Answer(Exception):
    """A step decided where the browser goes; later steps do not run."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


def _refuse(query: Params, error: OAuthError, iss: str) -> _Answer:
    """An error for the verified redirect URI (steps 7 and later)."""
    return _Answer(_to_client(query, error, iss))


def _gate(name: str, context: dict[str, Any]) -> Any:
    gate = hook(name)
    return gate(context) if gate is not None else None


def _step_request_objects(raw: Params, iss: str) -> None:
    """Step 2: request objects (OIDC Core §6) and request_uri (RFC 9126)
    are not supported."""
    request_object, request_uri = _text(raw, "request"), _text(raw, "request_uri")
    if request_object is not None and request_uri is not None:
        error: OAuthError = _invalid("request and request_uri cannot be used together")
    elif request_object is not None:
        error = RequestNotSupported("request object not supported")
    elif request_uri is not None and not _text(raw, "client_id"):
        error = _invalid("client_id is required")
    elif request_uri is not None:
        error = RequestUriNotSupported("request_uri not supported")
    else:
        return
    raise _Answer(route_error(raw, error, iss))


def _step_parameters(raw: Params, iss: str) -> Params:
    """Steps 3 and 4: valid parameters, and a ``response_type``."""
    query, error = validate_parameters(raw)
    if error is None and "response_type" not in query:
        error = _invalid("response_type is required")
    if error is not None:
        raise _Answer(route_error(raw, error, iss))
    return query


def _step_client(query: Params, iss: str) -> Any:
    """Step 6: an enabled client allowed the code grant that registered the
    exact redirect URI (RFC 6749 §3.1.2.3); otherwise the error page."""
    app = get_client(query["client_id"])
    profile = profile_of(app) if app is not None else None
    redirect_uri = query.get("redirect_uri")
    if app is None or profile is None:
        error: OAuthError = InvalidClient("client_id is required")
    elif profile.disabled:
        error = ClientDisabled("client is disabled")
    elif not profile.allows_grant("authorization_code"):
        error = UnauthorizedClient(
            "client is not authorized to use the authorization_code grant"
        )
    elif not redirect_uri or not find_registered(
        redirect_uri, app.redirect_uris.split()
    ):
        error = OAuthError("invalid redirect uri", error="invalid_redirect")
    else:
        return app
    security_log.warning("authorization refused before redirect: %s", error.error)
    raise _Answer(error_page_url(error, iss))


def _step_scopes(query: Params, app: Any, iss: str) -> tuple[Params, list[str]]:
    """Step 7, RFC 6749 §3.3: every scope allowed; none given = defaults."""
    allowed = client_scopes(app)
    if "scope" not in query:
        return _with(query, "scope", " ".join(allowed)), list(allowed)
    scopes = [s for s in str(query["scope"]).split(" ") if s]
    invalid = [s for s in scopes if s not in set(allowed)]
    if invalid:
        description = f"The following scopes are invalid: {', '.join(invalid)}"
        raise _refuse(query, InvalidScope(description), iss)
    return query, scopes


def _step_claims(query: Params, scopes: list[str], iss: str) -> list[str]:
    """Step 8, OIDC Core §5.5: the claims request parameter."""
    claims = query.get("claims")
    openid = "openid" in scopes
    if claims is not None and not openid:
        description = "openid scope must be requested when using the claims parameter"
        raise _refuse(query, _invalid(description), iss)
    if openid and claims is not None and parse_claims_request(claims) is None:
        description = "claims must be a valid Claims request object"
        raise _refuse(query, _invalid(description), iss)
    if openid and not essential_acr_satisfied(claims):
        description = "essential acr requirement cannot be met"
        raise _refuse(query, AccessDenied(description), iss)
    return requested_userinfo_claims(claims)


def _step_resources(query: Params, scopes: list[str], iss: str) -> list[str]:
    """Step 9, RFC 8707 §2: resource indicators."""
    resources = _resource_list(query.get("resource"))
    if resources:
        try:
            check_resources(resources, scopes, iss)
        except OAuthError as refused:
            raise _refuse(query, refused, iss) from None
    return resources


def _step_pkce(query: Params, profile: Any, scopes: list[str], iss: str) -> None:
    """Step 10, RFC 7636 §4.3 and OAuth 2.1 §4.1.1: S256 only (step 3)."""
    challenge = query.get("code_challenge")
    method = query.get("code_challenge_method")
    reason = pkce_requirement(profile, scopes, _text(query, "nonce"))
    if reason and not (challenge and method):
        raise _refuse(query, _invalid(reason), iss)
    if (challenge or method) and not (challenge and method):
        description = "code_challenge and code_challenge_method must both be provided"
        raise _refuse(query, _invalid(description), iss)


def _step_authenticate(
    query: Params, prompts: set[str], session: SessionSource, iss: str
) -> tuple[Params, SessionContext]:
    """Step 11, OIDC Core §3.1.2.1 / §3.1.2.3: a session, fresh enough for
    ``max_age``, unless ``login`` or ``create`` asks to authenticate again."""
    current = session() if callable(session) else session
    max_age = query.get("max_age")
    satisfied = (
        current is not None
        and max_age is not None
        and within_max_age(current.session.created_at, max_age)
    )
    stale = max_age is not None and not satisfied
    if current is None or stale or prompts & {"login", "create"}:
        if "none" in prompts:
            raise _refuse(query, LoginRequired("authentication required"), iss)
        kind = "create" if "create" in prompts else "login"
        raise _Answer(_prompt_redirect(kind, query))
    return (remove_param(query, "max_age") if satisfied else query), current


def _step_gates(
    query: Params,
    prompts: set[str],
    context: dict[str, Any],
    *,
    entry: bool,
    post_login_cleared: bool,
    iss: str,
) -> None:
    """Step 12: account selection, sign-up and post-login pages; with
    ``prompt=none`` the interaction they need is an error (OIDC §3.1.2.6)."""
    none = "none" in prompts
    if entry and "select_account" in prompts:
        raise _Answer(_prompt_redirect("select_account", query))
    if entry and _gate("SELECT_ACCOUNT_SHOULD_REDIRECT", context):
        if none:
            error = AccountSelectionRequired("End-User account selection is required")
            raise _refuse(query, error, iss)
        raise _Answer(_prompt_redirect("select_account", query))
    signup = _gate("SIGNUP_SHOULD_REDIRECT", context)
    if signup:
        if none:
            error = InteractionRequired("End-User interaction is required")
            raise _refuse(query, error, iss)
        page = signup if isinstance(signup, str) else None
        raise _Answer(_prompt_redirect("create", query, page=page))
    if not post_login_cleared and _gate("POST_LOGIN_SHOULD_REDIRECT", context):
        if none:
            error = InteractionRequired("End-User interaction is required")
            raise _refuse(query, error, iss)
        raise _Answer(_prompt_redirect("post_login", query))


def _step_consent(
    query: Params,
    prompts: set[str],
    app: Any,
    current: SessionContext,
    *,
    scopes: list[str],
    userinfo_claims: list[str],
    resources: list[str],
    iss: str,
) -> Any:
    """Step 13, OIDC Core §3.1.2.4: forced by ``prompt=consent``, skipped for
    ``skip_consent`` clients, else a remembered consent must cover the
    request. Returns the covering consent row (None when skipped)."""
    session_id = str(current.session.id)
    if "consent" in prompts:
        raise _Answer(_prompt_redirect("consent", query, session_id=session_id))
    if profile_of(app).skip_consent:
        return None
    consent = consents.find_consent(current.user.pk, app)
    if consents.covers(
        consent, scopes=scopes, userinfo_claims=userinfo_claims, resources=resources
    ):
        return consent
    if "none" in prompts:
        raise _refuse(query, ConsentRequired("End-User consent is required"), iss)
    raise _Answer(_prompt_redirect("consent", query, session_id=session_id))


def authorize(
    params: Mapping[str, Any],
    *,
    session: SessionSource,
    iss: str | None = None,
    headers: Mapping[str, str] | None = None,
    entry: bool = False,
    post_login_cleared: bool = False,
) -> str:
    """Decide an authorization request; the URL the browser goes to next.

    ``session`` is the Better Auth session (or a callable loading it, so
    requests refused before step 11 never read it). ``iss`` is the issuer
    (default: the configured one); ``headers`` are the request headers the
    page gates may look at. ``entry`` marks the authorization endpoint
    itself (account selection is offered there only);
    ``post_login_cleared`` that this session passed the post-login gate.
    Raises :class:`~better_auth.errors.APIError` for 404 (no code grant)
    and 500 (a page the flow needs is not configured).
    """
    if "authorization_code" not in section().GRANT_TYPES:
        raise APIError(404, None, empty=True)
    iss = iss or issuer()
    raw = dict(params)
    try:
        _step_request_objects(raw, iss)
        query = _step_parameters(raw, iss)
        prompts = parse_prompt(query.get("prompt"))
        # Step 5: account selection needs a page to select on.
        if "select_account" in prompts and not section().SELECT_ACCOUNT_PAGE:
            error = OAuthError(
                "unsupported prompt type", error="unsupported_prompt_select_account"
            )
            return error_page_url(error, iss)
        app = _step_client(query, iss)
        query, scopes = _step_scopes(query, app, iss)
        userinfo_claims = _step_claims(query, scopes, iss)
        resources = _step_resources(query, scopes, iss)
        _step_pkce(query, profile_of(app), scopes, iss)
        query, current = _step_authenticate(query, prompts, session, iss)
        context = {
            "user": current.user,
            "session": current.session,
            "scopes": scopes,
            "client": app,
            "headers": dict(headers or {}),
        }
        _step_gates(
            query,
            prompts,
            context,
            entry=entry,
            post_login_cleared=post_login_cleared,
            iss=iss,
        )
        consent = _step_consent(
            query,
            prompts,
            app,
            current,
            scopes=scopes,
            userinfo_claims=userinfo_claims,
            resources=resources,
            iss=iss,
        )
    except _Answer as answer:
        return answer.url
    # Step 14: the code.
    return issue_code(
        app,
        query=query,
        session=current,
        scopes=scopes,
        userinfo_claims=userinfo_claims,
        resources=resources,
        consent=consent,
        iss=iss,
    )


def _with(query: Params, name: str, value: Any) -> Params:
    out = dict(query)
    out[name] = value
    return out


def issue_code(
    application: Any,
    *,
    query: Mapping[str, Any],
    session: SessionContext,
    scopes: list[str],
    userinfo_claims: list[str],
    resources: list[str],
    consent: Any = None,
    iss: str | None = None,
) -> str:
    """Store an authorization code and answer the client's redirect URI.

    The code is 32 random ``[A-Za-z0-9]`` characters, stored only as its
    SHA-256 digest, valid CODE_EXPIRES_IN seconds (RFC 6749 §4.1.2: short
    lived, single use). The row binds what the token endpoint must check:
    the client, the exact ``redirect_uri`` sent (§4.1.3), the PKCE
    challenge (RFC 7636 §4.4), ``nonce``, the ``claims`` request, the
    resources (RFC 8707), the session and its ``auth_time``.
    """
    raw_code = generate_value(32, digits=True)
    now = clock.now()
    redirect_uri = query["redirect_uri"]
    with transaction.atomic():
        grant = get_grant_model().objects.create(
            application=application,
            user_id=session.user.pk,
            code=token_digest(raw_code),
            expires=now + timedelta(seconds=int(section().CODE_EXPIRES_IN)),
            redirect_uri=redirect_uri,
            scope=" ".join(dict.fromkeys(scopes)),
            nonce=_text(query, "nonce") or "",
            claims=canonical_claims(query.get("claims")),
            code_challenge=_text(query, "code_challenge") or "",
            code_challenge_method=_text(query, "code_challenge_method") or "",
            resource=list(dict.fromkeys(resources)),
        )
        GrantContext.objects.create(
            grant=grant,
            session_id=str(session.session.id),
            auth_time=session.session.created_at,
            requested_userinfo_claims=list(userinfo_claims),
            consent=consent,
            dpop_jkt=_text(query, "dpop_jkt") or "",
        )
    logger.info(
        "authorization code issued to client %s for user %s",
        application.client_id,
        session.user.pk,
    )
    pairs = [("code", raw_code)]
    state = _text(query, "state")
    if state:
        pairs.append(("state", state))
    pairs.append(("iss", iss or issuer()))
    return add_query(redirect_uri, pairs)
