// Drives the two-factor, email-OTP and magic-link plugins with Better Auth's own npm
// client (createAuthClient + twoFactorClient, emailOTPClient, magicLinkClient).
//
//   node passwordless_2fa_flow.mjs <baseURL> <outboxFile>
//
// <outboxFile> is where the test server's senders append one JSON line per
// message ({kind, email, otp?, url?}); the flow reads codes and links from it as
// a user would read their inbox. TOTP codes are computed here from the totpURI
// (RFC 6238, HMAC-SHA-1, 30 s), independently of the server's implementation.
//
// Output: one JSON line per step {step, ok, status, detail}, then one summary line.
import { createHmac, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { emailOTPClient, magicLinkClient, twoFactorClient } from "better-auth/client/plugins";
import { authClient, callStep as step, describeError, finish, parseArgs } from "./lib/harness.mjs";

const ctx = parseArgs("passwordless_2fa_flow.mjs", ["baseURL", "outboxFile"]);
const { BASE } = ctx;
const { outboxFile } = ctx.args;

let redirectMethods = null;
const { client, jar } = authClient(ctx, {
  fetchInit: { redirect: "manual" },
  plugins: [
    twoFactorClient({
      onTwoFactorRedirect: ({ twoFactorMethods }) => {
        redirectMethods = twoFactorMethods;
      },
    }),
    emailOTPClient(),
    magicLinkClient(),
  ],
});

// ---- TOTP (RFC 6238) from an otpauth:// URI ----
const base32Decode = (text) => {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of text.replace(/=+$/, "").toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
};
const totpAt = (key, step) => {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, "0");
};

// ---- the outbox ----
const lastMessage = (kind, email) => {
  const lines = readFileSync(outboxFile, "utf8").split("\n").filter(Boolean).map(JSON.parse);
  return lines.filter((m) => m.kind === kind && m.email === email).at(-1) ?? null;
};


// ---- two-factor with TOTP ----
const email = `tfa-${Date.now()}-${randomBytes(4).toString("hex")}@example.com`;
const password = `pw-${randomBytes(9).toString("base64url")}`;
let key = null;

await step(
  "sign-up",
  (fo) => client.signUp.email({ email, password, name: "Two Factor" }, fo),
  (d, e, s) => [s === 200 && !e, describeError(e)],
);

await step(
  "two-factor enable (totp)",
  (fo) => client.twoFactor.enable({ password }, fo),
  (d, e, s) => {
    if (d?.totpURI) key = base32Decode(new URL(d.totpURI).searchParams.get("secret"));
    return [
      s === 200 && d?.method === "totp" && d.totpURI.startsWith("otpauth://totp/") &&
        Array.isArray(d.backupCodes) && d.backupCodes.length === 10,
      e ? describeError(e) : d?.totpURI?.split("?")[0],
    ];
  },
);

const step0 = Math.floor(Date.now() / 30000);
await step(
  "verify-totp turns two-factor on",
  (fo) => client.twoFactor.verifyTotp({ code: totpAt(key, step0) }, fo),
  (d, e, s) => [s === 200 && d?.user?.twoFactorEnabled === true, describeError(e)],
);

await step(
  "sign-out",
  (fo) => client.signOut({ fetchOptions: fo }),
  (d, e, s) => [s === 200 && d?.success === true, describeError(e)],
);

await step(
  "sign-in answers twoFactorRedirect",
  (fo) => client.signIn.email({ email, password }, fo),
  (d, e, s) => [
    s === 200 && d?.twoFactorRedirect === true && JSON.stringify(redirectMethods) === '["totp"]',
    `methods=${JSON.stringify(redirectMethods)} cookies=[${[...jar.keys()].join(",")}]`,
  ],
);

await step(
  "no session while the challenge is open",
  (fo) => client.getSession({ fetchOptions: fo }),
  (d, e, s) => [s === 200 && d === null, JSON.stringify(d)],
);

// The next step's code: the first one has been used (RFC 6238 §5.2 forbids reuse).
await step(
  "verify-totp finishes the sign-in",
  (fo) => client.twoFactor.verifyTotp({ code: totpAt(key, step0 + 1) }, fo),
  (d, e, s) => [s === 200 && typeof d?.token === "string" && d?.user?.email === email, describeError(e)],
);

await step(
  "get-session after two-factor",
  (fo) => client.getSession({ fetchOptions: fo }),
  (d, e, s) => [s === 200 && d?.user?.email === email && d.user.twoFactorEnabled === true, describeError(e)],
);

// ---- email OTP sign-in ----
jar.clear();
const otpEmail = `otp-${Date.now()}-${randomBytes(4).toString("hex")}@example.com`;

await step(
  "email-otp send",
  (fo) => client.emailOtp.sendVerificationOtp({ email: otpEmail, type: "sign-in" }, fo),
  (d, e, s) => [s === 200 && d?.success === true, describeError(e)],
);

await step(
  "email-otp sign-in",
  (fo) => client.signIn.emailOtp({ email: otpEmail, otp: lastMessage("otp", otpEmail)?.otp ?? "" }, fo),
  (d, e, s) => [s === 200 && d?.user?.email === otpEmail && d.user.emailVerified === true, describeError(e)],
);

await step(
  "get-session after email-otp",
  (fo) => client.getSession({ fetchOptions: fo }),
  (d, e, s) => [s === 200 && d?.user?.email === otpEmail, describeError(e)],
);

// ---- magic link sign-in ----
jar.clear();
const linkEmail = `link-${Date.now()}-${randomBytes(4).toString("hex")}@example.com`;

await step(
  "magic-link request",
  (fo) => client.signIn.magicLink({ email: linkEmail, name: "Link User" }, fo),
  (d, e, s) => [s === 200 && d?.status === true, describeError(e)],
);

await step(
  "magic-link verify",
  (fo) => {
    const url = new URL(lastMessage("magic-link", linkEmail)?.url ?? `${BASE}/api/auth/magic-link/verify`);
    return client.magicLink.verify({ query: { token: url.searchParams.get("token") } }, fo);
  },
  (d, e, s) => [s === 200 && d?.user?.email === linkEmail && typeof d?.session?.token === "string", describeError(e)],
);

await step(
  "get-session after magic link",
  (fo) => client.getSession({ fetchOptions: fo }),
  (d, e, s) => [s === 200 && d?.user?.email === linkEmail, describeError(e)],
);

finish();
