"""In-process cost of the authorization server's token path, per request.

Calls the WSGI application directly with prepared environs (as
``bench/inprocess.py`` does for get-session): no gunicorn, wrk or network,
so the figure is Django plus the provider's code in this process, and the
machine's other load matters much less than for ``bench/oauth.sh``. Cases:

* ``client_credentials``: ``POST /oauth2/token``, Basic auth, a new token
  each time;
* ``authorization_code``: a fresh code per request, with its PKCE verifier
  (codes are copied from one real code's rows in a single ``INSERT ...
  SELECT`` before the timed loop, so minting costs this process nothing);
* ``refresh_token``: one rotation chain, each answer's refresh token is the
  next request's;
* ``introspect``: RFC 7662 introspection of one valid opaque user access
  token by its client.

For each it prints CPU and wall microseconds per request, the Python
function calls per request (counted by cProfile over 100 more requests: a
figure the machine's load does not move) and the SQL statements one request
sends (``BEGIN`` / ``COMMIT`` are not seen by ``execute_wrapper``). ``--cprofile``
adds the top functions by own and by cumulative time; ``--instructions``
counts instructions per request under valgrind (callgrind), the figure that
stays put on a busy machine: each case runs twice, with a small and a large
number of rounds, and the difference cancels start-up and set-up
(``BENCH_PROFILE_OUT=path`` keeps the ``--cprofile`` statistics for
``pstats``)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_oauth_inprocess \\
        .venv/bin/python bench/oauth_inprocess.py [--case introspect] \\
        [--rounds 1000] [--cprofile] [--instructions]

Needs DATABASE_URL of a migrated PostgreSQL database (``manage.py migrate``
with ``bench.settings``); each run adds a user, a session and a client to it.
No password is hashed: the user and the session are written directly.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import hashlib
import io
import json
import os
import pstats
import re
import secrets
import string
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CASES = ("client_credentials", "authorization_code", "refresh_token", "introspect")
REDIRECT_URI = "https://rp.example.com/callback"
USER_SCOPE = "openid profile email offline_access"
M2M_SCOPE = "bench:read"
TOKEN_PATH = "/api/auth/oauth2/token"
INTROSPECT_PATH = "/api/auth/oauth2/introspect"
WARMUP = 50
CALL_ROUNDS = 100
_COLLECTED = re.compile(r"Collected\s*:\s*([0-9]+)")
_ALNUM = string.ascii_letters + string.digits


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ.setdefault("BENCH_COOKIE_CACHE", "0")
    import django

    django.setup()


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Fixture:
    """One user with a live session, one confidential client, one code."""

    def __init__(self) -> None:
        from better_auth.models import User
        from better_auth.services.sessions import SessionContext, create_session
        from better_auth_oauth_provider.services.authorization_codes import (
            issue_code,
        )
        from better_auth_oauth_provider.services.clients import create_client

        self.host = urlsplit(
            os.environ.get("BETTER_AUTH_URL", "http://127.0.0.1:8000")
        ).netloc
        email = f"bench-oauth-inprocess-{secrets.token_hex(4)}@example.com"
        user = User.objects.create(email=email, name="Bench", email_verified=True)
        session = create_session(user, ip_address="127.0.0.1", user_agent="bench")
        app, secret = create_client(
            {
                "client_name": "bench-inprocess",
                "redirect_uris": [REDIRECT_URI],
                "grant_types": [
                    "authorization_code",
                    "refresh_token",
                    "client_credentials",
                ],
                "response_types": ["code"],
                "token_endpoint_auth_method": "client_secret_basic",
            },
            skip_consent=True,
            client_credentials_scopes=[M2M_SCOPE],
        )
        self.basic = base64.b64encode(f"{app.client_id}:{secret}".encode()).decode()
        self.verifier = _b64url(secrets.token_bytes(32))
        challenge = _b64url(hashlib.sha256(self.verifier.encode()).digest())
        location = issue_code(
            app,
            query={
                "redirect_uri": REDIRECT_URI,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
                "state": "s",
            },
            session=SessionContext(session=session, user=user),
            scopes=USER_SCOPE.split(),
            userinfo_claims=[],
            resources=[],
        )
        self.template = location.split("code=", 1)[1].split("&", 1)[0]

    def environ(self, path: str, body: str) -> dict[str, Any]:
        data = body.encode()
        host = self.host
        return {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "CONTENT_LENGTH": str(len(data)),
            "SERVER_NAME": host.split(":")[0],
            "SERVER_PORT": host.split(":")[1] if ":" in host else "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": host,
            "HTTP_AUTHORIZATION": f"Basic {self.basic}",
            "HTTP_USER_AGENT": "wrk",
            "wsgi.input": io.BytesIO(data),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            "wsgi.version": (1, 0),
        }

    def codes(self, count: int) -> list[str]:
        """``count`` new codes: copies of the template's rows (one statement)."""
        from django.db import connection

        from better_auth_oauth_provider.oauth.digests import token_digest

        raw = ["".join(secrets.choice(_ALNUM) for _ in range(32)) for _ in range(count)]
        with connection.cursor() as cur:
            cur.execute(
                "select column_name from information_schema.columns where "
                "table_name = 'oauth2_provider_grant' order by ordinal_position"
            )
            cols = [c for (c,) in cur.fetchall() if c not in {"id", "code", "expires"}]
            cur.execute(
                "select column_name from information_schema.columns where table_name"
                " = 'better_auth_oauth_grant_context' order by ordinal_position"
            )
            ctx = [c for (c,) in cur.fetchall() if c != "grant_id"]
            names = ", ".join(f'"{c}"' for c in cols)
            src = ", ".join(f'src."{c}"' for c in cols)
            ctx_names = ", ".join(f'"{c}"' for c in ctx)
            x_ctx = ", ".join(f'x."{c}"' for c in ctx)
            cur.execute(
                "with src as (select * from oauth2_provider_grant where code = %s), "
                f"ins as (insert into oauth2_provider_grant (code, expires, {names}) "
                f"select c, now() + interval '1 hour', {src} from src, "
                "unnest(%s::text[]) as c returning id) "
                "insert into better_auth_oauth_grant_context "
                f"(grant_id, {ctx_names}) select ins.id, {x_ctx} from ins, "
                "better_auth_oauth_grant_context x "
                "where x.grant_id = (select id from src)",
                [token_digest(self.template), [token_digest(c) for c in raw]],
            )
        return raw

    def code_body(self, code: str) -> str:
        return urlencode(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT_URI,
                "code_verifier": self.verifier,
            }
        )


def _bodies(fixture: Fixture, case: str, count: int) -> Callable[[bytes], str]:
    """The next request body of ``case``, given the previous answer."""
    if case == "client_credentials":
        body = urlencode({"grant_type": "client_credentials", "scope": M2M_SCOPE})
        return lambda _previous: body
    if case == "authorization_code":
        pool = iter(fixture.codes(count))
        return lambda _previous: fixture.code_body(next(pool))
    first = fixture.codes(1)[0]
    redeemed = _call(fixture, TOKEN_PATH, fixture.code_body(first))
    if case == "introspect":
        body = urlencode({"token": json.loads(redeemed)["access_token"]})
        return lambda _previous: body
    chain = [json.loads(redeemed)["refresh_token"]]

    def refresh(previous: bytes) -> str:
        if previous:
            chain[0] = json.loads(previous)["refresh_token"]
        return urlencode({"grant_type": "refresh_token", "refresh_token": chain[0]})

    return refresh


_application: Any = None
_statuses: list[str] = []


def _start_response(status: str, headers: list[Any], exc_info: Any = None) -> None:
    _statuses.append(status)


def _call(fixture: Fixture, path: str, body: str) -> bytes:
    global _application
    if _application is None:
        from django.core.wsgi import get_wsgi_application

        _application = get_wsgi_application()
    chunks = _application(fixture.environ(path, body), _start_response)
    payload = b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    if not _statuses[-1].startswith("200"):
        raise SystemExit(f"{path}: {_statuses[-1]} {payload[:200]!r}")
    return payload


def _expect(case: str, payload: bytes) -> None:
    needle = b'"active":true' if case == "introspect" else b'"access_token"'
    if needle not in payload.replace(b" ", b""):
        raise SystemExit(f"{case}: unexpected answer {payload[:200]!r}")


def measure(case: str, rounds: int, profile: bool) -> dict[str, Any]:
    """Warm up, count one request's SQL, then time ``rounds`` requests."""
    from django.db import connection

    fixture = Fixture()
    path = INTROSPECT_PATH if case == "introspect" else TOKEN_PATH
    next_body = _bodies(fixture, case, WARMUP + 2 + rounds + CALL_ROUNDS)
    previous = b""
    for _ in range(WARMUP):
        previous = _call(fixture, path, next_body(previous))
        _expect(case, previous)
    statements: list[str] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append(sql)
        return execute(sql, params, many, context)

    body = next_body(previous)
    with connection.execute_wrapper(record):
        previous = _call(fixture, path, body)
    bodies = [] if case == "refresh_token" else [next_body(b"") for _ in range(rounds)]
    # CPU time, not wall: waiting for PostgreSQL is not this process's cost.
    profiler = cProfile.Profile(time.process_time) if profile else None
    wall, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    if bodies:
        for body in bodies:
            _call(fixture, path, body)
    else:
        for _ in range(rounds):
            previous = _call(fixture, path, next_body(previous))
    if profiler:
        profiler.disable()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    _expect(case, previous if not bodies else _call(fixture, path, next_body(b"")))
    # Python function calls per request: the same on a busy machine.
    counter = cProfile.Profile()
    counter.enable()
    for _ in range(CALL_ROUNDS):
        previous = _call(fixture, path, next_body(previous))
    counter.disable()
    calls = pstats.Stats(counter).total_calls / CALL_ROUNDS  # type: ignore[attr-defined]
    result: dict[str, Any] = {
        "case": case,
        "rounds": rounds,
        "cpu_us": cpu / rounds * 1e6,
        "wall_us": wall / rounds * 1e6,
        "calls": calls,
        "queries": len(statements),
        "statements": statements,
    }
    if profiler:
        if os.environ.get("BENCH_PROFILE_OUT"):
            profiler.dump_stats(os.environ["BENCH_PROFILE_OUT"])
        for key in ("tottime", "cumulative"):
            text = io.StringIO()
            stats = pstats.Stats(profiler, stream=text)
            stats.strip_dirs().sort_stats(key).print_stats(30)
            result[key] = text.getvalue()
    return result


def _instructions(case: str, rounds: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={tmp}/callgrind.out",
            sys.executable,
            __file__,
            "--case",
            case,
            "--rounds",
            str(rounds),
            "--json",
        ]
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    found = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"{case}: valgrind failed:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def _print(result: dict[str, Any], verbose: bool) -> None:
    print(
        f"{result['case']:20} {result['cpu_us']:8.1f} us CPU "
        f"{result['wall_us']:8.1f} us wall {result['calls']:7.0f} Python calls"
        " per request  "
        f"{result['queries']} SQL"
        f"  ({result['rounds']} rounds)"
    )
    if verbose:
        for statement in result["statements"]:
            print(f"    {statement if len(statement) < 240 else statement[:237]}...")
    for key in ("tottime", "cumulative"):
        if key in result:
            print(result[key])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", action="append", choices=CASES)
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument("--sql", action="store_true", help="print the statements")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="instructions per request under valgrind (--small / --large rounds)",
    )
    parser.add_argument("--small", type=int, default=10)
    parser.add_argument("--large", type=int, default=110)
    args = parser.parse_args()
    cases = args.case or list(CASES)
    if args.instructions:
        for case in cases:
            small = _instructions(case, args.small)
            large = _instructions(case, args.large)
            per_request = (large - small) / (args.large - args.small)
            print(f"{case:20} {per_request / 1e6:8.2f} M instructions per request")
        return
    if len(cases) > 1 and not args.cprofile:
        # One interpreter per case, so no case warms another's caches.
        for case in cases:
            cmd = [sys.executable, __file__, "--case", case, "--json"]
            cmd += ["--rounds", str(args.rounds)]
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"{case}: {done.stderr[-2000:]}")
            _print(json.loads(done.stdout.strip().splitlines()[-1]), args.sql)
        return
    _setup_django()
    for case in cases:
        result = measure(case, args.rounds, args.cprofile)
        if args.json:
            print(json.dumps(result))
        else:
            _print(result, args.sql)


if __name__ == "__main__":
    main()
