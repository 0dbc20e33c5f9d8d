"""Per-grant and per-token context django-oauth-toolkit's rows lack.

Each model is keyed one-to-one to a DOT row (and deleted with it). What DOT
already stores stays there: ``Grant.nonce``, ``Grant.claims`` (the OIDC
``claims`` request parameter as JSON), ``Grant.code_challenge*``,
``Grant.resource``, ``AccessToken.resource`` / ``RefreshToken.resource``
(RFC 8707 audiences), ``RefreshToken.token_family`` and ``revoked``.

``authorization_code`` columns hold the SHA-256 digest of the code a token
descends from, so a replayed code revokes what its first redemption issued
(RFC 6749 §4.1.2, §10.5).
"""

from __future__ import annotations

from django.db import models
from oauth2_provider.settings import oauth2_settings

from .consent import Consent

__all__ = [
    "AccessTokenContext",
    "GrantContext",
    "RefreshTokenContext",
    "TokenContext",
]


class GrantContext(models.Model):
    grant = models.OneToOneField(
        oauth2_settings.GRANT_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="better_auth_context",
    )
    # Better Auth session id (sessions may live in the cache, so no FK).
    session_id = models.CharField(max_length=64, blank=True, default="")
    # OIDC ``auth_time``: when the session authenticated.
    auth_time = models.DateTimeField(null=True, blank=True)
    requested_userinfo_claims = models.JSONField(default=list, blank=True)
    consent = models.ForeignKey(
        Consent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # RFC 9449 §10 ``dpop_jkt`` of the authorization request.
    dpop_jkt = models.CharField(max_length=64, blank=True, default="")
    # Set by the one redemption that wins (single use, RFC 6749 §4.1.2).
    redeemed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "better_auth_oauth_grant_context"

    def __str__(self) -> str:
        return f"context of grant {self.grant_id}"


class TokenContext(models.Model):
    """What an access or refresh token carries from its authorization."""

    # Better Auth session id (sessions may live in the cache, so no FK).
    # Both are looked up by equality only: indexed in Meta.indexes, which on
    # PostgreSQL spares the second, LIKE-only index that db_index=True adds
    # to a CharField (one more index to write on every token issued).
    session_id = models.CharField(max_length=64, blank=True, default="")
    authorization_code = models.CharField(max_length=64, blank=True, default="")
    requested_userinfo_claims = models.JSONField(default=list, blank=True)
    # RFC 9449 §6 ``cnf.jkt``; empty for bearer tokens.
    dpop_jkt = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        abstract = True


class AccessTokenContext(TokenContext):
    access_token = models.OneToOneField(
        oauth2_settings.ACCESS_TOKEN_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="better_auth_context",
    )
    # Set when the token is revoked without being deleted (sign-out).
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "better_auth_oauth_access_token_context"
        indexes = [
            models.Index(fields=["session_id"], name="ba_oauth_atc_session_id"),
            models.Index(fields=["authorization_code"], name="ba_oauth_atc_code"),
        ]

    def __str__(self) -> str:
        return f"context of access token {self.access_token_id}"


class RefreshTokenContext(TokenContext):
    refresh_token = models.OneToOneField(
        oauth2_settings.REFRESH_TOKEN_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="better_auth_context",
    )
    # The scope of the whole grant (space separated). A refresh may narrow
    # the new access token's scope, never this one (RFC 6749 §6).
    scope = models.TextField(blank=True, default="")
    auth_time = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # Refresh-token rotation retry window (Better Auth's reuse interval):
    # the encrypted response of the rotation this row lost, until when.
    replay_response = models.TextField(blank=True, default="")
    replay_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "better_auth_oauth_refresh_token_context"
        indexes = [
            models.Index(fields=["session_id"], name="ba_oauth_rtc_session_id"),
            models.Index(fields=["authorization_code"], name="ba_oauth_rtc_code"),
        ]

    def __str__(self) -> str:
        return f"context of refresh token {self.refresh_token_id}"
