"""The ``twoFactor`` table of Better Auth (core-surface §8.4)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from better_auth.fields import EncryptedTextField
from better_auth.models._ids import new_id


class TwoFactor(models.Model):
    """A user's TOTP secret and backup codes, both encrypted at rest.

    ``verified`` stays False between enabling TOTP and the first correct
    code, so an abandoned setup never challenges a sign-in. The failure
    counter and lock implement the account-wide throttle; they are changed
    only by single conditional UPDATE statements (``storage.py``).
    """

    id = models.CharField(
        primary_key=True, max_length=64, default=new_id, editable=False
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="two_factor",
    )
    secret = EncryptedTextField()
    # JSON list of unused codes, encrypted as one value.
    backup_codes = EncryptedTextField()
    verified = models.BooleanField(default=True)
    failed_verification_count = models.IntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "better_auth_two_factor"
        verbose_name = "two-factor setting"

    def __str__(self) -> str:
        return f"two-factor for {self.user_id}"
