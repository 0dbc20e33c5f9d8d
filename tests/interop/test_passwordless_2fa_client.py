"""Better Auth's npm client with twoFactorClient, emailOTPClient and magicLinkClient.

``passwordless_2fa_flow.mjs`` enables TOTP, signs in through the
``twoFactorRedirect`` challenge and verify-totp, signs in with an emailed
code and with a magic link, all with the stock client (``better-auth``
1.7.25). The server's senders write to an outbox file the flow reads, as a
user reads their inbox.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .conftest import FlowResult

pytestmark = [pytest.mark.interop]

OUTBOX: dict[str, Path] = {}

EXPECTED_STEPS = [
    "sign-up",
    "two-factor enable (totp)",
    "verify-totp turns two-factor on",
    "sign-out",
    "sign-in answers twoFactorRedirect",
    "no session while the challenge is open",
    "verify-totp finishes the sign-in",
    "get-session after two-factor",
    "email-otp send",
    "email-otp sign-in",
    "get-session after email-otp",
    "magic-link request",
    "magic-link verify",
    "get-session after magic link",
]


def _write(message: dict[str, Any]) -> None:
    with OUTBOX["path"].open("a", encoding="utf-8") as out:
        out.write(json.dumps(message) + "\n")


def send_otp(*, email: str, otp: str, type: str, request: Any) -> None:  # noqa: A002
    _write({"kind": "otp", "email": email, "otp": otp, "type": type})


def send_magic_link(*, email: str, url: str, token: str, **_: Any) -> None:
    _write({"kind": "magic-link", "email": email, "url": url})


def test_two_factor_email_otp_and_magic_link_with_the_js_client(
    auth_server: str,
    run_flow: Callable[..., FlowResult],
    better_auth_settings: Callable[..., None],
    tmp_path: Path,
) -> None:
    OUTBOX["path"] = tmp_path / "outbox.jsonl"
    OUTBOX["path"].write_text("")
    here = __name__
    better_auth_settings(
        BASE_URL=auth_server,
        EMAIL_OTP={"SEND_VERIFICATION_OTP": f"{here}.send_otp"},
        MAGIC_LINK={"SEND_MAGIC_LINK": f"{here}.send_magic_link"},
    )
    result = run_flow(
        "passwordless_2fa_flow.mjs", auth_server, str(OUTBOX["path"]), timeout=120
    )

    assert result.returncode == 0, result.report()
    assert [step["step"] for step in result.steps] == EXPECTED_STEPS, result.report()
    assert all(step["ok"] for step in result.steps), result.report()
