"""Magic links: issue, redeem once, expiry, redirects, sign-up, squatters.

Better Auth 1.7 ``magicLink`` (core-surface §8.2); single use (§7);
passwordless sign-in clears unproven credentials (§7).
"""

from __future__ import annotations

import hashlib
from base64 import urlsafe_b64encode
from typing import Any

from better_auth import clock
from better_auth.models import Account, Session, User, Verification

from .conftest import verify_path

EMAIL = "link@example.test"
BASE = "/api/auth"


def _request(api: Any, **body: Any) -> Any:
    return api.post("/sign-in/magic-link", {"email": EMAIL, **body})


def _open(api: Any, links: list[Any], **extra: str) -> Any:
    path, query = verify_path(links[-1]["url"])
    query.update(extra)
    return api.get(path.removeprefix(BASE), query)


def test_link_is_sent_and_token_stored_hashed(api: Any, links: list[Any]) -> None:
    response = _request(api, callbackURL="/dashboard")
    assert response.json() == {"status": True}
    sent = links[-1]
    assert sent["email"] == EMAIL
    token = sent["token"]
    assert len(token) == 32 and token.isalpha()
    path, query = verify_path(sent["url"])
    assert sent["url"].startswith("http://testserver/api/auth/magic-link/verify?")
    assert query == {"token": token, "callbackURL": "/dashboard"}
    digest = urlsafe_b64encode(hashlib.sha256(token.encode()).digest()).rstrip(b"=")
    row = Verification.objects.get()
    assert row.identifier == f"magic-link:{digest.decode()}"
    assert token not in row.identifier and token not in row.value


def test_plain_store_token(
    api: Any, links: list[Any], better_auth_settings: Any
) -> None:
    better_auth_settings(
        MAGIC_LINK={
            "SEND_MAGIC_LINK": "tests.better_auth.magic_link.conftest.record",
            "STORE_TOKEN": "plain",
        }
    )
    _request(api)
    assert Verification.objects.get().identifier == f"magic-link:{links[-1]['token']}"


def test_verify_without_callback_answers_json(api: Any, links: list[Any]) -> None:
    api.post("/sign-in/magic-link", {"email": EMAIL, "name": "Link"})
    path, query = verify_path(links[-1]["url"])
    response = api.get("/magic-link/verify", {"token": query["token"]})
    assert response.status_code == 200, response.content
    data = response.json()
    assert list(data) == ["token", "user", "session"]
    assert data["user"]["emailVerified"] is True and data["user"]["name"] == "Link"
    assert api.get("/get-session").json()["user"]["email"] == EMAIL


def test_verify_redirects_new_users_and_returning_users(
    api: Any, api_factory: Any, links: list[Any]
) -> None:
    _request(api, callbackURL="/home", newUserCallbackURL="/welcome")
    first = _open(api, links)
    assert first.status_code == 302
    assert first["Location"] == "http://testserver/welcome"
    other = api_factory()
    _request(other, callbackURL="/home", newUserCallbackURL="/welcome")
    second = _open(other, links)
    assert second["Location"] == "http://testserver/home"


def test_link_works_once(api: Any, api_factory: Any, links: list[Any]) -> None:
    _request(api, callbackURL="/home")
    assert _open(api, links).status_code == 302
    again = _open(api_factory(), links)
    assert again.status_code == 302
    assert again["Location"] == "http://testserver/home?error=INVALID_TOKEN"


def test_expired_link(api: Any, links: list[Any]) -> None:
    _request(api, callbackURL="/home", errorCallbackURL="/oops")
    clock.advance(301)
    response = _open(api, links)
    assert response["Location"] == "http://testserver/oops?error=INVALID_TOKEN"
    assert not User.objects.filter(email=EMAIL).exists()


def test_disable_sign_up(api: Any, links: list[Any], better_auth_settings: Any) -> None:
    better_auth_settings(
        MAGIC_LINK={
            "SEND_MAGIC_LINK": "tests.better_auth.magic_link.conftest.record",
            "DISABLE_SIGN_UP": True,
        }
    )
    _request(api, callbackURL="/home")
    response = _open(api, links)
    assert (
        response["Location"] == "http://testserver/home?error=new_user_signup_disabled"
    )


def test_untrusted_callback_is_refused_on_request_and_verify(
    api: Any, links: list[Any]
) -> None:
    refused = _request(api, callbackURL="https://evil.example/")
    assert refused.status_code == 403
    assert refused.json()["code"] == "INVALID_CALLBACK_URL"
    _request(api)
    path, query = verify_path(links[-1]["url"])
    for key, code in (
        ("callbackURL", "INVALID_CALLBACK_URL"),
        ("errorCallbackURL", "INVALID_ERROR_CALLBACK_URL"),
        ("newUserCallbackURL", "INVALID_NEW_USER_CALLBACK_URL"),
    ):
        response = api.get(
            "/magic-link/verify",
            {"token": query["token"], key: "https://evil.example/"},
        )
        assert response.status_code == 403, key
        assert response.json()["code"] == code
    # The refused attempts did not spend the link.
    assert api.get("/magic-link/verify", {"token": query["token"]}).status_code == 200


def test_invalid_email_is_a_validation_error(api: Any, links: list[Any]) -> None:
    response = api.post("/sign-in/magic-link", {"email": "nope"})
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"


def test_squatter_loses_access_when_the_owner_uses_a_magic_link(
    api_factory: Any, links: list[Any]
) -> None:
    """The squatter case (Better Auth 1.7 ``revokeUnprovenAccountAccess``, §7).

    An unverified password account is created for an address; the real owner
    signs in by magic link; the squatter's password and session stop working.
    """
    squatter = api_factory()
    assert squatter.sign_up(EMAIL, "squatter-password-1").status_code == 200
    user = User.objects.get(email=EMAIL)
    owner = api_factory()
    _request(owner)
    path, query = verify_path(links[-1]["url"])
    response = owner.get("/magic-link/verify", {"token": query["token"]})
    assert response.status_code == 200
    assert response.json()["user"]["id"] == user.pk
    assert response.json()["user"]["emailVerified"] is True
    assert not Account.objects.filter(user=user).exists()
    assert Session.objects.filter(user=user).count() == 1
    assert squatter.get("/get-session").json() is None
    assert api_factory().sign_in(EMAIL, "squatter-password-1").status_code == 401


def test_custom_hasher(api: Any, links: list[Any], better_auth_settings: Any) -> None:
    better_auth_settings(
        MAGIC_LINK={
            "SEND_MAGIC_LINK": "tests.better_auth.magic_link.conftest.record",
            "STORE_TOKEN": lambda token: f"custom-{token[::-1]}",
        }
    )
    _request(api)
    token = links[-1]["token"]
    assert Verification.objects.get().identifier == f"magic-link:custom-{token[::-1]}"
    assert api.get("/magic-link/verify", {"token": token}).status_code == 200
