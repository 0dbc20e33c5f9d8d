"""In-process cost of one get-session, without gunicorn, wrk or the network.

Calls the WSGI application directly with a prepared environ, so the figure is
Django plus the auth code only, and the machine's other load matters much
less than for a wrk run. ``--cprofile`` adds the top functions by own and by
cumulative time; that is where to look when a target in bench/run.sh is
missed.

    .venv/bin/python bench/inprocess.py       # ours (db, cookie cache), the floor
    .venv/bin/python bench/inprocess.py --cprofile --app ours
    .venv/bin/python bench/inprocess.py --breakdown  # the pieces, one by one

Needs DATABASE_URL (PostgreSQL, migrated, e.g. the benchmark's bench_ours).
``BENCH_SETTINGS`` replaces ``bench.settings`` for ours (not the floor).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
EMAIL = "bench-profile@example.com"
PASSWORD = "bench-password-123"
SETTINGS = {
    "ours": "bench.settings",
    "ours-cached": "bench.settings",
    "floor": "bench.floor.settings",
}


def _environ(cookie: str, host: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/api/auth/get-session",
        "QUERY_STRING": "",
        "SERVER_NAME": host.split(":")[0],
        "SERVER_PORT": host.split(":")[1] if ":" in host else "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": host,
        "HTTP_COOKIE": cookie,
        "HTTP_USER_AGENT": "wrk",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


def _sign_in(host: str) -> str:
    from django.test import Client

    origin = f"http://{host}"
    client = Client(HTTP_HOST=host, HTTP_ORIGIN=origin)
    body = {"email": EMAIL, "password": PASSWORD}
    response = client.post(
        "/api/auth/sign-in/email", json.dumps(body), content_type="application/json"
    )
    if response.status_code != 200:
        body["name"] = "Bench Profile"
        response = client.post(
            "/api/auth/sign-up/email", json.dumps(body), content_type="application/json"
        )
    if response.status_code != 200:
        raise SystemExit(f"could not sign in: {response.status_code}")
    return "; ".join(
        f"{name}={morsel.value}"
        for name, morsel in response.cookies.items()
        if morsel.value
    )


def measure(app_name: str, cookie: str | None, rounds: int, profile: bool) -> dict:
    sys.path.insert(0, str(ROOT))
    settings_module = SETTINGS[app_name]
    if app_name != "floor":
        # BENCH_SETTINGS: another settings module for ours (e.g. to time a
        # different middleware stack against the same code).
        settings_module = os.environ.get("BENCH_SETTINGS") or settings_module
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    os.environ["BENCH_COOKIE_CACHE"] = "1" if app_name == "ours-cached" else "0"
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    host = urlsplit(os.environ.get("BETTER_AUTH_URL", "http://127.0.0.1:8000")).netloc
    if cookie is None:
        cookie = _sign_in(host)
    if app_name != "ours-cached":
        cookie = "; ".join(p for p in cookie.split("; ") if "session_data" not in p)
    statuses: list[str] = []
    set_cookies: list[str] = []

    def start_response(status: str, headers: list[Any], exc_info: Any = None) -> None:
        statuses.append(status)
        set_cookies.extend(v for k, v in headers if k.lower() == "set-cookie")

    def once() -> bytes:
        chunks = application(_environ(cookie, host), start_response)
        body = b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
        return body

    body = once()
    if not statuses[-1].startswith("200") or body == b"null":
        raise SystemExit(
            f"{app_name}: get-session answered {statuses[-1]} {body[:80]!r}"
        )
    if app_name == "ours-cached" and set_cookies:
        # A hit sets no cookie; anything else measured the database path.
        raise SystemExit(f"{app_name}: not answered from the cookie cache")
    for _ in range(50):
        once()
    profiler = cProfile.Profile() if profile else None
    wall, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    for _ in range(rounds):
        once()
    if profiler:
        profiler.disable()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    result = {
        "app": app_name,
        "rounds": rounds,
        "wall_us": wall / rounds * 1e6,
        "cpu_us": cpu / rounds * 1e6,
        "cookie": cookie,
    }
    if profiler:
        for key in ("tottime", "cumulative"):
            text = io.StringIO()
            stats = pstats.Stats(profiler, stream=text)
            stats.strip_dirs().sort_stats(key).print_stats(25)
            result[key] = text.getvalue()
    return result


def breakdown(rounds: int) -> list[tuple[str, float]]:
    """CPU time of the pieces of one get-session, each called on its own."""
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["BENCH_COOKIE_CACHE"] = "1"
    import django

    django.setup()
    from django.db import connection

    from better_auth import clock, cookie_cache
    from better_auth.conf import auth_settings
    from better_auth.cookies import SESSION_TOKEN, CookieJar, read_signed
    from better_auth.crypto import encode_cookie_value, sign_cookie_value
    from better_auth.models import Session
    from better_auth.serializers import session_json, user_json
    from better_auth.services import sessions
    from better_auth.storage.sessions import session_store

    host = urlsplit(os.environ.get("BETTER_AUTH_URL", "http://127.0.0.1:8000")).netloc
    _sign_in(host)
    session = Session.objects.select_related("user").order_by("-created_at").first()
    assert session is not None
    token, user = session.token, session.user
    jar = CookieJar()
    sessions.set_session_cookie(jar, session, user)
    cached = jar.value_of("session_data") or ""
    cookies = {
        "better-auth.session_token": encode_cookie_value(
            sign_cookie_value(token, auth_settings.SECRET)
        )
    }
    store = session_store()

    def raw_query() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT s.id, s.token, s.expires_at, u.id, u.email"
                " FROM better_auth_session s JOIN better_auth_user u"
                " ON u.id = s.user_id WHERE s.token = %s",
                [token],
            )
            cursor.fetchone()

    def render() -> bytes:
        body = {"session": session_json(session), "user": user_json(user)}
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()

    pieces = [
        ("read_signed(session_token)", lambda: read_signed(cookies, SESSION_TOKEN)),
        ("session_store().find(token)", lambda: store.find(token)),
        (
            "ORM, same query without .first()",
            lambda: list(
                Session.objects.select_related("user").filter(token=token)[:1]
            ),
        ),
        ("hand-written SQL, one cursor", raw_query),
        ("session_json + user_json + dumps", render),
        (
            "cookie_cache.decode_compact",
            lambda: cookie_cache.decode_compact(
                cached, auth_settings.secrets(), clock.now_ms()
            ),
        ),
        (
            "set_session_cookie (with cache)",
            lambda: sessions.set_session_cookie(CookieJar(), session, user),
        ),
    ]
    out = []
    for name, call in pieces:
        for _ in range(50):
            call()
        start = time.process_time()
        for _ in range(rounds):
            call()
        out.append((name, (time.process_time() - start) / rounds * 1e6))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", choices=sorted(SETTINGS))
    parser.add_argument("--cookie")
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--breakdown", action="store_true", help="time the pieces of get-session"
    )
    args = parser.parse_args()
    if args.breakdown:
        for name, cpu_us in breakdown(min(args.rounds, 2000)):
            print(f"{name:36} {cpu_us:8.1f} us CPU")
        return
    if args.app:
        result = measure(args.app, args.cookie, args.rounds, args.cprofile)
        if args.json:
            print(json.dumps(result))
            return
        print(
            f"{result['app']:12} {result['wall_us']:8.1f} us wall "
            f"{result['cpu_us']:8.1f} us CPU per get-session ({args.rounds} rounds)"
        )
        for key in ("tottime", "cumulative"):
            if key in result:
                print(result[key])
        return
    # Every app in its own interpreter (each has its own settings module).
    cookie = None
    for app_name in ("ours-cached", "ours", "floor"):
        cmd = [sys.executable, __file__, "--app", app_name, "--json"]
        cmd += ["--rounds", str(args.rounds)]
        if cookie:
            cmd += ["--cookie", cookie]
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        result = json.loads(done.stdout.strip().splitlines()[-1])
        cookie = result["cookie"]
        print(
            f"{app_name:12} {result['wall_us']:8.1f} us wall "
            f"{result['cpu_us']:8.1f} us CPU per get-session"
        )


if __name__ == "__main__":
    main()
