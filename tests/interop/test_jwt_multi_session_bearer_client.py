"""Better Auth's npm client with ``jwtClient()``, ``multiSessionClient()`` and
bearer ``fetchOptions.auth`` against this server.

``jwt_multi_session_bearer_flow.mjs`` reads ``set-auth-jwt`` from
get-session, calls ``authClient.token()`` and verifies both JWTs with jose
against ``authClient.jwks()``; signs two accounts into one cookie jar, lists,
switches and revokes device sessions, signs out of all; then a client
without cookies or Origin keeps its session through ``set-auth-token`` and
the ``Authorization: Bearer`` header only.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from .conftest import FlowResult

pytestmark = [pytest.mark.interop]


def test_better_auth_js_client_jwt_multi_session_bearer_flow(
    auth_server: str, run_flow: Callable[..., FlowResult]
) -> None:
    from better_auth import keys

    # The live server's database starts empty: forget keys cached from rows
    # earlier tests created, so tokens are signed by a key the JWKS lists.
    keys.reset_cache()
    result = run_flow("jwt_multi_session_bearer_flow.mjs", auth_server, timeout=120)
    assert result.returncode == 0, result.report()
    summary = result.summary
    assert summary is not None and summary["ok"] is True, result.report()
    assert summary["total"] == 19, result.report()
