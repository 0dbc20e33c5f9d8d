// openid-client v6 (panva, pinned in package.json) with DPoP (RFC 9449): a relying
// party holding a generated key pair signs a user in and uses sender-constrained tokens.
//
//   node oauth_dpop_flow.mjs <baseURL> <configFile>
//
// <configFile> (JSON): {client_id, client_secret, redirect_uri, login_page,
//   user: {email, password, name}}; the client is a confidential client_secret_basic
//   client registered with dpop_bound_access_tokens that skips consent.
//
// Flow: discovery (dpop_signing_alg_values_supported) -> sign-up -> authorize with
// `dpop_jkt` (§10) -> sign-in with `oauth_query` -> callback -> code exchange with a
// DPoP proof (token_type DPoP, §5; with server nonces openid-client retries after
// `use_dpop_nonce`, §8) -> introspection shows cnf.jkt (§6.2) -> UserInfo with the DPoP
// scheme and a proof (§7) -> UserInfo on the Bearer scheme refused -> refresh with a
// proof (the new tokens stay bound) -> refresh without a proof and with another key
// refused -> UserInfo with the refreshed access token.
//
// Output: one JSON line per step {step, ok, detail}, then {summary: true, ok, passed,
// failed, total}. Exit code 0 only if every step passed. Tokens and secrets are never
// printed.
import { readFileSync } from "node:fs";
import http from "node:http";
import * as oidc from "openid-client";

const [baseArg, configArg] = process.argv.slice(2);
if (!baseArg || !configArg) {
  console.error("usage: node oauth_dpop_flow.mjs <baseURL> <configFile>");
  process.exit(2);
}
const BASE = new URL(baseArg).href.replace(/\/$/, "");
const ORIGIN = new URL(BASE).origin;
const ISSUER = `${BASE}/api/auth`;
const cfg = JSON.parse(readFileSync(configArg, "utf8"));

const results = [];
const emit = (obj) => console.log(JSON.stringify(obj));
class StepFailure extends Error {}
const expect = (cond, message) => {
  if (!cond) throw new StepFailure(message);
};
const describe = (err) => {
  if (!err) return "none";
  const parts = [err.name];
  if (err.code) parts.push(err.code);
  if (err.error) parts.push(err.error);
  if (err.status) parts.push(`status ${err.status}`);
  parts.push(err.error_description || err.message);
  return parts.join(" ");
};
async function step(name, body) {
  let ok = true;
  let detail;
  try {
    detail = await body();
  } catch (err) {
    ok = false;
    detail = err instanceof StepFailure ? err.message : describe(err);
  }
  const row = { step: name, ok, detail: detail ?? null };
  results.push(row);
  emit(row);
  if (!ok) throw new Error(`step ${name} failed`);
  return detail;
}
/** The step passes only if ``body`` fails with OAuth error ``error``. */
async function refused(name, error, body) {
  return step(name, async () => {
    try {
      await body();
    } catch (err) {
      const code = err.error ?? err.cause?.[0]?.parameters?.error;
      expect(code === error, `expected ${error}, got ${describe(err)}`);
      return { error: code, status: err.status ?? err.response?.status };
    }
    throw new StepFailure(`accepted; expected ${error}`);
  });
}

// ---------- a tiny browser: node:http and a cookie jar ----------
const jar = new Map();
function remember(setCookies) {
  for (const line of setCookies || []) {
    const [pair] = line.split(";");
    const eq = pair.indexOf("=");
    if (eq < 0) continue;
    const value = pair.slice(eq + 1).trim();
    if (value === "") jar.delete(pair.slice(0, eq).trim());
    else jar.set(pair.slice(0, eq).trim(), value);
  }
}
function request(url, { method = "GET", headers = {}, json } = {}) {
  const target = new URL(url, BASE);
  const h = { "user-agent": "oauth-dpop-flow/1", ...headers };
  let body;
  if (json !== undefined) {
    body = JSON.stringify(json);
    h["content-type"] = "application/json";
    h["content-length"] = Buffer.byteLength(body);
  }
  if (jar.size) h.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  return new Promise((resolve, reject) => {
    const req = http.request(target, { method, headers: h, agent: false }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        remember(res.headers["set-cookie"]);
        const text = Buffer.concat(chunks).toString("utf8");
        let data;
        try {
          data = text ? JSON.parse(text) : undefined;
        } catch {
          data = undefined;
        }
        resolve({ status: res.statusCode, headers: res.headers, text, json: data });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}
const apiPost = (path, json) =>
  request(`${ISSUER}${path}`, { method: "POST", json, headers: { origin: ORIGIN, accept: "application/json" } });

const SCOPE = "openid profile email offline_access";
const state = {};

try {
  await step("discovery-advertises-dpop", async () => {
    state.config = await oidc.discovery(
      new URL(ISSUER),
      cfg.client_id,
      { token_endpoint_auth_method: "client_secret_basic" },
      oidc.ClientSecretBasic(cfg.client_secret),
      { execute: [oidc.allowInsecureRequests] },
    );
    const algs = state.config.serverMetadata().dpop_signing_alg_values_supported;
    expect(Array.isArray(algs) && algs.includes("ES256"), `dpop_signing_alg_values_supported ${algs}`);
    state.keys = await oidc.randomDPoPKeyPair("ES256");
    state.dpop = oidc.getDPoPHandle(state.config, state.keys);
    state.jkt = await state.dpop.calculateThumbprint();
    return { algs };
  });

  await step("sign-up", async () => {
    const res = await apiPost("/sign-up/email", cfg.user);
    expect(res.status === 200, `status ${res.status}: ${res.text.slice(0, 200)}`);
    state.userId = res.json.user.id;
    jar.clear();
    return { status: res.status };
  });

  await step("authorize-with-dpop-jkt", async () => {
    state.verifier = oidc.randomPKCECodeVerifier();
    state.state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(state.config, {
      redirect_uri: cfg.redirect_uri,
      scope: SCOPE,
      code_challenge: await oidc.calculatePKCECodeChallenge(state.verifier),
      code_challenge_method: "S256",
      state: state.state,
      dpop_jkt: state.jkt,
    });
    const res = await request(url.href, { headers: { accept: "text/html" } });
    expect(res.status === 302, `status ${res.status}`);
    const location = new URL(res.headers.location);
    expect(location.href.startsWith(cfg.login_page), "redirected to the login page");
    const login = await apiPost("/sign-in/email", {
      email: cfg.user.email,
      password: cfg.user.password,
      oauth_query: location.search.slice(1),
    });
    expect(login.status === 200 && typeof login.json?.url === "string", `sign-in ${login.status}`);
    const cb = new URL(login.json.url);
    expect(cb.searchParams.has("code"), `no code (error=${cb.searchParams.get("error")})`);
    state.callback = cb;
    return { params: [...cb.searchParams.keys()] };
  });

  await step("code-exchange-with-proof", async () => {
    const tokens = await oidc.authorizationCodeGrant(
      state.config,
      state.callback,
      { pkceCodeVerifier: state.verifier, expectedState: state.state, idTokenExpected: true },
      undefined,
      { DPoP: state.dpop },
    );
    expect(tokens.token_type === "dpop", `token_type ${tokens.token_type}`);
    expect(typeof tokens.refresh_token === "string", "refresh token");
    state.first = tokens;
    return { token_type: tokens.token_type };
  });

  await step("introspection-shows-cnf", async () => {
    const body = await oidc.tokenIntrospection(state.config, state.first.access_token);
    expect(body.active === true, "active");
    expect(body.token_type === "DPoP", `token_type ${body.token_type}`);
    expect(body.cnf?.jkt === state.jkt, "cnf.jkt is the key's thumbprint");
    return { token_type: body.token_type, cnf: Object.keys(body.cnf) };
  });

  await step("userinfo-with-proof", async () => {
    const info = await oidc.fetchUserInfo(state.config, state.first.access_token, state.userId, {
      DPoP: state.dpop,
    });
    expect(info.email === cfg.user.email, "email");
    return { claims: Object.keys(info).sort() };
  });

  await refused("userinfo-bearer-refused", "invalid_token", () =>
    oidc.fetchUserInfo(state.config, state.first.access_token, state.userId),
  );

  await step("refresh-with-proof", async () => {
    const tokens = await oidc.refreshTokenGrant(state.config, state.first.refresh_token, undefined, {
      DPoP: state.dpop,
    });
    expect(tokens.token_type === "dpop", `token_type ${tokens.token_type}`);
    expect(tokens.refresh_token !== state.first.refresh_token, "rotated");
    state.second = tokens;
    return { token_type: tokens.token_type };
  });

  await refused("refresh-without-proof-refused", "invalid_dpop_proof", () =>
    oidc.refreshTokenGrant(state.config, state.second.refresh_token),
  );

  await refused("refresh-with-other-key-refused", "invalid_dpop_proof", async () => {
    const other = oidc.getDPoPHandle(state.config, await oidc.randomDPoPKeyPair("ES256"));
    return oidc.refreshTokenGrant(state.config, state.second.refresh_token, undefined, { DPoP: other });
  });

  await step("userinfo-with-refreshed-token", async () => {
    const info = await oidc.fetchUserInfo(state.config, state.second.access_token, state.userId, {
      DPoP: state.dpop,
    });
    expect(info.sub === state.userId, "sub");
    return { sub: "matches" };
  });
} catch {
  // The failing step has been reported.
}

const failed = results.filter((r) => !r.ok).length;
emit({ summary: true, ok: failed === 0, passed: results.length - failed, failed, total: results.length });
process.exit(failed ? 1 : 0);
