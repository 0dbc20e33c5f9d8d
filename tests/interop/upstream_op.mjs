// An upstream OpenID Provider for the social-login interop tests: panva's
// oidc-provider (certified OpenID Provider implementation) on a free
// loopback port, with one confidential client whose redirect URI is our
// live server's callback. PKCE is required for every client.
//
// usage: node upstream_op.mjs <redirect_uri> <client_id> <client_secret>
//          [<redirect_uri> <client_id> <public_jwk_json>]
// The optional second client authenticates to the token endpoint with
// private_key_jwt (RFC 7523) using the given public JWK.
// Prints {"issuer": "..."} once listening, then one {"seen": {...}} line per
// authorization request and one {"token": {...}} line per token request
// (what the provider received, secrets left out), until killed or stdin
// closes.
import { createServer } from "node:net";
import Provider from "oidc-provider";

const [redirectUri, clientId, clientSecret, jwtRedirectUri, jwtClientId, jwtKey] =
  process.argv.slice(2);
if (!redirectUri || !clientId || !clientSecret) {
  console.error("usage: node upstream_op.mjs <redirect_uri> <client_id> <client_secret>");
  process.exit(2);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const port = await freePort();
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_post",
    },
    ...(jwtClientId
      ? [
          {
            client_id: jwtClientId,
            redirect_uris: [jwtRedirectUri],
            grant_types: ["authorization_code", "refresh_token"],
            response_types: ["code"],
            token_endpoint_auth_method: "private_key_jwt",
            token_endpoint_auth_signing_alg: "RS256",
            jwks: { keys: [JSON.parse(jwtKey)] },
          },
        ]
      : []),
  ],
  pkce: { required: () => true },
  scopes: ["openid", "email", "profile", "offline_access"],
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name"],
  },
  features: { devInteractions: { enabled: true } },
  issueRefreshToken: async () => true,
  async findAccount(ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        return {
          sub,
          email: `${sub}@upstream.example`,
          email_verified: true,
          name: `Upstream ${sub}`,
        };
      },
    };
  },
  cookies: { keys: ["interop-test-cookie-key"] },
  // Scope claims in the ID token too, so it can stand alone (id-token sign-in).
  conformIdTokenClaims: false,
});

provider.use(async (ctx, next) => {
  if (ctx.path === "/auth" && ctx.method === "GET" && ctx.query.client_id) {
    const q = ctx.query;
    console.log(
      JSON.stringify({
        seen: {
          code_challenge_method: q.code_challenge_method ?? null,
          code_challenge: q.code_challenge ?? null,
          nonce: q.nonce ?? null,
          state: q.state ?? null,
          redirect_uri: q.redirect_uri ?? null,
          scope: q.scope ?? null,
        },
      }),
    );
  }
  await next();
});

// What the token endpoint received: the grant, how the client authenticated
// and any parameter beyond the standard ones (never secrets or assertions).
const STANDARD = new Set([
  "grant_type", "code", "code_verifier", "redirect_uri", "refresh_token",
  "client_id", "client_secret", "client_assertion", "client_assertion_type",
  "scope", "resource",
]);
provider.use(async (ctx, next) => {
  await next();
  if (ctx.path === "/token" && ctx.method === "POST" && ctx.oidc?.body) {
    const body = ctx.oidc.body;
    const extra = Object.fromEntries(
      Object.entries(body).filter(([k]) => !STANDARD.has(k)),
    );
    console.log(
      JSON.stringify({
        token: {
          status: ctx.status,
          grant_type: body.grant_type ?? null,
          client_id: ctx.oidc.client?.clientId ?? null,
          auth_method: ctx.oidc.client?.clientAuthMethod ?? null,
          client_assertion_type: body.client_assertion_type ?? null,
          extra,
        },
      }),
    );
  }
});

const server = provider.listen(port, "127.0.0.1", () => {
  console.log(JSON.stringify({ issuer }));
});

function stop() {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.stdin.on("end", stop);
process.stdin.resume();
