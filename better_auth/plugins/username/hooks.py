"""The before-hook that lets sign-up, update-user and the admin routes take
a username, as Better Auth's username plugin does with its hooks.

On ``/sign-up/email`` and ``/update-user`` the validated, normalized values
go to the core through ``ctx.extra["user_fields"]`` and are written with
the rest of the row (the unique index has the last word under a race). On
the admin plugin's create-user and update-user they are checked and
rewritten inside ``data``.
"""

from __future__ import annotations

from typing import Any

from better_auth.api.context import Context
from better_auth.errors import APIError
from better_auth.models import User
from better_auth.models.user import normalize_email
from better_auth.services.sessions import get_session

from .conf import section
from .rules import (
    display_problem,
    is_taken,
    normalize,
    normalize_display,
    username_problem,
)

__all__ = ["accept_username", "name_the_lost_race"]

_PATHS = frozenset(
    {"/sign-up/email", "/update-user", "/admin/create-user", "/admin/update-user"}
)


def accept_username(ctx: Context) -> Any:
    if ctx.path not in _PATHS or not isinstance(ctx.raw_body, dict):
        return None
    if ctx.path.startswith("/admin/"):
        _admin_data(ctx)
        return None
    body = ctx.raw_body
    fields: dict[str, Any] = {}
    username = body.get("username")
    display = body.get("displayUsername")
    if (
        ctx.path == "/sign-up/email"
        and isinstance(display, str)
        and "username" not in body
        and username_problem(display) is None
    ):
        username = display
    if isinstance(username, str):
        problem = username_problem(username)
        if problem:
            raise APIError(400, problem)
        normalized = normalize(username)
        owner = None
        if ctx.path == "/update-user":
            current = get_session(ctx)
            if current is None:
                return None
            ctx.session = current
            owner = current.user.pk
            held = current.user.username
            if section().IMMUTABLE_USERNAME and held and held != normalized:
                raise APIError(400, "USERNAME_IS_IMMUTABLE")
        if is_taken(normalized, except_user_id=owner):
            raise APIError(400, "USERNAME_IS_ALREADY_TAKEN")
        fields["username"] = normalized
    if section().DISPLAY_USERNAME:
        problem = display_problem(display)
        if problem:
            raise APIError(400, problem)
        if isinstance(display, str):
            fields["display_username"] = normalize_display(display)
        elif ctx.path == "/sign-up/email" and isinstance(username, str):
            fields["display_username"] = username
    if fields:
        ctx.extra.setdefault("user_fields", {}).update(fields)
    return None


def _admin_data(ctx: Context) -> None:
    data = ctx.raw_body.get("data")
    if not isinstance(data, dict):
        return
    username = data.get("username")
    display = data.get("displayUsername")
    if isinstance(username, str) and username:
        problem = username_problem(username)
        if problem:
            raise APIError(400, problem)
        normalized = normalize(username)
        target = ctx.raw_body.get("userId")
        owner = str(target) if ctx.path == "/admin/update-user" else None
        if is_taken(normalized, except_user_id=owner):
            raise APIError(400, "USERNAME_IS_ALREADY_TAKEN")
        data["username"] = normalized
        if (
            ctx.path == "/admin/create-user"
            and section().DISPLAY_USERNAME
            and not display
        ):
            data["displayUsername"] = username
    if section().DISPLAY_USERNAME and isinstance(display, str):
        problem = display_problem(display)
        if problem:
            raise APIError(400, problem)
        data["displayUsername"] = normalize_display(display)


def name_the_lost_race(ctx: Context, result: Any) -> Any:
    """After-hook: a sign-up that lost a username race says so.

    The availability check above can be passed by two sign-ups at once; the
    unique index then refuses the second INSERT, which the core reports as a
    duplicate email. When the email is in fact free and the username is not,
    the answer is Better Auth's ``USERNAME_IS_ALREADY_TAKEN``.
    """
    if ctx.path != "/sign-up/email" or not isinstance(result, APIError):
        return None
    if result.code != "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL":
        return None
    username = (ctx.extra.get("user_fields") or {}).get("username")
    email = ctx.raw_body.get("email") if isinstance(ctx.raw_body, dict) else None
    if not username or not isinstance(email, str):
        return None
    if User.objects.filter(email=normalize_email(email)).exists():
        return None
    if not is_taken(username):
        return None
    return APIError(400, "USERNAME_IS_ALREADY_TAKEN")
