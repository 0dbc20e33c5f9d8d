"""OpenID Connect Back-Channel Logout 1.0: Logout Tokens posted to relying parties.

A real HTTP server on a loopback port plays the relying party, with the
outbound guard's ``ALLOW_LOOPBACK`` on, and validates what it receives as
§2.6 says a relying party must. Surface §6.1, §13.78-80; case A.18.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import jwt
import pytest
import requests
from django.test import Client

from better_auth import clock
from better_auth.models import Session
from better_auth_oauth_provider import capabilities
from better_auth_oauth_provider.errors import InvalidClientMetadata
from better_auth_oauth_provider.models import AccessTokenContext, RefreshTokenContext
from better_auth_oauth_provider.oauth.logout_token import EVENT
from better_auth_oauth_provider.services import backchannel_logout
from better_auth_oauth_provider.services.clients import (
    client_json,
    create_client,
    update_client,
)
from tests.conftest import BASE
from tests.oauth_provider.conftest import ISSUER, OAUTH_TEST_SETTINGS, WEB_REDIRECT
from tests.oauth_provider.test_token import introspect, login_tokens

FULL = "openid profile email offline_access"


class Receiver:
    """A relying party's back-channel logout endpoint on 127.0.0.1:<free port>.

    ``statuses`` are answered in order, then 200.
    """

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                receiver.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/bcl"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def tokens(self) -> list[str]:
        return [parse_qs(r["body"])["logout_token"][0] for r in self.requests]


@pytest.fixture
def loopback(better_auth_settings: Callable[..., None]) -> None:
    better_auth_settings(OUTBOUND={"ALLOW_LOOPBACK": True})


@pytest.fixture
def provider(better_auth_settings: Callable[..., None]) -> Callable[..., None]:
    """Override OAUTH_PROVIDER keys, keeping loopback delivery allowed."""

    def apply(**overrides: Any) -> None:
        better_auth_settings(
            OUTBOUND={"ALLOW_LOOPBACK": True},
            OAUTH_PROVIDER={**OAUTH_TEST_SETTINGS, **overrides},
        )

    return apply


@pytest.fixture
def receiver(loopback: None) -> Iterator[Receiver]:
    server = Receiver()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def bcl_client(oauth_client_factory: Any, receiver: Receiver) -> tuple[Any, str]:
    return oauth_client_factory(
        client_name="bcl-rp",
        skip_consent=True,
        enable_end_session=True,
        backchannel_logout_uri=receiver.url,
        backchannel_logout_session_required=True,
    )


def _sign_out(browser: Any, capture: Any) -> Any:
    with capture(execute=True):
        response = browser.post("/sign-out")
    assert response.status_code == 200
    return response


def _validate(token: str, client_id: str) -> dict[str, Any]:
    """What a relying party checks (Back-Channel Logout §2.6)."""
    header = jwt.get_unverified_header(token)
    assert header["typ"] == "logout+jwt"
    jwks = Client().get(BASE + "/jwks").json()
    jwk = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    assert header["alg"] == jwk["alg"] != "none"
    claims = jwt.decode(
        token,
        jwt.PyJWK(jwk).key,
        algorithms=[jwk["alg"]],
        audience=client_id,
        issuer=ISSUER,
        options={"require": ["iss", "aud", "iat", "exp", "jti"]},
    )
    now = int(clock.now().timestamp())
    assert claims["iat"] <= now + 1
    assert 0 < claims["exp"] - claims["iat"] <= 120
    assert claims["jti"]
    assert claims["events"] == {EVENT: {}}
    assert "nonce" not in claims
    assert claims.get("sid") or claims.get("sub")
    return claims


def test_capability_is_declared_and_advertised(api: Any) -> None:
    """Back-Channel Logout §2.1: discovery advertises both flags."""
    assert capabilities.is_supported("backchannel_logout")
    doc = api.get("/.well-known/openid-configuration").json()
    assert doc["backchannel_logout_supported"] is True
    assert doc["backchannel_logout_session_supported"] is True


def test_sign_out_posts_a_valid_logout_token(
    signed_in_api: Any,
    bcl_client: tuple[Any, str],
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Case A.18 / surface §13.78: one form POST of ``logout_token`` (§2.5)
    whose token passes the relying party's §2.6 validation, with the
    ``sid`` of the ID token (required by this client, §2.4) and no nonce."""
    app, secret = bcl_client
    tokens = login_tokens(app, secret, signed_in_api.user, scope=FULL)
    id_claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
    _sign_out(signed_in_api, django_capture_on_commit_callbacks)
    assert len(receiver.requests) == 1
    sent = receiver.requests[0]
    assert sent["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert sent["path"] == "/bcl"
    claims = _validate(receiver.tokens()[0], app.client_id)
    assert claims["sid"] == id_claims["sid"]
    assert claims["sub"] == id_claims["sub"] == str(signed_in_api.user.pk)


def test_session_tokens_are_revoked_offline_refresh_survives(
    signed_in_api: Any,
    bcl_client: tuple[Any, str],
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Case A.18 / surface §13.79: the session's access tokens are revoked
    (they introspect inactive), an ``offline_access`` refresh token
    survives, one without it is revoked."""
    from oauth2_provider.models import get_refresh_token_model

    app, secret = bcl_client
    user = signed_in_api.user
    offline = login_tokens(app, secret, user, scope=FULL)
    online = login_tokens(app, secret, user, scope=FULL)
    # Refresh tokens come with offline_access; one whose grant lacks it
    # (issued under another policy) stands in for the second case.
    second = get_refresh_token_model().objects.order_by("created").last()
    RefreshTokenContext.objects.filter(pk=second.pk).update(scope="openid profile")
    assert introspect(app, secret, offline["access_token"]).json()["active"]
    _sign_out(signed_in_api, django_capture_on_commit_callbacks)
    for issued in (offline, online):
        answer = introspect(app, secret, issued["access_token"]).json()
        assert answer == {"active": False}
    assert not AccessTokenContext.objects.filter(revoked_at__isnull=True).exists()
    refresh = get_refresh_token_model().objects.order_by("created")
    assert [row.revoked is None for row in refresh] == [True, False]


def test_only_clients_with_a_uri_are_notified(
    signed_in_api: Any,
    bcl_client: tuple[Any, str],
    receiver: Receiver,
    oauth_client_factory: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Surface §13.80: a client without ``backchannel_logout_uri`` gets no
    POST; one of another session is not notified either."""
    app, secret = bcl_client
    plain, plain_secret = oauth_client_factory(skip_consent=True)
    login_tokens(plain, plain_secret, signed_in_api.user)
    other = Client()
    other.post(
        BASE + "/sign-in/email",
        data={"email": "alice@example.test", "password": "alice-password-1"},
        content_type="application/json",
        headers={"origin": "http://testserver"},
    )
    newest = Session.objects.filter(user=signed_in_api.user).latest("created_at")
    login_tokens(app, secret, signed_in_api.user, session=newest)
    _sign_out(signed_in_api, django_capture_on_commit_callbacks)
    assert receiver.requests == []


def test_failing_receiver_is_retried(
    signed_in_api: Any,
    bcl_client: tuple[Any, str],
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """§2.8: a relying party answering other than 200/204 did not log out;
    the Celery task retries, and the third attempt is accepted. Each
    attempt carries a fresh token (new ``jti``, unexpired)."""
    app, secret = bcl_client
    login_tokens(app, secret, signed_in_api.user)
    receiver.statuses = [500, 503]
    _sign_out(signed_in_api, django_capture_on_commit_callbacks)
    assert len(receiver.requests) == 3
    jtis = {_validate(t, app.client_id)["jti"] for t in receiver.tokens()}
    assert len(jtis) == 3


def test_retries_are_bounded(
    signed_in_api: Any,
    bcl_client: tuple[Any, str],
    receiver: Receiver,
    provider: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """BACKCHANNEL_LOGOUT_MAX_RETRIES bounds the attempts; the sign-out
    itself still succeeds (surface §13.80: an RP answering 500)."""
    provider(BACKCHANNEL_LOGOUT_MAX_RETRIES=2)
    app, secret = bcl_client
    login_tokens(app, secret, signed_in_api.user)
    receiver.statuses = [500] * 10
    _sign_out(signed_in_api, django_capture_on_commit_callbacks)
    assert len(receiver.requests) == 3
    assert not Session.objects.filter(user=signed_in_api.user).exists()


def test_retry_backoff_is_exponential_and_capped(oauth_settings: Any) -> None:
    oauth_settings(
        BACKCHANNEL_LOGOUT_RETRY_BACKOFF=3, BACKCHANNEL_LOGOUT_RETRY_BACKOFF_MAX=20
    )
    assert [backchannel_logout.retry_delay(n) for n in range(5)] == [3, 6, 12, 20, 20]


def test_without_celery_one_inline_attempt(
    signed_in_api: Any,
    bcl_client: tuple[Any, str],
    receiver: Receiver,
    provider: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Without Celery the delivery is one best-effort attempt after the
    commit, as Better Auth's; a failure does not fail the sign-out."""
    provider(BACKCHANNEL_LOGOUT_USE_CELERY=False)
    app, secret = bcl_client
    login_tokens(app, secret, signed_in_api.user)
    receiver.statuses = [500]
    _sign_out(signed_in_api, django_capture_on_commit_callbacks)
    assert len(receiver.requests) == 1


def test_guard_refuses_loopback_when_not_allowed(
    signed_in_api: Any,
    bcl_client: tuple[Any, str],
    receiver: Receiver,
    better_auth_settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The outbound guard decides at delivery time: with ALLOW_LOOPBACK off
    the loopback receiver is never contacted, and nothing is retried."""
    app, secret = bcl_client
    login_tokens(app, secret, signed_in_api.user)
    better_auth_settings(OUTBOUND={"ALLOW_LOOPBACK": False})
    _sign_out(signed_in_api, django_capture_on_commit_callbacks)
    assert receiver.requests == []


def test_private_address_is_never_contacted(
    signed_in_api: Any,
    bcl_client: tuple[Any, str],
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """A private target written around registration (10.0.0.1) is refused
    by the guard before any connection is made."""
    app, secret = bcl_client
    profile = app.better_auth_profile
    profile.backchannel_logout_uri = "https://10.0.0.1/bcl"
    profile.save()
    login_tokens(app, secret, signed_in_api.user)
    calls: list[Any] = []
    monkeypatch.setattr(requests, "request", lambda *a, **k: calls.append(a))
    _sign_out(signed_in_api, django_capture_on_commit_callbacks)
    assert calls == []


def test_end_session_notifies_the_other_clients(
    signed_in_api: Any,
    bcl_client: tuple[Any, str],
    receiver: Receiver,
    oauth_client_factory: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """RP-Initiated Logout with a valid hint ends the session, and every
    other client of that session gets its Logout Token."""
    app, secret = bcl_client
    initiator, initiator_secret = oauth_client_factory(
        client_name="initiator", skip_consent=True, enable_end_session=True
    )
    hint = login_tokens(initiator, initiator_secret, signed_in_api.user)["id_token"]
    login_tokens(app, secret, signed_in_api.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in_api.get("/oauth2/end-session", {"id_token_hint": hint})
    assert response.status_code == 200
    assert len(receiver.requests) == 1
    _validate(receiver.tokens()[0], app.client_id)


def test_revoke_sessions_notifies_once_per_session(
    signed_in_api: Any,
    bcl_client: tuple[Any, str],
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Every way a session ends counts (here /revoke-sessions); sign-out
    sends two core signals but the relying party hears once."""
    app, secret = bcl_client
    login_tokens(app, secret, signed_in_api.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in_api.post("/revoke-sessions")
    assert response.status_code == 200
    assert len(receiver.requests) == 1


def test_deleting_the_user_notifies_once(
    signed_in_api: Any,
    bcl_client: tuple[Any, str],
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Deleting a user ends their sessions and deletes their tokens in one
    transaction; the clients are still told, once."""
    from better_auth.services.delete_user import delete_account

    app, secret = bcl_client
    login_tokens(app, secret, signed_in_api.user)
    with django_capture_on_commit_callbacks(execute=True):
        delete_account(signed_in_api.user)
    assert len(receiver.requests) == 1
    claims = _validate(receiver.tokens()[0], app.client_id)
    assert claims["sub"] == str(signed_in_api.user.pk)


def test_logout_token_is_no_id_token_hint(
    signed_in_api: Any, bcl_client: tuple[Any, str], receiver: Receiver
) -> None:
    """Back-Channel Logout §2.4: a Logout Token has the ID token's signer,
    ``aud``, ``sub`` and ``sid``, but is never accepted as one."""
    app, _ = bcl_client
    session = Session.objects.get(user=signed_in_api.user)
    token = backchannel_logout.build_logout_token(
        app.client_id, str(signed_in_api.user.pk), str(session.id)
    )
    response = signed_in_api.get("/oauth2/end-session", {"id_token_hint": token})
    assert response.status_code == 400
    assert response.json()["error_description"] == "The id_token_hint is invalid"
    assert Session.objects.filter(user=signed_in_api.user).exists()


# --- registration (§2.2) -------------------------------------------------------


WEB = {
    "client_name": "rp",
    "redirect_uris": [WEB_REDIRECT],
    "token_endpoint_auth_method": "client_secret_basic",
}


@pytest.mark.parametrize(
    "uri",
    [
        "https://rp.example.test/logout#",
        "https://rp.example.test/logout#x",
        "http://rp.example.test/logout",
        "https://user:pw@rp.example.test/logout",
        "https://10.0.0.1/logout",
        "https://169.254.169.254/logout",
        "https://127.0.0.1/logout",
        "http://127.0.0.1:8000/logout",
        "rp.example.test/logout",
        "https://[::1/logout",
    ],
)
def test_bad_backchannel_logout_uris_are_refused(db: None, uri: str) -> None:
    """§2.2 and surface §13.73: absolute https, no fragment, no
    credentials, no private or loopback host."""
    with pytest.raises(InvalidClientMetadata):
        create_client({**WEB, "backchannel_logout_uri": uri}, dynamic=True)


def test_backchannel_logout_uri_is_stored(db: None) -> None:
    app, _ = create_client(
        {
            **WEB,
            "backchannel_logout_uri": "https://rp.example.test/logout",
            "backchannel_logout_session_required": True,
        },
        dynamic=True,
    )
    profile = app.better_auth_profile
    assert profile.backchannel_logout_uri == "https://rp.example.test/logout"
    assert profile.backchannel_logout_session_required is True


def test_loopback_uri_only_while_allowed(db: None, loopback: None) -> None:
    """Development: http on loopback passes while OUTBOUND.ALLOW_LOOPBACK is on."""
    app, _ = create_client(
        {**WEB, "backchannel_logout_uri": "http://127.0.0.1:8000/logout"},
        dynamic=True,
    )
    assert app.better_auth_profile.backchannel_logout_uri.startswith("http://127")
    with pytest.raises(InvalidClientMetadata):
        create_client(
            {**WEB, "backchannel_logout_uri": "http://127.0.0.1:8000/logout#x"},
            dynamic=True,
        )


def test_session_required_must_be_boolean(db: None) -> None:
    with pytest.raises(InvalidClientMetadata):
        create_client(
            {
                **WEB,
                "backchannel_logout_uri": "https://rp.example.test/logout",
                "backchannel_logout_session_required": "yes",
            },
            dynamic=True,
        )


def test_update_validates_and_stores_the_uri(db: None) -> None:
    """Client update re-validates the whole metadata (§2.2)."""
    app, _ = create_client(WEB)
    with pytest.raises(InvalidClientMetadata):
        update_client(app, {"backchannel_logout_uri": "https://10.0.0.1/x"})
    update_client(
        app,
        {
            "backchannel_logout_uri": "https://rp.example.test/logout",
            "backchannel_logout_session_required": True,
        },
    )
    shown = client_json(app)
    assert shown["backchannel_logout_uri"] == "https://rp.example.test/logout"
    assert shown["backchannel_logout_session_required"] is True
