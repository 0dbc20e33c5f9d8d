"""better_auth.User as AUTH_USER_MODEL: email identity, passwords, Django auth."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth import aauthenticate, authenticate, get_user_model
from django.contrib.auth.hashers import is_password_usable
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client, RequestFactory, override_settings

from better_auth.models import Account, User
from better_auth.models.account import CREDENTIAL_ISSUER, CREDENTIAL_PROVIDER

pytestmark = pytest.mark.django_db


def _credential(user: User) -> Account | None:
    return Account.objects.filter(user=user, provider_id=CREDENTIAL_PROVIDER).first()


def test_better_auth_user_is_the_user_model() -> None:
    assert get_user_model() is User


def test_email_is_stored_lower_cased(user_factory: Any) -> None:
    """Better Auth lower-cases emails on write; so does every save path."""
    user = user_factory("Bob@Example.TEST")
    assert User.objects.get(pk=user.pk).email == "bob@example.test"
    direct = User(email=" Carol@Example.test ", name="Carol")
    direct.save()
    assert User.objects.get(pk=direct.pk).email == "carol@example.test"


def test_natural_key_lookup_ignores_case(user_factory: Any) -> None:
    user = user_factory("bob@example.test")
    assert User.objects.get_by_natural_key("Bob@Example.test") == user
    assert async_to_sync(User.objects.aget_by_natural_key)("BOB@EXAMPLE.TEST") == user


def test_email_is_unique_whatever_the_case(user_factory: Any) -> None:
    user_factory("bob@example.test")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("BOB@example.test", "other-password-1")


def test_full_clean_reports_a_duplicate_in_another_case(user_factory: Any) -> None:
    """Model validation (admin forms) sees the lower-cased address."""
    from django.core.exceptions import ValidationError

    user_factory("bob@example.test")
    with pytest.raises(ValidationError) as raised:
        User(email="Bob@Example.test", name="Bob").full_clean()
    assert "email" in raised.value.message_dict


def test_create_user_writes_a_credential_account(user_factory: Any) -> None:
    """The password hash lives on the credential account, never on the user."""
    user = user_factory("dave@example.test", "dave-password-1")
    account = _credential(user)
    assert account is not None
    assert account.issuer == CREDENTIAL_ISSUER
    assert account.account_id == user.pk
    assert account.password.startswith("md5$")
    assert "password" not in [f.column for f in User._meta.concrete_fields]
    assert User.objects.get(pk=user.pk).password == account.password
    assert user.check_password("dave-password-1")
    assert not user.check_password("wrong-password-1")


def test_create_user_without_password_has_no_credential_account(
    user_factory: Any,
) -> None:
    user = user_factory("erin@example.test", None)
    assert _credential(user) is None
    assert not user.has_usable_password()
    assert not user.check_password("")


def test_set_password_then_save_writes_the_credential_account(
    user_factory: Any,
) -> None:
    """set_password() only hashes; save() writes the hash, once."""
    user = user_factory("frank@example.test", None)
    user.set_password("frank-password-1")
    assert _credential(user) is None
    assert user.check_password("frank-password-1")  # pending hash is checked
    user.save()
    account = _credential(user)
    assert account is not None and account.password.startswith("md5$")
    fresh = User.objects.get(pk=user.pk)
    assert fresh.check_password("frank-password-1")

    fresh.set_password("frank-password-2")
    fresh.save()
    assert Account.objects.filter(user=user, provider_id="credential").count() == 1
    assert User.objects.get(pk=user.pk).check_password("frank-password-2")
    assert not User.objects.get(pk=user.pk).check_password("frank-password-1")


def test_set_password_runs_password_changed_validators(
    user_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Validators that keep a history hear about the new password on save."""
    from django.contrib.auth import password_validation

    heard: list[str] = []
    monkeypatch.setattr(
        password_validation,
        "password_changed",
        lambda password, user=None, validators=None: heard.append(password),
    )
    user = user_factory("gina@example.test", None)
    user.set_password("gina-password-1")
    user.save()
    assert heard == ["gina-password-1"]


def test_has_usable_password(user_factory: Any) -> None:
    user = user_factory("hank@example.test", "hank-password-1")
    assert user.has_usable_password()
    user.set_unusable_password()
    assert not user.has_usable_password()
    user.save()
    fresh = User.objects.get(pk=user.pk)
    assert not fresh.has_usable_password()
    # Better Auth has no "unusable" hash: no password means no credential row.
    assert _credential(fresh) is None
    assert not fresh.check_password("hank-password-1")


def test_set_password_none_removes_the_password(user_factory: Any) -> None:
    user = user_factory("ivy@example.test", "ivy-password-1")
    user.set_password(None)
    user.save()
    assert _credential(user) is None


def test_password_write_is_atomic_with_the_user_row(
    user_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed credential write rolls the user save back too."""
    from better_auth.services import passwords

    def fail(user: User, encoded: str) -> None:
        raise RuntimeError("credential store down")

    monkeypatch.setattr(passwords, "store_password_hash", fail)
    user = User(email="jack@example.test", name="Jack")
    user.set_password("jack-password-1")
    with pytest.raises(RuntimeError):
        user.save()
    assert not User.objects.filter(email="jack@example.test").exists()


def test_session_auth_hash_changes_with_the_password(user_factory: Any) -> None:
    user = user_factory("kim@example.test", "kim-password-1")
    before = user.get_session_auth_hash()
    assert before == User.objects.get(pk=user.pk).get_session_auth_hash()
    user.set_password("kim-password-2")
    user.save()
    assert User.objects.get(pk=user.pk).get_session_auth_hash() != before


def test_session_auth_hash_honours_secret_key_fallbacks(user_factory: Any) -> None:
    """After a SECRET_KEY rotation Django sessions survive via the fallbacks."""
    from django.conf import settings

    user = user_factory("lee@example.test", "lee-password-1")
    client = Client()
    assert client.login(email="lee@example.test", password="lee-password-1")
    old_hash = user.get_session_auth_hash()
    with override_settings(
        SECRET_KEY="rotated-" + "k" * 50, SECRET_KEY_FALLBACKS=[settings.SECRET_KEY]
    ):
        fresh = User.objects.get(pk=user.pk)
        assert fresh.get_session_auth_hash() != old_hash
        assert old_hash in list(fresh.get_session_auth_fallback_hash())
        assert client.get("/drf/page").status_code == 200


def test_authenticate_by_email_and_password(user_factory: Any) -> None:
    """authenticate() checks the credential account; email case is ignored."""
    user = user_factory("mia@example.test", "mia-password-1")
    request = RequestFactory().post("/")
    assert (
        authenticate(request, email="Mia@Example.test", password="mia-password-1")
        == user
    )
    assert (
        authenticate(request, username="mia@example.test", password="mia-password-1")
        == user
    )
    assert (
        authenticate(request, email="mia@example.test", password="nope-nope-1") is None
    )
    assert authenticate(request, email="nobody@example.test", password="x") is None


def test_authenticate_refuses_inactive_users(user_factory: Any) -> None:
    user_factory("ned@example.test", "ned-password-1", is_active=False)
    assert (
        authenticate(None, email="ned@example.test", password="ned-password-1") is None
    )


def test_async_authenticate(user_factory: Any) -> None:
    """aauthenticate() uses the async natural-key lookup and password check."""
    user = user_factory("ola@example.test", "ola-password-1")
    found = async_to_sync(aauthenticate)(
        None, email="OLA@example.test", password="ola-password-1"
    )
    assert found == user


def test_check_password_upgrades_an_old_hasher(user_factory: Any) -> None:
    """A hash from a later PASSWORD_HASHERS entry is re-hashed on success."""
    from django.contrib.auth.hashers import make_password

    user = user_factory("pia@example.test", None)
    Account.objects.create(
        user=user,
        provider_id=CREDENTIAL_PROVIDER,
        issuer=CREDENTIAL_ISSUER,
        account_id=user.pk,
        password=make_password("pia-password-1", hasher="pbkdf2_sha256"),
    )
    assert User.objects.get(pk=user.pk).check_password("pia-password-1")
    assert _credential(user).password.startswith("md5$")


def test_django_permissions_work(user_factory: Any) -> None:
    """PermissionsMixin: user, group and superuser permissions."""
    from django.contrib.auth.models import Group

    user = user_factory("quin@example.test")
    assert not user.has_perm("better_auth.view_session")
    perms = Permission.objects.filter(content_type__app_label="better_auth")
    user.user_permissions.add(perms.get(codename="view_session"))
    user = User.objects.get(pk=user.pk)
    assert user.has_perm("better_auth.view_session")
    assert not user.has_perm("better_auth.delete_session")

    group = Group.objects.create(name="support")
    group.permissions.add(perms.get(codename="delete_session"))
    user.groups.add(group)
    user = User.objects.get(pk=user.pk)
    assert user.has_perm("better_auth.delete_session")
    assert user.has_module_perms("better_auth")

    root = User.objects.create_superuser("root@example.test", "root-password-1")
    assert root.has_perm("anything.at_all")
    root.is_active = False
    assert not root.has_perm("anything.at_all")


def test_createsuperuser_noinput_from_env(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """createsuperuser --noinput reads the DJANGO_SUPERUSER_* variables."""
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "Admin@Example.test")
    monkeypatch.setenv("DJANGO_SUPERUSER_NAME", "Admin")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "admin-password-1")
    call_command("createsuperuser", "--noinput", verbosity=0)

    admin = User.objects.get(email="admin@example.test")
    assert admin.is_superuser and admin.is_staff and admin.name == "Admin"
    assert is_password_usable(_credential(admin).password)

    client = Client()
    assert client.login(email="admin@example.test", password="admin-password-1")
    assert client.get("/admin/").status_code == 200

    browser = Client()
    response = browser.post(
        "/admin/login/",
        {
            "username": "admin@example.test",
            "password": "admin-password-1",
            "next": "/admin/",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert browser.get("/admin/").status_code == 200


def test_createsuperuser_interactive_asks_for_a_password(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command sees a password field and prompts for it."""
    from io import StringIO

    from django.contrib.auth.management.commands import createsuperuser

    class TTY(StringIO):
        def isatty(self) -> bool:
            return True

    answers = {"Email": "Ops@Example.test", "Name": "Ops"}
    monkeypatch.setattr(
        "builtins.input",
        lambda prompt="": next(v for k, v in answers.items() if prompt.startswith(k)),
    )
    monkeypatch.setattr(
        createsuperuser.getpass, "getpass", lambda prompt="": "ops-password-long-1"
    )
    call_command("createsuperuser", stdin=TTY(), stdout=StringIO(), stderr=StringIO())
    assert Client().login(email="ops@example.test", password="ops-password-long-1")


def test_superuser_signs_in_through_the_admin_login_form(db: None) -> None:
    """The admin's own login form authenticates against the credential account."""
    User.objects.create_superuser("boss@example.test", "boss-password-1", name="Boss")
    client = Client()
    response = client.post(
        "/admin/login/",
        {
            "username": "Boss@Example.test",
            "password": "boss-password-1",
            "next": "/admin/",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    page = client.get("/admin/")
    assert page.status_code == 200 and b"Welcome" in page.content

    wrong = Client().post(
        "/admin/login/", {"username": "boss@example.test", "password": "wrong-pass-1"}
    )
    assert wrong.status_code == 200 and b"errornote" in wrong.content


def test_password_change_ends_django_admin_sessions(db: None) -> None:
    """Changing the password elsewhere signs the Django admin session out."""
    boss = User.objects.create_superuser("boss@example.test", "boss-password-1")
    client = Client()
    assert client.login(email="boss@example.test", password="boss-password-1")
    assert client.get("/admin/").status_code == 200

    boss = User.objects.get(pk=boss.pk)
    boss.set_password("boss-password-2")
    boss.save()
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_password_reset_tokens_die_with_the_password(user_factory: Any) -> None:
    """Django's reset tokens hash user.password, i.e. the credential hash."""
    from django.contrib.auth.tokens import default_token_generator

    user = user_factory("sam@example.test", "sam-password-1")
    token = default_token_generator.make_token(user)
    assert default_token_generator.check_token(User.objects.get(pk=user.pk), token)
    user.set_password("sam-password-2")
    user.save()
    assert not default_token_generator.check_token(User.objects.get(pk=user.pk), token)


def test_assigning_a_hash_writes_it_on_save(user_factory: Any) -> None:
    """user.password = <encoded> behaves as on Django's own user model."""
    from django.contrib.auth.hashers import make_password

    user = user_factory("tia@example.test", "tia-password-1")
    user.password = make_password("tia-password-2")
    user.save()
    assert User.objects.get(pk=user.pk).check_password("tia-password-2")


def test_model_init_and_full_clean_leave_the_password_alone(
    user_factory: Any,
) -> None:
    user = user_factory("uma@example.test", "uma-password-1")
    fresh = User.objects.get(pk=user.pk)
    fresh.full_clean()
    fresh.save()
    assert User.objects.get(pk=user.pk).check_password("uma-password-1")
    assert User(email="new@example.test").password is None


def test_str_and_names(user_factory: Any) -> None:
    user = user_factory("rae@example.test", name="Rae")
    assert str(user) == "rae@example.test"
    assert user.get_full_name() == user.get_short_name() == "Rae"
    assert user.natural_key() == ("rae@example.test",)
