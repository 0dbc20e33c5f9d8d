"""``manage.py seed_demo_client``: the demo's registered example client.

A public native client (PKCE, no secret) with the loopback redirect URI
``http://127.0.0.1:8765/callback`` that ``demo/example_rp.py`` listens on,
trusted (no consent page). Idempotent: running it again prints the existing
client. Meant for the demo only; never for a real deployment.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ...services.clients import client_json, create_client, get_client

__all__ = ["Command"]

DEMO_CLIENT_ID = "demo-example-rp"
DEMO_REDIRECT_URI = "http://127.0.0.1:8765/callback"


class Command(BaseCommand):
    help = "Register the demo's example relying party (public client, PKCE)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--client-id", default=DEMO_CLIENT_ID)
        parser.add_argument("--redirect-uri", default=DEMO_REDIRECT_URI)

    def handle(self, *args: Any, **options: Any) -> None:
        app = get_client(options["client_id"])
        if app is None:
            app, _ = create_client(
                {
                    "client_name": "Demo relying party",
                    "redirect_uris": [options["redirect_uri"]],
                    "post_logout_redirect_uris": [options["redirect_uri"]],
                    "application_type": "native",
                    "token_endpoint_auth_method": "none",
                    "grant_types": ["authorization_code", "refresh_token"],
                    "response_types": ["code"],
                    "scope": "openid profile email offline_access",
                },
                client_id=options["client_id"],
                skip_consent=True,
                enable_end_session=True,
            )
        self.stdout.write(json.dumps(client_json(app)))
