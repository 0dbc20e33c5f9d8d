// Drives the demo page (demo/templates/demo/index.html + demo/static/demo/auth-client.js)
// in a real Chromium through playwright-core: the page uses Better Auth's stock browser
// client against the server's /api/auth on the page's own origin.
//
//   node browser_flow.mjs <pageURL> <screenshotDir>
//
// Flow: load page (signed out) -> sign up through the form (panel shows the email) ->
// sign out -> sign in with a wrong password (error line shows INVALID_EMAIL_OR_PASSWORD)
// -> sign in -> reload (the session cookie still yields the session) -> sign out.
// A PNG is written to <screenshotDir> after every step. Output: one JSON line per step
// {step, ok, detail, screenshot}, then {summary: true, ...}. Exit code 0 only if all
// steps pass. Chromium is the Debian package at /usr/bin/chromium (CHROMIUM_PATH
// overrides); playwright-core downloads no browser of its own.
import path from "node:path";
import { randomBytes } from "node:crypto";
import { finish, openChromium, parseArgs, STEP_TIMEOUT_MS } from "./lib/harness.mjs";

const { args } = parseArgs("browser_flow.mjs", ["pageURL", "screenshotDir"]);
const PAGE_URL = new URL(args.pageURL).href;
const SHOT_DIR = path.resolve(args.screenshotDir);

const email = `browser-${Date.now()}-${randomBytes(3).toString("hex")}@example.com`;
const password = `pw-${randomBytes(9).toString("base64url")}`;
const name = "Browser User";

const { context, page, byId, step, close } = await openChromium({
  shotDir: SHOT_DIR,
  profilePrefix: "dba-chromium-",
  viewport: { width: 1100, height: 900 },
  reportFailedRequests: true,
});

/** Waits until the page is idle (no request in flight) and the panel is in `state`. */
async function waitForPanel(state) {
  await page.waitForSelector(`body[data-busy="false"] [data-testid="session-panel"][data-state="${state}"]`, {
    timeout: STEP_TIMEOUT_MS,
  });
}

async function panelText() {
  return {
    state: await byId("session-state").textContent(),
    name: await byId("session-name").textContent(),
    email: await byId("session-email").textContent(),
    expires: await byId("session-expires").textContent(),
    error: (await byId("error").isVisible()) ? await byId("error").textContent() : "",
  };
}

const expectPanel = async (want) => {
  const got = await panelText();
  for (const [k, v] of Object.entries(want)) {
    if (got[k] !== v) throw new Error(`${k} is ${JSON.stringify(got[k])}, expected ${JSON.stringify(v)}`);
  }
  return got;
};

async function signIn(pw) {
  await byId("sign-in-email").fill(email);
  await byId("sign-in-password").fill(pw);
  await byId("sign-in-remember").check();
  await byId("sign-in-submit").click();
}

async function signOut() {
  await byId("sign-out").click();
  await waitForPanel("signed-out");
  return expectPanel({ state: "Signed out", email: "" });
}

try {
  await step("open-page", async () => {
    const res = await page.goto(PAGE_URL, { waitUntil: "load" });
    if (!res?.ok()) throw new Error(`GET ${PAGE_URL} -> ${res?.status()}`);
    const title = await page.title();
    if (title !== "django-better-auth demo") throw new Error(`title is ${JSON.stringify(title)}`);
    await waitForPanel("signed-out");
    return { title, ...(await expectPanel({ state: "Signed out" })) };
  });

  await step("sign-up", async () => {
    await byId("sign-up-name").fill(name);
    await byId("sign-up-email").fill(email);
    await byId("sign-up-password").fill(password);
    await byId("sign-up-submit").click();
    await waitForPanel("signed-in");
    const got = await expectPanel({ state: "Signed in", email, name, error: "" });
    if (!got.expires) throw new Error("session expiry is empty");
    return got;
  });

  await step("sign-out-after-sign-up", signOut);

  await step("sign-in-wrong-password", async () => {
    await signIn(`${password}-wrong`);
    await page.waitForSelector('body[data-busy="false"] [data-testid="error"]:not([hidden])');
    await waitForPanel("signed-out");
    const got = await panelText();
    if (!got.error.startsWith("INVALID_EMAIL_OR_PASSWORD")) throw new Error(`error line is ${JSON.stringify(got.error)}`);
    return got;
  });

  await step("sign-in", async () => {
    await signIn(password);
    await waitForPanel("signed-in");
    return expectPanel({ state: "Signed in", email, name, error: "" });
  });

  await step("reload-keeps-session", async () => {
    await page.reload({ waitUntil: "load" });
    await waitForPanel("signed-in");
    const cookies = (await context.cookies(PAGE_URL)).map((c) => c.name);
    return { ...(await expectPanel({ state: "Signed in", email })), cookies };
  });

  await step("sign-out", signOut);
} catch {
  // The failing step has already been reported.
} finally {
  await close();
}

finish({ pageURL: PAGE_URL, screenshotDir: SHOT_DIR }, { expected: 7 });
