"""AuthAPIMiddleware: the auth API answered ahead of the middleware stack."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core import checks
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory, override_settings

from better_auth.middleware import AuthAPIMiddleware
from tests.conftest import AuthClient


def _downstream(request: HttpRequest) -> HttpResponse:
    return HttpResponse("rest of the stack", status=299)


@pytest.mark.django_db
def test_api_paths_skip_the_rest_of_the_stack() -> None:
    """An API path is dispatched here: the inner middleware never runs."""
    middleware = AuthAPIMiddleware(_downstream)
    response = middleware(RequestFactory().get("/api/auth/ok"))
    assert response.status_code == 200
    assert json.loads(response.content) == {"ok": True}


@pytest.mark.parametrize("path", ["/", "/admin/", "/api/authx/ok", "/api/auth"])
def test_other_paths_go_down_the_stack(path: str) -> None:
    """Only paths strictly under BASE_PATH/ are the API's."""
    middleware = AuthAPIMiddleware(_downstream)
    assert middleware(RequestFactory().get(path)).status_code == 299


@pytest.mark.django_db
def test_sign_up_and_session_through_the_full_client(api: AuthClient) -> None:
    """The test settings put the middleware first, so every API test goes
    through it; this one checks the cookie round trip explicitly."""
    assert api.sign_up().status_code == 200
    body = api.get("/get-session").json()
    assert body["user"]["email"] == "alice@example.test"


def _e008(**settings: Any) -> list[checks.CheckMessage]:
    with override_settings(**settings):
        return [m for m in checks.run_checks() if m.id == "better_auth.E008"]


def test_e008_silent_when_the_api_is_mounted_at_base_path() -> None:
    assert _e008() == []


def test_e008_when_the_api_is_mounted_elsewhere(settings: Any) -> None:
    """The middleware would shadow whatever the URLconf serves at BASE_PATH."""
    settings.BETTER_AUTH = {**settings.BETTER_AUTH, "BASE_PATH": "/elsewhere"}
    (message,) = _e008()
    assert "/elsewhere/" in message.msg
    assert message.hint
