// openid-client v6 (pinned) as a private_key_jwt client (RFC 7523 §2.2, OIDC Core §9) of
// the provider under test.
//
//   node oauth_private_key_jwt_flow.mjs <baseURL> <configFile>
//
// <configFile> (JSON), written by the pytest test that registered the client:
//   {client_id, private_jwk (with kid and alg), redirect_uri, scope, login_page,
//    consent_page, expect_consent, user: {email, password, name}, eddsa_header: bool}
//
// Flow: discovery (private_key_jwt and the key's algorithm advertised for the token,
// introspection and revocation endpoints) -> sign-up -> authorization code + PKCE through
// the login page -> token request authenticated with `PrivateKeyJwt(privateKey)` (ID token
// validated by openid-client) -> introspection of the access and the refresh token with
// assertions -> refresh with rotation -> revocation with an assertion, after which the
// refresh token introspects inactive and cannot be used -> a replayed assertion (same
// `jti`, RFC 7523 §3 item 7) refused -> an assertion signed by a key the client never
// registered refused (401 invalid_client).
//
// openid-client signs an Ed25519 key with the RFC 9864 name `Ed25519`; `eddsa_header` asks
// it (through its `modifyAssertion` hook) for the polymorphic `EdDSA` of RFC 8037 instead.
// The provider advertises and accepts both.
import { randomBytes } from "node:crypto";
import * as oidc from "openid-client";
import { importJWK, generateKeyPair } from "jose";
import { authorizeSteps, browser, expect, finish, refused, setup, step, StepFailure } from "./lib/harness.mjs";

const ctx = setup("oauth_private_key_jwt_flow.mjs");
const { ISSUER, cfg } = ctx;
const b = browser(ctx);
const state = {};

const keyAlg = cfg.private_jwk.alg;
const privateKey = await importJWK(cfg.private_jwk, keyAlg);
const assertionOptions = (extra) => ({
  [oidc.modifyAssertion]: (header, payload) => {
    if (cfg.eddsa_header && header.alg === "Ed25519") header.alg = "EdDSA";
    extra?.(header, payload);
  },
});
const clientAuth = (key = { key: privateKey, kid: cfg.private_jwk.kid }, extra) =>
  oidc.PrivateKeyJwt(key, assertionOptions(extra));

try {
  await step("discovery", async () => {
    state.config = await oidc.discovery(
      new URL(ISSUER),
      cfg.client_id,
      { token_endpoint_auth_method: "private_key_jwt" },
      clientAuth(),
      { execute: [oidc.allowInsecureRequests] },
    );
    const meta = state.config.serverMetadata();
    expect(meta.issuer === ISSUER, `issuer ${meta.issuer}`);
    const alg = cfg.eddsa_header || keyAlg !== "EdDSA" ? keyAlg : "Ed25519";
    for (const endpoint of ["token", "introspection", "revocation"]) {
      const methods = meta[`${endpoint}_endpoint_auth_methods_supported`];
      expect(methods?.includes("private_key_jwt"), `${endpoint}: private_key_jwt not advertised`);
      const algs = meta[`${endpoint}_endpoint_auth_signing_alg_values_supported`];
      expect(algs?.includes(alg), `${endpoint}: ${alg} not advertised`);
    }
    return { alg };
  });

  const signIn = await authorizeSteps(b, ctx, state.config, {
    user: cfg.user,
    redirectUri: cfg.redirect_uri,
    scope: cfg.scope,
    expectConsent: cfg.expect_consent,
  });

  await step("token-exchange-with-private-key-jwt", async () => {
    const tokens = await oidc.authorizationCodeGrant(state.config, signIn.callback, {
      pkceCodeVerifier: signIn.verifier,
      expectedState: signIn.state,
      expectedNonce: signIn.nonce,
      idTokenExpected: true,
    });
    expect(tokens.token_type.toLowerCase() === "bearer", `token_type ${tokens.token_type}`);
    expect(typeof tokens.refresh_token === "string", "offline_access gives a refresh token");
    expect(tokens.scope === cfg.scope, `scope ${tokens.scope}`);
    expect(tokens.claims().sub === signIn.userId, "ID token sub");
    expect(tokens.claims().aud === cfg.client_id, "ID token aud");
    state.first = tokens;
    return { scope: tokens.scope };
  });

  await step("introspect-access-token", async () => {
    const body = await oidc.tokenIntrospection(state.config, state.first.access_token);
    expect(body.active === true, "active");
    expect(body.client_id === cfg.client_id, "client_id");
    expect(body.sub === signIn.userId, "sub");
    return { members: Object.keys(body).sort() };
  });

  await step("introspect-refresh-token", async () => {
    const body = await oidc.tokenIntrospection(state.config, state.first.refresh_token, {
      token_type_hint: "refresh_token",
    });
    expect(body.active === true && body.client_id === cfg.client_id, `active ${body.active}`);
    return { active: body.active };
  });

  await step("refresh-rotates", async () => {
    const tokens = await oidc.refreshTokenGrant(state.config, state.first.refresh_token);
    expect(tokens.access_token !== state.first.access_token, "new access token");
    expect(typeof tokens.refresh_token === "string" && tokens.refresh_token !== state.first.refresh_token, "rotated");
    state.second = tokens;
    return { scope: tokens.scope };
  });

  await step("revoke-refresh-token", async () => {
    await oidc.tokenRevocation(state.config, state.second.refresh_token, { token_type_hint: "refresh_token" });
    const body = await oidc.tokenIntrospection(state.config, state.second.refresh_token, {
      token_type_hint: "refresh_token",
    });
    expect(body.active === false && Object.keys(body).length === 1, `introspection ${JSON.stringify(body)}`);
    return { after: "introspection {active:false}" };
  });

  await step("refresh-with-revoked-token-refused", async () =>
    refused(() => oidc.refreshTokenGrant(state.config, state.second.refresh_token), "invalid_grant", 400),
  );

  await step("assertion-jti-replay-refused", async () => {
    // The same jti twice: RFC 7523 §3 item 7 lets the server refuse the second one.
    const jti = randomBytes(16).toString("base64url");
    const replaying = new oidc.Configuration(
      state.config.serverMetadata(),
      cfg.client_id,
      { token_endpoint_auth_method: "private_key_jwt" },
      clientAuth(undefined, (_h, payload) => {
        payload.jti = jti;
      }),
    );
    oidc.allowInsecureRequests(replaying);
    // (The tokens are inactive by now: the revoked refresh token's reuse ended the grant;
    // the client still authenticates and gets an answer.)
    const first = await oidc.tokenIntrospection(replaying, state.first.access_token);
    expect(typeof first.active === "boolean", "the first use of the jti is accepted");
    const second = await refused(() => oidc.tokenIntrospection(replaying, state.first.access_token), "invalid_client", 400);
    return { first: "accepted", second };
  });

  await step("assertion-from-an-unregistered-key-refused", async () => {
    const { privateKey: stranger } = await generateKeyPair(keyAlg === "EdDSA" ? "Ed25519" : keyAlg, {
      extractable: false,
    });
    const impostor = new oidc.Configuration(
      state.config.serverMetadata(),
      cfg.client_id,
      { token_endpoint_auth_method: "private_key_jwt" },
      clientAuth({ key: stranger, kid: cfg.private_jwk.kid }),
    );
    oidc.allowInsecureRequests(impostor);
    return refused(() => oidc.tokenIntrospection(impostor, state.first.access_token), "invalid_client", 401);
  });
} catch (err) {
  if (err instanceof StepFailure) console.error(err.message);
  // The failing step has been reported.
}

finish();
