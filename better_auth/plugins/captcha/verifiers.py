"""Token verification against each provider's siteverify endpoint.

A verifier answers one question, ``verify(token, remote_ip) -> bool``: True
lets the request through, False answers 403 ``VERIFICATION_FAILED``, and an
exception (provider unreachable, non-2xx, unreadable answer) answers 500
``UNKNOWN_ERROR``, so an outage fails closed as in Better Auth. Each request
to a provider is bounded by a 10 s timeout, Better Auth's
``CAPTCHA_VERIFY_TIMEOUT_MS``, so a hanging provider cannot pin a worker.

``CAPTCHA.VERIFIER`` may name a :class:`CaptchaVerifier` subclass (built with
:meth:`CaptchaVerifier.from_settings`), any other class (built without
arguments), or a plain callable taking ``(token, remote_ip)``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

import requests
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

__all__ = [
    "CaptchaFoxVerifier",
    "CaptchaUnavailable",
    "CaptchaVerifier",
    "CloudflareTurnstileVerifier",
    "GoogleRecaptchaVerifier",
    "HCaptchaVerifier",
    "PROVIDERS",
    "SiteVerifyVerifier",
    "verifier_for",
]

VERIFY_TIMEOUT = 10


class CaptchaUnavailable(Exception):
    """The provider could not give an answer (Better Auth SERVICE_UNAVAILABLE)."""


class CaptchaVerifier:
    """Base of captcha verifiers; a subclass overrides :meth:`verify`."""

    @classmethod
    def from_settings(cls, cfg: Mapping[str, Any]) -> CaptchaVerifier:
        """Build from the ``CAPTCHA`` settings section."""
        return cls()

    def verify(self, token: str, remote_ip: str | None) -> bool:
        """Return whether ``token`` proves a human; raise if unable to tell."""
        raise NotImplementedError


class SiteVerifyVerifier(CaptchaVerifier):
    """A provider with a siteverify endpoint taking ``secret`` and ``response``.

    Subclasses set ``site_verify_url`` and may narrow acceptance with
    ``expected_action`` and ``allowed_hostnames`` (Better Auth options of the
    same names), checked against the provider's answer.
    """

    provider: ClassVar[str] = ""
    site_verify_url: ClassVar[str] = ""
    send_json: ClassVar[bool] = False
    remote_ip_field: ClassVar[str] = "remoteip"
    sends_site_key: ClassVar[bool] = False
    expected_action: ClassVar[str | None] = None
    allowed_hostnames: ClassVar[Sequence[str]] = ()
    timeout: ClassVar[float] = VERIFY_TIMEOUT

    def __init__(
        self, secret_key: str, *, site_key: str | None = None, min_score: float = 0.5
    ) -> None:
        self.secret_key = secret_key
        self.site_key = site_key
        self.min_score = min_score

    @classmethod
    def from_settings(cls, cfg: Mapping[str, Any]) -> CaptchaVerifier:
        secret = cfg.get("SECRET_KEY")
        if not secret:
            # Better Auth MISSING_SECRET_KEY: a configuration error, never a
            # reason to let requests through.
            raise ImproperlyConfigured("CAPTCHA SECRET_KEY is not set.")
        min_score = cfg.get("MIN_SCORE")
        return cls(
            secret,
            site_key=cfg.get("SITE_KEY"),
            min_score=0.5 if min_score is None else float(min_score),
        )

    def payload(self, token: str, remote_ip: str | None) -> dict[str, str]:
        data = {"secret": self.secret_key, "response": token}
        if self.sends_site_key and self.site_key:
            data["sitekey"] = self.site_key
        if remote_ip:
            data[self.remote_ip_field] = remote_ip
        return data

    def post(self, payload: dict[str, str]) -> dict[str, Any]:
        """POST to siteverify and return its JSON object, or raise."""
        key = "json" if self.send_json else "data"
        body: dict[str, Any] = {key: payload}
        try:
            response = requests.post(self.site_verify_url, timeout=self.timeout, **body)
        except requests.RequestException as error:
            raise CaptchaUnavailable(type(error).__name__) from None
        if not 200 <= response.status_code < 300:
            raise CaptchaUnavailable(f"HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            raise CaptchaUnavailable("answer is not JSON") from None
        if not isinstance(data, dict) or not data:
            raise CaptchaUnavailable("answer is not a JSON object")
        return data

    def accept(self, answer: dict[str, Any]) -> bool:
        if answer.get("success") is not True:
            return False
        if self.expected_action and answer.get("action") != self.expected_action:
            return False
        return not self.allowed_hostnames or answer.get("hostname") in set(
            self.allowed_hostnames
        )

    def verify(self, token: str, remote_ip: str | None) -> bool:
        answer = self.post(self.payload(token, remote_ip))
        accepted = self.accept(answer)
        if not accepted:
            logger.info(
                "%s rejected a token: %s",
                self.provider,
                answer.get("error-codes") or answer.get("error_codes") or [],
            )
        return accepted


class CloudflareTurnstileVerifier(SiteVerifyVerifier):
    """Cloudflare Turnstile; siteverify takes a JSON body."""

    provider = "cloudflare-turnstile"
    site_verify_url = "https://challenges.cloudflare.com/turnstile/v0/siteverify"
    send_json = True


class GoogleRecaptchaVerifier(SiteVerifyVerifier):
    """Google reCAPTCHA v2 and v3; a v3 answer's score must reach MIN_SCORE."""

    provider = "google-recaptcha"
    site_verify_url = "https://www.google.com/recaptcha/api/siteverify"

    def accept(self, answer: dict[str, Any]) -> bool:
        score = answer.get("score")
        is_v3 = isinstance(score, int | float) and not isinstance(score, bool)
        if is_v3 and score < self.min_score:
            return False
        return super().accept(answer)


class HCaptchaVerifier(SiteVerifyVerifier):
    """hCaptcha; sends the site key when one is configured."""

    provider = "hcaptcha"
    site_verify_url = "https://api.hcaptcha.com/siteverify"
    sends_site_key = True


class CaptchaFoxVerifier(SiteVerifyVerifier):
    """CaptchaFox; its siteverify spells the address field ``remoteIp``."""

    provider = "captchafox"
    site_verify_url = "https://api.captchafox.com/siteverify"
    sends_site_key = True
    remote_ip_field = "remoteIp"


PROVIDERS: dict[str, type[SiteVerifyVerifier]] = {
    cls.provider: cls
    for cls in (
        CloudflareTurnstileVerifier,
        GoogleRecaptchaVerifier,
        HCaptchaVerifier,
        CaptchaFoxVerifier,
    )
}

Verify = Callable[[str, "str | None"], bool]


def verifier_for(cfg: Mapping[str, Any]) -> Verify:
    """The verify function the ``CAPTCHA`` settings section describes."""
    custom = cfg.get("VERIFIER")
    if custom is not None:
        if isinstance(custom, type):
            if issubclass(custom, CaptchaVerifier):
                return custom.from_settings(cfg).verify
            return custom().verify
        if isinstance(custom, CaptchaVerifier) or hasattr(custom, "verify"):
            return custom.verify
        if callable(custom):
            return custom
        raise ImproperlyConfigured("CAPTCHA VERIFIER must be a class or a callable.")
    provider = cfg.get("PROVIDER")
    if provider not in PROVIDERS:
        raise ImproperlyConfigured(
            f"CAPTCHA PROVIDER {provider!r} is not one of {', '.join(PROVIDERS)}."
        )
    return PROVIDERS[provider].from_settings(cfg).verify
