from __future__ import annotations

from django.db import models


class UsedToken(models.Model):
    """A one-time value that has been seen, kept until it expires.

    Replay checks (a JWT client assertion's ``jti``, a DPoP proof) record
    the value here with one ``INSERT ... ON CONFLICT`` statement (see
    ``better_auth.storage.replay``). ``key`` is a digest of the namespace
    and the value, never the value itself.
    """

    key = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "better_auth_used_token"

    def __str__(self) -> str:
        return f"used token {self.key[:12]}"
