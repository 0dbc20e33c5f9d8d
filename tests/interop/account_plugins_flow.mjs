// Drives the admin, username and anonymous endpoints with Better Auth's own
// npm client and its adminClient(), usernameClient() and anonymousClient()
// plugins, as an administrator, a member and a guest would.
//
//   node account_plugins_flow.mjs <baseURL> <adminEmail> <adminPassword>
//
// The administrator must exist (the Python test creates it). Each actor gets a
// cookie jar and an Origin header through better-fetch's customFetchImpl
// (Node's fetch keeps no cookies). Output: one JSON line per step
// {step, ok, status, detail}, then {summary: true, ok, passed, failed, total};
// exit 0 only if all passed.
import { randomBytes } from "node:crypto";
import { adminClient, anonymousClient, usernameClient } from "better-auth/client/plugins";
import { authClient, callStep as step, describeError, finish, parseArgs } from "./lib/harness.mjs";

const ctx = parseArgs("account_plugins_flow.mjs", ["baseURL", "adminEmail", "adminPassword"]);
const { adminEmail, adminPassword } = ctx.args;

const device = () => authClient(ctx, { plugins: [adminClient(), usernameClient(), anonymousClient()] }).client;

const tag = `${Date.now()}-${randomBytes(3).toString("hex")}`;
const memberEmail = `member-${tag}@example.com`;
const username = `member_${randomBytes(3).toString("hex")}`;
const password = `pw-${randomBytes(9).toString("base64url")}`;
const admin = device();
const member = device();
const guest = device();
let memberId = null;
let guestId = null;

await step(
  "member signs up with a username",
  (fo) => member.signUp.email({ email: memberEmail, password, name: "Member", username }, fo),
  (d, e, s) => {
    memberId = d?.user?.id ?? null;
    return [s === 200 && !e && d?.user?.username === username, describeError(e)];
  },
);

await step(
  "username is taken",
  (fo) => member.isUsernameAvailable({ username: username.toUpperCase() }, fo),
  (d, e, s) => [s === 200 && d?.available === false, e ? describeError(e) : `available=${d?.available}`],
);

await step(
  "sign in by username",
  (fo) => member.signIn.username({ username: username.toUpperCase(), password }, fo),
  (d, e, s) => [s === 200 && !e && d?.user?.id === memberId && d?.redirect === false, describeError(e)],
);

await step(
  "wrong password by username",
  (fo) => guest.signIn.username({ username, password: "wrong-password-1" }, fo),
  (d, e, s) => [s === 401 && e?.code === "INVALID_USERNAME_OR_PASSWORD", describeError(e)],
);

await step(
  "admin signs in",
  (fo) => admin.signIn.email({ email: adminEmail, password: adminPassword }, fo),
  (d, e, s) => [s === 200 && !e && d?.user?.role === "admin", describeError(e)],
);

await step(
  "admin lists users",
  (fo) => admin.admin.listUsers({ query: { searchValue: memberEmail, searchField: "email" }, fetchOptions: fo }),
  (d, e, s) => [
    s === 200 && d?.total === 1 && d?.users?.[0]?.id === memberId && d.users[0].banned === false,
    e ? describeError(e) : `total=${d?.total}`,
  ],
);

await step(
  "admin checks a permission",
  (fo) => admin.admin.hasPermission({ permissions: { user: ["ban"] } }, fo),
  (d, e, s) => [s === 200 && d?.success === true, describeError(e)],
);

await step(
  "admin impersonates the member",
  (fo) => admin.admin.impersonateUser({ userId: memberId }, fo),
  (d, e, s) => [s === 200 && d?.session?.impersonatedBy && d?.user?.id === memberId, describeError(e)],
);

await step(
  "session is the member's",
  (fo) => admin.getSession({ fetchOptions: fo }),
  (d, e, s) => [s === 200 && d?.user?.id === memberId && !!d?.session?.impersonatedBy, describeError(e)],
);

await step(
  "admin stops impersonating",
  (fo) => admin.admin.stopImpersonating({}, fo),
  (d, e, s) => [s === 200 && d?.user?.role === "admin", describeError(e)],
);

await step(
  "admin bans the member",
  (fo) => admin.admin.banUser({ userId: memberId, banReason: "spam" }, fo),
  (d, e, s) => [s === 200 && d?.user?.banned === true && d.user.banReason === "spam", describeError(e)],
);

await step(
  "banned member's session is gone",
  (fo) => member.getSession({ fetchOptions: fo }),
  (d, e, s) => [s === 200 && d === null, `session=${JSON.stringify(d)}`],
);

await step(
  "banned member cannot sign in by email",
  (fo) => member.signIn.email({ email: memberEmail, password }, fo),
  (d, e, s) => [s === 403 && e?.code === "BANNED_USER", describeError(e)],
);

await step(
  "banned member cannot sign in by username",
  (fo) => member.signIn.username({ username, password }, fo),
  (d, e, s) => [s === 403 && e?.code === "BANNED_USER", describeError(e)],
);

await step(
  "admin unbans the member",
  (fo) => admin.admin.unbanUser({ userId: memberId }, fo),
  (d, e, s) => [s === 200 && d?.user?.banned === false, describeError(e)],
);

await step(
  "guest signs in anonymously",
  (fo) => guest.signIn.anonymous({ fetchOptions: fo }),
  (d, e, s) => {
    guestId = d?.user?.id ?? null;
    return [s === 200 && !e && d?.user?.isAnonymous === true && !!d?.token, describeError(e)];
  },
);

await step(
  "guest cannot sign in anonymously again",
  (fo) => guest.signIn.anonymous({ fetchOptions: fo }),
  (d, e, s) => [s === 400 && e?.code === "ANONYMOUS_USERS_CANNOT_SIGN_IN_AGAIN_ANONYMOUSLY", describeError(e)],
);

await step(
  "guest signs in as the member: linked",
  (fo) => guest.signIn.username({ username, password }, fo),
  (d, e, s) => [s === 200 && d?.user?.id === memberId, describeError(e)],
);

await step(
  "anonymous user was deleted",
  (fo) => admin.admin.getUser({ query: { id: guestId }, fetchOptions: fo }),
  (d, e, s) => [s === 404 && e?.code === "USER_NOT_FOUND", describeError(e)],
);

await step(
  "a second guest deletes itself",
  async (fo) => {
    const other = device();
    const first = await other.signIn.anonymous({ fetchOptions: fo });
    if (first.error) return first;
    return other.deleteAnonymousUser({ fetchOptions: fo });
  },
  (d, e, s) => [s === 200 && d?.success === true, describeError(e)],
);

finish();
