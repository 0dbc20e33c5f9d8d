"""Drive the OAuth authorization-server benchmark and print one table.

Servers, all on loopback and PostgreSQL, each started fresh, loaded with wrk
and stopped (the helpers, the quiet-machine wait and the CPU-per-request
accounting are those of ``bench/run.py``):

* ours: the demo project (``bench.settings``, rate limiting off) under
  gunicorn, 2 sync workers, database ``bench_ours``, one confidential client
  made with ``manage.py create_oauth_client`` (skip_consent);
* Better Auth 1.7.25 with ``@better-auth/oauth-provider`` 1.7.5 and the jwt
  plugin (``bench/node/oauth-server.mjs``), one process and a
  ``node:cluster`` of two, database ``bench_better_auth_oauth``;
* stock django-oauth-toolkit (``bench/dot``) under the same gunicorn flags,
  database ``bench_dot``: its clients' secrets hashed with Django's password
  hasher (DOT's default), then clients with ``hash_client_secret=False``
  ("DOT plain digest").

Endpoints (``bench/lua/oauth-*.lua``): the token endpoint with
client_credentials, authorization_code (a fresh code and PKCE verifier per
request, from a pool minted before the run by copying one real code's rows
in the server's own database with new code digests) and refresh_token (one
rotation chain per connection, each token used once), RFC 7662
introspection of a valid opaque access token, and JWKS.

Environment: BENCH_QUICK=1 (2 s runs, 1 s warm-up, one run each, short
quiet wait: a smoke run), BENCH_ONLY (a comma-separated subset of ours,
better-auth, dot), BENCH_POOL_FACTOR [2.0] and BENCH_POOL_MIN_RATE [200]:
the code pool holds max(factor * that server's client_credentials rate,
min rate) codes per second of load; plus every knob of run.py.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import math
import os
import secrets
import string
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

if os.environ.get("BENCH_QUICK") == "1":
    for _key, _value in (
        ("BENCH_DURATION", "2"),
        ("BENCH_WARMUP", "1"),
        ("BENCH_REPEAT", "1"),
        ("BENCH_QUIET_WAIT", "2"),
    ):
        os.environ.setdefault(_key, _value)

sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402
from run import (  # noqa: E402
    BENCH,
    CONNECTIONS,
    DURATION,
    EMAIL,
    GRANIAN_THREADS,
    LUA,
    PASSWORD,
    REPEAT,
    ROOT,
    SECRET,
    VENV_BIN,
    WARMUP,
    WORKERS,
    WRK_THREADS,
    Result,
    Server,
    django_env,
    free_port,
    granian,
    gunicorn,
    log,
    measure,
    pg_url,
    ratio_cell,
    recreate_db,
    versions,
)

OURS_DB = "bench_ours"
BA_DB = "bench_better_auth_oauth"
DOT_DB = "bench_dot"
REDIRECT_URI = "https://rp.example.com/callback"
USER_SCOPE = "openid profile email offline_access"
M2M_SCOPE = "bench:read"
POOL_FACTOR = float(os.environ.get("BENCH_POOL_FACTOR", "2.0"))
POOL_MIN_RATE = float(os.environ.get("BENCH_POOL_MIN_RATE", "200"))
ONLY = set(filter(None, os.environ.get("BENCH_ONLY", "").split(",")))
NODE = BENCH / "node"
# Which servers run ours: gunicorn's sync workers and granian (BENCH_OURS).
OURS_SERVERS = [
    (kind, "ours" if kind == "sync" else f"ours-{kind}")
    for kind in os.environ.get("BENCH_OURS", "sync,granian").split(",")
    if kind in ("sync", "granian")
]

ENDPOINTS = (
    "client_credentials",
    "authorization_code",
    "refresh_token",
    "introspect",
    "jwks",
)
COLUMNS = [
    ("ours", "ours sync"),
    ("ours-granian", "ours granian"),
    ("ba-x1", "BA x1"),
    ("ba-x2", "BA x2"),
    ("dot-stock", "DOT stock"),
    ("dot-plain", "DOT plain"),
]


# ---------------------------------------------------------------- HTTP


def call(
    origin: str,
    method: str,
    path: str,
    *,
    form: dict[str, str] | str | None = None,
    body: Any = None,
    basic: str | None = None,
    cookie: str | None = None,
) -> tuple[int, bytes, http.client.HTTPMessage]:
    parts = urlsplit(origin)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    headers = {"Origin": origin, "Accept": "application/json"}
    data = None
    if form is not None:
        data = (form if isinstance(form, str) else urlencode(form)).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if basic:
        headers["Authorization"] = f"Basic {basic}"
    if cookie:
        headers["Cookie"] = cookie
    try:
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        return response.status, response.read(), response.headers
    finally:
        conn.close()


def basic_of(client_id: str, client_secret: str) -> str:
    return base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def pkce() -> tuple[str, str]:
    verifier = b64url(secrets.token_bytes(32))
    return verifier, b64url(hashlib.sha256(verifier.encode()).digest())


def session_cookie(origin: str) -> str:
    """Sign the bench user up (or in) on a Better Auth API; the Cookie header."""
    creds = {"email": EMAIL, "password": PASSWORD}
    status, _, headers = call(origin, "POST", "/api/auth/sign-in/email", body=creds)
    if status != 200:
        status, payload, _ = call(
            origin,
            "POST",
            "/api/auth/sign-up/email",
            body={**creds, "name": "Bench"},
        )
        if status != 200:
            raise RuntimeError(f"sign-up on {origin}: {status} {payload[:200]!r}")
        status, payload, headers = call(
            origin, "POST", "/api/auth/sign-in/email", body=creds
        )
        if status != 200:
            raise RuntimeError(f"sign-in on {origin}: {status} {payload[:200]!r}")
    pairs = [c.split(";", 1)[0] for c in headers.get_all("Set-Cookie") or []]
    return "; ".join(p for p in pairs if p.split("=", 1)[1])


def authorize_code(origin: str, cookie: str, client_id: str) -> tuple[str, str]:
    """One authorization code through the real authorize endpoint: (code, verifier)."""
    verifier, challenge = pkce()
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": REDIRECT_URI,
            "scope": USER_SCOPE,
            "state": secrets.token_urlsafe(8),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    status, payload, headers = call(
        origin, "GET", f"/api/auth/oauth2/authorize?{query}", cookie=cookie
    )
    location = headers.get("Location") or ""
    if status == 200 and payload.startswith(b"{"):
        location = json.loads(payload).get("url", "")
    if not location.startswith(REDIRECT_URI):
        raise RuntimeError(f"authorize on {origin}: {status} {location or payload!r}")
    code = parse_qs(urlsplit(location).query).get("code", [""])[0]
    if not code:
        raise RuntimeError(f"authorize on {origin}: no code in {location}")
    return code, verifier


def code_body(code: str, verifier: str) -> str:
    return urlencode(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        }
    )


def redeem(origin: str, token_path: str, basic: str, body: str) -> dict[str, Any]:
    status, payload, _ = call(
        origin,
        "POST",
        token_path,
        form=body,
        basic=basic,
    )
    if status != 200:
        raise RuntimeError(f"code redemption: {status} {payload[:300]!r}")
    return json.loads(payload)


# ---------------------------------------------------------------- code pools

_ALNUM = string.ascii_letters + string.digits


def raw_codes(count: int) -> list[str]:
    return ["".join(secrets.choice(_ALNUM) for _ in range(32)) for _ in range(count)]


def _columns(cur: psycopg.Cursor[Any], table: str, skip: set[str]) -> list[str]:
    cur.execute(
        "select column_name from information_schema.columns "
        "where table_name = %s order by ordinal_position",
        (table,),
    )
    return [name for (name,) in cur.fetchall() if name not in skip]


def clone_dot_grants(
    db: str, template: str, codes: list[str], context_table: str | None
) -> None:
    """Copy DOT's ``oauth2_provider_grant`` row of ``template`` once per code.

    ``codes`` are the values to store (ours: SHA-256 digests; stock DOT: the
    codes themselves). Ours also copies the grant's context row.
    """
    with psycopg.connect(pg_url(db), autocommit=True) as conn, conn.cursor() as cur:
        grant_cols = _columns(cur, "oauth2_provider_grant", {"id", "code", "expires"})
        names = sql.SQL(", ").join(map(sql.Identifier, grant_cols))
        src_names = sql.SQL(", ").join(sql.Identifier("src", c) for c in grant_cols)
        inserted = sql.SQL(
            "insert into oauth2_provider_grant (code, expires, {names}) "
            "select c, now() + interval '1 hour', {src_names} "
            "from src, unnest(%(codes)s::text[]) as c returning id"
        ).format(names=names, src_names=src_names)
        if context_table is None:
            statement = sql.SQL(
                "with src as (select * from oauth2_provider_grant where code = "
                "%(template)s) {inserted}"
            ).format(inserted=inserted)
        else:
            ctx_cols = _columns(cur, context_table, {"grant_id"})
            statement = sql.SQL(
                "with src as (select * from oauth2_provider_grant where code = "
                "%(template)s), ins as ({inserted}) "
                "insert into {table} (grant_id, {ctx}) select ins.id, {x_ctx} "
                "from ins, {table} x where x.grant_id = (select id from src)"
            ).format(
                inserted=inserted,
                table=sql.Identifier(context_table),
                ctx=sql.SQL(", ").join(map(sql.Identifier, ctx_cols)),
                x_ctx=sql.SQL(", ").join(sql.Identifier("x", c) for c in ctx_cols),
            )
        cur.execute(statement, {"template": template, "codes": codes})
        if cur.rowcount != len(codes):
            raise RuntimeError(f"cloned {cur.rowcount} of {len(codes)} codes in {db}")


def clone_ba_codes(db: str, template: str, codes: list[str]) -> None:
    """Copy Better Auth's ``verification`` row of ``template`` once per code.

    The oauth-provider stores a code as the unpadded base64url SHA-256 of
    it (``storeTokens: "hashed"``) in ``identifier``; the value (the
    authorization request, PKCE challenge included) is copied as it is.
    """

    def hashed(code: str) -> str:
        return b64url(hashlib.sha256(code.encode()).digest())

    with psycopg.connect(pg_url(db), autocommit=True) as conn, conn.cursor() as cur:
        cols = _columns(cur, "verification", {"id", "identifier", "expiresAt"})
        statement = sql.SQL(
            "with src as (select * from verification where identifier = "
            "%(template)s) insert into verification "
            '(id, identifier, "expiresAt", {names}) '
            "select gen_random_uuid()::text, h, now() + interval '1 hour', "
            "{src_names} from src, unnest(%(hashes)s::text[]) as h"
        ).format(
            names=sql.SQL(", ").join(map(sql.Identifier, cols)),
            src_names=sql.SQL(", ").join(sql.Identifier("src", c) for c in cols),
        )
        cur.execute(
            statement,
            {"template": hashed(template), "hashes": [hashed(c) for c in codes]},
        )
        if cur.rowcount != len(codes):
            raise RuntimeError(f"cloned {cur.rowcount} of {len(codes)} codes in {db}")


# ---------------------------------------------------------------- targets


class Target:
    """One column of the table: a running server and what to send it."""

    def __init__(
        self,
        label: str,
        server: Server,
        *,
        token_path: str,
        introspect_path: str,
        jwks_path: str | None,
        cc_basic: str,
        code_basic: str,
        cc_scope: str,
        template: tuple[str, str],
        clone: Any,
    ) -> None:
        self.label = label
        self.server = server
        self.token_path = token_path
        self.introspect_path = introspect_path
        self.jwks_path = jwks_path
        self.cc_basic = cc_basic
        self.code_basic = code_basic
        self.cc_scope = cc_scope
        self.template = template
        self.clone = clone


def pool_bodies(target: Target, count: int) -> list[str]:
    """``count`` fresh code-redemption bodies sharing the template's verifier."""
    template, verifier = target.template
    codes = raw_codes(count)
    started = time.monotonic()
    target.clone(template, codes)
    log(
        f"    minted {count} codes for {target.label} in "
        f"{time.monotonic() - started:.1f} s"
    )
    return [code_body(code, verifier) for code in codes]


def run_case(
    target: Target,
    scenario: str,
    script: str,
    path: str,
    env_for: Any,
    results: dict[Any, Any],
) -> Result:
    """Warm up, then BENCH_REPEAT measured runs, the fastest kept (as run.py).

    ``env_for(i)`` gives the environment of invocation ``i`` (0: warm-up), so
    each one can get its own pool of single-use values.
    """
    server = target.server
    url = server.origin + path
    base = ["wrk", f"-t{WRK_THREADS}", f"-c{CONNECTIONS}", "--timeout", "30s"]
    base += ["-s", str(LUA / script)]

    def env(i: int) -> dict[str, str]:
        merged = dict(os.environ)
        merged.update(env_for(i))
        merged["BENCH_ORIGIN"] = server.origin
        merged["BENCH_THREADS"] = str(WRK_THREADS)
        return merged

    subprocess.run(
        [*base, f"-d{WARMUP}s", url], env=env(0), check=True, capture_output=True
    )
    runs = [
        measure(server, [*base, f"-d{DURATION}s", "--latency", url], env(i + 1))
        for i in range(REPEAT)
    ]
    figures = max(runs, key=lambda f: f["rps"])
    figures["all_rps"] = [f["rps"] for f in runs]
    figures["all_foreign"] = [f["foreign_cpu_share"] for f in runs]
    figures["all_exhausted"] = [f.get("exhausted", 0) for f in runs]
    log(
        f"  {target.label:10} {scenario:19} {figures['rps']:8.1f} req/s  "
        f"p50 {figures['p50_ms']:7.2f} ms  p99 {figures['p99_ms']:7.1f} ms  "
        f"cpu {figures['cpu_ms']:6.2f} ms/req (db {figures['db_cpu_ms']:.2f})  "
        f"bad {bad_count(figures)}  exhausted {figures.get('exhausted', 0)}  "
        f"foreign {figures['foreign_cpu_share']:.0%}  "
        f"runs {[round(x) for x in figures['all_rps']]}"
    )
    result = Result(target.label, scenario, figures)
    results[(target.label, scenario)] = result
    return result


def bad_count(f: dict[str, Any]) -> int:
    return int(
        f["non200"]
        + f["null_bodies"]
        + f["timeouts"]
        + f.get("unexpected", 0)
        + f.get("broken", 0)
    )


def write_lines(path: Path, lines: list[str]) -> str:
    path.write_text("".join(f"{line}\n" for line in lines))
    return str(path)


def run_target(target: Target, out: Path, results: dict[Any, Any]) -> None:
    """All five endpoints against one running server."""
    label = target.label
    cc_body = urlencode({"grant_type": "client_credentials", "scope": target.cc_scope})
    cc = run_case(
        target,
        "client_credentials",
        "oauth-static.lua",
        target.token_path,
        lambda i: {
            "BENCH_BASIC": target.cc_basic,
            "BENCH_BODY": cc_body,
            "BENCH_EXPECT": '"access_token"',
        },
        results,
    )
    # Code redemption costs more than client_credentials, so a multiple of
    # that rate bounds it; the Lua script counts what ran short anyway.
    rate = max(POOL_FACTOR * cc.figures["rps"], POOL_MIN_RATE)
    per_run = [math.ceil(rate * WARMUP)] + [math.ceil(rate * DURATION)] * REPEAT
    chains = CONNECTIONS + WRK_THREADS
    seeds = chains * (1 + REPEAT) + 1
    bodies = pool_bodies(target, sum(per_run) + seeds)
    seed_bodies, bodies = bodies[:seeds], bodies[seeds:]
    started = time.monotonic()
    grants = [
        redeem(target.server.origin, target.token_path, target.code_basic, body)
        for body in seed_bodies
    ]
    log(f"    {seeds} seed redemptions in {time.monotonic() - started:.1f} s")
    access_token = grants[0]["access_token"]
    refresh_seeds = [g.get("refresh_token", "") for g in grants[1:]]
    if not all(refresh_seeds):
        raise RuntimeError(f"{label}: a code redemption returned no refresh_token")

    results[(label, "pool")] = {"per_run": per_run, "rate": rate}
    run_case(
        target,
        "introspect",
        "oauth-static.lua",
        target.introspect_path,
        lambda i: {
            "BENCH_BASIC": target.code_basic,
            "BENCH_BODY": urlencode({"token": access_token}),
            "BENCH_EXPECT": '"active":true',
        },
        results,
    )
    if target.jwks_path:
        run_case(
            target,
            "jwks",
            "oauth-static.lua",
            target.jwks_path,
            lambda i: {"BENCH_METHOD": "GET", "BENCH_EXPECT": '"keys"'},
            results,
        )
    files: list[str] = []
    offset = 0
    for i, size in enumerate(per_run):
        files.append(
            write_lines(out / f"pool-{label}-{i}.txt", bodies[offset : offset + size])
        )
        offset += size
    run_case(
        target,
        "authorization_code",
        "oauth-pool.lua",
        target.token_path,
        lambda i: {
            "BENCH_BASIC": target.code_basic,
            "BENCH_POOL": files[i],
            "BENCH_EXPECT": '"refresh_token"',
        },
        results,
    )
    chain_files = [
        write_lines(
            out / f"refresh-{label}-{i}.txt",
            refresh_seeds[i * chains : (i + 1) * chains],
        )
        for i in range(1 + REPEAT)
    ]
    run_case(
        target,
        "refresh_token",
        "oauth-refresh.lua",
        target.token_path,
        lambda i: {"BENCH_BASIC": target.code_basic, "BENCH_POOL": chain_files[i]},
        results,
    )
    for path in [*files, *chain_files]:
        Path(path).unlink(missing_ok=True)


# ---------------------------------------------------------------- servers


def setup_ours() -> dict[str, Any]:
    recreate_db(OURS_DB)
    env = django_env(
        free_port(), OURS_DB, settings="bench.settings", cookie_cache=False
    )
    manage = [str(VENV_BIN / "python"), "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    metadata = {
        "client_name": "bench",
        "redirect_uris": [REDIRECT_URI],
        "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "client_secret_basic",
    }
    done = subprocess.run(
        [
            *manage,
            "create_oauth_client",
            "--json",
            json.dumps(metadata),
            "--skip-consent",
            "--client-credentials-scope",
            M2M_SCOPE,
        ],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def ours_server(out: Path, kind: str) -> Server:
    port = free_port()
    env = django_env(port, OURS_DB, settings="bench.settings", cookie_cache=False)
    if kind == "granian":
        return granian("ours-granian", "demo.wsgi:application", env, port, out)
    return gunicorn("ours-sync", "demo.wsgi:application", "sync", env, port, out)


def ours_target(server: Server, client: dict[str, Any], label: str = "ours") -> Target:
    cookie = session_cookie(server.origin)
    template = authorize_code(server.origin, cookie, client["client_id"])
    basic = basic_of(client["client_id"], client["client_secret"])
    return Target(
        label,
        server,
        token_path="/api/auth/oauth2/token",
        introspect_path="/api/auth/oauth2/introspect",
        jwks_path="/api/auth/jwks",
        cc_basic=basic,
        code_basic=basic,
        cc_scope=M2M_SCOPE,
        template=template,
        clone=lambda t, codes: clone_dot_grants(
            OURS_DB,
            hashlib.sha256(t.encode()).hexdigest(),
            [hashlib.sha256(c.encode()).hexdigest() for c in codes],
            "better_auth_oauth_grant_context",
        ),
    )


def ba_env(port: int, processes: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=pg_url(BA_DB),
        BENCH_PORT=str(port),
        BETTER_AUTH_SECRET=SECRET,
        BENCH_NODE_WORKERS=str(processes),
        BENCH_EMAIL=EMAIL,
        BENCH_PASSWORD=PASSWORD,
        BENCH_REDIRECT_URI=REDIRECT_URI,
        NODE_ENV="production",
    )
    return env


def setup_ba() -> dict[str, Any]:
    recreate_db(BA_DB)
    env = ba_env(free_port(), 1)
    script = str(NODE / "oauth-server.mjs")
    subprocess.run(["node", script, "--migrate"], env=env, cwd=NODE, check=True)
    done = subprocess.run(
        ["node", script, "--client"],
        env=env,
        cwd=NODE,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def ba_server(processes: int, out: Path) -> Server:
    port = free_port()
    name = f"better-auth-oauth-x{processes}"
    cmd = ["node", str(NODE / "oauth-server.mjs")]
    return Server(name, cmd, ba_env(port, processes), port, out / f"{name}.log", BA_DB)


def ba_target(server: Server, client: dict[str, Any], processes: int) -> Target:
    cookie = session_cookie(server.origin)
    template = authorize_code(server.origin, cookie, client["client_id"])
    basic = basic_of(client["client_id"], client["client_secret"])
    return Target(
        f"ba-x{processes}",
        server,
        token_path="/api/auth/oauth2/token",
        introspect_path="/api/auth/oauth2/introspect",
        jwks_path="/api/auth/jwks",
        cc_basic=basic,
        code_basic=basic,
        cc_scope=M2M_SCOPE,
        template=template,
        clone=lambda t, codes: clone_ba_codes(BA_DB, t, codes),
    )


def dot_env(port: int) -> dict[str, str]:
    env = django_env(port, DOT_DB, settings="bench.dot.settings", cookie_cache=False)
    env["BENCH_REDIRECT_URI"] = REDIRECT_URI
    return env


def setup_dot() -> dict[str, Any]:
    recreate_db(DOT_DB)
    env = dot_env(free_port())
    py = str(VENV_BIN / "python")
    subprocess.run(
        [py, "-m", "django", "migrate", "-v0"], env=env, cwd=ROOT, check=True
    )
    done = subprocess.run(
        [py, str(BENCH / "dot" / "make_clients.py")],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def dot_server(out: Path) -> Server:
    port = free_port()
    server = gunicorn(
        "dot-sync", "bench.dot.wsgi:application", "sync", dot_env(port), port, out
    )
    server.ready_path = "/health"
    return server


def dot_target(server: Server, setup: dict[str, Any], variant: str) -> Target:
    apps = setup[variant]
    return Target(
        f"dot-{variant}",
        server,
        token_path="/o/token/",
        introspect_path="/o/introspect/",
        jwks_path=None,  # OIDC is off in DOT's defaults: no JWKS
        cc_basic=basic_of(apps["cc"]["client_id"], apps["cc"]["client_secret"]),
        code_basic=basic_of(apps["code"]["client_id"], apps["code"]["client_secret"]),
        cc_scope="read",
        template=(apps["template_code"], apps["verifier"]),
        clone=lambda t, codes: clone_dot_grants(DOT_DB, t, codes, None),
    )


# ---------------------------------------------------------------- in-process


def ours_queries() -> dict[str, Any]:
    env = django_env(
        free_port(), OURS_DB, settings="bench.settings", cookie_cache=False
    )
    done = subprocess.run(
        [str(VENV_BIN / "python"), str(BENCH / "oauth_queries.py"), "--json"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def ba_queries() -> list[dict[str, Any]]:
    done = subprocess.run(
        ["node", str(NODE / "oauth-queries.mjs")],
        env=ba_env(free_port(), 1),
        cwd=NODE,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- report


def _cell(results: dict[Any, Any], label: str, scenario: str) -> str:
    result = results.get((label, scenario))
    if not isinstance(result, Result):
        if label.startswith("dot") and scenario == "jwks":
            return "n/a"
        return "-"
    f = result.figures
    flags = ""
    if bad_count(f):
        flags += "!"
    if f.get("exhausted"):
        flags += "x"
    if f["foreign_cpu_share"] > 0.10:
        flags += "~"
    cpu = f"{f['cpu_ms']:.2f}" if f["requests"] else "-"
    return f"{f['rps']:.1f}{flags} / {cpu}"


def report(
    results: dict[Any, Any],
    ours_sql: dict[str, Any] | None,
    ba_sql: list[dict[str, Any]] | None,
) -> str:
    lines: list[str] = []
    add = lines.append
    add(
        f"wrk -t{WRK_THREADS} -c{CONNECTIONS} -d{DURATION}s after a {WARMUP}s "
        f"warm-up, best of {REPEAT}; ours: gunicorn {WORKERS} sync workers and "
        f"granian {WORKERS} WSGI workers of {GRANIAN_THREADS} threads; PostgreSQL"
    )
    add("")
    add(
        "requests/s / server CPU ms per request  (! = bad answers, x = code pool "
        "ran out, ~ = >10% of the CPU went to foreign processes)"
    )
    width = 20
    add(f"{'endpoint':20}" + "".join(f"{h:>{width}}" for _, h in COLUMNS))
    for scenario in ENDPOINTS:
        add(
            f"{scenario:20}"
            + "".join(
                f"{_cell(results, label, scenario):>{width}}" for label, _ in COLUMNS
            )
        )
    add("")
    others = [("ba-x1", "/ BA x1"), ("ba-x2", "/ BA x2"), ("dot-plain", "/ DOT plain")]
    for mine, heading in COLUMNS[:2]:
        if not any((mine, s) in results for s in ENDPOINTS):
            continue
        add(
            f"ratios: {heading} / other, requests/s (and other's CPU per request "
            "/ ours)"
        )
        add(f"{'endpoint':20}" + "".join(f"{h:>18}" for _, h in others) + "   target")
        for scenario in ENDPOINTS:
            cells = [ratio_cell(results, mine, label, scenario) for label, _ in others]
            add(
                f"{scenario:20}"
                + "".join(f"{c:>18}" for c in cells)
                + "   >= 3 vs BA, > 1 vs DOT plain"
            )
        add("")
    pools = [
        f"{label} {results[(label, 'pool')]['rate']:.0f}/s"
        for label, _ in COLUMNS
        if (label, "pool") in results
    ]
    if pools:
        add(f"code pool sized for: {', '.join(pools)} (over each warm-up and run)")
    add("")
    add(
        "SQL statements per request (worst of 3 after a warm-up; ours: "
        "CaptureQueriesContext, Better Auth: pg Client.query calls)"
    )
    add(
        "  (every round trip counts, BEGIN and COMMIT too; in brackets: ours "
        "without them)"
    )
    theirs = {q["case"]: q for q in ba_sql or []}
    ours_cases = {q["case"]: q for q in (ours_sql or {}).get("cases", [])}
    add(f"  {'case':26}{'ours':>10}{'Better Auth':>13}   target")
    for case in dict.fromkeys([*ours_cases, *theirs]):
        q = ours_cases.get(case) or theirs[case]
        target = "-" if q["target"] is None else f"<= {q['target']}"
        mine, verdict = "-", ""
        if case in ours_cases:
            mine = f"{q['queries']} ({q['queries'] - q['transaction_control']})"
            if q["target"] is not None:
                verdict = "ok" if q["ok"] else "MISSED"
        other = theirs[case]["queries"] if case in theirs else "-"
        add(f"  {case:26}{mine:>10}{other:>13}   {target:6} {verdict}")
    if ours_sql:
        kdf = ours_sql["kdf_calls"]
        total = sum(kdf.values())
        add("")
        add(
            "password KDF calls on ours' token paths (in-process, every case above): "
            + ", ".join(f"{k} {v}" for k, v in kdf.items())
            + ("   ok" if total == 0 else "   MISSED: target 0")
        )
    return "\n".join(lines)


def main() -> int:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = Path(os.environ.get("BENCH_OUT") or BENCH / "results" / f"oauth-{stamp}")
    out.mkdir(parents=True, exist_ok=True)
    log(f"logs and results.json in {out}")
    started = time.monotonic()
    info = versions()
    info["@better-auth/oauth-provider"] = _node_version("@better-auth/oauth-provider")
    info["django-oauth-toolkit"] = _py_version("oauth2_provider")
    results: dict[Any, Any] = {}
    ours_sql = ba_sql = None

    if not ONLY or "ours" in ONLY:
        log("ours ...")
        client = setup_ours()
        log("  SQL statements and KDF calls per request, in-process ...")
        ours_sql = ours_queries()
        for kind, label in OURS_SERVERS:
            log(f"  {kind}")
            with ours_server(out, kind) as server:
                run_target(ours_target(server, client, label), out, results)
    if not ONLY or "better-auth" in ONLY:
        log("Better Auth ...")
        client = setup_ba()
        log("  SQL statements per request, in-process ...")
        ba_sql = ba_queries()
        for processes in (1, 2):
            log(f"  {processes} Node process(es)")
            with ba_server(processes, out) as server:
                run_target(ba_target(server, client, processes), out, results)
    if not ONLY or "dot" in ONLY:
        log("django-oauth-toolkit ...")
        setup = setup_dot()
        with dot_server(out) as server:
            for variant in ("stock", "plain"):
                log(f"  {variant}")
                run_target(dot_target(server, setup, variant), out, results)

    table = report(results, ours_sql, ba_sql)
    dump = {
        "versions": info,
        "settings": {
            "duration": DURATION,
            "warmup": WARMUP,
            "repeat": REPEAT,
            "connections": CONNECTIONS,
            "wrk_threads": WRK_THREADS,
            "workers": WORKERS,
            "granian_threads": GRANIAN_THREADS,
            "pool_factor": POOL_FACTOR,
            "pool_min_rate": POOL_MIN_RATE,
            "quick": os.environ.get("BENCH_QUICK") == "1",
        },
        "queries": ours_sql,
        "better_auth_queries": ba_sql,
        "pools": {k[0]: v for k, v in results.items() if k[1] == "pool"},
        "runs": [
            {"server": r.server, "column": key[0], "scenario": r.scenario, **r.figures}
            for key, r in results.items()
            if isinstance(r, Result)
        ],
        "elapsed_s": round(time.monotonic() - started, 1),
    }
    (out / "results.json").write_text(json.dumps(dump, indent=2))
    (out / "table.txt").write_text(table + "\n")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    print(table)
    log(f"done in {time.monotonic() - started:.0f} s")
    if ours_sql and sum(ours_sql["kdf_calls"].values()):
        log("FAILED: ours ran a password KDF on a token path (see the last line)")
        return 1
    return 0


def _node_version(package: str) -> str:
    try:
        manifest = NODE / "node_modules" / package / "package.json"
        return json.loads(manifest.read_text())["version"]
    except (OSError, ValueError, KeyError):
        return "?"


def _py_version(module: str) -> str:
    done = subprocess.run(
        [
            str(VENV_BIN / "python"),
            "-c",
            f"import {module}; print({module}.__version__)",
        ],
        capture_output=True,
        text=True,
    )
    return done.stdout.strip() or "?"


if __name__ == "__main__":
    sys.exit(main())
