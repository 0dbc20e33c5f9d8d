"""The redirect flow against a loopback OpenID provider.

Cases 25, 27, 30 and 31 (oauth-client) of the shared case list, plus the
linking rules of core-surface §3.2.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection

from better_auth.models import Account, User

from .conftest import CLIENT_ID, PROVIDER, error_of, finish, start

pytestmark = pytest.mark.django_db


def _token_requests(op: Any) -> list[dict[str, Any]]:
    return [r for r in op.requests if r["method"] == "POST" and r["path"] == "/token"]


def _session_cookie(response: Any) -> str | None:
    morsel = response.cookies.get("better-auth.session_token")
    return morsel.value if morsel is not None and morsel.value else None


def test_authorization_url_has_pkce_state_nonce_and_core_callback(api, social):
    """Case 30: PKCE S256 on by default, callback at /callback/<id> (RFC 7636 §4.3)."""
    op = social()
    response = api.post(
        "/sign-in/social", {"provider": PROVIDER, "callbackURL": "/home"}
    )
    body = response.json()
    assert body["redirect"] is True
    assert response["Location"] == body["url"]
    params = {k: v[0] for k, v in parse_qs(urlsplit(body["url"]).query).items()}
    assert body["url"].startswith(op.url + "/authorize?")
    assert params["response_type"] == "code"
    assert params["client_id"] == CLIENT_ID
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43
    assert len(params["state"]) == 32
    assert len(params["nonce"]) == 32
    assert params["redirect_uri"] == f"http://testserver/api/auth/callback/{PROVIDER}"
    assert params["scope"].split()[0] == "openid"
    state_cookie = response.cookies["better-auth.state"]
    assert state_cookie["max-age"] == 300
    assert state_cookie.value.startswith(params["state"] + ".")


def test_disable_redirect_and_pkce_off(api, social):
    """Case 30: ``PKCE: False`` removes only the PKCE parameters."""
    op = social(PKCE=False)
    params = start(api, disableRedirect=True)
    assert "code_challenge" not in params and "code_challenge_method" not in params
    assert params["state"] and params["nonce"]
    op.answer_tokens(nonce=params["nonce"])
    finish(api, params, iss=op.issuer)
    assert "code_verifier" not in _token_requests(op)[0]["form"]


def test_full_flow_creates_user_account_and_session(api, social):
    """RFC 6749 §4.1.3 + RFC 7636 §4.5: the verifier matches the challenge."""
    op = social()
    params = start(api, newUserCallbackURL="/welcome")
    op.answer_tokens(nonce=params["nonce"])
    response = finish(api, params, iss=op.issuer)
    assert response.status_code == 302
    assert response["Location"] == "/welcome"
    assert _session_cookie(response)
    (request,) = _token_requests(op)
    form = request["form"]
    digest = hashlib.sha256(form["code_verifier"].encode()).digest()
    assert (
        base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        == params["code_challenge"]
    )
    assert form["grant_type"] == "authorization_code"
    assert form["redirect_uri"] == params["redirect_uri"]
    assert form["client_id"] == CLIENT_ID and form["client_secret"] == "secret-a"
    user = User.objects.get(email="ext@example.test")
    assert user.email_verified is True
    account = Account.objects.get(user=user)
    assert (account.issuer, account.account_id, account.provider_id) == (
        op.issuer,
        "sub-1",
        PROVIDER,
    )
    # Provider tokens are encrypted at rest.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT access_token, refresh_token FROM better_auth_account WHERE id=%s",
            [account.id],
        )
        raw_access, raw_refresh = cursor.fetchone()
    assert raw_access.startswith("v1:") and raw_refresh.startswith("v1:")
    assert account.access_token.startswith("at-")
    session = api.get("/get-session").json()
    assert session["user"]["email"] == "ext@example.test"
    # Second login: the existing account, not a new user; callbackURL this time.
    params = start(api)
    op.answer_tokens(nonce=params["nonce"])
    response = finish(api, params, iss=op.issuer)
    assert response["Location"] == "/home"
    assert User.objects.count() == 1


def test_state_cookie_expired_after_callback(api, social):
    op = social()
    params = start(api)
    op.answer_tokens(nonce=params["nonce"])
    response = finish(api, params, iss=op.issuer)
    assert response.cookies["better-auth.state"]["max-age"] == 0


class TestStateValidation:
    """Case 25: login CSRF (RFC 6749 §10.12, RFC 9700 §4.7.1)."""

    def test_no_state(self, api, social):
        op = social()
        start(api)
        response = api.get(f"/callback/{PROVIDER}", {"code": "attacker-code"})
        assert error_of(response) == "state_not_found"
        assert not _token_requests(op)
        assert not _session_cookie(response)

    def test_state_of_another_browser(self, api_factory, social):
        op = social()
        victim, attacker = api_factory(), api_factory()
        start(victim)
        attacker_params = start(attacker)
        op.answer_tokens(nonce=attacker_params["nonce"])
        response = finish(victim, attacker_params, iss=op.issuer)
        assert error_of(response) == "state_mismatch"
        assert not _token_requests(op)
        assert not _session_cookie(response)
        # The other browser's state was only read, not burnt.
        response = finish(attacker, attacker_params, iss=op.issuer)
        assert _session_cookie(response)

    def test_replayed_state(self, api, social):
        op = social()
        params = start(api)
        op.answer_tokens(nonce=params["nonce"])
        state_cookie = api.cookies["better-auth.state"].value
        assert _session_cookie(finish(api, params, iss=op.issuer))
        api.cookies["better-auth.state"] = state_cookie
        response = finish(api, params, iss=op.issuer)
        assert error_of(response) == "state_mismatch"
        assert len(_token_requests(op)) == 1

    def test_expired_state(self, api, social, settings):
        from datetime import timedelta

        from better_auth.models import Verification

        op = social()
        params = start(api)
        Verification.objects.update(
            expires_at=Verification.objects.get().expires_at - timedelta(hours=1)
        )
        response = finish(api, params, iss=op.issuer)
        assert error_of(response) == "state_mismatch"
        assert not _token_requests(op)

    def test_error_goes_to_error_callback_url(self, api, social):
        social()
        params = start(api, errorCallbackURL="/oops")
        response = api.get(f"/callback/{PROVIDER}", {"code": "x", "state": "wrong"})
        assert response["Location"].startswith(
            "http://testserver/api/auth/error?error=state_mismatch"
        )
        response = finish(api, params, error="access_denied", code=None)
        assert response["Location"] == "/oops?error=access_denied"


class TestNonce:
    """Case 27: OIDC Core §3.1.3.7 step 11, no fallback to userinfo."""

    @pytest.mark.parametrize("nonce", [None, "n-999"])
    def test_missing_or_wrong_nonce(self, api, social, nonce):
        op = social()
        params = start(api)
        op.answer_tokens(nonce=nonce)
        response = finish(api, params, iss=op.issuer)
        assert error_of(response) == "unable_to_get_user_info"
        assert not User.objects.exists()

    def test_no_id_token(self, api, social):
        op = social()
        params = start(api)
        op.token_answer = lambda form: (
            200,
            {"access_token": "a", "token_type": "Bearer"},
        )
        op.userinfo = {"sub": "sub-1", "email": "ext@example.test"}
        response = finish(api, params, iss=op.issuer)
        assert error_of(response) == "unable_to_get_user_info"

    def test_undecodable_id_token(self, api, social):
        op = social()
        params = start(api)
        op.token_answer = lambda form: (
            200,
            {"access_token": "a", "token_type": "Bearer", "id_token": "e30.e30.x"},
        )
        assert error_of(finish(api, params, iss=op.issuer)) == "unable_to_get_user_info"


class TestIssuer:
    """RFC 9207 §2.4: the callback ``iss`` must be the provider's issuer."""

    def test_wrong_iss(self, api, social):
        op = social()
        params = start(api)
        op.answer_tokens(nonce=params["nonce"])
        response = finish(api, params, iss="https://evil.example")
        assert error_of(response) == "issuer_mismatch"
        assert not _token_requests(op)

    def test_missing_iss_when_advertised(self, api, social):
        op = social()
        params = start(api)
        op.answer_tokens(nonce=params["nonce"])
        assert error_of(finish(api, params)) == "issuer_mismatch"

    def test_discovery_issuer_must_match(self, api, social):
        """OIDC Discovery §4.3: the document's issuer is the URL's issuer."""
        op = social()
        op.discovery_extra = {"issuer": "https://other.example"}
        response = api.post("/sign-in/social", {"provider": PROVIDER})
        assert response.status_code == 500


def test_unknown_provider(api, social):
    social()
    response = api.post("/sign-in/social", {"provider": "nope"})
    assert response.status_code == 404
    assert response.json()["code"] == "PROVIDER_NOT_FOUND"


def test_reserved_additional_params_refused(api, social):
    social()
    response = api.post(
        "/sign-in/social",
        {"provider": PROVIDER, "additionalParams": {"redirect_uri": "https://x"}},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    params = start(api, additionalParams={"domain_hint": "example.com"})
    assert params["domain_hint"] == "example.com"


def test_untrusted_callback_url_refused(api, social):
    social()
    response = api.post(
        "/sign-in/social", {"provider": PROVIDER, "callbackURL": "https://evil.example"}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "INVALID_CALLBACK_URL"


def test_client_secret_basic(api, social):
    """Case 31: RFC 6749 §2.3.1 form-encodes each half; no secret in the body."""
    op = social(
        CLIENT_SECRET="p@ss:w+rd/=%Q", TOKEN_ENDPOINT_AUTH="client_secret_basic"
    )
    params = start(api)
    op.answer_tokens(nonce=params["nonce"])
    finish(api, params, iss=op.issuer)
    (request,) = _token_requests(op)
    assert (
        request["headers"]["Authorization"]
        == "Basic Y2xpZW50LWE6cCU0MHNzJTNBdyUyQnJkJTJGJTNEJTI1UQ=="
    )
    assert "client_secret" not in request["form"]


def test_form_post_callback_bounces_to_get(api, social):
    social()
    response = api.post(
        f"/callback/{PROVIDER}",
        raw="code=abc&state=xyz&iss=http%3A%2F%2Fop",
        content_type="application/x-www-form-urlencoded",
        headers={"origin": None},
    )
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(f"http://testserver/api/auth/callback/{PROVIDER}?")
    assert parse_qs(urlsplit(location).query) == {
        "code": ["abc"],
        "state": ["xyz"],
        "iss": ["http://op"],
    }


class TestLinking:
    """Implicit linking needs a vouched email *and* a verified local email."""

    def _login(self, api, op, **claims):
        params = start(api)
        op.answer_tokens(nonce=params["nonce"], **claims)
        return finish(api, params, iss=op.issuer)

    def test_links_verified_to_verified(self, api, social, user_factory):
        op = social()
        local = user_factory("ext@example.test", email_verified=True)
        response = self._login(api, op)
        assert response["Location"] == "/home"
        assert Account.objects.filter(user=local, provider_id=PROVIDER).exists()

    def test_no_pre_hijack_of_unverified_local_account(self, api, social, user_factory):
        op = social()
        local = user_factory("ext@example.test", email_verified=False)
        response = self._login(api, op)
        assert error_of(response) == "account_not_linked"
        assert not Account.objects.filter(user=local, provider_id=PROVIDER).exists()
        assert not _session_cookie(response)

    def test_unverified_provider_email_not_linked(self, api, social, user_factory):
        op = social()
        user_factory("ext@example.test", email_verified=True)
        assert error_of(self._login(api, op, email_verified=False)) == (
            "account_not_linked"
        )

    def test_trusted_provider_links(self, api, social, user_factory):
        op = social(account={"ACCOUNT_LINKING": {"TRUSTED_PROVIDERS": [PROVIDER]}})
        user_factory("ext@example.test", email_verified=True)
        assert self._login(api, op, email_verified=False)["Location"] == "/home"

    def test_gate_runs_before_user_is_created(self, api, social):
        seen = []

        def gate(user_info, source):
            seen.append(source)
            return {"error": "domain_not_allowed", "error_description": "No."}

        op = social(extra_settings={"USER": {"VALIDATE_USER_INFO": gate}})
        response = self._login(api, op)
        assert response["Location"].startswith(
            "http://testserver/api/auth/error?error=domain_not_allowed"
        )
        assert not User.objects.exists()
        assert seen[0]["action"] == "create-user"
        assert seen[0]["oauth"]["providerId"] == PROVIDER

    def test_scopes_accumulate(self, api, social):
        op = social()
        params = start(api)
        op.answer_tokens(nonce=params["nonce"])
        finish(api, params, iss=op.issuer)
        params = start(api, scopes=["calendar"])
        answer = op.token_answer

        def narrower(form):
            status, body = answer(form)
            return status, {**body, "scope": "openid calendar"}

        op.answer_tokens(nonce=params["nonce"])
        answer = op.token_answer
        op.token_answer = narrower
        finish(api, params, iss=op.issuer)
        account = Account.objects.get(provider_id=PROVIDER)
        assert account.scopes == ["openid", "email", "profile", "calendar"]
