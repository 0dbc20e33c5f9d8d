// openid-client v6 (pinned) as a client identified by a client ID metadata document
// (draft-ietf-oauth-client-id-metadata-document): its `client_id` is the URL of its
// metadata, and it signs a user in without ever registering.
//
//   node oauth_cimd_flow.mjs <baseURL> <configFile>
//
// <configFile> (JSON), written by the pytest test that serves the document from loopback:
//   {client_id (the document URL), client_name, redirect_uri, scope, private_jwk?,
//    login_page, consent_page, user: {email, password, name}, mismatched_client_id}
//
// Flow: discovery advertises `client_id_metadata_document_supported` and `none` ->
// sign-up -> authorization code + PKCE with the URL as client_id (the consent page shows
// the document's client_name) -> token exchange with ID-token validation (aud = the URL)
// -> refresh with rotation -> revocation -> an authorization request naming a document
// whose `client_id` is not its URL is refused without a redirect.
//
// Without `private_jwk` the client is public (`none`, PKCE); with it, the document
// carries the public key and openid-client authenticates with `PrivateKeyJwt`.
import * as oidc from "openid-client";
import { importJWK } from "jose";
import { authorizeSteps, refreshRevokeSteps, browser, expect, finish, setup, step, StepFailure } from "./lib/harness.mjs";

const ctx = setup("oauth_cimd_flow.mjs");
const { ISSUER, cfg } = ctx;
const b = browser(ctx);
const state = {};
const method = cfg.private_jwk ? "private_key_jwt" : "none";

async function clientAuth() {
  if (!cfg.private_jwk) return oidc.None();
  const key = await importJWK(cfg.private_jwk, cfg.private_jwk.alg);
  return oidc.PrivateKeyJwt({ key, kid: cfg.private_jwk.kid });
}

try {
  await step("discovery", async () => {
    state.config = await oidc.discovery(
      new URL(ISSUER),
      cfg.client_id,
      { token_endpoint_auth_method: method },
      await clientAuth(),
      { execute: [oidc.allowInsecureRequests] },
    );
    const meta = state.config.serverMetadata();
    expect(meta.client_id_metadata_document_supported === true, "client_id_metadata_document_supported");
    expect(meta.token_endpoint_auth_methods_supported?.includes(method), `${method} advertised`);
    return { client_id_metadata_document_supported: true };
  });

  const signIn = await authorizeSteps(b, ctx, state.config, {
    user: cfg.user,
    redirectUri: cfg.redirect_uri,
    scope: cfg.scope,
    expectConsent: true,
  });

  await step("consent-shows-the-document-name", async () => {
    expect(signIn.clientName === cfg.client_name, `client_name ${signIn.clientName}`);
    return { client_name: signIn.clientName };
  });

  await step("token-exchange-with-id-token-validation", async () => {
    const tokens = await oidc.authorizationCodeGrant(state.config, signIn.callback, {
      pkceCodeVerifier: signIn.verifier,
      expectedState: signIn.state,
      expectedNonce: signIn.nonce,
      idTokenExpected: true,
    });
    expect(tokens.claims().aud === cfg.client_id, "ID token aud is the document URL");
    expect(tokens.claims().sub === signIn.userId, "sub");
    expect(typeof tokens.refresh_token === "string", "refresh token");
    state.first = tokens;
    return { scope: tokens.scope };
  });

  await refreshRevokeSteps(state);

  await step("mismatched-document-refused", async () => {
    const other = new oidc.Configuration(state.config.serverMetadata(), cfg.mismatched_client_id, {}, oidc.None());
    oidc.allowInsecureRequests(other);
    const url = oidc.buildAuthorizationUrl(other, {
      redirect_uri: cfg.redirect_uri,
      scope: cfg.scope,
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: "S256",
      state: oidc.randomState(),
    });
    const res = await b.navigate(url.href);
    const location = res.headers.location ? new URL(res.headers.location, ISSUER) : null;
    // Never back to the redirect URI: the client is unknown (RFC 6749 §4.1.2.1).
    expect(!location || !location.href.startsWith(cfg.redirect_uri), `redirected to ${location?.href}`);
    const error = location ? location.searchParams.get("error") : res.json?.error;
    expect(error === "invalid_client", `status ${res.status}, error ${error}`);
    return { status: res.status, error };
  });
} catch (err) {
  if (err instanceof StepFailure) console.error(err.message);
  // The failing step has been reported.
}

finish();
