"""``manage.py seed_oauth_resources [--mode insert_only|merge|overwrite]``.

Writes the ``RESOURCES`` setting into the resource table, as ``migrate``
does after every run. The mode defaults to ``RESOURCE_SEED_MODE``; rows
not named in the setting are never touched, so resources created through
the admin or the management endpoints survive.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...services.resources import SEED_MODES, entry_problems, seed_resources

__all__ = ["Command"]


class Command(BaseCommand):
    help = "Seed the OAuth protected resources from the RESOURCES setting."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--mode", choices=SEED_MODES, help="Default: RESOURCE_SEED_MODE."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from ...conf import section

        problems = entry_problems(section().RESOURCES)
        for problem in problems:
            self.stderr.write(f"skipped: {problem}")
        try:
            counts = seed_resources(mode=options.get("mode"))
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            "resources: {created} created, {updated} updated, "
            "{unchanged} unchanged".format(**counts)
        )
