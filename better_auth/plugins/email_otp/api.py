"""Endpoints of the email OTP plugin (core-surface §8.3). Thin: parse, call, render."""

from __future__ import annotations

from typing import Any

from better_auth.api import schema as s
from better_auth.api.context import Context
from better_auth.api.registry import endpoint
from better_auth.conf import auth_settings
from better_auth.errors import APIError
from better_auth.serializers import user_json
from better_auth.services.sessions import create_session, set_session_cookie

from . import services
from .codes import TYPES


def _type(value: Any) -> str | None:
    if value in TYPES:
        return None
    options = "|".join(f'"{t}"' for t in TYPES)
    return f"Invalid option: expected one of {options}"


def _email(ctx: Context, key: str = "email") -> str:
    value = ctx.body[key]
    if not s.is_email(value.strip().lower()):
        raise APIError(400, "INVALID_EMAIL")
    return value


TYPE = s.Field("string", check=_type)
SEND = s.Schema({"email": s.string(), "type": TYPE}, required=True)
CHECK = s.Schema({"email": s.string(), "type": TYPE, "otp": s.string()}, required=True)
VERIFY_EMAIL = s.Schema({"email": s.string(), "otp": s.string()}, required=True)
SIGN_IN = s.Schema(
    {
        "email": s.string(),
        "otp": s.string(),
        "name": s.string(optional=True),
        "image": s.string(optional=True),
    },
    containers=("object", "record"),
    required=True,
)
REQUEST_RESET = s.Schema({"email": s.string()}, required=True)
RESET = s.Schema(
    {"email": s.string(), "otp": s.string(), "password": s.string()}, required=True
)
REQUEST_CHANGE = s.Schema(
    {"newEmail": s.string(), "otp": s.string(optional=True)}, required=True
)
CHANGE = s.Schema({"newEmail": s.string(), "otp": s.string()}, required=True)

SUCCESS = {"success": True}


@endpoint("/email-otp/send-verification-otp", "POST", body=SEND, form_csrf=True)
def send_verification_otp(ctx: Context) -> dict[str, Any]:
    services.send_verification_otp(_email(ctx), ctx.body["type"], ctx.request)
    return SUCCESS


@endpoint("/email-otp/check-verification-otp", "POST", body=CHECK)
def check_verification_otp(ctx: Context) -> dict[str, Any]:
    services.check_otp(_email(ctx), ctx.body["type"], ctx.body["otp"])
    return SUCCESS


@endpoint("/email-otp/verify-email", "POST", body=VERIFY_EMAIL)
def verify_email(ctx: Context) -> dict[str, Any]:
    user = services.verify_email(_email(ctx), ctx.body["otp"])
    token = None
    if auth_settings.EMAIL_VERIFICATION.AUTO_SIGN_IN_AFTER_VERIFICATION:
        session = create_session(
            user, ip_address=ctx.info.ip, user_agent=ctx.info.user_agent
        )
        set_session_cookie(ctx.jar, session, user)
        token = session.token
    return {"status": True, "token": token, "user": user_json(user)}


@endpoint("/sign-in/email-otp", "POST", body=SIGN_IN)
def sign_in_email_otp(ctx: Context) -> dict[str, Any]:
    user, session = services.sign_in(
        ctx.body["email"],
        ctx.body["otp"],
        name=ctx.body.get("name"),
        image=ctx.body.get("image"),
        ip_address=ctx.info.ip,
        user_agent=ctx.info.user_agent,
    )
    set_session_cookie(ctx.jar, session, user)
    return {"token": session.token, "user": user_json(user)}


def _request_reset(ctx: Context) -> dict[str, Any]:
    services.request_password_reset(_email(ctx), ctx.request)
    return SUCCESS


endpoint("/email-otp/request-password-reset", "POST", body=REQUEST_RESET)(
    _request_reset
)
# Better Auth keeps the pre-1.6 path as a deprecated alias.
endpoint("/forget-password/email-otp", "POST", body=REQUEST_RESET)(_request_reset)


@endpoint("/email-otp/reset-password", "POST", body=RESET)
def reset_password(ctx: Context) -> dict[str, Any]:
    services.reset_password(_email(ctx), ctx.body["otp"], ctx.body["password"])
    return SUCCESS


@endpoint(
    "/email-otp/request-email-change", "POST", body=REQUEST_CHANGE, session="sensitive"
)
def request_email_change(ctx: Context) -> dict[str, Any]:
    assert ctx.session is not None
    new_email = _email(ctx, "newEmail")
    services.request_email_change(
        ctx.session.user, new_email, ctx.body.get("otp"), ctx.request
    )
    return SUCCESS


@endpoint("/email-otp/change-email", "POST", body=CHANGE, session="sensitive")
def change_email(ctx: Context) -> dict[str, Any]:
    assert ctx.session is not None
    new_email = _email(ctx, "newEmail")
    user = services.change_email(ctx.session.user, new_email, ctx.body["otp"])
    set_session_cookie(ctx.jar, ctx.session.session, user)
    return SUCCESS
