"""Admin pages render for a superuser and never show or search a secret."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from better_auth.models import Account, Session, User, Verification
from better_auth.signals import session_revoked

ACCESS_TOKEN = "ya29.provider-access-token-value-0123456789"
REFRESH_TOKEN = "1//provider-refresh-token-value-abcdef"
ID_TOKEN = "eyJhbGciOiJSUzI1NiJ9.id-token-payload.signature"
RESET_TOKEN = "reset-token-raw-value-0123456789abcdef"


@pytest.fixture
def admin_client_(db: None) -> Client:
    User.objects.create_superuser("root@example.test", "root-password-1", name="Root")
    client = Client()
    assert client.login(email="root@example.test", password="root-password-1")
    return client


@pytest.fixture
def data(user_factory: Any) -> dict[str, Any]:
    """A user with a password, a session, a social account and a verification."""
    from better_auth.services.sessions import create_session

    user = user_factory("alice@example.test", "alice-password-1", name="Alice")
    session = create_session(user, ip_address="203.0.113.7", user_agent="pytest")
    social = Account.objects.create(
        user=user,
        provider_id="google",
        issuer="https://accounts.google.com",
        account_id="google-subject-1",
        access_token=ACCESS_TOKEN,
        refresh_token=REFRESH_TOKEN,
        id_token=ID_TOKEN,
        scope="openid,email",
    )
    digest = hashlib.sha256(RESET_TOKEN.encode()).hexdigest()
    verification = Verification.objects.create(
        identifier=f"reset-password:{digest}",
        value=user.pk + ":secret-value",
        expires_at=timezone.now() + timedelta(hours=1),
    )
    credential = Account.objects.get(user=user, provider_id="credential")
    return {
        "user": user,
        "session": session,
        "social": social,
        "credential": credential,
        "verification": verification,
        "secrets": [
            session.token,
            credential.password,
            credential.password.split("$")[-1],
            ACCESS_TOKEN,
            REFRESH_TOKEN,
            ID_TOKEN,
            digest,
            verification.value,
            # The ciphertext at rest is no more displayable than the token.
            _raw_column("access_token", social.pk),
        ],
    }


def _raw_column(column: str, pk: str) -> str:
    """The stored (encrypted) value, bypassing the field's decryption."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM better_auth_account WHERE id = %s",
            [pk],
        )
        value = cursor.fetchone()[0]
    assert value.startswith("v1:") and ACCESS_TOKEN not in value
    return value


def _assert_no_secret(html: bytes, secrets: list[str]) -> None:
    text = html.decode()
    for secret in secrets:
        assert secret not in text, secret


def _pages(data: dict[str, Any]) -> list[str]:
    return [
        "/admin/better_auth/user/",
        f"/admin/better_auth/user/{data['user'].pk}/change/",
        f"/admin/better_auth/user/{data['user'].pk}/delete/",
        f"/admin/better_auth/user/{data['user'].pk}/password/",
        "/admin/better_auth/user/add/",
        "/admin/better_auth/session/",
        f"/admin/better_auth/session/{data['session'].pk}/change/",
        f"/admin/better_auth/session/{data['session'].pk}/delete/",
        "/admin/better_auth/account/",
        f"/admin/better_auth/account/{data['social'].pk}/change/",
        f"/admin/better_auth/account/{data['credential'].pk}/change/",
        "/admin/better_auth/verification/",
        f"/admin/better_auth/verification/{data['verification'].pk}/change/",
    ]


def test_every_page_renders_without_secrets(
    admin_client_: Client, data: dict[str, Any]
) -> None:
    """Changelists, change, delete and password pages: 200 and no secret."""
    for url in _pages(data):
        response = admin_client_.get(url)
        assert response.status_code == 200, url
        _assert_no_secret(response.content, data["secrets"])


def test_account_page_names_the_secrets_it_holds(
    admin_client_: Client, data: dict[str, Any]
) -> None:
    response = admin_client_.get(
        f"/admin/better_auth/account/{data['social'].pk}/change/"
    )
    assert b"access token, refresh token, ID token" in response.content
    response = admin_client_.get(
        f"/admin/better_auth/account/{data['credential'].pk}/change/"
    )
    assert b"password hash" in response.content


def test_session_page_hides_the_token(
    admin_client_: Client, data: dict[str, Any]
) -> None:
    response = admin_client_.get(
        f"/admin/better_auth/session/{data['session'].pk}/change/"
    )
    assert "(hidden)" in response.content.decode()
    assert b"203.0.113.7" in response.content


def test_verification_page_shows_only_the_kind(
    admin_client_: Client, data: dict[str, Any]
) -> None:
    response = admin_client_.get("/admin/better_auth/verification/")
    assert b"reset-password" in response.content


def test_verification_kind_of_a_bare_identifier_is_other(db: None) -> None:
    """An identifier without a kind prefix may itself be a token: not shown."""
    row = Verification(identifier=RESET_TOKEN, value="x", expires_at=timezone.now())
    assert row.kind == "other"
    assert RESET_TOKEN not in str(row)


def test_user_change_page_shows_password_state_and_link(
    admin_client_: Client, data: dict[str, Any]
) -> None:
    response = admin_client_.get(f"/admin/better_auth/user/{data['user'].pk}/change/")
    assert b'set (<a href="../password/">change</a>)' in response.content


@pytest.mark.parametrize(
    ("model", "secret_index"),
    [
        ("session", 0),
        ("account", 3),
        ("account", 4),
        ("account", 1),
        ("verification", 6),
        ("user", 1),
    ],
)
def test_search_never_matches_a_secret(
    admin_client_: Client, data: dict[str, Any], model: str, secret_index: int
) -> None:
    """Searching for a secret value finds nothing: no secret column is searched."""
    secret = data["secrets"][secret_index]
    response = admin_client_.get(f"/admin/better_auth/{model}/", {"q": secret})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0


def test_search_by_email_works(admin_client_: Client, data: dict[str, Any]) -> None:
    for model, expected in (("user", 1), ("session", 1), ("account", 2)):
        response = admin_client_.get(
            f"/admin/better_auth/{model}/", {"q": "alice@example.test"}
        )
        assert response.context["cl"].result_count == expected, model


def test_add_user_form_creates_a_credential_account(admin_client_: Client) -> None:
    """The add form hashes the password onto a new credential account."""
    response = admin_client_.post(
        "/admin/better_auth/user/add/",
        {
            "email": "New.User@Example.test",
            "name": "New User",
            "password1": "brand-new-password-1",
            "password2": "brand-new-password-1",
        },
    )
    assert response.status_code == 302, response.content
    user = User.objects.get(email="new.user@example.test")
    credential = Account.objects.get(user=user, provider_id="credential")
    assert credential.issuer == "local:credential" and credential.account_id == user.pk
    assert user.check_password("brand-new-password-1")


def test_add_user_form_refuses_mismatch_and_duplicates(
    admin_client_: Client, data: dict[str, Any]
) -> None:
    mismatch = admin_client_.post(
        "/admin/better_auth/user/add/",
        {
            "email": "x@example.test",
            "name": "X",
            "password1": "brand-new-password-1",
            "password2": "brand-new-password-2",
        },
    )
    assert mismatch.status_code == 200
    assert "password2" in mismatch.context["adminform"].form.errors
    duplicate = admin_client_.post(
        "/admin/better_auth/user/add/",
        {
            "email": "ALICE@example.test",
            "name": "Alice again",
            "password1": "brand-new-password-1",
            "password2": "brand-new-password-1",
        },
    )
    assert duplicate.status_code == 200
    assert "email" in duplicate.context["adminform"].form.errors
    assert User.objects.filter(email="alice@example.test").count() == 1


def test_change_user_form_saves(admin_client_: Client, data: dict[str, Any]) -> None:
    user = data["user"]
    response = admin_client_.post(
        f"/admin/better_auth/user/{user.pk}/change/",
        {
            "email": "alice@example.test",
            "name": "Alice Renamed",
            "image": "",
            "email_verified": "on",
            "is_active": "on",
            "auth_accounts-TOTAL_FORMS": "2",
            "auth_accounts-INITIAL_FORMS": "2",
            "auth_accounts-MIN_NUM_FORMS": "0",
            "auth_accounts-MAX_NUM_FORMS": "1000",
            "auth_accounts-0-id": data["credential"].pk,
            "auth_accounts-0-user": user.pk,
            "auth_accounts-1-id": data["social"].pk,
            "auth_accounts-1-user": user.pk,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert user.name == "Alice Renamed" and user.email_verified
    assert user.check_password("alice-password-1")


def test_admin_password_change_keeps_the_admin_signed_in(
    admin_client_: Client, data: dict[str, Any]
) -> None:
    """The admin password form writes the credential account."""
    user = data["user"]
    response = admin_client_.post(
        f"/admin/better_auth/user/{user.pk}/password/",
        {
            "password1": "changed-by-admin-1",
            "password2": "changed-by-admin-1",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    fresh = User.objects.get(pk=user.pk)
    assert fresh.check_password("changed-by-admin-1")
    assert not fresh.check_password("alice-password-1")
    assert admin_client_.get("/admin/").status_code == 200


def test_admin_can_remove_a_password(
    admin_client_: Client, data: dict[str, Any]
) -> None:
    """Disabling password sign-in removes the credential account."""
    user = data["user"]
    response = admin_client_.post(
        f"/admin/better_auth/user/{user.pk}/password/",
        {"usable_password": "false", "unset-password": "1"},
    )
    assert response.status_code == 302
    assert not Account.objects.filter(user=user, provider_id="credential").exists()
    assert Account.objects.filter(user=user, provider_id="google").exists()
    assert not User.objects.get(pk=user.pk).has_usable_password()


def test_own_password_change_keeps_the_session(admin_client_: Client) -> None:
    """update_session_auth_hash() keeps the changer signed in."""
    root = User.objects.get(email="root@example.test")
    response = admin_client_.post(
        f"/admin/better_auth/user/{root.pk}/password/",
        {
            "password1": "root-password-2",
            "password2": "root-password-2",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    assert admin_client_.get("/admin/").status_code == 200


def test_revoke_sessions_action(
    admin_client_: Client,
    data: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The action deletes every session of the chosen users and says so."""
    from better_auth.services.sessions import create_session

    user = data["user"]
    create_session(user, ip_address=None, user_agent=None)
    heard: list[dict[str, Any]] = []

    def receiver(**kwargs: Any) -> None:
        heard.append(kwargs)

    session_revoked.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client_.post(
                "/admin/better_auth/user/",
                {"action": "revoke_sessions", "_selected_action": [user.pk]},
                follow=True,
            )
    finally:
        session_revoked.disconnect(receiver)
    assert response.status_code == 200
    assert b"Revoked 2 session(s) of 1 user(s)." in response.content
    assert not Session.objects.filter(user=user).exists()
    assert len(heard) == 1
    assert heard[0]["reason"] == "admin" and heard[0]["user_id"] == user.pk
    assert len(heard[0]["session_ids"]) == 2


def test_staff_without_permission_is_refused(
    user_factory: Any, data: dict[str, Any]
) -> None:
    user_factory("staff@example.test", "staff-password-1", is_staff=True)
    client = Client()
    assert client.login(email="staff@example.test", password="staff-password-1")
    assert client.get("/admin/better_auth/session/").status_code == 403
