from __future__ import annotations

from django.apps import AppConfig, apps


class JwtConfig(AppConfig):
    name = "better_auth.plugins.jwt"
    label = "better_auth_jwt"
    verbose_name = "Better Auth: JWT"

    def ready(self) -> None:
        """Register settings, the key policy, endpoints and the after-hook."""
        from better_auth.hooks import register_after_hook
        from better_auth.keys import register_jwks_endpoint, set_policy

        from . import api, conf

        conf.register()
        # With the OAuth provider installed its key settings govern the shared
        # store (its ID tokens live longer than ours); otherwise ours do.
        if not apps.is_installed("better_auth_oauth_provider"):
            set_policy(conf.key_policy)
        register_jwks_endpoint(conf.jwks_path())
        register_after_hook(api.add_jwt_header)
