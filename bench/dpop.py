"""In-process cost of DPoP (RFC 9449) next to the bearer paths it guards.

No server, no network: requests go through Django's test client against
the test settings, in a throwaway test database (SQLite in memory, or
PostgreSQL with DATABASE_URL, where a test_* database is created and
dropped). Proofs are signed before the clock starts, so the figures are
the server's cost only. Printed, per operation, the mean time and the
ratio to its bearer counterpart:

* ``verify_resource_proof`` alone (the §4.3 checks, the thumbprint and the
  one replay insert) against a whole bearer UserInfo request;
* a UserInfo request with a bound token and a proof against a bearer one;
* the token endpoint (client_credentials) with and without a proof;
* introspection of a resource-bound JWT access token against an opaque one.

    .venv/bin/python bench/dpop.py [-n 300]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/dpop.py

Ratios are of medians (the machine's other load skews means).
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

FORM = "application/x-www-form-urlencoded"
ISSUER = "http://testserver/api/auth"
API = "https://api.example.test"


def _timed(n: int, *cases: tuple[str, Callable[[int], Any]]) -> list[float]:
    """Median seconds of each case's ``work(i)`` over ``n`` calls, after a
    warm-up; the cases alternate call by call, so drift in the machine's
    load hits them alike."""
    for i in range(min(10, n)):
        for _, work in cases:
            work(-1 - i)
    samples: list[list[float]] = [[] for _ in cases]
    for i in range(n):
        for slot, (_, work) in enumerate(cases):
            start = time.perf_counter()
            work(i)
            samples[slot].append(time.perf_counter() - start)
    medians = []
    for (label, _), values in zip(cases, samples, strict=True):
        median = statistics.median(values)
        mean = statistics.fmean(values)
        print(f"  {label:<46} {median * 1e3:8.3f} ms  (mean {mean * 1e3:.3f})")
        medians.append(median)
    return medians


def _basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=300, help="iterations per figure")
    args = parser.parse_args()
    n = args.n

    import django

    django.setup()
    from django.db import connection
    from django.test import Client, RequestFactory
    from django.test.utils import setup_test_environment

    setup_test_environment()
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        _run(n, Client, RequestFactory)
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)


def _run(n: int, client_class: Any, factory_class: Any) -> None:
    from django.db import connection

    from better_auth import clock
    from better_auth.keys import get_signing_key
    from better_auth_oauth_provider.models import ClientResource, Resource
    from better_auth_oauth_provider.oauth.dpop import access_token_hash, jwk_thumbprint
    from better_auth_oauth_provider.services.clients import create_client
    from better_auth_oauth_provider.services.dpop import verify_resource_proof
    from tests.oauth_provider.test_rfc9449_dpop_proofs import Holder
    from tests.oauth_provider.test_token import issue_code, pkce_pair

    print(f"DPoP in process, {n} iterations, database {connection.vendor}")
    get_signing_key()
    holder = Holder("ES256")

    def proof(htm: str, htu: str, token: str | None = None) -> str:
        claims = {"ath": access_token_hash(token)} if token else {}
        return holder.proof(
            htm=htm, htu=htu, iat=int(clock.now().timestamp()), **claims
        )

    web = client_class()
    body = {"email": "bench@example.test", "password": "bench-pass-123", "name": "B"}
    import json

    web.post(
        "/api/auth/sign-up/email", json.dumps(body), content_type="application/json"
    )
    from better_auth.models import User

    user = User.objects.get(email="bench@example.test")
    app, secret = create_client(
        {
            "client_name": "bench",
            "redirect_uris": ["https://app.example.test/cb"],
            "grant_types": [
                "authorization_code",
                "refresh_token",
                "client_credentials",
            ],
            "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_basic",
        },
        skip_consent=True,
        client_credentials_scopes=["read"],
    )
    resource, _ = Resource.objects.get_or_create(identifier=API)
    ClientResource.objects.get_or_create(client=app, resource=resource)
    auth = _basic(app.client_id, secret)
    rp = client_class()

    def token(form: dict[str, str], dpop: str | None = None) -> dict[str, Any]:
        headers = {"authorization": auth}
        if dpop:
            headers["DPoP"] = dpop
        response = rp.post(
            "/api/auth/oauth2/token",
            urlencode(form),
            content_type=FORM,
            headers=headers,
        )
        assert response.status_code == 200, response.content
        return response.json()

    def login(dpop: bool, resources: tuple[str, ...] = ()) -> str:
        verifier, challenge = pkce_pair()
        code = issue_code(app, user, challenge=challenge, resources=resources)
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": verifier,
            "redirect_uri": "https://app.example.test/cb",
        }
        for value in resources:
            form["resource"] = value
        return token(form, proof("POST", f"{ISSUER}/oauth2/token") if dpop else None)[
            "access_token"
        ]

    bearer = login(False)
    bound = login(True)
    assert jwk_thumbprint(holder.public_jwk)
    userinfo = f"{ISSUER}/oauth2/userinfo"

    # --- resource side ---------------------------------------------------------
    print("resource requests")
    proofs = [proof("GET", userinfo, bound) for _ in range(n + 10)]
    jkt = jwk_thumbprint(holder.public_jwk)
    factory = factory_class()

    def check_only(i: int) -> None:
        request = factory.get(
            "/api/auth/oauth2/userinfo",
            HTTP_AUTHORIZATION=f"DPoP {bound}",
            HTTP_DPOP=proofs[i],
        )
        verify_resource_proof(request, access_token=bound, jkt=jkt)

    def bearer_userinfo(i: int) -> None:
        response = rp.get(
            "/api/auth/oauth2/userinfo", headers={"authorization": f"Bearer {bearer}"}
        )
        assert response.status_code == 200

    more = [proof("GET", userinfo, bound) for _ in range(n + 10)]

    def dpop_userinfo(i: int) -> None:
        response = rp.get(
            "/api/auth/oauth2/userinfo",
            headers={"authorization": f"DPoP {bound}", "DPoP": more[i]},
        )
        assert response.status_code == 200, response.content

    base, check, full = _timed(
        n,
        ("bearer UserInfo request", bearer_userinfo),
        ("verify_resource_proof alone", check_only),
        ("DPoP UserInfo request (token + proof)", dpop_userinfo),
    )
    print(f"  proof check / bearer request              {check / base:8.2f}x")
    print(f"  DPoP request / bearer request             {full / base:8.2f}x")

    # --- token endpoint ----------------------------------------------------------
    print("token endpoint (client_credentials)")
    cc = {"grant_type": "client_credentials"}
    token_proofs = [proof("POST", f"{ISSUER}/oauth2/token") for _ in range(n + 10)]
    plain, with_proof = _timed(
        n,
        ("without DPoP", lambda i: token(cc)),
        ("with a DPoP proof", lambda i: token(cc, token_proofs[i])),
    )
    print(f"  DPoP / bearer                             {with_proof / plain:8.2f}x")

    # --- introspection -----------------------------------------------------------
    print("introspection")
    jwt_token = login(True, (API,))
    opaque = bearer

    def introspect(value: str) -> Callable[[int], None]:
        def run(i: int) -> None:
            response = rp.post(
                "/api/auth/oauth2/introspect",
                urlencode({"token": value}),
                content_type=FORM,
                headers={"authorization": auth},
            )
            assert response.json()["active"] is True, response.content

        return run

    o, j = _timed(
        n,
        ("opaque access token", introspect(opaque)),
        ("resource-bound DPoP JWT access token", introspect(jwt_token)),
    )
    print(f"  JWT / opaque                              {j / o:8.2f}x")


if __name__ == "__main__":
    main()
