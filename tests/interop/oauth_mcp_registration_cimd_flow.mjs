// An MCP client's way in, driven with openid-client v6 and its oauth4webapi (pinned):
// the MCP authorization specification (2025-06-18 and later) end to end against an MCP
// endpoint protected with better_auth_oauth_provider.mcp.
//
//   node oauth_mcp_registration_cimd_flow.mjs <baseURL> <configFile>
//
// <configFile> (JSON), written by the pytest test:
//   {mcp_url, mode: "registration" | "cimd", client_id? (the document URL, cimd),
//    redirect_uri, login_page, consent_page, user: {email, password, name}}
//
// Flow: unauthenticated MCP `initialize` -> 401 with `WWW-Authenticate: Bearer
// resource_metadata="..."` (RFC 9728 §5.1) -> the protected resource metadata, checked
// by oauth4webapi (its `resource` is the MCP URL, RFC 9728 §3.3) -> RFC 8414 discovery of
// the authorization server it names -> a client: dynamic registration (RFC 7591) of a
// public native client, or the client ID metadata document URL (the server advertises
// `client_id_metadata_document_supported`) -> authorization code + PKCE with `resource`
// = the MCP URL (RFC 8707) and the challenged scope -> token request with `resource` ->
// the MCP call with the token succeeds -> refresh with `resource`, and the new token
// works too.
import * as oidc from "openid-client";
import * as oauth from "oauth4webapi";
import { authorizeSteps, browser, expect, finish, setup, step, StepFailure } from "./lib/harness.mjs";

const ctx = setup("oauth_mcp_registration_cimd_flow.mjs");
const { cfg } = ctx;
const b = browser(ctx);
const state = {};
const MCP = new URL(cfg.mcp_url);
const rpc = (id, method) => JSON.stringify({ jsonrpc: "2.0", id, method, params: {} });
const mcpHeaders = () =>
  new Headers({ "content-type": "application/json", accept: "application/json, text/event-stream" });

try {
  await step("unauthenticated-call-is-challenged", async () => {
    const res = await fetch(MCP, { method: "POST", headers: mcpHeaders(), body: rpc(1, "initialize") });
    expect(res.status === 401, `status ${res.status}`);
    // RFC 6750 §3 auth-params (quoted-string values, as the server sends them).
    const header = res.headers.get("www-authenticate") || "";
    expect(/^Bearer /i.test(header), `challenge ${header}`);
    const param = (name) => header.match(new RegExp(`(?:^Bearer |, )${name}="([^"]*)"`, "i"))?.[1];
    expect(param("resource_metadata"), `challenge ${header}`);
    expect(!param("error"), "no error code without a token (RFC 6750 §3.1)");
    state.metadataUrl = new URL(param("resource_metadata"));
    state.scope = param("scope");
    const body = await res.json();
    expect(body.jsonrpc === "2.0" && body.error?.code === -32000 && body.id === null, "JSON-RPC error body");
    return { resource_metadata: state.metadataUrl.pathname, scope: state.scope };
  });

  await step("protected-resource-metadata", async () => {
    const res = await fetch(state.metadataUrl, { headers: { accept: "application/json" } });
    const prm = await oauth.processResourceDiscoveryResponse(MCP, res);
    expect(Array.isArray(prm.authorization_servers) && prm.authorization_servers.length === 1, "one server");
    expect(prm.scopes_supported?.includes(state.scope), `scopes_supported ${prm.scopes_supported}`);
    state.issuer = new URL(prm.authorization_servers[0]);
    return { resource: prm.resource, authorization_servers: prm.authorization_servers };
  });

  await step("authorization-server-discovery", async () => {
    // RFC 8414 §3.1: the well-known segment inserted before the issuer's path.
    const res = await oauth.discoveryRequest(state.issuer, { algorithm: "oauth2", [oauth.allowInsecureRequests]: true });
    state.as = await oauth.processDiscoveryResponse(state.issuer, res);
    expect(state.as.code_challenge_methods_supported?.includes("S256"), "S256");
    if (cfg.mode === "cimd") {
      expect(state.as.client_id_metadata_document_supported === true, "client_id_metadata_document_supported");
    } else {
      expect(typeof state.as.registration_endpoint === "string", "registration_endpoint");
    }
    return { issuer: state.as.issuer };
  });

  await step(cfg.mode === "cimd" ? "client-id-metadata-document" : "dynamic-client-registration", async () => {
    let clientId;
    if (cfg.mode === "cimd") {
      clientId = cfg.client_id;
    } else {
      const registered = await oidc.dynamicClientRegistration(
        state.issuer,
        {
          client_name: "MCP client",
          redirect_uris: [cfg.redirect_uri],
          application_type: "native",
          token_endpoint_auth_method: "none",
          grant_types: ["authorization_code", "refresh_token"],
          response_types: ["code"],
        },
        undefined,
        { execute: [oidc.allowInsecureRequests], algorithm: "oauth2" },
      );
      clientId = registered.clientMetadata().client_id;
    }
    state.config = new oidc.Configuration(state.as, clientId, { token_endpoint_auth_method: "none" }, oidc.None());
    oidc.allowInsecureRequests(state.config);
    return { client: cfg.mode === "cimd" ? "document URL" : "registered" };
  });

  const scope = `${state.scope} offline_access`;
  const signIn = await authorizeSteps(b, ctx, state.config, {
    user: cfg.user,
    redirectUri: cfg.redirect_uri,
    scope,
    expectConsent: true,
    extra: { resource: MCP.href },
  });

  await step("token-for-the-mcp-resource", async () => {
    const tokens = await oidc.authorizationCodeGrant(
      state.config,
      signIn.callback,
      { pkceCodeVerifier: signIn.verifier, expectedState: signIn.state },
      { resource: MCP.href },
    );
    expect(typeof tokens.refresh_token === "string", "refresh token (offline_access)");
    const [, payload] = tokens.access_token.split(".");
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    expect(claims.aud === MCP.href, `aud ${JSON.stringify(claims.aud)}`);
    state.tokens = tokens;
    return { scope: tokens.scope, aud: "the MCP URL" };
  });

  async function call(token, id) {
    const res = await oidc.fetchProtectedResource(state.config, token, MCP, "POST", rpc(id, "tools/list"), mcpHeaders());
    expect(res.status === 200, `status ${res.status}`);
    const body = await res.json();
    expect(body.id === id && body.result?.caller === signIn.userId, `body ${JSON.stringify(body).slice(0, 120)}`);
    return { status: res.status };
  }

  await step("mcp-call-with-the-token", async () => call(state.tokens.access_token, 2));

  await step("refresh-keeps-the-resource", async () => {
    const tokens = await oidc.refreshTokenGrant(state.config, state.tokens.refresh_token, { resource: MCP.href });
    expect(tokens.access_token !== state.tokens.access_token, "new access token");
    return call(tokens.access_token, 3);
  });
} catch (err) {
  if (err instanceof StepFailure) console.error(err.message);
  // The failing step has been reported.
}

finish();
