// The shared part of the openid-client flows for private_key_jwt, dynamic registration and
// client ID metadata documents: step reporting, a cookie-keeping node:http "browser", and
// the browser-less sign-in (authorize -> login page -> POST /sign-in/email with the signed
// `oauth_query` -> consent -> callback) that every flow starts with.
//
// Browser navigations are sent with node:http and `Accept: text/html`, as a browser would,
// because Node's fetch adds `Sec-Fetch-Mode: cors`, which makes a Better Auth server answer
// JSON instead of a 302. Output: one JSON line per step {step, ok, detail}, then {summary:
// true, ok, passed, failed, total}. Tokens and secrets are never printed.
import http from "node:http";
import { readFileSync } from "node:fs";
import * as oidc from "openid-client";

export function setup(scriptName) {
  const [baseArg, configArg] = process.argv.slice(2);
  if (!baseArg || !configArg) {
    console.error(`usage: node ${scriptName} <baseURL> <configFile>`);
    process.exit(2);
  }
  const BASE = new URL(baseArg).href.replace(/\/$/, "");
  return {
    BASE,
    ORIGIN: new URL(BASE).origin,
    ISSUER: `${BASE}/api/auth`,
    cfg: JSON.parse(readFileSync(configArg, "utf8")),
  };
}

// ---------- output ----------
const results = [];
const emit = (obj) => console.log(JSON.stringify(obj));
export class StepFailure extends Error {}
export const expect = (cond, message) => {
  if (!cond) throw new StepFailure(message);
};
export const describe = (err) => {
  if (!err) return "none";
  const parts = [err.name];
  if (err.code) parts.push(err.code);
  if (err.error) parts.push(err.error);
  if (err.status) parts.push(`status ${err.status}`);
  parts.push(err.error_description || err.message);
  return parts.join(" ");
};

/** Runs one step; stops the flow on a failure (later steps depend on earlier ones). */
export async function step(name, body) {
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

/** The OAuth error code of a thrown response: body `error`, else the challenge's. */
const errorCode = (err) => err?.error ?? err?.cause?.[0]?.parameters?.error;

/** Expects `body` to throw an OAuth error response with `error` and `status`. */
export async function refused(body, error, status) {
  try {
    await body();
  } catch (err) {
    expect(errorCode(err) === error && err.status === status, describe(err));
    return { error, status: err.status };
  }
  throw new StepFailure(`expected ${status} ${error}, the request succeeded`);
}

export function finish() {
  const failed = results.filter((r) => !r.ok).length;
  emit({ summary: true, ok: failed === 0, passed: results.length - failed, failed, total: results.length });
  process.exit(failed ? 1 : 0);
}

// ---------- a tiny browser: node:http, a cookie jar, exact headers ----------
export function browser({ BASE, ORIGIN, ISSUER }) {
  const jar = new Map();
  function remember(setCookies) {
    for (const line of setCookies || []) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      if (eq < 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const gone =
        value === "" ||
        attrs.some((a) => {
          const [k, v = ""] = a.split("=").map((s) => s.trim());
          return /^max-age$/i.test(k) && Number(v) <= 0;
        });
      if (gone) jar.delete(name);
      else jar.set(name, value);
    }
  }
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");

  function request(url, { method = "GET", headers = {}, json, cookies = true } = {}) {
    const target = new URL(url, BASE);
    const h = { "user-agent": "openid-client-interop/1", ...headers };
    let body;
    if (json !== undefined) {
      body = JSON.stringify(json);
      h["content-type"] = "application/json";
      h["content-length"] = Buffer.byteLength(body);
    }
    if (cookies && jar.size) h.cookie = cookieHeader();
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
  const navigate = (url) => request(url, { headers: { accept: "text/html" } });
  const apiPost = (path, json) =>
    request(`${ISSUER}${path}`, { method: "POST", json, headers: { origin: ORIGIN, accept: "application/json" } });
  return { jar, request, navigate, apiPost };
}

/**
 * Signs `user` up (once), then runs the authorization request of `config` through the
 * login page and, when `expectConsent`, the consent page. Returns the callback URL with
 * the code and what the token request needs (PKCE verifier, state, nonce).
 */
export async function authorizeSteps(b, ctx, config, { user, redirectUri, scope, expectConsent, extra = {} }) {
  const out = {};
  await step("sign-up", async () => {
    const res = await b.apiPost("/sign-up/email", user);
    expect(res.status === 200, `status ${res.status}: ${res.text.slice(0, 200)}`);
    out.userId = res.json.user.id;
    b.jar.clear(); // the authorization starts signed out
    return { status: res.status };
  });
  out.verifier = oidc.randomPKCECodeVerifier();
  out.state = oidc.randomState();
  out.nonce = oidc.randomNonce();
  const authUrl = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    code_challenge: await oidc.calculatePKCECodeChallenge(out.verifier),
    code_challenge_method: "S256",
    state: out.state,
    nonce: out.nonce,
    ...extra,
  });
  let next;
  await step("authorize-redirects-to-login-page", async () => {
    const res = await b.navigate(authUrl.href);
    expect(res.status === 302, `status ${res.status}: ${res.text.slice(0, 200)}`);
    const location = new URL(res.headers.location);
    expect(location.href.startsWith(ctx.cfg.login_page), `Location is ${location.origin}${location.pathname}`);
    expect(location.searchParams.get("client_id") === config.clientMetadata().client_id, "client_id carried");
    out.loginQuery = location.search.slice(1);
    return { page: `${location.origin}${location.pathname}` };
  });
  await step("sign-in-with-oauth-query", async () => {
    const res = await b.apiPost("/sign-in/email", {
      email: user.email,
      password: user.password,
      oauth_query: out.loginQuery,
    });
    expect(res.status === 200, `status ${res.status}: ${res.text.slice(0, 200)}`);
    expect(res.json?.redirect === true && typeof res.json?.url === "string", `body keys ${Object.keys(res.json || {})}`);
    const target = expectConsent ? ctx.cfg.consent_page : redirectUri;
    expect(res.json.url.startsWith(target), `url goes to ${new URL(res.json.url).pathname}, expected ${target}`);
    next = res.json.url;
    return { to: expectConsent ? "consent page" : "redirect_uri" };
  });
  if (expectConsent) {
    const consentQuery = new URL(next).search.slice(1);
    await step("consent-page-client-info", async () => {
      const clientId = new URLSearchParams(consentQuery).get("client_id");
      const res = await b.request(`${ctx.ISSUER}/oauth2/public-client?client_id=${encodeURIComponent(clientId)}`, {
        headers: { accept: "application/json" },
      });
      expect(res.status === 200, `status ${res.status}: ${res.text.slice(0, 200)}`);
      expect(res.json?.client_id === clientId, "client_id");
      expect(typeof res.json?.client_name === "string" && res.json.client_name.length > 0, "client_name");
      expect(!("client_secret" in res.json), "no secret in public client info");
      out.clientName = res.json.client_name;
      return { client_name: res.json.client_name };
    });
    await step("consent-accept", async () => {
      const res = await b.apiPost("/oauth2/consent", { accept: true, oauth_query: consentQuery });
      expect(res.status === 200, `status ${res.status}: ${res.text.slice(0, 200)}`);
      expect(res.json?.redirect === true && res.json.url.startsWith(redirectUri), "redirect to redirect_uri");
      next = res.json.url;
      return { redirect: true };
    });
  }
  await step("callback-carries-code-state-iss", async () => {
    const cb = new URL(next);
    expect(cb.searchParams.has("code"), `callback has no code (error=${cb.searchParams.get("error")})`);
    expect(cb.searchParams.get("state") === out.state, "state echoed (RFC 6749 §4.1.2)");
    expect(cb.searchParams.get("iss") === ctx.ISSUER, "iss is the issuer (RFC 9207 §2)");
    out.callback = cb;
    return { params: [...cb.searchParams.keys()] };
  });
  return out;
}
