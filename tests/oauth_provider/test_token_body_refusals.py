"""The router's refusals of a token request's body are ``no-store`` too.

RFC 6749 §5.1 puts ``Cache-Control: no-store`` and ``Pragma: no-cache`` on
every token endpoint answer, errors included. A body that is too large, not
form-encoded or not UTF-8 is refused by the router before the endpoint runs
(better-call's answers, as Better Auth gives them); the headers come with
those refusals as well.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings

from tests.conftest import BASE
from tests.oauth_provider.conftest import basic_auth
from tests.oauth_provider.test_token import assert_no_store

FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    ("path", "body", "content_type", "status"),
    [
        (
            "/oauth2/token",
            b'{"grant_type": "client_credentials"}',
            "application/json",
            415,
        ),
        ("/oauth2/token", b"grant_type=client_credentials", "text/plain", 415),
        ("/oauth2/token", b"grant_type=client_credentials&scope=\xff\xfe", FORM, 400),
        ("/oauth2/token", b"grant_type=" + b"a" * 600, FORM, 413),
        ("/oauth2/introspect", b'{"token": "x"}', "application/json", 415),
    ],
    ids=["json", "text", "not-utf-8", "too-large", "introspect-json"],
)
@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=512)
def test_refused_bodies_are_no_store(
    rp: tuple[Any, ...], path: str, body: bytes, content_type: str, status: int
) -> None:
    app, secret, _ = rp
    response = Client().post(
        BASE + path,
        data=body,
        content_type=content_type,
        headers={"authorization": basic_auth(app.client_id, secret)},
    )
    assert response.status_code == status, response.content
    assert_no_store(response)
