"""Shared fixtures: an API client that speaks like Better Auth's, and factories."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client, override_settings

ORIGIN = "http://testserver"
BASE = "/api/auth"


class AuthClient:
    """A cookie-keeping client that sends JSON and an Origin, as a browser would."""

    def __init__(self, origin: str | None = ORIGIN) -> None:
        self.client = Client()
        self.origin = origin

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.origin:
            out["origin"] = self.origin
        out.update(headers or {})
        return {k: v for k, v in out.items() if v is not None}

    def post(
        self,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
        raw: str | bytes | None = None,
    ) -> Any:
        data = raw if raw is not None else ("" if body is None else json.dumps(body))
        return self.client.post(
            BASE + path,
            data=data,
            content_type=content_type,
            headers=self._headers(headers),
        )

    def get(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> Any:
        return self.client.get(
            BASE + path, params or {}, headers=self._headers(headers)
        )

    @property
    def cookies(self) -> Any:
        return self.client.cookies

    def sign_up(
        self,
        email: str = "alice@example.test",
        password: str = "alice-password-1",
        name: str = "Alice",
        **extra: Any,
    ) -> Any:
        return self.post(
            "/sign-up/email",
            {"email": email, "password": password, "name": name, **extra},
        )

    def sign_in(
        self,
        email: str = "alice@example.test",
        password: str = "alice-password-1",
        **extra: Any,
    ) -> Any:
        return self.post(
            "/sign-in/email", {"email": email, "password": password, **extra}
        )


@pytest.fixture
def api(db: None) -> AuthClient:
    return AuthClient()


@pytest.fixture
def api_factory(db: None) -> Callable[..., AuthClient]:
    return AuthClient


@pytest.fixture
def user_factory(db: None) -> Callable[..., Any]:
    from better_auth.models import User

    counter = iter(range(1, 10_000))

    def make(
        email: str | None = None, password: str | None = "user-password-1", **extra: Any
    ) -> Any:
        email = email or f"user{next(counter)}@example.test"
        extra.setdefault("name", email.split("@")[0])
        return User.objects.create_user(email, password, **extra)

    return make


@pytest.fixture
def better_auth_settings(settings: Any) -> Iterator[Callable[..., None]]:
    """Override keys of BETTER_AUTH (nested dicts merge) and reload the accessor."""
    from better_auth.conf import auth_settings

    base = dict(settings.BETTER_AUTH)

    def apply(**overrides: Any) -> None:
        merged = dict(base)
        for key, value in overrides.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
        settings.BETTER_AUTH = merged

    yield apply
    auth_settings.reload()


@pytest.fixture(autouse=True)
def _no_base_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The base URL falls back to ``BETTER_AUTH_URL``, as Better Auth's does;
    one exported in the shell that runs the tests must not change what a
    test with ``BASE_URL`` unset sees. Tests of the fallback set it."""
    monkeypatch.delenv("BETTER_AUTH_URL", raising=False)


@pytest.fixture(autouse=True)
def _reset_auth_settings() -> Iterator[None]:
    from better_auth.conf import auth_settings
    from better_auth.cookies import reset_cache

    yield
    auth_settings.reload()
    reset_cache()


def cookie_attrs(response: Any, name: str) -> dict[str, Any] | None:
    morsel = response.cookies.get(name)
    if morsel is None:
        return None
    return {
        "value": morsel.value,
        **{k: v for k, v in morsel.items() if v not in ("", None)},
    }


__all__ = ["AuthClient", "cookie_attrs", "override_settings"]
