"""External accounts: find or create the user behind a provider identity.

An external account is keyed by ``(issuer, account id)`` (Better Auth 1.7,
core-surface §7), so two providers handing out the same subject never meet.
An existing local user with the same email is linked implicitly only when
the provider is trusted or says the email is verified, *and* the local
email is verified: otherwise someone who registered the victim's address
first (without proving it) would gain the victim's later social login
(account pre-hijacking). The ``validate_user_info`` gate runs before any
user or link is written. Granted scopes accumulate; tokens are encrypted at
rest by the model field.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction

from .. import clock, signals
from ..conf import auth_settings
from ..errors import APIError
from ..hooks import validate_user_info
from ..models import Account, User
from ..models.user import normalize_email
from ..social import OAuthProvider, ProviderError, Tokens, UserInfo

logger = logging.getLogger(__name__)
security_log = logging.getLogger("better_auth.security.login")

__all__ = [
    "OAuthOutcome",
    "OAuthRefused",
    "fresh_access_token",
    "link_account",
    "merge_scopes",
    "refresh_account",
    "resolve_user",
]

# Refresh a provider access token this close to its expiry (Better Auth: 5 s).
REFRESH_MARGIN = timedelta(seconds=5)


class OAuthRefused(Exception):
    """A lower-snake callback error (``account_not_linked``, ...)."""

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(message or code)
        self.code = code
        self.message = message


@dataclass
class OAuthOutcome:
    user: User
    account: Account
    is_register: bool


def merge_scopes(existing: str | None, granted: list[str] | None) -> str | None:
    """The union of stored and newly granted scopes, order kept (never shrinks)."""
    merged = [s for s in (existing or "").split(",") if s]
    for scope in granted or []:
        if scope and scope not in merged:
            merged.append(scope)
    return ",".join(merged) if merged else existing


def _linking() -> Any:
    return auth_settings.ACCOUNT.ACCOUNT_LINKING


def _is_trusted(provider: OAuthProvider) -> bool:
    return provider.id in (_linking().TRUSTED_PROVIDERS or [])


def _source(provider: OAuthProvider, info: UserInfo, action: str) -> dict[str, Any]:
    return {
        "action": action,
        "method": "oauth",
        "oauth": {"providerId": provider.id, "profile": info.profile},
    }


def _gate(
    provider: OAuthProvider, info: UserInfo, action: str, user_id: str | None
) -> None:
    user_info = {
        "email": normalize_email(info.email) if info.email else None,
        "name": info.name,
        "image": info.image,
        "emailVerified": info.email_verified,
        **info.extra,
    }
    if user_id:
        user_info["id"] = user_id
    validate_user_info(user_info, _source(provider, info, action))


def _store_tokens(account: Account, tokens: Tokens) -> None:
    if tokens.access_token is not None:
        account.access_token = tokens.access_token
        account.access_token_expires_at = tokens.access_token_expires_at
    if tokens.refresh_token is not None:
        account.refresh_token = tokens.refresh_token
        account.refresh_token_expires_at = tokens.refresh_token_expires_at
    if tokens.id_token is not None:
        account.id_token = tokens.id_token
    account.scope = merge_scopes(account.scope, tokens.scopes)
    account.updated_at = clock.now()


def _new_account(
    provider: OAuthProvider, info: UserInfo, tokens: Tokens, user: User
) -> Account:
    now = clock.now()
    account = Account(
        user=user,
        provider_id=provider.id,
        issuer=provider.account_issuer,
        account_id=info.id,
        created_at=now,
        updated_at=now,
    )
    _store_tokens(account, tokens)
    account.save(force_insert=True)
    return account


def _email_matches(info: UserInfo, user: User) -> bool:
    return bool(info.email) and normalize_email(info.email) == user.email


def resolve_user(
    provider: OAuthProvider,
    info: UserInfo,
    tokens: Tokens,
    *,
    disable_sign_up: bool = False,
) -> OAuthOutcome:
    """The user a provider identity signs in as; creates or links when allowed.

    Raises ``OAuthRefused`` with Better Auth's callback codes, or the gate's
    ``APIError``.
    """
    if not info.email:
        raise OAuthRefused("email_not_found")
    email = normalize_email(info.email)
    issuer = provider.account_issuer
    account = (
        Account.objects.select_related("user")
        .filter(issuer=issuer, account_id=info.id)
        .first()
    )
    if account is not None:
        user = account.user
        _gate(provider, info, "sign-in", user.pk)
        if auth_settings.ACCOUNT.UPDATE_ACCOUNT_ON_SIGN_IN:
            _store_tokens(account, tokens)
            account.save()
        _after_verified_login(provider, info, user)
        return OAuthOutcome(user, account, is_register=False)

    user = User.objects.filter(email=email).first()
    if user is not None:
        cfg = _linking()
        allowed = (
            (_is_trusted(provider) or info.email_verified)
            and (user.email_verified or not cfg.REQUIRE_LOCAL_EMAIL_VERIFIED)
            and cfg.ENABLED
            and not cfg.DISABLE_IMPLICIT_LINKING
        )
        if not allowed:
            security_log.warning(
                "refused implicit link of a %s identity to user %s",
                provider.id,
                user.pk,
            )
            raise OAuthRefused("account_not_linked")
        _gate(provider, info, "link-account", user.pk)
        try:
            with transaction.atomic():
                account = _new_account(provider, info, tokens, user)
        except IntegrityError:
            raise OAuthRefused("unable_to_link_account") from None
        _after_verified_login(provider, info, user)
        logger.info("linked a %s account to user %s", provider.id, user.pk)
        return OAuthOutcome(user, account, is_register=False)

    if disable_sign_up:
        raise OAuthRefused("signup_disabled")
    _gate(provider, info, "create-user", None)
    try:
        with transaction.atomic():
            now = clock.now()
            user = User(
                email=email,
                name=info.name or "",
                image=info.image,
                email_verified=bool(info.email_verified),
                created_at=now,
                updated_at=now,
            )
            user.save(force_insert=True)
            account = _new_account(provider, info, tokens, user)
    except IntegrityError:
        raise OAuthRefused("unable_to_create_user") from None
    logger.info("user %s signed up with %s", user.pk, provider.id)
    transaction.on_commit(
        lambda: signals.user_created.send(sender=User, user=user, method="social")
    )
    return OAuthOutcome(user, account, is_register=True)


def _after_verified_login(provider: OAuthProvider, info: UserInfo, user: User) -> None:
    """Mark the local email verified when the provider proves that same address."""
    changed: list[str] = []
    if info.email_verified and not user.email_verified and _email_matches(info, user):
        user.email_verified = True
        changed.append("email_verified")
    if provider.options.get("OVERRIDE_USER_INFO_ON_SIGN_IN"):
        user.name = info.name or user.name
        user.image = info.image
        changed += ["name", "image"]
    if changed:
        user.save(update_fields=changed)


def link_account(
    provider: OAuthProvider,
    info: UserInfo,
    tokens: Tokens,
    *,
    user: User,
) -> Account:
    """Attach a provider identity to ``user`` (the signed-in account owner)."""
    _gate(provider, info, "link-account", user.pk)
    cfg = _linking()
    if not cfg.ENABLED or not (_is_trusted(provider) or info.email_verified):
        raise OAuthRefused("unable_to_link_account")
    if not cfg.ALLOW_DIFFERENT_EMAILS and not _email_matches(info, user):
        raise OAuthRefused("email_does_not_match")
    existing = Account.objects.filter(
        issuer=provider.account_issuer, account_id=info.id
    ).first()
    if existing is not None:
        if existing.user_id != user.pk:
            raise OAuthRefused("account_already_linked_to_different_user")
        _store_tokens(existing, tokens)
        existing.save()
        return existing
    try:
        with transaction.atomic():
            account = _new_account(provider, info, tokens, user)
    except IntegrityError:
        raise OAuthRefused("unable_to_link_account") from None
    if cfg.UPDATE_USER_INFO_ON_LINK:
        user.name = info.name or user.name
        user.image = info.image or user.image
        user.save(update_fields=["name", "image"])
    return account


def refresh_account(provider: OAuthProvider, account_id: str) -> Account:
    """Refresh the account's provider tokens under a row lock.

    The lock serialises concurrent refreshes of one account: the second
    caller re-reads the row and finds the fresh token instead of spending
    the (possibly rotated, single-use) refresh token again.
    """
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account_id)
        if not account.refresh_token:
            raise APIError(400, "REFRESH_TOKEN_NOT_FOUND")
        try:
            tokens = provider.refresh(account.refresh_token)
        except ProviderError as error:
            if error.code == "TOKEN_REFRESH_NOT_SUPPORTED":
                raise APIError(400, "TOKEN_REFRESH_NOT_SUPPORTED") from None
            logger.warning("refresh for account %s failed: %s", account.pk, error)
            raise APIError(400, "FAILED_TO_REFRESH_ACCESS_TOKEN") from None
        _store_tokens(account, tokens)
        account.save()
    return account


def fresh_access_token(provider: OAuthProvider, account: Account) -> Account:
    """The account with an access token that is not about to expire."""
    expires = account.access_token_expires_at
    if not account.refresh_token or expires is None:
        return account
    if expires - clock.now() > REFRESH_MARGIN:
        return account
    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=account.pk)
        expires = locked.access_token_expires_at
        if expires is not None and expires - clock.now() > REFRESH_MARGIN:
            return locked
        if not locked.refresh_token:
            return locked
        try:
            tokens = provider.refresh(locked.refresh_token)
        except ProviderError:
            logger.warning("refresh for account %s failed", locked.pk)
            raise APIError(400, "FAILED_TO_GET_ACCESS_TOKEN") from None
        _store_tokens(locked, tokens)
        locked.save()
    return locked
