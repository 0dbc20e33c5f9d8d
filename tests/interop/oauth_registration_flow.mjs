// openid-client v6 (pinned) registers itself with `dynamicClientRegistration()` (RFC 7591)
// and then signs a user in through the client it registered.
//
//   node oauth_registration_flow.mjs <baseURL> <configFile>
//
// <configFile> (JSON), written by the pytest test:
//   {metadata: <RFC 7591 §2 request>, expected_auth_method, initial_access_token?,
//    redirect_uri, scope, login_page, consent_page, user: {email, password, name},
//    refused_registration?: {metadata, error, status, reuse_initial_access_token?}}
//
// Flow: discovery advertises `registration_endpoint` -> dynamicClientRegistration (with
// the initial access token of RFC 7591 §3 when given) answers 201 with the client, which
// keeps the authentication method it asked for (or the `client_secret_basic` default) and
// gets a secret exactly when that method needs one -> the client is used with the method
// it was registered for: sign-up, authorization code + PKCE through the login and consent
// pages, token exchange with ID-token validation, introspection (confidential clients),
// refresh with rotation, revocation -> a registration the server must refuse (open
// registration asking for client_credentials, or a spent single-use initial access token).
import * as oidc from "openid-client";
import { authorizeSteps, refreshRevokeSteps, browser, expect, finish, refused, setup, step, StepFailure } from "./lib/harness.mjs";

const ctx = setup("oauth_registration_flow.mjs");
const { ISSUER, cfg } = ctx;
const b = browser(ctx);
const state = {};
const registrationOptions = () => ({
  execute: [oidc.allowInsecureRequests],
  ...(cfg.initial_access_token ? { initialAccessToken: cfg.initial_access_token } : {}),
});

function authFor(client) {
  const method = client.token_endpoint_auth_method;
  if (method === "client_secret_basic") return oidc.ClientSecretBasic(client.client_secret);
  if (method === "client_secret_post") return oidc.ClientSecretPost(client.client_secret);
  if (method === "none") return oidc.None();
  throw new StepFailure(`unexpected token_endpoint_auth_method ${method}`);
}

try {
  await step("discovery-advertises-registration", async () => {
    const res = await b.request(`${ctx.BASE}/.well-known/oauth-authorization-server/api/auth`, {
      headers: { accept: "application/json" },
    });
    expect(res.status === 200, `status ${res.status}`);
    expect(res.json.registration_endpoint === `${ISSUER}/oauth2/register`, `registration_endpoint ${res.json.registration_endpoint}`);
    return { registration_endpoint: res.json.registration_endpoint };
  });

  await step("dynamic-client-registration", async () => {
    const registered = await oidc.dynamicClientRegistration(new URL(ISSUER), cfg.metadata, undefined, registrationOptions());
    const client = registered.clientMetadata();
    expect(typeof client.client_id === "string" && client.client_id.length > 0, "client_id");
    expect(client.token_endpoint_auth_method === cfg.expected_auth_method, `method ${client.token_endpoint_auth_method}`);
    const secretExpected = cfg.expected_auth_method !== "none";
    expect((typeof client.client_secret === "string") === secretExpected, `client_secret present: ${"client_secret" in client}`);
    expect(JSON.stringify(client.redirect_uris) === JSON.stringify(cfg.metadata.redirect_uris), "redirect_uris echoed");
    expect(client.grant_types?.includes("authorization_code"), `grant_types ${client.grant_types}`);
    expect(Number.isInteger(client.client_id_issued_at), "client_id_issued_at");
    // Use the client with the method it was registered for (openid-client's default for
    // a client with a secret would be client_secret_post).
    state.config = new oidc.Configuration(registered.serverMetadata(), client.client_id, client, authFor(client));
    oidc.allowInsecureRequests(state.config);
    state.client = client;
    return {
      token_endpoint_auth_method: client.token_endpoint_auth_method,
      secret: secretExpected ? "issued" : "none",
      members: Object.keys(client).filter((k) => k !== "client_secret").sort(),
    };
  });
  const confidential = state.client.token_endpoint_auth_method !== "none";

  const signIn = await authorizeSteps(b, ctx, state.config, {
    user: cfg.user,
    redirectUri: cfg.redirect_uri,
    scope: cfg.scope,
    expectConsent: true,
  });

  await step("token-exchange-with-id-token-validation", async () => {
    const tokens = await oidc.authorizationCodeGrant(state.config, signIn.callback, {
      pkceCodeVerifier: signIn.verifier,
      expectedState: signIn.state,
      expectedNonce: signIn.nonce,
      idTokenExpected: true,
    });
    expect(tokens.claims().sub === signIn.userId, "ID token sub");
    expect(tokens.claims().aud === state.client.client_id, "ID token aud is the registered client");
    expect(typeof tokens.refresh_token === "string", "refresh token");
    state.first = tokens;
    return { scope: tokens.scope };
  });

  if (confidential) {
    await step("introspect-access-token", async () => {
      const body = await oidc.tokenIntrospection(state.config, state.first.access_token);
      expect(body.active === true && body.client_id === state.client.client_id, `active ${body.active}`);
      return { active: true };
    });
  }

  await refreshRevokeSteps(state);

  if (cfg.refused_registration) {
    const bad = cfg.refused_registration;
    await step("registration-refused", async () =>
      refused(
        () => oidc.dynamicClientRegistration(new URL(ISSUER), bad.metadata, undefined, registrationOptions()),
        bad.error,
        bad.status,
      ),
    );
  }
} catch (err) {
  if (err instanceof StepFailure) console.error(err.message);
  // The failing step has been reported.
}

finish();
