"""A redemption whose client or user is deleted while its tokens are written.

The token rows point at the client and the user through foreign keys that
PostgreSQL and SQLite check when the write commits (Django makes them
deferred). A deletion that commits between the redemption's read and its
write makes that commit fail: nothing is written, and the request must get
the error the next request would get, not a server error. Client gone:
``invalid_client`` (RFC 6749 §5.2, 401 for Basic credentials); user gone,
which takes the grant with it: ``invalid_grant``.

The race is made deterministic by running the deletion from inside the
write, just before the statement's commit fails the way it does when the
deletion wins.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError
from oauth2_provider.models import (
    get_access_token_model,
    get_refresh_token_model,
)

from better_auth_oauth_provider.services import tokens
from tests.oauth_provider.test_token import (
    issue_code,
    login_tokens,
    pkce_pair,
    redeem,
    refresh,
)

pytestmark = pytest.mark.django_db

AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()


def _deleted_mid_write(monkeypatch: Any, delete: Any) -> None:
    """The write runs the deletion first and then fails its foreign-key
    check, as the commit does when a concurrent deletion committed first."""

    def store(*_args: Any, **_kwargs: Any) -> bool:
        delete()
        raise IntegrityError("insert violates foreign key constraint (deferred)")

    monkeypatch.setattr(tokens, "store", store)


def _redeem_code(app: Any, secret: str, user: Any) -> Callable[[], Any]:
    verifier, challenge = pkce_pair()
    code = issue_code(app, user, challenge=challenge)
    return lambda: redeem(app, secret, code, verifier)


def _rotate_refresh_token(app: Any, secret: str, user: Any) -> Callable[[], Any]:
    issued = login_tokens(app, secret, user)
    return lambda: refresh(app, secret, issued["refresh_token"])


@pytest.mark.parametrize("grant", [_redeem_code, _rotate_refresh_token])
@pytest.mark.parametrize(
    ("deleted", "status", "error"),
    [("client", 401, "invalid_client"), ("user", 400, "invalid_grant")],
)
def test_grant_whose_client_or_user_was_deleted_mid_write(
    rp: tuple[Any, ...],
    monkeypatch: Any,
    grant: Callable[..., Callable[[], Any]],
    deleted: str,
    status: int,
    error: str,
) -> None:
    app, secret, user = rp
    request = grant(app, secret, user)
    row = app if deleted == "client" else user
    _deleted_mid_write(monkeypatch, type(row).objects.filter(pk=row.pk).delete)
    response = request()
    assert response.status_code == status, response.content
    assert response.json()["error"] == error
    if deleted == "client":
        assert response["WWW-Authenticate"] == "Basic"
        assert not AccessToken.objects.filter(application_id=app.pk).exists()
        assert not RefreshToken.objects.filter(application_id=app.pk).exists()
