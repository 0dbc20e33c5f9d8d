"""The multi-session plugin: several accounts signed in in one browser.

Better Auth 1.7's ``multiSession()`` (core-surface §4.1, §8.10): a signed
``<session cookie>_multi-<token lowercased>`` cookie per session, at most
MAXIMUM_SESSIONS, one per user; list, switch, revoke and sign out of all.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from better_auth.models import Session

SESSION_COOKIE = "better-auth.session_token"
MARK = f"{SESSION_COOKIE}_multi-"


def _multi(client: Any) -> dict[str, str]:
    """Live multi-session cookies in the client's jar, name -> token."""
    return {
        name: unquote(morsel.value).rpartition(".")[0]
        for name, morsel in client.cookies.items()
        if name.startswith(MARK) and morsel.value
    }


def _sign_up(api: Any, email: str) -> dict[str, Any]:
    response = api.sign_up(email=email, name=email.split("@")[0])
    assert response.status_code == 200, response.content
    return response.json()


def _two_users(api: Any) -> tuple[str, str]:
    alice = _sign_up(api, "alice@example.test")["token"]
    bob = _sign_up(api, "bob@example.test")["token"]
    return alice, bob


def test_each_sign_in_adds_a_device_cookie(api: Any) -> None:
    response = api.sign_up(email="alice@example.test")
    token = response.json()["token"]
    name = f"{MARK}{token.lower()}"
    morsel = response.cookies[name]
    assert unquote(morsel.value).rpartition(".")[0] == token
    session_cookie = response.cookies[SESSION_COOKIE]
    assert morsel["max-age"] == session_cookie["max-age"] == 604800
    assert morsel["httponly"] and morsel["samesite"] == "Lax" and morsel["path"] == "/"


def test_list_device_sessions_one_per_user(api: Any) -> None:
    alice, bob = _two_users(api)
    assert set(_multi(api).values()) == {alice, bob}
    listed = api.get("/multi-session/list-device-sessions")
    assert listed.status_code == 200
    body = listed.json()
    assert sorted(item["user"]["email"] for item in body) == [
        "alice@example.test",
        "bob@example.test",
    ]
    assert {item["session"]["token"] for item in body} == {alice, bob}
    assert list(body[0]) == ["session", "user"]


def test_list_shows_each_user_once(api: Any, api_factory: Any) -> None:
    """Two live sessions of one user behind two device cookies: listed once."""
    _two_users(api)
    for device in (api_factory(), api_factory()):
        if not device.sign_up(email="carol@example.test").status_code == 200:
            assert device.sign_in(email="carol@example.test").status_code == 200
        for name in _multi(device):
            api.cookies[name] = device.cookies[name].value
    assert Session.objects.filter(user__email="carol@example.test").count() == 2
    listed = api.get("/multi-session/list-device-sessions").json()
    emails = sorted(item["user"]["email"] for item in listed)
    assert emails == ["alice@example.test", "bob@example.test", "carol@example.test"]


def test_list_without_cookies_is_empty(api: Any) -> None:
    response = api.get("/multi-session/list-device-sessions")
    assert response.status_code == 200 and response.json() == []


def test_signing_in_again_as_the_same_user_replaces_the_old_session(
    api: Any,
) -> None:
    first = _sign_up(api, "alice@example.test")["token"]
    response = api.sign_in(email="alice@example.test")
    second = response.json()["token"]
    old = response.cookies[f"{MARK}{first.lower()}"]
    assert old.value == "" and old["max-age"] == 0
    assert not Session.objects.filter(token=first).exists()
    assert set(_multi(api).values()) == {second}


def test_set_active_switches_the_session(api: Any) -> None:
    alice, bob = _two_users(api)
    assert api.get("/get-session").json()["user"]["email"] == "bob@example.test"
    response = api.post("/multi-session/set-active", {"sessionToken": alice})
    assert response.status_code == 200
    assert list(response.json()) == ["session", "user"]
    assert response.json()["session"]["token"] == alice
    assert api.get("/get-session").json()["user"]["email"] == "alice@example.test"
    # Switching back does not add a second cookie for the same session.
    api.post("/multi-session/set-active", {"sessionToken": bob})
    assert len(_multi(api)) == 2


def test_set_active_is_case_insensitive_in_the_cookie_name(api: Any) -> None:
    alice, _ = _two_users(api)
    response = api.post("/multi-session/set-active", {"sessionToken": alice.upper()})
    # The cookie is found (lower-cased name) but holds another token value,
    # which is then looked up as is: the real token.
    assert response.status_code == 200
    assert response.json()["session"]["token"] == alice


def test_set_active_unknown_token_is_invalid_session_token(api: Any) -> None:
    _two_users(api)
    response = api.post("/multi-session/set-active", {"sessionToken": "nope"})
    assert response.status_code == 401
    assert response.json() == {
        "message": "Invalid session token",
        "code": "INVALID_SESSION_TOKEN",
    }


def test_set_active_revoked_session_expires_its_cookie(api: Any) -> None:
    alice, _ = _two_users(api)
    Session.objects.filter(token=alice).delete()
    response = api.post("/multi-session/set-active", {"sessionToken": alice})
    assert response.status_code == 401
    assert response.json()["code"] == "INVALID_SESSION_TOKEN"
    assert response.cookies[f"{MARK}{alice.lower()}"]["max-age"] == 0


def test_set_active_needs_the_body(api: Any) -> None:
    response = api.post("/multi-session/set-active", {})
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"


def test_forged_device_cookie_is_ignored(api: Any) -> None:
    alice, _ = _two_users(api)
    api.cookies[f"{MARK}forged"] = f"{alice}.{'A' * 43}%3D"
    listed = api.get("/multi-session/list-device-sessions").json()
    assert len(listed) == 2
    response = api.post("/multi-session/set-active", {"sessionToken": "forged"})
    assert response.status_code == 401


def test_revoke_another_device_session(api: Any) -> None:
    alice, bob = _two_users(api)
    response = api.post("/multi-session/revoke", {"sessionToken": alice})
    assert response.status_code == 200 and response.json() == {"status": True}
    assert not Session.objects.filter(token=alice).exists()
    assert response.cookies[f"{MARK}{alice.lower()}"]["max-age"] == 0
    assert SESSION_COOKIE not in response.cookies
    assert api.get("/get-session").json()["session"]["token"] == bob


def test_revoking_the_active_session_switches_to_the_next(api: Any) -> None:
    alice, bob = _two_users(api)
    response = api.post("/multi-session/revoke", {"sessionToken": bob})
    assert response.json() == {"status": True}
    assert api.get("/get-session").json()["session"]["token"] == alice
    last = api.post("/multi-session/revoke", {"sessionToken": alice})
    assert last.cookies[SESSION_COOKIE]["max-age"] == 0
    assert api.get("/get-session").json() is None
    assert not Session.objects.exists()


def test_revoke_needs_a_session_and_a_device_cookie(api: Any, api_factory: Any) -> None:
    response = api.post("/multi-session/revoke", {"sessionToken": "x"})
    assert response.status_code == 401 and response.json()["code"] == "UNAUTHORIZED"
    _two_users(api)
    response = api.post("/multi-session/revoke", {"sessionToken": "x"})
    assert response.status_code == 401
    assert response.json()["code"] == "INVALID_SESSION_TOKEN"


def test_sign_out_ends_every_device_session(api: Any) -> None:
    alice, bob = _two_users(api)
    response = api.post("/sign-out")
    assert response.status_code == 200
    for token in (alice, bob):
        assert response.cookies[f"{MARK}{token.lower()}"]["max-age"] == 0
    assert not Session.objects.exists()
    assert api.get("/multi-session/list-device-sessions").json() == []


def test_maximum_sessions(api: Any, better_auth_settings: Any) -> None:
    better_auth_settings(MULTI_SESSION={"MAXIMUM_SESSIONS": 2})
    _two_users(api)
    carol = _sign_up(api, "carol@example.test")["token"]
    assert len(_multi(api)) == 2
    assert carol not in _multi(api).values()
    # Carol is still signed in; she just is not one of the listed devices.
    assert api.get("/get-session").json()["session"]["token"] == carol


def test_get_session_adds_no_query_and_no_cookie(
    api: Any, django_assert_max_num_queries: Any
) -> None:
    _sign_up(api, "alice@example.test")
    with django_assert_max_num_queries(1):
        response = api.get("/get-session")
    assert not [n for n in response.cookies if n.startswith(MARK)]
