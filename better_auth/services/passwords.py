"""Password policy, hashing and the credential account that holds the hash.

Hashing goes through Django's configured ``PASSWORD_HASHERS`` (argon2,
scrypt or PBKDF2, the project's choice). Hashes imported from a Better Auth
deployment (``salthex:keyhex`` scrypt) are verified as they are and re-hashed
with the project's preferred hasher on the next successful sign-in.
"""

from __future__ import annotations

import logging

from django.contrib.auth.hashers import check_password, make_password
from django.utils import timezone

from ..conf import auth_settings
from ..errors import APIError
from ..hashers import (
    BetterAuthScryptPasswordHasher,
    from_better_auth_hash,
    is_better_auth_hash,
)
from ..models import Account, User
from ..models.account import CREDENTIAL_ISSUER, CREDENTIAL_PROVIDER

logger = logging.getLogger(__name__)

__all__ = [
    "burn_password_hash",
    "check_user_password",
    "credential_account",
    "credential_password_hash",
    "refuse_over_long_password",
    "store_password_hash",
    "validate_password_policy",
    "verify_password",
]


def js_length(text: str) -> int:
    """Length in UTF-16 code units, as JavaScript's ``String.length`` counts.

    Better Auth's 8 / 128 limits are JS lengths: "😀" counts 2.
    """
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def validate_password_policy(password: str) -> None:
    cfg = auth_settings.EMAIL_AND_PASSWORD
    if js_length(password) < cfg.MIN_PASSWORD_LENGTH:
        raise APIError(400, "PASSWORD_TOO_SHORT")
    refuse_over_long_password(password)


def refuse_over_long_password(password: str) -> None:
    """400 PASSWORD_TOO_LONG past the maximum, before anything is hashed.

    Better Auth checks this on sign-in and on the current password too, so a
    megabyte "password" never reaches the hasher.
    """
    if js_length(password) > auth_settings.EMAIL_AND_PASSWORD.MAX_PASSWORD_LENGTH:
        raise APIError(400, "PASSWORD_TOO_LONG")


def hash_password(password: str) -> str:
    return make_password(password)


def burn_password_hash(password: str) -> None:
    """Spend one hash so an unknown email costs what a wrong password costs.

    OWASP ASVS V2.2 / case 58: timing must not reveal which accounts exist.
    """
    make_password(password)


def verify_password(password: str, encoded: str | None) -> tuple[bool, bool]:
    """(matches, should be re-hashed with the preferred hasher)."""
    if not encoded:
        burn_password_hash(password)
        return False, False
    if is_better_auth_hash(encoded):
        encoded = from_better_auth_hash(encoded)
    if encoded.startswith(BetterAuthScryptPasswordHasher.algorithm + "$"):
        ok = BetterAuthScryptPasswordHasher().verify(password, encoded)
        return ok, ok
    upgrade = False

    def setter(_raw: str) -> None:
        nonlocal upgrade
        upgrade = True

    return check_password(password, encoded, setter), upgrade


def credential_account(user: User) -> Account | None:
    return Account.objects.filter(user=user, provider_id=CREDENTIAL_PROVIDER).first()


def credential_password_hash(user: User) -> str | None:
    cache = user.__dict__.get("_credential_hash_cache")
    if cache is None:
        account = credential_account(user) if user.pk else None
        cache = (account.password if account else None) or ""
        user.__dict__["_credential_hash_cache"] = cache
    return cache or None


def store_password_hash(user: User, encoded: str) -> Account:
    """Create or update the credential account with a new hash."""
    now = timezone.now()
    account, created = Account.objects.get_or_create(
        user=user,
        provider_id=CREDENTIAL_PROVIDER,
        defaults={
            "issuer": CREDENTIAL_ISSUER,
            "account_id": user.pk,
            "password": encoded,
            "created_at": now,
            "updated_at": now,
        },
    )
    if not created:
        Account.objects.filter(pk=account.pk).update(password=encoded, updated_at=now)
        account.password = encoded
    user.__dict__.pop("_credential_hash_cache", None)
    return account


def set_user_password(user: User, password: str) -> Account:
    return store_password_hash(user, hash_password(password))


def check_user_password(user: User, password: str) -> bool:
    """Verify ``password`` against the credential account, upgrading old hashes."""
    account = credential_account(user)
    ok, upgrade = verify_password(password, account.password if account else None)
    if ok and upgrade and account is not None:
        store_password_hash(user, hash_password(password))
    return ok
