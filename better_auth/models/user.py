from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from ..fields import CredentialPasswordField
from ._ids import new_id

# Marks a pending "no password" (set_unusable_password) until save().
_UNUSABLE = "!"


def normalize_email(email: str) -> str:
    """Lower-case the whole address, as Better Auth does on write and lookup."""
    return (email or "").strip().lower()


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        """Find by email in any case, as Better Auth looks emails up."""
        return self.get(email=normalize_email(username or ""))

    async def aget_by_natural_key(self, username: str | None) -> User:
        return await self.aget(email=normalize_email(username or ""))

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
        if extra["is_staff"] is not True or extra["is_superuser"] is not True:
            raise ValueError("A superuser must have is_staff and is_superuser set.")
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person, as Better Auth's ``user`` table, usable as ``AUTH_USER_MODEL``.

    The password hash lives on the credential :class:`Account`
    (``provider_id="credential"``), not here, as in Better Auth; the password
    methods of ``AbstractBaseUser`` are redirected to it so Django's admin,
    ``createsuperuser`` and ``authenticate()`` keep working.
    """

    # No column: reads and writes go to the credential account.
    password = CredentialPasswordField()  # type: ignore[assignment]

    id = models.CharField(
        primary_key=True, max_length=64, default=new_id, editable=False
    )
    name = models.TextField(blank=True, default="")
    email = models.EmailField(max_length=320, unique=True)
    email_verified = models.BooleanField(default=False)
    # Better Auth's schema has image nullable; the wire shows null.
    image = models.TextField(null=True, blank=True)  # noqa: DJ001
    # Better Auth's two-factor plugin keeps its flag on the user row; rendered
    # in user JSON only while better_auth.plugins.two_factor is installed.
    two_factor_enabled = models.BooleanField(null=True, default=False)
    # The admin plugin's fields; rendered in user JSON only while
    # better_auth.plugins.admin is installed. ``role`` is a comma-separated
    # list of role names, filled with the default role when a user is created.
    role = models.TextField(null=True, blank=True)  # noqa: DJ001
    banned = models.BooleanField(null=True, default=False)
    ban_reason = models.TextField(null=True, blank=True)  # noqa: DJ001
    ban_expires = models.DateTimeField(null=True, blank=True)
    # The username plugin's fields (username stored normalized, unique).
    username = models.CharField(  # noqa: DJ001
        max_length=255, unique=True, null=True, blank=True
    )
    display_username = models.TextField(null=True, blank=True)  # noqa: DJ001
    # The anonymous plugin's flag.
    is_anonymous = models.BooleanField(null=True, default=False)
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

    def save(self, **kwargs: Any) -> None:
        """Save, then write a password set since the last save.

        The hash goes to the credential account in the same transaction as
        the user row, so a failure never leaves a user whose password was
        silently dropped.
        """
        self.email = normalize_email(self.email)
        self.updated_at = timezone.now()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "updated_at" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "updated_at"]
        pending = self.__dict__.get("_pending_password_hash")
        if pending is None:
            super().save(**kwargs)
            return
        with transaction.atomic(using=kwargs.get("using") or self._state.db):
            super().save(**kwargs)
            self._write_pending_password(pending)
        self.__dict__.pop("_pending_password_hash", None)

    def _write_pending_password(self, pending: str) -> None:
        from ..services.passwords import store_password_hash
        from .account import CREDENTIAL_PROVIDER, Account

        if pending == _UNUSABLE:
            # Better Auth has no "unusable password": a user without a
            # password simply has no credential account.
            Account.objects.filter(user=self, provider_id=CREDENTIAL_PROVIDER).delete()
            self.__dict__.pop("_credential_hash_cache", None)
        else:
            store_password_hash(self, pending)

    # Password methods live on the credential account.

    def _current_hash(self) -> str | None:
        """The hash a check should use: a pending one, else the stored one."""
        from ..services.passwords import credential_password_hash

        pending = self.__dict__.get("_pending_password_hash")
        if pending is not None:
            return None if pending == _UNUSABLE else pending
        if self._state.adding:
            return None
        return credential_password_hash(self)

    def _assign_password_hash(self, encoded: Any) -> None:
        """``user.password = <hash>``: write that hash on the next save.

        None (what Model.__init__ passes for an absent value) changes
        nothing, and neither does the hash already held.
        """
        if not isinstance(encoded, str) or not encoded:
            return
        if encoded != self._current_hash():
            self._pending_password_hash = encoded

    def set_password(self, raw_password: str | None) -> None:
        """Hash now, write to the credential account on the next ``save()``."""
        from django.contrib.auth.hashers import make_password

        if raw_password is None:
            self.set_unusable_password()
            return
        self._pending_password_hash = make_password(raw_password)
        # AbstractBaseUser.save() hands this to password_changed() for the
        # validators that keep a history.
        self._password = raw_password

    def set_unusable_password(self) -> None:
        """Remove the password: the credential account goes on ``save()``."""
        self._pending_password_hash = _UNUSABLE

    def check_password(self, raw_password: str) -> bool:
        """Verify against the credential account, upgrading an old hash."""
        from django.contrib.auth.hashers import check_password

        from ..services.passwords import check_user_password

        pending = self.__dict__.get("_pending_password_hash")
        if pending is not None:
            return pending != _UNUSABLE and check_password(raw_password, pending)
        return check_user_password(self, raw_password)

    async def acheck_password(self, raw_password: str) -> bool:
        """See ``check_password()``; used by ``ModelBackend.aauthenticate``."""
        return await sync_to_async(self.check_password)(raw_password)

    def has_usable_password(self) -> bool:
        from django.contrib.auth.hashers import is_password_usable

        encoded = self._current_hash()
        # Django treats None as usable; here None means no credential account.
        return encoded is not None and is_password_usable(encoded)

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """HMAC of the credential hash, so a password change ends sessions.

        Django stores this in its session and compares it on every request
        (``django.contrib.auth.get_user``); ``get_session_auth_hash`` and the
        ``SECRET_KEY_FALLBACKS`` variant both call this method.
        """
        key_salt = "better_auth.models.User.get_session_auth_hash"
        return salted_hmac(
            key_salt, self._current_hash() or "", secret=secret, algorithm="sha256"
        ).hexdigest()

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name
