"""Per-client metadata django-oauth-toolkit's ``Application`` lacks.

DOT's ``Application`` keeps ``client_id``, the secret digest, ``name``
(``client_name``), ``redirect_uris`` / ``post_logout_redirect_uris`` (space
separated), ``client_type``, ``user`` (owner) and the timestamps. Everything
else Better Auth's ``oauthClient`` row holds (oauth-provider surface §3) and
RFC 7591 §2 defines lives here, one row per application.
"""

from __future__ import annotations

from django.db import models
from oauth2_provider.settings import oauth2_settings

__all__ = ["AUTH_METHODS", "ClientProfile"]

AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none")


class ClientProfile(models.Model):
    application = models.OneToOneField(
        oauth2_settings.APPLICATION_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="better_auth_profile",
    )
    # Owner besides ``Application.user``: e.g. an organization id
    # (Better Auth's ``referenceId``); empty when none.
    reference_id = models.CharField(max_length=255, blank=True, default="")
    disabled = models.BooleanField(default=False)
    skip_consent = models.BooleanField(default=False)
    enable_end_session = models.BooleanField(default=False)
    # None: PKCE required (Better Auth's ``requirePKCE ?? true``).
    require_pkce = models.BooleanField(null=True, blank=True)
    subject_type = models.CharField(max_length=16, blank=True, default="")
    # None: the provider's SCOPES.
    scopes = models.JSONField(null=True, blank=True)
    client_credentials_scopes = models.JSONField(default=list, blank=True)
    token_endpoint_auth_method = models.CharField(
        max_length=32, default="client_secret_basic"
    )
    application_type = models.CharField(max_length=16, blank=True, default="web")
    grant_types = models.JSONField(default=list, blank=True)
    response_types = models.JSONField(default=list, blank=True)
    client_uri = models.TextField(blank=True, default="")
    logo_uri = models.TextField(blank=True, default="")
    tos_uri = models.TextField(blank=True, default="")
    policy_uri = models.TextField(blank=True, default="")
    contacts = models.JSONField(default=list, blank=True)
    software_id = models.CharField(max_length=255, blank=True, default="")
    software_version = models.CharField(max_length=255, blank=True, default="")
    software_statement = models.TextField(blank=True, default="")
    backchannel_logout_uri = models.TextField(blank=True, default="")
    backchannel_logout_session_required = models.BooleanField(default=False)
    jwks = models.JSONField(null=True, blank=True)
    jwks_uri = models.TextField(blank=True, default="")
    dpop_bound_access_tokens = models.BooleanField(default=False)
    # RFC 7591 §3.2.1: seconds since the epoch, 0 = never expires.
    client_secret_expires_at = models.BigIntegerField(default=0)
    metadata = models.JSONField(null=True, blank=True)

    class Meta:
        db_table = "better_auth_oauth_client_profile"
        verbose_name = "OAuth client profile"

    def __str__(self) -> str:
        return f"profile of {self.application_id}"

    @property
    def is_public(self) -> bool:
        return self.token_endpoint_auth_method == "none"

    def effective_grant_types(self) -> list[str]:
        """Grant types, ``authorization_code`` when none are stored (§1.6)."""
        return list(self.grant_types or ["authorization_code"])

    def allows_grant(self, grant_type: str) -> bool:
        """Better Auth's ``clientAllowsGrant``: refresh is implied by code."""
        grants = self.effective_grant_types()
        if grant_type in grants:
            return True
        return grant_type == "refresh_token" and "authorization_code" in grants
