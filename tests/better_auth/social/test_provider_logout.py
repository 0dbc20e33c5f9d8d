"""Provider logout on sign-out (OpenID Connect RP-Initiated Logout 1.0 §2).

Better Auth 1.7's ``/sign-out`` answers ``{success, url, redirect}`` (and a
``Location`` header unless ``disableRedirect``) when the user's account
belongs to a generic provider with an ``end_session_endpoint``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from better_auth.models import Account, Session

from .conftest import CLIENT_ID, finish, start

pytestmark = pytest.mark.django_db


def _signed_in(api: Any, op: Any) -> Account:
    params = start(api)
    op.answer_tokens(nonce=params["nonce"])
    response = finish(api, params, iss=op.issuer)
    assert response["Location"] == "/home", response["Location"]
    return Account.objects.get(provider_id="generic-a")


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_sign_out_returns_the_end_session_url(api, social):
    """§2: ``id_token_hint``; with a post-logout URI also client_id and state."""
    op = social()
    op.discovery_extra = {"end_session_endpoint": op.url + "/logout"}
    account = _signed_in(api, op)
    response = api.post("/sign-out", {"callbackURL": "/bye", "state": "st-1"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["success"] is True and body["redirect"] is True
    assert response["Location"] == body["url"]
    assert body["url"].startswith(op.url + "/logout?")
    assert _query(body["url"]) == {
        "id_token_hint": account.id_token,
        "post_logout_redirect_uri": "http://testserver/bye",
        "client_id": CLIENT_ID,
        "state": "st-1",
    }
    assert not Session.objects.exists()


def test_disable_redirect_gives_the_url_without_location(api, social):
    op = social(POST_LOGOUT_REDIRECT_URI="https://app.example.test/signed-out")
    op.discovery_extra = {"end_session_endpoint": op.url + "/logout"}
    _signed_in(api, op)
    response = api.post("/sign-out", {"disableRedirect": True})
    body = response.json()
    assert body["redirect"] is False
    assert "Location" not in response
    query = _query(body["url"])
    assert query["post_logout_redirect_uri"] == "https://app.example.test/signed-out"
    assert "state" not in query


def test_no_hint_at_all_sends_client_id(api, social):
    """§2: without an ID token the client_id identifies the client."""
    op = social()
    op.discovery_extra = {"end_session_endpoint": op.url + "/logout"}
    account = _signed_in(api, op)
    Account.objects.filter(pk=account.pk).update(id_token=None)
    body = api.post("/sign-out", {"disableRedirect": True}).json()
    assert _query(body["url"]) == {"client_id": CLIENT_ID}


@pytest.mark.parametrize("case", ["no-endpoint", "disabled"])
def test_plain_sign_out_otherwise(api, social, case):
    op = social(DISABLE_PROVIDER_LOGOUT=case == "disabled")
    if case == "disabled":
        op.discovery_extra = {"end_session_endpoint": op.url + "/logout"}
    _signed_in(api, op)
    response = api.post("/sign-out", {})
    assert response.json() == {"success": True}
    assert "Location" not in response
    assert not Session.objects.exists()


def test_configured_endpoint_without_discovery(api, social):
    op = social(END_SESSION_ENDPOINT="https://id.example.test/end")
    _signed_in(api, op)
    url = api.post("/sign-out", {"disableRedirect": True}).json()["url"]
    assert url.startswith("https://id.example.test/end?id_token_hint=")


def test_signed_out_browser_gets_plain_answer(api, social):
    social()
    assert api.post("/sign-out", {}).json() == {"success": True}
