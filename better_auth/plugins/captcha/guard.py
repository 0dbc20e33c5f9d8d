"""The request check that demands a captcha token (Better Auth ``onRequest``).

Runs after the rate limiter and before routing. On a protected path:
a missing ``x-captcha-response`` header answers 400 ``MISSING_RESPONSE``, a
rejected token 403 ``VERIFICATION_FAILED``, and any failure to decide
(configuration, provider outage) 500 ``UNKNOWN_ERROR``, failing closed.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse

from ...api.router import error_response
from ...conf import auth_settings
from ...errors import APIError
from ...request_info import request_info
from .matching import is_protected
from .verifiers import verifier_for

logger = logging.getLogger(__name__)
security_logger = logging.getLogger("better_auth.security.captcha")

__all__ = ["HEADER", "check_request", "is_configured"]

HEADER = "x-captcha-response"


def is_configured() -> bool:
    cfg = auth_settings.CAPTCHA
    return bool(cfg.PROVIDER or cfg.VERIFIER)


def check_request(request: HttpRequest, path: str) -> HttpResponse | None:
    """Answer the request early unless it carries an accepted captcha token."""
    cfg = auth_settings.CAPTCHA
    if not is_configured() or not is_protected(path, cfg.ENDPOINTS):
        return None
    try:
        verify = verifier_for(cfg)
        token = request.headers.get(HEADER)
        if not token:
            security_logger.warning("captcha response missing on %s", path)
            return error_response(APIError(400, "MISSING_RESPONSE"))
        accepted = verify(token, request_info(request).ip)
    except Exception as error:
        logger.error(
            "captcha verification could not complete on %s: %s: %s",
            path,
            type(error).__name__,
            error,
        )
        return error_response(APIError(500, "UNKNOWN_ERROR"))
    if not accepted:
        security_logger.warning("captcha verification failed on %s", path)
        return error_response(APIError(403, "VERIFICATION_FAILED"))
    return None
