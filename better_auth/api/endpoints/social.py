"""Social and generic OAuth sign-in, the provider callback and account linking."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from ...errors import APIError
from ...serializers import user_json
from ...services import oauth_accounts, social
from ...services.sessions import set_session_cookie
from ...social import OAuthProvider, ProviderError, Tokens, get_provider
from ...social.base import RESERVED_AUTHORIZATION_PARAMS
from .. import schema as s
from ..context import JSON, Context, Redirect
from ..registry import endpoint

logger = logging.getLogger(__name__)

_COMMON = {
    "provider": s.string(),
    "callbackURL": s.string(optional=True),
    "errorCallbackURL": s.string(optional=True),
    "disableRedirect": s.boolean(optional=True),
    "scopes": s.string_list(),
    "requestSignUp": s.boolean(optional=True),
    "loginHint": s.string(optional=True),
    "additionalParams": s.string_map(),
    "additionalData": s.any_value(),
    "idToken": s.any_value(),
}
SIGN_IN_SOCIAL = s.Schema(
    {**_COMMON, "newUserCallbackURL": s.string(optional=True)}, required=True
)
LINK_SOCIAL = s.Schema(_COMMON, required=True)
CALLBACK_KEYS = (
    "code",
    "error",
    "device_id",
    "error_description",
    "state",
    "user",
    "iss",
)


def _check_additional_params(body: dict[str, Any]) -> None:
    """Reserved authorization parameters may not be overridden (core-surface §3.2)."""
    reserved = [
        k
        for k in body.get("additionalParams") or {}
        if k in RESERVED_AUTHORIZATION_PARAMS
    ]
    if reserved:
        raise APIError(
            400,
            "VALIDATION_ERROR",
            "; ".join(
                f"[body.additionalParams.{k}] Reserved OAuth parameter"
                for k in reserved
            ),
            status_text="400",
        )
    data = body.get("additionalData")
    if data is not None and not isinstance(data, dict):
        raise APIError(
            400,
            "VALIDATION_ERROR",
            "[body.additionalData] Invalid input: expected record",
            status_text="400",
        )


def _id_token_body(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or not isinstance(value.get("token"), str):
        raise APIError(
            400,
            "VALIDATION_ERROR",
            "[body.idToken.token] Invalid input: expected string",
            status_text="400",
        )
    for key in ("nonce", "accessToken", "refreshToken"):
        if key in value and value[key] is not None and not isinstance(value[key], str):
            raise APIError(
                400,
                "VALIDATION_ERROR",
                f"[body.idToken.{key}] Invalid input: expected string",
                status_text="400",
            )
    return value


def _provider(provider_id: str) -> OAuthProvider:
    provider = get_provider(provider_id)
    if provider is None:
        raise APIError(404, "PROVIDER_NOT_FOUND")
    try:
        provider.resolve()
    except ProviderError as error:
        logger.error("provider %s is unavailable: %s", provider_id, error)
        raise APIError(500, "INTERNAL_SERVER_ERROR") from None
    return provider


def _callback_url(ctx: Context) -> str:
    callback = ctx.body.get("callbackURL") or ctx.info.base_url
    if not callback:
        raise APIError(400, "CALLBACK_URL_REQUIRED")
    return callback


def _start(ctx: Context, provider: OAuthProvider, link: dict[str, str] | None) -> JSON:
    b = ctx.body
    url = social.start_authorization(
        provider,
        jar=ctx.jar,
        auth_url=ctx.info.auth_url,
        callback_url=_callback_url(ctx),
        error_callback_url=b.get("errorCallbackURL"),
        new_user_callback_url=b.get("newUserCallbackURL"),
        scopes=b.get("scopes"),
        login_hint=b.get("loginHint"),
        additional_params=b.get("additionalParams"),
        request_sign_up=b.get("requestSignUp"),
        link=link,
        additional_data=b.get("additionalData"),
        server_context=ctx.extra.get(social.SERVER_CONTEXT),
    )
    return JSON(
        {"url": url, "redirect": not b.get("disableRedirect")},
        headers={"Location": url},
    )


@endpoint("/sign-in/social", "POST", body=SIGN_IN_SOCIAL)
def sign_in_social(ctx: Context) -> Any:
    _check_additional_params(ctx.body)
    provider = _provider(ctx.body["provider"])
    if "idToken" in ctx.body and ctx.body["idToken"] is not None:
        id_token = _id_token_body(ctx.body["idToken"])
        result = social.id_token_sign_in(
            provider,
            id_token,
            ip_address=ctx.info.ip,
            user_agent=ctx.info.user_agent,
            request_sign_up=bool(ctx.body.get("requestSignUp")),
        )
        set_session_cookie(ctx.jar, result.session, result.user)
        return {
            "redirect": False,
            "token": result.session.token,
            "user": user_json(result.user),
        }
    return _start(ctx, provider, None)


@endpoint("/callback/:id", ("GET", "POST"), allow_form=True)
def callback(ctx: Context) -> Redirect:
    provider_id = ctx.params["id"]
    if ctx.method == "POST":
        # form_post (Apple): the browser POSTs cross-site without the Lax
        # state cookie, so bounce to the GET URL, where the cookie is sent.
        merged = {
            k: v
            for k, v in {**ctx.body, **ctx.query}.items()
            if k in CALLBACK_KEYS and isinstance(v, str)
        }
        return Redirect(
            f"{ctx.info.auth_url}/callback/{provider_id}?{urlencode(merged)}"
        )
    params = {k: ctx.query.get(k) for k in CALLBACK_KEYS if k in ctx.query}
    consumed: dict[str, Any] = {}
    ctx.extra[social.OAUTH_STATE] = consumed
    location = social.handle_callback(
        provider_id,
        params,
        cookies=ctx.cookies,
        jar=ctx.jar,
        auth_url=ctx.info.auth_url,
        base_url=ctx.info.base_url,
        ip_address=ctx.info.ip,
        user_agent=ctx.info.user_agent,
        consumed=consumed,
    )
    return Redirect(location)


_LINK_ERRORS = {
    "email_does_not_match": (401, "LINKING_DIFFERENT_EMAILS_NOT_ALLOWED"),
    "account_already_linked_to_different_user": (409, "SOCIAL_ACCOUNT_ALREADY_LINKED"),
    "unable_to_link_account": (401, "LINKING_NOT_ALLOWED"),
}


@endpoint("/link-social", "POST", body=LINK_SOCIAL, session="session")
def link_social(ctx: Context) -> Any:
    _check_additional_params(ctx.body)
    assert ctx.session is not None
    user = ctx.session.user
    provider = _provider(ctx.body["provider"])
    if "idToken" in ctx.body and ctx.body["idToken"] is not None:
        id_token = _id_token_body(ctx.body["idToken"])
        claims = social.verify_client_id_token(
            provider, id_token["token"], id_token.get("nonce")
        )
        try:
            info = provider.apply_mapping(provider.map_profile(claims))
        except ProviderError:
            raise APIError(401, "FAILED_TO_GET_USER_INFO") from None
        if not info.email:
            raise APIError(401, "USER_EMAIL_NOT_FOUND")
        tokens = Tokens(
            access_token=id_token.get("accessToken"),
            refresh_token=id_token.get("refreshToken"),
            id_token=id_token["token"],
        )
        try:
            oauth_accounts.link_account(provider, info, tokens, user=user)
        except oauth_accounts.OAuthRefused as refused:
            status, code = _LINK_ERRORS.get(refused.code, (417, "LINKING_FAILED"))
            raise APIError(status, code) from None
        return {"url": "", "status": True, "redirect": False}
    return _start(ctx, provider, {"email": user.email, "userId": user.pk})
