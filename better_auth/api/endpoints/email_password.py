from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...serializers import user_json
from ...services import accounts_flow
from ...services.sessions import set_session_cookie
from .. import schema as s
from ..context import JSON, Context
from ..registry import endpoint

# Better Auth: z.object({...}).and(z.record(z.string(), z.any())); the
# password must be non-empty and ``image`` is a string or absent, never null.
SIGN_UP = s.Schema(
    {
        "name": s.string(),
        "email": s.email(),
        "password": s.string(min_length=1),
        "image": s.string(optional=True),
        "callbackURL": s.string(optional=True),
        "rememberMe": s.boolean(optional=True),
    },
    containers=("object", "record"),
    required=True,
)

SIGN_IN = s.Schema(
    {
        "email": s.string(),
        "password": s.string(),
        "callbackURL": s.string(optional=True),
        "rememberMe": s.boolean(optional=True),
    },
    required=True,
)


@endpoint("/sign-up/email", "POST", body=SIGN_UP, allow_form=True, form_csrf=True)
def sign_up_email(ctx: Context) -> dict[str, Any]:
    b = ctx.body
    remember = b.get("rememberMe", True) is not False
    result = accounts_flow.sign_up_email(
        name=b["name"],
        email=b["email"],
        password=b["password"],
        image=b.get("image"),
        ip_address=ctx.info.ip,
        user_agent=ctx.info.user_agent,
        remember_me=remember,
        callback_url=b.get("callbackURL"),
        auth_url=ctx.info.auth_url,
        # Plugin columns a before-hook validated (username, displayUsername).
        extra_fields=ctx.extra.get("user_fields"),
    )
    if result.session is not None:
        set_session_cookie(ctx.jar, result.session, result.user, remember_me=remember)
    token = result.session.token if result.session is not None else None
    return {"token": token, "user": user_json(result.user)}


@endpoint("/sign-in/email", "POST", body=SIGN_IN, allow_form=True, form_csrf=True)
def sign_in_email(ctx: Context) -> Any:
    return password_sign_in(ctx, accounts_flow.sign_in_email, email=ctx.body["email"])


def password_sign_in(
    ctx: Context,
    sign_in: Callable[..., accounts_flow.SignInResult],
    **identifier: str,
) -> Any:
    """Run ``sign_in`` with the body's password and answer as Better Auth does.

    Every sign-in with a password (email, username) takes the same body fields
    and answers the same shape, so Better Auth's client handles them alike:
    ``{redirect, token, url?, user}``, plus a ``Location`` header when the
    caller asked for a ``callbackURL``. ``identifier`` names the account
    (``email=...``, ``username=...``).
    """
    b = ctx.body
    remember = b.get("rememberMe", True) is not False
    callback = b.get("callbackURL")
    result = sign_in(
        **identifier,
        password=b["password"],
        ip_address=ctx.info.ip,
        user_agent=ctx.info.user_agent,
        remember_me=remember,
        callback_url=callback,
        auth_url=ctx.info.auth_url,
    )
    set_session_cookie(ctx.jar, result.session, result.user, remember_me=remember)
    body: dict[str, Any] = {"redirect": bool(callback), "token": result.session.token}
    if callback:
        body["url"] = callback
    body["user"] = user_json(result.user)
    if callback:
        return JSON(body, headers={"Location": callback})
    return body
