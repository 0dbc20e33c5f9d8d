from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac

from ._ids import new_id


def normalize_email(email: str) -> str:
    """Lower-case the whole address, as Better Auth does on write and lookup."""
    return (email or "").strip().lower()


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email=normalize_email(username or ""))

    def create_user(
        self, email: str, password: str | None = None, **extra: Any
    ) -> User:
        extra.setdefault("name", "")
        user = self.model(email=normalize_email(email), **extra)
        if password:
            user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(
        self, email: str, password: str | None = None, **extra: Any
    ) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person, as Better Auth's ``user`` table, usable as ``AUTH_USER_MODEL``.

    The password hash lives on the credential :class:`Account`
    (``provider_id="credential"``), not here, as in Better Auth; the password
    methods of ``AbstractBaseUser`` are redirected to it so Django's admin,
    ``createsuperuser`` and ``authenticate()`` keep working.
    """

    password = None  # type: ignore[assignment]

    id = models.CharField(primary_key=True, max_length=64, default=new_id, editable=False)
    name = models.CharField(max_length=255, blank=True, default="")
    email = models.EmailField(max_length=320, unique=True)
    email_verified = models.BooleanField(default=False)
    image = models.TextField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        db_table = "better_auth_user"
        verbose_name = "user"
        verbose_name_plural = "users"

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = normalize_email(self.email)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = normalize_email(self.email)
        self.updated_at = timezone.now()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "updated_at" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "updated_at"]
        super().save(*args, **kwargs)
        pending = self.__dict__.pop("_pending_password_hash", None)
        if pending is not None:
            from ..services.passwords import store_password_hash

            store_password_hash(self, pending)

    # Password methods live on the credential account.

    def set_password(self, raw_password: str | None) -> None:
        from django.contrib.auth.hashers import make_password

        self._pending_password_hash = make_password(raw_password)

    def set_unusable_password(self) -> None:
        from django.contrib.auth.hashers import make_password

        self._pending_password_hash = make_password(None)

    def check_password(self, raw_password: str) -> bool:
        from ..services.passwords import check_user_password

        return check_user_password(self, raw_password)

    def has_usable_password(self) -> bool:
        from django.contrib.auth.hashers import is_password_usable

        from ..services.passwords import credential_password_hash

        return is_password_usable(credential_password_hash(self))

    def get_session_auth_hash(self) -> str:
        from ..services.passwords import credential_password_hash

        key_salt = "better_auth.models.User.get_session_auth_hash"
        return salted_hmac(
            key_salt, credential_password_hash(self) or "", algorithm="sha256"
        ).hexdigest()

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name
