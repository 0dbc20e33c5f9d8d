// Drives the organization endpoints with Better Auth's own npm client and its
// organizationClient() plugin, as two users on two devices would.
//
//   node organization_flow.mjs <baseURL>
//
// The server must run with ORGANIZATION.TEAMS.ENABLED. Each user gets a cookie
// jar and an Origin header through better-fetch's customFetchImpl (Node's fetch
// keeps no cookies). Output: one JSON line per step {step, ok, status, detail},
// then {summary: true, ok, passed, failed, total}; exit 0 only if all passed.
import { randomBytes } from "node:crypto";
import { organizationClient } from "better-auth/client/plugins";
import { authClient, callStep as step, describeError, finish, parseArgs } from "./lib/harness.mjs";

const ctx = parseArgs("organization_flow.mjs", ["baseURL"]);

const device = () => authClient(ctx, { plugins: [organizationClient({ teams: { enabled: true } })] }).client;

const tag = `${Date.now()}-${randomBytes(3).toString("hex")}`;
const ownerEmail = `owner-${tag}@example.com`;
const guestEmail = `guest-${tag}@example.com`;
const password = `pw-${randomBytes(9).toString("base64url")}`;
const slug = `acme-${tag}`;
const owner = device();
const guest = device();
let orgId = null;
let invitationId = null;
let teamId = null;
let guestId = null;

await step(
  "owner sign-up",
  (fo) => owner.signUp.email({ email: ownerEmail, password, name: "Owner" }, fo),
  (d, e, s) => [s === 200 && !e, describeError(e)],
);

await step(
  "create organization",
  (fo) => owner.organization.create({ name: "Acme", slug }, fo),
  (d, e, s) => {
    orgId = d?.id ?? null;
    return [
      s === 200 && !e && d?.slug === slug && d?.members?.[0]?.role === "owner",
      e ? describeError(e) : `org ${orgId}`,
    ];
  },
);

await step(
  "duplicate slug refused",
  (fo) => owner.organization.create({ name: "Acme 2", slug }, fo),
  (d, e, s) => [s === 400 && e?.code === "ORGANIZATION_ALREADY_EXISTS", describeError(e)],
);

await step(
  "get-session shows activeOrganizationId",
  (fo) => owner.getSession({ fetchOptions: fo }),
  (d, e, s) => [
    s === 200 && d?.session?.activeOrganizationId === orgId,
    `active=${d?.session?.activeOrganizationId}`,
  ],
);

await step(
  "invite guest",
  (fo) => owner.organization.inviteMember({ email: guestEmail, role: "member" }, fo),
  (d, e, s) => {
    invitationId = d?.id ?? null;
    return [s === 200 && !e && d?.status === "pending", e ? describeError(e) : `inv ${invitationId}`];
  },
);

await step(
  "guest sign-up",
  (fo) => guest.signUp.email({ email: guestEmail, password, name: "Guest" }, fo),
  (d, e, s) => {
    guestId = d?.user?.id ?? null;
    return [s === 200 && !e, describeError(e)];
  },
);

await step(
  "guest reads the invitation",
  (fo) => guest.organization.getInvitation({ query: { id: invitationId }, fetchOptions: fo }),
  (d, e, s) => [s === 200 && d?.organizationSlug === slug && d?.inviterEmail === ownerEmail, describeError(e)],
);

await step(
  "guest accepts",
  (fo) => guest.organization.acceptInvitation({ invitationId }, fo),
  (d, e, s) => [
    s === 200 && d?.invitation?.status === "accepted" && d?.member?.role === "member",
    describeError(e),
  ],
);

await step(
  "guest session is in the organization",
  (fo) => guest.getSession({ fetchOptions: fo }),
  (d, e, s) => [s === 200 && d?.session?.activeOrganizationId === orgId, `active=${d?.session?.activeOrganizationId}`],
);

await step(
  "list members",
  (fo) => owner.organization.listMembers({ query: {}, fetchOptions: fo }),
  (d, e, s) => [s === 200 && d?.total === 2 && d?.members?.length === 2, e ? describeError(e) : `total=${d?.total}`],
);

await step(
  "guest may not invite",
  (fo) => guest.organization.inviteMember({ email: `x-${tag}@example.com`, role: "member" }, fo),
  (d, e, s) => [
    s === 403 && e?.code === "YOU_ARE_NOT_ALLOWED_TO_INVITE_USERS_TO_THIS_ORGANIZATION",
    describeError(e),
  ],
);

await step(
  "has-permission",
  (fo) => owner.organization.hasPermission({ permissions: { member: ["delete"] } }, fo),
  (d, e, s) => [s === 200 && d?.success === true, e ? describeError(e) : JSON.stringify(d)],
);

await step(
  "create team",
  (fo) => owner.organization.createTeam({ name: "Red" }, fo),
  (d, e, s) => {
    teamId = d?.id ?? null;
    return [s === 200 && d?.name === "Red" && d?.organizationId === orgId, describeError(e)];
  },
);

await step(
  "add guest to team",
  (fo) => owner.organization.addTeamMember({ teamId, userId: guestId }, fo),
  (d, e, s) => [s === 200 && d?.teamId === teamId && d?.userId === guestId, describeError(e)],
);

await step(
  "list teams",
  (fo) => owner.organization.listTeams({ fetchOptions: fo }),
  (d, e, s) => [s === 200 && Array.isArray(d) && d.some((t) => t.id === teamId), describeError(e)],
);

await step(
  "guest sets the active team",
  (fo) => guest.organization.setActiveTeam({ teamId }, fo),
  (d, e, s) => [s === 200 && d?.id === teamId, describeError(e)],
);

await step(
  "guest session shows activeTeamId",
  (fo) => guest.getSession({ fetchOptions: fo }),
  (d, e, s) => [s === 200 && d?.session?.activeTeamId === teamId, `team=${d?.session?.activeTeamId}`],
);

await step(
  "guest lists own teams",
  (fo) => guest.organization.listUserTeams({ fetchOptions: fo }),
  (d, e, s) => [s === 200 && Array.isArray(d) && d.some((t) => t.id === teamId), describeError(e)],
);

await step(
  "owner clears the active organization",
  (fo) => owner.organization.setActive({ organizationId: null }, fo),
  (d, e, s) => [s === 200 && d === null, describeError(e)],
);

await step(
  "set-active again by slug",
  (fo) => owner.organization.setActive({ organizationSlug: slug }, fo),
  (d, e, s) => [s === 200 && d?.id === orgId, describeError(e)],
);

await step(
  "full organization",
  (fo) => owner.organization.getFullOrganization({ fetchOptions: fo }),
  (d, e, s) => [
    s === 200 && d?.members?.length === 2 && d?.teams?.length === 2,
    e ? describeError(e) : `members=${d?.members?.length} teams=${d?.teams?.length}`,
  ],
);

await step(
  "guest leaves",
  (fo) => guest.organization.leave({ organizationId: orgId }, fo),
  (d, e, s) => [s === 200 && d?.userId === guestId, describeError(e)],
);

finish();
