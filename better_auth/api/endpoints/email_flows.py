"""Email verification, password reset, email change and account deletion.

The email-token endpoints of Better Auth 1.7 (core-surface §3.1):
``/send-verification-email``, ``/verify-email``, ``/request-password-reset``,
``/reset-password/:token``, ``/reset-password``, ``/change-email``,
``/delete-user`` and ``/delete-user/callback``. Every emailed link is built
from ``ctx.info.auth_url``, i.e. the configured BASE_URL, never from
``Host`` or ``X-Forwarded-Host`` (case 67). GET endpoints validate their own
``callbackURL`` because the global origin check skips safe methods (§6.1).

Answers that must not reveal whether an address exists (anonymous
verification request, password reset, change to a taken address) are built
before any email is sent; the prepared emails are handed to the sender when
the server closes the response, so neither a slow mail server nor a failing
sender shows in the response or its timing. Better Auth pads the anonymous
verification answer to 500 ms instead; doing the same work for every
address and sending afterwards keeps the timing uniform without the sleep.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from django.db import transaction
from django.http import HttpResponse

from ... import signals
from ...conf import auth_settings
from ...cookies import DONT_REMEMBER, read_signed
from ...errors import APIError
from ...mail import PendingEmail
from ...models import User
from ...models.user import normalize_email
from ...serializers import user_json
from ...services import change_email as change_email_flow
from ...services import delete_user as delete_user_flow
from ...services import email_verification, password_reset
from ...services.sessions import (
    SessionContext,
    clear_session_cookies,
    create_session,
    get_session,
    set_session_cookie,
)
from .. import schema as s
from ..context import Context, Redirect
from ..origin_check import check_redirect_value
from ..registry import endpoint
from ..router import render

logger = logging.getLogger(__name__)

SEND_VERIFICATION = s.Schema(
    {"email": s.email(), "callbackURL": s.string(optional=True)}
)
VERIFY_QUERY = s.Schema({"token": s.string(), "callbackURL": s.string(optional=True)})
REQUEST_RESET = s.Schema({"email": s.email(), "redirectTo": s.string(optional=True)})
RESET_CALLBACK_QUERY = s.Schema({"callbackURL": s.string()})
RESET = s.Schema({"newPassword": s.string(), "token": s.string(optional=True)})
RESET_QUERY = s.Schema({"token": s.string(optional=True)})
CHANGE_EMAIL = s.Schema({"newEmail": s.email(), "callbackURL": s.string(optional=True)})
DELETE_USER = s.Schema(
    {
        "callbackURL": s.string(optional=True),
        "password": s.string(optional=True),
        "token": s.string(optional=True),
    }
)
DELETE_CALLBACK_QUERY = s.Schema(
    {"token": s.string(), "callbackURL": s.string(optional=True)}
)

USER_DELETED = {"success": True, "message": "User deleted"}
# Status of a verify-email failure answered as JSON (no callbackURL).
_VERIFY_ERROR_STATUS = {"USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL": 422}


class SendAfterResponse(HttpResponse):
    """A JSON response that sends prepared emails once it has been delivered.

    WSGI and ASGI servers call ``close()`` after the body has gone out; the
    emails go before ``request_finished`` fires, so database connections are
    still cleaned up afterwards as usual. An after-hook that replaces this
    response with another one drops the emails.
    """

    def __init__(self, body: Any, emails: list[PendingEmail]) -> None:
        super().__init__(render(body), status=200, content_type="application/json")
        self._emails = emails

    def close(self) -> None:
        emails, self._emails = self._emails, []
        try:
            for email in emails:
                email.send_quietly()
        finally:
            super().close()


def _answer_then_send(body: Any, email: PendingEmail | None) -> SendAfterResponse:
    return SendAfterResponse(body, [email] if email is not None else [])


def _check_callback(ctx: Context, value: Any) -> None:
    check_redirect_value(
        value, "callbackURL", "INVALID_CALLBACK_URL", ctx.info.trusted_origins
    )


def _remember(ctx: Context) -> bool:
    return not read_signed(ctx.cookies, DONT_REMEMBER)


def append_query(url: str, **params: str) -> str:
    """Append ``params`` to ``url``'s query, keeping what is there.

    Better Auth's ``appendQueryParams``: ``?`` when the URL has no query,
    ``&`` otherwise, the fragment kept.
    """
    parts = urlsplit(url)
    extra = urlencode(params)
    if parts.query:
        sep = "" if parts.query.endswith("&") else "&"
        query = f"{parts.query}{sep}{extra}"
    else:
        query = extra
    path = parts.path or ("/" if parts.netloc else "")
    return urlunsplit((parts.scheme, parts.netloc, path, query, parts.fragment))


def set_query(url: str, base: str, name: str, value: str) -> str:
    """Resolve ``url`` against ``base`` and set one query parameter.

    Better Auth's ``new URL(callbackURL, baseURL)`` plus
    ``searchParams.set``: an existing parameter of that name is replaced.
    """
    parts = urlsplit(urljoin(base, url))
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    kept: list[tuple[str, str]] = []
    replaced = False
    for key, current in pairs:
        if key != name:
            kept.append((key, current))
        elif not replaced:
            kept.append((name, value))
            replaced = True
    if not replaced:
        kept.append((name, value))
    path = parts.path or ("/" if parts.netloc else "")
    return urlunsplit(
        (parts.scheme, parts.netloc, path, urlencode(kept), parts.fragment)
    )


# --- email verification -----------------------------------------------------


@endpoint("/send-verification-email", "POST", body=SEND_VERIFICATION)
def send_verification_email(ctx: Context) -> Any:
    """Mail a verification link; anonymous callers always get ``{status: true}``."""
    if auth_settings.EMAIL_VERIFICATION.SEND_VERIFICATION_EMAIL is None:
        logger.error("send-verification-email called but no sender is configured")
        raise APIError(400, "VERIFICATION_EMAIL_NOT_ENABLED")
    email = ctx.body["email"]
    callback = ctx.body.get("callbackURL")
    current = get_session(ctx)
    if current is None:
        pending = email_verification.prepare_for_address(
            email, callback_url=callback, auth_url=ctx.info.auth_url
        )
        return _answer_then_send({"status": True}, pending)
    user = current.user
    if normalize_email(user.email) != normalize_email(email):
        raise APIError(400, "EMAIL_MISMATCH")
    if user.email_verified:
        raise APIError(400, "EMAIL_ALREADY_VERIFIED")
    pending = email_verification.prepare_verification(
        user, callback_url=callback, auth_url=ctx.info.auth_url
    )
    if pending is not None:
        pending.send()
    return {"status": True}


@endpoint("/verify-email", "GET", query=VERIFY_QUERY)
def verify_email(ctx: Context) -> Any:
    """Apply a verification link; errors redirect to ``callbackURL?error=``."""
    callback = ctx.query.get("callbackURL")
    _check_callback(ctx, callback)
    current: SessionContext | None = None
    try:
        claims = email_verification.read_token(ctx.query["token"])
        if claims.update_to:
            current = get_session(ctx)
        outcome = email_verification.verify_email(
            claims,
            auth_url=ctx.info.auth_url,
            callback_url=callback,
            session_user_id=current.user.pk if current is not None else None,
        )
    except email_verification.VerificationError as error:
        if callback:
            return Redirect(append_query(callback, error=error.code))
        raise APIError(_VERIFY_ERROR_STATUS.get(error.code, 401), error.code) from None

    body: dict[str, Any] = {"status": True}
    if outcome.kind == "verified":
        _sign_in_after_verification(ctx, outcome.user)
        body["user"] = None
    elif outcome.kind == "already-verified":
        body["user"] = None
    elif outcome.kind == "email-changed":
        if current is not None:
            current.user = outcome.user
            set_session_cookie(
                ctx.jar, current.session, outcome.user, remember_me=_remember(ctx)
            )
        body["user"] = user_json(outcome.user)
    if callback:
        return Redirect(callback)
    return body


def _sign_in_after_verification(ctx: Context, user: User) -> None:
    """``AUTO_SIGN_IN_AFTER_VERIFICATION``: open (or refresh) the user's session."""
    if not auth_settings.EMAIL_VERIFICATION.AUTO_SIGN_IN_AFTER_VERIFICATION:
        return
    current = get_session(ctx)
    if current is not None and current.user.pk == user.pk:
        current.user = user
        set_session_cookie(ctx.jar, current.session, user, remember_me=_remember(ctx))
        return
    session = create_session(
        user, ip_address=ctx.info.ip, user_agent=ctx.info.user_agent
    )
    set_session_cookie(ctx.jar, session, user)
    logger.info("user %s signed in by email verification", user.pk)
    transaction.on_commit(
        lambda: signals.user_signed_in.send(
            sender=User, user=user, session_id=session.pk, method="email-verification"
        )
    )


# --- password reset ---------------------------------------------------------


@endpoint("/request-password-reset", "POST", body=REQUEST_RESET)
def request_password_reset(ctx: Context) -> Any:
    """Mail a reset link; the answer is the same whether the address exists."""
    pending = password_reset.prepare_reset(
        ctx.body["email"],
        auth_url=ctx.info.auth_url,
        redirect_to=ctx.body.get("redirectTo"),
    )
    body = {"status": True, "message": password_reset.RESET_MESSAGE}
    return _answer_then_send(body, pending)


@endpoint("/reset-password/:token", "GET", query=RESET_CALLBACK_QUERY)
def reset_password_callback(ctx: Context) -> Redirect:
    """Hand a live token to the app's reset page, or send it ``error=INVALID_TOKEN``."""
    callback = ctx.query["callbackURL"]
    _check_callback(ctx, callback)
    auth_url = ctx.info.auth_url
    token = ctx.params.get("token", "")
    if not callback:
        return Redirect(
            set_query(f"{auth_url}/error", auth_url, "error", "INVALID_TOKEN")
        )
    if not password_reset.token_is_live(token):
        return Redirect(set_query(callback, auth_url, "error", "INVALID_TOKEN"))
    return Redirect(set_query(callback, auth_url, "token", token))


@endpoint("/reset-password", "POST", body=RESET, query=RESET_QUERY)
def reset_password(ctx: Context) -> dict[str, bool]:
    token = ctx.body.get("token") or ctx.query.get("token")
    password_reset.reset_password(token, ctx.body["newPassword"])
    return {"status": True}


# --- email change -----------------------------------------------------------


@endpoint("/change-email", "POST", session="sensitive", body=CHANGE_EMAIL)
def change_email(ctx: Context) -> Any:
    current = ctx.session
    result = change_email_flow.change_email(
        current.user,
        new_email=ctx.body["newEmail"],
        callback_url=ctx.body.get("callbackURL"),
        auth_url=ctx.info.auth_url,
    )
    if result.user is not None:
        current.user = result.user
        set_session_cookie(
            ctx.jar, current.session, result.user, remember_me=_remember(ctx)
        )
    return _answer_then_send({"status": True}, result.email)


# --- account deletion -------------------------------------------------------


@endpoint("/delete-user", "POST", session="sensitive", body=DELETE_USER)
def delete_user(ctx: Context) -> dict[str, Any]:
    """Delete the account now, or mail a confirmation link (core-surface §3.1)."""
    if not auth_settings.USER.DELETE_USER.ENABLED:
        raise APIError(404, empty=True)
    current = ctx.session
    user = current.user
    password = ctx.body.get("password")
    if password:
        delete_user_flow.check_password(user, password)
    token = ctx.body.get("token")
    if token:
        delete_user_flow.delete_with_token(user, token)
        clear_session_cookies(ctx.jar)
        return dict(USER_DELETED)
    sent = delete_user_flow.request_deletion(
        user, auth_url=ctx.info.auth_url, callback_url=ctx.body.get("callbackURL")
    )
    if sent:
        return {"success": True, "message": "Verification email sent"}
    if not password and delete_user_flow.session_too_old(current.session):
        raise APIError(400, "SESSION_EXPIRED")
    delete_user_flow.delete_account(user)
    clear_session_cookies(ctx.jar)
    return dict(USER_DELETED)


@endpoint("/delete-user/callback", "GET", query=DELETE_CALLBACK_QUERY)
def delete_user_callback(ctx: Context) -> Any:
    """Redeem an emailed deletion link; the link's owner must be signed in."""
    callback = ctx.query.get("callbackURL")
    _check_callback(ctx, callback)
    if not auth_settings.USER.DELETE_USER.ENABLED:
        raise APIError(404, "NOT_FOUND")
    current = get_session(ctx, disable_cookie_cache=True)
    if current is None:
        raise APIError(404, "FAILED_TO_GET_USER_INFO")
    delete_user_flow.delete_with_token(current.user, ctx.query["token"])
    clear_session_cookies(ctx.jar)
    if callback:
        return Redirect(callback)
    return dict(USER_DELETED)
