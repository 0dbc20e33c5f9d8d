"""``GET|POST /oauth2/end-session``: OpenID Connect RP-Initiated Logout 1.0.

The relying party names itself with ``client_id`` or an ``id_token_hint``
(§2), checked by :mod:`..services.end_session`: a forged or expired hint is
a 400, never a server error. The hinted Better Auth session ends and the
session cookies are expired; the browser goes to ``post_logout_redirect_uri`` with
``state`` only when that URI is registered for the client exactly (§3).
Answers carry the no-store headers (surface §6.2).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from django.http import HttpResponse

from better_auth.api.context import JSON, Context, Redirect
from better_auth.api.registry import endpoint
from better_auth.services import sessions

from ..conf import issuer
from ..errors import NO_STORE_HEADERS, InvalidRequest
from ..services.end_session import (
    INVALID_HINT,
    end_hinted_session,
    hint_audience,
    logout_client,
    verified_hint,
)

__all__: list[str] = []

PARAMS = ("id_token_hint", "client_id", "post_logout_redirect_uri", "state")
CONFIRMATION_COOKIE = "session_token.oauth_logout_confirmation"
LOGGED_OUT_PAGE = (
    b"<!doctype html><html><head><meta charset=utf-8><title>Logged out</title>"
    b'</head><body><main><p data-oidc-logout-state="logged-out">Logged out</p>'
    b"</main></body></html>"
)


def _params(ctx: Context) -> dict[str, str | None]:
    source: Any = ctx.query if ctx.method == "GET" else ctx.raw_body
    if not isinstance(source, dict):
        source = {}
    out: dict[str, str | None] = {}
    for name in PARAMS:
        value = source.get(name)
        if isinstance(value, list):
            raise InvalidRequest(f"{name} must not appear more than once")
        out[name] = value if isinstance(value, str) and value else None
    return out


def _is_navigation(ctx: Context) -> bool:
    mode = ctx.request.headers.get("Sec-Fetch-Mode", "").lower()
    if mode == "cors":
        return False
    return mode == "navigate" or "text/html" in ctx.request.headers.get("Accept", "")


def _finish(ctx: Context, app: Any, params: dict[str, str | None]) -> Any:
    sessions.clear_session_cookies(ctx.jar)
    # The confirmation step's cookie, in case one was pending (surface §6.2).
    ctx.jar.set(CONFIRMATION_COOKIE, "", max_age=0, path=_confirm_path())
    target = params["post_logout_redirect_uri"]
    if target and target in (app.post_logout_redirect_uris or "").split():
        if params["state"]:
            joiner = "&" if "?" in target else "?"
            target = f"{target}{joiner}{urlencode({'state': params['state']})}"
        return Redirect(target)
    if _is_navigation(ctx):
        response = HttpResponse(
            LOGGED_OUT_PAGE, content_type="text/html; charset=utf-8"
        )
        response["Content-Security-Policy"] = (
            "default-src 'none'; frame-ancestors 'none'"
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
    return JSON(None)


def _confirm_path() -> str:
    return urlsplit(issuer()).path.rstrip("/") + "/oauth2/end-session/confirm"


@endpoint("/oauth2/end-session", ("GET", "POST"), allow_form=True)
def end_session(ctx: Context) -> Any:
    """Log the user out for a relying party (RP-Initiated Logout §2, §3)."""
    ctx.headers.update(NO_STORE_HEADERS)
    params = _params(ctx)
    hint = params["id_token_hint"]
    client_id = params["client_id"] or (hint_audience(hint) if hint else None)
    if client_id is None and hint:
        raise InvalidRequest(INVALID_HINT)
    current = sessions.get_session(ctx, disable_refresh=True)
    if client_id is None or hint is None:
        if client_id is not None:
            logout_client(client_id)
        # SPEC-GAP(RP-Initiated Logout §2): no confirmation page yet, so a
        # logout without a hint is refused rather than confirmed.
        if current is None:
            raise InvalidRequest("No active session is available for logout")
        raise InvalidRequest("User confirmation is required to complete logout")
    app = logout_client(client_id)
    claims = verified_hint(hint, app.client_id)
    if current is not None and str(current.session.id) != claims["sid"]:
        raise InvalidRequest("User confirmation is required to complete logout")
    if current is not None:
        sessions.end_session(ctx)
    else:
        end_hinted_session(str(claims["sub"]), str(claims["sid"]))
    return _finish(ctx, app, params)
