"""Registers a grant type, an authentication method, a discovery field and an
ID-token claim, the way a third-party app would, from ``ready()``."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig

STATIC_GRANT = "urn:example:params:oauth:grant-type:static-assertion"
HEADER_METHOD = "example_header_auth"
CLIENT_HEADER = "X-Example-Client"


def static_assertion_grant(request: Any) -> dict[str, Any]:
    """Trades a fixed assertion for a client-credentials token."""
    from better_auth_oauth_provider.errors import InvalidGrant
    from better_auth_oauth_provider.services.grants import client_credentials_grant

    client = request.authenticate()
    if request.params.get("assertion") != "let-me-in":
        raise InvalidGrant("assertion is not acceptable")
    return client_credentials_grant(
        client, scope=request.params.get("scope"), resources=request.resources
    )


def header_auth(request: Any) -> Any:
    """Recognises the client by a header a (test) TLS terminator would set."""
    from better_auth_oauth_provider.services.client_lookup import get_client

    client_id = request.headers.get(CLIENT_HEADER)
    return get_client(client_id) if client_id else None


def tenant_claim(context: dict[str, Any]) -> dict[str, Any]:
    return {"tenant": "acme", "sub": "attacker-chosen"}


class ExtensionAppConfig(AppConfig):
    name = "tests.oauth_provider.extension_app"
    label = "oauth_extension_example"

    def ready(self) -> None:
        from better_auth_oauth_provider.extensions import extend_oauth_provider

        extend_oauth_provider(
            grant_types={STATIC_GRANT: static_assertion_grant},
            grant_params=["assertion"],
            client_auth_methods={HEADER_METHOD: header_auth},
            metadata={
                "example_endpoint": lambda iss: f"{iss}/example",
                "example_supported": True,
            },
            id_token_claims=tenant_claim,
            userinfo_claims=tenant_claim,
            access_token_claims=tenant_claim,
        )
