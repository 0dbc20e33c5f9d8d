"""Resume an authorization after the user signs in with a social provider.

The login page of the provider may offer "Sign in with ..." buttons: it
posts ``/sign-in/social`` with the signed ``oauth_query`` it was sent
(oauth-provider surface §1.4). That request ends at the external provider,
not with a session, so the continuation is put in the social flow's stored
state (core's server-context extension point, Better Auth's
``addOAuthServerContext``). When ``/callback/:id`` then sets the session
cookie, the authorization resumes for that session with ``login`` dropped
from ``prompt`` (and ``max_age`` when the session is newer than the
continuation, OIDC Core §3.1.2.1), and the browser goes straight on to the
client's ``redirect_uri``.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from better_auth.api.context import Context, Redirect
from better_auth.cookies import SESSION_TOKEN
from better_auth.errors import APIError
from better_auth.hooks import register_after_hook, register_before_hook
from better_auth.services import social
from better_auth.services.bearer import session_from_bearer

from .api.authorize import CONTINUATION, RESUMED
from .conf import issuer
from .oauth.authorization_request import params_from_pairs, remove_param
from .oauth.prompt import is_fresh_for, remove_prompt
from .oauth.signed_query import VerifiedQuery, parse, require_verified, serialize
from .services.authorization import authorize as decide

logger = logging.getLogger(__name__)

__all__ = ["register"]

QUERY = "oauthQuery"
ISSUED_AT_MS = "oauthQueryIssuedAtMs"


def _carry_continuation(ctx: Context) -> None:
    """Before-hook of ``/sign-in/social``: store the continuation in the state."""
    if ctx.path != "/sign-in/social":
        return None
    verified: VerifiedQuery | None = ctx.extra.get(CONTINUATION)
    body = ctx.raw_body if isinstance(ctx.raw_body, dict) else {}
    if verified is None and body.get("oauthQuery"):
        # The camel-case spelling some login pages use; same verification.
        verified = require_verified(body["oauthQuery"])
        ctx.extra[CONTINUATION] = verified
    if verified is None:
        return None
    values: dict[str, Any] = {QUERY: serialize(verified.params)}
    if verified.issued_at is not None:
        values[ISSUED_AT_MS] = int(verified.issued_at.timestamp() * 1000)
    social.add_server_context(ctx.extra, values)
    return None


def _resume_after_callback(ctx: Context, result: Any) -> Any:
    """After-hook of ``/callback/:id``: continue the stored authorization."""
    if not ctx.path.startswith("/callback/") or ctx.extra.get(RESUMED):
        return None
    if not isinstance(result, Redirect):
        return None
    context = social.callback_server_context(ctx.extra)
    query = context.get(QUERY)
    if not isinstance(query, str) or not query:
        return None
    raw = ctx.jar.value_of(SESSION_TOKEN)
    session = session_from_bearer(raw) if raw else None
    if session is None:
        return None
    ctx.extra[RESUMED] = True
    params = remove_prompt(params_from_pairs(parse(query)), "login")
    issued_ms = context.get(ISSUED_AT_MS)
    issued_at = (
        datetime.fromtimestamp(issued_ms / 1000, tz=UTC)
        if isinstance(issued_ms, int)
        else None
    )
    if is_fresh_for(session, issued_at):
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
    logger.info("authorization resumed after a social sign-in")
    # The callback is a top-level navigation and always answers a redirect.
    return Redirect(url)


def register() -> None:
    register_before_hook(_carry_continuation)
    register_after_hook(_resume_after_callback)
