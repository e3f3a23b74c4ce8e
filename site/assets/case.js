// The case page, for both sides. The installer fills in the notice (sections from the
// definitions), fetches installation data, sends it, sends it again when it was returned,
// withdraws it, and files the completion notice once it is approved. The network company reads
// it and decides: Godkänn, Åter för komplettering, Ej godkänd, later Avsluta. Both see the
// case's history (Händelser) and write messages (Meddelanden).
// This script is the case itself: it loads, shows, edits, saves and sends it. The rest of the
// page is in scripts of their own, in this order in the bundle: the field checks
// (case-fields.js) and Händelser (case-history.js) before this one; Bilagor (attachments.js)
// after it, through Elan.casePage. Skicka (case-send.js), the moves confirmed in a dialog
// (case-moves.js), Meddelanden (case-messages.js) and Hämta anl-data (case-lookup.js) are a
// bundle loaded on first use (below).
"use strict";
(async () => {
  const { $, $$, api, el, token, signIn, role, showErrors } = Elan;
  if (!token()) return signIn();
  // The one reading is the network company's case handler (else the installer).
  const handler = role === "network_company";

  // The checks by the server's rules (checks.js, case-fields.js), and the words and moves from
  // the core.
  const { isDate } = Elan.checks;
  const { fieldProblem, setFieldError } = Elan.caseFields;
  // Repeatable groups and computed values (case-groups.js), on the forms that have them.
  const groups = Elan.caseGroups || { items: [], adds: [], render() {}, edit() {}, changed: () => [] };
  const words = Elan.words();

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

  // An item's key (`g[2].x`) as its input's id `g-2-x`.
  const keyOf = (field) => field.replace(/\[(\d+)\]/, "-$1").replace(/\./g, "-");
  // A stored date that a date input cannot show (not ÅÅÅÅ-MM-DD) shows as empty; that is no
  // edit, and must not clear it.
  const unshown = (i) => i.type === "date" && !i.value && current.fields[i.name] && !isDate(current.fields[i.name]);
  // A job that needs only a completion notice takes it with the notice, in Spara.
  const together = () => current.completion_only && may("edit");
  const editables = () => [...inputs, ...(together() ? doneInputs : [])];
  const changed = () => Object.fromEntries([...editables()
    .filter((i) => !unshown(i) && i.value.trim() !== (current.fields[i.name] || ""))
    .map((i) => [i.name, i.value.trim()]), ...groups.changed(current.fields)]);
  const dirty = () => current && Object.keys(changed()).length > 0;
  const is = (...statuses) => statuses.includes(current.status);
  // Whether the user may make the move now: the case's `actions`, from the core.
  const may = (move) => current.actions.includes(move);
  const show = (selector, on) => { $(selector).hidden = !on; };

  function render(c) {
    current = c;
    form.hidden = false;
    for (const input of [...inputs, ...doneInputs]) {
      input.value = c.fields[input.name] || "";
      setFieldError(input.id, null);
    }
    groups.render(c.fields);
    showErrors([]);
    const editable = may("edit");
    // The installer's guidance for the status (none for a draft).
    const next = !handler && words.guidance[c.status];
    status.textContent = "Status: " + c.status_label + (next ? ". " + next : "");
    const number = $("#case-number");
    number.replaceChildren("Ärendenummer: ", el("strong", c.number), ", " + c.firm.name);
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
      done.hidden = !(open || together() || is("completed", "closed"));
      const on = open || together() && editing;
      for (const input of doneInputs) input.tagName === "SELECT" ? (input.disabled = !on) : (input.readOnly = !on);
      show("#completion-actions", open);
      show("#completion-hint", open);
      show("#completion-only", together());
    }
    // Why the network company sent it back or said no, at the top for the installer.
    const decided = [...c.history].reverse().find((h) => h.action === { returned: "return", rejected: "reject" }[c.status]);
    show("#decision-note", !handler && decided && decided.message);
    if (decided) $("#decision-note p").textContent = decided.message;
    renderHistory(c);
    // A draft and an ended case take no messages (the core refuses them: docs/operations.md, "Retention").
    show("#messages", may("message"));
    show("#history-section", true);
    // With "Skriv ut / PDF": a sent case's.
    show("#to-history", c.submitted_at);
    markMandatory();
    for (const hear of page.onCase) hear(c);
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

  // A field or section with a condition (visible_when) is shown when its choice has the value,
  // or its computed value is within the bounds, and is shown itself; one with job types only in
  // a case of one of them. Hidden, it is neither mandatory nor checked, and its value is kept.
  const number = (v) => (v ? +v.replace(",", ".") : NaN);
  const holds = (v, { is, least, most }) => (is ?? v) === v &&
    (!least && !most || !isNaN(number(v)) && !(number(v) < least) && !(number(v) > most));
  const onJob = ({ jobTypes }) => !jobTypes || jobTypes.split(" ").includes(current.job_type);
  const shown = (box) => !box || onJob(box.dataset) &&
    (!box.dataset.when || ((c) => c && holds(c.value, box.dataset) && shown(c.closest(".field")) && shown(c.closest("fieldset")))($("#" + box.dataset.when)));
  const hiddenNow = (input) => !!input.closest(".field[hidden],fieldset[hidden]");

  // Mandatory fields still empty are shown red, with the text "(obligatoriskt)" in the label:
  // the completion notice's once it can be filed.
  function markMandatory() {
    for (const box of $$("[data-when],[data-job-types]")) box.hidden = !shown(box);
    for (const input of [...inputs, ...groups.items, ...(may("complete") || together() ? doneInputs : [])]) {
      const box = input.closest(".field");
      box.classList.toggle("missing", input.getAttribute("aria-required") === "true" && !input.value.trim() && !hiddenNow(input));
    }
  }

  function setEditing(on) {
    editing = on;
    for (const input of editables()) {
      if (input.tagName === "SELECT") input.disabled = !on;
      else input.readOnly = !on;
    }
    groups.edit(on);
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
    // An item's legend ("Växelriktare 2") begins the server's message already.
    const legend = p.key && $("#" + p.key)?.closest("fieldset")?.querySelector("legend").textContent;
    return legend && !p.message.startsWith(legend) ? { ...p, message: legend + ": " + p.message } : p;
  };

  function showServerProblems(list) {
    const problems = list.map((p) => ({ key: keyOf(p.field), message: p.message }));
    for (const input of [...inputs, ...doneInputs, ...groups.items, ...groups.adds]) setFieldError(input.id, (problems.find((p) => p.key === input.id) || {}).message);
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

  // What the page's other scripts share with this one. The bundle runs each script in a
  // function of its own, so they meet on this object: the case as it is now (`current`, and
  // `editing`, read through getters since both change), the page's parts and what they do with
  // the case. `loaded` says whether the case came (true) or not (false): the other scripts set
  // themselves up only then, as they did when they were part of this one. attachments.js (the
  // bundle of `data-files`) and case-times.js (`data-times`), loaded next to the case's request,
  // add to `onCase`, to hear of every case shown; attachments.js takes a changed case with `absorb`.
  groups.onDraw = markMandatory;
  let ready;
  const page = Elan.casePage = {
    id, form, inputs, done, doneInputs, message, companyName, words,
    get current() { return current; },
    get editing() { return editing; },
    loaded: new Promise((resolve) => { ready = resolve; }),
    onCase: [],
    keyOf, dirty, show, render, absorb, save, check, showFailure, failed,
    groups, editables, setEditing, showServerProblems, inSection,
  };
  // Bilagor (attachments.js) come while the case does, and show with it.
  for (const src of [form.dataset.files, form.dataset.times]) if (src) document.head.append(Object.assign(document.createElement("script"), { src }));

  try {
    const c = await (Elan.caseRequest || api("GET", "/cases/" + id));
    // A case is shown by the page of the forms' version it was made under.
    const v = c.definitions_version;
    if (v != form.dataset.definitionsVersion) return location.replace(`/anmalan/${c.company}/${c.installation_type}/v${v}/?id=${id}`);
    render(c);
  } catch (e) {
    status.textContent = e.message;
    form.hidden = true; // not an empty form under the message
    ready(false);
    return;
  }
  read(current);

  const unsaved = JSON.parse(sessionStorage.getItem(unsavedKey) || "null");
  sessionStorage.removeItem(unsavedKey);
  if (unsaved && may("edit")) {
    for (const input of inputs) if (input.name in unsaved) input.value = unsaved[input.name];
    groups.render(unsaved, false);
    setEditing(true);
    markMandatory();
    message.textContent = "Dina osparade ändringar är tillbaka. Välj Spara för att spara dem.";
  }

  // A wrong value is shown when leaving the field; a message goes away as soon as the value
  // is right, while typing. (Taking it away on blur moved the page under a click on Spara, and
  // the click was lost.)
  // On the forms, for the items that come and go too.
  for (const f of [form, done].filter(Boolean)) {
    const live = (input) => input.name && (editing || done?.contains(input) && !done.hidden);
    f.addEventListener("input", ({ target: input }) => {
      if (live(input) && $("#err-" + input.id)?.hidden === false && !fieldProblem(input, form)) setFieldError(input.id, null);
      markMandatory();
    });
    f.addEventListener("focusout", ({ target: input }) => {
      const problem = live(input) && input.value.trim() ? fieldProblem(input, form) : null;
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

  // Spara and Skicka, the moves confirmed in a dialog, Meddelanden, Hämta anl-data and Kundlänk
  // come in a bundle of their own (case-send.js, case-moves.js, case-messages.js,
  // case-lookup.js, case-link.js), loaded
  // when someone first uses one of them: the page alone stays under 14 KB gzipped. That first click or submit waits for it,
  // then is made again, now to the bundle's own listeners.
  let actions = null;
  const onFirstUse = (type, selector, again) => document.addEventListener(type, (event) => {
    const target = event.target.closest?.(selector);
    if (!target || actions === true) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    if (actions) return; // on its way already, for an earlier click
    actions = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = form.dataset.actions;
      script.onload = resolve;
      script.onerror = reject;
      document.head.append(script);
    });
    actions.then(() => {
      actions = true;
      again(target);
    }, () => {
      actions = null; // another click tries again
      showErrors([{ message: "Det gick inte att hämta det som behövs. Kontrollera anslutningen och försök igen." }]);
    });
  }, true);
  onFirstUse("click", "button[data-action], #open-lookup", (button) => button.click());
  onFirstUse("submit", "#case-form, #completion-form, #message-form", (f) => f.requestSubmit());
  ready(true);
})();
