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
