"""Linked accounts: list, unlink, provider access tokens and profile."""

from __future__ import annotations

import logging
from typing import Any

from ...conf import auth_settings
from ...errors import APIError
from ...models import Account
from ...models.account import CREDENTIAL_PROVIDER
from ...serializers import iso
from ...services import oauth_accounts
from ...services.sessions import get_session
from ...social import OAuthProvider, ProviderError, Tokens, get_provider
from .. import schema as s
from ..context import Context
from ..registry import endpoint

logger = logging.getLogger(__name__)

UNLINK = s.Schema({"accountId": s.string()}, required=True)
# Better Auth: a strict union of {accountId, userId?} and
# {useAccountCookie: true, userId?}; unknown keys such as providerId refused.
SELECTOR = s.Schema(
    {
        "accountId": s.string(optional=True),
        "useAccountCookie": s.boolean(optional=True),
        "userId": s.string(optional=True),
    },
    strict=True,
    required=True,
)
SELECTOR_QUERY = s.Schema(
    {
        "accountId": s.string(optional=True),
        "useAccountCookie": s.coerce_boolean(),
        "userId": s.string(optional=True),
    },
)


def _account_json(account: Account) -> dict[str, Any]:
    return {
        "id": account.id,
        "providerId": account.provider_id,
        "issuer": account.issuer,
        "accountId": account.account_id,
        "userId": account.user_id,
        "createdAt": iso(account.created_at),
        "updatedAt": iso(account.updated_at),
        "scopes": account.scopes,
    }


@endpoint("/list-accounts", "GET", session="session")
def list_accounts(ctx: Context) -> list[dict[str, Any]]:
    assert ctx.session is not None
    accounts = Account.objects.filter(user_id=ctx.session.user.pk).order_by(
        "created_at"
    )
    return [_account_json(a) for a in accounts]


@endpoint("/unlink-account", "POST", body=UNLINK, session="fresh")
def unlink_account(ctx: Context) -> dict[str, bool]:
    assert ctx.session is not None
    user_id = ctx.session.user.pk
    accounts = list(
        Account.objects.filter(user_id=user_id).values_list("id", flat=True)
    )
    if ctx.body["accountId"] not in accounts:
        raise APIError(400, "ACCOUNT_NOT_FOUND")
    if (
        len(accounts) == 1
        and not auth_settings.ACCOUNT.ACCOUNT_LINKING.ALLOW_UNLINKING_ALL
    ):
        raise APIError(400, "FAILED_TO_UNLINK_LAST_ACCOUNT")
    Account.objects.filter(pk=ctx.body["accountId"], user_id=user_id).delete()
    logger.info("user %s unlinked an account", user_id)
    return {"status": True}


def _selected(ctx: Context, selector: dict[str, Any]) -> tuple[Account, OAuthProvider]:
    """The caller's own account the selector names, and its provider."""
    current = ctx.session or get_session(ctx)
    if current is None:
        raise APIError(401, empty=True)
    account_id = selector.get("accountId")
    if selector.get("useAccountCookie") and not account_id:
        # TODO(social): the account_data cookie (storeAccountCookie) is not
        # implemented; every account lives in the database here.
        raise APIError(400, "ACCOUNT_NOT_FOUND")
    if not account_id:
        raise APIError(400, "ACCOUNT_NOT_FOUND")
    account = Account.objects.filter(pk=account_id, user_id=current.user.pk).first()
    if account is None or account.provider_id == CREDENTIAL_PROVIDER:
        raise APIError(400, "ACCOUNT_NOT_FOUND")
    provider = get_provider(account.provider_id)
    if provider is None:
        raise APIError(400, "PROVIDER_NOT_SUPPORTED")
    return account, provider


@endpoint("/get-access-token", "POST", body=SELECTOR)
def get_access_token(ctx: Context) -> dict[str, Any]:
    account, provider = _selected(ctx, ctx.body)
    account = oauth_accounts.fresh_access_token(provider, account)
    if not account.access_token:
        raise APIError(400, "FAILED_TO_GET_ACCESS_TOKEN")
    body: dict[str, Any] = {
        "accessToken": account.access_token,
        "accessTokenExpiresAt": iso(account.access_token_expires_at),
        "scopes": account.scopes,
    }
    if account.id_token:
        body["idToken"] = account.id_token
    ctx.headers["Cache-Control"] = "no-store"
    return body


@endpoint("/refresh-token", "POST", body=SELECTOR)
def refresh_token(ctx: Context) -> dict[str, Any]:
    account, provider = _selected(ctx, ctx.body)
    if not provider.supports_refresh:
        raise APIError(400, "TOKEN_REFRESH_NOT_SUPPORTED")
    account = oauth_accounts.refresh_account(provider, account.pk)
    ctx.headers["Cache-Control"] = "no-store"
    return {
        "accessToken": account.access_token,
        "refreshToken": account.refresh_token,
        "accessTokenExpiresAt": iso(account.access_token_expires_at),
        "refreshTokenExpiresAt": iso(account.refresh_token_expires_at),
        "scope": account.scope,
        "idToken": account.id_token,
        "providerId": account.provider_id,
        "accountId": account.id,
    }


@endpoint("/account-info", "GET", query=SELECTOR_QUERY)
def account_info(ctx: Context) -> dict[str, Any]:
    account, provider = _selected(ctx, ctx.query)
    account = oauth_accounts.fresh_access_token(provider, account)
    if not account.access_token:
        raise APIError(400, "ACCESS_TOKEN_NOT_FOUND")
    try:
        profile = provider.fetch_profile(
            Tokens(access_token=account.access_token, id_token=account.id_token),
            nonce=None,
        )
        info = provider.apply_mapping(provider.map_profile(profile))
    except ProviderError:
        raise APIError(401, "FAILED_TO_GET_USER_INFO") from None
    return {
        "user": {
            "name": info.name,
            "email": info.email,
            "image": info.image,
            "emailVerified": info.email_verified,
        },
        "data": info.profile,
        "account": {
            "id": account.id,
            "providerId": account.provider_id,
            "issuer": account.issuer,
            "accountId": account.account_id,
        },
    }
