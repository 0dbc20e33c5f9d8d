from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from ..fields import EncryptedTextField
from ._ids import new_id

CREDENTIAL_PROVIDER = "credential"
CREDENTIAL_ISSUER = "local:credential"


class Account(models.Model):
    """An identity a user signs in with, keyed by ``(issuer, account_id)``.

    Better Auth 1.7 identifies an external account by the issuer that vouches
    for it plus the subject it gives, so two providers handing out the same
    subject can never collide. The credential account (``provider_id =
    "credential"``) holds the password hash. Provider tokens are encrypted at
    rest with a key derived from the auth secret.
    """

    id = models.CharField(
        primary_key=True, max_length=64, default=new_id, editable=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="auth_accounts"
    )
    provider_id = models.CharField(max_length=255)
    issuer = models.CharField(max_length=512)
    account_id = models.CharField(max_length=512)
    access_token = EncryptedTextField(null=True, blank=True)
    refresh_token = EncryptedTextField(null=True, blank=True)
    id_token = EncryptedTextField(null=True, blank=True)
    access_token_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_token_expires_at = models.DateTimeField(null=True, blank=True)
    # Nullable as in Better Auth's schema: null and "" differ on the wire.
    scope = models.TextField(null=True, blank=True)  # noqa: DJ001
    password = models.CharField(max_length=512, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "better_auth_account"
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "account_id"], name="better_auth_account_identity"
            )
        ]
        indexes = [
            models.Index(
                fields=["user", "provider_id"], name="ba_account_user_provider"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider_id} account of {self.user_id}"

    @property
    def scopes(self) -> list[str]:
        return [s for s in (self.scope or "").split(",") if s]
