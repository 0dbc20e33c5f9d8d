"""Endpoints of the two-factor plugin (core-surface §8.4). Thin: parse, call, render."""

from __future__ import annotations

from typing import Any

from better_auth.api import schema as s
from better_auth.api.context import Context
from better_auth.api.registry import endpoint
from better_auth.errors import APIError

from . import services
from .challenge import resolve
from .conf import section

_METHODS = ("otp", "totp")


def _method(value: Any) -> str | None:
    if value in _METHODS:
        return None
    return 'Invalid option: expected one of "otp"|"totp"'


def _password_field() -> s.Field:
    # Optional in the schema so settings can change at run time; required()
    # below restores Better Auth's z.string() unless ALLOW_PASSWORDLESS.
    return s.string(optional=True)


def _require_password(ctx: Context) -> None:
    if "password" not in ctx.body and not section().ALLOW_PASSWORDLESS:
        raise APIError(
            400,
            "VALIDATION_ERROR",
            "[body.password] Invalid input: expected string, received undefined",
            status_text="400",
        )


ENABLE = s.Schema(
    {
        "password": _password_field(),
        "method": s.Field("string", optional=True, check=_method),
        "issuer": s.string(optional=True),
    }
)
PASSWORD = s.Schema({"password": _password_field()})
VERIFY = s.Schema({"code": s.string(), "trustDevice": s.boolean(optional=True)})
SEND_OTP = s.Schema({"trustDevice": s.boolean(optional=True)})
VERIFY_BACKUP = s.Schema(
    {
        "code": s.string(),
        "disableSession": s.boolean(optional=True),
        "trustDevice": s.boolean(optional=True),
    }
)


@endpoint("/two-factor/enable", "POST", body=ENABLE, session="sensitive")
def enable(ctx: Context) -> dict[str, Any]:
    assert ctx.session is not None
    _require_password(ctx)
    return services.enable(
        ctx,
        ctx.session,
        password=ctx.body.get("password"),
        method=ctx.body.get("method", "totp"),
        issuer=ctx.body.get("issuer"),
    )


@endpoint("/two-factor/disable", "POST", body=PASSWORD, session="sensitive")
def disable(ctx: Context) -> dict[str, Any]:
    assert ctx.session is not None
    _require_password(ctx)
    services.disable(ctx, ctx.session, password=ctx.body.get("password"))
    return {"status": True}


@endpoint("/two-factor/get-totp-uri", "POST", body=PASSWORD, session="sensitive")
def get_totp_uri(ctx: Context) -> dict[str, Any]:
    assert ctx.session is not None
    _require_password(ctx)
    return {
        "totpURI": services.totp_uri(ctx.session, password=ctx.body.get("password"))
    }


@endpoint("/two-factor/verify-totp", "POST", body=VERIFY)
def verify_totp(ctx: Context) -> dict[str, Any]:
    return services.verify_totp(
        ctx,
        resolve(ctx),
        code=ctx.body["code"],
        trust_device=bool(ctx.body.get("trustDevice")),
    )


@endpoint("/two-factor/send-otp", "POST", body=SEND_OTP)
def send_otp(ctx: Context) -> dict[str, Any]:
    # The sender is checked before the challenge, as Better Auth does.
    if services.send_otp() is None:
        raise APIError(400, "OTP_NOT_CONFIGURED")
    services.send_two_factor_otp(ctx, resolve(ctx))
    return {"status": True}


@endpoint("/two-factor/verify-otp", "POST", body=VERIFY)
def verify_otp(ctx: Context) -> dict[str, Any]:
    return services.verify_otp(
        ctx,
        resolve(ctx),
        code=ctx.body["code"],
        trust_device=bool(ctx.body.get("trustDevice")),
    )


@endpoint("/two-factor/verify-backup-code", "POST", body=VERIFY_BACKUP)
def verify_backup_code(ctx: Context) -> dict[str, Any]:
    return services.verify_backup_code(
        ctx,
        resolve(ctx),
        code=ctx.body["code"],
        disable_session=bool(ctx.body.get("disableSession")),
        trust_device=bool(ctx.body.get("trustDevice")),
    )


@endpoint(
    "/two-factor/generate-backup-codes", "POST", body=PASSWORD, session="sensitive"
)
def generate_backup_codes(ctx: Context) -> dict[str, Any]:
    assert ctx.session is not None
    _require_password(ctx)
    codes = services.generate_backup_codes(
        ctx.session, password=ctx.body.get("password")
    )
    return {"status": True, "backupCodes": codes}
