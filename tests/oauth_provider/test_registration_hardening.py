"""Registration hardening (RFC 7591 §3, §5): initial access tokens are spent
once, and a registration nobody authenticated never gets privileges."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from better_auth_oauth_provider.models import ClientProfile
from better_auth_oauth_provider.services.client_lookup import Application
from tests.concurrency import race
from tests.conftest import AuthClient

pytestmark = pytest.mark.django_db

WEB = {"redirect_uris": ["https://app.example.test/cb"]}


def register(api: Any, body: Any, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else None
    return api.post("/oauth2/register", body, headers=headers)


def _accept(verdict: Any) -> Callable[[dict[str, Any]], Any]:
    def validate(context: dict[str, Any]) -> Any:
        return verdict if context["initial_access_token"] == "iat-1" else False

    return validate


@pytest.fixture
def iat_settings(oauth_settings: Callable[..., None]) -> Callable[[Any], None]:
    def apply(verdict: Any = True) -> None:
        oauth_settings(
            ALLOW_DYNAMIC_CLIENT_REGISTRATION=True,
            VALIDATE_INITIAL_ACCESS_TOKEN=_accept(verdict),
        )

    return apply


def test_initial_access_token_is_single_use(api: Any, iat_settings: Any) -> None:
    """RFC 7591 §3: a pre-shared initial access token registers one client;
    presenting it again is ``invalid_token`` (401)."""
    iat_settings(True)
    assert register(api, WEB, "iat-1").status_code == 201
    again = register(api, WEB, "iat-1")
    assert again.status_code == 401
    assert again.json()["error"] == "invalid_token"
    assert again["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert Application.objects.count() == 1


def test_refused_metadata_does_not_spend_the_token(api: Any, iat_settings: Any) -> None:
    """RFC 7591 §3.2.2: an invalid request creates nothing, and the token
    stays usable for a corrected one."""
    iat_settings(True)
    bad = register(api, {"redirect_uris": ["http://app.example.test/cb"]}, "iat-1")
    assert bad.status_code == 400
    assert register(api, WEB, "iat-1").status_code == 201


def test_the_hook_may_keep_a_token_reusable(api: Any, iat_settings: Any) -> None:
    """A verdict ``{"single_use": False}`` is a multi-use token (Better
    Auth's behaviour for every token)."""
    iat_settings({"single_use": False, "reference_id": "org-1"})
    assert register(api, WEB, "iat-1").status_code == 201
    assert register(api, WEB, "iat-1").status_code == 201


def test_single_use_can_be_turned_off(api: Any, oauth_settings: Any) -> None:
    oauth_settings(
        ALLOW_DYNAMIC_CLIENT_REGISTRATION=True,
        VALIDATE_INITIAL_ACCESS_TOKEN=_accept(True),
        INITIAL_ACCESS_TOKEN_SINGLE_USE=False,
    )
    assert register(api, WEB, "iat-1").status_code == 201
    assert register(api, WEB, "iat-1").status_code == 201


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_with_one_token(iat_settings: Any) -> None:
    """Ten simultaneous registrations with one single-use token: exactly one
    client is created (one atomic seen-once insert)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")
    iat_settings(True)
    results = race(10, lambda: register(AuthClient(), WEB, "iat-1").status_code)
    assert sorted(results) == [201] + [401] * 9
    assert Application.objects.count() == 1


@pytest.fixture
def open_dcr(oauth_settings: Callable[..., None]) -> None:
    oauth_settings(
        ALLOW_DYNAMIC_CLIENT_REGISTRATION=True,
        ALLOW_UNAUTHENTICATED_CLIENT_REGISTRATION=True,
        CLIENT_REGISTRATION_DEFAULT_SCOPES=["openid", "profile"],
        CLIENT_REGISTRATION_ALLOWED_SCOPES=[],
    )


@pytest.mark.parametrize(
    "body",
    [
        {"grant_types": ["client_credentials"], "response_types": []},
        {
            "grant_types": ["authorization_code", "client_credentials"],
            **WEB,
        },
        {"grant_types": ["urn:ietf:params:oauth:grant-type:jwt-bearer"], **WEB},
        {"grant_types": ["password"], **WEB},
        {"grant_types": ["implicit"], "response_types": ["token"], **WEB},
        {"scope": "openid email", **WEB},
        {"scope": "admin", **WEB},
        {"skip_consent": True, **WEB},
    ],
)
def test_open_registration_cannot_gain_privileges(
    api: Any, open_dcr: None, body: dict[str, Any]
) -> None:
    """RFC 7591 §5: an unauthenticated registrant gets no machine grant, no
    grant this server does not offer, no scope beyond the registrable set,
    and no server-owned flag; nothing is stored."""
    response = register(api, body)
    assert response.status_code == 400, response.json()
    assert not Application.objects.exists()


def test_open_registration_drops_server_owned_fields(api: Any, open_dcr: None) -> None:
    """RFC 7591 §2: fields only the server sets are ignored, not obeyed."""
    response = register(
        api,
        {
            **WEB,
            "client_credentials_scopes": ["admin"],
            "enable_end_session": True,
            "disabled": False,
            "require_pkce": True,
            "reference_id": "org-evil",
        },
    )
    assert response.status_code == 201, response.json()
    profile = ClientProfile.objects.get()
    assert profile.client_credentials_scopes == []
    assert profile.enable_end_session is False
    assert profile.reference_id == ""
    assert profile.scopes == ["openid", "profile"]
