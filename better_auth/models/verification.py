from __future__ import annotations

from django.db import models
from django.utils import timezone

from ._ids import new_id


class Verification(models.Model):
    """A one-time value (reset token, delete-account token, OAuth state ...).

    Rows are consumed with a single ``DELETE ... RETURNING`` statement (see
    ``better_auth.storage.verifications``), so two concurrent redemptions can
    never both succeed.
    """

    id = models.CharField(
        primary_key=True, max_length=64, default=new_id, editable=False
    )
    identifier = models.CharField(max_length=512, db_index=True)
    value = models.TextField()
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "better_auth_verification"

    def __str__(self) -> str:
        return f"verification {self.id} ({self.kind})"

    @property
    def kind(self) -> str:
        """The identifier's ``<kind>:`` prefix, safe to display.

        The part after ":" may be a token digest; an identifier without a
        short prefix may be a secret itself, so it is reported as "other".
        """
        prefix, sep, _ = (self.identifier or "").partition(":")
        if not sep or not prefix or len(prefix) > 64:
            return "other"
        return prefix
