"""The project's PASSWORD_HASHERS and imported Better Auth hashes, end to end.

``data/oracle_passwords.json`` holds hashes the Better Auth 1.7.25 oracle
wrote to ``account.password``; an imported user signs in with them through
``POST /sign-in/email`` and is re-hashed with the project's first hasher.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.test import Client, override_settings

from better_auth.hashers import from_better_auth_hash
from better_auth.models import Account, User
from better_auth.models.account import CREDENTIAL_ISSUER, CREDENTIAL_PROVIDER
from tests.conftest import AuthClient

DATA = Path(__file__).parent / "data"
ORACLE = json.loads((DATA / "oracle_passwords.json").read_text("utf-8"))["hashes"]

ARGON2_FIRST = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "better_auth.hashers.BetterAuthScryptPasswordHasher",
]


def _import_user(email: str, stored_hash: str) -> User:
    """Create a user the way a Better Auth database import would."""
    user = User.objects.create_user(email, None, name=email.split("@")[0])
    Account.objects.create(
        user=user,
        provider_id=CREDENTIAL_PROVIDER,
        issuer=CREDENTIAL_ISSUER,
        account_id=user.pk,
        password=stored_hash,
    )
    return user


def _stored(email: str) -> str:
    return Account.objects.get(
        user__email=email, provider_id=CREDENTIAL_PROVIDER
    ).password


@override_settings(PASSWORD_HASHERS=ARGON2_FIRST)
def test_argon2_project_signs_users_up_and_in(api: AuthClient) -> None:
    """With Argon2 first, new hashes are Argon2 and sign-in verifies them."""
    assert api.sign_up().status_code == 200
    assert _stored("alice@example.test").startswith("argon2$argon2id$")
    fresh = AuthClient()
    response = fresh.sign_in()
    assert response.status_code == 200
    assert response.json()["user"]["email"] == "alice@example.test"
    assert fresh.sign_in(password="wrong-password-1").status_code == 401


@override_settings(PASSWORD_HASHERS=ARGON2_FIRST)
def test_argon2_project_admin_login(db: None) -> None:
    User.objects.create_superuser("root@example.test", "root-password-1")
    assert _stored("root@example.test").startswith("argon2$")
    assert Client().login(email="root@example.test", password="root-password-1")


@pytest.mark.parametrize("case", ORACLE, ids=lambda c: c["email"])
def test_raw_better_auth_hash_signs_in_and_is_rehashed(
    api: AuthClient, case: dict[str, Any]
) -> None:
    """An imported ``salthex:keyhex`` hash works once, then is upgraded."""
    _import_user(case["email"], case["hash"])
    response = api.sign_in(email=case["email"], password=case["password"])
    assert response.status_code == 200, response.content
    assert response.json()["user"]["email"] == case["email"]

    upgraded = _stored(case["email"])
    assert upgraded.startswith("md5$"), upgraded
    assert (
        AuthClient().sign_in(email=case["email"], password=case["password"]).status_code
        == 200
    )


@override_settings(PASSWORD_HASHERS=ARGON2_FIRST)
def test_raw_hash_is_rehashed_to_argon2(api: AuthClient) -> None:
    case = ORACLE[0]
    _import_user(case["email"], case["hash"])
    assert (
        api.sign_in(email=case["email"], password=case["password"]).status_code == 200
    )
    assert _stored(case["email"]).startswith("argon2$")


@pytest.mark.parametrize("case", ORACLE, ids=lambda c: c["email"])
def test_raw_hash_refuses_what_the_oracle_refused(
    api: AuthClient, case: dict[str, Any]
) -> None:
    """Wrong passwords answer 401 and leave the imported hash untouched."""
    _import_user(case["email"], case["hash"])
    for password in case["rejected"]:
        response = api.sign_in(email=case["email"], password=password)
        assert response.status_code == 401
        assert response.json()["code"] == "INVALID_EMAIL_OR_PASSWORD"
    assert _stored(case["email"]) == case["hash"]


def test_raw_hash_accepts_nfkc_equivalents(api: AuthClient) -> None:
    """Better Auth normalises to NFKC, so equivalent spellings sign in."""
    case = ORACLE[1]
    for password in case["also_accepted"]:
        User.objects.all().delete()
        _import_user(case["email"], case["hash"])
        response = AuthClient().sign_in(email=case["email"], password=password)
        assert response.status_code == 200, password


def test_django_encoded_better_auth_hash_signs_in(api: AuthClient) -> None:
    """The ``better_auth_scrypt$salt$key`` form works too and is upgraded."""
    case = ORACLE[0]
    _import_user(case["email"], from_better_auth_hash(case["hash"]))
    assert (
        api.sign_in(email=case["email"], password=case["password"]).status_code == 200
    )
    assert _stored(case["email"]).startswith("md5$")


def test_imported_user_can_log_in_to_django(db: None) -> None:
    """authenticate() takes the same path: verify, then upgrade."""
    case = ORACLE[0]
    user = _import_user(case["email"], case["hash"])
    assert authenticate(None, email=case["email"], password=case["password"]) == user
    assert _stored(case["email"]).startswith("md5$")


def test_older_project_hasher_is_upgraded_on_sign_in(api: AuthClient) -> None:
    """A hash from a later PASSWORD_HASHERS entry is moved to the first."""
    from django.contrib.auth.hashers import make_password

    _import_user(
        "old@example.test", make_password("old-password-1", hasher="pbkdf2_sha256")
    )
    with override_settings(
        PASSWORD_HASHERS=[
            "django.contrib.auth.hashers.MD5PasswordHasher",
            "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        ]
    ):
        response = api.sign_in(email="old@example.test", password="old-password-1")
    assert response.status_code == 200
    assert _stored("old@example.test").startswith("md5$")
