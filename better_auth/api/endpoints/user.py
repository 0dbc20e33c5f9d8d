from __future__ import annotations

from typing import Any

from ...serializers import iso, user_json
from ...services import profile
from ...services.sessions import set_session_cookie
from .. import schema as s
from ..context import Context
from ..registry import endpoint

CHANGE_PASSWORD = s.Schema(
    {
        "newPassword": s.string(),
        "currentPassword": s.string(),
        "revokeOtherSessions": s.boolean(optional=True),
    },
    required=True,
)
# Better Auth: z.record(z.string(), z.any()); the handler picks its fields.
UPDATE_USER = s.Schema(passthrough=True, containers=("record",), required=True)


@endpoint("/update-user", "POST", session="session", body=UPDATE_USER)
def update_user(ctx: Context) -> dict[str, bool]:
    user = profile.update_user(
        ctx.session.user, ctx.body, extra_fields=ctx.extra.get("user_fields")
    )
    current = ctx.session
    current.user = user
    remember = not _dont_remember(ctx)
    set_session_cookie(ctx.jar, current.session, user, remember_me=remember)
    return {"status": True}


@endpoint("/change-password", "POST", session="sensitive", body=CHANGE_PASSWORD)
def change_password(ctx: Context) -> dict[str, Any]:
    b = ctx.body
    new_session = profile.change_password(
        ctx.session.user,
        current_password=b["currentPassword"],
        new_password=b["newPassword"],
        revoke_other_sessions=bool(b.get("revokeOtherSessions")),
        ip_address=ctx.info.ip,
        user_agent=ctx.info.user_agent,
    )
    token = None
    if new_session is not None:
        set_session_cookie(
            ctx.jar, new_session, ctx.session.user, remember_me=not _dont_remember(ctx)
        )
        token = new_session.token
    return {"token": token, "user": user_json(ctx.session.user)}


@endpoint(
    "/verify-password",
    "POST",
    session="sensitive",
    body=s.Schema({"password": s.string()}, required=True),
)
def verify_password(ctx: Context) -> dict[str, bool]:
    profile.verify_password(ctx.session.user, ctx.body["password"])
    return {"status": True}


@endpoint("/list-accounts", "GET", session="session")
def list_accounts(ctx: Context) -> list[dict[str, Any]]:
    from ...models import Account

    rows = Account.objects.filter(user_id=ctx.session.user.pk).order_by("created_at")
    return [
        {
            "id": a.id,
            "providerId": a.provider_id,
            "issuer": a.issuer,
            "accountId": a.account_id,
            "userId": a.user_id,
            "createdAt": iso(a.created_at),
            "updatedAt": iso(a.updated_at),
            "scopes": a.scopes,
        }
        for a in rows
    ]


def _dont_remember(ctx: Context) -> bool:
    from ...cookies import DONT_REMEMBER, read_signed

    return bool(read_signed(ctx.cookies, DONT_REMEMBER))
