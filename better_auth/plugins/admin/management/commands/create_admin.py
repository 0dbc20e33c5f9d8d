"""``manage.py create_admin``: create an administrator or promote a user.

Better Auth 1.7's create-admin tool as a management command. The password
is read from a hidden prompt, or from standard input with
``--password-stdin`` (for scripts: ``printf %s "$PW" | manage.py
create_admin --email a@b.c --password-stdin``); it is never taken from the
command line, where it would land in shell history and process listings.
An existing user keeps their password and other roles and gains the admin
role.
"""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from better_auth.api.schema import is_email
from better_auth.errors import APIError
from better_auth.models import User
from better_auth.models.user import normalize_email
from better_auth.services import passwords

from ...access import parse_roles
from ...conf import section


class Command(BaseCommand):
    help = "Create an administrator, or give an existing user the admin role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", default="", help="Name of a new user.")
        parser.add_argument(
            "--role",
            default=None,
            help="Role to grant (default: the first of ADMIN.ADMIN_ROLES).",
        )
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="Read the new user's password from standard input.",
        )
        parser.add_argument(
            "--no-password",
            action="store_true",
            help="Create the user without a password (passwordless sign-in only).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email = normalize_email(options["email"])
        if not is_email(email):
            raise CommandError(f"{options['email']!r} is not a valid email address.")
        role = options["role"] or (parse_roles(section().ADMIN_ROLES) or ["admin"])[0]
        user = User.objects.filter(email=email).first()
        if user is not None:
            held = parse_roles(user.role)
            if role in held:
                self.stdout.write(f"{email} already has the {role} role.")
                return
            user.role = ",".join([*held, role])
            user.save(update_fields=["role"])
            self.stdout.write(self.style.SUCCESS(f"Gave {email} the {role} role."))
            return
        password = None if options["no_password"] else self._password(options)
        if password is not None:
            try:
                passwords.validate_password_policy(password)
            except APIError as error:
                raise CommandError(error.message) from None
        with transaction.atomic():
            user = User(email=email, name=options["name"], role=role)
            user.save(force_insert=True)
            if password is not None:
                passwords.set_user_password(user, password)
        self.stdout.write(self.style.SUCCESS(f"Created {role} {email} ({user.pk})."))

    def _password(self, options: dict[str, Any]) -> str:
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\r\n")
            if not password:
                raise CommandError("No password on standard input.")
            return password
        if not sys.stdin.isatty():
            raise CommandError(
                "No terminal for the password prompt; use --password-stdin."
            )
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The passwords do not match.")
        return first
