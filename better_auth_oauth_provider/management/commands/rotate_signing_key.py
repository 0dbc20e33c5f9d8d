"""``manage.py rotate_signing_key [--alg EdDSA] [--grace SECONDS]``.

Mints a new signing key and retires the current one. The retired key keeps
being published in ``/jwks`` for the grace period, by default the longer of
KEY_GRACE_PERIOD and the longest token lifetime, so every ID token or JWT
access token signed before the rotation still verifies until it expires.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from better_auth.keys import ALGORITHMS, prune, reset_cache, rotate

from ...keys import policy

__all__ = ["Command"]


class Command(BaseCommand):
    help = "Rotate the JWT signing key; old keys stay published until tokens expire."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--alg", choices=ALGORITHMS, help="Algorithm (default SIGNING_ALGORITHM)."
        )
        parser.add_argument(
            "--grace",
            type=int,
            help="Seconds the retired key stays in the JWKS (default: policy).",
        )
        parser.add_argument(
            "--prune",
            action="store_true",
            help="Also delete keys whose publication period has ended.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        current = policy()
        grace = options.get("grace")
        if grace is not None and grace < 0:
            raise CommandError("--grace must not be negative")
        alg = options.get("alg") or current.alg
        key = rotate(alg, grace_period=current.grace_period if grace is None else grace)
        if options.get("prune"):
            removed = prune()
            self.stdout.write(f"pruned {removed} expired key(s)")
        reset_cache()
        self.stdout.write(f"new {alg} signing key {key.pk}")
