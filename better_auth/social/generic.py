"""Generic OAuth 2.0 / OpenID Connect providers from settings (``GENERIC_OAUTH``).

Better Auth 1.7 runs these on the same path as the built-in providers
(core-surface §8.1): ``/sign-in/social`` with ``provider=<PROVIDER_ID>``
and ``/callback/<PROVIDER_ID>``. Given a ``DISCOVERY_URL`` the endpoints,
issuer, JWKS and signing algorithms come from the provider's metadata,
fetched on first use (never at import time) and cached; the metadata's
``issuer`` must be the one the discovery URL names.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

from django.core.exceptions import ImproperlyConfigured

from . import discovery
from .base import OAuthProvider, ProviderError

__all__ = ["GenericProvider"]


class GenericProvider(OAuthProvider):
    OPTIONS = {
        "PROVIDER_ID": None,
        "DISCOVERY_URL": None,
        "ISSUER": None,
        "AUTHORIZATION_URL": None,
        "TOKEN_URL": None,
        "USER_INFO_URL": None,
        "JWKS_URI": None,
        "OIDC": None,
        "REQUIRE_ID_TOKEN_VERIFICATION": False,
        "DISABLE_ID_TOKEN_NONCE_BINDING": False,
        "ALLOW_IDP_INITIATED": False,
        "SUPPORTS_REFRESH": True,
        # RP-initiated logout on sign-out (OpenID Connect RP-Initiated
        # Logout 1.0): the endpoint defaults to discovery's
        # end_session_endpoint.
        "END_SESSION_ENDPOINT": None,
        "POST_LOGOUT_REDIRECT_URI": None,
        "DISABLE_PROVIDER_LOGOUT": False,
    }

    def configure(self) -> None:
        o = self.options
        self._lock = threading.Lock()
        self._resolved = False
        self.supports_refresh = bool(o["SUPPORTS_REFRESH"])
        if not o["DISCOVERY_URL"] and not (o["AUTHORIZATION_URL"] and o["TOKEN_URL"]):
            raise ImproperlyConfigured(
                f"generic provider {self.id!r} needs DISCOVERY_URL or both "
                "AUTHORIZATION_URL and TOKEN_URL"
            )
        self.authorization_endpoint = o["AUTHORIZATION_URL"] or ""
        self.token_endpoint = o["TOKEN_URL"] or ""
        self.userinfo_endpoint = o["USER_INFO_URL"]
        self.jwks_uri = o["JWKS_URI"]
        self.issuer = o["ISSUER"]
        self.end_session_endpoint: str | None = o["END_SESSION_ENDPOINT"]
        self.oidc = (
            bool(o["OIDC"])
            if o["OIDC"] is not None
            else bool(o["DISCOVERY_URL"] or (self.jwks_uri and self.issuer))
        )
        if not o["DISCOVERY_URL"]:
            self._finish()

    def resolve(self) -> None:
        if self._resolved:
            return
        with self._lock:
            if self._resolved:
                return
            o = self.options
            try:
                doc = discovery.metadata(o["DISCOVERY_URL"], issuer=o["ISSUER"])
            except discovery.DiscoveryError as error:
                raise ProviderError("oauth_provider_not_found", str(error)) from None
            self.issuer = doc["issuer"]
            self.authorization_endpoint = (
                o["AUTHORIZATION_URL"] or doc["authorization_endpoint"]
            )
            self.token_endpoint = o["TOKEN_URL"] or doc["token_endpoint"]
            self.userinfo_endpoint = o["USER_INFO_URL"] or doc.get("userinfo_endpoint")
            self.jwks_uri = o["JWKS_URI"] or doc.get("jwks_uri")
            algs = doc.get("id_token_signing_alg_values_supported")
            if isinstance(algs, list) and algs:
                self.id_token_algorithms = tuple(str(a) for a in algs)
            self.sends_iss = (
                doc.get("authorization_response_iss_parameter_supported") is True
            )
            discovered = doc.get("end_session_endpoint")
            self.end_session_endpoint = o["END_SESSION_ENDPOINT"] or (
                discovered if isinstance(discovered, str) else None
            )
            self._finish()

    def _finish(self) -> None:
        if self.options["REQUIRE_ID_TOKEN_VERIFICATION"] and not (
            self.jwks_uri and self.issuer
        ):
            raise ProviderError(
                "oauth_provider_not_found",
                "ID token verification is required but the provider has no JWKS",
            )
        self._resolved = True

    def end_session_url(
        self,
        *,
        id_token: str | None,
        post_logout_redirect_uri: str | None,
        state: str | None,
        auth_url: str,
    ) -> str | None:
        """RP-Initiated Logout 1.0 §2: ``id_token_hint``, and with a
        ``post_logout_redirect_uri`` also ``client_id`` and ``state``.

        Without either hint the ``client_id`` is sent so the provider can
        still tell which client asks (§2, "RECOMMENDED").
        """
        if self.options["DISABLE_PROVIDER_LOGOUT"]:
            return None
        try:
            self.resolve()
        except ProviderError:
            return None
        endpoint = self.end_session_endpoint
        if not endpoint or urlsplit(endpoint).scheme not in ("https", "http"):
            return None
        params: list[tuple[str, str]] = []
        if id_token:
            params.append(("id_token_hint", id_token))
        after = post_logout_redirect_uri or self.options["POST_LOGOUT_REDIRECT_URI"]
        if after:
            params.append(("post_logout_redirect_uri", urljoin(auth_url, after)))
            params.append(("client_id", self.client_id))
            if state:
                params.append(("state", state))
        elif not id_token:
            params.append(("client_id", self.client_id))
        sep = "&" if urlsplit(endpoint).query else "?"
        return f"{endpoint}{sep}{urlencode(params)}" if params else endpoint

    @property
    def binds_nonce(self) -> bool:
        if self.options["DISABLE_ID_TOKEN_NONCE_BINDING"]:
            return False
        return super().binds_nonce

    def account_subject(self, profile: Mapping[str, Any]) -> str:
        value: Any = profile.get("sub") if self.oidc else None
        if value in (None, ""):
            value = profile.get("id", profile.get("sub"))
        if isinstance(value, bool) or value in (None, ""):
            raise ProviderError("unable_to_get_user_info", "profile has no subject")
        return str(value)
