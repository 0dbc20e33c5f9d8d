"""Endpoints under ``/organization/``: parse, call one service, render.

Paths, bodies, answers and codes are Better Auth 1.7's (core-surface §8.5).
Team endpoints exist only with ``TEAMS.ENABLED`` and role endpoints only
with ``DYNAMIC_ACCESS_CONTROL.ENABLED``; otherwise they answer the router's
bare 404, as an unregistered Better Auth route does. Importing this package
registers every endpoint.
"""

from . import invitations, members, organizations, roles, teams  # noqa: F401
