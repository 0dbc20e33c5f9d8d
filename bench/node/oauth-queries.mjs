// SQL statements per OAuth request that Better Auth 1.7.25 with
// @better-auth/oauth-provider 1.7.5 sends, counted in-process (the counterpart
// of bench/oauth_queries.py): every pg Client.query call is one statement,
// BEGIN and COMMIT included. One warm-up and three counted rounds per case,
// the worst reported; preparing a round (authorize, a code redemption) is not
// counted. Prints a JSON list.
//
//   DATABASE_URL=postgres://.../bench_better_auth_oauth BETTER_AUTH_SECRET=... node oauth-queries.mjs
import { createHash, randomBytes } from "node:crypto";
import pg from "pg";
import { M2M_SCOPE, createBenchClient, makeOAuthAuth } from "./oauth-auth.mjs";

let count = 0;
const original = pg.Client.prototype.query;
pg.Client.prototype.query = function countedQuery(...args) {
  count += 1;
  return original.apply(this, args);
};

const ORIGIN = "http://127.0.0.1:3200";
const EMAIL = "bench-oauth-queries@example.com";
const PASSWORD = process.env.BENCH_PASSWORD || "bench-password-123";
const REDIRECT_URI = "https://rp.example.com/callback";
const USER_SCOPE = "openid profile email offline_access";
const ROUNDS = 3;
const TOKEN_TARGET = 4;

const { auth, pool } = makeOAuthAuth({ origin: ORIGIN });
const client = await createBenchClient(auth, { email: EMAIL, password: PASSWORD, redirectUri: REDIRECT_URI });
const basic = `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString("base64")}`;

function call(method, path, { form, cookie, json } = {}) {
  const headers = { origin: ORIGIN, accept: "application/json" };
  let body;
  if (form) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    headers.authorization = basic;
    body = new URLSearchParams(form).toString();
  } else if (json) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(json);
  }
  if (cookie) headers.cookie = cookie;
  return auth.handler(new Request(`${ORIGIN}/api/auth${path}`, { method, headers, body, redirect: "manual" }));
}

const signIn = await call("POST", "/sign-in/email", { json: { email: EMAIL, password: PASSWORD } });
const cookie = signIn.headers
  .getSetCookie()
  .map((c) => c.split(";", 1)[0])
  .filter((c) => !c.endsWith("="))
  .join("; ");

const b64url = (b) => Buffer.from(b).toString("base64url");

async function code() {
  const verifier = b64url(randomBytes(32));
  const challenge = b64url(createHash("sha256").update(verifier).digest());
  const q = new URLSearchParams({
    response_type: "code",
    client_id: client.client_id,
    redirect_uri: REDIRECT_URI,
    scope: USER_SCOPE,
    state: "s",
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  const response = await call("GET", `/oauth2/authorize?${q}`, { cookie });
  let location = response.headers.get("location") || "";
  if (!location) {
    const text = await response.text();
    if (text.startsWith("{")) location = JSON.parse(text).url || "";
  }
  const found = location && new URL(location).searchParams.get("code");
  if (!found) throw new Error(`authorize: ${response.status} ${location}`);
  return { code: found, verifier };
}

async function redeem() {
  const { code: c, verifier } = await code();
  const response = await call("POST", "/oauth2/token", {
    form: { grant_type: "authorization_code", code: c, redirect_uri: REDIRECT_URI, code_verifier: verifier },
  });
  return response.json();
}

async function measure(name, prepare, send, expect, target) {
  const perRound = [];
  for (let round = 0; round <= ROUNDS; round += 1) {
    const arg = await prepare();
    const before = count;
    const response = await send(arg);
    const text = await response.text();
    const used = count - before;
    if (response.status !== 200 || !text.replace(/\s/g, "").includes(expect)) {
      throw new Error(`${name}: ${response.status} ${text.slice(0, 200)}`);
    }
    if (round) perRound.push(used);
  }
  const worst = Math.max(...perRound);
  return { case: name, queries: worst, per_round: perRound, target, ok: target === null || worst <= target };
}

await redeem();
const results = [];
results.push(
  await measure(
    "token client_credentials",
    async () => null,
    () => call("POST", "/oauth2/token", { form: { grant_type: "client_credentials", scope: M2M_SCOPE } }),
    '"access_token"',
    TOKEN_TARGET,
  ),
);
results.push(
  await measure(
    "token authorization_code",
    code,
    (cv) =>
      call("POST", "/oauth2/token", {
        form: { grant_type: "authorization_code", code: cv.code, redirect_uri: REDIRECT_URI, code_verifier: cv.verifier },
      }),
    '"refresh_token"',
    TOKEN_TARGET,
  ),
);
results.push(
  await measure(
    "token refresh_token",
    async () => (await redeem()).refresh_token,
    (rt) => call("POST", "/oauth2/token", { form: { grant_type: "refresh_token", refresh_token: rt } }),
    '"refresh_token"',
    TOKEN_TARGET,
  ),
);
const access = (await redeem()).access_token;
results.push(
  await measure(
    "introspect",
    async () => null,
    () => call("POST", "/oauth2/introspect", { form: { token: access } }),
    '"active":true',
    null,
  ),
);
results.push(await measure("jwks", async () => null, () => call("GET", "/jwks"), '"keys"', null));
await pool.end();
console.log(JSON.stringify(results));
