"""Core-surface edges the golden transcript does not record.

Each expectation here is what the Better Auth 1.7.25 oracle answered to the
same request (run locally from shared/oracle), or what its router does in
better-call 1.4.5 where the oracle cannot be configured that way.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import AuthClient

ORIGIN = "http://testserver"


def _error(response: Any) -> dict[str, Any]:
    return json.loads(response.content)


def _sign_in(client: AuthClient, headers: dict[str, str], **extra: Any) -> Any:
    body = {"email": "alice@example.test", "password": "alice-password-1", **extra}
    return client.post("/sign-in/email", body, headers=headers)


@pytest.fixture
def alice(api: AuthClient) -> AuthClient:
    assert api.sign_up().status_code == 200
    return api


# -- body validation -----------------------------------------------------------


def test_sign_up_empty_password_is_a_validation_error(api: AuthClient) -> None:
    """``password`` is ``z.string().nonempty()``: "" fails the schema."""
    r = api.sign_up(password="")
    assert r.status_code == 400
    assert _error(r) == {
        "message": "[body.password] Too small: expected string to have >=1 characters",
        "code": "VALIDATION_ERROR",
    }


def test_sign_up_image_null_is_a_validation_error(api: AuthClient) -> None:
    """``image`` is ``z.string().optional()``: null is not a string."""
    r = api.sign_up(image=None)
    assert r.status_code == 400
    assert _error(r) == {
        "message": "[body.image] Invalid input: expected string, received null",
        "code": "VALIDATION_ERROR",
    }


@pytest.mark.parametrize(
    ("raw", "received"),
    [("", "undefined"), ("null", "null"), ("[]", "array"), ('"x"', "string")],
)
def test_sign_up_body_must_be_an_object(
    api: AuthClient, raw: str, received: str
) -> None:
    """Sign-up's body is ``z.object(…).and(z.record(…))``: both parts complain."""
    r = api.post("/sign-up/email", raw=raw)
    assert r.status_code == 400
    assert _error(r) == {
        "message": f"[body] Invalid input: expected object, received {received}; "
        f"[body] Invalid input: expected record, received {received}",
        "code": "VALIDATION_ERROR",
    }


@pytest.mark.parametrize(("raw", "received"), [("", "undefined"), ("null", "null")])
def test_sign_in_body_must_be_an_object(
    api: AuthClient, raw: str, received: str
) -> None:
    """Sign-in's body is a plain ``z.object``; a missing body is ``undefined``."""
    r = api.post("/sign-in/email", raw=raw)
    assert r.status_code == 400
    assert _error(r) == {
        "message": f"[body] Invalid input: expected object, received {received}",
        "code": "VALIDATION_ERROR",
    }


def test_sign_out_body_is_optional_but_not_nullable(alice: AuthClient) -> None:
    """Sign-out's schema is ``z.object(…).optional()``: no body is fine, null is not."""
    r = alice.post("/sign-out", raw="null")
    assert r.status_code == 400
    assert _error(r) == {
        "message": "[body] Invalid input: expected object, received null",
        "code": "VALIDATION_ERROR",
    }
    assert alice.post("/sign-out").json() == {"success": True}


def test_form_values_stay_strings(api: AuthClient) -> None:
    """better-call reads a form body as strings: ``rememberMe=false`` is no boolean."""
    r = api.post(
        "/sign-up/email",
        raw="email=bob%40example.test&password=bob-password-12&name=Bob&rememberMe=false",
        content_type="application/x-www-form-urlencoded",
    )
    assert r.status_code == 400
    assert _error(r) == {
        "message": "[body.rememberMe] Invalid input: expected boolean, received string",
        "code": "VALIDATION_ERROR",
    }


def test_sign_in_refuses_an_over_long_password_before_hashing(
    alice: AuthClient,
) -> None:
    """Sign-in checks ``maxPasswordLength`` first: 400 PASSWORD_TOO_LONG, not 401."""
    r = alice.sign_in(password="x" * 129)
    assert r.status_code == 400
    assert _error(r) == {"message": "Password too long", "code": "PASSWORD_TOO_LONG"}


def test_change_password_refuses_an_over_long_current_password(
    alice: AuthClient,
) -> None:
    """change-password applies the length limit to ``currentPassword`` too."""
    r = alice.post(
        "/change-password",
        {"currentPassword": "x" * 129, "newPassword": "alice-password-2"},
    )
    assert r.status_code == 400
    assert _error(r) == {"message": "Password too long", "code": "PASSWORD_TOO_LONG"}


# -- update-user ----------------------------------------------------------------


@pytest.mark.parametrize("body", [{"emailVerified": True}, {"id": "x"}, {"foo": 1}, {}])
def test_update_user_ignores_fields_it_does_not_own(
    alice: AuthClient, body: dict[str, Any]
) -> None:
    """Unknown and server-only keys are dropped: "No fields to update"."""
    r = alice.post("/update-user", body)
    assert r.status_code == 400
    assert _error(r) == {"message": "No fields to update"}


def test_update_user_ignores_server_fields_next_to_real_ones(alice: AuthClient) -> None:
    """``createdAt`` beside ``name`` is ignored and the name is updated."""
    r = alice.post("/update-user", {"name": "Renamed", "createdAt": "2000-01-01"})
    assert r.status_code == 200 and r.json() == {"status": True}
    assert alice.get("/get-session").json()["user"]["name"] == "Renamed"


@pytest.mark.parametrize(("raw", "received"), [("", "undefined"), ("[]", "array")])
def test_update_user_body_must_be_a_record(
    alice: AuthClient, raw: str, received: str
) -> None:
    """update-user's body is ``z.record(z.string(), z.any())``."""
    r = alice.post("/update-user", raw=raw)
    assert r.status_code == 400
    assert _error(r) == {
        "message": f"[body] Invalid input: expected record, received {received}",
        "code": "VALIDATION_ERROR",
    }


def test_update_user_empty_email_is_not_an_email_change(alice: AuthClient) -> None:
    """Only a truthy ``email`` is EMAIL_CAN_NOT_BE_UPDATED (``if (body.email)``)."""
    r = alice.post("/update-user", {"email": "", "name": "Renamed"})
    assert r.status_code == 200 and r.json() == {"status": True}


# -- sessions -------------------------------------------------------------------


def test_get_session_post_without_defer_keeps_no_store(alice: AuthClient) -> None:
    """The 405 from POST /get-session still carries ``no-store`` / ``no-cache``."""
    r = alice.post("/get-session")
    assert r.status_code == 405
    assert r["Cache-Control"] == "no-store" and r["Pragma"] == "no-cache"


def test_revoke_sessions_expires_the_session_cookies(alice: AuthClient) -> None:
    """Revoking every session (the current one too) expires the three cookies."""
    r = alice.post("/revoke-sessions")
    assert r.json() == {"status": True}
    for name in ("session_token", "session_data", "dont_remember"):
        morsel = r.cookies[f"better-auth.{name}"]
        assert morsel.value == "" and morsel["max-age"] == 0


def test_revoke_session_of_the_current_token_expires_the_cookies(
    alice: AuthClient,
) -> None:
    """``revoke-session`` with the caller's own token signs the caller out."""
    token = alice.get("/get-session").json()["session"]["token"]
    r = alice.post("/revoke-session", {"token": token})
    assert r.json() == {"status": True}
    assert r.cookies["better-auth.session_token"]["max-age"] == 0


def test_revoke_session_of_another_token_keeps_the_cookies(
    alice: AuthClient, api_factory: Any
) -> None:
    """Revoking another of the user's sessions leaves the caller's cookies alone."""
    other = api_factory()
    token = other.sign_in().json()["token"]
    r = alice.post("/revoke-session", {"token": token})
    assert r.json() == {"status": True}
    assert "better-auth.session_token" not in r.cookies


# -- origin / fetch metadata ----------------------------------------------------


def test_sec_fetch_user_alone_is_not_fetch_metadata(alice: AuthClient) -> None:
    """Only Sec-Fetch-Site/-Mode/-Dest force the Origin check on a cookieless login."""
    client = AuthClient(origin=None)
    r = _sign_in(client, {"sec-fetch-user": "?1"})
    assert r.status_code == 200, r.content


def test_blank_fetch_metadata_is_ignored(alice: AuthClient) -> None:
    """A blank Sec-Fetch-Mode counts as absent (``mode && mode.trim()``)."""
    client = AuthClient(origin=None)
    r = _sign_in(client, {"sec-fetch-mode": " "})
    assert r.status_code == 200, r.content


def test_login_csrf_runs_after_body_validation(api: AuthClient) -> None:
    """formCsrfMiddleware is an endpoint middleware, so the schema answers first."""
    client = AuthClient(origin=None)
    r = client.post(
        "/sign-in/email",
        {"email": "alice@example.test"},
        headers={"sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate"},
    )
    assert r.status_code == 400
    assert _error(r)["code"] == "VALIDATION_ERROR"


def test_null_origin_same_origin_fetch_uses_the_request_origin(
    alice: AuthClient,
) -> None:
    """``Origin: null`` on a same-origin fetch is judged as the request's origin."""
    r = alice.post(
        "/sign-out",
        headers={
            "origin": "null",
            "sec-fetch-site": "same-origin",
            "host": "testserver",
        },
    )
    assert r.status_code == 200 and r.json() == {"success": True}


def test_null_origin_without_fetch_metadata_is_missing(alice: AuthClient) -> None:
    """A bare ``Origin: null`` with a cookie is MISSING_OR_NULL_ORIGIN."""
    r = alice.post("/sign-out", headers={"origin": "null"})
    assert r.status_code == 403
    assert _error(r) == {
        "message": "Missing or null Origin",
        "code": "MISSING_OR_NULL_ORIGIN",
    }


def test_null_origin_same_origin_fetch_from_a_foreign_host_is_refused(
    alice: AuthClient,
) -> None:
    """The inferred origin must still be trusted (Host of another site fails)."""
    r = alice.post(
        "/sign-out",
        headers={
            "origin": "null",
            "sec-fetch-site": "same-origin",
            "host": "evil.test",
        },
    )
    assert r.status_code == 403
    assert _error(r)["code"] == "INVALID_ORIGIN"


def test_disabling_csrf_keeps_callback_url_validation(
    alice: AuthClient, better_auth_settings: Any
) -> None:
    """``DISABLE_CSRF_CHECK`` skips the Origin check only, not redirect validation."""
    better_auth_settings(DISABLE_CSRF_CHECK=True)
    evil = {"origin": "https://evil.test"}
    r = _sign_in(alice, evil, callbackURL="https://evil.test/cb")
    assert r.status_code == 403
    assert _error(r) == {
        "message": "Invalid callbackURL",
        "code": "INVALID_CALLBACK_URL",
    }
    assert _sign_in(alice, evil).status_code == 200


@pytest.mark.parametrize("value", [False, 0])
def test_falsy_callback_url_is_left_to_the_schema(
    alice: AuthClient, value: Any
) -> None:
    """A falsy callbackURL is not a redirect target; the schema rejects its type."""
    r = alice.sign_in(callbackURL=value)
    assert r.status_code == 400
    assert _error(r)["code"] == "VALIDATION_ERROR"


def test_non_string_callback_url_is_refused_before_validation(
    alice: AuthClient,
) -> None:
    """Non-string callbackURL: 400 "Invalid callbackURL: expected a string"."""
    r = alice.sign_in(callbackURL=5)
    assert r.status_code == 400
    assert _error(r) == {"message": "Invalid callbackURL: expected a string"}


# -- router ---------------------------------------------------------------------


def test_disabled_path_is_plain_text_not_found(
    api: AuthClient, better_auth_settings: Any
) -> None:
    """A disabled path answers Node's ``new Response("Not Found")``."""
    better_auth_settings(DISABLED_PATHS=["/ok"])
    r = api.get("/ok")
    assert r.status_code == 404 and r.content == b"Not Found"
    assert r["Content-Type"] == "text/plain;charset=UTF-8"


def test_unknown_route_has_no_content_type(api: AuthClient) -> None:
    """better-call's router 404 has neither body nor Content-Type."""
    r = api.get("/nope")
    assert r.status_code == 404 and r.content == b""
    assert "Content-Type" not in r
