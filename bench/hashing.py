"""Time of one password hash with the project's configured hasher.

Sign-in costs one ``check_password`` (and sign-up one ``make_password``), so
the sign-in throughput of N single-threaded workers cannot beat N / (hash
time), and on a machine with C cores no server can beat C / (hash CPU time).
Both bounds are printed: Argon2 with ``parallelism > 1`` runs its lanes in
threads, so its wall time is below its CPU time and the second bound is the
one that binds on a small machine.

    DJANGO_SETTINGS_MODULE=bench.settings .venv/bin/python bench/hashing.py [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import (  # noqa: E402
    check_password,
    get_hasher,
    make_password,
)

PASSWORD = "bench-password-123"


def _time(call: Any, rounds: int) -> dict[str, float]:
    call()
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(rounds):
        wall, cpu = time.perf_counter(), time.process_time()
        call()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {
        "wall_ms": statistics.median(walls) * 1000,
        "cpu_ms": statistics.median(cpus) * 1000,
    }


def run(rounds: int) -> dict[str, Any]:
    hasher = get_hasher()
    encoded = make_password(PASSWORD)
    params = {
        name: getattr(hasher, name)
        for name in (
            "time_cost",
            "memory_cost",
            "parallelism",
            "iterations",
            "work_factor",
            "block_size",
        )
        if hasattr(hasher, name)
    }
    return {
        "hasher": hasher.algorithm,
        "params": params,
        "rounds": rounds,
        "cores": os.cpu_count(),
        "make_password": _time(lambda: make_password(PASSWORD), rounds),
        "check_password": _time(lambda: check_password(PASSWORD, encoded), rounds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON only")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    result = run(args.rounds)
    if args.json:
        print(json.dumps(result))
        return
    print(f"hasher {result['hasher']} {result['params']}")
    for name in ("make_password", "check_password"):
        t = result[name]
        print(f"{name:15} wall {t['wall_ms']:.1f} ms  cpu {t['cpu_ms']:.1f} ms")


if __name__ == "__main__":
    main()
