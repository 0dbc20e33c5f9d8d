"""``/oauth2/authorize`` and the resumption of an authorization after sign-in.

The endpoint answers GET and form POST (RFC 6749 §3.1: the server MUST
support GET and MAY support POST; OIDC Core §3.1.2.1 asks for both). The
decision is :func:`~..services.authorization.authorize`; this module reads
the parameters, the session and the way the answer is delivered: a 302, or
``200 {"redirect": true, "url"}`` for scripts (``Sec-Fetch-Mode: cors`` or
``Accept: application/json``), so Better Auth's client can follow it.

Two hooks join the flow to the core API, as Better Auth's provider does:

* before any endpoint whose body carries ``oauth_query``, the signed
  continuation is verified (400 ``invalid_signature`` otherwise) and kept on
  the request;
* after an endpoint that set the session cookie (sign-in, sign-up, ...), the
  kept authorization resumes for the new session with ``login`` dropped from
  ``prompt`` (and ``max_age`` when the session is newer than the
  continuation), and its URL replaces the endpoint's answer.
"""

from __future__ import annotations

import logging
from typing import Any

from better_auth.api.context import Context, Redirect
from better_auth.api.registry import endpoint
from better_auth.cookies import SESSION_TOKEN
from better_auth.errors import APIError
from better_auth.hooks import register_after_hook, register_before_hook
from better_auth.services.bearer import session_from_bearer
from better_auth.services.sessions import SessionContext, get_session

from ..conf import issuer
from ..oauth.authorization_request import (
    params_from_multi,
    params_from_pairs,
    remove_param,
)
from ..oauth.form_params import FORM_TYPE, form_values
from ..oauth.prompt import is_fresh_for, remove_prompt
from ..oauth.signed_query import VerifiedQuery, require_verified
from ..services.authorization import authorize as decide
from ._common import unsupported_media_type

logger = logging.getLogger(__name__)

__all__ = [
    "CONTINUATION",
    "RESUMED",
    "deliver",
    "is_navigation",
    "wants_json",
]

# ctx.extra keys: the verified continuation, and "an authorization already
# ran for this request" (so the after-hook does not run it twice).
CONTINUATION = "oauth_provider.continuation"
RESUMED = "oauth_provider.resumed"


def wants_json(ctx: Context) -> bool:
    """Better Auth's ``handleRedirect``: scripts get JSON, browsers a 302."""
    headers = ctx.request.headers
    accept = headers.get("accept") or ""
    return headers.get("sec-fetch-mode") == "cors" or "application/json" in accept


def is_navigation(ctx: Context) -> bool:
    """A top-level browser navigation (a form post), not a script's fetch."""
    headers = ctx.request.headers
    mode = (headers.get("sec-fetch-mode") or "").lower()
    if mode:
        return mode == "navigate"
    accept = (headers.get("accept") or "").lower()
    return "text/html" in accept or "application/xhtml+xml" in accept


def deliver(url: str, *, as_json: bool) -> Any:
    """The answer that sends the user agent to ``url``."""
    if as_json:
        return {"redirect": True, "url": url}
    return Redirect(url)


def _parameters(ctx: Context) -> dict[str, Any]:
    if ctx.method != "POST":
        return dict(ctx.query)
    if ctx.raw_body is not None and ctx.request.content_type != FORM_TYPE:
        raise unsupported_media_type(ctx.request)
    return params_from_multi(form_values(ctx.request))


@endpoint("/oauth2/authorize", ("GET", "POST"), allow_form=True)
def authorize(ctx: Context) -> Any:
    """RFC 6749 §4.1.1 authorization request; OIDC Core §3.1.2.1.

    The session is read from the store, not the cookie cache: a session
    revoked elsewhere must not authorize a client (case 61).
    """
    ctx.extra[RESUMED] = True
    params = _parameters(ctx)
    url = decide(
        params,
        session=lambda: get_session(ctx, disable_cookie_cache=True),
        iss=issuer(ctx.request),
        headers=ctx.request.headers,
        entry=True,
    )
    return deliver(url, as_json=wants_json(ctx))


def _verify_continuation(ctx: Context) -> None:
    """Before-hook: an ``oauth_query`` in a body must be ours and unexpired."""
    body = ctx.raw_body
    if not isinstance(body, dict):
        return None
    value = body.get("oauth_query")
    # Better Auth's matcher is JavaScript truthiness: "" / 0 / false / null
    # mean "no continuation", anything else must verify.
    if value is None or value is False or value == "" or value == 0:
        return None
    ctx.extra[CONTINUATION] = require_verified(value)
    return None


def _new_session(ctx: Context) -> SessionContext | None:
    """The session whose cookie this response sets, if any."""
    raw = ctx.jar.value_of(SESSION_TOKEN)
    return session_from_bearer(raw) if raw else None


def _resume_after_sign_in(ctx: Context, result: Any) -> Any:
    """After-hook: continue the authorization the sign-in page was sent for."""
    state: VerifiedQuery | None = ctx.extra.get(CONTINUATION)
    if state is None or ctx.extra.get(RESUMED) or isinstance(result, APIError):
        return None
    session = _new_session(ctx)
    if session is None:
        return None
    ctx.extra[RESUMED] = True
    params = remove_prompt(params_from_pairs(state.params), "login")
    if is_fresh_for(session, state.issued_at):
        params = remove_param(params, "max_age")
    try:
        url = decide(
            params,
            session=session,
            iss=issuer(ctx.request),
            headers=ctx.request.headers,
        )
    except APIError as error:
        return error
    logger.info("authorization resumed after sign-in on %s", ctx.path)
    return deliver(url, as_json=not is_navigation(ctx) or wants_json(ctx))


register_before_hook(_verify_continuation)
register_after_hook(_resume_after_sign_in)
