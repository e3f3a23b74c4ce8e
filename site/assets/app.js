// Elanmälan's one script: no framework, no dependencies. Each page says what it is in
// <body data-page>; the server's answers are the authority, the checks here only help early.
"use strict";
(() => {
  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));
  // What the page is and how people sign in, fixed when the site was built (<body data-*>).
  const config = document.body.dataset;
  const page = config.page;

  // --- Sign-in and the API -----------------------------------------------------------------
  const token = () => sessionStorage.getItem("token");
  // What a page keeps before sign-in takes the person away (e.g. unsaved edits).
  let beforeSignIn = () => {};
  const signIn = () => {
    beforeSignIn();
    location.href = "/logga-in/?next=" + encodeURIComponent(location.pathname + location.search);
  };

  async function api(method, path, body) {
    const headers = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token()) headers.Authorization = "Bearer " + token();
    let response;
    try {
      response = await fetch("/api/v1" + path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw Object.assign(new Error("Ingen kontakt med servern. Kontrollera uppkopplingen och försök igen."), { status: 0 });
    }
    const data = await response.json().catch(() => ({}));
    if (response.status === 401 && page !== "sign-in") signIn();
    if (!response.ok) {
      const error = data.error || {};
      throw Object.assign(new Error(error.message || "Något gick fel. Försök igen."), {
        status: response.status, code: error.code, fields: error.fields || [],
      });
    }
    return data;
  }

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
  // The role in the (already verified) token only decides what to offer: a network company's
  // case handler creates no cases.
  const claims = (() => {
    try {
      return JSON.parse(atob(token().split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    } catch {
      return {};
    }
  })();
  const role = claims.role || claims["custom:role"];
  if (role === "network_company") for (const link of $$("a[href='/ny/']")) link.hidden = true;

  const formsData = () => JSON.parse($("#forms-data").textContent);
  const byId = (list, id) => list.find((x) => x.id === id);
  const when = (iso) => new Date(iso).toLocaleString("sv-SE", { dateStyle: "short", timeStyle: "short" });
  const el = (tag, text, attrs = {}) => {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    return node;
  };

  // --- Checks, the same rules as the server (forms/src/formats.rs) ------------------------
  const digits = (s) => Array.from(s).map(Number);
  const gs1 = (s) => {
    const sum = digits(s).reverse().reduce((a, d, i) => a + d * (i % 2 === 0 ? 3 : 1), 0);
    return (10 - (sum % 10)) % 10;
  };
  const luhn = (ds) => ds.reverse().reduce((a, d, i) => {
    const x = i % 2 === 1 ? d * 2 : d;
    return a + (x > 9 ? x - 9 : x);
  }, 0) % 10 === 0;
  const realDate = (y, m, d) => {
    const t = new Date(0);
    t.setUTCFullYear(y, m - 1, d); // not Date.UTC, which takes years below 100 as 19xx
    return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
  };
  const isDate = (v) => /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(v) && realDate(+v.slice(0, 4), +v.slice(5, 7), +v.slice(8, 10));

  function gsrnProblem(value, prefixes, label, company) {
    if (!/^735999[0-9]{12}$/.test(value)) return label + " ska vara 18 siffror som börjar med 735999.";
    if (gs1(value.slice(0, 17)) !== +value[17]) return "Kontrollsiffran i " + label + " stämmer inte. Kontrollera numret mot kundens elräkning.";
    if (!prefixes.some((p) => value.startsWith(p))) return label + " tillhör ett annat nätbolag än " + company + ". Kontrollera numret eller välj rätt nätbolag.";
    return null;
  }

  const IDENTITY_FORMAT = "Ange person-, samordnings- eller organisationsnummer med 10 eller 12 siffror, till exempel 19121212-1212 eller 556074-3089.";
  function identityProblem(value) {
    if (!/^(?:[0-9]{2})?[0-9]{6}[-+]?[0-9]{4}$/.test(value)) return IDENTITY_FORMAT;
    const all = digits(value.replace(/[-+]/g, ""));
    const century = all.length === 12 ? all[0] * 10 + all[1] : null;
    const ten = all.slice(-10);
    const two = (i) => ten[i] * 10 + ten[i + 1];
    const [yy, month, day] = [two(0), two(2), two(4)];
    const dateError = "Numret innehåller inget giltigt datum. Kontrollera numret med kunden.";
    if (month >= 20) {
      if (century !== null && century !== 16) return IDENTITY_FORMAT;
    } else {
      const d = day > 60 ? day - 60 : day;
      const years = century !== null ? [century * 100 + yy] : [1900 + yy, 2000 + yy];
      if (!years.some((y) => realDate(y, month, d))) return dateError;
    }
    return luhn(ten) ? null : "Kontrollsiffran stämmer inte. Kontrollera numret med kunden.";
  }

  // A field's label without its "(obligatoriskt)".
  const labelText = (id) => $("label[for='" + id + "']").firstChild.textContent.trim();

  function fieldProblem(input, form) {
    const value = input.value.trim();
    const label = labelText(input.id);
    if (!value) return input.getAttribute("aria-required") === "true" ? "Fyll i " + label + "." : null;
    const max = +input.getAttribute("maxlength");
    if (max && value.length > max) return label + " får vara högst " + max + " tecken.";
    const type = input.dataset.type;
    const pattern = input.dataset.pattern;
    if (type === "gsrn") return gsrnProblem(value.replace(/\s+/g, ""), form.dataset.gsrnPrefixes.split(","), label, form.dataset.companyName);
    if (type === "identity_number") return identityProblem(value);
    if (type === "date") return isDate(value) ? null : "Ange " + label + " som ÅÅÅÅ-MM-DD, till exempel 2026-12-01.";
    if (type === "number") {
      if (!/^-?[0-9]+$/.test(value)) return label + " ska vara ett heltal.";
      const n = +value, lo = input.dataset.min, hi = input.dataset.max;
      if ((lo !== undefined && n < +lo) || (hi !== undefined && n > +hi)) {
        const unit = input.parentElement.querySelector(".unit");
        return label + " ska vara mellan " + (lo ?? "…") + " och " + (hi ?? "…") + (unit ? " " + unit.textContent : "") + ".";
      }
      return null;
    }
    if (pattern && !new RegExp(pattern).test(value)) {
      return {
        email: "Ange en e-postadress, till exempel namn@exempel.se.",
        phone: "Ange ett telefonnummer med 7–15 siffror, till exempel 042-12 34 56.",
        postal_code: "Ange postnumret med fem siffror, till exempel 252 21.",
      }[type] || "Kontrollera " + label + ".";
    }
    return null;
  }

  // --- Errors: a summary at the top and a message at each field (GOV.UK pattern) ---------
  function showErrors(problems) {
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
  }

  function setFieldError(key, message) {
    const box = $("#field-" + key);
    if (!box) return;
    const error = $("#err-" + key);
    error.textContent = message ? "Fel: " + message : "";
    error.hidden = !message;
    box.classList.toggle("invalid", !!message);
  }

  // --- Pages ---------------------------------------------------------------------------------
  async function signInPage() {
    const params = new URLSearchParams(location.search);
    const status = $("#sign-in-status");
    // Back to where the person was: a path on this site only, never another site.
    const next = () => {
      try {
        const target = new URL(params.get("next") || "/", location.origin);
        return target.origin === location.origin ? target.href : "/";
      } catch {
        return "/";
      }
    };
    const done = (t) => {
      sessionStorage.setItem("token", t);
      location.href = next();
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
    $("#oidc-sign-in").addEventListener("click", async () => {
      const verifier = b64(crypto.getRandomValues(new Uint8Array(32)));
      const state = b64(crypto.getRandomValues(new Uint8Array(16)));
      sessionStorage.setItem("oidc_verifier", verifier);
      sessionStorage.setItem("oidc_state", state);
      sessionStorage.setItem("oidc_next", next());
      const challenge = b64(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
      location.href = authority + "/oauth2/authorize?" + new URLSearchParams({
        response_type: "code", client_id: clientId, redirect_uri: redirect, scope: "openid",
        code_challenge: challenge, code_challenge_method: "S256", state,
      });
    });
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
    params.set("next", savedNext || "/");
    done(data.id_token);
  }

  const caseUrl = (c) => "/anmalan/" + c.company + "/" + c.installation_type + "/?id=" + encodeURIComponent(c.id);

  async function casesPage() {
    if (!token()) return signIn();
    const status = $("#cases-status");
    const forms = formsData();
    try {
      const { cases } = await api("GET", "/cases");
      const body = $("#cases tbody");
      for (const c of cases) {
        const company = byId(forms.companies, c.company);
        const type = company && byId(company.installation_types, c.installation_type);
        // The link names the case by its type and address, so that links can be told apart.
        const address = [c.fields["installation.street_address"], c.fields["installation.city"]].filter(Boolean).join(", ");
        const name = (type ? type.name : c.installation_type) + " – " + (address || "adress saknas ännu");
        const row = el("tr");
        const what = el("td");
        what.append(el("a", name, { href: caseUrl(c) }), el("span", company ? company.name : c.company, { class: "sub" }));
        row.append(what, el("td", c.status_label), el("td", when(c.updated_at)));
        body.append(row);
      }
      $("#cases").hidden = cases.length === 0;
      status.textContent = cases.length ? cases.length + " ärenden, senast ändrade först." : "Du har inga ärenden ännu. Välj Ny anmälan för att skapa ett.";
    } catch (e) { status.textContent = e.message; }
  }

  function newCasePage() {
    if (!token()) return signIn();
    const forms = formsData();
    const form = $("#new-case");
    const [company, type, job, area] = ["company", "installation_type", "job_type", "network_area"].map((id) => $("#" + id));
    const fill = (select, items, prompt) => {
      select.replaceChildren(el("option", prompt, { value: "" }), ...items.map((i) => el("option", i.name, { value: i.id })));
      select.disabled = items.length === 0;
    };
    const chosenCompany = () => byId(forms.companies, company.value);
    company.addEventListener("change", () => {
      const c = chosenCompany();
      fill(type, c ? c.installation_types : [], c ? "Välj installationstyp" : "Välj först nätbolag");
      fill(area, c ? c.network_areas : [], c ? "Välj nätområde" : "Välj först nätbolag");
      fill(job, [], "Välj först installationstyp");
    });
    type.addEventListener("change", () => {
      const t = chosenCompany() && byId(chosenCompany().installation_types, type.value);
      fill(job, t ? t.job_types : [], t ? "Välj jobbtyp" : "Välj först installationstyp");
    });
    // After the back button the browser restores Nätbolag (by the time of "pageshow"), but not
    // the lists that follow it.
    addEventListener("pageshow", () => {
      if (company.value && type.disabled) company.dispatchEvent(new Event("change"));
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const labels = { company: "nätbolag", installation_type: "installationstyp", job_type: "jobbtyp", network_area: "nätområde" };
      // Only what can be chosen now: a job type only once there is an installation type.
      const missing = [company, type, job, area].filter((s) => !s.value && !s.disabled);
      showErrors(missing.map((s) => ({ key: s.id, message: "Välj " + labels[s.id] + "." })));
      if (missing.length) return;
      try {
        const c = await api("POST", "/cases", { company: company.value, installation_type: type.value, job_type: job.value, network_area: area.value });
        location.href = caseUrl(c);
      } catch (e) { showErrors([{ message: e.message }]); }
    });
  }

  async function casePage() {
    if (!token()) return signIn();
    const id = new URLSearchParams(location.search).get("id");
    const form = $("#case-form");
    const inputs = $$("[name]", form).filter((i) => i.name.includes("."));
    const status = $("#case-status");
    const message = $("#case-message");
    let current = null;
    let editing = false;

    const keyOf = (field) => field.replace(/\./g, "-");
    // A stored date that a date input cannot show (not ÅÅÅÅ-MM-DD) shows as empty; that is no
    // edit, and must not clear it.
    const unshown = (i) => i.type === "date" && !i.value && current.fields[i.name] && !isDate(current.fields[i.name]);
    const changed = () => Object.fromEntries(inputs
      .filter((i) => !unshown(i) && i.value.trim() !== (current.fields[i.name] || ""))
      .map((i) => [i.name, i.value.trim()]));
    const dirty = () => current && Object.keys(changed()).length > 0;

    function render(c) {
      current = c;
      form.hidden = false;
      for (const input of inputs) {
        input.value = c.fields[input.name] || "";
        setFieldError(input.id, null);
      }
      showErrors([]);
      const editable = ["draft", "returned"].includes(c.status);
      status.textContent = "Status: " + c.status_label + (editable ? "" : ". Anmälan är skickad och kan inte ändras.");
      $("#toolbar").hidden = !editable;
      if (!editable) setEditing(false);
      markMandatory();
    }

    // Mandatory fields still empty are shown red, with the text "(obligatoriskt)" in the label.
    function markMandatory() {
      for (const input of inputs) {
        const box = $("#field-" + input.id);
        box.classList.toggle("missing", input.getAttribute("aria-required") === "true" && !input.value.trim());
      }
    }

    function setEditing(on) {
      editing = on;
      for (const input of inputs) {
        if (input.tagName === "SELECT") input.disabled = !on;
        else input.readOnly = !on;
      }
      $("#copy-from-owner") && ($("#copy-from-owner").disabled = !on);
      $("#actions").hidden = !on;
      $("#edit").hidden = on;
    }

    function checkAll() {
      const problems = [];
      for (const input of inputs) {
        const p = fieldProblem(input, form);
        setFieldError(input.id, p);
        if (p) problems.push({ key: input.id, message: p });
      }
      return problems;
    }

    // The summary names the section too: "Namn" is both the owner's and the payer's.
    const inSection = (p) => {
      const legend = p.key && $("#" + p.key)?.closest("fieldset")?.querySelector("legend");
      return legend ? { ...p, message: legend.textContent + ": " + p.message } : p;
    };

    function showServerProblems(list) {
      const problems = list.map((p) => ({ key: keyOf(p.field), message: p.message }));
      for (const input of inputs) setFieldError(input.id, (problems.find((p) => p.key === input.id) || {}).message);
      showErrors(problems.map(inSection));
    }

    // Edits not yet saved are kept over a new sign-in, and over a reload when someone else
    // changed the case meanwhile; then they are put back on top of what is stored.
    const unsavedKey = "unsaved:" + id;
    const keepUnsaved = () => {
      if (editing && dirty()) sessionStorage.setItem(unsavedKey, JSON.stringify(changed()));
    };
    beforeSignIn = keepUnsaved;

    async function save() {
      const fields = Object.fromEntries(Object.entries(changed()).map(([k, v]) => [k, v === "" ? null : v]));
      if (!Object.keys(fields).length) return;
      try {
        render(await api("PATCH", "/cases/" + id, { version: current.version, fields }));
      } catch (e) {
        if (e.code === "version_conflict") {
          keepUnsaved();
          location.reload();
        }
        throw e;
      }
    }

    const showFailure = (e) => (e.fields.length ? showServerProblems(e.fields) : showErrors([{ message: e.message }]));

    try {
      render(await api("GET", "/cases/" + id));
    } catch (e) {
      status.textContent = e.message;
      form.hidden = true; // not an empty form under the message
      return;
    }

    const unsaved = JSON.parse(sessionStorage.getItem(unsavedKey) || "null");
    sessionStorage.removeItem(unsavedKey);
    if (unsaved && ["draft", "returned"].includes(current.status)) {
      for (const input of inputs) if (input.name in unsaved) input.value = unsaved[input.name];
      setEditing(true);
      markMandatory();
      message.textContent = "Dina osparade ändringar är tillbaka. Välj Spara för att spara dem.";
    }

    // A wrong value is shown when leaving the field; a message goes away as soon as the value
    // is right, while typing. (Taking it away on blur moved the page under a click on Spara, and
    // the click was lost.)
    for (const input of inputs) {
      input.addEventListener("input", () => {
        if (editing && !$("#err-" + input.id).hidden && !fieldProblem(input, form)) setFieldError(input.id, null);
        markMandatory();
      });
      input.addEventListener("blur", () => {
        const problem = editing && input.value.trim() ? fieldProblem(input, form) : null;
        if (problem) setFieldError(input.id, problem);
        markMandatory();
      });
    }
    $("#edit").addEventListener("click", () => {
      setEditing(true);
      message.textContent = "";
      const first = inputs.find((i) => !i.value) || inputs[0];
      first.focus();
    });

    const copy = $("#copy-from-owner");
    if (copy) {
      copy.addEventListener("click", () => {
        for (const pair of copy.dataset.map.split(",")) {
          const [from, to] = pair.split(":");
          const source = form.elements[from], target = form.elements[to];
          if (source && target) target.value = source.value;
        }
        markMandatory();
        message.textContent = "Uppgifterna om fastighetsägaren är kopierade till betalningsansvarig.";
      });
    }

    // Spara, then a confirmation: OK sends, Avbryt keeps the draft.
    const confirm = $("#confirm-dialog");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      message.textContent = "";
      try {
        await save();
      } catch (e) {
        showFailure(e);
        return;
      }
      const problems = checkAll();
      if (current.problems.length) {
        showServerProblems(current.problems);
        message.textContent = "Anmälan är sparad men kan inte skickas förrän felen ovan är rättade.";
        return;
      }
      if (problems.length) {
        showErrors(problems.map(inSection));
        return;
      }
      showErrors([]);
      confirm.showModal();
    });
    $("#confirm-cancel").addEventListener("click", () => confirm.close("cancel"));
    $("#confirm-ok").addEventListener("click", () => confirm.close("ok"));
    // Avbryt, Esc and the phone's back button all close the dialog without sending.
    confirm.addEventListener("close", async () => {
      if (confirm.returnValue !== "ok") {
        message.textContent = "Anmälan är sparad men inte skickad (Ej skickat). Nätbolaget kan inte se den förrän du skickar den.";
        $("#save").focus();
        return;
      }
      confirm.returnValue = "";
      try {
        render(await api("POST", "/cases/" + id + "/submit", { version: current.version }));
        setEditing(false);
        message.textContent = "Anmälan är skickad till " + form.dataset.companyName + ".";
        $("h1").focus();
      } catch (e) {
        showFailure(e);
      }
    });

    // Hämta anl-data.
    const dialog = $("#lookup-dialog");
    const lookupForm = $("#lookup-form");
    const lookupError = $("#lookup-error");
    const result = $("#lookup-result");
    const apply = $("#lookup-apply");
    const request = () => ({
      version: current.version,
      meter_number: $("#lookup-meter").value.trim() || null,
      ean: $("#lookup-ean").value.replace(/\s+/g, "") || null,
      overwrite: lookupForm.elements.overwrite.value === "yes",
    });
    const labelOf = (field) => {
      const label = $("label[for='" + keyOf(field) + "']");
      const section = label && label.closest("fieldset").querySelector("legend");
      return label ? section.textContent + ": " + labelText(label.htmlFor) : field;
    };
    const fail = (text) => {
      lookupError.textContent = text;
      lookupError.hidden = !text;
    };
    $("#open-lookup").addEventListener("click", async () => {
      try {
        if (editing && dirty()) await save();
      } catch (e) {
        showFailure(e);
        return;
      }
      fail("");
      result.replaceChildren();
      $("#lookup-found").textContent = "";
      apply.hidden = true;
      $("#lookup-meter").value = current.fields["installation.meter_number"] || "";
      $("#lookup-ean").value = current.fields["installation.ean"] || "";
      dialog.showModal();
    });
    $("#lookup-cancel").addEventListener("click", () => dialog.close());
    lookupForm.addEventListener("input", () => { apply.hidden = true; });
    lookupForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      fail("");
      result.replaceChildren();
      $("#lookup-found").textContent = "";
      apply.hidden = true;
      const r = request();
      if (!r.meter_number && !r.ean) return fail("Fyll i Mätarnummer eller Anläggnings-ID (EAN).");
      if (r.ean) {
        const p = gsrnProblem(r.ean, form.dataset.gsrnPrefixes.split(","), "Anläggnings-ID (EAN)", form.dataset.companyName);
        if (p) return fail(p);
      }
      try {
        const found = await api("POST", "/cases/" + id + "/lookup", { ...r, apply: false });
        const box = el("div", undefined, { class: "found" });
        $("#lookup-found").textContent = found.message;
        const who = found.installation["owner.name"];
        if (who) box.append(el("p", "Fastighetsägare: " + who + ". Kontrollera att det är rätt kund."));
        for (const w of found.warnings) box.append(el("p", w, { class: "error" }));
        if (found.changes.length) {
          const table = el("table", undefined, { class: "changes" });
          table.append(el("caption", "Fält som ändras"));
          const head = el("tr");
          head.append(el("th", "Fält", { scope: "col" }), el("th", "Före", { scope: "col" }), el("th", "Efter", { scope: "col" }));
          table.append(head);
          // In the order of the form, not the order the server happens to list them in.
          const order = (c) => inputs.findIndex((i) => i.name === c.field);
          for (const c of [...found.changes].sort((a, b) => order(a) - order(b))) {
            const row = el("tr");
            row.append(el("td", labelOf(c.field)), el("td", c.before || "–"), el("td", c.after || "–"));
            table.append(row);
          }
          box.append(table);
        } else {
          box.append(el("p", "Inga fält ändras."));
        }
        result.append(box);
        apply.hidden = false;
        apply.focus();
      } catch (e) { fail(e.message); }
    });
    apply.addEventListener("click", async () => {
      try {
        const found = await api("POST", "/cases/" + id + "/lookup", { ...request(), apply: true });
        render(found.case);
        dialog.close();
        message.textContent = editing
          ? "Anläggningsdata är hämtad. Kontrollera att det är rätt kund och fyll i resten."
          : "Anläggningsdata är hämtad. Kontrollera att det är rätt kund och välj Redigera för att fylla i resten.";
        // In edit mode the next thing to do is the first empty field; else "Redigera".
        (editing ? inputs.find((i) => !i.value) || $("#save") : $("#edit")).focus();
      } catch (e) { fail(e.message); }
    });
  }

  const pages = { "sign-in": signInPage, cases: casesPage, "new-case": newCasePage, case: casePage };
  if (pages[page]) pages[page]();
})();
