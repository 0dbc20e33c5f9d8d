// openid-client v6 (panva, pinned in package.json) with DPoP (RFC 9449): a relying
// party holding a generated key pair signs a user in and uses sender-constrained tokens.
//
//   node oauth_dpop_flow.mjs <baseURL> <configFile>
//
// <configFile> (JSON): {client_id, client_secret, redirect_uri, login_page,
//   user: {email, password, name}, dpop_alg (default ES256)}; the client is a confidential client_secret_basic
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
import * as oidc from "openid-client";
import { browser, describe, errorCode, expect, finish, setup, step, StepFailure } from "./lib/harness.mjs";

const ctx = setup("oauth_dpop_flow.mjs");
const { ISSUER, cfg } = ctx;
const { jar, request, apiPost } = browser(ctx, { userAgent: "oauth-dpop-flow/1" });

/** The step passes only if ``body`` fails with OAuth error ``error``. */
async function refused(name, error, body) {
  return step(name, async () => {
    try {
      await body();
    } catch (err) {
      const code = errorCode(err);
      expect(code === error, `expected ${error}, got ${describe(err)}`);
      return { error: code, status: err.status ?? err.response?.status };
    }
    throw new StepFailure(`accepted; expected ${error}`);
  });
}

const SCOPE = "openid profile email offline_access";
// The proof key's algorithm: ES256, or Ed25519 (RFC 9864), openid-client's name
// for an Ed25519 key.
const DPOP_ALG = cfg.dpop_alg ?? "ES256";
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
    expect(Array.isArray(algs) && algs.includes(DPOP_ALG), `dpop_signing_alg_values_supported ${algs}`);
    state.keys = await oidc.randomDPoPKeyPair(DPOP_ALG);
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

finish();
