"""The signing key table shared by everything that issues JWTs.

One key store serves the OAuth provider's ID tokens and JWT access tokens
and any future JWT plugin, as Better Auth's ``jwks`` table does (oauth-provider
surface §3, §12). The private key is encrypted at rest with the core
``encrypt_secret`` (AES-256-GCM under a key derived from the auth secret).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from ..models._ids import new_id

__all__ = ["ALGORITHMS", "SigningKey"]

ALGORITHMS = ("EdDSA", "ES256", "ES512", "PS256", "RS256")


class SigningKey(models.Model):
    """An asymmetric key pair; ``id`` is the ``kid`` published in the JWKS.

    ``expires_at`` ends signing (rotation interval); ``retired`` ends signing
    at once (manual rotation). Either way the public key stays in the JWKS
    until ``published_until`` so tokens signed before keep verifying.
    """

    id = models.CharField(
        primary_key=True, max_length=64, default=new_id, editable=False
    )
    alg = models.CharField(max_length=16, choices=[(a, a) for a in ALGORITHMS])
    crv = models.CharField(max_length=16, blank=True, default="")
    public_key = models.JSONField(help_text="Public JWK (RFC 7517).")
    private_key = models.TextField(
        help_text="Encrypted PKCS#8 PEM; never displayed.", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    retired = models.BooleanField(default=False)
    published_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "better_auth"
        db_table = "better_auth_signing_key"
        indexes = [models.Index(fields=["alg", "created_at"])]

    def __str__(self) -> str:
        state = "retired" if self.retired else "active"
        return f"{self.alg} key {self.id} ({state})"
