// The Better Auth instance both server.mjs and queries.mjs use.
import pg from "pg";
import { betterAuth } from "better-auth";

export function makeAuth({ origin, cookieCache }) {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
  const auth = betterAuth({
    baseURL: origin,
    basePath: "/api/auth",
    secret: process.env.BETTER_AUTH_SECRET,
    database: pool,
    emailAndPassword: { enabled: true, requireEmailVerification: false },
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    session: {
      cookieCache: { enabled: Boolean(cookieCache), maxAge: 300, strategy: "compact" },
    },
  });
  return { auth, pool };
}
