"""The plugins' user columns on the Django admin User page, and the ban action."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from better_auth.models import Session, User
from better_auth.services.sessions import create_session


@pytest.fixture
def site(db: None) -> Client:
    User.objects.create_superuser("root@example.test", "root-password-1", name="Root")
    client = Client()
    assert client.login(email="root@example.test", password="root-password-1")
    return client


def test_change_page_shows_plugin_fields(site: Client, target: Any) -> None:
    r = site.get(f"/admin/better_auth/user/{target.pk}/change/")
    assert r.status_code == 200
    html = r.content.decode()
    for name in ("role", "banned", "ban_reason", "ban_expires_0", "username"):
        assert f'name="{name}"' in html, name
    assert 'name="is_anonymous"' in html


def test_changelist_filters_and_searches(site: Client, target: Any) -> None:
    User.objects.filter(pk=target.pk).update(username="target_1")
    r = site.get("/admin/better_auth/user/", {"q": "target_1", "banned__exact": "0"})
    assert r.status_code == 200
    assert "target@example.test" in r.content.decode()


def test_ban_action_revokes_sessions(site: Client, target: Any) -> None:
    create_session(target, ip_address=None, user_agent=None)
    r = site.post(
        "/admin/better_auth/user/",
        {"action": "ban_users", "_selected_action": [target.pk]},
    )
    assert r.status_code == 302
    target.refresh_from_db()
    assert target.banned is True
    assert not Session.objects.filter(user_id=target.pk).exists()
    site.post(
        "/admin/better_auth/user/",
        {"action": "unban_users", "_selected_action": [target.pk]},
    )
    target.refresh_from_db()
    assert target.banned is False
