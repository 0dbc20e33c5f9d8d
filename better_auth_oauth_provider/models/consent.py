"""A user's remembered consent to a client (Better Auth's ``oauthConsent``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from oauth2_provider.settings import oauth2_settings

from better_auth.models._ids import new_id

__all__ = ["Consent"]


class Consent(models.Model):
    """Scopes, userinfo claims (OIDC Core §5.5) and resources a user granted.

    One row per (user, client, reference); authorization skips the consent
    page while the row covers everything requested (surface §1.4 step 13).
    """

    id = models.CharField(
        primary_key=True, max_length=64, default=new_id, editable=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="oauth_consents",
    )
    application = models.ForeignKey(
        oauth2_settings.APPLICATION_MODEL,
        on_delete=models.CASCADE,
        related_name="better_auth_consents",
    )
    reference_id = models.CharField(max_length=255, blank=True, default="")
    scopes = models.JSONField(default=list, blank=True)
    requested_userinfo_claims = models.JSONField(default=list, blank=True)
    resources = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "better_auth_oauth_consent"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "application", "reference_id"],
                name="better_auth_oauth_consent_unique",
            )
        ]

    def __str__(self) -> str:
        return f"consent {self.id} of {self.user_id} to {self.application_id}"
