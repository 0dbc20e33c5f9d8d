"""Create the clients and one template authorization code on stock DOT.

Run with ``DJANGO_SETTINGS_MODULE=bench.dot.settings`` after ``migrate``;
prints JSON. A DOT ``Application`` has one grant type, so each variant gets
two: a client_credentials one and an authorization_code one (which DOT also
lets use the refresh_token grant). Variant ``stock`` keeps DOT's default,
the secret hashed with Django's password hasher (PBKDF2); ``plain`` sets
``hash_client_secret=False``, DOT's switch for a secret stored as given and
compared directly (what a DOT user does to get the password hasher off the
token path).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.dot.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.utils import timezone  # noqa: E402
from oauth2_provider.models import Application, Grant  # noqa: E402

REDIRECT_URI = os.environ.get("BENCH_REDIRECT_URI", "https://rp.example.com/callback")
SCOPE = "read write"
CODE = Application.GRANT_AUTHORIZATION_CODE


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _app(name: str, grant: str, user: object, hashed: bool) -> dict[str, str]:
    secret = secrets.token_urlsafe(32)
    app = Application.objects.create(
        name=name,
        user=user,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=grant,
        redirect_uris=REDIRECT_URI
        if grant == Application.GRANT_AUTHORIZATION_CODE
        else "",
        client_secret=secret,
        hash_client_secret=hashed,
        skip_authorization=True,
    )
    return {"client_id": app.client_id, "client_secret": secret, "pk": app.pk}


def main() -> None:
    user, _ = get_user_model().objects.get_or_create(username="bench")
    out: dict[str, object] = {"redirect_uri": REDIRECT_URI, "scope": SCOPE}
    for variant, hashed in (("stock", True), ("plain", False)):
        cc = _app(
            f"bench-cc-{variant}", Application.GRANT_CLIENT_CREDENTIALS, user, hashed
        )
        code_app = _app(
            f"bench-code-{variant}", Application.GRANT_AUTHORIZATION_CODE, user, hashed
        )
        verifier = secrets.token_urlsafe(48)
        code = secrets.token_urlsafe(24)
        Grant.objects.create(
            application_id=code_app["pk"],
            user=user,
            code=code,
            expires=timezone.now() + timedelta(hours=1),
            redirect_uri=REDIRECT_URI,
            scope=SCOPE,
            code_challenge=_challenge(verifier),
            code_challenge_method="S256",
        )
        out[variant] = {
            "cc": cc,
            "code": code_app,
            "template_code": code,
            "verifier": verifier,
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
