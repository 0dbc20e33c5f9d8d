// Client side of the django-better-auth demo page.
//
// It uses Better Auth's own browser client unchanged: the point of the demo is that
// the Django server is wire-compatible with Better Auth, so the stock client talks
// to it at the default base path /api/auth on the page's own origin (same-origin,
// so the session cookie is sent and Better Auth's Origin check passes).
//
// Element ids (also used as data-testid by tests/interop/browser_flow.mjs) live in
// demo/templates/demo/index.html. The session panel carries data-state
// ("loading" | "signed-in" | "signed-out") and <body> carries data-busy while a
// request is in flight, so automated checks can wait on stable attributes.
import { createAuthClient } from "better-auth/client";

const client = createAuthClient({ baseURL: window.location.origin });

const $ = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`demo page is missing #${id}`);
  return el;
};

const ui = {
  signUpForm: $("sign-up-form"),
  signInForm: $("sign-in-form"),
  signOut: $("sign-out"),
  panel: $("session-panel"),
  state: $("session-state"),
  name: $("session-name"),
  email: $("session-email"),
  expires: $("session-expires"),
  error: $("error"),
  notice: $("notice"),
};

const showError = (error) => {
  // Better Auth's client returns {code, message, status, statusText}; the code is
  // the stable machine-readable part (e.g. INVALID_EMAIL_OR_PASSWORD).
  const code = error?.code || error?.statusText || `HTTP ${error?.status ?? "?"}`;
  const message = error?.message || "";
  ui.error.textContent = message ? `${code}: ${message}` : code;
  ui.error.hidden = false;
};

const clearMessages = () => {
  ui.error.textContent = "";
  ui.error.hidden = true;
  ui.notice.textContent = "";
};

const formatDate = (value) => {
  if (!value) return "";
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
};

const setBusy = (busy) => {
  document.body.dataset.busy = busy ? "true" : "false";
  for (const button of document.querySelectorAll("button")) button.disabled = busy;
  if (!busy) ui.signOut.disabled = ui.panel.dataset.state !== "signed-in";
};

const renderSession = (data) => {
  const signedIn = Boolean(data?.user);
  ui.panel.dataset.state = signedIn ? "signed-in" : "signed-out";
  ui.state.textContent = signedIn ? "Signed in" : "Signed out";
  ui.name.textContent = signedIn ? data.user.name || "" : "";
  ui.email.textContent = signedIn ? data.user.email || "" : "";
  ui.expires.textContent = signedIn ? formatDate(data.session?.expiresAt) : "";
  ui.signOut.disabled = !signedIn;
};

const refreshSession = async () => {
  const { data, error } = await client.getSession();
  if (error) {
    showError(error);
    renderSession(null);
    return;
  }
  renderSession(data);
};

/** Runs one auth action with the page marked busy, then re-reads the session. */
const run = async (action, successNotice) => {
  clearMessages();
  setBusy(true);
  try {
    const { error } = await action();
    if (error) showError(error);
    else if (successNotice) ui.notice.textContent = successNotice;
    await refreshSession();
  } catch (err) {
    showError({ code: "CLIENT_ERROR", message: String(err?.message || err) });
  } finally {
    setBusy(false);
  }
};

ui.signUpForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const form = new FormData(ui.signUpForm);
  const email = String(form.get("email") || "");
  run(
    () =>
      client.signUp.email({
        name: String(form.get("name") || ""),
        email,
        password: String(form.get("password") || ""),
      }),
    `Signed up as ${email}`,
  ).then(() => {
    if (ui.panel.dataset.state === "signed-in") ui.signUpForm.reset();
  });
});

ui.signInForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const form = new FormData(ui.signInForm);
  const email = String(form.get("email") || "");
  run(
    () =>
      client.signIn.email({
        email,
        password: String(form.get("password") || ""),
        rememberMe: form.get("rememberMe") === "on",
      }),
    `Signed in as ${email}`,
  ).then(() => {
    if (ui.panel.dataset.state === "signed-in") {
      ui.signInForm.querySelector("input[type=password]").value = "";
    }
  });
});

ui.signOut.addEventListener("click", () => {
  run(() => client.signOut(), "Signed out");
});

setBusy(true);
refreshSession().finally(() => setBusy(false));
