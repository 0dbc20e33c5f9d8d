"""Better Auth's npm client with ``adminClient()``, ``usernameClient()`` and
``anonymousClient()`` against this server.

``account_plugins_flow.mjs`` signs a member up with a username, signs in by
username, has an administrator list, impersonate, ban (after which the
member can sign in by no method) and unban the member, signs a guest in
anonymously and links it to the member's account: the stock client's
paths, methods, bodies and error codes must all match.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from .conftest import FlowResult

pytestmark = [pytest.mark.interop]


def test_better_auth_js_client_account_plugins_flow(
    auth_server: str,
    run_flow: Callable[..., FlowResult],
    transactional_db: None,
) -> None:
    from better_auth.models import User

    User.objects.create_user(
        "root@example.test", "root-password-1", name="Root", role="admin"
    )
    result = run_flow(
        "account_plugins_flow.mjs",
        auth_server,
        "root@example.test",
        "root-password-1",
        timeout=120,
    )
    assert result.returncode == 0, result.report()
    summary = result.summary
    assert summary is not None and summary["ok"] is True, result.report()
    assert summary["total"] == 20, result.report()
