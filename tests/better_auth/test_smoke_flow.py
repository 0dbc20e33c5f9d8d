"""The core email-and-password journey through the REST API."""

from __future__ import annotations

import json

from tests.conftest import AuthClient


def test_sign_up_sign_in_session_sign_out(api: AuthClient) -> None:
    """A user signs up, gets a session cookie, reads the session and signs out."""
    r = api.sign_up()
    assert r.status_code == 200, r.content
    body = r.json()
    assert list(body["user"]) == [
        "name",
        "email",
        "emailVerified",
        "image",
        "createdAt",
        "updatedAt",
        # Plugin fields (the plugins are installed in the test settings).
        "twoFactorEnabled",
        "role",
        "banned",
        "banReason",
        "banExpires",
        "username",
        "displayUsername",
        "isAnonymous",
        "id",
    ]
    assert body["token"]
    cookie = r.cookies["better-auth.session_token"]
    assert cookie["max-age"] == 604800
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"

    r = api.get("/get-session")
    assert r.status_code == 200
    assert r["Cache-Control"] == "no-store"
    data = r.json()
    assert data["user"]["email"] == "alice@example.test"
    assert data["session"]["token"] == body["token"]

    r = api.post("/sign-out")
    assert r.status_code == 200 and r.json() == {"success": True}
    r = api.get("/get-session")
    assert r.content == b"null"


def test_get_session_without_cookie_is_null(api: AuthClient) -> None:
    r = api.get("/get-session")
    assert r.status_code == 200 and json.loads(r.content) is None
