// A relying party (openid-client v6) signs a user in through the demo in a real
// headless Chromium (playwright-core): the demo page is the provider's login page and
// demo/templates/demo/consent.html its consent page.
//
//   node browser_oauth_flow.mjs <baseURL> <configFile> <screenshotDir>
//
// <configFile> (JSON): {client_id, client_name, scope, user: {email, password}}
// for a public native client registered with the loopback redirect URI
// http://127.0.0.1/callback. The flow listens on an ephemeral loopback port and uses
// http://127.0.0.1:<port>/callback (RFC 8252 §7.3: any port on a loopback literal).
//
// Flow: RP builds the authorization URL (PKCE S256, state, nonce) -> the browser opens
// it -> demo login page with the signed query (it names the client) -> sign in through
// the form (the page sends `oauth_query`, Better Auth's client follows {redirect, url})
// -> consent page shows the client and the scopes -> Allow -> the RP's callback receives
// code, state and iss -> the RP redeems the code (ID token validated) and reads UserInfo
// -> a second authorization in the same browser goes straight back to the RP (session
// and consent remembered). A PNG is written to <screenshotDir> after every step.
// Output: one JSON line per step {step, ok, detail, screenshot}, then {summary: true,
// ...}. Exit code 0 only if all steps pass. Codes and tokens are never printed.
import http from "node:http";
import path from "node:path";
import * as oidc from "openid-client";
import { expect, finish, openChromium, setup, STEP_TIMEOUT_MS } from "./lib/harness.mjs";

const { BASE, ISSUER, cfg, args } = setup("browser_oauth_flow.mjs", ["baseURL", "configFile", "screenshotDir"]);
const SHOT_DIR = path.resolve(args.screenshotDir);
const EXPECTED = [
  "open-authorization-url",
  "fill-sign-in-form",
  "sign-in-on-login-page",
  "consent-page",
  "allow",
  "token-exchange",
  "second-authorization-skips-login-and-consent",
];

// ---------- the RP's loopback callback (RFC 8252 §7.3) ----------
const callbacks = [];
let callbackWaiter = null;
const server = http.createServer((req, res) => {
  const url = new URL(req.url, `http://${req.headers.host}`);
  if (url.pathname !== "/callback") {
    res.writeHead(404).end();
    return;
  }
  callbacks.push(url);
  res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
  const outcome = url.searchParams.has("code") ? "signed in" : `error: ${url.searchParams.get("error")}`;
  res.end(
    `<!doctype html><title>Example RP</title><h1>Example RP callback</h1>` +
      `<p data-testid="rp-outcome">${outcome.replace(/[<>&"]/g, "")}</p>`,
  );
  if (callbackWaiter) callbackWaiter(url);
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const REDIRECT_URI = `http://127.0.0.1:${server.address().port}/callback`;
const nextCallback = () =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no callback within the step timeout")), STEP_TIMEOUT_MS);
    callbackWaiter = (url) => {
      clearTimeout(timer);
      callbackWaiter = null;
      resolve(url);
    };
  });

// ---------- browser ----------
const { context, page, byId, step, close } = await openChromium({
  shotDir: SHOT_DIR,
  profilePrefix: "dba-oauth-chromium-",
  viewport: { width: 1000, height: 800 },
  reportUrl: (url) => new URL(url).pathname,
  errorText: (err) => err?.error_description || err?.message || err,
});

const pathOf = (url) => new URL(url).pathname;

try {
  const config = await oidc.discovery(new URL(ISSUER), cfg.client_id, { token_endpoint_auth_method: "none" }, oidc.None(), {
    execute: [oidc.allowInsecureRequests],
  });
  const authorization = async () => {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: cfg.scope,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
      nonce,
    });
    return { url, verifier, state, nonce };
  };
  const first = await authorization();

  await step("open-authorization-url", async () => {
    await page.goto(first.url.href, { waitUntil: "load" });
    expect(pathOf(page.url()) === "/", `landed on ${pathOf(page.url())}, expected the demo page`);
    expect(new URL(page.url()).searchParams.has("sig"), "the login page carries the signed query");
    await page.waitForSelector('body[data-busy="false"] [data-testid="session-panel"][data-state="signed-out"]');
    await page.waitForSelector('[data-testid="oauth-request"]:not([hidden])');
    const shown = await byId("oauth-client-name").textContent();
    expect(shown === cfg.client_name, `login page names ${JSON.stringify(shown)}`);
    return { page: "login", client: shown };
  });

  await step("fill-sign-in-form", async () => {
    await byId("sign-in-email").fill(cfg.user.email);
    await byId("sign-in-password").fill(cfg.user.password);
    return { email: "filled", password: "filled" };
  });

  await step("sign-in-on-login-page", async () => {
    await Promise.all([page.waitForURL((u) => u.pathname === "/consent/"), byId("sign-in-submit").click()]);
    const cookies = (await context.cookies(BASE)).map((c) => c.name);
    expect(cookies.includes("better-auth.session_token"), `cookies ${cookies}`);
    return { next: pathOf(page.url()), cookies };
  });

  await step("consent-page", async () => {
    await page.waitForSelector('body[data-busy="false"] [data-testid="consent-panel"][data-state="ready"]');
    const name = await byId("consent-client-name").textContent();
    expect(name === cfg.client_name, `consent page names ${JSON.stringify(name)}`);
    const scopes = await page.locator('[data-testid="consent-scopes"] li').evaluateAll((items) => items.map((li) => li.dataset.scope));
    expect(scopes.join(" ") === cfg.scope, `scopes ${scopes}`);
    expect(await byId("consent-allow").isEnabled(), "Allow is enabled");
    return { client: name, scopes };
  });

  let callback;
  await step("allow", async () => {
    const arrived = nextCallback();
    await byId("consent-allow").click();
    callback = await arrived;
    await page.waitForURL((u) => u.href.startsWith(REDIRECT_URI));
    expect(callback.searchParams.has("code"), `callback error ${callback.searchParams.get("error")}`);
    expect(callback.searchParams.get("state") === first.state, "state echoed");
    expect(callback.searchParams.get("iss") === ISSUER, "iss (RFC 9207)");
    return { callback: [...callback.searchParams.keys()] };
  });

  await step("token-exchange", async () => {
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: first.verifier,
      expectedState: first.state,
      expectedNonce: first.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(info.email === cfg.user.email, "UserInfo email");
    return { id_token_claims: Object.keys(claims).sort(), userinfo: Object.keys(info).sort() };
  });

  await step("second-authorization-skips-login-and-consent", async () => {
    const again = await authorization();
    const arrived = nextCallback();
    await page.goto(again.url.href, { waitUntil: "load" });
    const url = await arrived;
    expect(url.searchParams.get("state") === again.state && url.searchParams.has("code"), "code for the second request");
    expect(page.url().startsWith(REDIRECT_URI), `browser is at ${pathOf(page.url())}`);
    return { visited: "callback only" };
  });
} catch {
  // The failing step has already been reported.
} finally {
  await close();
  server.close();
}

finish({ screenshotDir: SHOT_DIR }, { expected: EXPECTED.length });
