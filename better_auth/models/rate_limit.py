from __future__ import annotations

from django.db import models


class RateLimit(models.Model):
    """A rate-limit counter, updated only by one atomic upsert statement."""

    key = models.CharField(max_length=512, unique=True)
    count = models.IntegerField(default=0)
    last_request = models.BigIntegerField(help_text="Milliseconds since the epoch.")

    class Meta:
        db_table = "better_auth_rate_limit"

    def __str__(self) -> str:
        return self.key
