"""The default magic-link email, sent through ``better_auth.mail``."""

from __future__ import annotations

from typing import Any

from better_auth.mail import deliver


def send_magic_link(
    email: str, url: str, token: str, metadata: Any = None, request: Any = None
) -> None:
    deliver(email, "Your sign-in link", f"Sign in with this link:\n\n{url}\n")
