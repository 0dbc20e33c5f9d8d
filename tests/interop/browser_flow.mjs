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
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { chromium } from "playwright-core";

const [pageArg, shotArg] = process.argv.slice(2);
if (!pageArg || !shotArg) {
  console.error("usage: node browser_flow.mjs <pageURL> <screenshotDir>");
  process.exit(2);
}
const PAGE_URL = new URL(pageArg).href;
const SHOT_DIR = path.resolve(shotArg);
mkdirSync(SHOT_DIR, { recursive: true });

const EXECUTABLE = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const STEP_TIMEOUT_MS = Number(process.env.STEP_TIMEOUT_MS || 15000);

const emit = (obj) => console.log(JSON.stringify(obj));
const results = [];

const email = `browser-${Date.now()}-${randomBytes(3).toString("hex")}@example.com`;
const password = `pw-${randomBytes(9).toString("base64url")}`;
const name = "Browser User";

// A fresh profile per run, so no cookie or storage from earlier runs leaks in.
const userDataDir = mkdtempSync(path.join(tmpdir(), "dba-chromium-"));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: EXECUTABLE,
  headless: true,
  args: ARGS,
  viewport: { width: 1100, height: 900 },
});
context.setDefaultTimeout(STEP_TIMEOUT_MS);
const page = context.pages()[0] ?? (await context.newPage());

// Page-side problems are reported in the step details (they often explain a failure).
const pageProblems = [];
page.on("pageerror", (err) => pageProblems.push(`pageerror: ${err.message}`));
page.on("console", (msg) => {
  // Failed loads are reported with their URL by the response listener below.
  if (msg.type() === "error" && !msg.text().startsWith("Failed to load resource")) {
    pageProblems.push(`console: ${msg.text()}`);
  }
});
page.on("response", (res) => {
  if (res.status() >= 400) pageProblems.push(`http ${res.status()}: ${res.request().method()} ${res.url()}`);
});
page.on("requestfailed", (req) => pageProblems.push(`requestfailed: ${req.method()} ${req.url()} ${req.failure()?.errorText}`));

const byId = (id) => page.locator(`[data-testid="${id}"]`);
let shotNo = 0;

async function screenshot(label) {
  shotNo += 1;
  const file = path.join(SHOT_DIR, `${String(shotNo).padStart(2, "0")}-${label}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

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

/** Runs one step; `body` returns a detail value or throws. Stops the flow on failure. */
async function step(label, body) {
  const problemsBefore = pageProblems.length;
  let ok = true;
  let detail;
  try {
    detail = await body();
  } catch (err) {
    ok = false;
    detail = String(err?.message || err).split("\n")[0];
  }
  const fresh = pageProblems.slice(problemsBefore);
  if (fresh.length) detail = { result: detail, page: fresh };
  let shot = null;
  try {
    shot = await screenshot(ok ? label : `${label}-failed`);
  } catch (err) {
    detail = { result: detail, screenshotError: String(err?.message || err) };
  }
  const row = { step: label, ok, detail, screenshot: shot };
  results.push(row);
  emit(row);
  if (!ok) throw new Error(`step ${label} failed`);
  return detail;
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
  await context.close().catch(() => {});
  rmSync(userDataDir, { recursive: true, force: true });
}

const failed = results.filter((r) => !r.ok).length;
const expected = 7;
const ok = failed === 0 && results.length === expected;
emit({ summary: true, ok, passed: results.length - failed, failed, total: expected, pageURL: PAGE_URL, screenshotDir: SHOT_DIR });
process.exit(ok ? 0 : 1);
