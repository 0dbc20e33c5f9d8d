// Drives the jwt, multi-session and bearer plugins with Better Auth's own npm
// client: jwtClient() and multiSessionClient() in one cookie jar holding two
// accounts, then a client with no cookies at all that keeps its session in
// the set-auth-token header (fetchOptions.auth bearer), as a mobile app does.
//
//   node jwt_multi_session_bearer_flow.mjs <baseURL>
//
// Output: one JSON line per step {step, ok, status, detail}, then
// {summary: true, ok, passed, failed, total}; exit 0 only if all passed.
import { randomBytes } from "node:crypto";
import { createAuthClient } from "better-auth/client";
import { jwtClient, multiSessionClient } from "better-auth/client/plugins";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { authClient, callStep as step, describeError, finish, parseArgs } from "./lib/harness.mjs";

const ctx = parseArgs("jwt_multi_session_bearer_flow.mjs", ["baseURL"]);
const { BASE, ORIGIN } = ctx;

// A browser-like client: a cookie jar and an Origin header.
const browser = () => authClient(ctx, { plugins: [jwtClient(), multiSessionClient()] });

// A cookie-less client: the documented bearer setup of Better Auth.
function app() {
  const store = { token: "" };
  const client = createAuthClient({
    baseURL: BASE,
    fetchOptions: {
      auth: { type: "Bearer", token: () => store.token },
      onSuccess: (ctx) => {
        const token = ctx.response.headers.get("set-auth-token");
        if (token) store.token = token;
      },
    },
  });
  return { client, store };
}

const tag = `${Date.now()}-${randomBytes(3).toString("hex")}`;
const aliceEmail = `alice-${tag}@example.com`;
const bobEmail = `bob-${tag}@example.com`;
const password = `pw-${randomBytes(9).toString("base64url")}`;
const { client: web, jar } = browser();
let aliceToken = null;
let bobToken = null;
let aliceId = null;
let headerJwt = null;
let tokenJwt = null;

await step(
  "alice signs up",
  (fo) => web.signUp.email({ email: aliceEmail, password, name: "Alice" }, fo),
  (d, e, s) => {
    aliceToken = d?.token ?? null;
    aliceId = d?.user?.id ?? null;
    return [s === 200 && !e && aliceToken, describeError(e)];
  },
);

await step(
  "get-session carries set-auth-jwt",
  (fo) => web.getSession({ fetchOptions: fo }),
  (d, e, s, h) => {
    headerJwt = h?.get("set-auth-jwt") ?? null;
    const exposed = h?.get("access-control-expose-headers") ?? "";
    return [
      s === 200 && d?.user?.id === aliceId && headerJwt?.split(".").length === 3 &&
        exposed.includes("set-auth-jwt"),
      `jwt=${Boolean(headerJwt)} exposed=${exposed}`,
    ];
  },
);

await step(
  "authClient.token()",
  (fo) => web.token({ fetchOptions: fo }),
  (d, e, s) => {
    tokenJwt = d?.token ?? null;
    const header = tokenJwt ? decodeProtectedHeader(tokenJwt) : {};
    return [s === 200 && header.alg === "EdDSA" && header.kid, describeError(e)];
  },
);

await step(
  "both JWTs verify against authClient.jwks()",
  (fo) => web.jwks(fo),
  async (d, e, s) => {
    const keySet = createLocalJWKSet(d ?? { keys: [] });
    const options = { issuer: ORIGIN, audience: ORIGIN };
    const fromToken = await jwtVerify(tokenJwt, keySet, options);
    const fromHeader = await jwtVerify(headerJwt, keySet, options);
    return [
      s === 200 && fromToken.payload.sub === aliceId &&
        fromHeader.payload.sub === aliceId && fromToken.payload.email === aliceEmail,
      `keys=${d?.keys?.length}`,
    ];
  },
);

await step(
  "bob signs up in the same browser",
  (fo) => web.signUp.email({ email: bobEmail, password, name: "Bob" }, fo),
  (d, e, s) => {
    bobToken = d?.token ?? null;
    const multi = [...jar.keys()].filter((k) => k.includes("_multi-")).length;
    return [s === 200 && !e && multi === 2, `multi cookies=${multi}`];
  },
);

await step(
  "listDeviceSessions shows both accounts",
  (fo) => web.multiSession.listDeviceSessions({ fetchOptions: fo }),
  (d, e, s) => {
    const emails = (d ?? []).map((x) => x.user.email).sort();
    return [
      s === 200 && emails.length === 2 && emails.includes(aliceEmail) &&
        emails.includes(bobEmail),
      e ? describeError(e) : emails.join(","),
    ];
  },
);

await step(
  "setActive switches to alice",
  (fo) => web.multiSession.setActive({ sessionToken: aliceToken }, fo),
  (d, e, s) => [s === 200 && d?.user?.email === aliceEmail, describeError(e)],
);

await step(
  "get-session is alice's",
  (fo) => web.getSession({ fetchOptions: fo }),
  (d, e, s) => [s === 200 && d?.user?.email === aliceEmail, `user=${d?.user?.email}`],
);

await step(
  "setActive with an unknown token",
  (fo) => web.multiSession.setActive({ sessionToken: "not-a-session" }, fo),
  (d, e, s) => [s === 401 && e?.code === "INVALID_SESSION_TOKEN", describeError(e)],
);

await step(
  "revoke bob's device session",
  (fo) => web.multiSession.revoke({ sessionToken: bobToken }, fo),
  (d, e, s) => [s === 200 && d?.status === true, describeError(e)],
);

await step(
  "only alice is listed",
  (fo) => web.multiSession.listDeviceSessions({ fetchOptions: fo }),
  (d, e, s) => [
    s === 200 && d?.length === 1 && d[0].user.email === aliceEmail,
    e ? describeError(e) : `${d?.length} sessions`,
  ],
);

await step(
  "sign-out ends every device session",
  (fo) => web.signOut({ fetchOptions: fo }),
  (d, e, s) => [s === 200 && d?.success === true, describeError(e)],
);

await step(
  "nothing is listed after sign-out",
  (fo) => web.multiSession.listDeviceSessions({ fetchOptions: fo }),
  (d, e, s) => [s === 200 && Array.isArray(d) && d.length === 0, JSON.stringify(d)],
);

const { client: mobile, store } = app();

await step(
  "bearer client signs in and keeps set-auth-token",
  // Node's fetch sends Sec-Fetch-Mode, so the cookieless login-CSRF check
  // wants an Origin on sign-in (as Better Auth's does); nothing else sends one.
  (fo) =>
    mobile.signIn.email(
      { email: aliceEmail, password },
      { ...fo, headers: { origin: ORIGIN } },
    ),
  (d, e, s) => [s === 200 && !e && store.token.includes("."), describeError(e)],
);

await step(
  "bearer get-session",
  (fo) => mobile.getSession({ fetchOptions: fo }),
  (d, e, s) => [s === 200 && d?.user?.email === aliceEmail, `user=${d?.user?.email}`],
);

await step(
  "bearer POST without cookies or Origin",
  (fo) => mobile.updateUser({ name: "Alice Bearer" }, fo),
  (d, e, s) => [s === 200 && d?.status === true, describeError(e)],
);

await step(
  "bearer token() works too",
  (fo) => mobile.$fetch("/token", { method: "GET", ...fo }),
  (d, e, s) => [s === 200 && d?.token?.split(".").length === 3, describeError(e)],
);

await step(
  "bearer sign-out",
  (fo) => mobile.signOut({ fetchOptions: fo }),
  (d, e, s) => [s === 200 && d?.success === true, describeError(e)],
);

await step(
  "bearer session is gone",
  (fo) => mobile.getSession({ fetchOptions: fo }),
  (d, e, s) => [s === 200 && d === null, JSON.stringify(d)],
);

finish();
