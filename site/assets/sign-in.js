// Sign-in: the demo users of `handler serve`, or OpenID Connect (Amazon Cognito's hosted UI) with
// the authorization code flow and PKCE.
"use strict";
(async () => {
  const { $, api, el, config, home, roleOf, claimsOf } = Elan;
  const params = new URLSearchParams(location.search);
  const status = $("#sign-in-status");
  // Back to where the person was: a path on this site only, never another site. Without one,
  // to where the role starts.
  const next = (t) => {
    try {
      const target = new URL(params.get("next") || home(roleOf(claimsOf(t))), location.origin);
      return target.origin === location.origin ? target.href : "/";
    } catch {
      return "/";
    }
  };
  const done = (t) => {
    sessionStorage.setItem("token", t);
    location.href = next(t);
  };
  if (config.signIn === "local") {
    try {
      const { users } = await api("GET", "/local/users");
      for (const user of users) {
        const button = el("button", "Logga in som " + user.name, { type: "button", class: "primary" });
        button.addEventListener("click", async () => {
          try {
            done((await api("POST", "/local/sign-in", { user: user.user })).token);
          } catch (e) { status.textContent = e.message; }
        });
        const li = el("li");
        li.append(button);
        $("#demo-users").append(li);
      }
    } catch (e) { status.textContent = e.message; }
    return;
  }
  // OpenID Connect authorization code flow with PKCE (Amazon Cognito's hosted UI).
  const { authority, clientId } = config;
  const redirect = location.origin + "/logga-in/";
  const b64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  // With BankID (the stack's federation with a BankID broker) a button goes straight to that
  // provider of Cognito's instead of Cognito's own sign-in page.
  const signInAt = async (provider) => {
    const verifier = b64(crypto.getRandomValues(new Uint8Array(32)));
    const state = b64(crypto.getRandomValues(new Uint8Array(16)));
    sessionStorage.setItem("oidc_verifier", verifier);
    sessionStorage.setItem("oidc_state", state);
    if (params.get("next")) sessionStorage.setItem("oidc_next", next());
    const challenge = b64(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
    location.href = authority + "/oauth2/authorize?" + new URLSearchParams({
      response_type: "code", client_id: clientId, redirect_uri: redirect, scope: "openid",
      code_challenge: challenge, code_challenge_method: "S256", state,
      ...(provider ? { identity_provider: provider } : {}),
    });
  };
  for (const button of document.querySelectorAll(".oidc-sign-in")) {
    button.addEventListener("click", () => signInAt(button.dataset.identityProvider));
  }
  // Refused by the identity provider (or by Cognito: a BankID linked to no account).
  if (params.get("error")) {
    ["oidc_state", "oidc_verifier", "oidc_next"].forEach((k) => sessionStorage.removeItem(k));
    history.replaceState(null, "", "/logga-in/");
    status.textContent = "Inloggningen misslyckades. Loggade du in med BankID? Då behöver den som sköter " +
      "era konton i Elanmälan först koppla ditt BankID till ditt konto.";
    return;
  }
  if (!params.get("code")) return;
  // Back from the identity provider. One-time values: read them once, then forget them, and
  // take the code out of the address so that "Logga in" starts afresh after a failure.
  const [state, verifier, savedNext] = ["oidc_state", "oidc_verifier", "oidc_next"].map((k) => {
    const v = sessionStorage.getItem(k);
    sessionStorage.removeItem(k);
    return v;
  });
  history.replaceState(null, "", "/logga-in/");
  if (!state || params.get("state") !== state) {
    status.textContent = "Inloggningen kunde inte kontrolleras. Välj Logga in för att försöka igen.";
    return;
  }
  const form = new URLSearchParams({
    grant_type: "authorization_code", client_id: clientId, code: params.get("code"),
    redirect_uri: redirect, code_verifier: verifier,
  });
  const data = await fetch(authority + "/oauth2/token", { method: "POST", body: form })
    .then((r) => (r.ok ? r.json() : {}))
    .catch(() => ({}));
  if (!data.id_token) {
    status.textContent = "Inloggningen misslyckades. Välj Logga in för att försöka igen.";
    return;
  }
  params.delete("next");
  if (savedNext) params.set("next", savedNext);
  done(data.id_token);
})();
