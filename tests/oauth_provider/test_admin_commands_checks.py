"""Admin pages (no secret ever shown), management commands and system checks."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from better_auth import keys
from better_auth.models import SigningKey
from better_auth_oauth_provider.checks import check_issuer, check_provider
from better_auth_oauth_provider.models import Consent
from better_auth_oauth_provider.services.clients import get_client, verify_client_secret

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(user_factory: Any) -> Client:
    user = user_factory(
        email="root@example.test",
        password="root-password-1",
        is_staff=True,
        is_superuser=True,
    )
    client = Client()
    client.force_login(user)
    return client


def test_admin_add_shows_the_secret_once_and_stores_a_digest(
    admin_client: Client,
) -> None:
    response = admin_client.post(
        "/admin/oauth2_provider/application/add/",
        {
            "name": "admin-made",
            "redirect_uris": "https://app.example.test/cb",
            "post_logout_redirect_uris": "",
            "token_endpoint_auth_method": "client_secret_basic",
            "application_type": "web",
            "grant_types": ["authorization_code", "refresh_token"],
            "scope": "openid profile",
            "client_credentials_scopes": "",
        },
    )
    assert response.status_code == 200, response.content[:2000]
    assert "no-store" in response["Cache-Control"]
    secret = response.context["secret"]
    app = response.context["application"]
    assert secret and secret.encode() in response.content
    stored = get_client(app.client_id)
    assert verify_client_secret(stored, secret)
    assert stored.better_auth_profile.scopes == ["openid", "profile"]
    change = admin_client.get(f"/admin/oauth2_provider/application/{stored.pk}/change/")
    assert change.status_code == 200
    assert secret.encode() not in change.content
    assert stored.client_secret.encode() not in change.content


def test_admin_add_validates_metadata(admin_client: Client) -> None:
    response = admin_client.post(
        "/admin/oauth2_provider/application/add/",
        {
            "name": "bad",
            "redirect_uris": "http://app.example.test/cb",
            "token_endpoint_auth_method": "client_secret_basic",
            "application_type": "web",
            "grant_types": ["authorization_code"],
        },
    )
    assert response.status_code == 200
    assert b"web clients require https" in response.content
    assert get_client("bad") is None


def test_admin_rotate_action_and_lists(
    admin_client: Client, web_client: Any, signed_in_api: Any
) -> None:
    app, secret = web_client
    response = admin_client.post(
        "/admin/oauth2_provider/application/",
        {"action": "rotate_client_secret", "_selected_action": [app.pk]},
    )
    assert response.status_code == 200
    new = response.context["secret"]
    assert new != secret and verify_client_secret(get_client(app.client_id), new)
    listing = admin_client.get("/admin/oauth2_provider/application/")
    assert listing.status_code == 200 and new.encode() not in listing.content
    Consent.objects.create(user=signed_in_api.user, application=app, scopes=["openid"])
    assert (
        admin_client.get("/admin/better_auth_oauth_provider/consent/").status_code
        == 200
    )


def test_signing_key_admin_never_shows_the_private_key(admin_client: Client) -> None:
    keys.get_signing_key()
    row = SigningKey.objects.get()
    page = admin_client.get(f"/admin/better_auth/signingkey/{row.pk}/change/")
    assert page.status_code == 200
    assert row.private_key.encode() not in page.content
    assert b"PRIVATE" not in page.content
    listing = admin_client.get("/admin/better_auth/signingkey/")
    assert row.pk.encode() in listing.content
    admin_client.post(
        "/admin/better_auth/signingkey/",
        {"action": "rotate_signing_keys", "_selected_action": [row.pk]},
    )
    row.refresh_from_db()
    assert row.retired


def test_create_oauth_client_command_prints_the_client_with_its_secret() -> None:
    """``create_oauth_client --json '<RFC 7591>' --skip-consent``."""
    out = StringIO()
    call_command(
        "create_oauth_client",
        "--json",
        json.dumps(
            {
                "client_name": "scripted",
                "redirect_uris": ["https://app.example.test/cb"],
                "scope": "openid email",
            }
        ),
        "--skip-consent",
        stdout=out,
    )
    printed = json.loads(out.getvalue())
    app = get_client(printed["client_id"])
    assert verify_client_secret(app, printed["client_secret"])
    assert printed["skip_consent"] is True and app.better_auth_profile.skip_consent
    assert printed["scope"] == "openid email"


def test_create_oauth_client_command_refuses_bad_metadata() -> None:
    with pytest.raises(CommandError, match="invalid_redirect_uri"):
        call_command(
            "create_oauth_client",
            "--json",
            '{"redirect_uris": ["http://app.example.test/cb"]}',
            stdout=StringIO(),
        )
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("create_oauth_client", "--json", "{", stdout=StringIO())


def test_create_oauth_client_command_refuses_user_scopes_for_m2m() -> None:
    """The client_credentials grant never gives scopes that describe a user
    (RFC 6749 §4.4: the client acts for itself), so asking for one is an
    error at creation, not at the first token request; nothing is stored."""
    from oauth2_provider.models import get_application_model

    before = get_application_model().objects.count()
    with pytest.raises(CommandError, match="email, openid: scopes that describe"):
        call_command(
            "create_oauth_client",
            "--json",
            '{"redirect_uris": ["https://app.example.test/cb"],'
            ' "grant_types": ["client_credentials"]}',
            "--client-credentials-scope",
            "read",
            "--client-credentials-scope",
            "openid",
            "--client-credentials-scope",
            "email",
            stdout=StringIO(),
        )
    assert get_application_model().objects.count() == before


def test_seed_demo_client_is_idempotent() -> None:
    first, second = StringIO(), StringIO()
    call_command("seed_demo_client", stdout=first)
    call_command("seed_demo_client", stdout=second)
    assert json.loads(first.getvalue()) == json.loads(second.getvalue())
    app = get_client("demo-example-rp")
    assert app.better_auth_profile.is_public and app.better_auth_profile.skip_consent
    assert app.redirect_uris == "http://127.0.0.1:8765/callback"


def _ids(**kwargs: Any) -> set[str]:
    found = check_provider(**kwargs) + check_issuer(**kwargs)
    return {message.id for message in found}


def test_checks_pass_with_pages_and_loopback_issuer(better_auth_settings: Any) -> None:
    better_auth_settings(BASE_URL="http://127.0.0.1:8000")
    assert _ids() == set()


def test_check_https_issuer(better_auth_settings: Any) -> None:
    """A deployment check (``check --deploy``): plain ``check`` passes."""
    better_auth_settings(BASE_URL="http://auth.example.test")
    assert "better_auth_oauth_provider.E001" in _ids()
    better_auth_settings(BASE_URL="https://auth.example.test")
    assert "better_auth_oauth_provider.E001" not in _ids()


def test_check_pages_and_algorithm(better_auth_settings: Any) -> None:
    better_auth_settings(
        BASE_URL="https://auth.example.test",
        OAUTH_PROVIDER={"LOGIN_PAGE": None, "SIGNING_ALGORITHM": "HS256"},
    )
    ids = _ids()
    assert "better_auth_oauth_provider.W002" in ids
    assert "better_auth_oauth_provider.E004" in ids


def test_check_oauth2_provider_installed(settings: Any) -> None:
    settings.INSTALLED_APPS = [
        a for a in settings.INSTALLED_APPS if a != "oauth2_provider"
    ]
    assert "better_auth_oauth_provider.E003" in _ids()
