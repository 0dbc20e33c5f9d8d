"""SQL statements per request for get-session and sign-in, counted in-process.

Run with the bench settings and the benchmark database::

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=postgres://... \\
        .venv/bin/python bench/queries.py [--json]

Each request goes through Django's test client (the full middleware stack and
the auth router) inside ``CaptureQueriesContext``. The targets come from the
performance spec: at most one query per get-session on the database path
(one indexed session-join-user read) and none when the cookie cache answers.
The first request of each kind is a warm-up and is not counted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

EMAIL = os.environ.get("BENCH_QUERIES_EMAIL", "bench-queries@example.com")
PASSWORD = os.environ.get("BENCH_PASSWORD", "bench-password-123")
ROUNDS = 3


def _auth_settings(cookie_cache: bool) -> dict[str, Any]:
    current = dict(settings.BETTER_AUTH)
    session = dict(current.get("SESSION", {}))
    session["COOKIE_CACHE"] = {
        **dict(session.get("COOKIE_CACHE", {})),
        "ENABLED": cookie_cache,
        "STRATEGY": "compact",
    }
    current["SESSION"] = session
    return current


def _client() -> tuple[Client, str]:
    base = os.environ.get("BETTER_AUTH_URL", "http://127.0.0.1:8000")
    parts = urlsplit(base)
    origin = f"{parts.scheme}://{parts.netloc}"
    return Client(HTTP_HOST=parts.netloc, HTTP_ORIGIN=origin), "/api/auth"


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _measure(
    name: str, send: Any, check: Any, expect_max: int | None
) -> dict[str, Any]:
    """Send once to warm up, then ROUNDS more; report the most any one took."""
    send()
    counts: list[int] = []
    statements: list[str] = []
    for _ in range(ROUNDS):
        with CaptureQueriesContext(connection) as captured:
            response = send()
        check(response)
        counts.append(len(captured.captured_queries))
        statements = [q["sql"] for q in captured.captured_queries]
    worst = max(counts)
    return {
        "case": name,
        "queries": worst,
        "per_round": counts,
        "target": expect_max,
        "ok": expect_max is None or worst <= expect_max,
        "statements": [s if len(s) < 200 else s[:197] + "..." for s in statements],
    }


def _ensure_user(client: Client, base: str) -> None:
    response = _post(
        client,
        f"{base}/sign-in/email",
        {"email": EMAIL, "password": PASSWORD},
    )
    if response.status_code == 200:
        return
    response = _post(
        client,
        f"{base}/sign-up/email",
        {"email": EMAIL, "password": PASSWORD, "name": "Bench Queries"},
    )
    if response.status_code != 200:
        raise SystemExit(f"sign-up failed: {response.status_code} {response.content!r}")


def _session_ok(response: Any) -> None:
    if response.status_code != 200 or response.content == b"null":
        raise SystemExit(f"get-session failed: {response.status_code}")


def _sign_in_ok(response: Any) -> None:
    if response.status_code != 200:
        raise SystemExit(f"sign-in failed: {response.status_code}")


def run() -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    client, base = _client()
    credentials = {"email": EMAIL, "password": PASSWORD}

    with override_settings(BETTER_AUTH=_auth_settings(cookie_cache=False)):
        _ensure_user(client, base)
        results.append(
            _measure(
                "sign-in/email",
                lambda: _post(client, f"{base}/sign-in/email", credentials),
                _sign_in_ok,
                None,
            )
        )
        results.append(
            _measure(
                "get-session (database)",
                lambda: client.get(f"{base}/get-session"),
                _session_ok,
                1,
            )
        )

    with override_settings(BETTER_AUTH=_auth_settings(cookie_cache=True)):
        _sign_in_ok(_post(client, f"{base}/sign-in/email", credentials))
        if not any(name.endswith("session_data") for name in client.cookies):
            raise SystemExit("sign-in with the cookie cache on set no session_data")
        results.append(
            _measure(
                "get-session (cookie cache)",
                lambda: client.get(f"{base}/get-session"),
                _session_ok,
                0,
            )
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON only")
    args = parser.parse_args()
    results = run()
    if args.json:
        print(json.dumps(results))
        return
    for result in results:
        verdict = "ok" if result["ok"] else "MISSED"
        target = "-" if result["target"] is None else f"<= {result['target']}"
        print(
            f"{result['case']:28} {result['queries']:3} queries  target {target}  "
            f"{verdict}  rounds {result['per_round']}"
        )
        for sql in result["statements"]:
            print(f"    {sql}")


if __name__ == "__main__":
    main()
