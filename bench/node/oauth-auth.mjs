// The Better Auth instance with its OAuth 2.1 provider that oauth-server.mjs and
// oauth-queries.mjs use: better-auth 1.7.25, @better-auth/oauth-provider 1.7.5 and
// the jwt plugin the provider signs ID tokens with, on a pg Pool.
//
// The extra scope "bench:read" is what the client_credentials grant issues (the
// provider grants it only from a client's client_credentials_scopes, which only
// adminCreateOAuthClient sets, and only where clientPrivileges allows it).
import pg from "pg";
import { betterAuth } from "better-auth";
import { jwt } from "better-auth/plugins";
import { oauthProvider } from "@better-auth/oauth-provider";

export const M2M_SCOPE = "bench:read";

export function makeOAuthAuth({ origin }) {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
  const auth = betterAuth({
    baseURL: origin,
    basePath: "/api/auth",
    secret: process.env.BETTER_AUTH_SECRET,
    database: pool,
    emailAndPassword: { enabled: true, requireEmailVerification: false },
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    plugins: [
      jwt(),
      oauthProvider({
        loginPage: `${origin}/login`,
        consentPage: `${origin}/consent`,
        scopes: ["openid", "profile", "email", "offline_access", M2M_SCOPE],
        clientPrivileges: () => true,
      }),
    ],
  });
  return { auth, pool };
}

// A confidential client_secret_basic client for all three grants, created the
// way an admin does it (server-side adminCreateOAuthClient, signed in).
export async function createBenchClient(auth, { email, password, redirectUri }) {
  let signed;
  try {
    signed = await auth.api.signInEmail({ body: { email, password }, returnHeaders: true });
  } catch {
    await auth.api.signUpEmail({ body: { email, password, name: "Bench" } });
    signed = await auth.api.signInEmail({ body: { email, password }, returnHeaders: true });
  }
  const cookie = signed.headers
    .getSetCookie()
    .map((c) => c.split(";", 1)[0])
    .join("; ");
  return auth.api.adminCreateOAuthClient({
    headers: new Headers({ cookie }),
    body: {
      client_name: "bench",
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: "client_secret_basic",
      grant_types: ["authorization_code", "refresh_token", "client_credentials"],
      response_types: ["code"],
      client_credentials_scopes: [M2M_SCOPE],
      skip_consent: true,
    },
  });
}
