"""Captcha plugin: Better Auth 1.7 ``captcha()`` for Django (core-surface §6.4).

Add ``"better_auth.plugins.captcha"`` to ``INSTALLED_APPS`` and configure
``BETTER_AUTH["CAPTCHA"]`` (``PROVIDER`` and ``SECRET_KEY``, or a custom
``VERIFIER``). Requests to the protected endpoints then need a provider token
in the ``x-captcha-response`` header, checked before routing.
"""

from __future__ import annotations

from .verifiers import (
    CaptchaFoxVerifier,
    CaptchaUnavailable,
    CaptchaVerifier,
    CloudflareTurnstileVerifier,
    GoogleRecaptchaVerifier,
    HCaptchaVerifier,
    SiteVerifyVerifier,
)

__all__ = [
    "CaptchaFoxVerifier",
    "CaptchaUnavailable",
    "CaptchaVerifier",
    "CloudflareTurnstileVerifier",
    "GoogleRecaptchaVerifier",
    "HCaptchaVerifier",
    "SiteVerifyVerifier",
]
