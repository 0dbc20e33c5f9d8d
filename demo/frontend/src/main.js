// Client side of the django-better-auth demo pages.
//
// It uses Better Auth's own browser client unchanged: the point of the demo is that
// the Django server is wire-compatible with Better Auth, so the stock client talks
// to it at the default base path /api/auth on the page's own origin (same-origin,
// so the session cookie is sent and Better Auth's Origin check passes).
//
// Two pages share this bundle, told apart by <body data-page>:
// - "home" (demo/templates/demo/index.html): sign up, sign in, session panel. It is
//   also the OAuth provider's login page (OAUTH_PROVIDER LOGIN_PAGE): opened with the
//   provider's signed query in its URL, it sends that query back as `oauth_query` in
//   the sign-in / sign-up body, and the server answers {redirect: true, url} with the
//   next step of the authorization (the consent page or the relying party's
//   redirect_uri), which Better Auth's client follows (its default redirect plugin).
// - "consent" (demo/templates/demo/consent.html, OAUTH_PROVIDER CONSENT_PAGE): shows
//   the client's public info (GET /oauth2/public-client) and the requested scopes,
//   and posts /oauth2/consent {accept, oauth_query}; the answer is followed the same
//   way.
//
// Element ids (also data-testid for tests/interop/browser_flow.mjs and
// browser_oauth_flow.mjs) live in the templates. Panels carry data-state and <body>
// carries data-busy while a request is in flight, so automated checks can wait on
// stable attributes.
import { createAuthClient } from "better-auth/client";

const client = createAuthClient({ baseURL: window.location.origin });

const $ = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`demo page is missing #${id}`);
  return el;
};

/**
 * The provider's signed continuation, when the page was opened with one: the query
 * string without "?" (passed back verbatim; its signature covers the parameters).
 */
const signedQuery = () => {
  const query = window.location.search.slice(1);
  const params = new URLSearchParams(query);
  return params.has("sig") && params.has("client_id") ? query : null;
};

const describeError = (error) => {
  // Better Auth's client returns {code, message, status, statusText}; the OAuth
  // endpoints answer {error, error_description}.
  const code = error?.code || error?.error || error?.statusText || `HTTP ${error?.status ?? "?"}`;
  const message = error?.message || error?.error_description || "";
  return message ? `${code}: ${message}` : code;
};

const setBusy = (busy, after) => {
  document.body.dataset.busy = busy ? "true" : "false";
  for (const button of document.querySelectorAll("button")) button.disabled = busy;
  if (!busy && after) after();
};

// Scope names as a person reads them on the consent page (OIDC Core §5.4).
const SCOPE_TEXT = {
  openid: "Sign you in with your account",
  profile: "Your name and profile picture",
  email: "Your email address",
  offline_access: "Stay signed in when you are away (refresh tokens)",
};

function homePage() {
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
    oauth: $("oauth-request"),
    oauthClient: $("oauth-client-name"),
  };
  const oauthQuery = signedQuery();
  // Set once the server answered with the next step of an authorization: the
  // browser is leaving, so the forms stay disabled.
  let continuing = false;

  const showError = (error) => {
    ui.error.textContent = describeError(error);
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

  const afterBusy = () => {
    ui.signOut.disabled = ui.panel.dataset.state !== "signed-in";
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
      const { data, error } = await action();
      if (error) showError(error);
      else if (data?.redirect === true && data?.url) {
        // Better Auth's redirect plugin is already navigating to data.url.
        continuing = true;
        ui.oauth.dataset.state = "continuing";
        ui.notice.textContent = "Continuing to the application…";
      } else if (successNotice) ui.notice.textContent = successNotice;
      await refreshSession();
    } catch (err) {
      showError({ code: "CLIENT_ERROR", message: String(err?.message || err) });
    } finally {
      if (!continuing) setBusy(false, afterBusy);
    }
  };

  // The continuation travels in the body, exactly as the page received it.
  const withContinuation = (body) => (oauthQuery ? { ...body, oauth_query: oauthQuery } : body);

  ui.signUpForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const form = new FormData(ui.signUpForm);
    const email = String(form.get("email") || "");
    run(
      () =>
        client.signUp.email(
          withContinuation({
            name: String(form.get("name") || ""),
            email,
            password: String(form.get("password") || ""),
          }),
        ),
      `Signed up as ${email}`,
    ).then(() => {
      if (ui.panel.dataset.state === "signed-in" && !continuing) ui.signUpForm.reset();
    });
  });

  ui.signInForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const form = new FormData(ui.signInForm);
    const email = String(form.get("email") || "");
    run(
      () =>
        client.signIn.email(
          withContinuation({
            email,
            password: String(form.get("password") || ""),
            rememberMe: form.get("rememberMe") === "on",
          }),
        ),
      `Signed in as ${email}`,
    ).then(() => {
      if (ui.panel.dataset.state === "signed-in" && !continuing) {
        ui.signInForm.querySelector("input[type=password]").value = "";
      }
    });
  });

  ui.signOut.addEventListener("click", () => {
    run(() => client.signOut(), "Signed out");
  });

  // "Sign in with <provider>" (demo/settings.py DEMO_OIDC_*): Better Auth's
  // signIn.social; its redirect plugin sends the browser to the provider, and
  // the provider callback brings it back here, or, when this page was opened
  // for an authorization, on to the client (the continuation rides along).
  for (const button of document.querySelectorAll("[data-social-provider]")) {
    button.addEventListener("click", () => {
      run(() =>
        client.signIn.social(
          withContinuation({
            provider: button.dataset.socialProvider,
            callbackURL: "/",
            errorCallbackURL: "/",
          }),
        ),
      );
    });
  }

  const showOAuthRequest = async () => {
    if (!oauthQuery) return;
    const clientId = new URLSearchParams(oauthQuery).get("client_id");
    ui.oauth.hidden = false;
    ui.oauth.dataset.state = "shown";
    ui.oauthClient.textContent = clientId;
    // Needs OAUTH_PROVIDER ALLOW_PUBLIC_CLIENT_PRELOGIN; the client id is shown otherwise.
    const { data } = await client.$fetch("/oauth2/public-client-prelogin", {
      method: "POST",
      body: { client_id: clientId, oauth_query: oauthQuery },
    });
    if (data?.client_name) ui.oauthClient.textContent = data.client_name;
  };

  setBusy(true);
  Promise.allSettled([refreshSession(), showOAuthRequest()]).finally(() => setBusy(false, afterBusy));
}

function consentPage() {
  const ui = {
    panel: $("consent-panel"),
    clientName: $("consent-client-name"),
    clientUri: $("consent-client-uri"),
    scopes: $("consent-scopes"),
    allow: $("consent-allow"),
    deny: $("consent-deny"),
    error: $("consent-error"),
  };
  const oauthQuery = signedQuery();

  const fail = (text) => {
    ui.panel.dataset.state = "error";
    ui.error.textContent = text;
    ui.error.hidden = false;
  };

  const answer = async (accept) => {
    ui.error.hidden = true;
    setBusy(true);
    ui.panel.dataset.state = "submitting";
    const { data, error } = await client.$fetch("/oauth2/consent", {
      method: "POST",
      body: { accept, oauth_query: oauthQuery },
    });
    if (error || !(data?.redirect && data?.url)) {
      setBusy(false);
      fail(error ? describeError(error) : "The server did not say where to continue");
      return;
    }
    // Better Auth's redirect plugin is already navigating to data.url.
    ui.panel.dataset.state = accept ? "accepted" : "denied";
  };

  ui.allow.addEventListener("click", () => answer(true));
  ui.deny.addEventListener("click", () => answer(false));

  const load = async () => {
    if (!oauthQuery) {
      fail("This page is opened by the authorization server during a sign-in.");
      return;
    }
    const params = new URLSearchParams(oauthQuery);
    const { data, error } = await client.$fetch("/oauth2/public-client", {
      method: "GET",
      query: { client_id: params.get("client_id") },
    });
    if (error) {
      fail(
        error.status === 401
          ? "You are not signed in any more; start again from the application."
          : describeError(error),
      );
      return;
    }
    ui.clientName.textContent = data.client_name || data.client_id;
    if (data.client_uri) {
      ui.clientUri.href = data.client_uri;
      ui.clientUri.textContent = data.client_uri;
      ui.clientUri.hidden = false;
    }
    ui.scopes.replaceChildren(
      ...(params.get("scope") || "")
        .split(" ")
        .filter(Boolean)
        .map((scope) => {
          const item = document.createElement("li");
          item.dataset.scope = scope;
          const name = document.createElement("code");
          name.textContent = scope;
          item.append(name, ` — ${SCOPE_TEXT[scope] || "Access the application asked for"}`);
          return item;
        }),
    );
    ui.panel.dataset.state = "ready";
  };

  setBusy(true);
  load().finally(() =>
    setBusy(false, () => {
      const ready = ui.panel.dataset.state === "ready";
      ui.allow.disabled = !ready;
      ui.deny.disabled = !ready;
    }),
  );
}

if (document.body.dataset.page === "consent") consentPage();
else homePage();
