"""The bearer plugin: sessions named by ``Authorization: Bearer``.

Better Auth 1.7's ``bearer()`` (core-surface §8.9): the signed cookie value
or, unless REQUIRE_SIGNATURE, the raw session token (RFC 6750 §2.1 header
form) stands for the session cookie; answers that set the session cookie
repeat it in ``set-auth-token``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import pytest

from better_auth.hooks import expose_header
from better_auth.models import Session
from better_auth.services.bearer import bearer_credential, token_from_bearer

from ...conftest import AuthClient

SESSION_COOKIE = "better-auth.session_token"


def _sign_in(api: Any) -> str:
    response = api.sign_up()
    assert response.status_code == 200
    return response.headers["set-auth-token"]


def _bare() -> AuthClient:
    """A client without cookies or Origin: a script or a mobile app."""
    return AuthClient(origin=None)


def test_sign_in_answers_set_auth_token(api: Any) -> None:
    response = api.sign_up()
    token = response.headers["set-auth-token"]
    assert token == response.cookies[SESSION_COOKIE].coded_value
    assert "%" in token  # the percent-encoded signed value, as in Set-Cookie
    assert "set-auth-token" in response.headers["access-control-expose-headers"]
    assert unquote(token).split(".")[0] == response.json()["token"]


def test_answers_without_a_new_session_cookie_carry_none(api: Any) -> None:
    _sign_in(api)
    response = api.get("/get-session")
    assert response.status_code == 200
    assert "set-auth-token" not in response.headers
    signed_out = api.post("/sign-out")
    assert "set-auth-token" not in signed_out.headers


def test_signed_value_opens_the_session(api: Any) -> None:
    token = _sign_in(api)
    client = _bare()
    response = client.get("/get-session", headers={"authorization": f"Bearer {token}"})
    assert response.json()["user"]["email"] == "alice@example.test"
    decoded = unquote(token)
    response = client.get(
        "/get-session", headers={"authorization": f"Bearer {decoded}"}
    )
    assert response.json()["user"]["email"] == "alice@example.test"


def test_scheme_is_case_insensitive(api: Any) -> None:
    """RFC 9110 §11.1: the auth scheme is case-insensitive."""
    token = _sign_in(api)
    response = _bare().get("/get-session", headers={"authorization": f"bEaReR {token}"})
    assert response.json() is not None


def test_raw_token_accepted_unless_signature_required(
    api: Any, better_auth_settings: Any
) -> None:
    raw = api.sign_up().json()["token"]
    headers = {"authorization": f"Bearer {raw}"}
    assert _bare().get("/get-session", headers=headers).json()["session"]
    better_auth_settings(BEARER={"REQUIRE_SIGNATURE": True})
    assert _bare().get("/get-session", headers=headers).json() is None


@pytest.mark.parametrize(
    "header",
    [
        "Bearer not-a-session",
        "Bearer abc.def",
        "Basic YWxpY2U6cHc=",
        "Bearer ",
        "Bearer " + "a" * 600,
    ],
)
def test_anything_else_is_no_session(api: Any, header: str) -> None:
    _sign_in(api)
    response = _bare().get("/get-session", headers={"authorization": header})
    assert response.status_code == 200 and response.json() is None


def test_forged_signature_is_no_session(api: Any) -> None:
    token = unquote(_sign_in(api))
    value, _, _ = token.rpartition(".")
    forged = f"{value}.{'A' * 43}="
    response = _bare().get(
        "/get-session", headers={"authorization": f"Bearer {forged}"}
    )
    assert response.json() is None


def test_no_origin_check_without_cookies(api: Any) -> None:
    """Core-surface §6.1: the origin check guards cookie-carrying requests."""
    token = _sign_in(api)
    response = _bare().post(
        "/update-user",
        {"name": "Alice B"},
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.content
    assert api.get("/get-session").json()["user"]["name"] == "Alice B"


def test_cookies_still_need_a_trusted_origin(api: Any) -> None:
    token = _sign_in(api)
    response = api.post(
        "/update-user",
        {"name": "Mallory"},
        headers={"authorization": f"Bearer {token}", "origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "INVALID_ORIGIN"


def test_bearer_sign_out_ends_the_session(api: Any) -> None:
    token = _sign_in(api)
    response = _bare().post("/sign-out", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert not Session.objects.exists()


def test_bearer_wins_over_the_cookie(api: Any, api_factory: Any) -> None:
    """Like Better Auth's before-hook, the header replaces the session cookie."""
    _sign_in(api)
    bob = api_factory()
    bob_token = bob.sign_up(email="bob@example.test").headers["set-auth-token"]
    response = api.get("/get-session", headers={"authorization": f"Bearer {bob_token}"})
    assert response.json()["user"]["email"] == "bob@example.test"


def test_credential_parsing() -> None:
    assert bearer_credential("Bearer abc") == "abc"
    assert bearer_credential("bearer  abc ") == "abc"
    assert bearer_credential("Bearer") is None
    assert bearer_credential("Token abc") is None
    assert bearer_credential(None) is None
    assert token_from_bearer("raw", require_signature=True) is None
    assert token_from_bearer("raw") == "raw"


def test_expose_header_keeps_earlier_names() -> None:
    class Ctx:
        headers: dict[str, str] = {}

    ctx = Ctx()
    ctx.headers = {}
    expose_header(ctx, "set-auth-token")
    expose_header(ctx, "set-auth-jwt")
    expose_header(ctx, "set-auth-token")
    assert ctx.headers["Access-Control-Expose-Headers"] == (
        "set-auth-token, set-auth-jwt"
    )
