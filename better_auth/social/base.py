"""The provider base class: what every external OAuth 2.0 / OIDC provider does.

A provider builds the authorization request (RFC 6749 §4.1.1 with PKCE,
RFC 7636 §4.3), redeems the code (RFC 6749 §4.1.3), refreshes (§6),
authenticates itself to the token endpoint (§2.3.1, or RFC 7523
``private_key_jwt``), and turns what the provider returns into a
``UserInfo``. A built-in provider is a subclass that fills in endpoints,
scopes and a profile mapping; a generic one reads them from discovery.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import quote, quote_plus, urlencode, urlsplit

import jwt
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .. import clock
from ..outbound import fetch
from .id_token import IdTokenError, IdTokenPolicy, unverified_claims, verify_id_token

logger = logging.getLogger(__name__)

__all__ = [
    "RESERVED_AUTHORIZATION_PARAMS",
    "OAuthProvider",
    "ProviderError",
    "Tokens",
    "UserInfo",
    "code_challenge",
]

# Parameters the flow owns; neither settings nor a request may set them.
RESERVED_AUTHORIZATION_PARAMS = frozenset(
    {
        "state",
        "client_id",
        "redirect_uri",
        "response_type",
        "code_challenge",
        "code_challenge_method",
        "nonce",
        "scope",
    }
)
RESERVED_TOKEN_PARAMS = frozenset(
    {
        "grant_type",
        "code",
        "code_verifier",
        "redirect_uri",
        "refresh_token",
        "client_id",
        "client_secret",
        "client_assertion",
        "client_assertion_type",
    }
)
TOKEN_AUTH_METHODS = frozenset(
    {"client_secret_post", "client_secret_basic", "none", "private_key_jwt"}
)
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

# Options every provider accepts, with their defaults.
COMMON_OPTIONS: dict[str, Any] = {
    "CLIENT_ID": None,
    "CLIENT_SECRET": None,
    "NAME": None,
    "SCOPES": [],
    "DISABLE_DEFAULT_SCOPE": False,
    "REDIRECT_URI": None,
    "PKCE": True,
    "PROMPT": None,
    "DISABLE_SIGN_UP": False,
    "DISABLE_IMPLICIT_SIGN_UP": False,
    "DISABLE_ID_TOKEN_SIGN_IN": False,
    "REQUIRE_EMAIL_VERIFICATION": False,
    "OVERRIDE_USER_INFO_ON_SIGN_IN": False,
    "MAP_PROFILE_TO_USER": None,
    "AUTHORIZATION_URL_PARAMS": {},
    "TOKEN_URL_PARAMS": {},
    "REFRESH_TOKEN_PARAMS": {},
    "TOKEN_ENDPOINT_AUTH": None,
    "ID_TOKEN": None,
}


class ProviderError(RuntimeError):
    """A provider answered something we cannot use; ``code`` is for redirects."""

    def __init__(self, code: str, reason: str = "") -> None:
        super().__init__(reason or code)
        self.code = code


@dataclass
class Tokens:
    access_token: str | None = None
    refresh_token: str | None = None
    id_token: str | None = None
    token_type: str | None = None
    access_token_expires_at: datetime | None = None
    refresh_token_expires_at: datetime | None = None
    scopes: list[str] = field(default_factory=list)

    @classmethod
    def from_response(cls, data: Mapping[str, Any]) -> Tokens:
        now = clock.now()

        def expiry(key: str) -> datetime | None:
            value = data.get(key)
            if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                return None
            try:
                return now + timedelta(seconds=float(value))
            except ValueError:
                return None

        scope = data.get("scope")
        scopes: list[str] = []
        if isinstance(scope, str):
            scopes = [s for s in scope.replace(",", " ").split() if s]
        return cls(
            access_token=_str(data.get("access_token")),
            refresh_token=_str(data.get("refresh_token")),
            id_token=_str(data.get("id_token")),
            token_type=_str(data.get("token_type")),
            access_token_expires_at=expiry("expires_in"),
            refresh_token_expires_at=expiry("refresh_token_expires_in"),
            scopes=scopes,
        )


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


@dataclass
class UserInfo:
    """A provider identity: ``id`` is the account subject, never a local id."""

    id: str
    email: str | None
    email_verified: bool
    name: str
    image: str | None
    profile: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


def code_challenge(verifier: str) -> str:
    """RFC 7636 §4.2 S256: ``BASE64URL(SHA256(ASCII(code_verifier)))``."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return value is True


class OAuthProvider:
    """One configured external provider. Subclasses set the class attributes.

    ``oidc`` providers identify accounts by the ID token's ``sub`` and bind
    their ID tokens to the request with a ``nonce``; plain OAuth providers
    identify accounts by the profile's ``id``.
    """

    id: str = ""
    name: str = ""
    authorization_endpoint: str = ""
    token_endpoint: str = ""
    userinfo_endpoint: str | None = None
    issuer: str | None = None
    jwks_uri: str | None = None
    id_token_algorithms: tuple[str, ...] = ("RS256",)
    id_token_issuers: tuple[str, ...] = ()
    id_token_max_age: int | None = None
    default_scopes: tuple[str, ...] = ()
    scope_separator: str = " "
    oidc: bool = False
    supports_refresh: bool = True
    default_token_auth: str = "client_secret_post"
    # Whether the authorization server sends RFC 9207 ``iss`` on callbacks.
    sends_iss: bool = False
    # Provider-specific options and their defaults.
    OPTIONS: ClassVar[dict[str, Any]] = {}

    def __init__(self, provider_id: str, options: Mapping[str, Any]) -> None:
        accepted = {**COMMON_OPTIONS, **self.OPTIONS}
        unknown = sorted(set(options) - set(accepted))
        if unknown:
            raise ImproperlyConfigured(
                f"BETTER_AUTH social provider {provider_id!r}: unknown option(s) "
                f"{', '.join(unknown)}; valid: {', '.join(sorted(accepted))}"
            )
        self.options: dict[str, Any] = {**accepted, **options}
        self.id = provider_id
        self.name = self.options["NAME"] or self.name or provider_id
        client_id = self.options["CLIENT_ID"]
        ids = [client_id] if isinstance(client_id, str) else list(client_id or [])
        if not ids or not all(isinstance(i, str) and i for i in ids):
            raise ImproperlyConfigured(
                f"BETTER_AUTH social provider {provider_id!r} needs CLIENT_ID"
            )
        self.client_ids: tuple[str, ...] = tuple(ids)
        self.client_id = ids[0]
        self.client_secret: str | None = self.options["CLIENT_SECRET"] or None
        mapper = self.options["MAP_PROFILE_TO_USER"]
        self.map_profile_to_user: Callable[..., Any] | None = (
            import_string(mapper) if isinstance(mapper, str) else mapper
        )
        self._configure_token_auth()
        self.configure()

    # -- configuration -------------------------------------------------------

    def configure(self) -> None:
        """Hook for subclasses that derive endpoints from their options."""

    def resolve(self) -> None:
        """Make the endpoints usable (generic providers fetch discovery here)."""

    def _configure_token_auth(self) -> None:
        auth = self.options["TOKEN_ENDPOINT_AUTH"]
        if auth is None:
            method = self.default_token_auth if self.client_secret else "none"
            auth = {"METHOD": method}
        elif isinstance(auth, str):
            auth = {"METHOD": auth}
        method = auth.get("METHOD")
        if method not in TOKEN_AUTH_METHODS:
            raise ImproperlyConfigured(
                f"social provider {self.id!r}: TOKEN_ENDPOINT_AUTH method {method!r}"
                f" is not one of {sorted(TOKEN_AUTH_METHODS)}"
            )
        if method in ("none", "private_key_jwt") and self.client_secret:
            raise ImproperlyConfigured(
                f"social provider {self.id!r}: {method} sends no client secret; "
                "remove CLIENT_SECRET"
            )
        if method.startswith("client_secret") and not self.client_secret:
            raise ImproperlyConfigured(
                f"social provider {self.id!r}: {method} needs CLIENT_SECRET"
            )
        if method == "private_key_jwt":
            alg = auth.get("ALG", "RS256")
            if alg not in ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384"):
                raise ImproperlyConfigured(
                    f"social provider {self.id!r}: private_key_jwt needs an "
                    "asymmetric ALG"
                )
            if not auth.get("PRIVATE_KEY"):
                raise ImproperlyConfigured(
                    f"social provider {self.id!r}: private_key_jwt needs PRIVATE_KEY"
                )
        self.token_auth: dict[str, Any] = dict(auth)

    @property
    def account_issuer(self) -> str:
        """The issuer half of the account key (core-surface §7)."""
        self.resolve()
        if self.issuer:
            return self.issuer
        return f"local:oauth:{quote(self.id, safe='')}"

    def id_token_policy(self) -> IdTokenPolicy | None:
        """How this provider's ID tokens are verified, or None if they cannot be."""
        self.resolve()
        override = self.options["ID_TOKEN"] or {}
        jwks_uri = override.get("JWKS_URI") or self.jwks_uri
        issuers = override.get("ISSUER") or self.id_token_issuers or self.issuer
        if not jwks_uri or not issuers:
            return None
        if isinstance(issuers, str):
            issuers = (issuers,)
        algorithms = override.get("ALGORITHMS") or self.id_token_algorithms
        audience = override.get("AUDIENCE") or self.client_ids
        if isinstance(audience, str):
            audience = (audience,)
        return IdTokenPolicy(
            issuers=tuple(issuers),
            audiences=tuple(audience),
            jwks_uri=jwks_uri,
            algorithms=tuple(algorithms),
            max_age=override.get("MAX_AGE", self.id_token_max_age),
        )

    @property
    def binds_nonce(self) -> bool:
        """Whether redirect-flow ID tokens must carry our ``nonce``."""
        return self.oidc and self.id_token_policy() is not None

    @property
    def supports_id_token_sign_in(self) -> bool:
        return (
            not self.options["DISABLE_ID_TOKEN_SIGN_IN"]
            and self.id_token_policy() is not None
        )

    # -- authorization request ----------------------------------------------

    def scopes_for(self, requested: list[str] | None) -> list[str]:
        scopes: list[str] = []
        if not self.options["DISABLE_DEFAULT_SCOPE"]:
            scopes.extend(self.default_scopes)
        scopes.extend(self.options["SCOPES"] or [])
        scopes.extend(requested or [])
        if self.oidc and "openid" not in scopes:
            scopes.insert(0, "openid")
        return list(dict.fromkeys(scopes))

    def extra_authorization_params(self) -> dict[str, str]:
        """Provider-specific authorization parameters (Google, Cognito...)."""
        return {}

    def authorization_url(
        self,
        *,
        state: str,
        code_verifier: str | None,
        redirect_uri: str,
        scopes: list[str] | None = None,
        nonce: str | None = None,
        login_hint: str | None = None,
        additional_params: Mapping[str, str] | None = None,
    ) -> str:
        self.resolve()
        params: dict[str, str] = {
            "response_type": "code",
            "client_id": self.client_id,
            "state": state,
            "scope": self.scope_separator.join(self.scopes_for(scopes)),
            "redirect_uri": redirect_uri,
        }
        if code_verifier and self.options["PKCE"]:
            params["code_challenge_method"] = "S256"
            params["code_challenge"] = code_challenge(code_verifier)
        if nonce:
            params["nonce"] = nonce
        if self.options["PROMPT"]:
            params["prompt"] = str(self.options["PROMPT"])
        if login_hint:
            params["login_hint"] = login_hint
        extra = {
            **self.extra_authorization_params(),
            **{
                str(k): str(v)
                for k, v in self.options["AUTHORIZATION_URL_PARAMS"].items()
            },
            **dict(additional_params or {}),
        }
        for key, value in extra.items():
            if key not in RESERVED_AUTHORIZATION_PARAMS:
                params[key] = value
        sep = "&" if "?" in self.authorization_endpoint else "?"
        return f"{self.authorization_endpoint}{sep}{urlencode(params, quote_via=quote)}"

    # -- token endpoint -------------------------------------------------------

    def _client_auth(self, body: dict[str, str], headers: dict[str, str]) -> None:
        method = self.token_auth["METHOD"]
        if method == "client_secret_basic":
            # RFC 6749 §2.3.1: each half is form-urlencoded before base64.
            pair = f"{quote_plus(self.client_id, safe='')}:"
            pair += quote_plus(self.client_secret or "", safe="")
            headers["Authorization"] = "Basic " + base64.b64encode(
                pair.encode()
            ).decode("ascii")
            return
        body["client_id"] = self.client_id
        if method == "client_secret_post":
            body["client_secret"] = self.client_secret or ""
        elif method == "private_key_jwt":
            body["client_assertion_type"] = CLIENT_ASSERTION_TYPE
            body["client_assertion"] = self.client_assertion()

    def client_assertion(self) -> str:
        """RFC 7523 §3 client assertion for ``private_key_jwt`` (RFC 7521 §4.2)."""
        auth = self.token_auth
        now = int(clock.now().timestamp())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": auth.get("AUDIENCE") or self.token_endpoint,
            "iat": now,
            "exp": now + 120,
            "jti": uuid.uuid4().hex,
        }
        headers = {"kid": auth["KID"]} if auth.get("KID") else None
        return jwt.encode(
            claims,
            auth["PRIVATE_KEY"],
            algorithm=auth.get("ALG", "RS256"),
            headers=headers,
        )

    def token_request(self, params: Mapping[str, str]) -> dict[str, Any]:
        """POST to the token endpoint; raise ``ProviderError`` on any failure."""
        self.resolve()
        body = dict(params)
        headers = {
            "Accept": "application/json",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        self._client_auth(body, headers)
        try:
            response = fetch(
                self.token_endpoint,
                method="POST",
                headers=headers,
                data=body,
                follow_redirects=False,
            )
        except Exception as error:
            raise ProviderError(
                "invalid_code", f"token endpoint unreachable: {type(error).__name__}"
            ) from None
        try:
            data = json.loads(response.content)
        except ValueError:
            data = None
        if response.status != 200 or not isinstance(data, dict):
            detail = data.get("error") if isinstance(data, dict) else None
            raise ProviderError(
                "invalid_code", f"token endpoint answered {response.status} {detail}"
            )
        if "error" in data:
            raise ProviderError("invalid_code", f"token error {data.get('error')}")
        return data

    def exchange_code(
        self, code: str, *, code_verifier: str | None, redirect_uri: str
    ) -> Tokens:
        params = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
        }
        if code_verifier and self.options["PKCE"]:
            params["code_verifier"] = code_verifier
        for key, value in (self.options["TOKEN_URL_PARAMS"] or {}).items():
            if key not in RESERVED_TOKEN_PARAMS:
                params[str(key)] = str(value)
        return Tokens.from_response(self.token_request(params))

    def refresh(self, refresh_token: str) -> Tokens:
        if not self.supports_refresh:
            raise ProviderError("TOKEN_REFRESH_NOT_SUPPORTED")
        params = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        extra = self.options["REFRESH_TOKEN_PARAMS"] or {}
        if callable(extra):
            extra = extra(self) or {}
        for key, value in extra.items():
            if key not in ("grant_type", "refresh_token"):
                params[str(key)] = str(value)
        tokens = Tokens.from_response(self.token_request(params))
        return tokens

    # -- identity ----------------------------------------------------------

    def verify_id_token(
        self, token: str, *, nonce: str | None, require_nonce: bool = False
    ) -> dict[str, Any]:
        policy = self.id_token_policy()
        if policy is None:
            raise IdTokenError("provider publishes no keys")
        return verify_id_token(token, policy, nonce=nonce, require_nonce=require_nonce)

    def get_json(self, url: str, access_token: str, **headers: str) -> Any:
        try:
            response = fetch(
                url,
                headers={
                    "Accept": "application/json",
                    "Authorization": f"Bearer {access_token}",
                    **headers,
                },
                follow_redirects=False,
            )
        except Exception as error:
            raise ProviderError(
                "unable_to_get_user_info", f"profile fetch: {type(error).__name__}"
            ) from None
        if response.status != 200:
            raise ProviderError(
                "unable_to_get_user_info", f"profile answered {response.status}"
            )
        try:
            return json.loads(response.content)
        except ValueError:
            raise ProviderError("unable_to_get_user_info", "profile not JSON") from None

    def fetch_profile(self, tokens: Tokens, *, nonce: str | None) -> dict[str, Any]:
        """The raw profile: verified ID-token claims, merged with userinfo.

        When ``nonce`` is given an ID token must be present and carry it
        (OIDC Core §3.1.3.7 step 11): there is no silent fallback to the
        userinfo endpoint. Userinfo may only add to the claims of the same
        subject (OIDC Core §5.3.4).
        """
        claims: dict[str, Any] = {}
        if nonce is not None and not tokens.id_token:
            raise ProviderError("unable_to_get_user_info", "id token missing")
        if tokens.id_token and self.oidc:
            try:
                if self.id_token_policy() is not None:
                    claims = self.verify_id_token(tokens.id_token, nonce=nonce)
                else:
                    claims = unverified_claims(tokens.id_token)
            except IdTokenError as error:
                raise ProviderError(
                    "unable_to_get_user_info", f"id token: {error.reason}"
                ) from None
        if self.userinfo_endpoint and tokens.access_token:
            info = self.get_json(self.userinfo_endpoint, tokens.access_token)
            if not isinstance(info, dict):
                raise ProviderError("unable_to_get_user_info", "userinfo not object")
            if claims and info.get("sub") != claims.get("sub"):
                raise ProviderError("unable_to_get_user_info", "userinfo sub differs")
            claims = {**info, **claims} if claims else info
        if not claims:
            raise ProviderError("unable_to_get_user_info", "no profile")
        return claims

    def account_subject(self, profile: Mapping[str, Any]) -> str:
        value = profile.get("sub") if self.oidc else profile.get("id")
        if value is None and not self.oidc:
            value = profile.get("sub")
        if isinstance(value, bool) or value in (None, ""):
            raise ProviderError("unable_to_get_user_info", "profile has no subject")
        return str(value)

    def map_profile(self, profile: Mapping[str, Any]) -> UserInfo:
        """Default OIDC claim mapping (OIDC Core §5.1); providers override."""
        return self.profile_info(
            profile,
            email_verified=_as_bool(profile.get("email_verified")),
            name=profile.get("name") or profile.get("preferred_username"),
            image=profile.get("picture"),
        )

    def profile_info(
        self,
        profile: Mapping[str, Any],
        *,
        email_verified: bool,
        name: Any,
        image: Any,
        email_key: str = "email",
    ) -> UserInfo:
        """The identity a profile describes, as every mapping builds it.

        Providers differ only in where the verification flag, name and picture
        live; the subject rule, the string checks and keeping the whole profile
        (for ``mapProfileToUser``) are the same for all of them.
        """
        return UserInfo(
            id=self.account_subject(profile),
            email=_str(profile.get(email_key)),
            email_verified=email_verified,
            name=str(name or ""),
            image=_str(image),
            profile=dict(profile),
        )

    def user_info(
        self,
        tokens: Tokens,
        *,
        nonce: str | None = None,
        user_data: Mapping[str, Any] | None = None,
    ) -> UserInfo:
        profile = self.fetch_profile(tokens, nonce=nonce)
        info = self.map_profile(profile)
        return self.apply_mapping(info, user_data)

    def apply_mapping(
        self, info: UserInfo, user_data: Mapping[str, Any] | None = None
    ) -> UserInfo:
        """Run ``MAP_PROFILE_TO_USER``; it can never change the account subject."""
        if self.map_profile_to_user is None:
            return info
        mapped = self.map_profile_to_user(info.profile) or {}
        for key, attr in (
            ("email", "email"),
            ("name", "name"),
            ("image", "image"),
            ("emailVerified", "email_verified"),
        ):
            if key in mapped:
                setattr(info, attr, mapped[key])
        info.extra.update(
            {
                k: v
                for k, v in mapped.items()
                if k not in ("id", "email", "name", "image", "emailVerified")
            }
        )
        return info

    # -- logout ------------------------------------------------------------

    def end_session_url(
        self,
        *,
        id_token: str | None,
        post_logout_redirect_uri: str | None,
        state: str | None,
        auth_url: str,
    ) -> str | None:
        """The provider's RP-initiated logout URL, or None if it has none."""
        return None

    def host(self) -> str:
        return urlsplit(self.authorization_endpoint).hostname or ""
