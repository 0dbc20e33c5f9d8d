"""Fixtures for the admin plugin: a signed-in administrator and a target user."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import AuthClient


@pytest.fixture
def admin_user(user_factory: Callable[..., Any]) -> Any:
    return user_factory(
        "admin@example.test", "admin-password-1", role="admin", name="Zed Admin"
    )


@pytest.fixture
def admin_api(admin_user: Any) -> AuthClient:
    client = AuthClient()
    response = client.sign_in("admin@example.test", "admin-password-1")
    assert response.status_code == 200, response.content
    return client


@pytest.fixture
def target(user_factory: Callable[..., Any]) -> Any:
    return user_factory("target@example.test", "target-password-1", name="Target")


def sign_in(email: str, password: str) -> tuple[AuthClient, Any]:
    client = AuthClient()
    return client, client.sign_in(email, password)
