"""Fixtures: signed-in API clients and an organization owned by the first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import AuthClient


class Member(AuthClient):
    """A signed-in client that remembers its user and email."""

    user: Any
    email: str


@pytest.fixture
def signed_in(db: None, user_factory: Callable[..., Any]) -> Callable[..., Member]:
    counter = iter(range(1, 1000))

    def make(email: str | None = None, *, verified: bool = False) -> Member:
        email = email or f"member{next(counter)}@example.test"
        user = user_factory(email, "member-password-1", email_verified=verified)
        client = Member()
        response = client.sign_in(email, "member-password-1")
        assert response.status_code == 200, response.content
        client.user = user
        client.email = email
        return client

    return make


@pytest.fixture
def owner(signed_in: Callable[..., Member]) -> Member:
    return signed_in("owner@example.test", verified=True)


@pytest.fixture
def org(owner: Member) -> dict[str, Any]:
    response = owner.post("/organization/create", {"name": "Acme", "slug": "acme"})
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def org_settings(better_auth_settings: Callable[..., None]) -> Callable[..., None]:
    """Override keys of BETTER_AUTH["ORGANIZATION"] (TEAMS etc. merge)."""

    def apply(**section: Any) -> None:
        better_auth_settings(ORGANIZATION=section)

    return apply


def join(owner: Member, invitee: Member, org_id: str, role: str = "member") -> dict:
    """Invite ``invitee`` and accept; return the new member JSON."""
    response = owner.post(
        "/organization/invite-member",
        {"email": invitee.email, "role": role, "organizationId": org_id},
    )
    assert response.status_code == 200, response.content
    accepted = invitee.post(
        "/organization/accept-invitation", {"invitationId": response.json()["id"]}
    )
    assert accepted.status_code == 200, accepted.content
    return accepted.json()["member"]


def code(response: Any) -> tuple[int, str | None]:
    body = response.json()
    return response.status_code, body.get("code") if isinstance(body, dict) else None
