// The case page's moves that are confirmed in a dialog: the network company's decisions
// (Godkänn, Åter för komplettering, Ej godkänd) and Avsluta, the installer's Makulera and
// Färdiganmälan. The case and what is done with it come from case.js (Elan.casePage).
"use strict";
(async () => {
  // Set up once case.js has shown the case; not when it did not come (nor before sign-in).
  const page = Elan.casePage;
  if (!(await page?.loaded)) return;
  const { $, $$, api, el, showErrors } = Elan;
  const { setFieldError } = Elan.caseFields;
  const { id, done, doneInputs, message, companyName, words, show, render, check, failed } = page;
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
  if (!asking) return; // a draft's preview: no moves to confirm
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
  // Kundlänk's button is a data-action too (so that it loads this bundle), with a script of its own.
  for (const button of $$("button[data-action]")) if (ACTIONS[button.dataset.action]) button.addEventListener("click", () => ask(button.dataset.action));
  $("#action-cancel").addEventListener("click", () => asking.close());
  $("#action-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const [, , success, label] = ACTIONS[action];
    const text = note.value.trim();
    if (label && !text) {
      setFieldError("action-message", "Skriv ett meddelande till installatören.");
      return note.focus();
    }
    const body = { version: page.current.version };
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
})();
