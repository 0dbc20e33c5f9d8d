"""Model fields of the core app."""

from __future__ import annotations

from typing import Any

from django.db import models


class EncryptedTextField(models.TextField):
    """Text encrypted at rest with AES-256-GCM under a key derived from the secret.

    Provider access, refresh and ID tokens are bearer credentials for someone
    else's API: a database dump must not hand them out. Values written before
    a secret rotation still decrypt through ``PREVIOUS_SECRETS``.
    """

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        from .conf import auth_settings
        from .crypto import decrypt_secret

        return decrypt_secret(value, auth_settings.secrets())

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        from .conf import auth_settings
        from .crypto import encrypt_secret

        return encrypt_secret(value, auth_settings.SECRET)


class _CredentialPasswordDescriptor:
    """``user.password``: the credential account's hash, read lazily."""

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        return instance._current_hash()

    def __set__(self, instance: Any, value: Any) -> None:
        instance._assign_password_hash(value)


class CredentialPasswordField(models.Field):
    """A column-less ``password`` field backed by the credential account.

    Better Auth keeps the hash on the ``credential`` account row, not the
    user. Django still looks for a field named ``password``: without one
    ``createsuperuser`` never asks for (or reads ``DJANGO_SUPERUSER_PASSWORD``
    into) a password, and ``PasswordResetTokenGenerator`` would hash a
    constant, so its reset links would survive a password change. This field
    has no column (Django skips it in queries, forms and migrations) and its
    descriptor reads and writes through the user model's password methods.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["editable"] = False
        kwargs["blank"] = True
        kwargs["null"] = True
        super().__init__(*args, **kwargs)

    def get_attname_column(self) -> tuple[str, None]:
        return self.get_attname(), None

    def db_type(self, connection: Any) -> None:
        return None

    def contribute_to_class(
        self, cls: type[models.Model], name: str, private_only: bool = False
    ) -> None:
        super().contribute_to_class(cls, name, private_only=True)
        setattr(cls, name, _CredentialPasswordDescriptor())
