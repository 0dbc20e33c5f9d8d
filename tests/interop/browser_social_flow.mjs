// The demo page's "Sign in with <provider>" button in a real Chromium, against
// an upstream OpenID Provider (upstream_op.mjs, panva's oidc-provider).
//
//   node browser_social_flow.mjs <pageURL> <providerId> <login> <issuer>
//
// Flow: open the page -> click the provider's button (Better Auth's
// signIn.social, whose redirect plugin navigates to the provider) -> the
// provider's development login and consent forms -> back on the page, signed
// in -> sign out (the answer names the provider's end-session URL, which the
// client follows). Output: one JSON line per step {step, ok, detail}, then
// {summary: true, ok}. Exit code 0 only if every step passed.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

const [pageArg, providerId, login, issuer] = process.argv.slice(2);
if (!pageArg || !providerId || !login || !issuer) {
  console.error("usage: node browser_social_flow.mjs <pageURL> <providerId> <login> <issuer>");
  process.exit(2);
}
const PAGE_URL = new URL(pageArg).href;
const ORIGIN = new URL(PAGE_URL).origin;
const TIMEOUT = Number(process.env.STEP_TIMEOUT_MS || 15000);
const emit = (obj) => console.log(JSON.stringify(obj));

const context = await chromium.launchPersistentContext(
  mkdtempSync(path.join(tmpdir(), "dba-chromium-")),
  {
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
  },
);
context.setDefaultTimeout(TIMEOUT);
const page = context.pages()[0] ?? (await context.newPage());
const byId = (id) => page.locator(`[data-testid="${id}"]`);

let allOk = true;
async function step(label, body) {
  let ok = true;
  let detail;
  try {
    detail = await body();
  } catch (err) {
    ok = false;
    detail = String(err?.message || err).split("\n")[0];
  }
  emit({ step: label, ok, detail });
  if (!ok) {
    allOk = false;
    throw new Error(`step ${label} failed`);
  }
  return detail;
}

try {
  await step("open-page", async () => {
    await page.goto(PAGE_URL);
    await page.waitForSelector('body[data-busy="false"] [data-testid="session-panel"][data-state="signed-out"]');
    return await byId(`social-${providerId}`).textContent();
  });

  await step("provider-login-and-consent", async () => {
    await Promise.all([
      page.waitForURL((url) => url.origin !== ORIGIN, { timeout: TIMEOUT }),
      byId(`social-${providerId}`).click(),
    ]);
    const seen = [];
    for (let i = 0; i < 6; i += 1) {
      await page.waitForURL((url) => url.origin !== ORIGIN || url.pathname === "/", { timeout: TIMEOUT });
      await page.waitForLoadState("load");
      const url = new URL(page.url());
      if (url.origin === ORIGIN) return { seen, landed: url.href };
      seen.push(url.pathname);
      const loginField = page.locator('input[name="login"]');
      if (await loginField.count()) {
        await loginField.fill(login);
        await page.locator('input[name="password"]').fill("any");
      }
      await Promise.all([
        page.waitForURL((next) => next.href !== url.href, { timeout: TIMEOUT }),
        page.locator('button[type="submit"]').first().click(),
      ]);
    }
    throw new Error(`never came back: ${page.url()}`);
  });

  await step("signed-in", async () => {
    await page.waitForSelector('body[data-busy="false"] [data-testid="session-panel"][data-state="signed-in"]');
    return { email: await byId("session-email").textContent() };
  });

  await step("sign-out-to-provider", async () => {
    await Promise.all([
      page.waitForURL((url) => url.href.startsWith(`${issuer}/session/end`), { timeout: TIMEOUT }),
      byId("sign-out").click(),
    ]);
    return { url: page.url().split("?")[0] };
  });
} catch {
  // reported by step()
} finally {
  emit({ summary: true, ok: allOk });
  await context.close();
}
process.exit(allOk ? 0 : 1);
