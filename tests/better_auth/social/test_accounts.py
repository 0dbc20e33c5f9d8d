"""Linked-account endpoints (core-surface §3.2): list, unlink, tokens, link."""

from __future__ import annotations

from datetime import timedelta

import pytest

from better_auth import clock
from better_auth.models import Account

from .conftest import PROVIDER, error_of, finish, start

pytestmark = pytest.mark.django_db


def _sign_in_with_provider(api, op, **claims):
    params = start(api)
    op.answer_tokens(nonce=params["nonce"], **claims)
    response = finish(api, params, iss=op.issuer)
    assert response.status_code == 302 and "error" not in response["Location"]
    return Account.objects.get(provider_id=PROVIDER)


def test_list_accounts_never_shows_tokens(api, social):
    op = social()
    account = _sign_in_with_provider(api, op)
    body = api.get("/list-accounts").json()
    assert body == [
        {
            "id": account.id,
            "providerId": PROVIDER,
            "issuer": op.issuer,
            "accountId": "sub-1",
            "userId": account.user_id,
            "createdAt": body[0]["createdAt"],
            "updatedAt": body[0]["updatedAt"],
            "scopes": ["openid", "email", "profile"],
        }
    ]


def test_unlink_last_account_refused_then_allowed(api, social):
    op = social()
    account = _sign_in_with_provider(api, op)
    response = api.post("/unlink-account", {"accountId": account.id})
    assert response.status_code == 400
    assert response.json()["code"] == "FAILED_TO_UNLINK_LAST_ACCOUNT"
    response = api.post("/unlink-account", {"accountId": "nope"})
    assert response.json()["code"] == "ACCOUNT_NOT_FOUND"


def test_get_access_token_refreshes_near_expiry(api, social):
    op = social()
    account = _sign_in_with_provider(api, op)
    body = api.post("/get-access-token", {"accountId": account.id}).json()
    assert body["accessToken"] == account.access_token
    assert body["scopes"] == ["openid", "email", "profile"]
    Account.objects.filter(pk=account.pk).update(
        access_token_expires_at=clock.now() + timedelta(seconds=2)
    )
    op.token_answer = lambda form: (
        200,
        {"access_token": "at-new", "expires_in": 600, "scope": "extra"},
    )
    response = api.post("/get-access-token", {"accountId": account.id})
    assert response.json()["accessToken"] == "at-new"
    assert response["Cache-Control"] == "no-store"
    refresh = [
        r for r in op.requests if r.get("form", {}).get("grant_type") == "refresh_token"
    ]
    assert refresh[0]["form"]["refresh_token"] == account.refresh_token
    # Scopes granted on refresh are added, never replacing the old ones.
    assert Account.objects.get(pk=account.pk).scopes == [
        "openid",
        "email",
        "profile",
        "extra",
    ]


def test_get_access_token_rejects_provider_id(api, social):
    social()
    response = api.post("/get-access-token", {"providerId": PROVIDER})
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"


def test_get_access_token_without_session_is_empty_401(api, social):
    social()
    response = api.post("/get-access-token", {"accountId": "x"})
    assert response.status_code == 401
    assert response.content == b""


def test_refresh_token_sends_refresh_params(api, social):
    op = social(REFRESH_TOKEN_PARAMS={"audience": "https://api.example"})
    account = _sign_in_with_provider(api, op)
    op.token_answer = lambda form: (
        200,
        {"access_token": "at-2", "refresh_token": "rt-2", "expires_in": 60},
    )
    body = api.post("/refresh-token", {"accountId": account.id}).json()
    assert body["accessToken"] == "at-2" and body["refreshToken"] == "rt-2"
    assert body["accountId"] == account.id and body["providerId"] == PROVIDER
    form = op.requests[-1]["form"]
    assert form["audience"] == "https://api.example"
    assert form["grant_type"] == "refresh_token"


def test_account_info(api, social):
    op = social()
    account = _sign_in_with_provider(api, op)
    op.userinfo = {"sub": "sub-1", "email": "ext@example.test", "name": "Ext User"}
    body = api.get("/account-info", {"accountId": account.id}).json()
    assert body["account"] == {
        "id": account.id,
        "providerId": PROVIDER,
        "issuer": op.issuer,
        "accountId": "sub-1",
    }
    assert body["user"]["email"] == "ext@example.test"


class TestLinkSocial:
    def test_link_redirect_flow(self, api, social):
        op = social()
        api.sign_up(email="ext@example.test")
        response = api.post(
            "/link-social", {"provider": PROVIDER, "callbackURL": "/settings"}
        )
        params = start_from(response)
        op.answer_tokens(nonce=params["nonce"], email_verified=True)
        response = finish(api, params, iss=op.issuer)
        assert response["Location"] == "/settings"
        assert Account.objects.filter(provider_id=PROVIDER).count() == 1

    def test_link_with_other_email_refused(self, api, social):
        """Better Auth 1.7 renamed the code to ``email_does_not_match``."""
        op = social()
        api.sign_up(email="alice@example.test")
        response = api.post("/link-social", {"provider": PROVIDER})
        params = start_from(response)
        op.answer_tokens(nonce=params["nonce"], email="mallory@example.test")
        assert error_of(finish(api, params, iss=op.issuer)) == "email_does_not_match"
        assert not Account.objects.filter(provider_id=PROVIDER).exists()

    def test_link_with_id_token(self, api, social):
        op = social()
        api.sign_up(email="ext@example.test")
        response = api.post(
            "/link-social",
            {"provider": PROVIDER, "idToken": {"token": op.id_token()}},
        )
        assert response.json() == {"url": "", "status": True, "redirect": False}

    def test_account_of_another_user(self, api, api_factory, social):
        op = social()
        other = api_factory()
        other.post(
            "/sign-in/social",
            {"provider": PROVIDER, "idToken": {"token": op.id_token()}},
        )
        api.sign_up(email="ext2@example.test")
        response = api.post(
            "/link-social",
            {
                "provider": PROVIDER,
                "idToken": {"token": op.id_token(email="ext2@example.test")},
            },
        )
        assert response.status_code == 409
        assert response.json()["code"] == "SOCIAL_ACCOUNT_ALREADY_LINKED"


def start_from(response):
    from urllib.parse import parse_qs, urlsplit

    assert response.status_code == 200, response.content
    url = response.json()["url"]
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
