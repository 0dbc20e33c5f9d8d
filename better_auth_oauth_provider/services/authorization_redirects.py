"""Where an authorization sends the browser, besides a code or a late error.

Login, sign-up, account selection, consent and post-login are pages of the
project's frontend (``LOGIN_PAGE`` and the like). The browser goes there
with the authorization request signed into the query
(:mod:`..oauth.signed_query`), and the page posts it back as
``oauth_query`` to resume (oauth-provider surface §1.4, §1.5). A page the
flow needs but the project did not configure is a server error, logged for
the operator.

An error found before the client and its redirect URI are verified goes to
that redirect URI only when an enabled client registered it exactly;
otherwise to the server's error page (RFC 6749 §4.1.2.1, §10.15).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from ..conf import hook, section
from ..errors import OAuthError, ServerError
from ..oauth import signed_query
from ..oauth.authorization_request import params_to_pairs, text_param
from ..oauth.authorization_response import (
    error_page_url,
    error_redirect_url,
    response_mode,
)
from ..oauth.redirect_uris import find_registered, is_safe_redirect_target
from .client_lookup import get_client, profile_of

logger = logging.getLogger(__name__)
security_log = logging.getLogger("better_auth.security.oauth_authorize")

__all__ = [
    "PAGES",
    "page_redirect",
    "page_url",
    "post_login_configured",
    "route_error",
    "trusted_redirect_uri",
]

PAGES = ("login", "create", "select_account", "consent", "post_login")


def page_url(kind: str) -> str:
    """The configured page for ``kind``; sign-up and account selection fall
    back to the login page."""
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


def post_login_configured() -> bool:
    """Whether a post-login step exists (a page or its redirect hook)."""
    cfg = section()
    return bool(cfg.POST_LOGIN_PAGE) or hook("POST_LOGIN_SHOULD_REDIRECT") is not None


def page_redirect(
    kind: str,
    query: Mapping[str, Any],
    *,
    session_id: str | None = None,
    page: str | None = None,
) -> str:
    """The URL of a page with the signed continuation of ``query``.

    A consent redirect carries the session that already passed the
    post-login step (``ba_pl``), so consenting does not repeat it.
    """
    post_login = None
    if kind == "consent" and post_login_configured():
        post_login = session_id
    signed = signed_query.sign(params_to_pairs(query), post_login_session=post_login)
    target = page or page_url(kind)
    return f"{target}{'&' if '?' in target else '?'}{signed}"


def trusted_redirect_uri(
    client_id: Any, redirect_uri: Any, *, client: Any = None
) -> str | None:
    """``redirect_uri`` if an enabled client registered it, else None.

    Registration is not enough: a stored value that became dangerous (a
    ``javascript:`` URI written around validation, say) is never navigated
    to, even with an error (RFC 9700 §4.1, case A.19).
    """
    if not isinstance(client_id, str) or not isinstance(redirect_uri, str):
        return None
    if not client_id or not redirect_uri:
        return None
    app = client if client is not None else get_client(client_id)
    if app is None or profile_of(app).disabled:
        return None
    if find_registered(redirect_uri, app.redirect_uris.split()) is None:
        return None
    if not is_safe_redirect_target(redirect_uri):
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
        state=text_param(raw, "state"),
        iss=iss,
        mode=response_mode(raw),
    )
