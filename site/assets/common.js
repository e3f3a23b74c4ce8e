// Elanmälan's common script, on every page: sign-in state, the API, the menu by role, and small
// helpers for the one script of the page's own (window.Elan). No framework, no dependencies.
// The server's answers are the authority; the checks in the pages only help early.
"use strict";
(() => {
  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));
  // What the page is and how people sign in, fixed when the site was built (<body data-*>).
  const config = document.body.dataset;
  const page = config.page;

  // A time as Swedes write it, in the phone's time zone: 2026-11-29 08:16. By hand, since the
  // first toLocaleString("sv-SE") loads the locale's data: 35 ms on a fast machine, more than
  // the rest of the case page's script on a slow phone (BENCHMARKS.md).
  const two = (n) => String(n).padStart(2, "0");
  const when = (iso) => {
    const t = new Date(iso);
    return `${t.getFullYear()}-${two(t.getMonth() + 1)}-${two(t.getDate())} ${two(t.getHours())}:${two(t.getMinutes())}`;
  };

  // --- Sign-in and the API -----------------------------------------------------------------
  const token = () => sessionStorage.getItem("token");
  const Elan = {
    $, $$, config, page, token,
    // What a page keeps before sign-in takes the person away (e.g. unsaved edits).
    beforeSignIn: () => {},
  };
  const signIn = () => {
    Elan.beforeSignIn();
    location.href = "/logga-in/?next=" + encodeURIComponent(location.pathname + location.search);
  };

  /** An API call with the token; an error carries the server's Swedish message and its code. */
  const api = (method, path, body) => {
    const headers = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token()) headers.Authorization = "Bearer " + token();
    return answer(fetch("/api/v1" + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    }));
  };
  /** The answer to an API call already sent: its JSON, or the error it carries. */
  async function answer(sent) {
    let response;
    try {
      response = await sent;
    } catch {
      throw Object.assign(new Error("Ingen kontakt med servern. Kontrollera uppkopplingen och försök igen."), { status: 0 });
    }
    if (response.status === 401 && page !== "sign-in") signIn();
    if (response.ok && !/json/.test(response.headers.get("Content-Type"))) return response;
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = data.error || {};
      throw Object.assign(new Error(error.message || "Något gick fel. Försök igen."), {
        status: response.status, code: error.code, fields: error.fields || [],
      });
    }
    return data;
  }

  // The case page's case, asked for by the page's head before anything else (early-case.js).
  if (window.earlyCase) {
    Elan.caseRequest = answer(window.earlyCase);
    Elan.caseRequest.catch(() => {}); // the case page handles a failure; none goes unhandled
  }

  // The role in the (already verified) token only decides what to offer; the server decides
  // what may be done.
  const claimsOf = (t) => {
    try {
      return JSON.parse(decodeURIComponent(escape(atob(t.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")))));
    } catch {
      return {};
    }
  };
  const claims = claimsOf(token());
  const roleOf = (c) => c.role || c["custom:role"];
  const role = roleOf(claims);
  // An admin (the local token's claim, Cognito's group company-admins or firm-admins) manages
  // the company's forms or the firm's colleagues.
  const admin = claims.admin === true || /(^|,)(company|firm)-admins(,|$)/.test(claims["cognito:groups"]);
  // Where each role starts: the installer's cases, the network company's inbox.
  const home = (r) => (r === "network_company" ? "/inkorg/" : "/");

  const signOut = $("#sign-out");
  if (token() && signOut) {
    signOut.hidden = false;
    signOut.addEventListener("click", () => {
      sessionStorage.clear();
      // With OpenID Connect, the identity provider's session ends too (Cognito's /logout).
      location.href = config.signIn === "oidc"
        ? config.authority + "/logout?" + new URLSearchParams({ client_id: config.clientId, logout_uri: location.origin + "/logga-in/" })
        : "/logga-in/";
    });
  }
  // The menu and links of the other role go; a page of the other role sends people home.
  if (role) {
    for (const node of $$("[data-for]")) node.hidden = node.dataset.for !== role || (node.hasAttribute("data-admin") && !admin);
    $(".brand").href = home(role);
  }
  const forRole = { cases: "installer", "new-case": "installer", firm: "installer", inbox: "network_company", audit: "network_company", "handling-times": "network_company", subject: "network_company", formular: "network_company" }[page];
  const away = role && forRole && forRole !== role;
  if (away) location.replace(home(role));

  let forms;
  const byId = (list, id) => (list || []).find((x) => x.id === id);
  const el = (tag, text, attrs = {}) => {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    return node;
  };
  Object.assign(Elan, {
    api, el, byId, claims, claimsOf, role, roleOf, admin, home, signIn, away,
    org: claims.org || claims["custom:org"],
    // The companies and their forms, from the API (public): a company that publishes a new
    // version changes them without a new build of the pages that list them. Asked for once.
    formsData: () => (forms ??= api("GET", "/forms")),
    // The words the build wrote from the core (forms::words) for this page.
    words: () => JSON.parse($("#words-data").textContent),
    when,
    caseUrl: (c) => "/anmalan/" + c.company + "/" + c.installation_type + "/?id=" + encodeURIComponent(c.id),
    // "1 ärende", "3 ärenden".
    count: (n, one, many) => n + " " + (n === 1 ? one : many),
  });

  // --- Errors: a summary at the top and a message at each field (GOV.UK pattern) ---------
  Elan.showErrors = (problems) => {
    const summary = $("#error-summary");
    const heading = $("h2", summary);
    heading.dataset.fields ??= heading.textContent;
    heading.textContent = problems.some((p) => p.key) ? heading.dataset.fields : "Något gick fel";
    const list = $("ul", summary);
    list.replaceChildren();
    for (const p of problems) {
      const li = el("li");
      const target = p.key ? "#" + p.key : null;
      const link = target ? el("a", p.message, { href: target }) : el("span", p.message);
      // Focus the field, but scroll to its box, so that its label and message show too.
      if (target) link.addEventListener("click", (event) => {
        const input = $(target);
        if (!input) return;
        event.preventDefault();
        (input.closest(".field") || input).scrollIntoView();
        input.focus({ preventScroll: true });
      });
      li.append(link);
      list.append(li);
    }
    summary.hidden = problems.length === 0;
    if (problems.length) summary.focus();
  };

  window.Elan = Elan;
})();
