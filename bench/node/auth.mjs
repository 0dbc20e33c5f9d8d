// The Better Auth instance both server.mjs and queries.mjs use.
//
// DATABASE_URL postgres://... uses a pg Pool; sqlite:///path a better-sqlite3
// database in WAL mode (how Better Auth's own SQLite baseline runs).
import pg from "pg";
import Database from "better-sqlite3";
import { betterAuth } from "better-auth";

function openDatabase(url) {
  if (url.startsWith("sqlite:")) {
    const db = new Database(url.replace(/^sqlite:\/\//, ""));
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    return { database: db, close: async () => db.close() };
  }
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  return { database: pool, close: () => pool.end() };
}

export function makeAuth({ origin, cookieCache }) {
  const { database, close } = openDatabase(process.env.DATABASE_URL);
  const auth = betterAuth({
    baseURL: origin,
    basePath: "/api/auth",
    secret: process.env.BETTER_AUTH_SECRET,
    database,
    emailAndPassword: { enabled: true, requireEmailVerification: false },
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    session: {
      cookieCache: { enabled: Boolean(cookieCache), maxAge: 300, strategy: "compact" },
    },
  });
  return { auth, pool: { end: close } };
}
