"""Hostile request bodies get a clear 4xx with a code, never a 500."""

from __future__ import annotations

import json

import pytest

from tests.conftest import AuthClient


def test_deeply_nested_json_is_invalid_json(api: AuthClient) -> None:
    """Nesting past the parser's recursion limit is bad input, not a crash."""
    r = api.post("/sign-in/email", raw="[" * 100_000 + "]" * 100_000)
    assert r.status_code == 400
    assert r.json() == {
        "message": "Invalid JSON in request body",
        "code": "BAD_REQUEST",
    }


def test_utf16_body_is_refused(api: AuthClient) -> None:
    """Bodies are UTF-8; a UTF-16 document is not sniffed and accepted."""
    body = json.dumps({"email": "a@example.test", "password": "x" * 10})
    r = api.post("/sign-in/email", raw=body.encode("utf-16"))
    assert r.status_code == 400 and r.json()["code"] == "BAD_REQUEST"


def test_oversized_body_is_413(api: AuthClient, settings) -> None:
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE answers 413 PAYLOAD_TOO_LARGE."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    r = api.post("/sign-in/email", {"email": "a@b.co", "password": "a" * 5000})
    assert r.status_code == 413 and r.json()["code"] == "PAYLOAD_TOO_LARGE"


def test_too_many_query_parameters_is_400(api: AuthClient, settings) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    r = api.get("/get-session", {f"a{i}": "1" for i in range(50)})
    assert r.status_code == 400 and r.json()["code"] == "BAD_REQUEST"


@pytest.mark.parametrize("bad", ["\ud800", "a\x00b"])
@pytest.mark.parametrize("field", ["name", "password", "email"])
def test_unstorable_text_is_a_validation_error(
    api: AuthClient, field: str, bad: str
) -> None:
    """Lone surrogates and NUL cannot be stored (PostgreSQL refuses NUL)."""
    body = {"name": "N", "email": "n@example.test", "password": "long-enough-1"}
    body[field] = body[field] + bad
    raw = json.dumps(body)  # ensure_ascii escapes both as \\uXXXX
    r = api.post("/sign-up/email", raw=raw)
    assert r.status_code == 400
    assert r.json()["code"] == "VALIDATION_ERROR"


def test_update_user_refuses_nul_in_name(api: AuthClient) -> None:
    assert api.sign_up().status_code == 200
    r = api.post("/update-user", raw=json.dumps({"name": "a\x00"}))
    assert r.status_code == 400 and r.json()["code"] == "VALIDATION_ERROR"


def test_long_names_are_stored_on_every_backend(api: AuthClient) -> None:
    """Better Auth puts no limit on a name; neither does the column."""
    r = api.sign_up(name="n" * 5000)
    assert r.status_code == 200 and r.json()["user"]["name"] == "n" * 5000


def test_overlong_email_is_invalid(api: AuthClient) -> None:
    r = api.sign_up(email="a" * 320 + "@example.test")
    assert r.status_code == 400 and r.json()["code"] == "VALIDATION_ERROR"


def test_password_length_counts_utf16_units_like_javascript(api: AuthClient) -> None:
    """Better Auth measures String.length: four emoji are eight units."""
    assert api.sign_up(password="😀" * 4).status_code == 200
    r = api.sign_up(email="b@example.test", password="😀" * 65)
    assert r.json()["code"] == "PASSWORD_TOO_LONG"


# --- unstorable text anywhere in the input ---------------------------------

SURROGATE_BODY = '{"name":"x","slug":"s-1","metadata":{"k":"\\ud800"}}'


def test_lone_surrogate_nested_in_a_body_is_refused_before_any_write(
    api: AuthClient,
) -> None:
    """A lone surrogate inside an object field is refused like a top-level
    one, before anything is stored (it could be neither stored in
    PostgreSQL nor rendered back as JSON)."""
    from better_auth.plugins.organization.models import Organization

    assert api.sign_up().status_code == 200
    r = api.post("/organization/create", raw=SURROGATE_BODY)
    assert r.status_code == 400, r.content
    assert r.json()["code"] == "VALIDATION_ERROR"
    assert not Organization.objects.filter(slug="s-1").exists()


@pytest.mark.parametrize(
    "body",
    [
        '{"client_name":"a\\u0000","redirect_uris":["https://a.example.com/cb"]}',
        '{"client_name":"a","redirect_uris":["https://a.example.com/\\ud800"]}',
        '{"client_name":"a","contacts":["\\ud800"],'
        '"redirect_uris":["https://a.example.com/cb"]}',
    ],
)
def test_unstorable_text_in_free_form_json_is_a_validation_error(
    api: AuthClient, body: str
) -> None:
    """Keys a schema passes through unchecked obey the text rule too."""
    assert api.sign_up().status_code == 200
    r = api.post("/oauth2/create-client", raw=body)
    assert r.status_code == 400, r.content
    assert r.json()["code"] == "VALIDATION_ERROR"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/oauth2/token", "/oauth2/introspect"])
def test_nul_in_a_form_field_is_invalid_request(path: str) -> None:
    """A NUL in ``client_id`` never reaches the client lookup."""
    from django.test import Client

    r = Client().post(
        f"/api/auth{path}",
        "client_id=a%00b&client_secret=x&grant_type=client_credentials&token=t",
        content_type="application/x-www-form-urlencoded",
    )
    assert r.status_code == 400, r.content
    assert r.json()["error"] == "invalid_request"
    assert r["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_nul_in_a_query_parameter_is_refused() -> None:
    from django.test import Client

    r = Client().get("/api/auth/oauth2/end-session", {"client_id": "a\x00b"})
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_request"


@pytest.mark.django_db
def test_a_foreign_host_is_refused_on_the_api(settings) -> None:
    """``AuthAPIMiddleware`` skips CommonMiddleware but not ALLOWED_HOSTS."""
    from django.test import Client

    settings.ALLOWED_HOSTS = ["testserver"]
    r = Client().get("/api/auth/ok", HTTP_HOST="evil.example")
    assert r.status_code == 400
    assert Client().get("/api/auth/ok").status_code == 200


def test_unstorable_text_at_registration_is_invalid_request(
    api: AuthClient, better_auth_settings
) -> None:
    """RFC 7591 registration reads its body itself; the router still refuses
    a lone surrogate in it, in the OAuth envelope (RFC 6749 §5.2)."""
    better_auth_settings(
        OAUTH_PROVIDER={
            "ALLOW_DYNAMIC_CLIENT_REGISTRATION": True,
            "ALLOW_UNAUTHENTICATED_CLIENT_REGISTRATION": True,
        }
    )
    r = api.post(
        "/oauth2/register",
        raw='{"client_name":"\\ud800","redirect_uris":["https://a.example.com/cb"]}',
    )
    assert r.status_code == 400, r.content
    assert r.json()["error"] == "invalid_request"
