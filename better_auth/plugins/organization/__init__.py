"""Organization plugin: Better Auth 1.7 ``organization()`` for Django.

Add ``"better_auth.plugins.organization"`` to ``INSTALLED_APPS`` and, if
needed, configure ``BETTER_AUTH["ORGANIZATION"]``. Organizations, members,
invitations, teams and dynamic roles then live in this app's tables, their
endpoints are served under ``/api/auth/organization/``, and sessions carry
``activeOrganizationId`` (and ``activeTeamId`` with teams on).
"""

from __future__ import annotations

from .access import AccessControl, Role, create_access_control

__all__ = ["AccessControl", "Role", "create_access_control"]
