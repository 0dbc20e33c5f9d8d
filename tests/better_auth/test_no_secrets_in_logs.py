"""No password, session token, signed cookie or reset token reaches a log record.

Every logger is opened to DEBUG (non-propagating ones get the capture
handler too) while the core flows run through the REST API; then each
record, message and arguments and exception text alike, is searched for
every secret those flows handled (OWASP Logging Cheat Sheet, "data to
exclude").
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import pytest

from better_auth.api.registry import match
from tests.conftest import AuthClient

PASSWORDS = [
    "alice-password-1",
    "alice-password-2",
    "alice-password-3",
    "wrong-pass-99",
]
RESET_LINK = re.compile(r"/reset-password/([A-Za-z0-9]+)")


@pytest.fixture
def every_record(
    caplog: pytest.LogCaptureFixture,
) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)
    saved = []
    for name in list(logging.root.manager.loggerDict):
        logger = logging.getLogger(name)
        saved.append((logger, logger.level, logger.disabled))
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
        if not logger.propagate:
            logger.addHandler(caplog.handler)
    yield caplog
    for logger, level, disabled in saved:
        logger.setLevel(level)
        logger.disabled = disabled
        if caplog.handler in logger.handlers:
            logger.removeHandler(caplog.handler)


class Secrets:
    """Everything secret that the server handed out or was handed."""

    def __init__(self) -> None:
        self.values: set[str] = set(PASSWORDS)

    def from_response(self, response: Any) -> Any:
        for morsel in response.cookies.values():
            if morsel.value:
                self.add_cookie(morsel.value)
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("token"), str):
            self.values.add(body["token"])
        return response

    def add_cookie(self, raw: str) -> None:
        decoded = unquote(raw)
        head, _, signature = decoded.rpartition(".")
        self.values.update({raw, decoded, signature})
        if len(head) >= 16:
            self.values.add(head)

    def found_in(self, records: list[logging.LogRecord]) -> list[str]:
        leaks = []
        for record in records:
            text = "\n".join(
                [
                    record.getMessage(),
                    repr(record.__dict__),
                    logging.Formatter().formatException(record.exc_info)
                    if record.exc_info
                    else "",
                ]
            )
            for secret in self.values:
                if secret and secret in text:
                    leaks.append(f"{record.name}: {record.getMessage()[:200]}")
        return leaks


def test_sign_up_sign_in_session_and_password_change_log_no_secrets(
    api: AuthClient, api_factory: Any, every_record: pytest.LogCaptureFixture
) -> None:
    """Sign-up, sign-in (failed and good), get-session, change-password leak nothing."""
    secrets = Secrets()
    secrets.from_response(api.sign_up())
    secrets.from_response(api_factory().sign_in(password="wrong-pass-99"))
    secrets.from_response(api_factory().sign_in(email="nobody@example.test"))
    secrets.from_response(api.sign_in())
    secrets.from_response(api.get("/get-session"))
    secrets.from_response(
        api.post(
            "/change-password",
            {
                "currentPassword": "alice-password-1",
                "newPassword": "alice-password-2",
                "revokeOtherSessions": True,
            },
        )
    )
    secrets.from_response(
        api.post(
            "/change-password",
            {"currentPassword": "wrong-pass-99", "newPassword": "alice-password-3"},
        )
    )
    secrets.from_response(api.post("/sign-out"))
    assert len(secrets.values) > len(PASSWORDS)
    assert every_record.records, "no log record was captured at all"
    assert not secrets.found_in(every_record.records)


def test_password_reset_logs_no_secrets(
    api: AuthClient, every_record: pytest.LogCaptureFixture, better_auth_settings: Any
) -> None:
    """request-password-reset and reset-password (used and replayed) leak nothing."""
    if (
        match("/request-password-reset", "POST") is None
        or match("/reset-password", "POST") is None
    ):
        pytest.xfail("password reset endpoints are not registered yet")
    links: list[tuple[str, str]] = []
    better_auth_settings(
        EMAIL_AND_PASSWORD={
            "SEND_RESET_PASSWORD": lambda user, url, token, **_: links.append(
                (url, token)
            )
        }
    )
    secrets = Secrets()
    secrets.from_response(api.sign_up())
    api.post("/request-password-reset", {"email": "alice@example.test"})
    api.post("/request-password-reset", {"email": "nobody@example.test"})
    assert len(links) == 1
    url, token = links[0]
    assert RESET_LINK.search(url).group(1) == token  # type: ignore[union-attr]
    secrets.values.update({url, token})
    api.get(f"/reset-password/{token}", {"callbackURL": "/reset"})
    reset = {"token": token, "newPassword": "alice-password-3"}
    assert api.post("/reset-password", reset).status_code == 200
    assert api.post("/reset-password", reset).status_code == 400
    secrets.from_response(api.sign_in(password="alice-password-3"))
    assert every_record.records, "no log record was captured at all"
    assert not secrets.found_in(every_record.records)
