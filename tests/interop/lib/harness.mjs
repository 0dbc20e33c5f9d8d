// What every interop flow script shares: argument parsing, a cookie jar, step reporting
// and the summary line, plus the two ways the flows talk to the server.
//
// - Better Auth's npm client (createAuthClient) gets a cookie jar and an Origin header
//   through better-fetch's customFetchImpl, because Node's fetch keeps no cookies and
//   sends no Origin, while Better Auth checks the Origin of cookie-bearing POSTs.
//   Its steps are `callStep(name, call, check)`: every step runs, each is recorded.
// - openid-client flows drive browser navigations with node:http and `Accept:
//   text/html`, as a browser would, because Node's fetch adds `Sec-Fetch-Mode: cors`,
//   which makes a Better Auth server answer JSON instead of a 302. Their steps are
//   `step(name, body)`: a failure stops the flow (later steps depend on earlier ones).
//
// - Page flows drive a real Chromium (playwright-core) with `openChromium`; their steps
//   stop the flow on a failure and leave a screenshot each.
//
// Output: one JSON line per step, then {summary: true, ok, passed, failed, total}; exit
// code 0 only if every step passed. Tokens and secrets are never printed.
import http from "node:http";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createAuthClient } from "better-auth/client";
import * as oidc from "openid-client";

// ---------- arguments ----------

/**
 * Reads the positional arguments `names` (the first is the base URL) or exits 2 with
 * a usage line. Returns the URLs derived from the base and the raw values by name.
 */
export function parseArgs(scriptName, names) {
  const values = process.argv.slice(2, 2 + names.length);
  if (values.length < names.length || values.some((v) => !v)) {
    console.error(`usage: node ${scriptName} ${names.map((n) => `<${n}>`).join(" ")}`);
    process.exit(2);
  }
  const BASE = new URL(values[0]).href.replace(/\/$/, "");
  return {
    BASE,
    ORIGIN: new URL(BASE).origin,
    ISSUER: `${BASE}/api/auth`,
    args: Object.fromEntries(names.map((n, i) => [n, values[i]])),
  };
}

/** `<baseURL> <configFile> ...`: the openid-client flows' arguments, config read as JSON. */
export function setup(scriptName, names = ["baseURL", "configFile"]) {
  const ctx = parseArgs(scriptName, names);
  return { ...ctx, cfg: JSON.parse(readFileSync(ctx.args.configFile, "utf8")) };
}

// ---------- cookie jar ----------

/**
 * Enough of RFC 6265 for a single host: name=value pairs, deleted on Max-Age<=0, an
 * Expires date in the past, or an empty value (Better Auth's way of clearing).
 */
export function cookieJar() {
  const jar = new Map();
  jar.remember = (setCookies) => {
    for (const line of setCookies || []) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      if (eq < 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired =
        value === "" ||
        attrs.some((a) => {
          const [k, v = ""] = a.split("=").map((s) => s.trim());
          if (/^max-age$/i.test(k)) return Number(v) <= 0;
          if (/^expires$/i.test(k)) return Date.parse(v) <= Date.now();
          return false;
        });
      if (expired) jar.delete(name);
      else jar.set(name, value);
    }
  };
  jar.header = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  return jar;
}

/** A fetch that sends and keeps the jar's cookies and sends `origin`. */
export function jarFetch(jar, origin, init0 = {}) {
  return async (input, init = {}) => {
    const headers = new Headers(init.headers);
    if (jar.size) headers.set("cookie", jar.header());
    headers.set("origin", origin);
    const res = await fetch(input, { ...init, headers, ...init0 });
    jar.remember(res.headers.getSetCookie());
    return res;
  };
}

/**
 * A Better Auth npm client that behaves as in a browser: its own cookie jar and the
 * base URL's Origin. `fetchInit` is merged into every fetch (e.g. redirect: "manual").
 */
export function authClient({ BASE, ORIGIN }, { plugins = [], fetchInit } = {}) {
  const jar = cookieJar();
  const client = createAuthClient({
    baseURL: BASE,
    fetchOptions: { customFetchImpl: jarFetch(jar, ORIGIN, fetchInit) },
    ...(plugins.length ? { plugins } : {}),
  });
  return { client, jar };
}

// ---------- output ----------
const results = [];
export const emit = (obj) => console.log(JSON.stringify(obj));

/**
 * Emits the summary line (plus `extra` fields) and exits 0 only if all steps passed,
 * and, when `expected` is given, exactly that many ran (a flow that stopped early fails).
 */
export function finish(extra = {}, { expected } = {}) {
  const failed = results.filter((r) => !r.ok).length;
  const total = expected ?? results.length;
  const ok = failed === 0 && results.length === total;
  emit({ summary: true, ok, passed: results.length - failed, failed, total, ...extra });
  process.exit(ok ? 0 : 1);
}

function record(row) {
  results.push(row);
  emit(row);
  return row;
}

// ---------- steps for Better Auth's npm client ----------

/** `code: message` of a client error, for step details. */
export const describeError = (error) =>
  error ? `${error.code ?? "?"}: ${error.message ?? ""}`.trim() : "no error";

/**
 * Runs one client call and records {step, ok, status, detail}. `call` receives
 * fetchOptions (to capture the HTTP status and headers) and returns the client's
 * {data, error}; `check(data, error, status, headers)` returns (a promise of) [ok, detail].
 */
export async function callStep(name, call, check) {
  let status = null;
  let headers = null;
  const fetchOptions = {
    onResponse: (ctx) => {
      status = ctx.response.status;
      headers = ctx.response.headers;
    },
  };
  let ok = false;
  let detail;
  try {
    const { data, error } = await call(fetchOptions);
    if (status === null && error?.status) status = error.status;
    [ok, detail] = await check(data ?? null, error ?? null, status, headers);
  } catch (err) {
    detail = `exception: ${err?.message || err}${err?.cause ? ` (${err.cause.code || err.cause.message})` : ""}`;
  }
  return record({ step: name, ok: Boolean(ok), status, detail });
}

// ---------- steps for openid-client flows ----------
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
  record({ step: name, ok, detail: detail ?? null });
  if (!ok) throw new Error(`step ${name} failed`);
  return detail;
}

/** The OAuth error code of a thrown response: body `error`, else the challenge's. */
export const errorCode = (err) => err?.error ?? err?.cause?.[0]?.parameters?.error;

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

// ---------- a tiny browser: node:http, a cookie jar, exact headers ----------
export function browser({ BASE, ORIGIN, ISSUER }, { userAgent = "openid-client-interop/1" } = {}) {
  const jar = cookieJar();
  function request(url, { method = "GET", headers = {}, json, cookies = true } = {}) {
    const target = new URL(url, BASE);
    const h = { "user-agent": userAgent, ...headers };
    let body;
    if (json !== undefined) {
      body = JSON.stringify(json);
      h["content-type"] = "application/json";
      h["content-length"] = Buffer.byteLength(body);
    }
    if (cookies && jar.size) h.cookie = jar.header();
    return new Promise((resolve, reject) => {
      const req = http.request(target, { method, headers: h, agent: false }, (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          jar.remember(res.headers["set-cookie"]);
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
  const navigate = (url, opts = {}) => request(url, { ...opts, headers: { accept: "text/html", ...opts.headers } });
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

/**
 * Refresh with rotation, revocation of the rotated refresh token, and the refused
 * refresh with it (RFC 6749 §6, RFC 7009 §2). `state.config` and `state.first` (the
 * first token response) are read; `state.second` is set.
 */
export async function refreshRevokeSteps(state) {
  await step("refresh-rotates", async () => {
    const tokens = await oidc.refreshTokenGrant(state.config, state.first.refresh_token);
    expect(tokens.refresh_token !== state.first.refresh_token, "rotated");
    state.second = tokens;
    return { scope: tokens.scope };
  });

  await step("revoke-refresh-token", async () => {
    await oidc.tokenRevocation(state.config, state.second.refresh_token, { token_type_hint: "refresh_token" });
    return { status: 200 };
  });

  await step("refresh-with-revoked-token-refused", async () =>
    refused(() => oidc.refreshTokenGrant(state.config, state.second.refresh_token), "invalid_grant", 400),
  );
}

// ---------- a real Chromium (playwright-core) ----------
// The Debian package at /usr/bin/chromium (CHROMIUM_PATH overrides); playwright-core
// downloads no browser of its own.
export const STEP_TIMEOUT_MS = Number(process.env.STEP_TIMEOUT_MS || 15000);
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Launches Chromium with a fresh profile (no cookie or storage from earlier runs leaks
 * in) and collects the page-side problems, reported in step details because they often
 * explain a failure. `reportUrl` shapes the URL of a failed response in those reports;
 * `reportFailedRequests` adds requests that never got a response. `errorText` turns
 * what a step threw into its detail.
 */
export async function openChromium({
  shotDir,
  profilePrefix,
  viewport,
  reportUrl = (url) => url,
  reportFailedRequests = false,
  errorText = (err) => err?.message || err,
}) {
  const { chromium } = await import("playwright-core");
  mkdirSync(shotDir, { recursive: true });
  const userDataDir = mkdtempSync(path.join(tmpdir(), profilePrefix));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
  });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  const page = context.pages()[0] ?? (await context.newPage());
  const problems = [];
  page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
  page.on("console", (msg) => {
    // Failed loads are reported with their URL by the response listener.
    if (msg.type() === "error" && !msg.text().startsWith("Failed to load resource")) {
      problems.push(`console: ${msg.text()}`);
    }
  });
  page.on("response", (res) => {
    if (res.status() >= 400) problems.push(`http ${res.status()}: ${res.request().method()} ${reportUrl(res.url())}`);
  });
  if (reportFailedRequests) {
    page.on("requestfailed", (req) => problems.push(`requestfailed: ${req.method()} ${req.url()} ${req.failure()?.errorText}`));
  }
  const byId = (id) => page.locator(`[data-testid="${id}"]`);

  let shotNo = 0;
  async function screenshot(label) {
    shotNo += 1;
    const file = path.join(shotDir, `${String(shotNo).padStart(2, "0")}-${label}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
  }

  /** Runs one step and screenshots the page after it; stops the flow on failure. */
  async function pageStep(label, body) {
    const problemsBefore = problems.length;
    let ok = true;
    let detail;
    try {
      detail = await body();
    } catch (err) {
      ok = false;
      detail = String(errorText(err)).split("\n")[0];
    }
    const fresh = problems.slice(problemsBefore);
    if (fresh.length) detail = { result: detail, page: fresh };
    let shot = null;
    try {
      shot = await screenshot(ok ? label : `${label}-failed`);
    } catch (err) {
      detail = { result: detail, screenshotError: String(err?.message || err) };
    }
    record({ step: label, ok, detail, screenshot: shot });
    if (!ok) throw new Error(`step ${label} failed`);
    return detail;
  }

  async function close() {
    await context.close().catch(() => {});
    rmSync(userDataDir, { recursive: true, force: true });
  }
  return { context, page, byId, step: pageStep, close };
}
