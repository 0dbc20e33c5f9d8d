"""Callables the tests name by dotted path in BETTER_AUTH settings."""

from __future__ import annotations

from typing import Any

from better_auth.api.context import JSON

calls: list[tuple[str, Any]] = []


def allow_all(user_info: dict[str, Any], source: dict[str, Any]) -> None:
    calls.append(("gate", (dict(user_info), dict(source))))


def refuse_example_org(
    user_info: dict[str, Any], source: dict[str, Any]
) -> dict[str, str] | None:
    if user_info["email"].endswith("@example.org"):
        return {
            "error": "email_domain_not_allowed",
            "error_description": "Sign-ups from example.org are closed",
        }
    return None


def broken_gate(user_info: dict[str, Any], source: dict[str, Any]) -> None:
    raise RuntimeError("gate is down")


def block_sign_up(ctx: Any) -> Any:
    calls.append(("before", ctx.path))
    if ctx.path == "/sign-up/email":
        return JSON({"blocked": True}, status=418)
    return None


def tag_get_session(ctx: Any, result: Any) -> Any:
    calls.append(("after", ctx.path))
    if ctx.path == "/get-session":
        return JSON({"replaced": True})
    return None
