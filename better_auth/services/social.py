"""The social / generic OAuth sign-in flow: start, callback, id-token sign-in.

State is a 32-character random value (RFC 6749 §10.12) stored server-side
for ten minutes *and* carried in a signed cookie for five, so a callback is
accepted only once (one ``DELETE ... RETURNING``) and only in the browser
that started it (RFC 9700 §4.7.1). The PKCE verifier (RFC 7636) and the
OIDC ``nonce`` ride in the stored state, never in the URL. Every failure on
the callback is a 302 to the error URL with a lower-snake ``error`` code,
as Better Auth answers (core-surface §3.2).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.db import transaction

from .. import clock, signals
from ..conf import auth_settings
from ..cookies import CookieJar, read_signed
from ..crypto import constant_time_equals, generate_token
from ..errors import APIError
from ..models import User
from ..social import OAuthProvider, ProviderError, get_provider
from ..social.id_token import IdTokenError
from ..storage import verifications
from . import oauth_accounts
from .sessions import create_session, set_session_cookie

logger = logging.getLogger(__name__)
security_log = logging.getLogger("better_auth.security.oauth")

__all__ = [
    "OAUTH_STATE",
    "SERVER_CONTEXT",
    "CallbackRedirect",
    "add_server_context",
    "callback_server_context",
    "handle_callback",
    "id_token_sign_in",
    "one_tap_sign_in",
    "provider_logout_url",
    "redirect_uri",
    "start_authorization",
]

STATE_COOKIE = "state"
STATE_COOKIE_MAX_AGE = 300
STATE_TTL = 600

# Request-scoped keys (``ctx.extra``) of the server-context extension point,
# Better Auth's ``addOAuthServerContext`` / ``getOAuthState().serverContext``:
# a before-hook of ``/sign-in/social`` adds values that ride in the stored
# state, and an after-hook of ``/callback/:id`` reads them back, so a plugin
# can carry its own flow across the provider round trip without the core
# knowing what it is.
SERVER_CONTEXT = "social.server_context"
OAUTH_STATE = "social.oauth_state"


def add_server_context(extra: dict[str, Any], values: dict[str, Any]) -> None:
    """Add JSON-serialisable ``values`` to the state the sign-in will store."""
    extra.setdefault(SERVER_CONTEXT, {}).update(values)


def callback_server_context(extra: dict[str, Any]) -> dict[str, Any]:
    """The server context stored by the sign-in this callback completes."""
    state = extra.get(OAUTH_STATE)
    context = state.get("serverContext") if isinstance(state, dict) else None
    return context if isinstance(context, dict) else {}


def _identifier(state: str) -> str:
    """Verification identifier of a state: a digest, so a DB read is no state."""
    return "oauth-state:" + hashlib.sha256(state.encode()).hexdigest()


def redirect_uri(provider: OAuthProvider, auth_url: str) -> str:
    return provider.options.get("REDIRECT_URI") or f"{auth_url}/callback/{provider.id}"


def start_authorization(
    provider: OAuthProvider,
    *,
    jar: CookieJar,
    auth_url: str,
    callback_url: str,
    error_callback_url: str | None = None,
    new_user_callback_url: str | None = None,
    scopes: list[str] | None = None,
    login_hint: str | None = None,
    additional_params: dict[str, str] | None = None,
    request_sign_up: bool | None = None,
    link: dict[str, str] | None = None,
    additional_data: dict[str, Any] | None = None,
    server_context: dict[str, Any] | None = None,
) -> str:
    """Mint state, PKCE verifier and nonce; store them; return the provider URL."""
    state = generate_token(32)
    verifier = generate_token(128)
    nonce = generate_token(32) if provider.binds_nonce else None
    data: dict[str, Any] = {
        **(additional_data or {}),
        "callbackURL": callback_url,
        "codeVerifier": verifier,
        "expiresAt": clock.now_ms() + STATE_TTL * 1000,
    }
    if error_callback_url:
        data["errorURL"] = error_callback_url
    if new_user_callback_url:
        data["newUserURL"] = new_user_callback_url
    if link:
        data["link"] = link
    if request_sign_up is not None:
        data["requestSignUp"] = bool(request_sign_up)
    if nonce:
        data["idTokenNonce"] = nonce
    if server_context:
        data["serverContext"] = server_context
    url = provider.authorization_url(
        state=state,
        code_verifier=verifier,
        redirect_uri=redirect_uri(provider, auth_url),
        scopes=scopes,
        nonce=nonce,
        login_hint=login_hint,
        additional_params=additional_params,
    )
    verifications.create(_identifier(state), json.dumps(data), STATE_TTL)
    jar.set_signed(STATE_COOKIE, state, max_age=STATE_COOKIE_MAX_AGE)
    return url


@dataclass
class CallbackRedirect:
    location: str


def _append(url: str, params: dict[str, str]) -> str:
    sep = "&" if urlsplit(url).query or url.endswith("?") else "?"
    if url.endswith("?") or url.endswith("&"):
        sep = ""
    return f"{url}{sep}{urlencode(params)}"


class _Fail(Exception):
    def __init__(
        self, code: str, description: str | None = None, url: str | None = None
    ):
        super().__init__(code)
        self.code = code
        self.description = description
        self.url = url


def _consume_state(
    state: str, cookies: dict[str, str], jar: CookieJar
) -> dict[str, Any]:
    """Redeem ``state`` exactly once, in the browser that started the flow."""
    cookie_state = read_signed(cookies, STATE_COOKIE)
    skip_cookie = auth_settings.ACCOUNT.SKIP_STATE_COOKIE_CHECK
    if not skip_cookie and (
        not cookie_state or not constant_time_equals(cookie_state, state)
    ):
        # Read only: a state sent from another browser must not be burnt.
        row = verifications.find(_identifier(state))
        url = None
        if row is not None:
            url = _loads(row.value).get("errorURL")
        security_log.warning("oauth callback state not bound to this browser")
        raise _Fail("state_mismatch", url=url)
    consumed = verifications.consume(_identifier(state))
    jar.expire(STATE_COOKIE)
    if consumed is None:
        raise _Fail("state_mismatch")
    data = _loads(consumed.value)
    expires = data.get("expiresAt")
    if not isinstance(expires, (int, float)) or expires < clock.now_ms():
        raise _Fail("state_mismatch", url=data.get("errorURL"))
    if not isinstance(data.get("codeVerifier"), str):
        raise _Fail("state_invalid")
    return data


def _loads(value: str) -> dict[str, Any]:
    try:
        data = json.loads(value)
    except ValueError:
        raise _Fail("state_invalid") from None
    if not isinstance(data, dict):
        raise _Fail("state_invalid")
    return data


def handle_callback(
    provider_id: str,
    params: dict[str, Any],
    *,
    cookies: dict[str, str],
    jar: CookieJar,
    auth_url: str,
    base_url: str | None,
    ip_address: str | None,
    user_agent: str | None,
    consumed: dict[str, Any] | None = None,
) -> str:
    """Complete a provider redirect; return where to send the browser.

    ``consumed``, when given, receives the redeemed state (for after-hooks
    reading its ``serverContext``).
    """
    default_error = getattr(auth_settings, "ERROR_URL", None) or f"{auth_url}/error"
    error_url = default_error

    def fail(code: str, description: str | None = None, url: str | None = None) -> str:
        query = {"error": code}
        if description:
            query["error_description"] = description
        return _append(url or error_url, query)

    for value in params.values():
        if value is not None and not isinstance(value, str):
            return fail("invalid_callback_request")
    state = params.get("state")
    code = params.get("code")
    if not state and code:
        provider = _provider_or_none(provider_id)
        if provider is not None and provider.options.get("ALLOW_IDP_INITIATED"):
            # A provider-started login restarts with fresh state and PKCE.
            return start_authorization(
                provider, jar=jar, auth_url=auth_url, callback_url=base_url or "/"
            )
    if not state:
        return fail("state_not_found")
    try:
        data = _consume_state(state, cookies, jar)
    except _Fail as failure:
        return fail(failure.code, url=failure.url)
    if consumed is not None:
        consumed.update(data)
    error_url = data.get("errorURL") or default_error
    if params.get("error"):
        return fail(str(params["error"]), params.get("error_description"))
    if not code:
        return fail("no_code")
    provider = _provider_or_none(provider_id)
    if provider is None:
        return fail("oauth_provider_not_found")
    iss = params.get("iss")
    try:
        provider.resolve()
    except ProviderError:
        return fail("oauth_provider_not_found")
    if iss is not None and provider.issuer and iss != provider.issuer:
        security_log.warning("oauth callback iss does not match %s", provider.id)
        return fail("issuer_mismatch")
    if iss is None and provider.sends_iss:
        # RFC 9207 §2.4: an issuer that advertises iss must always send it.
        return fail("issuer_mismatch")
    nonce = data.get("idTokenNonce")
    if provider.binds_nonce and not nonce:
        return fail("nonce_binding_missing")
    try:
        tokens = provider.exchange_code(
            code,
            code_verifier=data["codeVerifier"],
            redirect_uri=redirect_uri(provider, auth_url),
        )
    except ProviderError as error:
        logger.warning("code exchange with %s failed: %s", provider.id, error)
        return fail("invalid_code")
    user_data = _apple_user(params.get("user"))
    try:
        info = provider.user_info(tokens, nonce=nonce, user_data=user_data)
    except ProviderError as error:
        logger.warning("profile from %s refused: %s", provider.id, error)
        return fail("unable_to_get_user_info")
    callback_url = data.get("callbackURL")
    if not callback_url:
        return fail("no_callback_url")
    link = data.get("link")
    try:
        if isinstance(link, dict):
            user = User.objects.filter(pk=link.get("userId")).first()
            if user is None or normalize(link.get("email")) != user.email:
                return fail("unable_to_link_account")
            oauth_accounts.link_account(provider, info, tokens, user=user)
            return callback_url
        disable = bool(provider.options.get("DISABLE_SIGN_UP")) or (
            bool(provider.options.get("DISABLE_IMPLICIT_SIGN_UP"))
            and not data.get("requestSignUp")
        )
        outcome = oauth_accounts.resolve_user(
            provider, info, tokens, disable_sign_up=disable
        )
    except oauth_accounts.OAuthRefused as refused:
        return fail(refused.code, refused.message)
    except APIError as error:
        return fail(error.code or "internal_server_error", error.message)
    user = outcome.user
    if not user.is_active:
        return fail("BANNED_USER", "You have been banned from this application")
    if provider.options.get("REQUIRE_EMAIL_VERIFICATION") and not user.email_verified:
        return fail("email_not_verified")
    try:
        session = create_session(user, ip_address=ip_address, user_agent=user_agent)
    except APIError as error:
        # A session guard refused (the admin plugin's BANNED_USER).
        return fail(error.code or "unable_to_create_session", error.message)
    set_session_cookie(jar, session, user)
    _signed_in(user, session.pk)
    if outcome.is_register:
        return data.get("newUserURL") or callback_url
    return callback_url


def normalize(value: Any) -> str:
    return str(value or "").strip().lower()


def _apple_user(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, str) or not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _provider_or_none(provider_id: str) -> OAuthProvider | None:
    return get_provider(provider_id)


def _signed_in(user: User, session_id: str) -> None:
    logger.info("user %s signed in with a provider (session %s)", user.pk, session_id)
    transaction.on_commit(
        lambda: signals.user_signed_in.send(
            sender=User, user=user, session_id=session_id, method="social"
        )
    )


@dataclass
class IdTokenSignIn:
    user: User
    session: Any


def verify_client_id_token(
    provider: OAuthProvider, token: str, nonce: str | None
) -> dict[str, Any]:
    """Verify an ID token a client hands us; 401 INVALID_TOKEN otherwise."""
    if not provider.supports_id_token_sign_in:
        raise APIError(404, "ID_TOKEN_NOT_SUPPORTED")
    try:
        return provider.verify_id_token(token, nonce=nonce)
    except IdTokenError as error:
        security_log.warning("id token from a client refused: %s", error.reason)
        raise APIError(401, "INVALID_TOKEN") from None
    except ProviderError:
        raise APIError(401, "INVALID_TOKEN") from None


def id_token_sign_in(
    provider: OAuthProvider,
    id_token: dict[str, Any],
    *,
    ip_address: str | None,
    user_agent: str | None,
    request_sign_up: bool = False,
) -> IdTokenSignIn:
    """Sign in with an ID token obtained by a native or single-page client."""
    from ..social import Tokens

    token = id_token.get("token")
    if not isinstance(token, str) or not token:
        raise APIError(401, "INVALID_TOKEN")
    claims = verify_client_id_token(provider, token, id_token.get("nonce"))
    tokens = Tokens(
        access_token=id_token.get("accessToken"),
        refresh_token=id_token.get("refreshToken"),
        id_token=token,
    )
    try:
        info = provider.apply_mapping(provider.map_profile(claims), None)
    except ProviderError:
        raise APIError(401, "FAILED_TO_GET_USER_INFO") from None
    user_hint = id_token.get("user")
    if isinstance(user_hint, dict) and not info.name:
        name = user_hint.get("name") or {}
        if isinstance(name, dict):
            info.name = " ".join(
                str(p) for p in (name.get("firstName"), name.get("lastName")) if p
            )
    if not info.email:
        raise APIError(401, "USER_EMAIL_NOT_FOUND")
    disable = bool(provider.options.get("DISABLE_SIGN_UP")) or (
        bool(provider.options.get("DISABLE_IMPLICIT_SIGN_UP")) and not request_sign_up
    )
    try:
        outcome = oauth_accounts.resolve_user(
            provider, info, tokens, disable_sign_up=disable
        )
    except oauth_accounts.OAuthRefused as refused:
        raise APIError(
            401, "OAUTH_LINK_ERROR", refused.code.replace("_", " ")
        ) from None
    user = outcome.user
    if provider.options.get("REQUIRE_EMAIL_VERIFICATION") and not user.email_verified:
        raise APIError(403, "EMAIL_NOT_VERIFIED")
    session = create_session(user, ip_address=ip_address, user_agent=user_agent)
    _signed_in(user, session.pk)
    return IdTokenSignIn(user, session)


def one_tap_sign_in(
    provider: OAuthProvider,
    token: str,
    *,
    ip_address: str | None,
    user_agent: str | None,
) -> IdTokenSignIn:
    """Google One Tap: sign in the owner of the verified token's subject.

    The account is found by ``(issuer, sub)`` of a token verified with the
    Google provider's own verifier (audience, issuer, keys, ``hd``); the
    email in the token never selects an account by itself, it only feeds
    the usual implicit-linking rules for a subject seen for the first time.
    """
    from ..social import Tokens

    try:
        claims = provider.verify_id_token(token, nonce=None)
    except (IdTokenError, ProviderError) as error:
        reason = getattr(error, "reason", str(error))
        security_log.warning("one tap id token refused: %s", reason)
        raise APIError(400, None, "invalid id token") from None
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise APIError(400, None, "invalid id token")
    try:
        info = provider.apply_mapping(provider.map_profile(claims), None)
    except ProviderError:
        raise APIError(400, None, "invalid id token") from None
    if not info.email:
        raise APIError(400, None, "Email not available in token")
    tokens = Tokens(id_token=token, scopes=["openid", "profile", "email"])
    try:
        outcome = oauth_accounts.resolve_user(
            provider,
            info,
            tokens,
            disable_sign_up=bool(provider.options.get("DISABLE_SIGN_UP")),
        )
    except oauth_accounts.OAuthRefused as refused:
        raise APIError(401, None, refused.code) from None
    user = outcome.user
    if not user.is_active:
        raise APIError(403, "BANNED_USER", "You have been banned from this application")
    if provider.options.get("REQUIRE_EMAIL_VERIFICATION") and not user.email_verified:
        raise APIError(403, "EMAIL_NOT_VERIFIED")
    session = create_session(user, ip_address=ip_address, user_agent=user_agent)
    _signed_in(user, session.pk)
    return IdTokenSignIn(user, session)


def provider_logout_url(
    cookies: dict[str, str],
    *,
    auth_url: str,
    callback_url: str | None = None,
    state: str | None = None,
) -> str | None:
    """Where to end the provider session of the user signing out, if anywhere.

    Read before the local session is deleted. Of the user's accounts whose
    provider offers RP-initiated logout, the most recently updated one is
    used (Better Auth 1.7 ``/sign-out``), with its stored ID token as
    ``id_token_hint`` and ``callbackURL`` as the post-logout redirect.
    Any failure means "no provider logout", never a failed sign-out.
    """
    from ..cookies import SESSION_TOKEN
    from ..models import Account
    from ..social import providers
    from ..storage.sessions import session_store

    token = read_signed(cookies, SESSION_TOKEN)
    if not token:
        return None
    try:
        configured = providers()
        if not any(
            type(p).end_session_url is not OAuthProvider.end_session_url
            for p in configured.values()
        ):
            return None
        session = session_store().find(token)
        if session is None:
            return None
        accounts = Account.objects.filter(
            user_id=session.user_id, provider_id__in=list(configured)
        ).order_by("-updated_at")
        seen: set[str] = set()
        for account in accounts:
            if account.provider_id in seen:
                continue
            seen.add(account.provider_id)
            url = configured[account.provider_id].end_session_url(
                id_token=account.id_token,
                post_logout_redirect_uri=callback_url,
                state=state,
                auth_url=auth_url,
            )
            if url:
                return url
    except Exception:
        logger.exception("could not build the provider logout URL")
    return None
