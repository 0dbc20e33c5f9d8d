"""Built-in providers: endpoints, scopes, profile mapping, OIDC or not.

Each is a small subclass of ``OAuthProvider``. Endpoint URLs and profile
fields are the providers' published ones; where a provider speaks OpenID
Connect its ID tokens are verified against its JWKS, and the account subject
is the verified ``sub`` (Microsoft: ``oid``, Slack: its user id claim).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from .base import OAuthProvider, ProviderError, Tokens, UserInfo, _as_bool, _str

__all__ = ["BUILTIN_PROVIDERS"]


class Google(OAuthProvider):
    """Google: OIDC; profile from the verified ID token."""

    name = "Google"
    authorization_endpoint = "https://accounts.google.com/o/oauth2/v2/auth"
    token_endpoint = "https://oauth2.googleapis.com/token"
    issuer = "https://accounts.google.com"
    id_token_issuers = ("https://accounts.google.com", "accounts.google.com")
    jwks_uri = "https://www.googleapis.com/oauth2/v3/certs"
    id_token_max_age = 3600
    default_scopes = ("email", "profile", "openid")
    oidc = True
    OPTIONS = {
        "INCLUDE_GRANTED_SCOPES": True,
        "ACCESS_TYPE": None,
        "HD": None,
        "DISPLAY": None,
        # Serve POST /one-tap/callback (Google One Tap / Sign in with Google
        # button ID tokens); off unless asked for, as in Better Auth where it
        # is a plugin.
        "ONE_TAP": False,
    }

    def extra_authorization_params(self) -> dict[str, str]:
        params: dict[str, str] = {}
        if self.options["ACCESS_TYPE"]:
            params["access_type"] = str(self.options["ACCESS_TYPE"])
        if self.options["HD"]:
            params["hd"] = str(self.options["HD"])
        if self.options["DISPLAY"]:
            params["display"] = str(self.options["DISPLAY"])
        if self.options["INCLUDE_GRANTED_SCOPES"] is not False:
            params["include_granted_scopes"] = "true"
        return params

    def verify_id_token(
        self, token: str, *, nonce: str | None, require_nonce: bool = False
    ) -> dict[str, Any]:
        claims = super().verify_id_token(
            token, nonce=nonce, require_nonce=require_nonce
        )
        hd = self.options["HD"]
        if hd and not (
            isinstance(claims.get("hd"), str)
            and claims["hd"]
            and (hd == "*" or claims["hd"] == hd)
        ):
            from .id_token import IdTokenError

            raise IdTokenError("hosted domain not allowed")
        return claims


class GitHub(OAuthProvider):
    """GitHub: plain OAuth; the email comes from /user/emails when private."""

    name = "GitHub"
    authorization_endpoint = "https://github.com/login/oauth/authorize"
    token_endpoint = "https://github.com/login/oauth/access_token"
    userinfo_endpoint = "https://api.github.com/user"
    default_scopes = ("read:user", "user:email")
    supports_refresh = True

    def fetch_profile(self, tokens: Tokens, *, nonce: str | None) -> dict[str, Any]:
        if not tokens.access_token:
            raise ProviderError("unable_to_get_user_info", "no access token")
        headers = {"User-Agent": "better-auth", "Accept": "application/vnd.github+json"}
        profile = self.get_json(
            self.userinfo_endpoint or "", tokens.access_token, **headers
        )
        if not isinstance(profile, dict):
            raise ProviderError("unable_to_get_user_info", "profile not object")
        try:
            emails = self.get_json(
                "https://api.github.com/user/emails", tokens.access_token, **headers
            )
        except ProviderError:
            emails = []
        emails = [e for e in emails or [] if isinstance(e, dict)]
        chosen = None
        if profile.get("email"):
            chosen = next(
                (e for e in emails if e.get("email") == profile["email"]), None
            )
        chosen = chosen or next((e for e in emails if e.get("primary")), None)
        if chosen is not None:
            profile["email"] = chosen.get("email")
            profile["email_verified"] = bool(chosen.get("verified"))
        else:
            profile["email_verified"] = False
        return profile

    def map_profile(self, profile: Mapping[str, Any]) -> UserInfo:
        return self.profile_info(
            profile,
            email_verified=bool(profile.get("email_verified")),
            name=profile.get("name") or profile.get("login"),
            image=profile.get("avatar_url"),
        )


class Microsoft(OAuthProvider):
    """Microsoft Entra ID: OIDC; accounts keyed by the immutable ``oid``."""

    name = "Microsoft EntraID"
    default_scopes = ("openid", "profile", "email", "User.Read", "offline_access")
    oidc = True
    OPTIONS = {"TENANT_ID": "common", "AUTHORITY": "https://login.microsoftonline.com"}

    def configure(self) -> None:
        tenant = self.options["TENANT_ID"] or "common"
        authority = str(self.options["AUTHORITY"]).rstrip("/")
        self.authorization_endpoint = f"{authority}/{tenant}/oauth2/v2.0/authorize"
        self.token_endpoint = f"{authority}/{tenant}/oauth2/v2.0/token"
        self.jwks_uri = f"{authority}/{tenant}/discovery/v2.0/keys"
        if tenant in ("common", "organizations", "consumers"):
            # TODO(social): multi-tenant issuers vary per tenant ("{tenantid}");
            # verify against the token's own tid once a per-token issuer
            # template is supported. Until then ID tokens of a multi-tenant
            # app are not accepted from clients.
            self.issuer = None
            self.jwks_uri = None
        else:
            self.issuer = f"{authority}/{tenant}/v2.0"

    def account_subject(self, profile: Mapping[str, Any]) -> str:
        value = profile.get("oid") or profile.get("sub")
        if not value:
            raise ProviderError("unable_to_get_user_info", "no oid")
        return str(value)

    def map_profile(self, profile: Mapping[str, Any]) -> UserInfo:
        info = super().map_profile(profile)
        # Entra's email claim is not verified by Microsoft for every tenant.
        info.email_verified = _as_bool(profile.get("email_verified"))
        return info


class Apple(OAuthProvider):
    """Sign in with Apple: OIDC with ``form_post``; the name arrives once."""

    name = "Apple"
    authorization_endpoint = "https://appleid.apple.com/auth/authorize"
    token_endpoint = "https://appleid.apple.com/auth/token"
    issuer = "https://appleid.apple.com"
    jwks_uri = "https://appleid.apple.com/auth/keys"
    default_scopes = ("email", "name")
    oidc = True
    OPTIONS = {"APP_BUNDLE_IDENTIFIER": None}

    def configure(self) -> None:
        bundle = self.options["APP_BUNDLE_IDENTIFIER"]
        if bundle:
            self.client_ids = (*self.client_ids, bundle)

    def scopes_for(self, requested: list[str] | None) -> list[str]:
        # Apple refuses "openid" in the scope list.
        return [s for s in super().scopes_for(requested) if s != "openid"]

    def extra_authorization_params(self) -> dict[str, str]:
        return {"response_mode": "form_post"}

    def user_info(
        self,
        tokens: Tokens,
        *,
        nonce: str | None = None,
        user_data: Mapping[str, Any] | None = None,
    ) -> UserInfo:
        info = self.map_profile(self.fetch_profile(tokens, nonce=nonce))
        name = user_data.get("name") if isinstance(user_data, Mapping) else None
        if isinstance(name, Mapping) and not info.name:
            info.name = " ".join(
                str(p) for p in (name.get("firstName"), name.get("lastName")) if p
            )
        return self.apply_mapping(info)


class Cognito(OAuthProvider):
    """Amazon Cognito user pools: OIDC; ``IDENTITY_PROVIDER`` routes to an IdP."""

    name = "Cognito"
    default_scopes = ("openid", "profile", "email")
    oidc = True
    OPTIONS = {
        "DOMAIN": None,
        "REGION": None,
        "USER_POOL_ID": None,
        "IDENTITY_PROVIDER": None,
    }

    def configure(self) -> None:
        domain, region, pool = (
            self.options["DOMAIN"],
            self.options["REGION"],
            self.options["USER_POOL_ID"],
        )
        if not (domain and region and pool):
            raise ImproperlyConfigured(
                "social provider 'cognito' needs DOMAIN, REGION and USER_POOL_ID"
            )
        domain = str(domain).removeprefix("https://").rstrip("/")
        self.authorization_endpoint = f"https://{domain}/oauth2/authorize"
        self.token_endpoint = f"https://{domain}/oauth2/token"
        self.userinfo_endpoint = f"https://{domain}/oauth2/userInfo"
        self.issuer = f"https://cognito-idp.{region}.amazonaws.com/{pool}"
        self.jwks_uri = f"{self.issuer}/.well-known/jwks.json"

    def extra_authorization_params(self) -> dict[str, str]:
        idp = self.options["IDENTITY_PROVIDER"]
        return {"identity_provider": str(idp)} if idp else {}


class Discord(OAuthProvider):
    name = "Discord"
    authorization_endpoint = "https://discord.com/api/oauth2/authorize"
    token_endpoint = "https://discord.com/api/oauth2/token"
    userinfo_endpoint = "https://discord.com/api/users/@me"
    default_scopes = ("identify", "email")

    def map_profile(self, profile: Mapping[str, Any]) -> UserInfo:
        avatar = profile.get("avatar")
        image = (
            f"https://cdn.discordapp.com/avatars/{profile.get('id')}/{avatar}.png"
            if avatar
            else None
        )
        return self.profile_info(
            profile,
            email_verified=profile.get("verified") is True,
            name=profile.get("global_name") or profile.get("username"),
            image=image,
        )


class GitLab(OAuthProvider):
    name = "Gitlab"
    default_scopes = ("read_user",)
    OPTIONS = {"ISSUER": "https://gitlab.com"}

    def configure(self) -> None:
        base = str(self.options["ISSUER"] or "https://gitlab.com").rstrip("/")
        self.authorization_endpoint = f"{base}/oauth/authorize"
        self.token_endpoint = f"{base}/oauth/token"
        self.userinfo_endpoint = f"{base}/api/v4/user"

    def map_profile(self, profile: Mapping[str, Any]) -> UserInfo:
        return self.profile_info(
            profile,
            # GitLab reports confirmation as confirmed_at on the user.
            email_verified=bool(profile.get("confirmed_at")),
            name=profile.get("name") or profile.get("username"),
            image=profile.get("avatar_url"),
        )


class Facebook(OAuthProvider):
    name = "Facebook"
    authorization_endpoint = "https://www.facebook.com/v24.0/dialog/oauth"
    token_endpoint = "https://graph.facebook.com/v24.0/oauth/access_token"
    userinfo_endpoint = "https://graph.facebook.com/me?fields=id,name,email,picture"
    default_scopes = ("email", "public_profile")
    scope_separator = ","

    def map_profile(self, profile: Mapping[str, Any]) -> UserInfo:
        picture = profile.get("picture")
        image = None
        if isinstance(picture, Mapping):
            image = (picture.get("data") or {}).get("url")
        return self.profile_info(
            profile,
            # Facebook only returns confirmed addresses.
            email_verified=bool(profile.get("email")),
            name=profile.get("name"),
            image=image,
        )


class LinkedIn(OAuthProvider):
    """LinkedIn: OpenID Connect userinfo (``sub``)."""

    name = "Linkedin"
    authorization_endpoint = "https://www.linkedin.com/oauth/v2/authorization"
    token_endpoint = "https://www.linkedin.com/oauth/v2/accessToken"
    userinfo_endpoint = "https://api.linkedin.com/v2/userinfo"
    default_scopes = ("profile", "email", "openid")

    def account_subject(self, profile: Mapping[str, Any]) -> str:
        if not profile.get("sub"):
            raise ProviderError("unable_to_get_user_info", "no sub")
        return str(profile["sub"])


class Slack(OAuthProvider):
    name = "Slack"
    authorization_endpoint = "https://slack.com/openid/connect/authorize"
    token_endpoint = "https://slack.com/api/openid.connect.token"
    userinfo_endpoint = "https://slack.com/api/openid.connect.userInfo"
    default_scopes = ("openid", "profile", "email")

    def account_subject(self, profile: Mapping[str, Any]) -> str:
        value = profile.get("https://slack.com/user_id") or profile.get("sub")
        if not value:
            raise ProviderError("unable_to_get_user_info", "no user id")
        return str(value)

    def map_profile(self, profile: Mapping[str, Any]) -> UserInfo:
        info = super().map_profile(profile)
        info.image = info.image or _str(profile.get("https://slack.com/user_image_512"))
        return info


class Twitch(OAuthProvider):
    """Twitch: OIDC; claims requested for the ID token."""

    name = "Twitch"
    authorization_endpoint = "https://id.twitch.tv/oauth2/authorize"
    token_endpoint = "https://id.twitch.tv/oauth2/token"
    issuer = "https://id.twitch.tv/oauth2"
    jwks_uri = "https://id.twitch.tv/oauth2/keys"
    default_scopes = ("user:read:email", "openid")
    oidc = True

    def extra_authorization_params(self) -> dict[str, str]:
        return {
            "claims": '{"id_token":{"email":null,"email_verified":null,'
            '"picture":null,"preferred_username":null}}'
        }


class Twitter(OAuthProvider):
    """X (Twitter) OAuth 2.0 with PKCE; basic client authentication."""

    name = "Twitter"
    authorization_endpoint = "https://x.com/i/oauth2/authorize"
    token_endpoint = "https://api.x.com/2/oauth2/token"
    userinfo_endpoint = (
        "https://api.x.com/2/users/me?user.fields=profile_image_url,confirmed_email"
    )
    default_scopes = ("users.read", "tweet.read", "offline.access", "users.email")
    default_token_auth = "client_secret_basic"

    def fetch_profile(self, tokens: Tokens, *, nonce: str | None) -> dict[str, Any]:
        if not tokens.access_token:
            raise ProviderError("unable_to_get_user_info", "no access token")
        data = self.get_json(self.userinfo_endpoint or "", tokens.access_token)
        profile = data.get("data") if isinstance(data, dict) else None
        if not isinstance(profile, dict):
            raise ProviderError("unable_to_get_user_info", "no data")
        return profile

    def map_profile(self, profile: Mapping[str, Any]) -> UserInfo:
        return self.profile_info(
            profile,
            email_key="confirmed_email",
            email_verified=_str(profile.get("confirmed_email")) is not None,
            name=profile.get("name") or profile.get("username"),
            image=profile.get("profile_image_url"),
        )


class Zoom(OAuthProvider):
    name = "Zoom"
    authorization_endpoint = "https://zoom.us/oauth/authorize"
    token_endpoint = "https://zoom.us/oauth/token"
    userinfo_endpoint = "https://api.zoom.us/v2/users/me"
    default_token_auth = "client_secret_basic"

    def map_profile(self, profile: Mapping[str, Any]) -> UserInfo:
        name = profile.get("display_name") or " ".join(
            str(p) for p in (profile.get("first_name"), profile.get("last_name")) if p
        )
        return self.profile_info(
            profile,
            email_verified=profile.get("verified") == 1,
            name=name,
            image=profile.get("pic_url"),
        )


BUILTIN_PROVIDERS: dict[str, type[OAuthProvider]] = {
    "google": Google,
    "github": GitHub,
    "microsoft": Microsoft,
    "apple": Apple,
    "cognito": Cognito,
    "discord": Discord,
    "gitlab": GitLab,
    "facebook": Facebook,
    "linkedin": LinkedIn,
    "slack": Slack,
    "twitch": Twitch,
    "twitter": Twitter,
    "zoom": Zoom,
}
