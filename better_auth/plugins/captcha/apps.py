from __future__ import annotations

from django.apps import AppConfig


class CaptchaConfig(AppConfig):
    name = "better_auth.plugins.captcha"
    label = "better_auth_captcha"
    verbose_name = "Better Auth: Captcha"

    def ready(self) -> None:
        from ...hooks import register_request_check
        from . import checks  # noqa: F401 - registers the system check
        from .guard import check_request

        register_request_check(check_request)
