"""The demo project's settings as served under load by ``bench/run.sh``.

The demo's own settings stay untouched; this module only switches off what a
single-client load test would trip over or that is under test on its own:

* rate limiting (Better Auth's limiter is on in production, and one wrk client
  from one IP would be limited to 100 requests per 10 s),
* the session cookie cache, on only when ``BENCH_COOKIE_CACHE=1`` (Better
  Auth's ``session.cookieCache`` with the ``compact`` strategy, core-surface
  §4.3), so one server start measures exactly one get-session path,
* the optional plugins (``better_auth.plugins.*``), because the Better Auth it
  is compared with runs email and password only: with the jwt plugin every
  get-session would also sign a JWT, with multi-session every sign-in would set
  a second cookie. ``BENCH_PLUGINS=1`` keeps them.
"""

from __future__ import annotations

import os

from demo.settings import *  # noqa: F403
from demo.settings import BETTER_AUTH as _DEMO_BETTER_AUTH
from demo.settings import DATABASES, INSTALLED_APPS

if os.environ.get("BENCH_PLUGINS", "0") != "1":
    INSTALLED_APPS = [  # noqa: F405
        app for app in INSTALLED_APPS if not app.startswith("better_auth.plugins.")
    ]

_cookie_cache = os.environ.get("BENCH_COOKIE_CACHE", "0") == "1"

BETTER_AUTH = {
    **_DEMO_BETTER_AUTH,
    "RATE_LIMIT": {**_DEMO_BETTER_AUTH.get("RATE_LIMIT", {}), "ENABLED": False},
    "SESSION": {
        **_DEMO_BETTER_AUTH.get("SESSION", {}),
        "COOKIE_CACHE": {
            "ENABLED": _cookie_cache,
            "MAX_AGE": 300,
            "STRATEGY": "compact",
        },
    },
}

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # As Better Auth's SQLite baseline runs: WAL, so readers never wait for
    # the one writer, and IMMEDIATE transactions, so writers queue instead of
    # failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
