"""Better Auth's own npm client (``better-auth`` 1.7.25) against this server.

``client_flow.mjs`` uses ``createAuthClient`` from ``better-auth/client``
unchanged: sign-up, duplicate sign-up, wrong and right passwords, session
read and listing, profile update, password change, sign-out. Any difference
in paths, bodies, status codes, error codes or cookies shows up as a failed
step.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from .conftest import FlowResult

pytestmark = [pytest.mark.interop]

EXPECTED_STEPS = [
    "sign-up",
    "sign-up duplicate email",
    "sign-in wrong password",
    "sign-in",
    "get-session",
    "list-sessions",
    "update-user",
    "get-session shows new name",
    "change-password",
    "sign-in old password fails",
    "sign-in new password",
    "sign-out",
    "get-session after sign-out",
]


def test_better_auth_js_client_full_email_password_flow(
    auth_server: str, run_flow: Callable[..., FlowResult]
) -> None:
    """Every step of the stock JS client's email/password flow succeeds."""
    result = run_flow("client_flow.mjs", auth_server, timeout=120)

    assert result.returncode == 0, result.report()
    assert [step["step"] for step in result.steps] == EXPECTED_STEPS, result.report()
    assert all(step["ok"] for step in result.steps), result.report()
    summary = result.summary
    assert summary is not None, result.report()
    assert summary["ok"] is True
    assert summary["failed"] == 0
    assert summary["passed"] == summary["total"] == len(EXPECTED_STEPS)
