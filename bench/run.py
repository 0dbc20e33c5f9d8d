"""Drive the whole benchmark and print one table of figures.

Servers, all on loopback, each started fresh, measured, then stopped by the
process group this script created:

* ours: the demo project (``bench.settings``: rate limiting off, cookie cache
  only when a scenario needs it) under gunicorn, 2 sync workers and then 2
  gthread workers with 4 threads each;
* floor: ``bench.floor`` (one hand-written get-session view) under the same
  gunicorn flags;
* Better Auth 1.7.25 (``bench/node/server.mjs``) on Node, one process and a
  ``node:cluster`` of two.

Ours and the floor share the PostgreSQL database ``bench_ours``; Better Auth
has ``bench_better_auth``; both are dropped and created anew on every run. wrk
sends the load (``bench/lua/*.lua``): a warm-up, then the measured run.

Environment knobs (defaults in brackets): BENCH_DURATION [10 s],
BENCH_WARMUP [3 s], BENCH_CONNECTIONS [8], BENCH_WRK_THREADS [1],
BENCH_REPEAT [2 measured runs per case, the fastest kept], BENCH_QUIET [0.15]
and BENCH_QUIET_WAIT [90 s]: before each run, wait at most that long for the
machine to be at most 15% busy; BENCH_OUT [bench/results/<timestamp>, not
committed] for the servers' logs, results.json and table.txt;
BENCH_PG [postgres://postgres@127.0.0.1:5432]; BENCH_ONLY [all]: a
comma-separated subset of ours, floor, better-auth.
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
VENV_BIN = ROOT / ".venv" / "bin"
LUA = BENCH / "lua"

DURATION = int(os.environ.get("BENCH_DURATION", "10"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
WRK_THREADS = int(os.environ.get("BENCH_WRK_THREADS", "1"))
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
# "postgres" (the default) or "sqlite": both servers then use files in
# SQLITE_DIR (WAL mode), as Better Auth's own baseline was recorded.
DB_KIND = os.environ.get("BENCH_DB", "postgres")
SQLITE_DIR = Path(os.environ.get("BENCH_SQLITE_DIR", "/tmp/bench-sqlite"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "2"))
ONLY = set(filter(None, os.environ.get("BENCH_ONLY", "").split(",")))
WORKERS = 2
THREADS = 4
# Python threads per granian worker (BENCH_GRANIAN_THREADS): with one, a
# worker idles while PostgreSQL answers; more overlap those waits (4, as
# gunicorn gthread runs in bench/run.sh).
GRANIAN_THREADS = int(os.environ.get("BENCH_GRANIAN_THREADS", "4"))

SECRET = "bench-only-better-auth-secret-0123456789abcdef"
EMAIL = "bench@example.com"
PASSWORD = "bench-password-123"
OURS_DB = "bench_ours"
BA_DB = "bench_better_auth"

GUNICORN_CLASSES = {
    "sync": ["--worker-class", "sync"],
    "gthread": ["--worker-class", "gthread", "--threads", str(THREADS)],
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pg_url(db: str) -> str:
    return f"{PG}/{db}"


def db_url(db: str) -> str:
    """The DATABASE_URL of benchmark database ``db`` in this run's kind."""
    if DB_KIND == "sqlite":
        return f"sqlite:///{SQLITE_DIR / db}.sqlite3"
    return pg_url(db)


def recreate_db(name: str) -> None:
    if DB_KIND == "sqlite":
        SQLITE_DIR.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            (SQLITE_DIR / f"{name}.sqlite3{suffix}").unlink(missing_ok=True)
        return
    parts = urlsplit(PG)
    args = [
        "-h",
        parts.hostname or "127.0.0.1",
        "-p",
        str(parts.port or 5432),
        "-U",
        parts.username or "postgres",
    ]
    subprocess.run(["dropdb", *args, "--if-exists", "--force", name], check=True)
    subprocess.run(["createdb", *args, name], check=True)


# ---------------------------------------------------------------- servers


@dataclass
class Server:
    name: str
    cmd: list[str]
    env: dict[str, str]
    port: int
    logfile: Path
    db: str
    proc: subprocess.Popen[bytes] | None = None
    # What start() polls until it answers 200.
    ready_path: str = "/api/auth/get-session"

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        out = self.logfile.open("ab")
        self.proc = subprocess.Popen(
            self.cmd,
            env=self.env,
            cwd=ROOT,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.logfile}")
            try:
                status, _, _ = request(self.origin, "GET", self.ready_path)
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer; see {self.logfile}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def django_env(
    port: int, db: str, *, settings: str, cookie_cache: bool
) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE=settings,
        DATABASE_URL=db_url(db),
        BETTER_AUTH_URL=f"http://127.0.0.1:{port}",
        BETTER_AUTH_SECRET=SECRET,
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        BENCH_COOKIE_CACHE="1" if cookie_cache else "0",
    )
    return env


def gunicorn(
    name: str, app: str, worker_class: str, env: dict[str, str], port: int, out: Path
) -> Server:
    cmd = [
        str(VENV_BIN / "gunicorn"),
        app,
        "--chdir",
        str(ROOT),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        *GUNICORN_CLASSES[worker_class],
        "--log-level",
        "warning",
    ]
    db = Path(urlsplit(env["DATABASE_URL"]).path).stem
    return Server(name, cmd, env, port, out / f"{name}.log", db)


def granian(name: str, app: str, env: dict[str, str], port: int, out: Path) -> Server:
    """The same app under granian's WSGI interface: as many worker processes
    as gunicorn's, GRANIAN_THREADS Python threads each, HTTP/1.1 keep-alive
    (which gunicorn's sync workers do not offer, and Node's server does)."""
    cmd = [
        str(VENV_BIN / "granian"),
        "--interface",
        "wsgi",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(WORKERS),
        "--blocking-threads",
        str(GRANIAN_THREADS),
        "--no-ws",
        "--log-level",
        "warning",
        app,
    ]
    db = Path(urlsplit(env["DATABASE_URL"]).path).stem
    return Server(name, cmd, env, port, out / f"{name}.log", db)


def ours(worker_class: str, out: Path, *, cookie_cache: bool) -> Server:
    port = free_port()
    env = django_env(
        port, OURS_DB, settings="bench.settings", cookie_cache=cookie_cache
    )
    tag = "cache" if cookie_cache else "db"
    return gunicorn(
        f"ours-{worker_class}-{tag}",
        "demo.wsgi:application",
        worker_class,
        env,
        port,
        out,
    )


def floor(worker_class: str, out: Path) -> Server:
    port = free_port()
    env = django_env(port, OURS_DB, settings="bench.floor.settings", cookie_cache=False)
    return gunicorn(
        f"floor-{worker_class}",
        "bench.floor.wsgi:application",
        worker_class,
        env,
        port,
        out,
    )


def better_auth(processes: int, out: Path, *, cookie_cache: bool) -> Server:
    port = free_port()
    env = dict(os.environ)
    env.update(
        DATABASE_URL=db_url(BA_DB),
        BENCH_PORT=str(port),
        BETTER_AUTH_SECRET=SECRET,
        BENCH_COOKIE_CACHE="1" if cookie_cache else "0",
        BENCH_NODE_WORKERS=str(processes),
        NODE_ENV="production",
    )
    tag = "cache" if cookie_cache else "db"
    cmd = ["node", str(BENCH / "node" / "server.mjs")]
    return Server(
        f"better-auth-x{processes}-{tag}",
        cmd,
        env,
        port,
        out / f"better-auth-x{processes}-{tag}.log",
        BA_DB,
    )


# ---------------------------------------------------------------- HTTP


def request(
    origin: str, method: str, path: str, body: Any = None, cookie: str | None = None
) -> tuple[int, bytes, list[str]]:
    parts = urlsplit(origin)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    headers = {"Origin": origin}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if cookie:
        headers["Cookie"] = cookie
    try:
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        return response.status, payload, response.headers.get_all("Set-Cookie") or []
    finally:
        conn.close()


def sign_in(server: Server, *, sign_up: bool) -> str:
    """The Cookie header of a fresh session (plus session_data when cached)."""
    if sign_up:
        status, payload, _ = request(
            server.origin,
            "POST",
            "/api/auth/sign-up/email",
            {"email": EMAIL, "password": PASSWORD, "name": "Bench"},
        )
        if status != 200:
            raise RuntimeError(f"sign-up on {server.name}: {status} {payload[:200]!r}")
    status, payload, cookies = request(
        server.origin,
        "POST",
        "/api/auth/sign-in/email",
        {"email": EMAIL, "password": PASSWORD},
    )
    if status != 200:
        raise RuntimeError(f"sign-in on {server.name}: {status} {payload[:200]!r}")
    pairs = [c.split(";", 1)[0] for c in cookies]
    cookie = "; ".join(p for p in pairs if p.split("=", 1)[1])
    status, payload, _ = request(
        server.origin, "GET", "/api/auth/get-session", cookie=cookie
    )
    if status != 200 or payload == b"null":
        raise RuntimeError(f"get-session on {server.name}: {status} {payload[:200]!r}")
    return cookie


# ---------------------------------------------------------------- wrk


@dataclass
class Result:
    server: str
    scenario: str
    figures: dict[str, Any] = field(default_factory=dict)


def loadavg() -> float:
    return os.getloadavg()[0]


# CPU accounting. Throughput on a shared 2-core box moves with whatever else
# runs there, so every measured run also records the CPU time the server
# spent per request (its processes plus its PostgreSQL backends), which does
# not depend on how much of the machine it got, and the share of the CPU that
# went to foreign processes during the run (then the rps figure is suspect).

TICK = os.sysconf("SC_CLK_TCK")


def system_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs, from /proc/stat."""
    fields = [
        int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    ]
    idle = fields[3] + fields[4]
    total = sum(fields[:8])
    return total - idle, total


def process_ticks(pid: int) -> tuple[int, int] | None:
    """(session id, utime + stime) of one process, or None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    rest = raw.rsplit(")", 1)[1].split()
    return int(rest[3]), int(rest[11]) + int(rest[12])


def session_ticks(sid: int) -> dict[int, int]:
    out: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            found = process_ticks(int(entry.name))
            if found and found[0] == sid:
                out[int(entry.name)] = found[1]
    return out


def pg_backends(db: str) -> list[int]:
    """PostgreSQL backends serving ``db`` (none on SQLite: it runs in-process)."""
    if DB_KIND == "sqlite":
        return []
    done = subprocess.run(
        [
            "psql",
            pg_url("postgres"),
            "-Atc",
            f"select pid from pg_stat_activity where datname = '{db}'",
        ],
        capture_output=True,
        text=True,
    )
    return [int(x) for x in done.stdout.split()]


def pids_ticks(pids: list[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for pid in pids:
        found = process_ticks(pid)
        if found:
            out[pid] = found[1]
    return out


def wait_for_quiet() -> float:
    """Wait (up to BENCH_QUIET_WAIT s) until the machine is mostly idle.

    Returns the busy share of the last 1 s sample; the servers under test are
    idle at this point, so that share is other people's work.
    """
    limit = float(os.environ.get("BENCH_QUIET", "0.15"))
    deadline = time.monotonic() + float(os.environ.get("BENCH_QUIET_WAIT", "90"))
    while True:
        busy0, total0 = system_ticks()
        time.sleep(1)
        busy1, total1 = system_ticks()
        share = (busy1 - busy0) / max(total1 - total0, 1)
        if share <= limit or time.monotonic() > deadline:
            return share
        log(f"    waiting for a quiet machine (busy {share:.0%}) ...")


def wrk(
    server: Server, scenario: str, script: str, path: str, extra_env: dict[str, str]
) -> Result:
    """Warm up, then BENCH_REPEAT measured runs; the fastest one is kept.

    Foreign load on a shared machine only ever slows a run down, so the best
    of several is the closest to what the server can do; every run's rate is
    kept in ``all_rps``.
    """
    env = dict(os.environ)
    env.update(extra_env)
    env["BENCH_ORIGIN"] = server.origin
    url = server.origin + path
    base = ["wrk", f"-t{WRK_THREADS}", f"-c{CONNECTIONS}", "--timeout", "10s"]
    base += ["-s", str(LUA / script)]
    subprocess.run(
        [*base, f"-d{WARMUP}s", url], env=env, check=True, capture_output=True
    )
    runs = [
        measure(server, [*base, f"-d{DURATION}s", "--latency", url], env)
        for _ in range(REPEAT)
    ]
    figures = max(runs, key=lambda f: f["rps"])
    figures["all_rps"] = [f["rps"] for f in runs]
    figures["all_foreign"] = [f["foreign_cpu_share"] for f in runs]
    log(
        f"  {server.name:22} {scenario:19} {figures['rps']:8.1f} req/s  "
        f"p50 {figures['p50_ms']:7.2f} ms  p99 {figures['p99_ms']:7.1f} ms  "
        f"cpu {figures['cpu_ms']:6.2f} ms/req (db {figures['db_cpu_ms']:.2f})  "
        f"bad {figures['non200'] + figures['null_bodies']}  "
        f"set-cookie {figures['with_set_cookie']}  "
        f"foreign {figures['foreign_cpu_share']:.0%}  "
        f"runs {[round(x) for x in figures['all_rps']]}"
    )
    return Result(server.name, scenario, figures)


def measure(server: Server, cmd: list[str], env: dict[str, str]) -> dict[str, Any]:
    """One wrk run with the CPU accounting around it."""
    busy_before = wait_for_quiet()
    assert server.proc is not None
    backends = pg_backends(server.db)
    app0 = session_ticks(server.proc.pid)
    db0 = pids_ticks(backends)
    busy0, total0 = system_ticks()
    children0 = os.times()
    done = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
    children1 = os.times()
    busy1, total1 = system_ticks()
    app1 = session_ticks(server.proc.pid)
    db1 = pids_ticks(list(set(backends) | set(pg_backends(server.db))))
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no BENCH line:\n{done.stdout}\n{done.stderr}")
    figures = json.loads(line[6:])
    requests = max(figures["requests"], 1)
    app = sum(t - app0.get(pid, 0) for pid, t in app1.items()) / TICK
    dbs = sum(t - db0.get(pid, 0) for pid, t in db1.items()) / TICK
    wrk_cpu = (
        children1.children_user
        + children1.children_system
        - children0.children_user
        - children0.children_system
    )
    busy = (busy1 - busy0) / TICK
    capacity = (total1 - total0) / TICK
    foreign = max(busy - app - dbs - wrk_cpu, 0.0)
    figures.update(
        busy_before=round(busy_before, 3),
        app_cpu_ms=round(app * 1000 / requests, 3),
        db_cpu_ms=round(dbs * 1000 / requests, 3),
        cpu_ms=round((app + dbs) * 1000 / requests, 3),
        wrk_cpu_share=round(wrk_cpu / capacity, 3),
        foreign_cpu_share=round(foreign / capacity, 3),
        idle_share=round(1 - busy / capacity, 3),
        command=" ".join(cmd),
    )
    return figures


SESSION = "/api/auth/get-session"
SIGN_IN = "/api/auth/sign-in/email"
CREDENTIALS = {"BENCH_EMAIL": EMAIL, "BENCH_PASSWORD": PASSWORD}


def run_pair(make: Any, label: str, first: bool, results: dict[str, Any]) -> None:
    """get-session (database) and sign-in, then get-session (cookie cache)."""
    with make(False) as server:
        cookie = sign_in(server, sign_up=first)
        results[(label, "get-session")] = wrk(
            server, "get-session", "get-session.lua", SESSION, {"BENCH_COOKIE": cookie}
        )
        results[(label, "sign-in")] = wrk(
            server, "sign-in", "sign-in.lua", SIGN_IN, CREDENTIALS
        )
        results[(label, "cookie")] = cookie
    with make(True) as server:
        cookie = sign_in(server, sign_up=False)
        if "session_data" not in cookie:
            raise RuntimeError(f"{server.name} set no session_data cookie")
        results[(label, "get-session-cached")] = wrk(
            server,
            "get-session-cached",
            "get-session-cached.lua",
            SESSION,
            {"BENCH_COOKIE": cookie},
        )


# ---------------------------------------------------------------- in-process


def django_script(script: str, port: int) -> Any:
    env = django_env(port, OURS_DB, settings="bench.settings", cookie_cache=False)
    done = subprocess.run(
        [str(VENV_BIN / "python"), str(BENCH / script), "--json"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def node_version(package: str) -> str:
    manifest = BENCH / "node" / "node_modules" / package / "package.json"
    try:
        return json.loads(manifest.read_text())["version"]
    except (OSError, ValueError, KeyError):
        return "?"


def _database_version(out: Any, py: str) -> str:
    if DB_KIND == "sqlite":
        sqlite = out([py, "-c", "import sqlite3; print(sqlite3.sqlite_version)"])
        return f"sqlite {sqlite}"
    server = out(["psql", pg_url("postgres"), "-Atc", "show server_version"])
    return f"postgresql {server.split()[0]}"


def versions() -> dict[str, str]:
    def out(cmd: list[str], cwd: Path = ROOT) -> str:
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)
            return (done.stdout or done.stderr).strip().splitlines()[0]
        except (OSError, IndexError):
            return "?"

    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    py = str(VENV_BIN / "python")
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "kernel": platform.release(),
        "python": out([py, "-c", "import sys; print(sys.version.split()[0])"]),
        "django": out([py, "-c", "import django; print(django.get_version())"]),
        "gunicorn": out([str(VENV_BIN / "gunicorn"), "--version"])
        .split()[-1]
        .strip(")"),
        "psycopg": out([py, "-c", "import psycopg; print(psycopg.__version__)"]),
        "node": out(["node", "--version"]),
        "better-auth": node_version("better-auth"),
        "pg (node)": node_version("pg"),
        "database": _database_version(out, py),
        "wrk": " ".join(out(["wrk", "--version"]).split()[:2]),
    }


# ---------------------------------------------------------------- report


def fig(results: dict[Any, Any], label: str, scenario: str, key: str) -> float | None:
    result = results.get((label, scenario))
    return result.figures.get(key) if isinstance(result, Result) else None


def fmt(value: float | None, spec: str = ".0f") -> str:
    return "-" if value is None else format(value, spec)


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


def ratio_cell(results: dict[Any, Any], mine: str, theirs: str, scenario: str) -> str:
    """``requests/s ours / theirs (theirs' CPU per request / ours)``."""
    r = ratio(
        fig(results, mine, scenario, "rps"), fig(results, theirs, scenario, "rps")
    )
    c = ratio(
        fig(results, theirs, scenario, "cpu_ms"), fig(results, mine, scenario, "cpu_ms")
    )
    return f"{fmt(r, '.2f')} ({fmt(c, '.2f')})"


COLUMNS = [
    ("ours-sync", "ours sync"),
    ("ours-gthread", "ours gthread"),
    ("floor-sync", "floor sync"),
    ("floor-gthread", "floor gthread"),
    ("ba-x1", "BA node x1"),
    ("ba-x2", "BA node x2"),
]
SCENARIOS = ("get-session", "get-session-cached", "sign-in")


def _grid(results: dict[Any, Any], title: str, cell: Any) -> list[str]:
    lines = [title, f"{'scenario':20}" + "".join(f"{h:>17}" for _, h in COLUMNS)]
    for scenario in SCENARIOS:
        cells = []
        for label, _ in COLUMNS:
            result = results.get((label, scenario))
            cells.append(
                f"{cell(result.figures) if isinstance(result, Result) else '-':>17}"
            )
        lines.append(f"{scenario:20}" + "".join(cells))
    return lines


def _rps_cell(f: dict[str, Any]) -> str:
    bad = f["non200"] + f["null_bodies"] + f["timeouts"]
    noisy = f["foreign_cpu_share"] > 0.10
    return f"{f['rps']:.1f}" + ("!" if bad else "") + ("~" if noisy else "")


def report(
    results: dict[Any, Any],
    queries: list[dict[str, Any]],
    ba_queries: list[dict[str, Any]],
    hashing: dict[str, Any],
    info: dict[str, str],
) -> str:
    lines: list[str] = []
    add = lines.append
    add(
        f"machine: {info['cpu']}, {info['cores']} cores shared with wrk; "
        f"wrk -t{WRK_THREADS} -c{CONNECTIONS} -d{DURATION}s after a {WARMUP}s warm-up; "
        f"gunicorn {WORKERS} workers"
    )
    add("")
    lines += _grid(
        results,
        "requests/s  (! = bad answers, ~ = >10% of the CPU went to foreign processes)",
        _rps_cell,
    )
    add("")
    lines += _grid(
        results,
        "latency p50 / p99 (ms)",
        lambda f: f"{f['p50_ms']:.1f} / {f['p99_ms']:.0f}",
    )
    add("")
    lines += _grid(
        results,
        "server CPU per request, ms (app + its PostgreSQL backends)",
        lambda f: f"{f['cpu_ms']:.2f}",
    )
    add("")
    add(
        "ratios: throughput (and, in brackets, CPU per request of the other side "
        "/ ours)"
    )
    add(f"{'':42}{'sync':>16}{'gthread':>16}   target")

    def row(name: str, scenario: str, other: str, target: str) -> None:
        cells = []
        for wc in ("sync", "gthread"):
            mine, theirs = f"ours-{wc}", other.replace("{wc}", wc)
            cells.append(ratio_cell(results, mine, theirs, scenario))
        add(f"{name:42}" + "".join(f"{c:>16}" for c in cells) + f"   {target}")

    for scenario in SCENARIOS:
        target = ">= 3.00" if scenario.startswith("get-session") else ""
        row(f"ours / Better Auth x1, {scenario}", scenario, "ba-x1", target)
        row(f"ours / Better Auth x2, {scenario}", scenario, "ba-x2", target)
    row("ours / floor, get-session", "get-session", "floor-{wc}", ">= 0.75")
    check = hashing["check_password"]
    bounds = (
        ("workers / hash wall", WORKERS / (check["wall_ms"] / 1000)),
        ("cores / hash CPU", (os.cpu_count() or 1) / (check["cpu_ms"] / 1000)),
    )
    for name, bound in bounds:
        cells = [
            ratio(fig(results, f"ours-{wc}", "sign-in", "rps"), bound)
            for wc in ("sync", "gthread")
        ]
        add(
            f"{'sign-in / (' + name + f' = {bound:.1f}/s)':42}"
            + "".join(f"{fmt(c, '.2f'):>16}" for c in cells)
            + "   >= 0.90"
        )
    add("")
    add(
        f"password hash {hashing['hasher']} {hashing['params']}, in-process median of "
        f"{hashing['rounds']}: check_password {check['wall_ms']:.1f} ms wall / "
        f"{check['cpu_ms']:.1f} ms CPU; make_password "
        f"{hashing['make_password']['wall_ms']:.1f} ms wall / "
        f"{hashing['make_password']['cpu_ms']:.1f} ms CPU"
    )
    add("")
    add(
        "SQL statements per request (worst of 3 after a warm-up; ours: "
        "CaptureQueriesContext, Better Auth: pg Client.query calls)"
    )
    theirs = {q["case"]: q["queries"] for q in ba_queries}
    add(f"  {'case':28}{'ours':>6}{'Better Auth':>13}   target")
    for q in queries:
        target = "-" if q["target"] is None else f"<= {q['target']}"
        verdict = "ok" if q["ok"] else "MISSED"
        add(
            f"  {q['case']:28}{q['queries']:6}{theirs.get(q['case'], '-'):>13}   "
            f"{target:6} {verdict}"
        )
    return "\n".join(lines)


def main() -> int:
    programs = ["wrk", "node"]
    if DB_KIND != "sqlite":
        programs += ["createdb", "dropdb", "psql"]
    for program in programs:
        if shutil.which(program) is None:
            log(f"missing {program}; bench/run.sh installs what it can")
            return 1
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = Path(os.environ.get("BENCH_OUT") or BENCH / "results" / stamp)
    out.mkdir(parents=True, exist_ok=True)
    log(f"logs and results.json in {out}")
    info = versions()
    recreate_db(OURS_DB)
    recreate_db(BA_DB)
    env = django_env(
        free_port(), OURS_DB, settings="bench.settings", cookie_cache=False
    )
    subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", "migrate", "-v0"],
        env=env,
        cwd=ROOT,
        check=True,
    )
    ba_env = dict(os.environ, DATABASE_URL=db_url(BA_DB), BETTER_AUTH_SECRET=SECRET)
    subprocess.run(
        ["node", str(BENCH / "node" / "server.mjs"), "--migrate"],
        env=ba_env,
        cwd=BENCH / "node",
        check=True,
    )

    log("SQL queries per request ...")
    queries = django_script("queries.py", free_port())
    done = subprocess.run(
        ["node", str(BENCH / "node" / "queries.mjs")],
        env=ba_env,
        cwd=BENCH / "node",
        check=True,
        capture_output=True,
        text=True,
    )
    ba_queries = json.loads(done.stdout.strip().splitlines()[-1])
    log("password hash time ...")
    wait_for_quiet()
    hashing = django_script("hashing.py", free_port())

    results: dict[Any, Any] = {}
    first = True
    for wc in GUNICORN_CLASSES:
        if ONLY and "ours" not in ONLY:
            break
        log(f"ours, gunicorn {wc} ...")
        run_pair(
            lambda cache, wc=wc: ours(wc, out, cookie_cache=cache),
            f"ours-{wc}",
            first,
            results,
        )
        first = False
    for wc in GUNICORN_CLASSES:
        if ONLY and "floor" not in ONLY:
            break
        cookie = results.get((f"ours-{wc}", "cookie")) or results.get(
            ("ours-sync", "cookie")
        )
        with floor(wc, out) as server:
            if cookie is None:
                cookie = sign_in_floor_cookie(out)
            results[(f"floor-{wc}", "get-session")] = wrk(
                server,
                "get-session",
                "get-session.lua",
                SESSION,
                {"BENCH_COOKIE": cookie},
            )
    first = True
    for processes in (1, 2):
        if ONLY and "better-auth" not in ONLY:
            break
        log(f"Better Auth, {processes} Node process(es) ...")
        run_pair(
            lambda cache, p=processes: better_auth(p, out, cookie_cache=cache),
            f"ba-x{processes}",
            first,
            results,
        )
        first = False

    table = report(results, queries, ba_queries, hashing, info)
    dump = {
        "versions": info,
        "settings": {
            "database": DB_KIND,
            "duration": DURATION,
            "warmup": WARMUP,
            "connections": CONNECTIONS,
            "wrk_threads": WRK_THREADS,
            "workers": WORKERS,
            "threads": THREADS,
        },
        "queries": queries,
        "better_auth_queries": ba_queries,
        "hashing": hashing,
        "runs": [
            {"server": r.server, "column": key[0], "scenario": r.scenario, **r.figures}
            for key, r in results.items()
            if isinstance(r, Result)
        ],
    }
    (out / "results.json").write_text(json.dumps(dump, indent=2))
    (out / "table.txt").write_text(table + "\n")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    print(table)
    return 0


def sign_in_floor_cookie(out: Path) -> str:
    """A session cookie issued by ours, for a floor-only run."""
    with ours("sync", out, cookie_cache=False) as server:
        try:
            return sign_in(server, sign_up=False)
        except RuntimeError:
            return sign_in(server, sign_up=True)


if __name__ == "__main__":
    sys.exit(main())
