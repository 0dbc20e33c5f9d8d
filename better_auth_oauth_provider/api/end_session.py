"""``/oauth2/end-session`` and its confirmation: OpenID Connect RP-Initiated Logout.

The relying party names itself with ``client_id`` or an ``id_token_hint``
(§2), checked by :mod:`..services.end_session`. A valid hint for the
browser's session (or for a session when the browser carries none) logs
out at once. Anything else needs the user's confirmation (§2): a browser
navigation is shown the confirmation page, ``END_SESSION_PAGE`` when set
(redirected there with a signed continuation), else the built-in page; an
API call gets Better Auth's 400. The page posts the answer to
``/oauth2/end-session/confirm``. After a logout the browser goes to
``post_logout_redirect_uri`` with ``state`` only when that URI is registered
for the client exactly (§3), else to a plain "Logged out" page. Answers
carry the no-store headers (surface §6.2).

A GET never logs out without a valid hint. The confirmation is a POST the
router refuses cross-origin (Origin check), whose continuation must match
the HttpOnly SameSite confirmation cookie and the browser's current
session, so another site can neither forge nor replay it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.http import HttpResponse
from django.template.loader import render_to_string

from better_auth.api.context import JSON, Context, Redirect
from better_auth.api.registry import endpoint
from better_auth.conf import auth_settings
from better_auth.cookies import read_signed
from better_auth.crypto import (
    constant_time_equals,
    encode_cookie_value,
    sign_cookie_value,
)
from better_auth.services import sessions

from ..conf import endpoint_url, issuer, section
from ..errors import NO_STORE_HEADERS, InvalidRequest
from ..services.client_lookup import get_client
from ..services.end_session import (
    INVALID_HINT,
    Confirmation,
    end_hinted_session,
    hint_audience,
    logout_client,
    new_nonce,
    post_logout_target,
    sign_confirmation,
    verified_hint,
    verify_confirmation,
)

__all__: list[str] = []

PARAMS = ("id_token_hint", "client_id", "post_logout_redirect_uri", "state")
CONFIRMATION_COOKIE = "session_token.oauth_logout_confirmation"
# The continuation's field in the confirmation POST. Not ``oauth_query``:
# that one is an authorization's continuation, resumed after sign-in.
QUERY_FIELD = "logout_query"
NEEDS_CONFIRMATION = "User confirmation is required to complete logout"
NO_SESSION = "No active session is available for logout"
BAD_CONFIRMATION = "The logout confirmation is invalid or has expired"
PAGE_CSP = (
    "default-src 'none'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
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


def _page(template: str, status: int = 200, **context: Any) -> HttpResponse:
    body = render_to_string(f"better_auth_oauth_provider/{template}", context)
    response = HttpResponse(
        body, status=status, content_type="text/html; charset=utf-8"
    )
    response["Content-Security-Policy"] = PAGE_CSP
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _confirm_path() -> str:
    return urlsplit(issuer()).path.rstrip("/") + "/oauth2/end-session/confirm"


def _set_confirmation_cookie(ctx: Context, nonce: str) -> None:
    signed = encode_cookie_value(sign_cookie_value(nonce, auth_settings.SECRET))
    lifetime = int(section().END_SESSION_CONFIRMATION_EXPIRES_IN)
    ctx.jar.set(CONFIRMATION_COOKIE, signed, max_age=lifetime, path=_confirm_path())


def _expire_confirmation_cookie(ctx: Context) -> None:
    ctx.jar.set(CONFIRMATION_COOKIE, "", max_age=0, path=_confirm_path())


def _logged_out(ctx: Context, target: str | None, *, as_json: bool) -> Any:
    """Where a finished logout leaves the browser (§3)."""
    if as_json:
        body: dict[str, Any] = {"logged_out": True, "redirect": target is not None}
        if target is not None:
            body["url"] = target
        return JSON(body)
    if target is not None:
        return Redirect(target)
    if _is_navigation(ctx):
        return _page("end_session_logged_out.html")
    return JSON(None)


def _finish(ctx: Context, app: Any, params: dict[str, str | None]) -> Any:
    sessions.clear_session_cookies(ctx.jar)
    # The confirmation step's cookie, in case one was pending (surface §6.2).
    _expire_confirmation_cookie(ctx)
    target = post_logout_target(
        app, params["post_logout_redirect_uri"], params["state"]
    )
    return _logged_out(ctx, target, as_json=False)


def _ask(ctx: Context, app: Any, params: dict[str, str | None], current: Any) -> Any:
    """Show the confirmation page, the frontend's or the built-in one (§2)."""
    nonce = new_nonce()
    query = sign_confirmation(
        session_id=str(current.session.id),
        nonce=nonce,
        client_id=app.client_id if app is not None else None,
        post_logout_redirect_uri=(
            params["post_logout_redirect_uri"] if app is not None else None
        ),
        state=params["state"] if app is not None else None,
    )
    _set_confirmation_cookie(ctx, nonce)
    page = section().END_SESSION_PAGE
    if page:
        return Redirect(f"{page}{'&' if '?' in page else '?'}{query}")
    return _page(
        "end_session_confirm.html",
        logout_query=query,
        action=endpoint_url("/oauth2/end-session/confirm", ctx.request),
        client_name=app.name if app is not None else "",
        app_name=auth_settings.APP_NAME,
    )


@endpoint("/oauth2/end-session", ("GET", "POST"), allow_form=True)
def end_session(ctx: Context) -> Any:
    """Log the user out for a relying party (RP-Initiated Logout §2, §3)."""
    ctx.headers.update(NO_STORE_HEADERS)
    params = _params(ctx)
    hint = params["id_token_hint"]
    client_id = params["client_id"] or (hint_audience(hint) if hint else None)
    browser = _is_navigation(ctx)
    current = sessions.get_session(ctx, disable_refresh=True)
    if client_id is None and hint and not (browser and current is not None):
        raise InvalidRequest(INVALID_HINT)
    app = logout_client(client_id) if client_id is not None else None
    claims = None
    if hint and app is not None:
        try:
            claims = verified_hint(hint, app.client_id)
        except InvalidRequest:
            # Better Auth: a browser with a session is asked instead.
            if not (browser and current is not None):
                raise
    if claims is not None:
        if current is None:
            end_hinted_session(str(claims["sub"]), str(claims["sid"]))
            return _finish(ctx, app, params)
        if str(current.session.id) == claims["sid"]:
            sessions.end_session(ctx)
            return _finish(ctx, app, params)
    if current is None:
        if browser:
            # Nothing to end: the user is already signed out here.
            return _finish(ctx, app, params)
        raise InvalidRequest(NO_SESSION)
    if not browser:
        raise InvalidRequest(NEEDS_CONFIRMATION)
    return _ask(ctx, app, params, current)


def _refuse(ctx: Context, as_json: bool) -> Any:
    if as_json:
        raise InvalidRequest(BAD_CONFIRMATION)
    return _page("end_session_error.html", status=400, message=BAD_CONFIRMATION)


def _verified(ctx: Context, body: dict[str, Any]) -> Confirmation | None:
    """The continuation, when it matches this browser's cookie and session."""
    query = body.get(QUERY_FIELD)
    confirmation = verify_confirmation(query) if isinstance(query, str) else None
    if confirmation is None:
        return None
    nonce = read_signed(ctx.cookies, CONFIRMATION_COOKIE)
    if not nonce or not constant_time_equals(nonce, confirmation.nonce):
        return None
    current = sessions.get_session(ctx, disable_cookie_cache=True, disable_refresh=True)
    if current is None or str(current.session.id) != confirmation.session_id:
        return None
    return confirmation


@endpoint("/oauth2/end-session/confirm", "POST", allow_form=True)
def confirm_end_session(ctx: Context) -> Any:
    """The user's answer: ``action=confirm`` logs out, anything else does not.

    The body carries the continuation as ``logout_query``. The built-in
    page posts a form and is answered with a redirect or a page; a
    frontend page that posts with ``fetch`` gets JSON
    ``{"logged_out", "redirect", "url"?}`` to follow.
    """
    ctx.headers.update(NO_STORE_HEADERS)
    body = ctx.raw_body if isinstance(ctx.raw_body, dict) else {}
    as_json = not _is_navigation(ctx)
    confirmation = _verified(ctx, body)
    if confirmation is None:
        return _refuse(ctx, as_json)
    _expire_confirmation_cookie(ctx)
    if body.get("action") != "confirm":
        if as_json:
            return JSON({"logged_out": False, "redirect": False})
        return _page("end_session_cancelled.html")
    sessions.end_session(ctx)
    app = get_client(confirmation.client_id) if confirmation.client_id else None
    target = post_logout_target(
        app, confirmation.post_logout_redirect_uri, confirmation.state
    )
    return _logged_out(ctx, target, as_json=as_json)
