"""``manage.py create_oauth_client --json '<RFC 7591 metadata>' [--skip-consent]``.

Registers a client as the admin would (RFC 7591 §2 metadata, validated as
Better Auth validates it) and prints the created client as JSON on stdout,
the plaintext secret included: it is the only time it can be shown, since
only a digest is stored. Meant for scripted setups.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...errors import OAuthError
from ...services.clients import client_json, create_client
from ...services.grants import IDENTITY_SCOPES

__all__ = ["Command"]


class Command(BaseCommand):
    help = "Register an OAuth client from RFC 7591 metadata and print it as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--json",
            dest="metadata",
            required=True,
            help="RFC 7591 client metadata as a JSON object ('-' reads stdin).",
        )
        parser.add_argument(
            "--skip-consent",
            action="store_true",
            help="Trusted first-party client: users are never asked to consent.",
        )
        parser.add_argument(
            "--enable-end-session",
            action="store_true",
            help="Allow RP-initiated logout (/oauth2/end-session) for this client.",
        )
        parser.add_argument(
            "--owner", help="Email of the user who owns (and may manage) the client."
        )
        parser.add_argument(
            "--client-credentials-scope",
            action="append",
            dest="client_credentials_scopes",
            help="A scope the client may get with client_credentials (repeatable).",
        )
        parser.add_argument("--client-id", help="Use this client_id.")

    def handle(self, *args: Any, **options: Any) -> None:
        raw = options["metadata"]
        if raw == "-":
            raw = sys.stdin.read()
        try:
            metadata = json.loads(raw)
        except ValueError as error:
            raise CommandError(f"--json is not valid JSON: {error}") from None
        identity = sorted(
            set(options.get("client_credentials_scopes") or []) & IDENTITY_SCOPES
        )
        if identity:
            # The grant never gives them (they describe a user): refusing
            # here beats a client that fails at its first token request.
            raise CommandError(
                f"--client-credentials-scope {', '.join(identity)}: scopes that "
                "describe a user are never granted to client_credentials"
            )
        owner = None
        if options.get("owner"):
            try:
                owner = get_user_model().objects.get(email=options["owner"].lower())
            except get_user_model().DoesNotExist:
                raise CommandError(f"no user with email {options['owner']}") from None
        try:
            app, secret = create_client(
                metadata,
                owner=owner,
                skip_consent=True if options["skip_consent"] else None,
                enable_end_session=True if options["enable_end_session"] else None,
                client_credentials_scopes=options.get("client_credentials_scopes"),
                client_id=options.get("client_id"),
            )
        except OAuthError as error:
            raise CommandError(f"{error.error}: {error.description}") from None
        self.stdout.write(json.dumps(client_json(app, secret=secret, admin=True)))
