"""``POST /oauth2/token``: the token endpoint (RFC 6749 §3.2, §4.1.3, §4.4, §6).

Form-encoded bodies only (RFC 6749 §3.2; a JSON body is 415 as Better Auth
answers it, before anything else). Every answer, errors included, carries
``Cache-Control: no-store`` and ``Pragma: no-cache`` (§5.1). No parameter
may appear twice (§3.2); ``resource`` is the one repeatable parameter
(RFC 8707 §2). Unsupported grant types are refused before any credential
is looked at (surface §1.6).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse

from better_auth.api.context import JSON, Context
from better_auth.api.registry import endpoint
from better_auth.api.router import error_response
from better_auth.errors import APIError
from better_auth.hooks import register_request_check

from ..conf import section
from ..errors import NO_STORE_HEADERS, InvalidRequest, UnsupportedGrantType
from ..oauth.client_auth import authenticate_client, check_grant, form_values
from ..services import tokens

__all__ = ["form_only", "single_values"]

FORM_TYPE = "application/x-www-form-urlencoded"
SUPPORTED_GRANTS = ("authorization_code", "client_credentials", "refresh_token")
TOKEN_PARAMS = (
    "grant_type",
    "code",
    "redirect_uri",
    "code_verifier",
    "refresh_token",
    "scope",
)
_FORM_ONLY: set[str] = set()


def _refuse_other_media(request: HttpRequest, path: str) -> HttpResponse | None:
    """415 for a non-form body on a form-only endpoint, as better-call answers."""
    if path not in _FORM_ONLY or request.method != "POST" or not request.body:
        return None
    if request.content_type == FORM_TYPE:
        return None
    if request.META.get("CONTENT_TYPE"):
        message = (
            f'Content-Type "{request.content_type}" is not allowed. '
            f"Allowed types: {FORM_TYPE}"
        )
    else:
        message = f"Content-Type is required. Allowed types: {FORM_TYPE}"
    return error_response(
        APIError(415, "UNSUPPORTED_MEDIA_TYPE", message, status_text="415")
    )


def form_only(*paths: str) -> None:
    """Make the endpoints at ``paths`` accept form-encoded bodies only."""
    _FORM_ONLY.update(paths)
    register_request_check(_refuse_other_media)


def single_values(
    form: Mapping[str, list[str]], names: Iterable[str]
) -> dict[str, str | None]:
    """One value per parameter; a repeated one is refused (RFC 6749 §3.2)."""
    out: dict[str, str | None] = {}
    for name in names:
        values = [v for v in form.get(name, []) if v != ""]
        if len(values) > 1:
            raise InvalidRequest(f"{name} must not appear more than once")
        out[name] = values[0] if values else None
    return out


def _resources(form: Mapping[str, list[str]]) -> list[str]:
    return list(dict.fromkeys(v for v in form.get("resource", []) if v))


form_only("/oauth2/token")


@endpoint("/oauth2/token", "POST", allow_form=True)
def token(ctx: Context) -> JSON:
    """Dispatch the grant; the body is the RFC 6749 §5.1 token response."""
    request = ctx.request
    form = form_values(request)
    if not form:
        # Better Auth's schema error for a body-less request (transcript
        # A/token-missing-grant).
        raise InvalidRequest("Invalid input: expected object, received undefined")
    params = single_values(form, TOKEN_PARAMS)
    grant_type = params["grant_type"]
    if not grant_type:
        raise InvalidRequest("grant_type is required")
    if grant_type not in SUPPORTED_GRANTS or grant_type not in section().GRANT_TYPES:
        raise UnsupportedGrantType(f"unsupported grant_type {grant_type}")

    body: dict[str, Any]
    if grant_type == "refresh_token":
        if not params["refresh_token"]:
            raise InvalidRequest(
                "Missing a required refresh_token for refresh_token grant"
            )
        body = tokens.refresh_grant(
            refresh_token=params["refresh_token"],
            scope=params["scope"],
            resources=_resources(form),
            authenticate=lambda: authenticate_client(request, form=form),
        )
        return JSON(body, 200, dict(NO_STORE_HEADERS))

    client = authenticate_client(request, form=form)
    check_grant(client, grant_type)
    if grant_type == "client_credentials":
        body = tokens.client_credentials_grant(
            client, scope=params["scope"], resources=_resources(form)
        )
    else:
        if not params["code"]:
            raise InvalidRequest("code is required")
        body = tokens.exchange_code(
            client,
            code=params["code"],
            redirect_uri=params["redirect_uri"],
            code_verifier=params["code_verifier"],
            resources=_resources(form),
        )
    return JSON(body, 200, dict(NO_STORE_HEADERS))
