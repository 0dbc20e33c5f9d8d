"""Protected resources (RFC 8707 / RFC 9728) and the clients linked to them.

Better Auth's ``oauthResource`` and ``oauthClientResource`` (oauth-provider
surface §3, §4). A ``Resource`` is a resource server the provider issues
audience-bound (JWT) access tokens for: its ``identifier`` is the RFC 8707
``resource`` value and the tokens' ``aud``. A NULL policy column inherits
the provider default. A ``ClientResource`` row allows one client to ask
for tokens for one resource (``ENFORCE_PER_CLIENT_RESOURCES``).
"""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from oauth2_provider.settings import oauth2_settings

__all__ = ["SIGNING_ALGORITHMS", "ClientResource", "Resource"]

# The JWS algorithms a resource may pin (surface §1.2, §12).
SIGNING_ALGORITHMS = ("EdDSA", "ES256", "ES512", "PS256", "RS256")


class Resource(models.Model):
    identifier = models.CharField(max_length=512, unique=True)
    # Shown to people; the identifier when empty.
    name = models.CharField(max_length=255, blank=True, default="")
    # A disabled resource gets no new tokens; issued ones stay valid.
    enabled = models.BooleanField(default=True)
    access_token_ttl = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)]
    )
    refresh_token_ttl = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)]
    )
    # None: every scope; otherwise tokens for this resource are narrowed
    # to these scopes.
    allowed_scopes = models.JSONField(null=True, blank=True)
    # Claims added to the resource's JWT access tokens (reserved names are
    # never overridden).
    custom_claims = models.JSONField(null=True, blank=True)
    signing_algorithm = models.CharField(
        max_length=8,
        blank=True,
        default="",
        choices=[(alg, alg) for alg in SIGNING_ALGORITHMS],
    )
    signing_key_id = models.CharField(max_length=64, blank=True, default="")
    # RFC 9449 / RFC 9728 ``dpop_bound_access_tokens_required``.
    dpop_required = models.BooleanField(default=False)
    metadata = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "better_auth_oauth_resource"
        ordering = ["identifier"]

    def __str__(self) -> str:
        return self.name or self.identifier

    @property
    def display_name(self) -> str:
        return self.name or self.identifier


class ClientResource(models.Model):
    client = models.ForeignKey(
        oauth2_settings.APPLICATION_MODEL,
        on_delete=models.CASCADE,
        related_name="better_auth_resource_links",
    )
    resource = models.ForeignKey(
        Resource, on_delete=models.CASCADE, related_name="client_links"
    )
    metadata = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "better_auth_oauth_client_resource"
        constraints = [
            models.UniqueConstraint(
                fields=["client", "resource"],
                name="better_auth_oauth_client_resource_unique",
            )
        ]

    def __str__(self) -> str:
        return f"client {self.client_id} -> resource {self.resource_id}"
