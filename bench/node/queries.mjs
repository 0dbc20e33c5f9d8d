// SQL statements per request that Better Auth 1.7.25 sends, counted in-process
// (the counterpart of bench/queries.py): every pg Client.query call is one
// statement. Prints a JSON list like queries.py --json.
//
//   DATABASE_URL=postgres://.../bench_better_auth BETTER_AUTH_SECRET=... node queries.mjs
import pg from "pg";
import Database from "better-sqlite3";
import { makeAuth } from "./auth.mjs";

let count = 0;
const original = pg.Client.prototype.query;
pg.Client.prototype.query = function countedQuery(...args) {
  count += 1;
  return original.apply(this, args);
};
// On SQLite every statement Kysely runs is prepared once per execution.
const prepare = Database.prototype.prepare;
Database.prototype.prepare = function countedPrepare(...args) {
  count += 1;
  return prepare.apply(this, args);
};

const ORIGIN = "http://127.0.0.1:3200";
const EMAIL = "bench-queries@example.com";
const PASSWORD = process.env.BENCH_PASSWORD || "bench-password-123";
const ROUNDS = 3;

function call(auth, method, path, { body, cookie } = {}) {
  const headers = { origin: ORIGIN };
  if (body) headers["content-type"] = "application/json";
  if (cookie) headers.cookie = cookie;
  return auth.handler(
    new Request(`${ORIGIN}/api/auth${path}`, {
      method,
      headers,
      body: body ? JSON.stringify(body) : undefined,
    }),
  );
}

function cookieOf(response) {
  return response.headers
    .getSetCookie()
    .map((c) => c.split(";", 1)[0])
    .filter((c) => !c.endsWith("="))
    .join("; ");
}

async function measure(name, send, target) {
  await send();
  const perRound = [];
  for (let i = 0; i < ROUNDS; i += 1) {
    const before = count;
    const response = await send();
    const text = await response.text();
    if (response.status !== 200 || text === "null") {
      throw new Error(`${name}: ${response.status} ${text.slice(0, 120)}`);
    }
    perRound.push(count - before);
  }
  const worst = Math.max(...perRound);
  return { case: name, queries: worst, per_round: perRound, target, ok: target === null || worst <= target };
}

const results = [];
const credentials = { email: EMAIL, password: PASSWORD };
{
  const { auth, pool } = makeAuth({ origin: ORIGIN, cookieCache: false });
  let response = await call(auth, "POST", "/sign-in/email", { body: credentials });
  if (response.status !== 200) {
    response = await call(auth, "POST", "/sign-up/email", {
      body: { ...credentials, name: "Bench Queries" },
    });
  }
  const cookie = cookieOf(response);
  results.push(await measure("sign-in/email", () => call(auth, "POST", "/sign-in/email", { body: credentials }), null));
  results.push(await measure("get-session (database)", () => call(auth, "GET", "/get-session", { cookie }), null));
  await pool.end();
}
{
  const { auth, pool } = makeAuth({ origin: ORIGIN, cookieCache: true });
  const response = await call(auth, "POST", "/sign-in/email", { body: credentials });
  const cookie = cookieOf(response);
  if (!cookie.includes("session_data")) throw new Error("no session_data cookie");
  results.push(await measure("get-session (cookie cache)", () => call(auth, "GET", "/get-session", { cookie }), null));
  await pool.end();
}
console.log(JSON.stringify(results));
