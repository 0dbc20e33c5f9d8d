// A relying party nobody here wrote: openid-client v6 (panva, pinned in package.json)
// signs a user in through the OAuth 2.1 / OpenID Connect provider under test.
//
//   node oauth_rp_flow.mjs <baseURL> <configFile>
//
// <configFile> (JSON) describes the registered client (created by the pytest test):
//   {client_id, client_secret?, auth_method: "client_secret_basic" | "client_secret_post"
//    | "none", redirect_uri, post_logout_redirect_uri, login_page, consent_page,
//    expect_consent: bool, alg: "EdDSA" | "ES256" | "RS256",
//    user: {email, password, name}}
//
// Flow: discovery -> sign-up (plain, no authorization) -> authorize without a session
// (302 to the login page with the signed continuation) -> POST /sign-in/email with
// `oauth_query` ({redirect: true, url}) -> [consent page: public-client info, POST
// /oauth2/consent {accept, oauth_query}] -> callback with code, state and RFC 9207 iss ->
// code + PKCE (S256) exchange with ID-token validation (openid-client with its
// non-repudiation signature check, plus jose against /jwks, plus at_hash) -> UserInfo ->
// introspection (confidential clients) -> refresh with rotation -> revocation of the
// access and the refresh token (introspection / UserInfo inactive afterwards, refresh
// with the revoked token refused) -> revoking an unknown token (RFC 7009 §2.2: 200) ->
// code replay refused and the tokens the code issued revoked (RFC 6749 §10.5) ->
// second authorization with the session (no login page) -> RP-initiated logout with
// id_token_hint (302 to post_logout_redirect_uri, session gone, its tokens inactive).
//
// Browser navigations (authorize, end-session) are sent with node:http and `Accept:
// text/html`, as a browser would, because Node's fetch adds `Sec-Fetch-Mode: cors`,
// which makes a Better Auth server answer JSON instead of a 302.
//
// Output: one JSON line per step {step, ok, detail}, then {summary: true, ok, passed,
// failed, total}. Exit code 0 only if every step passed. Tokens and secrets are never
// printed; details name claims and statuses only.
import { createHash, randomBytes } from "node:crypto";
import * as oidc from "openid-client";
import { createRemoteJWKSet, jwtVerify, decodeProtectedHeader } from "jose";
import { browser, describe, expect, finish, setup, step, StepFailure } from "./lib/harness.mjs";

const ctx = setup("oauth_rp_flow.mjs");
const { ISSUER, cfg } = ctx;
const confidential = cfg.auth_method !== "none";
const { jar, request, navigate, apiPost } = browser(ctx, { userAgent: "oauth-rp-flow/1" });

// ---------- PKCE, at_hash, client authentication ----------
const startsWithUrl = (value, prefix) => typeof value === "string" && value.startsWith(prefix);
function atHash(accessToken, alg) {
  const hash = alg === "EdDSA" || alg.endsWith("512") ? "sha512" : alg.endsWith("384") ? "sha384" : "sha256";
  const digest = createHash(hash).update(accessToken, "ascii").digest();
  return digest.subarray(0, digest.length / 2).toString("base64url");
}
function clientAuth() {
  if (cfg.auth_method === "client_secret_basic") return oidc.ClientSecretBasic(cfg.client_secret);
  if (cfg.auth_method === "client_secret_post") return oidc.ClientSecretPost(cfg.client_secret);
  return oidc.None();
}
const SCOPE = "openid profile email offline_access";
const state = {};

try {
  // ---------- discovery (OIDC Discovery 1.0, RFC 8414) ----------
  await step("discovery", async () => {
    state.config = await oidc.discovery(
      new URL(ISSUER),
      cfg.client_id,
      { token_endpoint_auth_method: cfg.auth_method, id_token_signed_response_alg: cfg.alg },
      clientAuth(),
      { execute: [oidc.allowInsecureRequests, oidc.enableNonRepudiationChecks] },
    );
    const meta = state.config.serverMetadata();
    expect(meta.issuer === ISSUER, `issuer ${meta.issuer}, expected ${ISSUER}`);
    for (const key of [
      "authorization_endpoint",
      "token_endpoint",
      "userinfo_endpoint",
      "jwks_uri",
      "introspection_endpoint",
      "revocation_endpoint",
      "end_session_endpoint",
    ]) {
      expect(startsWithUrl(meta[key], ISSUER), `${key} is ${meta[key]}`);
    }
    expect(meta.code_challenge_methods_supported?.join() === "S256", "S256 only");
    expect(meta.authorization_response_iss_parameter_supported === true, "RFC 9207 iss advertised");
    expect(meta.id_token_signing_alg_values_supported?.includes(cfg.alg), `${cfg.alg} advertised`);
    expect(meta.token_endpoint_auth_methods_supported?.includes(cfg.auth_method), `${cfg.auth_method} advertised`);
    return { issuer: meta.issuer, algs: meta.id_token_signing_alg_values_supported };
  });
  const meta = state.config.serverMetadata();

  await step("sign-up", async () => {
    const res = await apiPost("/sign-up/email", cfg.user);
    expect(res.status === 200, `status ${res.status}: ${res.text.slice(0, 200)}`);
    expect(res.json?.user?.email === cfg.user.email, "user email echoed");
    state.userId = res.json.user.id;
    jar.clear(); // the authorization starts signed out
    return { status: res.status };
  });

  // ---------- authorization request (RFC 6749 §4.1.1, RFC 7636, OIDC Core §3.1.2.1) ----------
  state.verifier = oidc.randomPKCECodeVerifier();
  state.state = oidc.randomState();
  state.nonce = oidc.randomNonce();
  const authUrl = oidc.buildAuthorizationUrl(state.config, {
    redirect_uri: cfg.redirect_uri,
    scope: SCOPE,
    code_challenge: await oidc.calculatePKCECodeChallenge(state.verifier),
    code_challenge_method: "S256",
    state: state.state,
    nonce: state.nonce,
  });

  await step("authorize-redirects-to-login-page", async () => {
    const res = await navigate(authUrl.href);
    expect(res.status === 302, `status ${res.status}`);
    const location = new URL(res.headers.location);
    expect(location.href.startsWith(cfg.login_page), `Location is not the login page: ${location.origin}${location.pathname}`);
    for (const name of ["client_id", "state", "redirect_uri", "code_challenge", "nonce", "sig", "exp"]) {
      expect(location.searchParams.has(name), `signed query lacks ${name}`);
    }
    expect(location.searchParams.get("state") === state.state, "state carried to the login page");
    state.loginQuery = location.search.slice(1);
    return { page: `${location.origin}${location.pathname}`, params: [...new Set(location.searchParams.keys())] };
  });

  await step("sign-in-with-oauth-query", async () => {
    const res = await apiPost("/sign-in/email", {
      email: cfg.user.email,
      password: cfg.user.password,
      oauth_query: state.loginQuery,
    });
    expect(res.status === 200, `status ${res.status}: ${res.text.slice(0, 200)}`);
    expect(res.json?.redirect === true && typeof res.json?.url === "string", `body keys ${Object.keys(res.json || {})}`);
    expect(jar.has("better-auth.session_token"), "session cookie set");
    const target = cfg.expect_consent ? cfg.consent_page : cfg.redirect_uri;
    expect(res.json.url.startsWith(target), `url goes to ${new URL(res.json.url).pathname}, expected ${target}`);
    state.next = res.json.url;
    return { redirect: true, to: cfg.expect_consent ? "consent page" : "redirect_uri" };
  });

  if (cfg.expect_consent) {
    const consentQuery = new URL(state.next).search.slice(1);
    await step("consent-page-client-info", async () => {
      const clientId = new URLSearchParams(consentQuery).get("client_id");
      const res = await request(`${ISSUER}/oauth2/public-client?client_id=${encodeURIComponent(clientId)}`, {
        headers: { accept: "application/json" },
      });
      expect(res.status === 200, `status ${res.status}: ${res.text.slice(0, 200)}`);
      expect(res.json?.client_id === cfg.client_id, "client_id");
      expect(typeof res.json?.client_name === "string" && res.json.client_name.length > 0, "client_name");
      expect(!("client_secret" in res.json), "no secret in public client info");
      return { client_name: res.json.client_name, scope: new URLSearchParams(consentQuery).get("scope") };
    });
    await step("consent-accept", async () => {
      const res = await apiPost("/oauth2/consent", { accept: true, oauth_query: consentQuery });
      expect(res.status === 200, `status ${res.status}: ${res.text.slice(0, 200)}`);
      expect(res.json?.redirect === true && startsWithUrl(res.json?.url, cfg.redirect_uri), "redirect to redirect_uri");
      state.next = res.json.url;
      return { redirect: true };
    });
  }

  await step("callback-carries-code-state-iss", async () => {
    const cb = new URL(state.next);
    expect(cb.searchParams.has("code"), `callback has no code (error=${cb.searchParams.get("error")})`);
    expect(cb.searchParams.get("state") === state.state, "state echoed (RFC 6749 §4.1.2)");
    expect(cb.searchParams.get("iss") === ISSUER, "iss is the issuer (RFC 9207 §2)");
    state.callback = cb;
    return { params: [...cb.searchParams.keys()] };
  });

  // ---------- token exchange + ID token (RFC 6749 §4.1.3, OIDC Core §3.1.3.7) ----------
  const jwks = createRemoteJWKSet(new URL(meta.jwks_uri));
  async function verifyIdToken(idToken, accessToken, { nonce } = {}) {
    const header = decodeProtectedHeader(idToken);
    expect(header.alg === cfg.alg, `alg ${header.alg}, expected ${cfg.alg}`);
    expect(typeof header.kid === "string", "kid in header");
    const { payload } = await jwtVerify(idToken, jwks, {
      issuer: ISSUER,
      audience: cfg.client_id,
      algorithms: [cfg.alg],
      requiredClaims: ["sub", "iat", "exp"],
    });
    expect(payload.sub === state.userId, "sub is the user id");
    expect(payload.at_hash === atHash(accessToken, cfg.alg), "at_hash matches the access token");
    expect(payload.acr === "0", "acr 0");
    expect(Number.isInteger(payload.auth_time), "auth_time");
    if (nonce) expect(payload.nonce === nonce, "nonce");
    else expect(!("nonce" in payload), "no nonce outside the code flow");
    expect(!("email" in payload), "profile claims come from UserInfo");
    return payload;
  }

  await step("token-exchange-with-id-token-validation", async () => {
    const tokens = await oidc.authorizationCodeGrant(state.config, state.callback, {
      pkceCodeVerifier: state.verifier,
      expectedState: state.state,
      expectedNonce: state.nonce,
      idTokenExpected: true,
    });
    expect(tokens.token_type.toLowerCase() === "bearer", `token_type ${tokens.token_type}`);
    expect(typeof tokens.refresh_token === "string", "offline_access gives a refresh token");
    expect(tokens.expires_in > 0, "expires_in");
    expect(tokens.scope === SCOPE, `scope ${tokens.scope}`);
    const claims = tokens.claims();
    expect(claims.sub === state.userId, "openid-client claims().sub");
    const payload = await verifyIdToken(tokens.id_token, tokens.access_token, { nonce: state.nonce });
    state.first = tokens;
    state.sid = payload.sid;
    return { claims: Object.keys(payload).sort(), kid: decodeProtectedHeader(tokens.id_token).kid ? "set" : "missing" };
  });

  await step("userinfo", async () => {
    const info = await oidc.fetchUserInfo(state.config, state.first.access_token, state.userId);
    expect(info.email === cfg.user.email, "email");
    expect(info.name === cfg.user.name, "name");
    expect(info.email_verified === false, "email_verified");
    return { claims: Object.keys(info).sort() };
  });

  if (confidential) {
    await step("introspect-access-token", async () => {
      const body = await oidc.tokenIntrospection(state.config, state.first.access_token);
      expect(body.active === true, "active");
      expect(body.client_id === cfg.client_id, "client_id");
      expect(body.sub === state.userId, "sub");
      expect(body.scope === SCOPE, "scope");
      expect(body.iss === ISSUER, "iss");
      expect(Number.isInteger(body.exp) && Number.isInteger(body.iat), "exp / iat");
      return { members: Object.keys(body).sort() };
    });
    await step("introspect-refresh-token", async () => {
      const body = await oidc.tokenIntrospection(state.config, state.first.refresh_token, {
        token_type_hint: "refresh_token",
      });
      expect(body.active === true && body.client_id === cfg.client_id, JSON.stringify(body.active));
      return { members: Object.keys(body).sort() };
    });
  }

  // ---------- refresh (RFC 6749 §6, OAuth 2.1 §4.3.1 rotation) ----------
  await step("refresh-rotates", async () => {
    const tokens = await oidc.refreshTokenGrant(state.config, state.first.refresh_token);
    expect(tokens.access_token !== state.first.access_token, "new access token");
    expect(typeof tokens.refresh_token === "string" && tokens.refresh_token !== state.first.refresh_token, "rotated");
    expect(typeof tokens.id_token === "string", "ID token on refresh (openid scope)");
    await verifyIdToken(tokens.id_token, tokens.access_token);
    state.second = tokens;
    return { scope: tokens.scope };
  });

  async function inactive(token, hint) {
    if (confidential) {
      const body = await oidc.tokenIntrospection(state.config, token, hint ? { token_type_hint: hint } : undefined);
      expect(body.active === false && Object.keys(body).length === 1, `introspection ${JSON.stringify(Object.keys(body))}`);
      return "introspection {active:false}";
    }
    if (hint === "refresh_token") return "not checked";
    const res = await request(`${ISSUER}/oauth2/userinfo`, { headers: { authorization: `Bearer ${token}` }, cookies: false });
    expect(res.status === 401 && res.json?.error === "invalid_token", `userinfo ${res.status}`);
    return "userinfo 401 invalid_token";
  }

  // ---------- revocation (RFC 7009) ----------
  await step("revoke-access-token", async () => {
    await oidc.tokenRevocation(state.config, state.second.access_token, { token_type_hint: "access_token" });
    return { after: await inactive(state.second.access_token) };
  });
  await step("revoke-refresh-token", async () => {
    await oidc.tokenRevocation(state.config, state.second.refresh_token, { token_type_hint: "refresh_token" });
    return { after: await inactive(state.second.refresh_token, "refresh_token") };
  });
  await step("refresh-with-revoked-token-refused", async () => {
    try {
      await oidc.refreshTokenGrant(state.config, state.second.refresh_token);
    } catch (err) {
      expect(err.error === "invalid_grant" && err.status === 400, describe(err));
      return { error: err.error };
    }
    throw new StepFailure("a revoked refresh token was accepted");
  });
  await step("revoke-unknown-token-is-200", async () => {
    // RFC 7009 §2.2: an invalid token does not cause an error response.
    await oidc.tokenRevocation(state.config, `unknown-${randomBytes(8).toString("hex")}`);
    return { status: 200 };
  });

  // ---------- code replay (RFC 6749 §4.1.2, §10.5) ----------
  await step("code-replay-refused", async () => {
    try {
      await oidc.authorizationCodeGrant(state.config, state.callback, {
        pkceCodeVerifier: state.verifier,
        expectedState: state.state,
        expectedNonce: state.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      expect(err.error === "invalid_grant" && err.status === 400, describe(err));
      return { error: err.error, first_access_token: await inactive(state.first.access_token) };
    }
    throw new StepFailure("a used authorization code was accepted again");
  });

  // ---------- second authorization: the session is reused, no login page ----------
  await step("authorize-with-session", async () => {
    const verifier = oidc.randomPKCECodeVerifier();
    const st = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(state.config, {
      redirect_uri: cfg.redirect_uri,
      scope: SCOPE,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state: st,
      nonce,
    });
    const res = await navigate(url.href);
    expect(res.status === 302, `status ${res.status}`);
    expect(startsWithUrl(res.headers.location, cfg.redirect_uri), "straight back to the RP (consent remembered)");
    const tokens = await oidc.authorizationCodeGrant(state.config, new URL(res.headers.location), {
      pkceCodeVerifier: verifier,
      expectedState: st,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    await verifyIdToken(tokens.id_token, tokens.access_token, { nonce });
    state.third = tokens;
    return { consent: "remembered" };
  });

  // ---------- RP-initiated logout (OIDC RP-Initiated Logout 1.0 §2, §3) ----------
  await step("end-session", async () => {
    const logoutState = oidc.randomState();
    const url = oidc.buildEndSessionUrl(state.config, {
      id_token_hint: state.third.id_token,
      post_logout_redirect_uri: cfg.post_logout_redirect_uri,
      state: logoutState,
    });
    const res = await navigate(url.href);
    expect(res.status === 302, `status ${res.status}: ${res.text.slice(0, 200)}`);
    const location = new URL(res.headers.location);
    expect(`${location.origin}${location.pathname}` === cfg.post_logout_redirect_uri, "post_logout_redirect_uri");
    expect(location.searchParams.get("state") === logoutState, "state echoed");
    const session = await request(`${ISSUER}/get-session`, { headers: { accept: "application/json" } });
    expect(session.status === 200 && session.text === "null", `get-session after logout: ${session.text.slice(0, 80)}`);
    return { session: "ended", access_token: await inactive(state.third.access_token) };
  });
} catch {
  // The failing step has been reported.
}

finish();
