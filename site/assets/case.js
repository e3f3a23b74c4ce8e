// The case page, for both sides. The installer fills in the notice (sections from the
// definitions), fetches installation data, sends it, sends it again when it was returned,
// withdraws it, and files the completion notice once it is approved. The network company reads
// it and decides: Godkänn, Åter för komplettering, Ej godkänd, later Avsluta. Both see the
// case's history (Händelser) and write messages (Meddelanden).
"use strict";
(async () => {
  const { $, $$, api, el, token, signIn, role, showErrors } = Elan;
  if (!token()) return signIn();
  // The one reading is the network company's case handler (else the installer).
  const handler = role === "network_company";

  // The checks by the server's rules (checks.js), and the words and moves from the core.
  const { isDate, gsrnProblem, valueProblem } = Elan.checks;
  const words = Elan.words();

  // A field's label without its "(obligatoriskt)".
  const labelText = (id) => $("label[for='" + id + "']").firstChild.textContent.trim();

  function fieldProblem(input, form) {
    const value = input.value.trim();
    const label = labelText(input.id);
    if (!value) return input.getAttribute("aria-required") === "true" ? "Fyll i " + label + "." : null;
    const max = +input.getAttribute("maxlength");
    if (max && value.length > max) return label + " får vara högst " + max + " tecken.";
    const unit = input.parentElement.querySelector(".unit");
    return valueProblem(input.dataset.type, value, {
      label, pattern: input.dataset.pattern, prefixes: form.dataset.gsrnPrefixes.split(","), company: form.dataset.companyName,
      min: input.dataset.min, max: input.dataset.max, unit: unit && unit.textContent,
    });
  }

  // A field's message is made with its first error, and named in its aria-describedby.
  function setFieldError(key, message) {
    const box = $("#" + key)?.closest(".field");
    if (!box) return;
    let error = $("#err-" + key);
    if (!error) {
      if (!message) return;
      const input = $("#" + key);
      error = el("p", undefined, { class: "error", id: "err-" + key });
      input.before(error);
      input.setAttribute("aria-describedby", ((input.getAttribute("aria-describedby") || "") + " err-" + key).trim());
    }
    error.textContent = message ? "Fel: " + message : "";
    error.hidden = !message;
    box.classList.toggle("invalid", !!message);
  }

  // --- The case ------------------------------------------------------------------------------
  const id = new URLSearchParams(location.search).get("id");
  const form = $("#case-form");
  const named = (root) => (root ? $$("[name]", root).filter((i) => i.name.includes(".")) : []);
  const inputs = named(form);
  // The completion notice (färdiganmälan): a form of its own, never part of Spara.
  const done = $("#completion-form");
  const doneInputs = named(done);
  const status = $("#case-status");
  const message = $("#case-message");
  const companyName = form.dataset.companyName;
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
  const is = (...statuses) => statuses.includes(current.status);
  // Whether the user may make the move now: the case's `actions`, from the core.
  const may = (move) => current.actions.includes(move);
  const show = (selector, on) => { $(selector).hidden = !on; };

  function render(c) {
    current = Elan.case = c;
    form.hidden = false;
    for (const input of [...inputs, ...doneInputs]) {
      input.value = c.fields[input.name] || "";
      setFieldError(input.id, null);
    }
    showErrors([]);
    const editable = may("edit");
    // The installer's guidance for the status (none for a draft).
    const next = !handler && words.guidance[c.status];
    status.textContent = "Status: " + c.status_label + (next ? ". " + next : "");
    const number = $("#case-number");
    number.replaceChildren("Ärendenummer: ", el("strong", c.number));
    number.hidden = !c.number;
    document.title = (c.number ? c.number + " " : "") + document.title.replace(/^[^ ]+-\d{4}-\d+ /, "");
    show("#toolbar", editable);
    if (!editable) setEditing(false);
    show("#decisions", may("approve"));
    show("#closing", may("close"));
    show("#withdrawing", may("withdraw"));
    // The completion notice: filled in once approved, read by both sides afterwards.
    if (done) {
      const open = may("complete");
      done.hidden = !(open || is("completed", "closed"));
      for (const input of doneInputs) input.tagName === "SELECT" ? (input.disabled = !open) : (input.readOnly = !open);
      show("#completion-actions", open);
      show("#completion-hint", open);
    }
    // Why the network company sent it back or said no, at the top for the installer.
    const decided = [...c.history].reverse().find((h) => h.action === { returned: "return", rejected: "reject" }[c.status]);
    show("#decision-note", !handler && decided && decided.message);
    if (decided) $("#decision-note p").textContent = decided.message;
    renderHistory(c);
    // A draft and an ended case take no messages (the core refuses them: docs/operations.md, "Retention").
    show("#messages", may("message"));
    show("#history-section", true);
    show("#to-history", true);
    markMandatory();
    Elan.onCase?.(c);
  }

  // Händelser: the case's history (case-history.js).
  const renderHistory = Elan.renderHistory;

  // A case that came back from the server after something that did not change its fields (a
  // message, having read it): shown whole, unless the installer is writing in the notice or the
  // completion notice; then only its new version and history, if nothing else changed meanwhile
  // (else the next Spara finds out).
  function absorb(c) {
    if (!editing && !doneInputs.some((i) => !i.readOnly && !i.disabled && i.value.trim() !== (current.fields[i.name] || ""))) return render(c);
    if (c.version <= current.version + 1) {
      Object.assign(current, { version: c.version, history: c.history, unread: c.unread });
      renderHistory(c);
    }
  }

  // attachments.js shows a case that changed with its files.
  Elan.absorb = absorb;

  // A field or section with a condition (visible_when) is shown when its choice has the value
  // and is shown itself; hidden, it is neither mandatory nor checked, and its value is kept.
  const shown = (box) => !box?.dataset.when || ((c) => c?.value === box.dataset.is && shown(c.closest(".field")) && shown(c.closest("fieldset")))($("#" + box.dataset.when));
  const hiddenNow = (input) => !!input.closest(".field[hidden],fieldset[hidden]");

  // Mandatory fields still empty are shown red, with the text "(obligatoriskt)" in the label:
  // the completion notice's once it can be filed.
  function markMandatory() {
    for (const box of $$("[data-when]")) box.hidden = !shown(box);
    for (const input of [...inputs, ...(may("complete") ? doneInputs : [])]) {
      const box = input.closest(".field");
      box.classList.toggle("missing", input.getAttribute("aria-required") === "true" && !input.value.trim() && !hiddenNow(input));
    }
  }

  function setEditing(on) {
    editing = on;
    for (const input of inputs) {
      if (input.tagName === "SELECT") input.disabled = !on;
      else input.readOnly = !on;
    }
    $("#copy-from-owner") && ($("#copy-from-owner").hidden = !on);
    $("#actions").hidden = !on;
    $("#edit").hidden = on;
  }

  const check = (list) => {
    const problems = [];
    for (const input of list.filter((i) => !hiddenNow(i))) {
      const p = fieldProblem(input, form);
      setFieldError(input.id, p);
      if (p) problems.push({ key: input.id, message: p });
    }
    return problems;
  };

  // The summary names the section too: "Namn" is both the owner's and the payer's.
  const inSection = (p) => {
    const legend = p.key && $("#" + p.key)?.closest("fieldset")?.querySelector("legend");
    return legend ? { ...p, message: legend.textContent + ": " + p.message } : p;
  };

  function showServerProblems(list) {
    const problems = list.map((p) => ({ key: keyOf(p.field), message: p.message }));
    for (const input of [...inputs, ...doneInputs]) setFieldError(input.id, (problems.find((p) => p.key === input.id) || {}).message);
    showErrors(problems.map(inSection));
  }

  // Edits not yet saved are kept over a new sign-in, and over a reload when someone else
  // changed the case meanwhile; then they are put back on top of what is stored.
  const unsavedKey = "unsaved:" + id;
  const keepUnsaved = () => {
    if (editing && dirty()) sessionStorage.setItem(unsavedKey, JSON.stringify(changed()));
  };
  Elan.beforeSignIn = keepUnsaved;

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
  // Someone else was first (the other handler decided, the installer withdrew): the server's
  // message, over the case as it is now.
  async function failed(e) {
    if (e.status !== 409) return showFailure(e);
    try {
      render(await api("GET", "/cases/" + id));
      message.textContent = "Anmälan är hämtad på nytt och visar hur den ser ut nu.";
    } catch { /* the message below says enough */ }
    showErrors([{ message: e.message }]);
  }

  const read = (c) => {
    // The page shows the news, so it is read: the other side's list stops marking it.
    if (c.unread) api("POST", "/cases/" + id + "/read").then(absorb, () => {});
  };
  try {
    render(await (Elan.caseRequest || api("GET", "/cases/" + id)));
  } catch (e) {
    status.textContent = e.message;
    form.hidden = true; // not an empty form under the message
    return;
  }
  read(current);

  const unsaved = JSON.parse(sessionStorage.getItem(unsavedKey) || "null");
  sessionStorage.removeItem(unsavedKey);
  if (unsaved && may("edit")) {
    for (const input of inputs) if (input.name in unsaved) input.value = unsaved[input.name];
    setEditing(true);
    markMandatory();
    message.textContent = "Dina osparade ändringar är tillbaka. Välj Spara för att spara dem.";
  }

  // A wrong value is shown when leaving the field; a message goes away as soon as the value
  // is right, while typing. (Taking it away on blur moved the page under a click on Spara, and
  // the click was lost.)
  for (const input of [...inputs, ...doneInputs]) {
    const live = () => editing || !done.hidden && done.contains(input);
    input.addEventListener("input", () => {
      if (live() && $("#err-" + input.id)?.hidden === false && !fieldProblem(input, form)) setFieldError(input.id, null);
      markMandatory();
    });
    input.addEventListener("blur", () => {
      const problem = live() && input.value.trim() ? fieldProblem(input, form) : null;
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
  const confirmText = $("#confirm-text");
  confirmText.dataset.first = confirmText.textContent;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.textContent = "";
    try {
      await save();
    } catch (e) {
      showFailure(e);
      return;
    }
    const problems = check(inputs);
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
    confirmText.textContent = is("returned") ? confirmText.dataset.again : confirmText.dataset.first;
    confirm.showModal();
  });
  $("#confirm-cancel").addEventListener("click", () => confirm.close("cancel"));
  $("#confirm-ok").addEventListener("click", () => confirm.close("ok"));
  // Avbryt, Esc and the phone's back button all close the dialog without sending.
  confirm.addEventListener("close", async () => {
    if (confirm.returnValue !== "ok") {
      message.textContent = is("returned")
        ? "Anmälan är sparad men inte skickad igen (" + current.status_label + "). Skicka den när du är klar."
        : "Anmälan är sparad men inte skickad (" + current.status_label + "). Nätbolaget kan inte se den förrän du skickar den.";
      $("#save").focus();
      return;
    }
    confirm.returnValue = "";
    try {
      render(await api("POST", "/cases/" + id + "/submit", { version: current.version }));
      setEditing(false);
      message.textContent = "Anmälan är skickad till " + companyName + (is("approved") ? " och godkändes direkt." : ".");
      $("h1").focus();
    } catch (e) {
      failed(e);
    }
  });

  // --- The moves that are confirmed in a dialog: decisions, Avsluta, Makulera, Färdiganmälan --
  const { statuses, moves } = words;
  const ACTIONS = {
    approve: ["Godkänn anmälan?", "Installatören får besked att arbetet får utföras.", "Anmälan är godkänd."],
    return: [moves.return + "?", "Anmälan går tillbaka till installatören, som kan rätta den och skicka den igen.",
      "Anmälan är skickad åter till installatören för komplettering.", "Vad ska installatören komplettera?"],
    reject: [moves.reject + "?", "Anmälan får status " + statuses.rejected + ". Installatören ser ditt meddelande.", "Anmälan är inte godkänd.",
      "Varför godkänns anmälan inte?"],
    close: ["Avsluta ärendet?", "Ärendet får status " + statuses.closed + " och kan inte ändras mer.", "Ärendet är avslutat."],
    withdraw: ["Makulera anmälan?", "En makulerad anmälan kan inte ändras eller skickas igen.", "Anmälan är makulerad."],
    complete: ["Skicka färdiganmälan?", "Färdiganmälan skickas till " + companyName + " och kan inte ändras efteråt.", "Färdiganmälan är skickad till " + companyName + "."],
  };
  const asking = $("#action-dialog");
  const note = $("#action-message");
  let action = null;
  function ask(name) {
    action = name;
    const [title, text, , label] = ACTIONS[name];
    $("#action-title").textContent = title;
    $("#action-text").textContent = text;
    show("#field-action-message", label);
    if (label) $("label[for=action-message]").replaceChildren(label + " ", el("span", "(obligatoriskt)", { class: "mandatory" }));
    note.value = "";
    setFieldError("action-message", null);
    asking.showModal();
  }
  for (const button of $$("button[data-action]")) button.addEventListener("click", () => ask(button.dataset.action));
  $("#action-cancel").addEventListener("click", () => asking.close());
  $("#action-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const [, , success, label] = ACTIONS[action];
    const text = note.value.trim();
    if (label && !text) {
      setFieldError("action-message", "Skriv ett meddelande till installatören.");
      return note.focus();
    }
    const body = { version: current.version };
    let path = action;
    if (["approve", "return", "reject"].includes(action)) {
      path = "decision";
      Object.assign(body, { decision: action, message: text || null });
    }
    if (action === "complete") {
      path = "completion";
      body.fields = Object.fromEntries(doneInputs.filter((i) => i.value.trim()).map((i) => [i.name, i.value.trim()]));
    }
    const ok = $("#action-ok");
    ok.disabled = true;
    try {
      render(await api("POST", "/cases/" + id + "/" + path, body));
      asking.close();
      message.textContent = success;
      $("h1").focus();
    } catch (e) {
      if (label && e.status === 422) return setFieldError("action-message", e.message);
      asking.close();
      failed(e);
    } finally {
      ok.disabled = false;
    }
  });
  if (done) done.addEventListener("submit", (event) => {
    event.preventDefault();
    const problems = check(doneInputs);
    if (problems.length) return showErrors(problems);
    showErrors([]);
    ask("complete");
  });

  // --- Meddelanden: either side writes once the case is sent ------------------------------------
  const text = $("#message-text");
  $("#message-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = text.value.trim();
    if (!value) {
      setFieldError("message-text", "Skriv ett meddelande.");
      return text.focus();
    }
    try {
      const c = await api("POST", "/cases/" + id + "/messages", { text: value });
      text.value = "";
      setFieldError("message-text", null);
      absorb(c);
      $("#history li:last-child").tabIndex = -1;
      $("#history li:last-child").focus();
    } catch (e) {
      if (e.status === 409) return failed(e);
      setFieldError("message-text", e.message);
      text.focus();
    }
  });

  // --- Hämta anl-data ------------------------------------------------------------------------
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
        // One change a row; on a phone a card: the field, then Före and Efter, one a line.
        const table = el("table", undefined, { class: "changes" });
        const head = el("tr");
        head.append(el("th", "Fält", { scope: "col" }), el("th", "Före", { scope: "col" }), el("th", "Efter", { scope: "col" }));
        const rows = el("tbody");
        table.append(el("caption", "Fält som ändras"), el("thead"), rows);
        table.tHead.append(head);
        // In the order of the form, not the order the server happens to list them in.
        const order = (c) => inputs.findIndex((i) => i.name === c.field);
        for (const c of [...found.changes].sort((a, b) => order(a) - order(b))) {
          const row = el("tr");
          row.append(el("th", labelOf(c.field), { scope: "row" }), el("td", c.before || "–", { "data-label": "Före" }), el("td", c.after || "–", { "data-label": "Efter" }));
          rows.append(row);
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
})();
