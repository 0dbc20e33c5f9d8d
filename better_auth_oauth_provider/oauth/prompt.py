"""``prompt`` and ``max_age``: when the user must act again (OIDC Core §3.1.2.1).

``prompt`` is a space-delimited list of ``none``, ``login``, ``consent``,
``select_account`` (OIDC Core) and ``create`` (OIDC Prompt Create §4);
``none`` may not be combined with another value. ``max_age`` is the
allowed age, in seconds, of the authentication; ``0`` asks for a fresh
login every time. A step the user completes drops its value from the
request (``login`` after signing in, ``consent`` after consenting), as
Better Auth resumes an authorization (oauth-provider surface §1.4).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from better_auth import clock
from better_auth.services.sessions import SessionContext

from .signed_query import js_number

__all__ = [
    "PROMPTS",
    "is_fresh_for",
    "max_age_problem",
    "parse_max_age",
    "parse_prompt",
    "prompt_problem",
    "remove_prompt",
    "within_max_age",
]

PROMPTS = ("none", "consent", "login", "create", "select_account")


def parse_prompt(value: Any) -> set[str]:
    """The known prompt values of a space-separated ``prompt``."""
    if not isinstance(value, str):
        return set()
    return {p.strip() for p in value.split(" ") if p.strip() in PROMPTS}


def prompt_problem(value: str) -> str | None:
    """Why ``prompt`` is invalid: unknown values, or ``none`` not alone."""
    tokens = [t.strip() for t in value.split(" ") if t.strip()]
    if not tokens:
        return "prompt: prompt must include at least one value"
    unknown = [t for t in tokens if t not in PROMPTS]
    if unknown:
        return f"prompt: unsupported prompt value: {unknown[0]}"
    if "none" in tokens and len(set(tokens)) > 1:
        return "prompt: prompt=none cannot be combined with other prompt values"
    return None


def remove_prompt(params: Mapping[str, Any], prompt: str) -> dict[str, Any]:
    """A copy with one ``prompt`` value removed (the step it asked for is done)."""
    out = dict(params)
    value = out.get("prompt")
    if isinstance(value, str):
        prompts = value.split(" ")
        if prompt in prompts:
            prompts.remove(prompt)
            if prompts:
                out["prompt"] = " ".join(prompts)
            else:
                out.pop("prompt")
    return out


def max_age_problem(value: str) -> str | None:
    """Why ``max_age`` is not a non-negative integer number of seconds."""
    stripped = value.strip()
    if not stripped:
        return "max_age: Too small: expected string to have >=1 characters"
    number = js_number(stripped)
    if not math.isfinite(number) or number != int(number) or number < 0:
        return "max_age: max_age must be a non-negative integer"
    return None


def parse_max_age(value: str) -> int:
    """The seconds of a ``max_age`` that :func:`max_age_problem` accepted."""
    return int(js_number(value.strip()))


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def within_max_age(created_at: datetime, max_age: int) -> bool:
    """The authentication is younger than ``max_age`` seconds; ``max_age=0``
    always asks for a fresh login."""
    if max_age == 0:
        return False
    return clock.now_ms() - _ms(created_at) <= max_age * 1000


def is_fresh_for(session: SessionContext | None, issued_at: datetime | None) -> bool:
    """Whether the session was created after the continuation was issued."""
    if session is None or issued_at is None:
        return False
    return _ms(session.session.created_at) >= _ms(issued_at)
