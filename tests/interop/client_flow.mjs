// Drives a server that speaks Better Auth's HTTP API with Better Auth's own npm
// client (better-auth/client, createAuthClient), the way a Node application would.
//
//   node client_flow.mjs <baseURL>        e.g. http://127.0.0.1:8000
//
// The auth API is expected under <baseURL>/api/auth (the client's default basePath).
// Node's fetch keeps no cookies and sends no Origin header, while Better Auth checks
// the Origin of cookie-bearing POSTs against its trusted origins. A small cookie jar
// and an Origin header equal to the base URL's origin are therefore supplied through
// better-fetch's customFetchImpl, so the client behaves as it does in a browser.
//
// Output: one JSON line per step {step, ok, status, detail}, then one summary line
// {summary: true, ok, passed, failed, total}. Exit code 0 only if every step is ok.
import { randomBytes } from "node:crypto";
import { authClient, callStep as step, describeError, finish, parseArgs } from "./lib/harness.mjs";

const ctx = parseArgs("client_flow.mjs", ["baseURL"]);
const { BASE } = ctx;
const { client, jar } = authClient(ctx);

const iso = (v) => (v instanceof Date ? v.toISOString() : String(v));

// ---- the flow ----
const email = `interop-${Date.now()}-${randomBytes(4).toString("hex")}@example.com`;
const password = `pw-${randomBytes(9).toString("base64url")}`;
const newPassword = `pw2-${randomBytes(9).toString("base64url")}`;
const name = "Interop User";
const newName = "Interop User Renamed";
let currentToken = null;

await step(
  "sign-up",
  (fo) => client.signUp.email({ email, password, name }, fo),
  (d, e, s) => [s === 200 && !e && d?.user?.email === email, e ? describeError(e) : `user ${d?.user?.id}`],
);

await step(
  "sign-up duplicate email",
  (fo) => client.signUp.email({ email, password, name }, fo),
  (d, e, s) => [
    s === 422 && e?.code === "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL",
    describeError(e),
  ],
);

// Sign-up signs the user in; start from an empty jar so sign-in is exercised alone.
jar.clear();

await step(
  "sign-in wrong password",
  (fo) => client.signIn.email({ email, password: `${password}-wrong` }, fo),
  (d, e, s) => [s === 401 && e?.code === "INVALID_EMAIL_OR_PASSWORD", describeError(e)],
);

await step(
  "sign-in",
  (fo) => client.signIn.email({ email, password, rememberMe: true }, fo),
  (d, e, s) => [
    s === 200 && !e && typeof d?.token === "string" && d?.user?.email === email,
    e ? describeError(e) : `redirect=${d?.redirect} cookies=[${[...jar.keys()].join(",")}]`,
  ],
);

await step(
  "get-session",
  (fo) => client.getSession({ fetchOptions: fo }),
  (d, e, s) => {
    currentToken = d?.session?.token ?? null;
    return [
      s === 200 && !e && d?.user?.email === email && typeof currentToken === "string",
      e ? describeError(e) : `user=${d?.user?.email} expiresAt=${iso(d?.session?.expiresAt)}`,
    ];
  },
);

await step(
  "list-sessions",
  (fo) => client.listSessions({ fetchOptions: fo }),
  (d, e, s) => {
    const tokens = Array.isArray(d) ? d.map((x) => x?.token) : [];
    return [
      s === 200 && !e && tokens.length >= 1 && currentToken !== null && tokens.includes(currentToken),
      e ? describeError(e) : `${tokens.length} session(s), current included=${tokens.includes(currentToken)}`,
    ];
  },
);

await step(
  "update-user",
  (fo) => client.updateUser({ name: newName }, fo),
  (d, e, s) => [s === 200 && !e && d?.status === true, e ? describeError(e) : JSON.stringify(d)],
);

await step(
  "get-session shows new name",
  (fo) => client.getSession({ fetchOptions: fo }),
  (d, e, s) => [s === 200 && !e && d?.user?.name === newName, e ? describeError(e) : `name=${d?.user?.name}`],
);

await step(
  "change-password",
  (fo) => client.changePassword({ currentPassword: password, newPassword, revokeOtherSessions: false }, fo),
  (d, e, s) => [s === 200 && !e && d?.user?.email === email, e ? describeError(e) : `user=${d?.user?.email}`],
);

// Check the new credentials from a clean cookie jar, as a second device would.
jar.clear();

await step(
  "sign-in old password fails",
  (fo) => client.signIn.email({ email, password }, fo),
  (d, e, s) => [s === 401 && e?.code === "INVALID_EMAIL_OR_PASSWORD", describeError(e)],
);

await step(
  "sign-in new password",
  (fo) => client.signIn.email({ email, password: newPassword }, fo),
  (d, e, s) => [
    s === 200 && !e && typeof d?.token === "string" && d?.user?.email === email,
    e ? describeError(e) : `cookies=[${[...jar.keys()].join(",")}]`,
  ],
);

await step(
  "sign-out",
  (fo) => client.signOut({ fetchOptions: fo }),
  (d, e, s) => [s === 200 && !e && d?.success === true, e ? describeError(e) : JSON.stringify(d)],
);

await step(
  "get-session after sign-out",
  (fo) => client.getSession({ fetchOptions: fo }),
  (d, e, s) => [s === 200 && !e && d === null, e ? describeError(e) : `data=${JSON.stringify(d)}`],
);

finish({ baseURL: BASE });
