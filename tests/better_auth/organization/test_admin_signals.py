"""Admin pages of the plugin render; signals fire after commit."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from better_auth.models import User
from better_auth.plugins.organization import signals
from better_auth.plugins.organization.models import (
    Invitation,
    Organization,
    Team,
    TeamMember,
)

from .conftest import join


@pytest.fixture
def admin_client_(db: None) -> Client:
    User.objects.create_superuser("root@example.test", "root-password-1", name="Root")
    client = Client()
    assert client.login(email="root@example.test", password="root-password-1")
    return client


def test_admin_pages_render(
    admin_client_: Client, owner: Any, org_settings: Any, signed_in: Any
) -> None:
    org_settings(TEAMS={"ENABLED": True})
    created = owner.post(
        "/organization/create", {"name": "Acme", "slug": "acme"}
    ).json()
    owner.post(
        "/organization/invite-member", {"email": "x@example.test", "role": "member"}
    )
    org = Organization.objects.get(pk=created["id"])
    team = Team.objects.get(organization=org)
    key = TeamMember.objects.get(team=team).membership_key
    invitation = Invitation.objects.get(organization=org)
    pages = [
        "/admin/better_auth_organization/organization/",
        f"/admin/better_auth_organization/organization/{org.pk}/change/",
        "/admin/better_auth_organization/team/",
        f"/admin/better_auth_organization/team/{team.pk}/change/",
        "/admin/better_auth_organization/invitation/",
        f"/admin/better_auth_organization/invitation/{invitation.pk}/change/",
        "/admin/better_auth_organization/organizationrole/",
    ]
    for page in pages:
        response = admin_client_.get(page)
        assert response.status_code == 200, page
        assert key not in response.content.decode(), page
    detail = admin_client_.get(pages[1]).content.decode()
    assert owner.email in detail and "x@example.test" in detail


def test_signals_fire_on_commit(
    owner: Any, signed_in: Any, django_capture_on_commit_callbacks: Any
) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []

    def receiver(name: str):
        def record(sender: Any, **kwargs: Any) -> None:
            seen.append((name, kwargs))

        return record

    receivers = {
        "created": receiver("created"),
        "added": receiver("added"),
        "removed": receiver("removed"),
        "accepted": receiver("accepted"),
    }
    signals.organization_created.connect(receivers["created"])
    signals.member_added.connect(receivers["added"])
    signals.member_removed.connect(receivers["removed"])
    signals.invitation_accepted.connect(receivers["accepted"])
    try:
        with django_capture_on_commit_callbacks(execute=True):
            org = owner.post("/organization/create", {"name": "A", "slug": "a"}).json()
            bob = signed_in()
            member = join(owner, bob, org["id"])
            owner.post("/organization/remove-member", {"memberIdOrEmail": member["id"]})
    finally:
        signals.organization_created.disconnect(receivers["created"])
        signals.member_added.disconnect(receivers["added"])
        signals.member_removed.disconnect(receivers["removed"])
        signals.invitation_accepted.disconnect(receivers["accepted"])
    names = [name for name, _ in seen]
    assert names == ["added", "created", "added", "accepted", "removed"]
    removed = seen[-1][1]
    assert removed["user_id"] == bob.user.id and removed["reason"] == "removed"
