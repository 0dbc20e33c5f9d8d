"""``create_admin``: Better Auth 1.7's create-admin tool as a command.

The password never comes from argv (shell history, ``ps``): only from a
hidden prompt or ``--password-stdin``.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from better_auth.models import User
from tests.conftest import AuthClient


def _run(monkeypatch: pytest.MonkeyPatch, stdin: str, *args: str) -> str:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out = io.StringIO()
    call_command("create_admin", *args, stdout=out)
    return out.getvalue()


def test_creates_an_admin_from_stdin(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    out = _run(
        monkeypatch,
        "boss-password-1\n",
        "--email",
        "Boss@Example.test",
        "--name",
        "Boss",
        "--password-stdin",
    )
    assert "boss-password-1" not in out
    user = User.objects.get(email="boss@example.test")
    assert (user.role, user.name) == ("admin", "Boss")
    client = AuthClient()
    assert client.sign_in("boss@example.test", "boss-password-1").status_code == 200
    assert client.get("/admin/list-users").status_code == 200


def test_promotes_an_existing_user_keeping_roles(
    user_factory: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    user = user_factory("member@example.test", role="support")
    _run(monkeypatch, "", "--email", "member@example.test")
    user.refresh_from_db()
    assert user.role == "support,admin"
    out = _run(monkeypatch, "", "--email", "member@example.test")
    assert "already" in out


def test_refuses_without_a_password_source(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(CommandError, match="password-stdin"):
        _run(monkeypatch, "", "--email", "x@example.test")
    with pytest.raises(CommandError, match="too short|Password"):
        _run(monkeypatch, "short\n", "--email", "x@example.test", "--password-stdin")
    assert not User.objects.filter(email="x@example.test").exists()


def test_no_password_argument_exists(db: None) -> None:
    with pytest.raises(CommandError):
        call_command("create_admin", "--email", "x@example.test", "--password", "pw")


def test_passwordless_admin(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    _run(monkeypatch, "", "--email", "np@example.test", "--no-password")
    user = User.objects.get(email="np@example.test")
    assert user.role == "admin"
    assert not user.has_usable_password()
