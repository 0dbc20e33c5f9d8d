"""Instructions per get-session, counted by valgrind, for a noisy machine.

CPU time per request moves with whatever else shares the cores (cache and
frequency effects); the number of instructions executed does not. Each app
runs ``bench/inprocess.py`` twice under ``valgrind --tool=callgrind`` with a
small and a large number of rounds, so start-up, Django setup and warm-up
cancel out of the difference:

    instructions per request = (Ir(large) - Ir(small)) / (large - small)

The figure covers this process only (Python, Django, psycopg, libpq), not
the PostgreSQL backend. Needs ``valgrind`` and the same environment as
``bench/inprocess.py`` (DATABASE_URL of a migrated database).

    .venv/bin/python bench/callgrind.py                 # ours-cached, ours, floor
    .venv/bin/python bench/callgrind.py --app ours --small 20 --large 220
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
INPROCESS = BENCH / "inprocess.py"
_COLLECTED = re.compile(r"Collected\s*:\s*([0-9]+)")


def _cookie() -> str:
    """Sign in once, natively (an Argon2 hash under valgrind takes minutes)."""
    cmd = [sys.executable, str(INPROCESS), "--app", "ours-cached", "--json"]
    done = subprocess.run(
        cmd + ["--rounds", "1"], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])["cookie"]


def _instructions(app: str, cookie: str, rounds: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={tmp}/callgrind.out",
            sys.executable,
            str(INPROCESS),
            "--app",
            app,
            "--cookie",
            cookie,
            "--rounds",
            str(rounds),
        ]
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    found = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"{app}: valgrind failed:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--app", action="append", choices=["ours-cached", "ours", "floor"]
    )
    parser.add_argument("--small", type=int, default=20)
    parser.add_argument("--large", type=int, default=220)
    args = parser.parse_args()
    for app in args.app or ["ours-cached", "ours", "floor"]:
        # A fresh sign-in per app: the cookie cache lasts MAX_AGE (300 s).
        cookie = _cookie()
        small = _instructions(app, cookie, args.small)
        large = _instructions(app, cookie, args.large)
        per_request = (large - small) / (args.large - args.small)
        print(f"{app:12} {per_request / 1e6:8.2f} M instructions per get-session")


if __name__ == "__main__":
    main()
