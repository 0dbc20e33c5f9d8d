"""Better Auth's npm client with ``organizationClient()`` against this server.

``organization_flow.mjs`` creates an organization, invites a second user who
accepts, checks that get-session carries ``activeOrganizationId`` and
``activeTeamId``, creates a team, adds the guest, switches the active
organization and team, and leaves: the stock client's paths, methods,
bodies and error codes must all match.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from .conftest import FlowResult

pytestmark = [pytest.mark.interop]


def test_better_auth_js_client_organization_flow(
    auth_server: str,
    run_flow: Callable[..., FlowResult],
    better_auth_settings: Callable[..., None],
) -> None:
    better_auth_settings(
        BASE_URL=auth_server, ORGANIZATION={"TEAMS": {"ENABLED": True}}
    )
    result = run_flow("organization_flow.mjs", auth_server, timeout=120)
    assert result.returncode == 0, result.report()
    summary = result.summary
    assert summary is not None and summary["ok"] is True, result.report()
    assert summary["total"] == 22, result.report()
